"""Tests for the shipped content files and for the loader's validation (bot.content.store)."""

import shutil
import tomllib
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content.language import find_ruled_out_terms
from bot.content.parse import LIMITS
from bot.content.store import (
    DEFAULT_CONTENT_DIR,
    ContentError,
    ContentStore,
    load_content,
)

MINIMUM_PROMPTS = {
    "checkin-daily": 22,
    "checkin-weekly": 16,
    "reflection": 32,
    "disclosure": 6,
    "onboarding": 3,
}
SEEDS = {"000", "001", "002", "003", "004"}
FILES = ("strategies.toml", "prompts.toml", "resources.toml", "explain.toml", "sources.toml", "search.toml")


@lru_cache(maxsize=1)
def shipped() -> ContentStore:
    """Load the shipped content once for all tests."""
    return load_content()


def raw(filename: str) -> dict:
    with (DEFAULT_CONTENT_DIR / filename).open("rb") as handle:
        return tomllib.load(handle)


# ---- the shipped content ----------------------------------------------------------------------


def test_shipped_content_loads() -> None:
    store = shipped()
    assert store.strategies
    assert store.groups
    assert store.resources
    assert store.explain.short
    assert store.explain.long


def test_default_directory_does_not_depend_on_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_content().counts() == shipped().counts()


def test_counts_meet_minimums() -> None:
    counts = shipped().counts()
    assert counts["strategies"] >= 60
    assert counts["groups"] >= 7
    assert counts["resources"] >= 12
    for set_name, minimum in MINIMUM_PROMPTS.items():
        assert counts[f"prompts:{set_name}"] >= minimum, set_name
    assert counts["prompts"] == sum(counts[f"prompts:{name}"] for name in MINIMUM_PROMPTS)


def test_expected_groups_exist() -> None:
    ids = {group.id for group in shipped().groups}
    assert {
        "prejudice",
        "fear",
        "role-drift",
        "values-conflicts",
        "disclosure",
        "isolation",
        "movements",
    } <= ids


def test_every_group_has_both_sides() -> None:
    store = shipped()
    for group in store.groups:
        members = store.strategies_in(group.id)
        assert sum(1 for s in members if s.who in ("peer", "shared")) >= 2, group.id
        assert sum(1 for s in members if s.who == "organization") >= 2, group.id


def test_every_item_cites_a_seed() -> None:
    store = shipped()
    items = [*store.strategies, *store.prompts, *store.resources]
    for item in items:
        assert item.sources, item.id
        assert set(item.sources) <= SEEDS, item.id
    assert store.explain.sources
    assert set(store.explain.sources) <= SEEDS


def test_all_links_are_https() -> None:
    for resource in shipped().resources:
        parts = urlsplit(resource.url)
        assert parts.scheme == "https", resource.id
        assert parts.netloc, resource.id


def test_ids_are_unique_within_each_file() -> None:
    for filename, tables in (
        ("strategies.toml", ("groups", "strategies")),
        ("prompts.toml", ("prompts",)),
        ("resources.toml", ("resources",)),
    ):
        data = raw(filename)
        ids = [entry["id"] for table in tables for entry in data[table]]
        assert len(ids) == len(set(ids)), filename


def test_lengths_are_within_limits() -> None:
    store = shipped()
    for group in store.groups:
        assert len(group.name) <= 80
        assert len(group.description) <= 200
    for strategy in store.strategies:
        assert len(strategy.title) <= 80, strategy.id
        assert len(strategy.short) <= 300, strategy.id
        assert len(strategy.text) <= 1500, strategy.id
    for prompt in store.prompts:
        assert len(prompt.text) <= 300, prompt.id
    for resource in store.resources:
        assert len(resource.name) <= 100, resource.id
        assert len(resource.description) <= 300, resource.id
        assert resource.contested is None or len(resource.contested) <= 300, resource.id
    assert len(store.explain.short) <= 600
    assert len(store.explain.long) <= 3500


def test_no_ruled_out_words_anywhere() -> None:
    store = shipped()
    texts: list[tuple[str, str]] = []
    for group in store.groups:
        texts += [(group.id, group.name), (group.id, group.description)]
    for strategy in store.strategies:
        texts += [(strategy.id, strategy.title), (strategy.id, strategy.short), (strategy.id, strategy.text)]
    texts += [(prompt.id, prompt.text) for prompt in store.prompts]
    for resource in store.resources:
        texts += [(resource.id, resource.name), (resource.id, resource.description)]
        if resource.contested:
            texts.append((resource.id, resource.contested))
    texts += [("explain", store.explain.short), ("explain", store.explain.long)]
    for item, text in texts:
        assert find_ruled_out_terms(text) == [], item


def test_disclosure_walk_through_is_complete() -> None:
    store = shipped()
    for step in ("who", "what", "when", "where", "why", "closing"):
        prompt = store.prompt(f"disclosure-{step}")
        assert prompt is not None
        assert prompt.set == "disclosure"
    closing = store.prompt("disclosure-closing")
    assert closing is not None
    assert "legitimate choice" in closing.text


def test_resources_use_declared_tags_and_named_movements() -> None:
    store = shipped()
    for resource in store.resources:
        assert set(resource.tags) <= set(store.tags), resource.id
    ids = {resource.id for resource in store.resources}
    assert {"intentional-peer-support", "hearing-voices-network", "alternatives-to-suicide", "wrap"} <= ids
    wrap = store.resource("wrap")
    assert wrap is not None
    assert wrap.contested


def test_lookups() -> None:
    store = shipped()
    first = store.strategies[0]
    assert store.strategy(first.id) is first
    assert store.strategy("no-such-strategy") is None
    assert first in store.strategies_in(first.group)
    assert store.strategies_in("no-such-group") == ()
    assert all(prompt.set == "reflection" for prompt in store.prompts_in("reflection"))
    assert store.prompts_in("no-such-set") == ()
    assert store.prompt("no-such-prompt") is None
    assert store.resource("mindfreedom") is not None
    assert store.resource("no-such-resource") is None
    assert all("rights" in resource.tags for resource in store.resources_tagged("rights"))
    assert store.resources_tagged("rights")
    assert store.resources_tagged("no-such-tag") == ()


# ---- search -----------------------------------------------------------------------------------


def test_search_finds_by_title_words_case_insensitively() -> None:
    results = shipped().search("CHOOSE Battles")
    assert results
    assert results[0].id == "choose-battles"


def test_search_title_match_outranks_body_match() -> None:
    results = shipped().search("privacy")
    assert results[0].id == "right-to-privacy"


def test_search_matches_word_beginnings() -> None:
    assert any(strategy.group == "disclosure" for strategy in shipped().search("disclos"))


def test_search_respects_limit_and_empty_queries() -> None:
    store = shipped()
    assert len(store.search("peer", limit=3)) == 3
    assert store.search("peer", limit=0) == []
    assert store.search("") == []
    assert store.search("   the and of  ") == []
    assert store.search("zzzzqqqq") == []


@given(words=st.text(max_size=200), limit=st.integers(min_value=-5, max_value=30))
def test_search_never_raises_and_respects_limit(words: str, limit: int) -> None:
    results = shipped().search(words, limit=limit)
    assert len(results) <= max(limit, 0)
    assert len({strategy.id for strategy in results}) == len(results)


# ---- validation failures ----------------------------------------------------------------------


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    target.mkdir()
    for filename in FILES:
        shutil.copy(DEFAULT_CONTENT_DIR / filename, target / filename)
    return target


def break_item(directory: Path, filename: str, item_id: str | None, old: str, new: str) -> None:
    """Replace the first ``old`` after the item's id line (or anywhere, if item_id is None)."""
    path = directory / filename
    text = path.read_text(encoding="utf-8")
    start = text.index(f'id = "{item_id}"') if item_id else 0
    position = text.index(old, start)
    path.write_text(text[:position] + new + text[position + len(old) :], encoding="utf-8")


def expect_error(directory: Path, filename: str, item: str | None, *fragments: str) -> ContentError:
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    error = caught.value
    message = str(error)
    assert error.file == f"content/{filename}"
    assert message.startswith(f"content/{filename}")
    assert error.item == item
    if item is not None:
        assert f"item '{item}'" in message
    for fragment in fragments:
        assert fragment in error.problem, message
    return error


def test_copied_content_loads(tmp_path: Path) -> None:
    assert load_content(copy_content(tmp_path)).counts() == shipped().counts()


def test_duplicate_id(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "strategies.toml", None, 'id = "shielding"', 'id = "not-about-me"')
    expect_error(directory, "strategies.toml", "not-about-me", "more than once")


def test_http_link(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "resources.toml", "mindfreedom", "https://", "http://")
    expect_error(directory, "resources.toml", "mindfreedom", "url", "https")


def test_missing_source(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "prompts.toml", "daily-one-word", 'sources = ["003"]\n', "")
    expect_error(directory, "prompts.toml", "daily-one-word", "sources")


def test_empty_source_list(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "strategies.toml", "choose-battles", 'sources = ["003"]', "sources = []")
    expect_error(directory, "strategies.toml", "choose-battles", "sources")


def test_unknown_source(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "strategies.toml", "choose-battles", 'sources = ["003"]', 'sources = ["007"]')
    expect_error(directory, "strategies.toml", "choose-battles", "'007'")


def test_group_with_only_peer_side(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    movement_answers = (
        "fund-movement-learning",
        "protect-radical-voice",
        "history-in-onboarding",
        "room-for-stories",
        "back-peer-run-alternatives",
    )
    for item_id in movement_answers:
        break_item(directory, "strategies.toml", item_id, 'who = "organization"', 'who = "peer"')
    expect_error(directory, "strategies.toml", "movements", "organization")


def test_group_with_only_organization_side(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    for item_id in ("five-ws", "talk-it-over", "right-to-privacy", "know-the-law", "weigh-role-change"):
        break_item(directory, "strategies.toml", item_id, 'who = "peer"', 'who = "organization"')
    break_item(directory, "strategies.toml", "boundaries-former-providers", 'who = "shared"', 'who = "organization"')
    expect_error(directory, "strategies.toml", "disclosure", "peer")


def test_ruled_out_word(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "strategies.toml", "choose-battles", "Choose your battles", "Choose battles for clients")
    expect_error(directory, "strategies.toml", "choose-battles", "title", "'clients'")


def test_ruled_out_word_in_explain(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "explain.toml", None, "What peer support is\n", "What peer support is for patients\n")
    expect_error(directory, "explain.toml", "long", "'patients'")


def test_over_long_title(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "strategies.toml", "choose-battles", "Choose your battles", "Choose " + "a" * 80)
    expect_error(directory, "strategies.toml", "choose-battles", "title is longer than 80 characters")


def test_unknown_tag(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "resources.toml", "mindfreedom", '"rights"', '"party"')
    expect_error(directory, "resources.toml", "mindfreedom", "tags", "'party'")


def test_bad_toml_syntax(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "prompts.toml", None, "[[prompts]]", "[[prompts]")
    expect_error(directory, "prompts.toml", None, "TOML syntax")


def test_unknown_group(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "strategies.toml", "choose-battles", 'group = "fear"', 'group = "feelings"')
    expect_error(directory, "strategies.toml", "choose-battles", "group", "'feelings'")


def test_unknown_who(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "strategies.toml", "choose-battles", 'who = "peer"', 'who = "manager"')
    expect_error(directory, "strategies.toml", "choose-battles", "who", "'manager'")


def test_unknown_prompt_set(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "prompts.toml", "daily-one-word", 'set = "checkin-daily"', 'set = "mood"')
    expect_error(directory, "prompts.toml", "daily-one-word", "set", "'mood'")


def test_missing_disclosure_step(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "prompts.toml", None, 'id = "disclosure-when"', 'id = "disclosure-timing"')
    expect_error(directory, "prompts.toml", "disclosure-when", "disclosure")


def test_misspelled_key_is_reported(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "strategies.toml", "choose-battles", "title = ", "titel = ")
    expect_error(directory, "strategies.toml", "choose-battles", "title is missing")


def test_extra_key_is_reported(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "resources.toml", "mindfreedom", "added = ", 'colour = "blue"\nadded = ')
    expect_error(directory, "resources.toml", "mindfreedom", "unknown key 'colour'")


def test_missing_file(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    (directory / "resources.toml").unlink()
    expect_error(directory, "resources.toml", None, "missing")


def test_over_long_prompt(tmp_path: Path) -> None:
    directory = copy_content(tmp_path)
    break_item(directory, "prompts.toml", "daily-one-word", "No need to explain.", "x" * LIMITS["prompt.text"])
    expect_error(directory, "prompts.toml", "daily-one-word", "text is longer than 300 characters")


def test_error_message_format() -> None:
    error = ContentError("content/strategies.toml", "foo", "title is longer than 80 characters")
    assert str(error) == "content/strategies.toml, item 'foo': title is longer than 80 characters"
    assert str(ContentError("content/prompts.toml", None, "file is missing")) == (
        "content/prompts.toml: file is missing"
    )


@pytest.mark.parametrize(("escaped", "named"), [("\\u202E", "U+202E"), ("\\u0000", "U+0000"), ("\\u200B", "U+200B")])
def test_link_with_a_hidden_character(tmp_path: Path, escaped: str, named: str) -> None:
    directory = copy_content(tmp_path)
    break_item(
        directory, "resources.toml", "mindfreedom", "https://mindfreedom.org/", f"https://mindfreedom.org/{escaped}x"
    )
    expect_error(directory, "resources.toml", "mindfreedom", "url", named)
