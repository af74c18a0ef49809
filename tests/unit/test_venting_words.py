"""Anonymous venting: every refusal a member or moderator reads, word for word, and the edges it guards.

Settings are set the way /config sets them (GuildSettingsService.set); a refused value leaves the
database file as it was.
"""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.errors import UserFacingError
from cogs.venting.service import TEXT_MAX, ReplyIdentity, VentingService, validate_draft, validate_reply
from tests.dbfile import rows

GUILD = 111


@pytest.mark.parametrize(
    ("title", "text", "warning", "message"),
    [
        ("", " \n\t ", "", "Your post was empty, so nothing was posted. Please write something and try again."),
        ("", None, None, "Your post was empty, so nothing was posted. Please write something and try again."),
        ("", "x" * (TEXT_MAX + 1), "", "Your post is 4001 characters; the most I can post is 4000."),
        ("t" * 101, "ok", "", "The title can be at most 100 characters (it has 101)."),
        ("", "ok", "w" * 101, "The content warning can be at most 100 characters (it has 101)."),
    ],
)
def test_a_draft_that_cannot_go_up_says_exactly_why(title, text, warning, message):
    with pytest.raises(UserFacingError) as refused:
        validate_draft(title, text, warning)
    assert str(refused.value) == message


def test_a_draft_at_every_limit_goes_up_whole():
    draft = validate_draft("t" * 100, " " + "x" * TEXT_MAX + " ", "w" * 100)
    assert (draft.title, draft.text, draft.warning) == ("t" * 100, "x" * TEXT_MAX, "w" * 100)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("  ", "Your reply was empty, so nothing was posted."),
        (None, "Your reply was empty, so nothing was posted."),
        ("y" * (TEXT_MAX + 1), "Your reply is 4001 characters; the most I can post is 4000."),
    ],
)
def test_a_reply_that_cannot_go_up_says_exactly_why(text, message):
    with pytest.raises(UserFacingError) as refused:
        validate_reply(text)
    assert str(refused.value) == message


def test_a_reply_at_the_limit_goes_up_trimmed():
    assert validate_reply("  " + "y" * TEXT_MAX + "\n") == "y" * TEXT_MAX


def test_the_line_above_a_reply_names_the_original_poster_only():
    assert ReplyIdentity("Anon 7F3A", True).label == "Anon 7F3A · original poster"
    assert ReplyIdentity("Anon 7F3A", False).label == "Anon 7F3A"


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("vent_posts_per_hour", "three", "Posts per hour must be a whole number (got 'three')."),
        ("vent_posts_per_hour", "x" * 30, f"Posts per hour must be a whole number (got '{'x' * 20}')."),
        ("vent_posts_per_hour", "0", "Posts per hour must be between 1 and 30 (got 0)."),
        ("vent_posts_per_hour", "31", "Posts per hour must be between 1 and 30 (got 31)."),
        ("vent_reply_cooldown", "-1", "Reply cooldown must be between 0 and 3600 (got -1)."),
        ("vent_reply_cooldown", "3601", "Reply cooldown must be between 0 and 3600 (got 3601)."),
        ("vent_close_days", "366", "Days must be between 0 and 365 (got 366)."),
        ("vent_close_action", "shred", "Old vent threads can be archived or deleted."),
    ],
)
async def test_a_setting_out_of_range_is_refused_and_nothing_is_stored(services: Services, db_path, key, raw, message):
    with pytest.raises(UserFacingError) as refused:
        await services.guilds.set(GUILD, key, raw)
    assert str(refused.value) == message
    assert rows(db_path, "SELECT value FROM guild_settings WHERE guild_id = $1 AND key = $2", (GUILD, key)) == []


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [
        ("vent_posts_per_hour", " 1 ", 1),
        ("vent_posts_per_hour", "30", 30),
        ("vent_reply_cooldown", "0", 0),
        ("vent_reply_cooldown", "3600", 3600),
        ("vent_close_days", "0", 0),
        ("vent_close_days", "365", 365),
        ("vent_close_action", " Delete ", "delete"),
        ("vent_close_action", "archive", "archive"),
    ],
)
async def test_a_setting_at_its_edges_is_kept(services: Services, db_path, key, raw, value):
    _, new = await services.guilds.set(GUILD, key, raw)
    assert new == value
    assert (await services.guilds.get(GUILD)).get(key) == value
    assert rows(db_path, "SELECT value FROM guild_settings WHERE guild_id = $1 AND key = $2", (GUILD, key)) == [
        (str(value),)
    ]


async def test_messages_that_are_not_anonymous_posts_are_refused_plainly(services: Services):
    venting = VentingService.build(services)
    gone = "This anonymous post was removed, so there is nothing to do here."
    for attempt in (venting.open_post(404), venting.post_id_for_message(404)):
        with pytest.raises(UserFacingError) as refused:
            await attempt
        assert str(refused.value) == gone
    with pytest.raises(UserFacingError) as refused:
        await venting.message_for_moderation(404)
    assert str(refused.value) == "That message isn't an anonymous post or reply from me."
    with pytest.raises(UserFacingError) as refused:
        await venting.lift_block(GUILD, 5, 77)
    assert str(refused.value) == "There is no block number 77 here. /vent-mod blocks lists them."
