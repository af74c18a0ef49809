"""Kept disclosure notes on a real migrated database with a fake clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Services
from bot.clock import FakeClock
from bot.errors import UserFacingError
from cogs.disclosure.service import NOTE_FIELD_MAX, NOTES_KEEP_DAYS, NOTES_MAX, DisclosureNotes

GUILD, OTHER_GUILD = 111, 222
ALICE, BOB = 900000000000000001, 900000000000000002


@pytest.fixture
def notes(services: Services) -> DisclosureNotes:
    """The notes service over the test's core services."""
    return DisclosureNotes.build(services)


def test_the_longest_full_form_fits_exactly():
    full = "\n".join(f"{step}: " + "x" * NOTE_FIELD_MAX for step in ("Who", "What", "When", "Where", "Why"))
    assert len(full) == NOTES_MAX


async def test_notes_are_encrypted_and_read_back_newest_first(services: Services, clock: FakeClock, notes):
    first = await notes.keep(GUILD, ALICE, "Who: my lead")
    assert first == clock.now() + timedelta(days=NOTES_KEEP_DAYS)
    clock.advance(60)
    await notes.keep(GUILD, ALICE, "Why: to ask for flexibility")
    bodies = [r["body"] for r in await services.db.fetchall("SELECT body FROM disclosure_notes")]
    assert all(b"my lead" not in body and b"flexibility" not in body for body in bodies)
    assert [e.text for e in await notes.entries(ALICE, GUILD)] == ["Why: to ask for flexibility", "Who: my lead"]
    assert await notes.entries(BOB, GUILD) == []


async def test_empty_or_too_long_notes_are_refused(notes):
    with pytest.raises(UserFacingError, match="no notes"):
        await notes.keep(GUILD, ALICE, "  \n ")
    with pytest.raises(UserFacingError, match="longer than"):
        await notes.keep(GUILD, ALICE, "x" * (NOTES_MAX + 1))
    await notes.keep(GUILD, ALICE, "x" * NOTES_MAX)


async def test_a_shorter_server_retention_caps_the_expiry(services: Services, clock: FakeClock, notes):
    await services.guilds.ensure_guild(GUILD)
    await services.guilds.set(GUILD, "retention_days", "7")
    assert await notes.keep(GUILD, ALICE, "Who: my lead") == clock.now() + timedelta(days=7)


async def test_delete_in_one_server_or_everywhere(notes):
    await notes.keep(GUILD, ALICE, "here")
    await notes.keep(OTHER_GUILD, ALICE, "there")
    await notes.keep(GUILD, BOB, "bob's")
    assert await notes.delete_all(ALICE, GUILD) == 1
    assert [e.text for e in await notes.entries(ALICE)] == ["there"]
    await notes.keep(GUILD, ALICE, "again")
    assert await notes.delete_all(ALICE) == 2
    assert await notes.entries(ALICE) == []
    assert [e.text for e in await notes.entries(BOB)] == ["bob's"]


async def test_export_is_the_members_notes_only(notes):
    expires = await notes.keep(GUILD, ALICE, "Who: my lead")
    await notes.keep(GUILD, BOB, "bob's")
    exported = await notes.export(ALICE)
    assert [n["text"] for n in exported["notes"]] == ["Who: my lead"]
    assert exported["notes"][0]["expires_at"] == expires.isoformat()
