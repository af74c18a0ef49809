"""The server's word for the role, singular and plural, and filling it into content texts.

Communities name the role differently (peer worker, peer supporter, recovery coach…), so content
texts that name the role write a placeholder instead of a fixed word:

* ``{role}`` / ``{Role}``: the singular, e.g. "recovery coach" / "Recovery coach";
* ``{roles}`` / ``{Roles}``: the plural, e.g. "recovery coaches" / "Recovery coaches";
* ``{a_role}`` / ``{A_role}``: the singular with "a" or "an", e.g. "an advocate" / "An advocate".

The loader refuses any other text in braces, so a typo shows up when content loads, not in a DM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DEFAULT_ROLE_WORD", "PLACEHOLDERS", "RoleWord", "default_plural", "fill_role", "unknown_placeholders"]

DEFAULT_ROLE_WORD = "peer worker"
PLACEHOLDERS: frozenset[str] = frozenset({"role", "Role", "roles", "Roles", "a_role", "A_role"})
_BRACED = re.compile(r"\{([^{}]*)\}")

# The few everyday nouns whose plural is not made with -s or -es.
_IRREGULAR = {"man": "men", "woman": "women", "person": "people", "child": "children", "staff": "staff"}


def _upper_first(text: str) -> str:
    # Not str.capitalize(), which would lower-case the rest ("Recovery Coach" must stay as typed).
    return text[:1].upper() + text[1:]


def default_plural(singular: str) -> str:
    """A sensible English plural of the last word: coach → coaches, ally → allies, worker → workers."""
    head, space, last = singular.rpartition(" ")
    lower = last.lower()
    if lower in _IRREGULAR:
        plural = _IRREGULAR[lower]
        plural = _upper_first(plural) if last[:1].isupper() else plural
    elif lower.endswith(("s", "x", "z", "ch", "sh")):
        plural = last + "es"
    elif len(lower) > 1 and lower.endswith("y") and lower[-2] not in "aeiou":
        plural = last[:-1] + "ies"
    else:
        plural = last + "s"
    return f"{head}{space}{plural}"


@dataclass(frozen=True)
class RoleWord:
    """The server's word for the role in both numbers."""

    singular: str = DEFAULT_ROLE_WORD
    plural: str = default_plural(DEFAULT_ROLE_WORD)

    @classmethod
    def of(cls, singular: str, plural: str | None = None) -> RoleWord:
        """The word with its plural, derived when not given."""
        return cls(singular, plural or default_plural(singular))

    @property
    def with_article(self) -> str:
        """ "a peer worker", "an advocate"."""
        return f"{'an' if self.singular[:1].lower() in 'aeiou' else 'a'} {self.singular}"

    @property
    def plural_title(self) -> str:
        """The plural starting with a capital, for headings: "Recovery coaches"."""
        return _upper_first(self.plural)

    def __str__(self) -> str:
        """Shown to moderators as "singular (plural: …)"."""
        return f"{self.singular} (plural: {self.plural})"


def fill_role(text: str, role: RoleWord) -> str:
    """Replace the role placeholders in a content text; any other braces are left as written."""
    values = {
        "role": role.singular,
        "Role": _upper_first(role.singular),
        "roles": role.plural,
        "Roles": role.plural_title,
        "a_role": role.with_article,
        "A_role": _upper_first(role.with_article),
    }
    return _BRACED.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def unknown_placeholders(text: str) -> list[str]:
    """Text in braces that is not a role placeholder (content validation reports these)."""
    return [name for name in _BRACED.findall(text) if name not in PLACEHOLDERS]
