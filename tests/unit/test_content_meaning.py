"""Content validation that reads for meaning: pairs, source titles, search in peers' words, role word.

The shipped content must pair every peer-side strategy with the organization item(s) answering the
same problem, cite sources by title, find cards for the words peers actually type, and name the
role in the server's word, singular and plural.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.content.role_word import RoleWord, default_plural, fill_role
from bot.content.search import StrategyIndex
from bot.content.store import DEFAULT_CONTENT_DIR, ContentError, Strategy, load_content
from bot.content.validate import KNOWN_SOURCES
from cogs.strategies.service import StrategyService

CONTENT = load_content()
FILES = ("strategies.toml", "prompts.toml", "resources.toml", "explain.toml", "sources.toml", "search.toml")


def cards() -> StrategyService:
    # Cards depend only on the content; the other collaborators are not used here.
    return StrategyService(CONTENT, None, None, None)  # type: ignore[arg-type]


# ---- pairs ------------------------------------------------------------------------------------


def test_every_peer_side_item_is_paired_within_its_group():
    for strategy in CONTENT.strategies:
        if strategy.who == "organization":
            assert strategy.answered_by == (), strategy.id
            continue
        assert 1 <= len(strategy.answered_by) <= 2, strategy.id
        for answer_id in strategy.answered_by:
            answer = CONTENT.strategy(answer_id)
            assert answer is not None and answer.who == "organization" and answer.group == strategy.group


def test_every_organization_item_answers_something():
    used = {answer for s in CONTENT.strategies for answer in s.answered_by}
    organization = {s.id for s in CONTENT.strategies if s.who == "organization"}
    assert organization == used


def test_every_card_shows_its_own_pair_and_meaningful_fields():
    service = cards()
    shown = 0
    for group in CONTENT.groups:
        for card in service.cards(group.id):
            assert tuple(a.id for a in card.organizations) == card.peer.answered_by
            for item in (card.peer, *card.organizations):
                assert item.title.strip() and item.short.strip() and len(item.text) > len(item.short) // 2
            # Sources are titles a member can read, never file numbers.
            assert card.sources and not re.search(r"\b00\d\b", card.sources)
            shown += 1
    assert shown == sum(1 for s in CONTENT.strategies if s.who != "organization")


def test_the_reported_mismatch_is_gone():
    # The example: "challenge it directly" sat beside "offer support to all staff".
    card = cards().card_for("confront-when-right")
    assert card is not None and [a.id for a in card.organizations] == ["mandate-respect"]


def test_movements_group_has_its_own_organization_answers():
    organization = [s for s in CONTENT.strategies_in("movements") if s.who == "organization"]
    assert len(organization) >= 4


def test_every_source_has_a_short_human_title():
    for source in KNOWN_SOURCES:
        title = CONTENT.source_title(source)
        assert title != source and 10 < len(title) <= 120


# ---- pairing errors ---------------------------------------------------------------------------


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    target.mkdir()
    for filename in FILES:
        shutil.copy(DEFAULT_CONTENT_DIR / filename, target / filename)
    return target


def edit(directory: Path, filename: str, old: str, new: str) -> None:
    path = directory / filename
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def error_for(directory: Path) -> ContentError:
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    return caught.value


def test_unpaired_peer_item_is_refused(tmp_path):
    directory = copy_content(tmp_path)
    edit(directory, "strategies.toml", 'who = "peer"\nanswered_by = ["not-the-problem"]\n', 'who = "peer"\n')
    error = error_for(directory)
    assert error.item == "tension-means-movement" and "answered_by is missing" in error.problem


def test_organization_item_nobody_names_is_refused(tmp_path):
    directory = copy_content(tmp_path)
    edit(directory, "strategies.toml", 'answered_by = ["not-the-problem"]', 'answered_by = ["coaching-support"]')
    error = error_for(directory)
    assert error.item == "not-the-problem" and "no peer or shared item names this" in error.problem


def test_answer_from_another_group_is_refused(tmp_path):
    directory = copy_content(tmp_path)
    edit(
        directory,
        "strategies.toml",
        'answered_by = ["not-the-problem"]',
        'answered_by = ["not-the-problem", "mandate-respect"]',
    )
    error = error_for(directory)
    assert error.item == "tension-means-movement" and "'mandate-respect'" in error.problem


def test_placeholder_typo_is_refused(tmp_path):
    directory = copy_content(tmp_path)
    edit(directory, "prompts.toml", "aimed only at {roles}?", "aimed only at {rolse}?")
    error = error_for(directory)
    assert error.file == "content/prompts.toml" and "{rolse}" in error.problem


def test_missing_source_title_is_refused(tmp_path):
    directory = copy_content(tmp_path)
    path = directory / "sources.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index('[[sources]]\nid = "004"')], encoding="utf-8")
    error = error_for(directory)
    assert error.file == "content/sources.toml" and error.item == "004"


# ---- search: what peers type -> the card they should find -------------------------------------

SEARCH_TABLE = [
    ("burnout", "support-outside-setting"),  # the cards say "burning out", "exhaustion"
    ("burned out", "support-outside-setting"),
    ("self-care", "recovery-skills-at-work"),  # "self-care plans" in its organization answer
    ("self care", "recovery-skills-at-work"),
    ("boundaries", "boundaries-former-providers"),
    ("boundary", "boundaries-former-providers"),
    ("supervisor", "in-but-not-of"),  # answered by peer supervisors
    ("my boss", "in-but-not-of"),
    ("ADA", "know-the-law"),
    ("disclosure", "five-ws"),
    ("coming out at work", "five-ws"),
    ("pay", "weigh-role-change"),
    ("pay cut", "weigh-role-change"),
    ("lonely", "support-outside-setting"),
    ("notes", "document-with-consent"),
    ("charts", "dont-read-charts"),
    ("I want to quit", "refuse-or-leave"),
    ("tokenism", "speak-for-yourself"),
    ("stigma", "not-about-me"),
    ("choose battles", "choose-battles"),
]


@pytest.mark.parametrize(("query", "expected"), SEARCH_TABLE)
def test_search_finds_the_card_peers_mean(query, expected):
    found = [card.peer.id for card in cards().search(query)]
    assert expected in found[:4], (query, found)


def test_search_folds_endings_both_ways():
    assert CONTENT.search("boundaries")[0].id == CONTENT.search("boundary")[0].id
    assert CONTENT.search("supervisors")[:3] == CONTENT.search("supervisor")[:3]


def test_search_prefers_the_peer_side_when_matches_tie():
    # Same words, organization item first in the file: the peer item still comes first.
    org = Strategy("org", "g", "Pay fairly", "Pay fairly.", "Pay fairly.", "organization", ("003",))
    peer = Strategy("peer", "g", "Pay fairly", "Pay fairly.", "Pay fairly.", "peer", ("003",), ("org",))
    assert [s.id for s in StrategyIndex([org, peer], {"g": "Group"}).search("pay")] == ["peer", "org"]


def test_phrase_synonyms_match_only_where_the_words_stand_together():
    apart = Strategy("apart", "g", "Tell them", "Tell them.", "Your story can wait.", "peer", ("003",), ("o",))
    together = Strategy(
        "together", "g", "Share", "Share.", "When you tell your story at work.", "peer", ("003",), ("o",)
    )
    index = StrategyIndex([apart, together], {"g": "Group"}, [["disclosure", "tell my story"]])
    assert [s.id for s in index.search("disclosure")] == ["together"]


# ---- the role word ----------------------------------------------------------------------------

ROLE_TABLE = [
    ("peer worker", "peer workers", "a peer worker"),
    ("recovery coach", "recovery coaches", "a recovery coach"),
    ("peer supporter", "peer supporters", "a peer supporter"),
    ("peer advocate", "peer advocates", "a peer advocate"),
    ("peer support advocate", "peer support advocates", "a peer support advocate"),
    ("peer specialist", "peer specialists", "a peer specialist"),
    ("advocate", "advocates", "an advocate"),
    ("ally", "allies", "an ally"),
    ("peer support person", "peer support people", "a peer support person"),
    ("Recovery Coach", "Recovery Coaches", "a Recovery Coach"),
    ("peer-worker", "peer-workers", "a peer-worker"),
]


@pytest.mark.parametrize(("singular", "plural", "with_article"), ROLE_TABLE)
def test_role_word_plural_and_article(singular, plural, with_article):
    role = RoleWord.of(singular)
    assert default_plural(singular) == plural
    assert role.plural == plural and role.with_article == with_article
    filled = fill_role("{A_role} meets {roles}; {Roles} and {role}.", role)
    capital_article, capital_plural = with_article[0].upper() + with_article[1:], plural[0].upper() + plural[1:]
    assert filled == f"{capital_article} meets {plural}; {capital_plural} and {singular}."


def test_a_plural_given_by_moderators_wins():
    assert RoleWord.of("peer", "peers").plural == "peers"
    assert RoleWord.of("staff member", "staff").plural == "staff"


def test_shipped_texts_that_name_the_role_follow_the_server_word():
    role = RoleWord.of("recovery coach")
    long = fill_role(CONTENT.explain.long, role)
    assert "Recovery coaches walk alongside" in long and "peer worker" not in long.lower()
    named = [p for p in CONTENT.prompts if "{" in p.text]
    assert {p.set for p in named} >= {"reflection", "checkin-daily"}
    for prompt in named:
        assert "{" not in fill_role(prompt.text, role)


# ---- resources --------------------------------------------------------------------------------


def test_each_link_appears_once_and_the_named_resources_are_there():
    urls = [r.url for r in CONTENT.resources]
    assert len(urls) == len(set(urls))
    ids = {r.id for r in CONTENT.resources}
    assert {"c4-innovations", "peer-respites", "dbsa", "alternatives-conference", "madness-canada"} <= ids
    assert {"intervoice", "nsun", "enusp"} <= ids  # groups outside the US
    for debated in ("dbsa", "alternatives-conference", "peer-respites"):
        note = CONTENT.resource(debated).contested  # type: ignore[union-attr]
        assert note and len(note.split(".")) >= 3, debated  # both sides get a sentence
