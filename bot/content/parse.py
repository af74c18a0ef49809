"""Turn each parsed content file into validated records (used by :func:`bot.content.store.load_content`).

Each ``parse_*`` function takes the already-parsed TOML data and a display label such as
``content/strategies.toml`` and either returns records or raises :class:`ContentError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.content.models import (
    DISCLOSURE_STEPS,
    PROMPT_SETS,
    WHO_VALUES,
    ExplainText,
    Prompt,
    Resource,
    Strategy,
    StrategyGroup,
)
from bot.content.validate import KNOWN_SOURCES, ContentError, ItemReader, check_language, table_list

__all__ = [
    "LIMITS",
    "MIN_PER_SIDE",
    "parse_explain",
    "parse_prompts",
    "parse_resources",
    "parse_sources",
    "parse_strategies",
    "parse_synonyms",
]

# Character limits, chosen so each text fits where the bot shows it (embed titles, reminders, …).
LIMITS: dict[str, int] = {
    "group.name": 80,
    "group.description": 200,
    "strategy.title": 80,
    "strategy.short": 300,
    "strategy.text": 1500,
    "prompt.text": 300,
    "resource.name": 100,
    "resource.description": 300,
    "resource.contested": 300,
    "explain.short": 600,
    "explain.long": 3500,
    "source.title": 120,
    "synonym.term": 60,
}

# Every group needs at least this many items on the peer side and on the organization side, so
# wellbeing is never framed as the individual's job alone ([003] pairs "our work" with "others' work").
MIN_PER_SIDE = 2
# A card shows the peer item beside at most this many organization items, so it stays readable.
MAX_ANSWERS = 2


def _check_top_level(data: Mapping[str, Any], label: str, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ContentError(label, None, f"has unknown top-level key {unknown[0]!r}")


def parse_strategies(data: Mapping[str, Any], label: str) -> tuple[tuple[StrategyGroup, ...], tuple[Strategy, ...]]:
    """Read ``[[groups]]`` and ``[[strategies]]`` and check that every group shows both sides."""
    _check_top_level(data, label, {"groups", "strategies"})
    seen: set[str] = set()
    groups: list[StrategyGroup] = []
    for position, table in enumerate(table_list(data, "groups", label)):
        reader = ItemReader(label, table, position, seen)
        groups.append(
            StrategyGroup(
                id=reader.id,
                name=reader.required_text("name", LIMITS["group.name"]),
                description=reader.required_text("description", LIMITS["group.description"]),
            )
        )
        reader.finish()
    group_ids = [group.id for group in groups]

    strategies: list[Strategy] = []
    for position, table in enumerate(table_list(data, "strategies", label)):
        reader = ItemReader(label, table, position, seen)
        strategies.append(
            Strategy(
                id=reader.id,
                group=reader.choice("group", group_ids),
                title=reader.required_text("title", LIMITS["strategy.title"]),
                short=reader.required_text("short", LIMITS["strategy.short"]),
                text=reader.required_text("text", LIMITS["strategy.text"]),
                who=reader.choice("who", WHO_VALUES),
                sources=reader.sources(),
                answered_by=reader.optional_string_list("answered_by"),
            )
        )
        reader.finish()

    _check_sides(label, groups, strategies)
    _check_pairs(label, strategies)
    return tuple(groups), tuple(strategies)


def _check_sides(label: str, groups: list[StrategyGroup], strategies: list[Strategy]) -> None:
    for group in groups:
        members = [strategy for strategy in strategies if strategy.group == group.id]
        peer_side = sum(1 for strategy in members if strategy.is_peer_side)
        organization_side = sum(1 for strategy in members if strategy.who == "organization")
        if peer_side < MIN_PER_SIDE:
            raise ContentError(
                label,
                group.id,
                f"group has {peer_side} peer or shared item(s); it needs at least {MIN_PER_SIDE}",
            )
        if organization_side < MIN_PER_SIDE:
            raise ContentError(
                label,
                group.id,
                f"group has {organization_side} organization item(s); it needs at least {MIN_PER_SIDE} "
                "so the organization's side of the work shows too",
            )


def _check_pairs(label: str, strategies: list[Strategy]) -> None:
    """Every peer-side item names its organization partner(s) in its group; every organization item is named."""
    by_id = {strategy.id: strategy for strategy in strategies}
    used: set[str] = set()
    for strategy in strategies:
        if strategy.who == "organization":
            if strategy.answered_by:
                raise ContentError(label, strategy.id, "answered_by is only for peer or shared items")
            continue
        if not strategy.answered_by:
            raise ContentError(
                label,
                strategy.id,
                "answered_by is missing: name the organization item(s) of the same group that answer this",
            )
        if len(strategy.answered_by) > MAX_ANSWERS:
            raise ContentError(label, strategy.id, f"answered_by names more than {MAX_ANSWERS} items")
        for answer in strategy.answered_by:
            partner = by_id.get(answer)
            if partner is None or partner.who != "organization" or partner.group != strategy.group:
                raise ContentError(
                    label,
                    strategy.id,
                    f"answered_by names {answer!r}, which is not an organization item in group {strategy.group!r}",
                )
            used.add(answer)
    for strategy in strategies:
        if strategy.who == "organization" and strategy.id not in used:
            raise ContentError(
                label,
                strategy.id,
                "no peer or shared item names this in answered_by, so it would never be shown on a card",
            )


def parse_prompts(data: Mapping[str, Any], label: str) -> tuple[Prompt, ...]:
    """Read ``[[prompts]]``; the disclosure set must hold the five Ws and the closing prompt."""
    _check_top_level(data, label, {"prompts"})
    seen: set[str] = set()
    prompts: list[Prompt] = []
    for position, table in enumerate(table_list(data, "prompts", label)):
        reader = ItemReader(label, table, position, seen)
        prompts.append(
            Prompt(
                id=reader.id,
                set=reader.choice("set", PROMPT_SETS),
                text=reader.required_text("text", LIMITS["prompt.text"]),
                sources=reader.sources(),
            )
        )
        reader.finish()

    disclosure_ids = {prompt.id for prompt in prompts if prompt.set == "disclosure"}
    for step in DISCLOSURE_STEPS:
        if step not in disclosure_ids:
            raise ContentError(label, step, "the disclosure walk-through needs this prompt in set 'disclosure'")
    return tuple(prompts)


def parse_resources(data: Mapping[str, Any], label: str) -> tuple[tuple[str, ...], tuple[Resource, ...]]:
    """Read the declared ``tags`` list and ``[[resources]]``; links must be https."""
    _check_top_level(data, label, {"tags", "resources"})
    raw_tags = data.get("tags")
    if not isinstance(raw_tags, list) or not raw_tags or not all(isinstance(tag, str) for tag in raw_tags):
        raise ContentError(label, None, "needs a top-level 'tags' list of strings declaring the allowed tags")
    if len(set(raw_tags)) != len(raw_tags):
        raise ContentError(label, None, "the 'tags' list names the same tag twice")
    tags = tuple(raw_tags)

    seen: set[str] = set()
    resources: list[Resource] = []
    for position, table in enumerate(table_list(data, "resources", label)):
        reader = ItemReader(label, table, position, seen)
        resources.append(
            Resource(
                id=reader.id,
                name=reader.required_text("name", LIMITS["resource.name"]),
                url=reader.https_url("url"),
                description=reader.required_text("description", LIMITS["resource.description"]),
                tags=reader.string_list("tags", tags),
                contested=reader.text("contested", LIMITS["resource.contested"], required=False),
                added=reader.date("added"),
                sources=reader.sources(),
                checked=reader.optional_date("checked"),
            )
        )
        reader.finish()
    return tags, tuple(resources)


def parse_explain(data: Mapping[str, Any], label: str) -> ExplainText:
    """Read the ``short`` and ``long`` explainer texts and their ``sources``."""
    _check_top_level(data, label, {"short", "long", "sources"})
    texts: dict[str, str] = {}
    for key in ("short", "long"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ContentError(label, key, f"{key} must be a non-empty string")
        value = value.strip()
        limit = LIMITS[f"explain.{key}"]
        if len(value) > limit:
            raise ContentError(label, key, f"{key} is longer than {limit} characters ({len(value)})")
        check_language(label, key, key, value)
        texts[key] = value
    # Reuse the item checks for the one shared list; errors name the item 'explain'.
    reader = ItemReader(label, {"id": "explain", "sources": data.get("sources")}, 0, set())
    return ExplainText(short=texts["short"], long=texts["long"], sources=reader.sources())


def parse_sources(data: Mapping[str, Any], label: str) -> dict[str, str]:
    """Read ``[[sources]]``: one short human title for each seed id, every known id exactly once."""
    _check_top_level(data, label, {"sources"})
    seen: set[str] = set()
    titles: dict[str, str] = {}
    for position, table in enumerate(table_list(data, "sources", label)):
        raw_id = table.get("id")
        if raw_id not in KNOWN_SOURCES:
            listed = ", ".join(sorted(KNOWN_SOURCES))
            raise ContentError(label, str(raw_id), f"id must be one of the known sources: {listed}")
        reader = ItemReader(label, table, position, seen)
        titles[reader.id] = reader.required_text("title", LIMITS["source.title"])
        reader.finish()
    missing = sorted(KNOWN_SOURCES - set(titles))
    if missing:
        raise ContentError(label, missing[0], "this source has no title; add a [[sources]] entry for it")
    return titles


def parse_synonyms(data: Mapping[str, Any], label: str) -> tuple[tuple[str, ...], ...]:
    """Read ``[[synonyms]]``: each entry a list of at least two terms that mean the same thing."""
    _check_top_level(data, label, {"synonyms"})
    groups: list[tuple[str, ...]] = []
    for position, table in enumerate(table_list(data, "synonyms", label)):
        # Entries have no id; errors name them by position ("#3").
        reader = ItemReader(label, {"id": f"synonyms-{position + 1}", **table}, position, set())
        terms = reader.string_list("terms")
        if len(terms) < 2:
            raise reader.error("terms must list at least two words or phrases that mean the same thing")
        for term in terms:
            if not term.strip() or len(term) > LIMITS["synonym.term"]:
                raise reader.error(f"term {term!r} must be 1 to {LIMITS['synonym.term']} characters")
        reader.finish()
        groups.append(terms)
    return tuple(groups)
