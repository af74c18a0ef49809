"""Field-level checks for the content files, shared by the loader in ``content.py``.

Every check raises :class:`ContentError` naming the file, the item and the problem, so a
community maintainer editing a TOML file by hand gets a message they can act on, for example
``content/strategies.toml, item 'choose-battles': title is longer than 80 characters``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.content.language import find_ruled_out_terms
from bot.content.role_word import PLACEHOLDERS, unknown_placeholders
from bot.links import hidden_character

__all__ = [
    "KNOWN_SOURCES",
    "ContentError",
    "ItemReader",
    "read_toml",
    "table_list",
]

# The five seed documents every item must trace back to (shared/seeds/000_… to 004_…).
KNOWN_SOURCES: frozenset[str] = frozenset({"000", "001", "002", "003", "004"})

_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ContentError(Exception):
    """A content file cannot be used; says which file, which item (if any) and what is wrong."""

    def __init__(self, file: str, item: str | None, problem: str) -> None:
        self.file = file
        self.item = item
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        """Read like ``content/strategies.toml, item 'foo': title is longer than 80 characters``."""
        if self.item is None:
            return f"{self.file}: {self.problem}"
        return f"{self.file}, item '{self.item}': {self.problem}"


def read_toml(path: Path, label: str) -> dict[str, Any]:
    """Parse one TOML file, turning a missing file or bad syntax into a :class:`ContentError`."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ContentError(label, None, "file is missing") from None
    except tomllib.TOMLDecodeError as error:
        raise ContentError(label, None, f"TOML syntax error: {error}") from None
    except UnicodeDecodeError:
        raise ContentError(label, None, "file is not valid UTF-8") from None


def table_list(data: Mapping[str, Any], key: str, label: str) -> list[dict[str, Any]]:
    """Return the array of tables ``[[key]]`` from a parsed file, or raise if absent or malformed."""
    value = data.get(key)
    if value is None:
        raise ContentError(label, None, f"has no [[{key}]] entries")
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise ContentError(label, None, f"'{key}' must be an array of tables written as [[{key}]]")
    return value


class ItemReader:
    """Reads and checks the fields of one table (one strategy, prompt, resource, …).

    The reader remembers which keys were read, so :meth:`finish` can report typos such as
    ``titel`` as unknown keys instead of silently ignoring them.
    """

    def __init__(self, label: str, table: Mapping[str, Any], position: int, seen_ids: set[str]) -> None:
        self.label = label
        self._table = table
        self._used: set[str] = set()
        raw_id = table.get("id")
        self.item = raw_id if isinstance(raw_id, str) and raw_id else f"#{position + 1}"
        self.id = self._read_id(seen_ids)

    def error(self, problem: str) -> ContentError:
        """Build an error about this item."""
        return ContentError(self.label, self.item, problem)

    def _raw(self, key: str, required: bool) -> Any:
        self._used.add(key)
        if key not in self._table:
            if required:
                raise self.error(f"{key} is missing")
            return None
        return self._table[key]

    def _read_id(self, seen_ids: set[str]) -> str:
        value = self._raw("id", required=True)
        if not isinstance(value, str):
            raise self.error("id must be a string")
        if not _ID_PATTERN.fullmatch(value):
            raise self.error("id must be kebab-case: lower-case letters and digits joined by single hyphens")
        if value in seen_ids:
            raise self.error("id is used more than once in this file")
        seen_ids.add(value)
        return value

    def text(self, key: str, max_len: int, *, required: bool = True) -> str | None:
        """Read a non-empty string of at most ``max_len`` characters that passes the language check."""
        value = self._raw(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(f"{key} must be a string")
        value = value.strip()
        if not value:
            raise self.error(f"{key} must not be empty")
        if len(value) > max_len:
            raise self.error(f"{key} is longer than {max_len} characters ({len(value)})")
        check_language(self.label, self.item, key, value)
        return value

    def required_text(self, key: str, max_len: int) -> str:
        """Read a required text field (see :meth:`text`)."""
        value = self.text(key, max_len)
        assert value is not None
        return value

    def choice(self, key: str, allowed: Iterable[str]) -> str:
        """Read a string that must be one of ``allowed``."""
        options = tuple(allowed)
        value = self._raw(key, required=True)
        if not isinstance(value, str) or value not in options:
            listed = ", ".join(repr(option) for option in options)
            raise self.error(f"{key} is {value!r}; it must be one of {listed}")
        return value

    def string_list(self, key: str, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
        """Read a non-empty list of distinct strings, optionally limited to ``allowed`` values."""
        value = self._raw(key, required=True)
        if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
            raise self.error(f"{key} must be a list of strings")
        if not value:
            raise self.error(f"{key} must name at least one entry")
        if len(set(value)) != len(value):
            raise self.error(f"{key} lists the same entry twice")
        if allowed is not None:
            options = set(allowed)
            for entry in value:
                if entry not in options:
                    raise self.error(f"{key} has unknown value {entry!r}")
        return tuple(value)

    def optional_string_list(self, key: str) -> tuple[str, ...]:
        """Read a list of distinct strings that may be left out (an empty tuple then)."""
        if key not in self._table:
            self._used.add(key)
            return ()
        return self.string_list(key)

    def sources(self) -> tuple[str, ...]:
        """Read ``sources``: at least one seed number, each one of "000" to "004"."""
        value = self._raw("sources", required=False)
        if value is None or value == []:
            raise self.error('sources must cite at least one seed, e.g. sources = ["003"]')
        known = sorted(KNOWN_SOURCES)
        if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
            raise self.error('sources must be a list of seed numbers such as "003"')
        for entry in value:
            if entry not in KNOWN_SOURCES:
                raise self.error(f"sources has unknown seed {entry!r}; known seeds are {', '.join(known)}")
        return tuple(dict.fromkeys(value))

    def https_url(self, key: str) -> str:
        """Read a URL that must use https and name a host."""
        value = self._raw(key, required=True)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{key} must be a non-empty string")
        value = value.strip()
        hidden = hidden_character(value)
        if hidden:
            raise self.error(f"{key} has {hidden}; type the link again without it")
        if any(character.isspace() for character in value):
            raise self.error(f"{key} must not contain spaces")
        parts = urlsplit(value)
        if parts.scheme != "https":
            raise self.error(f"{key} must be an https:// link (got {parts.scheme or 'no'} scheme)")
        if not parts.netloc:
            raise self.error(f"{key} has no host name")
        return value

    def optional_date(self, key: str) -> date | None:
        """Read a date that may be left out (None then)."""
        if key not in self._table:
            self._used.add(key)
            return None
        return self.date(key)

    def date(self, key: str) -> date:
        """Read a calendar date, written either as a TOML date (2026-11-23) or as an ISO string."""
        value = self._raw(key, required=True)
        if isinstance(value, datetime):
            raise self.error(f"{key} must be a date without a time")
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(f"{key} must be a date like 2026-11-23")

    def finish(self) -> None:
        """Report keys that no check read (usually a typo in the key name)."""
        unknown = sorted(set(self._table) - self._used)
        if unknown:
            raise self.error(f"has unknown key {unknown[0]!r}")


def check_language(label: str, item: str | None, key: str, value: str) -> None:
    """Raise if ``value`` uses a word the language guide rules out, or an unknown {placeholder}."""
    unknown = unknown_placeholders(value)
    if unknown:
        known = ", ".join("{" + name + "}" for name in sorted(PLACEHOLDERS))
        raise ContentError(label, item, f"{key} has {{{unknown[0]}}}, which is not a placeholder; use one of {known}")
    words = find_ruled_out_terms(value)
    if words:
        listed = ", ".join(repr(word) for word in words)
        raise ContentError(label, item, f"{key} uses the ruled-out word {listed} (see the language guide)")
