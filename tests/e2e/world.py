"""A small server for end-to-end tests: channels, a moderator, a facilitator and an ordinary member."""

from __future__ import annotations

from dataclasses import dataclass

import discord
from simcord import ChannelHandle, Env, GuildHandle, MemberActor, RoleHandle


@dataclass
class World:
    """Handles for one simulated server."""

    env: Env
    guild: GuildHandle
    general: ChannelHandle
    mod: MemberActor
    member: MemberActor
    other: MemberActor
    facilitator: MemberActor
    mod_role: RoleHandle
    facilitator_role: RoleHandle


def make_world(env: Env) -> World:
    """Arrange a server with the people most tests need."""
    guild = env.create_guild("Peer Circle")
    general = guild.create_text_channel("general")
    mod_role = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    facilitator_role = guild.create_role("Facilitators")
    mod = guild.add_member(env.create_user("mod"), roles=[mod_role])
    facilitator = guild.add_member(env.create_user("fran"), roles=[facilitator_role])
    member = guild.add_member(env.create_user("alex"))
    other = guild.add_member(env.create_user("sam"))
    return World(env, guild, general, mod, member, other, facilitator, mod_role, facilitator_role)
