"""Scheduler benchmark: our dispatcher against APScheduler 3.11 + SQLAlchemyJobStore, both on SQLite files.

Run: `.venv/bin/python -m bench.scheduler` (needs `pip install -e '.[bench]'`). Each system runs in its own
subprocess so resident memory is measured cleanly, with 100,000 schedules in its database:

- start-up: open the database (and migrate / create tables) and ask when the next run is due;
- memory: VmRSS after start-up minus VmRSS before it, and at the end of the run;
- adding: schedules added one by one, each committed (a daily rule at a local time);
- firing: due schedules run through the dispatcher with a no-op handler, including advancing each
  schedule to its next occurrence (the work a real firing does);
- lateness under the real clock: schedules due 2-5 s from now, measured as (handler start - due time).

APScheduler gets fewer adds and fires (each of its operations is a separate commit and costs about a
millisecond); rates are per operation, so the counts only change how long the run takes.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.db import Database
    from bot.scheduling.scheduler import Firing, Scheduler

SCHEDULES = 100_000
OUR_ADDS, OUR_FIRES = 5_000, 20_000
APS_ADDS, APS_FIRES = 1_000, 2_000
LATE_JOBS = 2_000
ZONES = ("Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")
TARGET_RATIO, TARGET_P99, TARGET_STARTUP = 5.0, 1.0, 1.0


def rss_kb() -> int:
    """Resident memory of this process in KiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p99) of a sample."""
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values), cuts[98]


# -- ours ------------------------------------------------------------------------------------------


async def _seed_ours(path: Path) -> None:
    from bot.db import apply_migrations, open_database
    from bot.scheduling.recurrence import Recurrence, next_occurrence

    db = await open_database(path)
    await apply_migrations(db)
    now = datetime.now(UTC)
    rows = []
    for i in range(SCHEDULES):
        rec = Recurrence.daily(((i // 60) % 24, i % 60), ZONES[i % len(ZONES)])
        first = next_occurrence(rec, now)
        assert first is not None
        rows.append((1 + i % 100, "bench", '{"channel":1}', rec.to_json(), int(first.timestamp()), 0))
    async with db.transaction():
        await db.executemany("INSERT INTO guilds (guild_id, joined_at) VALUES (?, 0)", [(g,) for g in range(1, 101)])
        await db.executemany(
            "INSERT INTO schedules (guild_id, kind, target, recurrence, next_run_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    await db.close()


class _Recorder:
    """The no-op handler: counts firings and records how late each one started."""

    def __init__(self) -> None:
        self.fired = 0
        self.lateness: list[float] = []

    async def handle(self, firing: Firing) -> None:
        """Count the firing and note how long after its due time it started."""
        self.fired += 1
        self.lateness.append(time.time() - firing.due_at.timestamp())

    def reset(self) -> None:
        """Forget what was recorded so far (before the real-clock lateness run)."""
        self.fired = 0
        self.lateness.clear()


async def _open_ours(path: Path, recorder: _Recorder) -> tuple[Database, Scheduler, float, int]:
    """Start-up as measured: open and migrate the database, register the handler, ask when the next run is due.

    Returns the database, the scheduler, the seconds start-up took and the resident memory it added (KiB).
    """
    from bot.clock import SystemClock
    from bot.db import apply_migrations, open_database
    from bot.scheduling.scheduler import Scheduler

    before = rss_kb()
    started = time.perf_counter()
    db = await open_database(path)
    await apply_migrations(db)
    scheduler = Scheduler(db, SystemClock())
    scheduler.register("bench", recorder.handle)
    await scheduler.seconds_until_due()
    startup = time.perf_counter() - started
    return db, scheduler, startup, rss_kb() - before


async def _ours_adds_per_s(scheduler: Scheduler) -> float:
    """Add OUR_ADDS daily schedules one by one, each committed."""
    from bot.scheduling.recurrence import Recurrence

    started = time.perf_counter()
    for i in range(OUR_ADDS):
        rec = Recurrence.daily((i % 24, i % 60), ZONES[i % len(ZONES)])
        await scheduler.add(1 + i % 100, "bench", rec, target={"channel": i})
    return OUR_ADDS / (time.perf_counter() - started)


async def _ours_fires_per_s(db: Database, scheduler: Scheduler) -> float:
    """Make OUR_FIRES schedules due and time one dispatcher pass over them."""
    due = int(time.time()) - 10
    await db.execute(
        "UPDATE schedules SET next_run_at = ? WHERE id IN (SELECT id FROM schedules ORDER BY id LIMIT ?)",
        (due, OUR_FIRES),
    )
    started = time.perf_counter()
    count = await scheduler.run_due()
    fires = count / (time.perf_counter() - started)
    assert count == OUR_FIRES, count
    return fires


async def _ours_late_fires(db: Database, scheduler: Scheduler, recorder: _Recorder) -> None:
    """Run the scheduler on the real clock over LATE_JOBS schedules due 2-5 s from now (the recorder keeps lateness)."""
    recorder.reset()
    base = int(time.time()) + 2
    await db.executemany(
        "UPDATE schedules SET next_run_at = ? WHERE id = ?",
        [(base + i % 4, OUR_FIRES + 1 + i) for i in range(LATE_JOBS)],
    )
    scheduler.start()
    deadline = time.monotonic() + 30
    while recorder.fired < LATE_JOBS and time.monotonic() < deadline:  # noqa: ASYNC110 - polls a counter, bounded
        await asyncio.sleep(0.05)
    await scheduler.stop()


async def run_ours(folder: Path) -> dict[str, Any]:
    """Every measurement for our scheduler."""
    path = folder / "ours.db"
    await _seed_ours(path)
    recorder = _Recorder()
    db, scheduler, startup, startup_rss = await _open_ours(path, recorder)
    adds = await _ours_adds_per_s(scheduler)
    fires = await _ours_fires_per_s(db, scheduler)
    await _ours_late_fires(db, scheduler, recorder)
    total = await db.fetchval("SELECT count(*) FROM schedules")
    await db.close()
    p50, p99 = percentiles(recorder.lateness)
    return {
        "schedules": total,
        "startup_s": startup,
        "startup_rss_mib": startup_rss / 1024,
        "end_rss_mib": rss_kb() / 1024,
        "adds_per_s": adds,
        "fires_per_s": fires,
        "late_fired": recorder.fired,
        "late_p50_s": p50,
        "late_p99_s": p99,
    }


# -- APScheduler -----------------------------------------------------------------------------------

APS_LATENESS: list[float] = []
APS_COUNT = [0]


async def aps_noop(due_ts: float | None = None) -> None:
    """The no-op job: counts, and records lateness when given its due time."""
    APS_COUNT[0] += 1
    if due_ts is not None:
        APS_LATENESS.append(time.time() - due_ts)


def _seed_aps(path: Path) -> None:
    """Store one job through APScheduler, then copy its pickled state for the other rows (fast seeding)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    seeder = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{path}")})
    seeder.start(paused=True)
    seeder.add_job(aps_noop, "cron", hour=9, minute=0, timezone="UTC", id="template")
    seeder.shutdown(wait=False)
    conn = sqlite3.connect(path)
    (blob,) = conn.execute("SELECT job_state FROM apscheduler_jobs WHERE id = 'template'").fetchone()
    template = pickle.loads(blob)
    now = datetime.now(UTC)
    rows = []
    for i in range(SCHEDULES):
        state = dict(template)
        when = (now + timedelta(hours=1, minutes=i % 1440)).replace(second=0, microsecond=0)
        state["id"], state["next_run_time"] = f"j{i}", when
        # Run late jobs rather than drop them, as ours does within its grace window.
        state["misfire_grace_time"], state["coalesce"] = None, True
        rows.append((f"j{i}", when.timestamp(), pickle.dumps(state, pickle.HIGHEST_PROTOCOL)))
    conn.execute("DELETE FROM apscheduler_jobs")
    conn.executemany("INSERT INTO apscheduler_jobs (id, next_run_time, job_state) VALUES (?, ?, ?)", rows)
    conn.commit()
    conn.close()


async def run_aps(folder: Path) -> dict[str, Any]:
    """The same work with APScheduler 3.11's AsyncIOScheduler and SQLAlchemyJobStore."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    path = folder / "aps.db"
    _seed_aps(path)
    before = rss_kb()
    started = time.perf_counter()
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{path}")},
        # Run late jobs rather than drop them, as ours does within its grace window.
        job_defaults={"misfire_grace_time": None, "coalesce": True},
    )
    scheduler.start()
    scheduler._lookup_jobstore("default").get_next_run_time()
    startup = time.perf_counter() - started
    startup_rss = rss_kb() - before
    await asyncio.sleep(0)

    started = time.perf_counter()
    for i in range(APS_ADDS):
        scheduler.add_job(aps_noop, "cron", hour=i % 24, minute=i % 60, timezone=ZONES[i % len(ZONES)], id=f"a{i}")
    adds = APS_ADDS / (time.perf_counter() - started)

    scheduler.pause()
    past = datetime.now(UTC) - timedelta(seconds=10)
    for i in range(APS_FIRES):
        scheduler.modify_job(f"j{i}", next_run_time=past)
    APS_COUNT[0] = 0
    started = time.perf_counter()
    scheduler.resume()
    deadline = time.monotonic() + 120
    while APS_COUNT[0] < APS_FIRES and time.monotonic() < deadline:  # noqa: ASYNC110 - bounded poll
        await asyncio.sleep(0.001)
    fires = APS_COUNT[0] / (time.perf_counter() - started)

    scheduler.pause()
    base = int(time.time()) + 3
    for i in range(LATE_JOBS):
        due = datetime.fromtimestamp(base + i % 4, UTC)
        scheduler.modify_job(f"j{APS_FIRES + i}", next_run_time=due, args=(due.timestamp(),))
    APS_LATENESS.clear()
    scheduler.resume()
    deadline = time.monotonic() + 60
    while len(APS_LATENESS) < LATE_JOBS and time.monotonic() < deadline:  # noqa: ASYNC110 - bounded poll
        await asyncio.sleep(0.05)
    scheduler.shutdown(wait=False)
    p50, p99 = percentiles(APS_LATENESS)
    return {
        "schedules": sqlite3.connect(path).execute("SELECT count(*) FROM apscheduler_jobs").fetchone()[0],
        "startup_s": startup,
        "startup_rss_mib": startup_rss / 1024,
        "end_rss_mib": rss_kb() / 1024,
        "adds_per_s": adds,
        "fires_per_s": fires,
        "late_fired": len(APS_LATENESS),
        "late_p50_s": p50,
        "late_p99_s": p99,
    }


# -- driver ----------------------------------------------------------------------------------------


def part(name: str) -> None:
    """Run one system's measurements in this process and print them as JSON (used by main)."""
    runner = run_ours if name == "ours" else run_aps
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(runner(Path(folder)))
    print(json.dumps(result))


def _in_subprocess(name: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", f"import bench.scheduler as b; b.part({name!r})"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Run both systems and print the figures, ratios and targets."""
    started = time.perf_counter()
    ours, aps = _in_subprocess("ours"), _in_subprocess("aps")
    rows = [
        ("schedules in the database", "schedules", "{:,.0f}"),
        ("start-up (open + migrate + next due), s", "startup_s", "{:.3f}"),
        ("RSS growth over start-up, MiB", "startup_rss_mib", "{:.1f}"),
        ("RSS at end of run, MiB", "end_rss_mib", "{:.1f}"),
        ("adds/s (each committed)", "adds_per_s", "{:,.0f}"),
        ("fires/s (no-op handler)", "fires_per_s", "{:,.0f}"),
        (f"lateness p50 of {LATE_JOBS:,} real-clock fires, s", "late_p50_s", "{:.3f}"),
        (f"lateness p99 of {LATE_JOBS:,} real-clock fires, s", "late_p99_s", "{:.3f}"),
    ]
    print("| measure | ours | APScheduler 3.11 + SQLAlchemyJobStore |\n|---|---:|---:|")
    for label, key, fmt in rows:
        print(f"| {label} | {fmt.format(ours[key])} | {fmt.format(aps[key])} |")
    add_ratio, fire_ratio = ours["adds_per_s"] / aps["adds_per_s"], ours["fires_per_s"] / aps["fires_per_s"]
    checks = [
        (f"adds: {add_ratio:.1f}x APScheduler", add_ratio >= TARGET_RATIO),
        (f"fires: {fire_ratio:.1f}x APScheduler", fire_ratio >= TARGET_RATIO),
        (f"p99 lateness {ours['late_p99_s']:.3f} s", ours["late_p99_s"] < TARGET_P99),
        (f"start-up {ours['startup_s']:.3f} s", ours["startup_s"] < TARGET_STARTUP),
    ]
    for text, met in checks:
        print(f"- {text}: {'met' if met else 'NOT met'}")
    print(f"(ours: {OUR_ADDS:,} adds, {OUR_FIRES:,} fires; APScheduler: {APS_ADDS:,} adds, {APS_FIRES:,} fires;")
    print(f" whole run {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
