"""The offline demo without a browser: the seeded server, a scenario, then the preview's snapshot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.demo import screenshots
from bot.demo.run import handle
from bot.demo.session import DemoSession, start_session
from bot.demo.world import CIRCLE_NAME, REFLECTION_PROMPT, SEED_REPLY, SEED_VENT
from tests.demo_helpers import authors, buttons, message_texts


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[DemoSession]:
    """A demo session with its database in the test's own folder."""
    demo = await start_session(tmp_path)
    yield demo
    await demo.close()


async def snapshot_of(session: DemoSession, prefix: str) -> dict:
    await session.open(session.find(prefix))
    assert session.preview is not None
    return await session.preview.snapshot()


async def test_seeded_vent_shows_post_and_reply_without_anyone_named(session):
    snapshot = await snapshot_of(session, "#vent")
    shown = message_texts(snapshot)
    assert SEED_VENT in shown
    assert SEED_REPLY in shown
    assert authors(snapshot) == {"Peer Circle"}  # the bot posts both; nobody's name appears
    projected = json.dumps(snapshot["messages"])
    for member in session.world.viewers:
        assert member.user.name not in projected
    assert "Reply anonymously" in buttons(snapshot)


async def test_seeded_places_hold_the_prompt_card_and_checkin(session):
    labels = [p.label for p in session.places()]
    assert labels[:2] == ["#general", "#vent: Talked about, not with"]
    assert f"#co-reflection: {REFLECTION_PROMPT} (Thu 01 Jan)" in labels
    assert REFLECTION_PROMPT in message_texts(await snapshot_of(session, "#co-reflection"))
    assert "Strategy of the week" in message_texts(await snapshot_of(session, "#resources"))
    dm = await snapshot_of(session, "DMs of alex")
    assert "Your check-in from **Peer Circle demo**" in message_texts(dm)
    assert buttons(dm)[:2] == ["Answer", "Not today"]


async def test_answering_the_checkin_shows_the_reply_in_the_dm(session):
    peer = session.world.peer.user
    prompt = peer.dm_channel.history()[-1]
    opened = await peer.click(prompt, label="Answer")
    assert opened.modal is not None
    await peer.submit_modal(opened, {"checkin-answer": "I spoke up in the team meeting."})
    shown = message_texts(await snapshot_of(session, "DMs of alex"))
    assert "Thank you for taking the moment" in shown, shown


async def test_advancing_time_brings_the_next_prompt(session):
    before = len(session.world.peer.user.dm_channel.history())
    when = await session.advance("d")
    assert when.startswith("Fri 02 Jan 2026 09:01")
    assert len(session.world.peer.user.dm_channel.history()) == before + 1
    assert len(session.world.reflection.threads) == 2


async def test_demo_database_lives_in_its_own_folder(session, tmp_path):
    assert (tmp_path / "demo.db").exists()
    assert session.env.now().year == 2026  # virtual time, not the machine's clock


async def test_terminal_menu_moves_time_opens_places_and_quits(session):
    shown: list[str] = []
    assert await handle(session, "d", shown.append, False)
    assert shown[0] == "Virtual time is now Fri 02 Jan 2026 09:01 UTC."
    assert f"{REFLECTION_PROMPT} (Fri 02 Jan)" in shown[1]  # the menu lists the new prompt's thread
    shown.clear()
    assert await handle(session, "1", shown.append, False)
    assert session.place is not None and session.place.label == "#general"
    assert any(line.strip().startswith("http://127.0.0.1:") for line in shown)
    shown.clear()
    assert await handle(session, "zz", shown.append, False)
    assert shown[0].startswith("'zz' is not on the menu")
    assert not await handle(session, "q", shown.append, False)


async def test_seeded_circle_is_meeting_with_its_agreement_prompt_and_button(session):
    labels = [p.label for p in session.places()]
    assert f"#circles: {CIRCLE_NAME} · 1 Jan" in labels  # the 08:00 meeting's thread, still open at 09:01
    snapshot = await snapshot_of(session, "#circles")
    shown = message_texts(snapshot)
    assert f"**{CIRCLE_NAME}** is meeting now (meeting 1 of 4)" in shown
    assert shown.index("**Our agreement**") < shown.index("**Prompt**")
    # The announcement and the meeting each carry the opt-in button.
    assert buttons(snapshot).count("Tell me when this circle meets") == 2


def test_screenshots_refuses_an_unknown_scenario_and_writes_nothing(tmp_path, capsys):
    assert screenshots.main([str(tmp_path / "out"), "circle", "no-such"]) == 2
    assert "no such scenario: no-such" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_shrink_keeps_the_picture_in_a_small_palette(tmp_path):
    from PIL import Image

    path = tmp_path / "shot.png"
    # A gradient with far more than 128 colours, like anti-aliased text.
    Image.frombytes("RGB", (256, 64), bytes(v for x in range(256 * 64) for v in (x % 256, x // 256, 90))).save(path)
    screenshots.shrink(path)
    with Image.open(path) as shrunk:
        assert shrunk.mode == "P" and shrunk.size == (256, 64)
        assert len(shrunk.getcolors(maxcolors=256) or []) <= 128
