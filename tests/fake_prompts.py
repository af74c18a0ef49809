"""A tiny stand-in for the content store in tests: a few neutral placeholder prompts per set.

Test fixtures only; the real prompts live in content/ (the content branch).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FakePrompt:
    """The fields check-ins and /disclosure read."""

    id: str
    set: str
    text: str


class FakePrompts:
    """Implements PromptSource over a fixed list."""

    def __init__(self, prompts: list[FakePrompt] | None = None) -> None:
        self._prompts = prompts if prompts is not None else default_prompts()

    def prompts_in(self, set_name: str) -> list[FakePrompt]:
        """Prompts of one set, in order."""
        return [p for p in self._prompts if p.set == set_name]

    def prompt(self, prompt_id: str) -> FakePrompt | None:
        """One prompt by id."""
        return next((p for p in self._prompts if p.id == prompt_id), None)


def default_prompts() -> list[FakePrompt]:
    """Two daily, two weekly, and the six disclosure steps, all placeholders."""
    prompts = [
        FakePrompt("checkin-daily-a", "checkin-daily", "Test daily prompt A"),
        FakePrompt("checkin-daily-b", "checkin-daily", "Test daily prompt B"),
        FakePrompt("checkin-weekly-a", "checkin-weekly", "Test weekly prompt A"),
        FakePrompt("checkin-weekly-b", "checkin-weekly", "Test weekly prompt B"),
    ]
    for step in ("who", "what", "when", "where", "why", "closing"):
        prompts.append(FakePrompt(f"disclosure-{step}", "disclosure", f"Test disclosure step {step}"))
    return prompts
