"""Keeping venting to peers: an optional role that /vent and anonymous replies require.

Some servers also host allies or supervisors. A moderator can choose a role (/config vent-role);
then only members with it can post or reply anonymously. Not set (the default), everyone can. The
check reads the member's roles from the interaction at that moment; nothing about them is stored.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import UserFacingError
from bot.interactions import services
from bot.services.guild_settings import SettingSpec, parse_snowflake, register_setting

SETTING = "vent_role"
register_setting(SettingSpec(SETTING, "Role needed to vent", None, parse_snowflake, "role"))


async def require_vent_role(interaction: discord.Interaction[Any], doing: str = "Nothing was posted.") -> None:
    """Refuse a member without the server's vent role, naming the role; anyone passes when none is set."""
    if interaction.guild is None:
        return
    role_id = (await services(interaction).guilds.get(interaction.guild.id)).get(SETTING)
    if role_id is None:
        return
    member = interaction.user
    if isinstance(member, discord.Member) and any(role.id == role_id for role in member.roles):
        return
    role = interaction.guild.get_role(role_id)
    if role is None:
        raise UserFacingError(
            "Anonymous venting here is limited to a role that no longer exists, so nobody can post for now. "
            f"A moderator can choose another with /config vent-role. {doing}"
        )
    raise UserFacingError(
        f"Anonymous venting in this server is for members with the **{role.name}** role. If you think you "
        f"should have it, you can ask a moderator. {doing}"
    )
