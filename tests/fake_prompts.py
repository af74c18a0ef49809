"""Placeholder check-in and disclosure prompts in a real ContentStore, so tests don't depend on wording.

The strategies, resources and explainer come from the tiny store in tests/content_store.py.
"""

from __future__ import annotations

from bot.content.store import ContentStore, Prompt
from tests.content_store import tiny_content


def default_prompts() -> tuple[Prompt, ...]:
    """Two daily, two weekly, and the six disclosure steps, all placeholders."""
    prompts = [
        Prompt("checkin-daily-a", "checkin-daily", "Test daily prompt A", ("000",)),
        Prompt("checkin-daily-b", "checkin-daily", "Test daily prompt B", ("000",)),
        Prompt("checkin-weekly-a", "checkin-weekly", "Test weekly prompt A", ("000",)),
        Prompt("checkin-weekly-b", "checkin-weekly", "Test weekly prompt B", ("000",)),
    ]
    prompts += [
        Prompt(f"disclosure-{step}", "disclosure", f"Test disclosure step {step}", ("000",))
        for step in ("who", "what", "when", "where", "why", "closing")
    ]
    return tuple(prompts)


def placeholder_content() -> ContentStore:
    """A content store whose prompts are the placeholders above."""
    tiny = tiny_content()
    return ContentStore(
        groups=tiny.groups,
        strategies=tiny.strategies,
        prompts=default_prompts(),
        tags=tiny.tags,
        resources=tiny.resources,
        explain=tiny.explain,
    )
