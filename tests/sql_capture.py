"""Records every distinct SQL statement the bot's own code runs through `bot.db.Database` while the tests run.

The query-plan meta-test (tests/meta/test_query_plans.py) runs last and asks SQLite how it would run each
one. Statements are kept with the first parameters they ran with (in memory, for this test run only),
so the plan is the one SQLite picks for a real call. Statements written by tests themselves are left
out: only code under bot/ and cogs/ is the product.

Under pytest-xdist each worker records what its share of the suite ran; `dump` and `merge` carry a
worker's statements to the controller, which judges them all once every worker has finished
(tests/conftest.py).
"""

from __future__ import annotations

import base64
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.db import connection

ROOT = Path(__file__).resolve().parents[1]
_OWN = str(Path(connection.__file__).resolve())
_PRODUCT = (str(ROOT / "bot") + "/", str(ROOT / "cogs") + "/")


@dataclass(frozen=True)
class Statement:
    """One statement as first seen: its parameters and the product code that ran it."""

    params: Any
    caller: str


STATEMENTS: dict[str, Statement] = {}


def _caller() -> str | None:
    """The first frame outside the connection wrapper (and contextlib), if it is product code."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name != _OWN and "contextlib" not in name:
            if name.startswith(_PRODUCT):
                return f"{Path(name).relative_to(ROOT).as_posix()}:{frame.f_lineno} ({frame.f_code.co_name})"
            return None
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _recording(method: Callable[..., Any], *, many: bool = False) -> Callable[..., Any]:
    async def wrapper(self: Any, sql: str, params: Any = ()) -> Any:
        if sql not in STATEMENTS:
            caller = _caller()
            if caller is not None:
                if many:
                    params = list(params)
                    if params:  # with no rows there is nothing to bind yet; a later call records it
                        STATEMENTS[sql] = Statement(params[0], caller)
                else:
                    STATEMENTS[sql] = Statement(params, caller)
        return await method(self, sql, params)

    wrapper.__wrapped__ = method  # type: ignore[attr-defined]
    return wrapper


def install() -> None:
    """Wrap the Database methods that take SQL (fetchone and fetchval go through fetchall). Idempotent."""
    database = connection.SqliteDatabase
    if hasattr(database.execute, "__wrapped__"):
        return
    database.execute = _recording(database.execute)  # type: ignore[method-assign]
    database.insert = _recording(database.insert)  # type: ignore[method-assign]
    database.fetchall = _recording(database.fetchall)  # type: ignore[method-assign]
    database.executemany = _recording(database.executemany, many=True)  # type: ignore[method-assign]


def dump() -> str:
    """This process's statements as text a pytest-xdist worker can hand to the controller."""
    plain = {sql: (seen.params, seen.caller) for sql, seen in STATEMENTS.items()}
    return base64.b64encode(pickle.dumps(plain)).decode("ascii")


def merge(dumped: str) -> None:
    """Add a worker's statements (from `dump`) to this process's, keeping the first seen of each."""
    # The text comes from our own worker processes over pytest-xdist's channel, never from outside.
    plain = pickle.loads(base64.b64decode(dumped))
    for sql, (params, caller) in plain.items():
        STATEMENTS.setdefault(sql, Statement(params, caller))
