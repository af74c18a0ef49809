"""Scheduler benchmark: our dispatcher against APScheduler 3.11 + SQLAlchemyJobStore, on equal footing.

    python -m bench.scheduler                       # 100,000 schedules
    python -m bench.scheduler --schedules 100000,1000000

Both stores are SQLite files. Each configuration runs in its own subprocess on a fresh copy of a template
seeded once per system and size, and names the journal mode, `synchronous` and how many firings share
one commit, for both systems:

- **equal durability** (the target row): WAL with `synchronous=FULL` for both, so every commit is fsynced,
  and one commit per firing for both (ours with a claim batch of 1; APScheduler always commits per job);
- **same pragmas, as shipped batching**: WAL + `synchronous=NORMAL` for both; ours claims 100 due rows per
  transaction (production), APScheduler commits per job;
- **each as shipped** (the old comparison, restated): ours WAL + NORMAL, batch 100; APScheduler with
  SQLAlchemy's SQLite defaults (rollback journal, `synchronous=FULL`), commit per job.

Measured per configuration: adds/s (each add its own commit, both systems) and fires/s (a no-op handler,
including advancing each schedule to its next occurrence). For the shipped configuration also start-up,
resident memory and lateness of 2,000 real-clock firings. Rates are per operation, so the two systems may
do different numbers of operations.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.db import Database
    from bot.scheduling.scheduler import Firing, Scheduler

SIZES = (100_000,)
LATE_JOBS = 1_000
ZONES = ("Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")
TARGET_RATIO, TARGET_P99, TARGET_STARTUP = 5.0, 1.0, 1.0


@dataclass(frozen=True)
class Config:
    """One side of one row: which system, on which pragmas, with how many firings per commit."""

    system: str  # "ours" or "aps"
    journal: str  # "wal" or "delete"
    synchronous: str  # "normal" or "full"
    batch: int  # firings per commit (APScheduler: always 1)
    adds: int  # how many adds and fires to time: fewer where every commit waits for an fsync
    fires: int
    full: bool = False  # also start-up, memory and real-clock lateness


# Where every commit is fsynced a few hundred operations give a steady rate and keep the run short.
ROWS = (
    (
        "equal durability: WAL + FULL, one commit per firing",
        Config("ours", "wal", "full", 1, adds=300, fires=500),
        Config("aps", "wal", "full", 1, adds=300, fires=300),
    ),
    (
        "same pragmas: WAL + FULL, ours batched",
        Config("ours", "wal", "full", 100, adds=300, fires=5_000),
        Config("aps", "wal", "full", 1, adds=300, fires=300),
    ),
    (
        "same pragmas: WAL + NORMAL, ours batched",
        Config("ours", "wal", "normal", 100, adds=2_000, fires=5_000),
        Config("aps", "wal", "normal", 1, adds=1_000, fires=1_000),
    ),
    (
        "each as shipped: ours WAL + NORMAL batched, APScheduler rollback journal + FULL",
        Config("ours", "wal", "normal", 100, adds=2_000, fires=5_000, full=True),
        Config("aps", "delete", "full", 1, adds=300, fires=300, full=True),
    ),
)


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


async def seed_ours(path: Path, count: int) -> None:
    """Migrate and seed `count` daily schedules at varied local times and zones, in one transaction."""
    from bot.db import apply_migrations, open_database
    from bot.scheduling.recurrence import Recurrence, next_occurrence

    db = await open_database(path)
    await apply_migrations(db)
    now = datetime.now(UTC)
    rows, seen = [], {}
    for i in range(count):
        key = ((i // 60) % 24, i % 60, ZONES[i % len(ZONES)])
        if key not in seen:  # 7,200 distinct rules: compute each once, so a million rows seed in seconds
            rec = Recurrence.daily(key[:2], key[2])
            first = next_occurrence(rec, now)
            assert first is not None
            seen[key] = (rec.to_json(), int(first.timestamp()))
        rows.append((1 + i % 100, "bench", '{"channel":1}', *seen[key], 0))
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


async def _open_ours(path: Path, config: Config, recorder: _Recorder) -> tuple[Database, Scheduler, dict[str, float]]:
    """Start-up as measured: open (production pragmas) and migrate, register the handler, ask for the next due time."""
    from bot.clock import SystemClock
    from bot.db import apply_migrations, open_database
    from bot.scheduling.scheduler import Scheduler

    before, started = rss_kb(), time.perf_counter()
    db = await open_database(path)
    await apply_migrations(db)
    if config.synchronous != "normal":
        await db.execute(f"PRAGMA synchronous = {config.synchronous.upper()}")
    scheduler = Scheduler(db, SystemClock(), batch_size=config.batch)
    scheduler.register("bench", recorder.handle)
    await scheduler.seconds_until_due()
    return db, scheduler, {"startup_s": time.perf_counter() - started, "startup_rss_mib": (rss_kb() - before) / 1024}


async def _ours_rates(db: Database, scheduler: Scheduler, recorder: _Recorder, config: Config) -> dict[str, float]:
    """Adds (each committed), then one dispatcher pass over `config.fires` due schedules."""
    from bot.scheduling.recurrence import Recurrence

    started = time.perf_counter()
    for i in range(config.adds):
        rec = Recurrence.daily((i % 24, i % 60), ZONES[i % len(ZONES)])
        await scheduler.add(1 + i % 100, "bench", rec, target={"channel": i})
    adds = config.adds / (time.perf_counter() - started)
    await db.execute(
        "UPDATE schedules SET next_run_at = ? WHERE id IN (SELECT id FROM schedules ORDER BY id LIMIT ?)",
        (int(time.time()) - 10, config.fires),
    )
    started = time.perf_counter()
    count = await scheduler.run_due()
    fires = count / (time.perf_counter() - started)  # per firing, whichever rows they were
    # A few seeded rows may have come due on the real clock since seeding; they fire in the same pass.
    assert count >= config.fires and count == recorder.fired, (count, recorder.fired)
    return {"adds_per_s": adds, "fires_per_s": fires}


async def _ours_lateness(db: Database, scheduler: Scheduler, recorder: _Recorder, config: Config) -> dict[str, float]:
    """Run the scheduler on the real clock over LATE_JOBS schedules due 2-5 s from now."""
    recorder.fired, recorder.lateness = 0, []
    base = int(time.time()) + 2
    await db.executemany(
        "UPDATE schedules SET next_run_at = ? WHERE id = ?",
        [(base + i % 4, config.fires + 1 + i) for i in range(LATE_JOBS)],
    )
    scheduler.start()
    deadline = time.monotonic() + 30
    while recorder.fired < LATE_JOBS and time.monotonic() < deadline:  # noqa: ASYNC110 - polls a counter, bounded
        await asyncio.sleep(0.05)
    await scheduler.stop()
    p50, p99 = percentiles(recorder.lateness)
    return {"late_p50_s": p50, "late_p99_s": p99}


async def run_ours(path: Path, config: Config) -> dict[str, float]:
    """Every measurement of our scheduler for one configuration."""
    recorder = _Recorder()
    db, scheduler, figures = await _open_ours(path, config, recorder)
    try:
        figures |= await _ours_rates(db, scheduler, recorder, config)
        if config.full:
            figures |= await _ours_lateness(db, scheduler, recorder, config)
        figures["schedules"] = await db.fetchval("SELECT count(*) FROM schedules")
        figures["journal"] = await db.fetchval("PRAGMA journal_mode")
        figures["synchronous"] = await db.fetchval("PRAGMA synchronous")
    finally:
        await db.close()  # or a failed run never exits: aiosqlite's thread would keep the process alive
    figures["end_rss_mib"] = rss_kb() / 1024
    return figures


# -- APScheduler -----------------------------------------------------------------------------------

APS_JOB = "bench.scheduler:aps_noop"
APS_LATENESS: list[float] = []
APS_COUNT = [0]


async def aps_noop(due_ts: float | None = None) -> None:
    """The no-op job: counts, and records lateness when given its due time."""
    APS_COUNT[0] += 1
    if due_ts is not None:
        APS_LATENESS.append(time.time() - due_ts)


def seed_aps(path: Path, count: int) -> None:
    """Store one job through APScheduler, then copy its pickled state for the other rows (fast seeding)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    seeder = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{path}")})
    seeder.start(paused=True)
    # By module path: the seeder may run as __main__, the measuring process imports bench.scheduler.
    seeder.add_job(APS_JOB, "cron", hour=9, minute=0, timezone="UTC", id="template")
    seeder.shutdown(wait=False)
    conn = sqlite3.connect(path)
    (blob,) = conn.execute("SELECT job_state FROM apscheduler_jobs WHERE id = 'template'").fetchone()
    template = pickle.loads(blob)
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
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


def _aps_engine(path: Path, config: Config) -> Any:
    """A SQLAlchemy engine whose every connection uses the configuration's journal mode and `synchronous`."""
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def pragmas(connection: Any, record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA journal_mode = {config.journal.upper()}").fetchall()
        cursor.execute(f"PRAGMA synchronous = {config.synchronous.upper()}")
        cursor.close()

    return engine


async def _aps_fire(scheduler: Any, jobs: list[str], when: datetime, args: tuple[Any, ...] = ()) -> None:
    """Pause, point `jobs` at `when` (each a commit, untimed), resume."""
    scheduler.pause()
    for job in jobs:
        scheduler.modify_job(job, next_run_time=when, args=args)
    scheduler.resume()


async def _aps_wait(done: Callable[[], int], target: int, seconds: float, step: float = 0.001) -> None:
    """Poll until `done()` reaches `target` or `seconds` pass (APScheduler's jobs run on this loop)."""
    deadline = time.monotonic() + seconds
    while done() < target and time.monotonic() < deadline:  # noqa: ASYNC110 - polls a counter, bounded
        await asyncio.sleep(step)


async def run_aps(path: Path, config: Config) -> dict[str, float]:
    """The same work with APScheduler 3.11's AsyncIOScheduler and SQLAlchemyJobStore."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    before, started = rss_kb(), time.perf_counter()
    store = SQLAlchemyJobStore(engine=_aps_engine(path, config))
    scheduler = AsyncIOScheduler(
        jobstores={"default": store}, job_defaults={"misfire_grace_time": None, "coalesce": True}
    )
    scheduler.start()
    store.get_next_run_time()
    figures = {"startup_s": time.perf_counter() - started, "startup_rss_mib": (rss_kb() - before) / 1024}
    await asyncio.sleep(0)
    started = time.perf_counter()
    for i in range(config.adds):
        scheduler.add_job(APS_JOB, "cron", hour=i % 24, minute=i % 60, timezone=ZONES[i % len(ZONES)], id=f"a{i}")
    figures["adds_per_s"] = config.adds / (time.perf_counter() - started)
    await _aps_fire(scheduler, [f"j{i}" for i in range(config.fires)], datetime.now(UTC) - timedelta(seconds=10))
    APS_COUNT[0], started = 0, time.perf_counter()
    await _aps_wait(lambda: APS_COUNT[0], config.fires, 300)
    figures["fires_per_s"] = APS_COUNT[0] / (time.perf_counter() - started)
    assert APS_COUNT[0] >= config.fires, APS_COUNT
    if config.full:
        figures |= await _aps_lateness(scheduler, config.fires)
    scheduler.shutdown(wait=False)
    with sqlite3.connect(path) as conn:
        figures["schedules"] = conn.execute("SELECT count(*) FROM apscheduler_jobs").fetchone()[0]
        figures["journal"] = conn.execute("PRAGMA journal_mode").fetchone()[0]
    figures["synchronous"] = {"normal": 1, "full": 2}[config.synchronous]
    figures["end_rss_mib"] = rss_kb() / 1024
    return figures


async def _aps_lateness(scheduler: Any, skip: int) -> dict[str, float]:
    """LATE_JOBS jobs due 3-6 s from now on the real clock; each records its own lateness."""
    base = int(time.time()) + 3
    APS_LATENESS.clear()
    scheduler.pause()
    for i in range(LATE_JOBS):
        due = datetime.fromtimestamp(base + i % 4, UTC)
        scheduler.modify_job(f"j{skip + i}", next_run_time=due, args=(due.timestamp(),))
    scheduler.resume()
    await _aps_wait(lambda: len(APS_LATENESS), LATE_JOBS, 60, step=0.05)
    p50, p99 = percentiles(APS_LATENESS)
    return {"late_p50_s": p50, "late_p99_s": p99}


# -- driver ----------------------------------------------------------------------------------------


def part(template: str, work: str, config: dict[str, Any]) -> None:
    """In a subprocess: run one configuration on a copy of `template` and print its figures as JSON."""
    chosen = Config(**config)
    shutil.copyfile(template, work)
    # Write the copy to disk before timing: otherwise the first timed fsync waits for the file system
    # to flush the fresh copy (hundreds of MB at 1,000,000 rows), which charges the larger file more.
    with open(work, "rb+") as copied:
        os.fsync(copied.fileno())
    os.sync()
    runner = run_ours if chosen.system == "ours" else run_aps
    print(json.dumps(asyncio.run(runner(Path(work), chosen))))


def _in_subprocess(template: Path, folder: Path, config: Config) -> dict[str, Any]:
    work = folder / f"{config.system}-work.db"
    code = f"import bench.scheduler as b; b.part({str(template)!r}, {str(work)!r}, {asdict(config)!r})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=3600)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _templates(folder: Path, size: int) -> dict[str, Path]:
    """Seed each system's template once per size (seeding time printed, not part of any figure)."""
    started = time.perf_counter()
    ours, aps = folder / f"ours-{size}.db", folder / f"aps-{size}.db"
    asyncio.run(seed_ours(ours, size))
    seed_aps(aps, size)
    print(f"(seeded {size:,} schedules for each system in {time.perf_counter() - started:.0f} s)", flush=True)
    return {"ours": ours, "aps": aps}


Result = tuple[int, str, Config, list[dict[str, Any]], list[dict[str, Any]]]


def measure(sizes: tuple[int, ...], repeat: int, only: str = "") -> list[Result]:
    """Every row at every size; each pair run `repeat` times, alternating ours and APScheduler (ABAB)."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-scheduler-") as name:
        folder = Path(name)
        for size in sizes:
            templates = _templates(folder, size)
            for label, ours, aps in ROWS:
                if only not in label:
                    continue
                mine, theirs = [], []
                for _ in range(1 if ours.full else repeat):  # the shipped row's real-clock waits run once
                    mine.append(_in_subprocess(templates["ours"], folder, ours))
                    theirs.append(_in_subprocess(templates["aps"], folder, aps))
                    print(f"  {size:,} {label}: ours {mine[-1]}\n    aps {theirs[-1]}", flush=True)
                results.append((size, label, ours, mine, theirs))
            for path in templates.values():
                path.unlink()
    return results


def _spread(mine: list[dict[str, Any]], theirs: list[dict[str, Any]], key: str) -> str:
    """`median ours | median APS | ratio (range of the per-pair ratios)`."""
    ours, aps = statistics.median(m[key] for m in mine), statistics.median(t[key] for t in theirs)
    ratios = [m[key] / t[key] for m, t in zip(mine, theirs, strict=True)]
    spread = f" ({min(ratios):.1f}–{max(ratios):.1f})" if len(ratios) > 1 else ""
    return f"{ours:,.0f} | {aps:,.0f} | **{statistics.median(ratios):.1f}**{spread}"


def print_tables(results: list[Result]) -> None:
    """The equal-footing table, then the shipped configuration's start-up, memory and lateness."""
    print(
        "\n| schedules | configuration | firings per commit (ours / APS) | pairs | adds/s ours | adds/s APS | ×"
        " | fires/s ours | fires/s APS | × |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, label, ours, mine, theirs in results:
        print(
            f"| {size:,} | {label} | {ours.batch} / 1 | {len(mine)} | {_spread(mine, theirs, 'adds_per_s')} "
            f"| {_spread(mine, theirs, 'fires_per_s')} |"
        )
    for size, _label, ours, mine, theirs in results:
        if ours.full:
            print(f"\nEach as shipped, {size:,} schedules: | measure | ours | APScheduler |")
            for key in ("schedules", "startup_s", "startup_rss_mib", "end_rss_mib", "late_p50_s", "late_p99_s"):
                print(f"| {key} | {mine[0][key]:,.3f} | {theirs[0][key]:,.3f} |")
    for size, label, _ours, mine, theirs in results:
        if label.startswith("equal"):
            met = [
                statistics.median(m[k] / t[k] for m, t in zip(mine, theirs, strict=True)) >= TARGET_RATIO
                for k in ("adds_per_s", "fires_per_s")
            ]
            print(
                f"- {size:,}: target ≥ {TARGET_RATIO:g}× at equal durability: adds {'met' if met[0] else 'NOT met'}, "
                f"fires {'met' if met[1] else 'NOT met'}"
            )


def main(argv: list[str] | None = None) -> None:
    """Run every configuration at every size and print the tables."""
    parser = argparse.ArgumentParser(description="Our scheduler against APScheduler on equal footing.")
    parser.add_argument("--schedules", default=",".join(str(s) for s in SIZES), help="comma-separated sizes")
    parser.add_argument("--repeat", type=int, default=3, help="pairs per row, alternating (default 3)")
    parser.add_argument("--only", default="", help="run only the rows whose label contains this, e.g. 'equal'")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = measure(tuple(int(s) for s in args.schedules.split(",")), args.repeat, args.only)
    print_tables(results)
    print(
        "(adds and fires timed differ per configuration and system: see ROWS; rates are per operation;"
        f" whole run {time.perf_counter() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
