"""A small keyword index over strategies, built once when content loads.

Ranking is deliberately simple and explainable: a strategy scores one point of "matched words"
for each distinct query word it contains, and a weight that counts title matches more than
matches in the rest of the card. Results are ordered by matched words, then weight, then the
order of the content file. Query words of four or more letters also match longer words that
start with them, so "disclos" finds "disclosure".
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from bot.content.models import Strategy

__all__ = ["StrategyIndex", "tokenize"]

TITLE_WEIGHT = 3
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
        "from",
        "how",
        "i",
        "if",
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


def _normalize(word: str) -> str:
    # A light plural fold so "battles" finds "battle"; not a full stemmer.
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Split text into lower-case search words, dropping apostrophes and very common words."""
    folded = text.casefold().replace("'", "").replace("\u2019", "")
    return [_normalize(word) for word in _WORD.findall(folded) if word not in _STOPWORDS]


class StrategyIndex:
    """Maps each word to the strategies containing it, with a weight per strategy."""

    def __init__(self, strategies: Sequence[Strategy], group_names: dict[str, str]) -> None:
        self._strategies = tuple(strategies)
        postings: dict[str, dict[int, int]] = {}
        for position, strategy in enumerate(self._strategies):
            weights: dict[str, int] = {}
            for word in tokenize(strategy.title):
                weights[word] = max(weights.get(word, 0), TITLE_WEIGHT)
            body = " ".join(
                (
                    strategy.id.replace("-", " "),
                    strategy.short,
                    strategy.text,
                    strategy.group,
                    group_names.get(strategy.group, ""),
                )
            )
            for word in tokenize(body):
                weights[word] = max(weights.get(word, 0), BODY_WEIGHT)
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

    def search(self, words: str, limit: int = 10) -> list[Strategy]:
        """Return up to ``limit`` strategies matching any of ``words``, best first; never raises on text."""
        if limit <= 0:
            return []
        matched: dict[int, int] = {}
        weight: dict[int, int] = {}
        for query_word in dict.fromkeys(tokenize(words)):
            best: dict[int, int] = {}
            for indexed_word in self._expand(query_word):
                for position, word_weight in self._postings[indexed_word].items():
                    best[position] = max(best.get(position, 0), word_weight)
            for position, word_weight in best.items():
                matched[position] = matched.get(position, 0) + 1
                weight[position] = weight.get(position, 0) + word_weight
        ranked = sorted(matched, key=lambda position: (-matched[position], -weight[position], position))
        return [self._strategies[position] for position in ranked[:limit]]
