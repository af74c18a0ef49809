"""Flood limits and venting's boundaries, pinned at their exact edges and defaults."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UserFacingError
from bot.services.guild_settings import SETTINGS
from cogs.venting.limits import RATE_WINDOW, FloodLimiter, discord_time
from cogs.venting.service import (
    TEXT_MAX,
    TITLE_MAX,
    WARNING_MAX,
    BlockLength,
    validate_draft,
    validate_reply,
)

T0 = 1_800_000_000


def test_pruning_keeps_buckets_with_recent_posts_and_replies():
    limiter = FloodLimiter()
    limiter.reserve_post("recent", T0, per_hour=1)
    limiter.reserve_post("old", T0 - RATE_WINDOW - 5, per_hour=1)
    limiter.reserve_reply("recent", T0, cooldown=600)
    limiter.reserve_reply("old", T0 - RATE_WINDOW - 5, cooldown=600)
    limiter.prune(T0 + 10)
    # The member who just posted is still over their limit of one an hour, and inside the cooldown.
    with pytest.raises(UserFacingError):
        limiter.check_post("recent", T0 + 10, per_hour=1)
    with pytest.raises(UserFacingError):
        limiter.check_reply("recent", T0 + 10, cooldown=600)
    limiter.check_post("old", T0 + 10, per_hour=1)
    limiter.check_reply("old", T0 + 10, cooldown=600)


def test_the_post_again_time_is_one_hour_after_the_oldest_post_in_the_window():
    limiter = FloodLimiter()
    limiter.reserve_post("b", T0, per_hour=2)
    limiter.reserve_post("b", T0 + 100, per_hour=2)
    with pytest.raises(UserFacingError) as refused:
        limiter.check_post("b", T0 + 200, per_hour=2)
    assert discord_time(T0 + RATE_WINDOW) in str(refused.value)
    assert "limit of 2 anonymous posts an hour" in str(refused.value)
    # Exactly an hour after the first post its slot is free again.
    limiter.check_post("b", T0 + RATE_WINDOW, per_hour=2)


def test_a_failed_reply_gives_back_the_previous_cooldown_not_none():
    limiter = FloodLimiter()
    limiter.reserve_reply("b", T0, cooldown=30)
    previous = limiter.reserve_reply("b", T0 + 40, cooldown=30)
    assert previous == T0
    limiter.release_reply("b", previous)
    # The earlier reply's cooldown stands: replying at T0 + 20 is still refused.
    with pytest.raises(UserFacingError) as refused:
        limiter.check_reply("b", T0 + 20, cooldown=30)
    assert discord_time(T0 + 30) in str(refused.value)
    limiter.check_reply("b", T0 + 30, cooldown=30)


def test_the_first_reply_released_leaves_no_cooldown():
    limiter = FloodLimiter()
    previous = limiter.reserve_reply("b", T0, cooldown=30)
    assert previous is None
    limiter.release_reply("b", previous)
    limiter.check_reply("b", T0 + 1, cooldown=30)


def test_block_lengths():
    assert BlockLength.DAY.delta == timedelta(days=1)
    assert BlockLength.WEEK.delta == timedelta(days=7)
    assert BlockLength.MONTH.delta == timedelta(days=30)
    assert BlockLength.LIFTED.delta is None


def test_fields_exactly_at_their_limits_are_accepted_and_one_more_is_refused():
    draft = validate_draft("t" * TITLE_MAX, "x" * TEXT_MAX, "w" * WARNING_MAX)
    assert (len(draft.title), len(draft.text), len(draft.warning or "")) == (TITLE_MAX, TEXT_MAX, WARNING_MAX)
    assert validate_reply("r" * TEXT_MAX) == "r" * TEXT_MAX
    with pytest.raises(UserFacingError, match=f"at most {TITLE_MAX}"):
        validate_draft("t" * (TITLE_MAX + 1), "x", None)
    with pytest.raises(UserFacingError, match=f"the most I can post is {TEXT_MAX}"):
        validate_draft(None, "x" * (TEXT_MAX + 1), None)
    with pytest.raises(UserFacingError, match=f"at most {WARNING_MAX}"):
        validate_draft(None, "x", "w" * (WARNING_MAX + 1))
    with pytest.raises(UserFacingError, match=f"the most I can post is {TEXT_MAX}"):
        validate_reply("r" * (TEXT_MAX + 1))
    assert (TEXT_MAX, TITLE_MAX, WARNING_MAX) == (4000, 100, 100)


@pytest.mark.parametrize(
    ("key", "default", "low", "high"),
    [
        ("vent_posts_per_hour", 3, 1, 30),
        ("vent_reply_cooldown", 30, 0, 3600),
        ("vent_close_days", 0, 0, 365),
    ],
)
def test_venting_settings_bounds_and_defaults(key, default, low, high):
    spec = SETTINGS[key]
    assert spec.default == default
    assert spec.parse(str(low)) == low
    assert spec.parse(str(high)) == high
    for bad in (low - 1, high + 1):
        with pytest.raises(UserFacingError, match=f"between {low} and {high}"):
            spec.parse(str(bad))


def test_close_action_default_and_choices():
    spec = SETTINGS["vent_close_action"]
    assert spec.default == "archive"
    assert spec.parse(" Delete ") == "delete"
    with pytest.raises(UserFacingError):
        spec.parse("burn")


def test_releasing_a_post_that_was_never_counted_changes_nothing():
    limiter = FloodLimiter()
    limiter.release_post("nobody", T0)  # no bucket at all
    limiter.reserve_post("b", T0, per_hour=1)
    limiter.release_post("b", T0 + 5)  # a bucket, but not this stamp
    with pytest.raises(UserFacingError):
        limiter.check_post("b", T0 + 10, per_hour=1)  # the real post still counts
    limiter.release_post("b", T0)
    limiter.check_post("b", T0 + 10, per_hour=1)


def test_the_reply_cooldown_refusal_says_when_and_that_nothing_was_posted():
    limiter = FloodLimiter()
    limiter.reserve_reply("b", T0, cooldown=30)
    with pytest.raises(UserFacingError) as refused:
        limiter.check_reply("b", T0 + 29, cooldown=30)
    assert str(refused.value) == (
        "Please leave a little time between anonymous replies: you can reply again "
        f"{discord_time(T0 + 30)}. Nothing was posted."
    )


def test_releasing_a_first_reply_twice_is_harmless():
    limiter = FloodLimiter()
    previous = limiter.reserve_reply("b", T0, cooldown=30)
    limiter.release_reply("b", previous)
    limiter.release_reply("b", previous)  # e.g. a retry of the failed post's clean-up
    limiter.check_reply("b", T0 + 1, cooldown=30)


def test_pruning_forgets_a_reply_exactly_an_hour_old_as_it_does_a_post():
    # What prune is for: memory holds no trail older than the window, and the window excludes its
    # far edge (a post exactly an hour old no longer counts), so neither may a reply that old.
    limiter = FloodLimiter()
    limiter.reserve_post("b", T0 - RATE_WINDOW, per_hour=3)
    limiter.reserve_reply("b", T0 - RATE_WINDOW, cooldown=30)
    limiter.prune(T0)
    assert (limiter._posts, limiter._replies) == ({}, {})
