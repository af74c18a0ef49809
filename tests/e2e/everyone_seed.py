"""One member who uses every feature that keeps something (a helper for tests, not a test module).

Used by the privacy registry's checks (every personal table then holds a row about them) and by the
copy to PostgreSQL (every table then has rows to copy).
"""

from __future__ import annotations

from tests.e2e.checkin_helpers import advance, answer, dms, start
from tests.e2e.venting_helpers import moderate, reply, use_forum, vent
from tests.e2e.world import World

HOUR = 3600


async def seed_everything(world: World, env, services):
    """A member who moderates and facilitates, and uses every feature that keeps something."""
    riley = world.guild.add_member(env.create_user("riley"), roles=[world.mod_role, world.facilitator_role])
    general = world.general
    for feature in ("venting", "reflection"):
        await world.mod.slash(general, "config feature", feature=feature, enabled=True)
    await world.mod.slash(general, "config facilitator-role", role=world.facilitator_role)
    room = world.guild.create_text_channel("reflection")
    await world.mod.slash(general, "config reflection-channel", action="add", channel=room)
    forum = await use_forum(world)
    await riley.slash(general, "preferences timezone", name="UTC")
    await start(world, riley, keep=30)
    shown = await riley.slash(general, "moment add", keep=90)
    shown = await riley.click(shown.response.message, label="Turn on and write one")
    await riley.submit_modal(shown, {"moment-text": "a good exchange"})
    await riley.slash(general, "moment lookback", on=True, time="18:00")
    await riley.slash(general, "strategy save", strategy="not-about-me")
    await riley.slash(general, "strategy remind start", cadence="daily", time="09:30", group="isolation")
    await riley.slash(general, "support-volunteer", action="join")
    await riley.slash(general, "reflect prompts add", text="What did today teach you?")
    await riley.slash(general, "reflect schedule", channel=room, prompt="A prompt", repeat="daily", time="10:00")
    # Anonymous: riley posts and a moderator blocks riley's post, with a reason left for its author;
    # riley moderates someone else's reply.
    await vent(riley, world)
    thread = forum.threads[0]
    # Two anonymous replies of riley's; a moderator removes the first, which leaves a gap (vent_link_gaps).
    await reply(riley, thread, "first of two")
    await advance(env, 120)  # past the reply cooldown
    await reply(riley, thread, "second of two")
    menu = await moderate(world, thread, thread.history()[1])
    await world.mod.click(menu.response, label="Remove it")
    menu = await moderate(world, thread, thread.history()[0])
    await world.mod.select(menu.response, ["week"])
    shown = await world.mod.click(menu.response, label="Tell the author why…")
    await world.mod.submit_modal(shown, {"note_reason": "A week to step back."})
    await reply(world.other, thread, "another voice")
    menu = await riley.context_menu(thread, "Moderate anonymous message", thread.history()[-1])
    await riley.click(menu.response, label="Remove it")
    disclosure = await riley.slash(general, "disclosure")
    message = disclosure.response.message
    for _ in range(5):
        message = (await riley.click(message, label="Next")).response.message
    notes = await riley.click(message, label="Keep notes")
    await riley.submit_modal(notes, {"notes-who": "my own thinking"})
    # Check-in at 09:00 (answered, kept; riley's DM channel id is stored); the 09:30 reminder is refused (a
    # notice is owed); 18:00 look-back.
    await advance(env, 9 * HOUR + 60 - 120)  # less the two minutes the anonymous replies waited
    await answer(riley, dms(riley)[0], "kept answer")
    # Refused twice: riley's stored DM channel, then the channel opened again once (bot.delivery.dm).
    env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send", times=2)
    await advance(env, HOUR)
    await advance(env, 8 * HOUR)
    # Welcome messages running; peer connection with a suggestion waiting for riley and another member.
    shown = await riley.slash(general, "welcome start")
    await riley.click(shown.response.message, label="Start")
    await world.mod.slash(general, "config feature", feature="connect", enabled=True)
    await world.mod.slash(general, "connect channel", channel=general)
    for person, workplace in ((riley, "Riverside"), (world.other, "Hilltop")):
        shown = await person.slash(general, "connect join", workplace=workplace)
        await person.select(shown.response.message, ["inpatient"], custom_id="connect-settings")
        await person.click(shown.response.message, label="Join")
    # The next morning's check-in meets a Discord outage: it waits in the outbox to be sent again.
    env.inject_error("POST", "/channels/*/messages", status=503, message="Service Unavailable", times=1)
    await advance(env, 15 * HOUR - 50)
    return riley
