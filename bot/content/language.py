"""The project's language guide as code: find words the bot's own text must not use.

Peer communities asked for plain, non-clinical language (see ``shared/handbook/values.md``):
"prejudice and discrimination" rather than "stigma", "people you support" rather than
"patients", "clients" or "consumers", and no clinical vocabulary such as "symptoms",
"relapse", "compliance", "insight" or "SMI". This module only *reports* such words; it never
rewrites or filters anything a member writes. It is used on the bot's shipped and
community-edited content, not on messages.

Rules, kept deliberately simple:

* Matching is case-insensitive and on whole words, so "patiently" or "clientele" are not hits
  but "client-centred" is (the hyphen ends the word).
* "stigma" is allowed only when the very next word starts with "research" ("stigma research",
  "stigma researchers"), because the handbook permits the word when naming research that uses it.
  Every other form (stigmas, stigmata, stigmatized, stigmatizing, …) is always reported.
* "insight" is ruled out entirely (the clinical "lack of insight" sense is too easy to slip into);
  "insightful" is not a hit.
"""

from __future__ import annotations

import re

__all__ = ["RULED_OUT_PATTERNS", "find_ruled_out_terms"]

# Each entry is one regular-expression alternative. Longer alternatives come first so that
# "non-compliant" is reported as one word rather than as "compliant".
RULED_OUT_PATTERNS: tuple[str, ...] = (
    r"stigmati[sz](?:e|ed|es|ing|ation)",
    r"stigmata",
    r"stigmas",
    r"stigma(?!\s+research)",
    r"non-?complian(?:ce|t)",
    r"complian(?:ce|t)",
    r"patients?",
    r"clients?",
    r"consumers?",
    r"symptoms?",
    r"symptomatic",
    r"relaps(?:e|es|ed|ing)",
    r"smi",
    r"mentally\s+ill",
    r"insights?",
)

_RULED_OUT = re.compile(
    r"\b(?:" + "|".join(RULED_OUT_PATTERNS) + r")\b",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")


def find_ruled_out_terms(text: str) -> list[str]:
    """Return the ruled-out words found in ``text``, lower-cased, each once, in order of appearance.

    An empty list means the text follows the language guide. Runs of whitespace inside a
    two-word term are reported as a single space ("mentally ill").
    """
    found: list[str] = []
    for match in _RULED_OUT.finditer(text):
        word = _SPACES.sub(" ", match.group(0).lower())
        if word not in found:
            found.append(word)
    return found
