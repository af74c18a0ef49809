"""Load, validate and look up the bot's community-editable content (no Discord imports).

The content lives in six TOML files in the repository's ``content/`` folder:

* ``strategies.toml``: ``[[groups]]`` of challenges and ``[[strategies]]`` for each, every group
  showing both the peer's and the organization's side;
* ``prompts.toml``: check-in, co-reflection, disclosure and onboarding prompts;
* ``resources.toml``: movement and training resources with https links and declared ``tags``;
* ``explain.toml``: "what peer support is and is not", short and one-page;
* ``sources.toml``: a short human title for each source document, shown instead of its number;
* ``search.toml``: small synonym groups so a search finds cards in the words peers type.

:func:`load_content` reads and checks all of them and returns a :class:`ContentStore`, or raises
:class:`ContentError` naming the file, the item and the problem. Every text is also run through
the language check in :mod:`bot.content.language`.
"""

from __future__ import annotations

from pathlib import Path

from bot.content.models import (
    PROMPT_SETS,
    WHO_VALUES,
    ExplainText,
    Prompt,
    Resource,
    Strategy,
    StrategyGroup,
)
from bot.content.parse import (
    parse_explain,
    parse_prompts,
    parse_resources,
    parse_sources,
    parse_strategies,
    parse_synonyms,
)
from bot.content.search import StrategyIndex
from bot.content.validate import ContentError, read_toml

__all__ = [
    "DEFAULT_CONTENT_DIR",
    "PROMPT_SETS",
    "WHO_VALUES",
    "ContentError",
    "ContentStore",
    "ExplainText",
    "Prompt",
    "Resource",
    "Strategy",
    "StrategyGroup",
    "load_content",
]

# Resolved from this file, not the working directory: bot/services/content.py -> <repo>/content.
DEFAULT_CONTENT_DIR: Path = Path(__file__).resolve().parent.parent.parent / "content"

STRATEGIES_FILE = "strategies.toml"
PROMPTS_FILE = "prompts.toml"
RESOURCES_FILE = "resources.toml"
EXPLAIN_FILE = "explain.toml"
SOURCES_FILE = "sources.toml"
SEARCH_FILE = "search.toml"


class ContentStore:
    """Validated, read-only content with lookups by id, group, set and tag, and a keyword search."""

    def __init__(
        self,
        *,
        groups: tuple[StrategyGroup, ...],
        strategies: tuple[Strategy, ...],
        prompts: tuple[Prompt, ...],
        tags: tuple[str, ...],
        resources: tuple[Resource, ...],
        explain: ExplainText,
        source_titles: dict[str, str] | None = None,
        synonyms: tuple[tuple[str, ...], ...] = (),
    ) -> None:
        self._groups = groups
        self._strategies = strategies
        self._prompts = prompts
        self._tags = tags
        self._resources = resources
        self._explain = explain
        self._source_titles = dict(source_titles or {})
        self._strategy_by_id = {strategy.id: strategy for strategy in strategies}
        self._group_by_id = {group.id: group for group in groups}
        self._prompt_by_id = {prompt.id: prompt for prompt in prompts}
        self._resource_by_id = {resource.id: resource for resource in resources}
        self._by_group: dict[str, tuple[Strategy, ...]] = {
            group.id: tuple(strategy for strategy in strategies if strategy.group == group.id) for group in groups
        }
        self._by_set: dict[str, tuple[Prompt, ...]] = {
            set_name: tuple(prompt for prompt in prompts if prompt.set == set_name) for set_name in PROMPT_SETS
        }
        self._by_tag: dict[str, tuple[Resource, ...]] = {
            tag: tuple(resource for resource in resources if tag in resource.tags) for tag in tags
        }
        self._index = StrategyIndex(strategies, {group.id: group.name for group in groups}, synonyms)

    # Strategies -------------------------------------------------------------------------------

    @property
    def strategies(self) -> tuple[Strategy, ...]:
        """All strategies, in file order."""
        return self._strategies

    @property
    def groups(self) -> tuple[StrategyGroup, ...]:
        """All challenge groups, in file order."""
        return self._groups

    def group(self, group_id: str) -> StrategyGroup | None:
        """The group with this id, or None."""
        return self._group_by_id.get(group_id)

    def strategy(self, strategy_id: str) -> Strategy | None:
        """The strategy with this id, or None."""
        return self._strategy_by_id.get(strategy_id)

    def strategies_in(self, group_id: str) -> tuple[Strategy, ...]:
        """Strategies in one group, in file order; empty for an unknown group."""
        return self._by_group.get(group_id, ())

    def search(self, words: str, limit: int = 10) -> list[Strategy]:
        """Strategies matching the words, best first (case-insensitive; title matches weigh more)."""
        return self._index.search(words, limit)

    # Prompts ----------------------------------------------------------------------------------

    @property
    def prompts(self) -> tuple[Prompt, ...]:
        """All prompts, in file order."""
        return self._prompts

    def prompts_in(self, set_name: str) -> tuple[Prompt, ...]:
        """Prompts in one set (e.g. "checkin-daily"), in file order; empty for an unknown set."""
        return self._by_set.get(set_name, ())

    def prompt(self, prompt_id: str) -> Prompt | None:
        """The prompt with this id, or None."""
        return self._prompt_by_id.get(prompt_id)

    # Resources --------------------------------------------------------------------------------

    @property
    def resources(self) -> tuple[Resource, ...]:
        """All resources, in file order."""
        return self._resources

    def resource(self, resource_id: str) -> Resource | None:
        """The resource with this id, or None."""
        return self._resource_by_id.get(resource_id)

    def resources_tagged(self, tag: str) -> tuple[Resource, ...]:
        """Resources carrying a tag, in file order; empty for an unknown tag."""
        return self._by_tag.get(tag, ())

    @property
    def tags(self) -> tuple[str, ...]:
        """The resource tags declared at the top of resources.toml."""
        return self._tags

    # Sources ----------------------------------------------------------------------------------

    def source_title(self, source_id: str) -> str:
        """The short human title of a source document (the id itself if a hand-built store has none)."""
        return self._source_titles.get(source_id, source_id)

    def cite(self, source_ids: tuple[str, ...] | list[str]) -> str:
        """Source titles for members, joined by semicolons, each once and in id order."""
        return "; ".join(self.source_title(source_id) for source_id in sorted(set(source_ids)))

    # Explainer and summary --------------------------------------------------------------------

    @property
    def explain(self) -> ExplainText:
        """The "what peer support is and is not" text."""
        return self._explain

    def counts(self) -> dict[str, int]:
        """How much content is loaded.

        Keys: ``strategies``, ``groups``, ``prompts`` (all sets), ``prompts:<set>`` for every
        known set, and ``resources``.
        """
        result = {
            "strategies": len(self._strategies),
            "groups": len(self._groups),
            "prompts": len(self._prompts),
        }
        for set_name in PROMPT_SETS:
            result[f"prompts:{set_name}"] = len(self._by_set[set_name])
        result["resources"] = len(self._resources)
        return result


def load_content(directory: Path = DEFAULT_CONTENT_DIR) -> ContentStore:
    """Read and validate every content file in ``directory``.

    Raises :class:`ContentError` for the first problem found, for example a TOML syntax error,
    a missing or mistyped field, a duplicate id, an unknown group, set or tag, an over-long text,
    a non-https link, a missing source, a group without both sides, or a ruled-out word.
    """
    directory = Path(directory)

    def label(filename: str) -> str:
        return f"{directory.name}/{filename}"

    groups, strategies = parse_strategies(
        read_toml(directory / STRATEGIES_FILE, label(STRATEGIES_FILE)), label(STRATEGIES_FILE)
    )
    prompts = parse_prompts(read_toml(directory / PROMPTS_FILE, label(PROMPTS_FILE)), label(PROMPTS_FILE))
    tags, resources = parse_resources(
        read_toml(directory / RESOURCES_FILE, label(RESOURCES_FILE)), label(RESOURCES_FILE)
    )
    explain = parse_explain(read_toml(directory / EXPLAIN_FILE, label(EXPLAIN_FILE)), label(EXPLAIN_FILE))
    source_titles = parse_sources(read_toml(directory / SOURCES_FILE, label(SOURCES_FILE)), label(SOURCES_FILE))
    synonyms = parse_synonyms(read_toml(directory / SEARCH_FILE, label(SEARCH_FILE)), label(SEARCH_FILE))
    return ContentStore(
        groups=groups,
        strategies=strategies,
        prompts=prompts,
        tags=tags,
        resources=resources,
        explain=explain,
        source_titles=source_titles,
        synonyms=synonyms,
    )
