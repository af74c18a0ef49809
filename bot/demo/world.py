"""The demo's simulated server: a small peer community with every feature on and a few posts in it.

Everything is arranged the way a moderator, a facilitator and peers would do it in Discord: through
the bot's real slash commands, buttons and forms, run by SimCord. Nothing here reaches into the
database, so the demo shows exactly what the bot does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import discord
from simcord import ChannelHandle, Env, GuildHandle, MemberActor, RoleHandle

HOUR = 3600.0
# SimCord settles each step within its timeout; six simulated hours per step keeps every step quick.
STEP_SECONDS = 6 * HOUR
# Off until a moderator turns them on; check-ins, strategies, resources and support are on by default.
FEATURES = ("venting", "reflection", "circles", "connect")
REFLECTION_PROMPT = "What helped you hold on to peer values this week?"
SEED_VENT_TITLE = "Talked about, not with"
SEED_VENT = (
    "Today a team meeting talked about the people we support as if I wasn't in the room. "
    "I said nothing and I'm still turning it over."
)
SEED_REFLECTIONS = (
    "Saying at the start of the meeting that I was there as a peer, not as an extra pair of hands.",
    "Talking it through with people outside my workplace. It helped to hear it wasn't about me.",
)
SEED_REPLY = "That sounds exhausting. Choosing your battles is still a choice, not a failure."
CIRCLE_NAME = "Thursday circle"
# A built-in prompt first (keys as in /reflect prompts list), then the facilitator's own words.
CIRCLE_PROMPTS = "b:reflect-not-about-me | What helped you hold on to peer values this week?"
CIRCLE_CLOSING = "One line, if you'd like: what will you take with you?"


@dataclass
class DemoWorld:
    """Handles for the demo server and the people in it."""

    env: Env
    guild: GuildHandle
    general: ChannelHandle
    vent: Any  # a forum channel handle; each post is a thread
    reflection: ChannelHandle
    circles: ChannelHandle
    resources: ChannelHandle
    moderator: MemberActor
    facilitator: MemberActor
    peer: MemberActor
    other_peer: MemberActor
    facilitator_role: RoleHandle

    @property
    def viewers(self) -> list[MemberActor]:
        """Everyone the page can show the server as: the two peers first, then facilitator and moderator."""
        return [self.peer, self.other_peer, self.facilitator, self.moderator]


def build_world(env: Env) -> DemoWorld:
    """Create the server, its channels and roles, and four members (the bot is not asked anything yet)."""
    guild = env.create_guild("Peer Circle demo")
    general = guild.create_text_channel("general")
    vent = guild.create_forum_channel("vent")
    reflection = guild.create_text_channel("co-reflection")
    circles = guild.create_text_channel("circles")
    resources = guild.create_text_channel("resources")
    mod_role = guild.create_role("Moderators", permissions=discord.Permissions(manage_guild=True))
    facilitator_role = guild.create_role("Facilitators")
    return DemoWorld(
        env=env,
        guild=guild,
        general=general,
        vent=vent,
        reflection=reflection,
        circles=circles,
        resources=resources,
        moderator=guild.add_member(env.create_user("robin (moderator)"), roles=[mod_role]),
        facilitator=guild.add_member(env.create_user("kai (facilitator)"), roles=[facilitator_role]),
        peer=guild.add_member(env.create_user("alex (peer)")),
        other_peer=guild.add_member(env.create_user("sam (peer)")),
        facilitator_role=facilitator_role,
    )


async def advance(env: Env, seconds: float) -> None:
    """Move virtual time forward in steps, so everything due on the way fires in order."""
    while seconds > 0:
        step = min(seconds, STEP_SECONDS)
        await env.advance_time(step)
        seconds -= step


def until_next(now: datetime, hour: int) -> float:
    """Seconds from `now` to the next time the clock shows `hour`:00 (tomorrow when it has passed)."""
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return (target - now).total_seconds()


async def configure(world: DemoWorld) -> None:
    """The moderator turns on the features that start off and chooses the channels and the facilitator role."""
    mod, general = world.moderator, world.general
    for feature in FEATURES:
        await mod.slash(general, "config feature", feature=feature, enabled=True)
    await mod.slash(general, "config vent-channel", channel=world.vent)
    await mod.slash(general, "config facilitator-role", role=world.facilitator_role)
    for channel in (world.reflection, world.circles):
        await mod.slash(general, "config reflection-channel", action="add", channel=channel)
    # Introductions open private threads under #general.
    await mod.slash(general, "connect channel", channel=general)


async def start_circle(world: DemoWorld) -> None:
    """The facilitator sets up a weekly circle meeting at 08:00 UTC from the demo's first day; one peer
    asks to be mentioned. Its first meeting opens while the seed moves to 09:00, and stays open to look at."""
    await world.facilitator.slash(
        world.general,
        "circle create",
        name=CIRCLE_NAME,
        channel=world.circles,
        start=world.env.now().date().isoformat(),
        time="08:00",
        cadence="weekly",
        prompts=CIRCLE_PROMPTS,
        meetings=4,
        zone="UTC",
        closing=CIRCLE_CLOSING,
    )
    announced = [m for m in world.circles.history() if m.author.bot]
    if not announced:
        raise RuntimeError("the demo could not set up a circle: /circle create posted nothing")
    await world.peer.click(announced[-1], label="Tell me when this circle meets")


async def seed(world: DemoWorld) -> None:
    """A few things to look at: an anonymous vent with an anonymous reply, a co-reflection prompt
    with its thread, a circle's first meeting, a strategy card in #resources, and a check-in waiting
    in the first peer's DMs."""
    await configure(world)
    await start_circle(world)
    shown = await world.peer.slash(world.general, "vent")
    await world.peer.submit_modal(shown, {"vent_title": SEED_VENT_TITLE, "vent_text": SEED_VENT})
    post = world.vent.threads[-1]
    opened = await world.other_peer.click(post.history()[0], label="Reply anonymously")
    await world.other_peer.submit_modal(opened, {"vent_reply_text": SEED_REPLY})
    await world.facilitator.slash(
        world.general,
        "reflect schedule",
        channel=world.reflection,
        prompt=REFLECTION_PROMPT,
        repeat="daily",
        time="09:00",
    )
    await world.moderator.slash(world.general, "strategy-week set", channel=world.resources, day=3, time="09:00")
    shown = await world.peer.slash(world.general, "checkin start", time="09:00")
    if shown.response is None:
        raise RuntimeError("the demo could not start a check-in: /checkin start gave no answer")
    await world.peer.click(shown.response.message, label="Start")
    # Move to the first 09:00, when the prompt, the check-in and the strategy card appear (and the
    # circle's 08:00 meeting has opened).
    await advance(world.env, until_next(world.env.now(), 9) + 60)
    # Two peers answer the prompt in its thread (members' own messages: the bot never reads them).
    thread = world.reflection.threads[-1]
    for person, text in zip((world.other_peer, world.peer), SEED_REFLECTIONS, strict=True):
        await person.send(thread, text)
