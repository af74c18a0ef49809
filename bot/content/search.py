"""A small keyword index over strategies, built once when content loads.

Ranking is deliberately simple and explainable. A query is read as a list of *concepts*: each
synonym group from ``content/search.toml`` that the query mentions is one concept (so "burnout"
also looks for "burning out" and "exhausted"), and every other query word is a concept of its own.
A strategy scores one point for each concept it contains and a weight that counts title matches
more than matches in the rest of the card. Results are ordered by concepts matched, then weight,
then peer-side items before organization items (members mostly look for what they can do), then
the order of the content file. A phrase matches only where its words stand together.

Words are reduced to a light stem on both sides ("boundaries" and "boundary", "burning" and
"burn"), and query words of four or more letters also match longer words that start with them, so
"disclos" finds "disclosure".
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from bot.content.models import Strategy

__all__ = ["StrategyIndex", "stem", "tokenize"]

TITLE_WEIGHT = 4
SHORT_WEIGHT = 2
GROUP_WEIGHT = 2  # the challenge the card is about
BODY_WEIGHT = 1
_PREFIX_MIN = 4

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "for",
        "feel",
        "from",
        "have",
        "how",
        "i",
        "if",
        "im",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "want",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "with",
        "you",
        "your",
    }
)


# Suffixes folded away, longest first, with what replaces them. Not a full stemmer: just enough
# that the forms peers type meet the forms the content uses.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("ies", "y"),
    ("ied", "y"),
    ("ing", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
)


def stem(word: str) -> str:
    """A light stem: boundaries → boundary, burning → burn, supervisors → supervisor."""
    for suffix, replacement in _SUFFIXES:
        if not word.endswith(suffix):
            continue
        base = word[: -len(suffix)] + replacement
        if len(base) < 3 or (suffix == "s" and word.endswith(("ss", "us", "is"))):
            return word
        if suffix == "es" and not base.endswith(("ss", "ch", "sh", "x", "z")):
            return word[:-1]  # "roles" → "role", but "coaches" → "coach"
        if suffix in ("ing", "ed") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "ls":
            base = base[:-1]  # "stopped" → "stop"
        return base
    return word


def tokenize(text: str) -> list[str]:
    """Split text into lower-case stemmed search words, dropping apostrophes and very common words."""
    folded = text.casefold().replace("'", "").replace("\u2019", "")
    return [stem(word) for word in _WORD.findall(folded) if word not in _STOPWORDS]


def _contains(sequence: list[str], part: list[str]) -> bool:
    size = len(part)
    return any(sequence[i : i + size] == part for i in range(len(sequence) - size + 1))


class StrategyIndex:
    """Maps each word to the strategies containing it, with a weight per strategy."""

    def __init__(
        self,
        strategies: Sequence[Strategy],
        group_names: dict[str, str],
        synonyms: Sequence[Sequence[str]] = (),
    ) -> None:
        self._strategies = tuple(strategies)
        # Each synonym group as its terms, each term as its list of stemmed words.
        self._synonyms = [[tokenize(term) for term in group if tokenize(term)] for group in synonyms]
        postings: dict[str, dict[int, int]] = {}
        # Every field's words in order, so a phrase ("coming out") matches only where it is written.
        self._texts: list[list[list[str]]] = []
        for position, strategy in enumerate(self._strategies):
            fields = (
                (strategy.title, TITLE_WEIGHT),
                (strategy.short, SHORT_WEIGHT),
                (group_names.get(strategy.group, ""), GROUP_WEIGHT),
                (" ".join((strategy.id.replace("-", " "), strategy.text, strategy.group)), BODY_WEIGHT),
            )
            weights: dict[str, int] = {}
            texts: list[list[str]] = []
            for text, field_weight in fields:
                words = tokenize(text)
                texts.append(words)
                for word in words:
                    weights[word] = max(weights.get(word, 0), field_weight)
            self._texts.append(texts)
            for word, weight in weights.items():
                postings.setdefault(word, {})[position] = weight
        self._postings = postings
        self._vocabulary = sorted(postings)

    def _expand(self, word: str) -> list[str]:
        """The indexed words a query word matches: itself, plus longer words it begins, if long enough."""
        if len(word) < _PREFIX_MIN:
            return [word] if word in self._postings else []
        matches = []
        start = bisect_left(self._vocabulary, word)
        for candidate in self._vocabulary[start:]:
            if not candidate.startswith(word):
                break
            matches.append(candidate)
        return matches

    def _concepts(self, words: str) -> list[list[list[str]]]:
        """The query as concepts; each concept is a list of alternative terms (word lists)."""
        query = list(dict.fromkeys(tokenize(words)))
        concepts: list[list[list[str]]] = []
        used: set[str] = set()
        for group in self._synonyms:
            mentioned = [term for term in group if _contains(query, term)]
            if mentioned:
                concepts.append(group)
                used.update(word for term in mentioned for word in term)
        concepts += [[[word]] for word in query if word not in used]
        return concepts

    def _term_weights(self, term: list[str]) -> dict[int, int]:
        """Strategies containing a term, with its weight; a phrase must appear as written, in one field."""
        if len(term) == 1:
            best: dict[int, int] = {}
            for indexed_word in self._expand(term[0]):
                for position, weight in self._postings[indexed_word].items():
                    best[position] = max(best.get(position, 0), weight)
            return best
        # Only strategies holding every word of the phrase can hold the phrase: look at those alone
        # rather than walking every card's text (the walk was most of a search's time).
        candidates = set(self._postings.get(term[0], ()))
        for word in term[1:]:
            candidates.intersection_update(self._postings.get(word, ()))
        found: dict[int, int] = {}
        for position in sorted(candidates):
            texts = self._texts[position]
            for field, words in zip((TITLE_WEIGHT, SHORT_WEIGHT, GROUP_WEIGHT, BODY_WEIGHT), texts, strict=True):
                if _contains(words, term):
                    found[position] = max(found.get(position, 0), field)
        return found

    def search(self, words: str, limit: int = 10) -> list[Strategy]:
        """Return up to ``limit`` strategies matching any of ``words``, best first; never raises on text."""
        if limit <= 0:
            return []
        matched: dict[int, int] = {}
        weight: dict[int, int] = {}
        for concept in self._concepts(words):
            # Within one idea, each of its terms a card uses adds weight: a card about burnout that
            # says "exhausted" and "burning out" ranks above one that says "exhausting" once.
            best: dict[int, int] = {}
            for term in concept:
                for position, term_weight in self._term_weights(term).items():
                    best[position] = best.get(position, 0) + term_weight
            for position, term_weight in best.items():
                matched[position] = matched.get(position, 0) + 1
                weight[position] = weight.get(position, 0) + term_weight
        ranked = sorted(
            matched,
            key=lambda p: (-matched[p], -weight[p], not self._strategies[p].is_peer_side, p),
        )
        return [self._strategies[position] for position in ranked[:limit]]
