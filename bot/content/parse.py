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
from bot.content.validate import ContentError, ItemReader, check_language, table_list

__all__ = [
    "LIMITS",
    "MIN_PER_SIDE",
    "parse_explain",
    "parse_prompts",
    "parse_resources",
    "parse_strategies",
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
}

# Every group needs at least this many items on the peer side and on the organization side, so
# wellbeing is never framed as the individual's job alone ([003] pairs "our work" with "others' work").
MIN_PER_SIDE = 2


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
            )
        )
        reader.finish()

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
    return tuple(groups), tuple(strategies)


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
                last_checked=reader.date("last_checked"),
                sources=reader.sources(),
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
