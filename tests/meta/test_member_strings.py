"""Meta-test: no member-facing string names a database table or column.

Members should read "2 anonymous posts", never "2 anonymous_posts" or "vent_posts". This checks the
three places member-facing text comes from: string literals in every module that talks to Discord,
the content files, and the keys each feature's privacy export and erase report, as shown by
/privacy show and /privacy forget.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.app import EXTENSIONS
from bot.content.store import load_content
from bot.plain_words import words_for
from bot.privacy import PrivacyParticipant
from bot.repositories import schema
from bot.testing import make_bot

ROOT = Path(__file__).resolve().parents[2]
SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


async def _identifiers(db) -> set[str]:
    """Every table and column name in the migrated schema."""
    names: set[str] = set()
    for table in await schema.table_names(db):
        names.add(table)
        names.update(await schema.column_names(db, table))
    return names


def _raw_name_pattern(names: set[str]) -> re.Pattern[str]:
    # Only names with an underscore: one-word columns such as "text" or "notes" are ordinary English.
    snake = sorted((n for n in names if "_" in n), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, snake)) + r")\b")


def _discord_modules() -> list[Path]:
    found = []
    for path in sorted([*ROOT.joinpath("cogs").rglob("*.py"), *ROOT.joinpath("bot").rglob("*.py")]):
        text = path.read_text(encoding="utf-8")
        if "import discord" in text or "from discord" in text:
            found.append(path)
    return found


def _sentences(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals that read as text (they contain a space), docstrings left out."""
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            docstrings.add(id(body[0].value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and " " in node.value
        and id(node) not in docstrings
    ]


async def test_discord_facing_text_names_no_table_or_column(db):
    pattern = _raw_name_pattern(await _identifiers(db))
    modules = _discord_modules()
    assert len(modules) > 20  # the scan really looks at the cogs
    problems = [
        f"{path.relative_to(ROOT)}:{line}: {pattern.search(text).group(0)}"  # type: ignore[union-attr]
        for path in modules
        for line, text in _sentences(ast.parse(path.read_text(encoding="utf-8")))
        if pattern.search(text)
    ]
    assert not problems, problems


async def test_content_texts_name_no_table_column_or_code_identifier(db):
    pattern = _raw_name_pattern(await _identifiers(db))
    content = load_content()
    texts = [s.title + " " + s.short + " " + s.text for s in content.strategies]
    texts += [p.text for p in content.prompts]
    texts += [f"{r.name} {r.description} {r.contested or ''}" for r in content.resources]
    texts += [content.explain.short, content.explain.long, content.cite(["000", "001", "002", "003", "004"])]
    for text in texts:
        assert not pattern.search(text), text
        assert not SNAKE.search(text.replace("a_role", "").replace("A_role", "")), text


def test_the_pattern_catches_the_old_privacy_wording():
    # Guard against a scan that can never fail: the text /privacy show used to print is caught.
    pattern = _raw_name_pattern({"vent_posts", "anonymous_posts", "user_id"})
    assert pattern.search("1 anonymous_posts")
    assert not pattern.search("1 anonymous post you can still delete")


@pytest.fixture
async def loaded_bot(services):
    bot = make_bot(services, sync=False)
    for name in EXTENSIONS:
        await bot.load_extension(name)
    yield bot
    await bot.close()


async def test_privacy_keys_read_as_words(loaded_bot, services):
    names = await _identifiers(services.db)
    participants = [cog for cog in loaded_bot.cogs.values() if isinstance(cog, PrivacyParticipant)]
    keys: set[str] = set()
    for cog in participants:
        keys.update(await cog.export_user_data(424242))
        keys.update(await cog.delete_user_data(424242))
    assert {"anonymous_posts", "preferences"} <= keys  # the export really was read
    for key in keys:
        for count in (1, 2):
            words = words_for(key, count)
            assert not SNAKE.search(words) and words not in names, (key, words)
