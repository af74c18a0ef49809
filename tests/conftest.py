"""Shared fixtures: a migrated database in a file, a fake clock, and the real bot for SimCord."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from discord import app_commands
from simcord import Env

from bot.app import PeerCircleBot, Services
from bot.clock import FakeClock
from bot.db import Database
from bot.errors import UserFacingError
from bot.interactions import friendly_message
from bot.testing import SimcordClock, make_bot, make_services
from tests import sql_capture
from tests.dbfile import DbAddress
from tests.pg import PgServer, run_sync
from tests.query_plans import ENOUGH, scan_problems

# The query-plan meta-test reads what the rest of the suite ran, so it runs after everything else.
QUERY_PLAN_TESTS = "tests/meta/test_query_plans.py"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker `simcord_env` reads, beside the fixture that reads it."""
    config.addinivalue_line("markers", "sqlite_only: a test about SQLite itself (its file, WAL, pragmas)")
    config.addinivalue_line(
        "markers",
        "strict_errors: only refusals (UserFacingError, a failed check) may reach the bot's error handler, "
        "and nothing may be logged at ERROR",
    )
    sql_capture.install()


# Test modules that also run on PostgreSQL: every test in them that uses a database runs once per engine.
# (Repositories, migrations, privacy — export, forget, purge, retention — and the scheduler.)
POSTGRES_MODULES = frozenset(
    {
        "tests.unit.test_checkins",
        "tests.unit.test_circles",
        "tests.unit.test_connect",
        "tests.unit.test_db_transactions",
        "tests.unit.test_delivery",
        "tests.unit.test_disclosure",
        "tests.unit.test_dm_channel_prune",
        "tests.unit.test_dm_notices",
        "tests.unit.test_guild_settings",
        "tests.unit.test_migrations",
        "tests.unit.test_missed_occurrences",
        "tests.unit.test_outbox",
        "tests.unit.test_pg_engine",
        "tests.unit.test_preferences",
        "tests.unit.test_privacy_migration",
        "tests.unit.test_privacy_participants",
        "tests.unit.test_privacy_registry",
        "tests.unit.test_races",
        "tests.unit.test_reflection",
        "tests.unit.test_retention",
        "tests.unit.test_schedule_claims",
        "tests.unit.test_scheduler",
        "tests.unit.test_server_items",
        "tests.unit.test_strategies_services",
        "tests.unit.test_venting_boundaries",
        "tests.unit.test_venting_housekeeping",
        "tests.unit.test_venting_limits",
        "tests.unit.test_venting_service",
        "tests.e2e.test_privacy",
        "tests.e2e.test_privacy_promises",
        "tests.e2e.test_privacy_registry",
        "tests.e2e.test_venting_privacy",
    }
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the database tests of POSTGRES_MODULES on both engines (one suite, a parametrised fixture)."""
    if "engine" not in metafunc.fixturenames:
        return
    # PEER_CIRCLE_ALL_ON_POSTGRES=1 runs every database test on both engines (too slow for CI: the
    # end-to-end tests cross a socket per statement while SimCord polls; run it after changing SQL).
    if metafunc.module.__name__ not in POSTGRES_MODULES and not os.environ.get("PEER_CIRCLE_ALL_ON_POSTGRES"):
        return
    if metafunc.definition.get_closest_marker("sqlite_only"):
        return
    metafunc.parametrize("engine", ["sqlite", "postgres"], indirect=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One real PostgreSQL 16 for the whole run, started on first use (about a second).

    Its data lives outside pytest's temporary folders: a second pytest run started meanwhile deletes the
    oldest of those, which would pull the data from under a running server.
    """
    root = Path(tempfile.mkdtemp(prefix="peer-circle-pg-"))
    server = PgServer(root)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on: "sqlite" (the default) or "postgres"."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_target(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated database: a file path for SQLite, an address for PostgreSQL."""
    if engine == "sqlite":
        yield str(tmp_path / "peer-circle.db")
        return
    server: PgServer = request.getfixturevalue("pg_server")
    url = run_sync(server.fresh_database())
    yield url
    run_sync(server.drop(url))


# Under pytest-xdist (`make test` runs two workers): whether any worker reported its statements.
_DISTRIBUTED: list[str] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Controller: take a finished worker's recorded statements for the query-plan check."""
    dumped = getattr(node, "workeroutput", {}).get("sql_statements")
    if dumped is not None:
        _DISTRIBUTED.append(node.gateway.id)
        sql_capture.merge(dumped)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Workers hand over their statements; the controller judges them all (tests/meta/test_query_plans.py).

    Each worker ran part of the suite, so no worker can judge the query plans alone: the check that a
    single process runs as its last test runs here, once, over every worker's statements.
    """
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["sql_statements"] = sql_capture.dump()
        return
    if not _DISTRIBUTED or len(sql_capture.STATEMENTS) < ENOUGH:
        return  # one process (the meta-test judged), or too little of the suite ran to judge
    problems = asyncio.run(_query_plan_problems())
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_sep("=" if problems else "-", "query plans of every worker's statements", red=bool(problems))
        reporter.write_line(
            "full scans of growing tables:\n" + "\n".join(problems)
            if problems
            else f"{len(sql_capture.STATEMENTS)} statements judged: no full scan of a growing table"
        )
    if problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


async def _query_plan_problems() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="peer-circle-plans-") as folder:
        services = await make_services(clock=FakeClock(), db_path=str(Path(folder) / "plans.db"))
        try:
            return await scan_problems(dict(sql_capture.STATEMENTS), services.db)
        finally:
            await services.db.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the query-plan checks to the end: they judge every statement the other tests made the bot run."""
    items.sort(key=lambda item: item.nodeid.startswith(QUERY_PLAN_TESTS))


@pytest.fixture(autouse=True)
def feature_modules_stay_loaded() -> Iterator[None]:
    """Put back the feature modules a closed bot dropped from `sys.modules`.

    discord.py's `Bot.close` unloads each extension and deletes its package's modules from
    `sys.modules`; the next bot then imports fresh copies, whose classes differ from those a test
    module imported at collection (`features.get(VentingService)` then finds nothing). Which tests ran
    before must not decide whether a test passes.
    """
    before = {name: module for name, module in sys.modules.items() if name.startswith("cogs.")}
    yield
    for name, module in before.items():
        sys.modules.setdefault(name, module)


@pytest.fixture
def clock() -> FakeClock:
    """A clock that only moves when the test moves it."""
    return FakeClock()


@pytest.fixture
def db_path(database_target: str, engine: str, request: pytest.FixtureRequest) -> Path:
    """The database behind `services` / `sim_services`, so a test can read it (and its -wal) itself.

    On PostgreSQL it stands for the database (tests/dbfile.py and tests/privacy_bytes.py read either).
    """
    if engine == "sqlite":
        return Path(database_target)
    return DbAddress.of(database_target, request.getfixturevalue("pg_server").data_dir)


@pytest.fixture
async def services(clock: FakeClock, database_target: str) -> AsyncIterator[Services]:
    """Services over a fresh, migrated database with the production settings (SQLite: WAL, secure_delete)."""
    svc = await make_services(clock=clock, db_path=database_target)
    yield svc
    await svc.db.close()


@pytest.fixture
def db(services: Services) -> Database:
    """The migrated database behind `services`."""
    return services.db


@pytest.fixture
async def sim_services(database_target: str) -> AsyncIterator[Services]:
    """Services for end-to-end tests, on SimCord's virtual clock, over a fresh database."""
    svc = await make_services(clock=SimcordClock(), db_path=database_target)
    yield svc
    await svc.db.close()


@pytest.fixture
def simcord_bot(sim_services: Services) -> PeerCircleBot:
    """The unmodified bot that SimCord's `simcord_env` fixture runs."""
    return make_bot(sim_services)


class ErrorRecords(logging.Handler):
    """Keeps every record logged at ERROR or above while it is attached to the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record; the test reads it at teardown."""
        self.records.append(record)


def is_unexpected(error: BaseException, *, strict: bool, provoked: tuple[type[BaseException], ...]) -> bool:
    """Whether an error the command tree saw should fail the test.

    By default only errors our handler would log as unexpected count (it has no friendly message for
    them). Strictly, so do friendly ones that are not a refusal a member is meant to see (a value
    Discord could not convert, say).
    """
    original = getattr(error, "original", error)
    if isinstance(original, provoked):
        return False
    refusal = isinstance(original, UserFacingError | app_commands.CheckFailure)
    return friendly_message(error) is None or (strict and not refusal)


@pytest.fixture
async def simcord_env(simcord_bot: PeerCircleBot, request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    """SimCord's environment, failing the test on unexpected bot errors only: the one error policy.

    SimCord records every error the command tree sees, including the expected ones our handler
    turns into a friendly message (a bad time zone, a refused member). Those are behaviour under
    test; anything our handler would log as unexpected still fails the test at teardown.

    Two markers adjust it:
    - `@pytest.mark.provokes(error=SomeError)`: the test raises this error inside the bot on purpose;
    - `@pytest.mark.strict_errors`: only refusals (`UserFacingError`, a failed check) are tolerated, and
      any record logged at ERROR from start to shutdown fails the test, which also catches errors that
      never reach the command tree (a view or a listener that only logs through `report_error`).
    """
    marker = request.node.get_closest_marker("simcord")
    options = {"check_errors": False, **(marker.kwargs if marker else {})}
    strict = request.node.get_closest_marker("strict_errors") is not None
    logged = ErrorRecords()
    root = logging.getLogger()
    if strict:
        root.addHandler(logged)
    try:
        env = Env(simcord_bot, **options)
        await env.start()
        try:
            yield env
        finally:
            await env.shutdown()
    finally:
        root.removeHandler(logged)
    provoked = tuple(m.kwargs["error"] for m in request.node.iter_markers("provokes"))
    unexpected = [e for e in env.errors if is_unexpected(e, strict=strict, provoked=provoked)]
    if unexpected:
        raise ExceptionGroup("the bot raised unexpected errors", unexpected)
    assert not logged.records, [f"{r.levelname} {r.name}: {r.getMessage()}" for r in logged.records]
