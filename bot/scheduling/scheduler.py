"""The one dispatcher that runs every schedule kind (reflection prompts, reminders, purges, ...).

How it works: schedules are rows with `next_run_at`. One task asks for the earliest due time,
waits until then (never more than `max_wait`, so a wall-clock jump or a row written by another
process is noticed within minutes) or until `wake()` is called by add/update/remove, then claims
the due rows and calls each kind's handler.

`claim_due` advances `next_run_at` in the same transaction that selects the row, before any handler
runs, so an occurrence is never claimed twice. For a kind that sends a message (registered with
`dm=True` or a `deadline`), that transaction also writes the firing's outbox row (bot.delivery.outbox):
the handler gets a `Receipt` in `Firing.receipt`, and the row stays until the message is sent or
given up. A passing failure (5xx, 429, timeout) is tried again with backoff until the deadline; rows
an earlier process held (a crash, a restart) are resumed on the next pass. A firing given up tells
the right person once: the kind's `on_give_up` (a channel post: its facilitator), or for a member's
DM a notice at their next command; after PAUSE_AFTER in a row a channel schedule is paused too.
Kinds without a message (housekeeping) stay at most once: a crash skips that occurrence.

Missed runs (downtime, a long pause of the event loop) are judged per kind by the `grace` given to
`register` (default: one hour, DEFAULT_GRACE):
- only the most recent missed occurrence is considered; older ones are counted in `Firing.missed`
  and dropped, so downtime never causes a flood;
- if it is at most `grace` old the handler runs once with `late=True` (so the post can say so);
- otherwise it is skipped, and the row already points at the next future occurrence.
A firing more than `late_after` (default one minute) behind schedule counts as late.

Logs name schedule ids and kinds only, never a schedule's target or anything a handler posts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock, from_timestamp, to_timestamp
from bot.db.connection import Database
from bot.delivery.outbox import (
    DM_DEADLINE,
    PAUSE_AFTER,
    Receipt,
    RetractedError,
    backoff,
    describe,
    new_nonce,
    retry_after,
)
from bot.delivery.repository import DmChannelRepository, OutboxRepository, OutboxRow
from bot.errors import frame_trail
from bot.scheduling.recurrence import Recurrence, check_min_interval
from bot.scheduling.repository import Claim, OutboxPlan, ScheduleRepository, ScheduleRow
from bot.shards import Scope, Shards

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=1)
LATE_AFTER = timedelta(minutes=1)
MAX_WAIT = timedelta(minutes=5)
MIN_INTERVAL = timedelta(hours=1)
# After an unexpected error in a pass (e.g. the database is locked), try again this much later.
ERROR_BACKOFF = timedelta(seconds=30)


@dataclass(frozen=True)
class Firing:
    """What a handler receives: the schedule (already advanced), when it was due, and whether late."""

    row: ScheduleRow
    due_at: datetime
    late: bool
    missed: int = 0
    dm: bool = False
    # Set for kinds that send a message: pass it on (OutgoingDM(receipt=...)) and send with its nonce.
    receipt: Receipt | None = None

    @property
    def nonce(self) -> str | None:
        """The nonce to send the message with, if it has an outbox row."""
        return None if self.receipt is None else self.receipt.nonce


Handler = Callable[[Firing], Awaitable[None]]
# A firing's message was given up (reason: a type and status); `paused` when the schedule was paused too.
GiveUp = Callable[[Firing, str, bool], Awaitable[None]]
# A member's scheduled DM was given up: owe them a notice (guild id, user id, kind).
TellMember = Callable[[int, int, str], Awaitable[None]]
FeatureCheck = Callable[[int, str], Awaitable[bool]]
Waiter = Callable[[asyncio.Event, float], Awaitable[None]]


@dataclass(frozen=True)
class KindSpec:
    """How one schedule kind is run.

    `dm` marks kinds that message a member directly; it is passed on in `Firing.dm` so the handler
    applies the member's quiet hours (bot.scheduling.quiet_hours) and sends through a DeliveryQueue.
    """

    handler: Handler
    feature: str | None
    grace: timedelta
    dm: bool
    deadline: timedelta | None = None
    on_give_up: GiveUp | None = None


# With several processes, a process takes DM work while its DM queue holds less than this much sending
# (seconds), and looks again this often while it holds more.
DM_CLAIM_AHEAD = 20.0
DM_RECHECK = 1.0


class Wakeup(asyncio.Event):
    """An Event whose set() also cuts short a sleep started with `sleep()`.

    The dispatcher idles in a plain asyncio.sleep (in a task it can cancel) rather than waiting on an
    Event with a timeout: the behaviour is the same, but a plain sleep is what simulators such as
    SimCord recognise as idle and can move through in virtual time.
    """

    def __init__(self) -> None:
        super().__init__()
        self._sleeper: asyncio.Task[None] | None = None

    def set(self) -> None:
        """Mark as woken and end the current sleep, if any."""
        super().set()
        if self._sleeper is not None:
            self._sleeper.cancel()

    async def sleep(self, seconds: float) -> None:
        """Sleep up to `seconds`, returning early when set() is called."""
        if self.is_set():
            return
        self._sleeper = asyncio.ensure_future(asyncio.sleep(seconds))
        try:
            await asyncio.wait({self._sleeper})
        finally:
            self._sleeper.cancel()
            self._sleeper = None


async def wait_for_event(event: asyncio.Event, seconds: float) -> None:
    """Return when `event` is set or after `seconds`, whichever comes first."""
    if isinstance(event, Wakeup):
        await event.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


class Scheduler:
    """Registers schedule kinds, stores schedules, and runs them when due."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        is_enabled: FeatureCheck | None = None,
        *,
        wait: Waiter = wait_for_event,
        max_wait: timedelta = MAX_WAIT,
        late_after: timedelta = LATE_AFTER,
        batch_size: int = 100,
        concurrency: int = 10,
        tell_member: TellMember | None = None,
        shards: Shards | None = None,
    ) -> None:
        self.repository = ScheduleRepository(db)
        self.outbox = OutboxRepository(db)
        self.dm_channels = DmChannelRepository(db)
        # Which servers' schedules are this process's to claim (DM kinds are anyone's).
        self.shards = shards or Shards()
        # Rows this process holds: "<shards>:<random per start>". A row leased by an earlier start of a
        # process with the same shards was interrupted and is resumed; one leased by another process is
        # that process's (see docs/DEPLOYMENT.md: at most once across processes).
        self.lease = f"{self.shards.token}:{secrets.token_hex(8)}"
        # Seconds of sending the process's DM queue holds (set by the bot once its DM queue exists).
        self.dm_backlog_seconds: Callable[[], float] = lambda: 0.0
        self._tell_member = tell_member
        self._clock = clock
        self._is_enabled = is_enabled
        self._wait = wait
        self._max_wait = max_wait
        self._late_after = late_after
        self._batch_size = batch_size
        # Bounds how many handlers post at once, so one burst of due rows can't swamp Discord.
        self._slots = asyncio.Semaphore(concurrency)
        self._kinds: dict[str, KindSpec] = {}
        self._wake = Wakeup()
        self._task: asyncio.Task[None] | None = None

    def register(
        self,
        kind: str,
        handler: Handler,
        *,
        feature: str | None = None,
        grace: timedelta = DEFAULT_GRACE,
        dm: bool = False,
        deadline: timedelta | None = None,
        on_give_up: GiveUp | None = None,
    ) -> None:
        """Say how to run schedules of `kind`.

        `feature` gates it per server; `grace` is its missed-run policy (see the module docstring).
        A kind that sends a message gets an outbox row per firing: `dm` kinds (deadline DM_DEADLINE
        unless given), and any kind given a `deadline` (how long after its due time the message is
        still worth sending). `on_give_up` is told when one is given up.
        """
        if kind in self._kinds:
            raise ValueError(f"schedule kind {kind!r} is already registered")
        if grace < timedelta(0):
            raise ValueError("grace cannot be negative")
        if dm and deadline is None:
            deadline = DM_DEADLINE
        self._kinds[kind] = KindSpec(handler, feature, grace, dm, deadline, on_give_up)

    def unregister(self, kind: str) -> None:
        """Stop running schedules of `kind` (its feature was unloaded); its rows stay for the next load."""
        self._kinds.pop(kind, None)

    def kind(self, kind: str) -> KindSpec | None:
        """The registration for `kind`, if any."""
        return self._kinds.get(kind)

    # -- a member's own schedules (reminders, check-ins, look-backs): privacy show, export, forget ----

    def scope(self) -> Scope:
        """What this process may claim: its shards' servers' schedules, and DM kinds (anyone's).

        With several processes, one whose DM queue already holds DM_CLAIM_AHEAD seconds of sending leaves DM
        kinds to the others until it has room, so a wave is shared by every process's rate, not queued behind
        one of them.
        """
        busy = not self.shards.holds_all and self.dm_backlog_seconds() >= DM_CLAIM_AHEAD
        return Scope(self.shards, self.dm_kinds(), take_anyone=not busy)

    def dm_kinds(self) -> tuple[str, ...]:
        """The registered kinds that message their owner directly."""
        return tuple(sorted(k for k, spec in self._kinds.items() if spec.dm))

    async def owned_by(self, user_id: int, kinds: tuple[str, ...], guild_id: int | None = None) -> list[ScheduleRow]:
        """The member's schedules of these kinds (everywhere, or in one server)."""
        rows = await self.repository.list_by_owner(user_id, guild_id)
        return [row for row in rows if row.kind in kinds]

    async def owed_to(self, user_id: int) -> list[dict[str, object]]:
        """Direct messages still owed to a member from the outbox (kind and times, never text)."""
        return await self.outbox.for_user(user_id)

    async def forget_owed(self, user_id: int) -> int:
        """Drop every direct message still owed to a member (privacy forget)."""
        return await self.outbox.delete_for_user(user_id)

    async def remove_owned(self, user_id: int, kinds: tuple[str, ...], guild_id: int | None = None) -> int:
        """Remove the member's schedules of these kinds; return how many went."""
        removed = await self.repository.delete_by_owner(user_id, kinds, guild_id)
        if removed:
            await self._wake_after_commit()
            await self._forget_dm_channel(user_id, kinds)
        return removed

    async def _forget_dm_channel(self, user_id: int, kinds: tuple[str, ...]) -> None:
        # The member's DM channel id is kept only while they have a scheduled DM (bot.delivery.dm).
        dm_kinds = self.dm_kinds()
        if any(kind in dm_kinds for kind in kinds):
            await self.dm_channels.prune_user(user_id, dm_kinds)

    # -- changing schedules: each wakes the dispatcher, whose wait may now be too long --------------

    async def add(
        self,
        guild_id: int,
        kind: str,
        recurrence: Recurrence,
        *,
        target: Mapping[str, Any] | None = None,
        owner_id: int | None = None,
        min_interval: timedelta = MIN_INTERVAL,
    ) -> ScheduleRow:
        """Store a schedule of a registered kind; ValueError if unknown kind or too frequent."""
        if kind not in self._kinds:
            raise ValueError(f"unknown schedule kind {kind!r}")
        now = self._clock.now()
        check_min_interval(recurrence, now, min_interval)
        row = await self.repository.add(guild_id, kind, recurrence, now=now, target=target, owner_id=owner_id)
        await self._wake_after_commit()
        return row

    async def update(
        self,
        schedule_id: int,
        *,
        recurrence: Recurrence | None = None,
        target: Mapping[str, Any] | None = None,
        min_interval: timedelta = MIN_INTERVAL,
    ) -> ScheduleRow | None:
        """Change a schedule's rule and/or payload; None if it does not exist."""
        now = self._clock.now()
        if recurrence is not None:
            check_min_interval(recurrence, now, min_interval)
        row = await self.repository.update(schedule_id, now=now, recurrence=recurrence, target=target)
        await self._wake_after_commit()
        return row

    async def pause(self, schedule_id: int) -> bool:
        """Stop a schedule until resumed."""
        changed = await self.repository.pause(schedule_id)
        await self._wake_after_commit()
        return changed

    async def resume(self, schedule_id: int) -> ScheduleRow | None:
        """Restart a paused schedule from its next occurrence."""
        row = await self.repository.resume(schedule_id, now=self._clock.now())
        await self._wake_after_commit()
        return row

    async def remove(self, schedule_id: int) -> bool:
        """Delete a schedule (and its owner's stored DM channel id, if it was their last scheduled DM)."""
        # Before the delete, while the row still names its owner; no read of its own on this path.
        await self.dm_channels.prune_owner_of(schedule_id, self.dm_kinds())
        removed = await self.repository.delete(schedule_id)
        await self._wake_after_commit()
        return removed

    def wake(self) -> None:
        """Make the dispatcher re-read the earliest due time now."""
        self._wake.set()

    async def _wake_after_commit(self) -> None:
        """Wake the dispatcher once the change is visible to it: when the caller's transaction commits.

        On PostgreSQL the dispatcher reads on a connection of its own: woken inside the transaction, it
        would miss the new row and sleep up to max_wait. Outside a transaction it wakes at once.
        """

        async def wake() -> None:
            self.wake()

        await self.repository.db.after_commit(wake)

    # -- running -----------------------------------------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> int:
        """Claim every schedule due at `now`, resume owed messages, run the handlers; return how many ran."""
        now = now or self._clock.now()
        fired = 0
        plans = self._outbox_plans()
        while True:
            claims = await self.repository.claim_due(
                now, self._batch_size, outbox=plans, lease=self.lease, scope=self.scope()
            )
            results = await asyncio.gather(*(self._dispatch(claim, now) for claim in claims))
            fired += sum(results)
            # Claimed rows now point past `now`, so each batch is new rows and the loop ends.
            if len(claims) < self._batch_size:
                break
        while True:
            rows = await self.outbox.take_resumable(to_timestamp(now), self.lease, self._batch_size, self.shards)
            results = await asyncio.gather(*(self._resume(row, now) for row in rows))
            fired += sum(results)
            if len(rows) < self._batch_size:
                return fired

    def _outbox_plans(self) -> dict[str, OutboxPlan]:
        return {k: OutboxPlan(s.deadline, s.dm) for k, s in self._kinds.items() if s.deadline is not None}

    async def _skip(self, row: ScheduleRow, spec: KindSpec | None) -> bool:
        """True when the firing must not run: unregistered kind, feature off or unknown."""
        if spec is None:
            log.warning("schedule %d has unregistered kind %r; skipped", row.id, row.kind)
            return True
        if spec.feature is not None and self._is_enabled is not None:
            try:
                enabled = await self._is_enabled(row.guild_id, spec.feature)
            except Exception as error:
                log.error("feature check for schedule %d failed (%s); skipped", row.id, type(error).__name__)
                return True
            if not enabled:
                log.debug("schedule %d skipped: feature %s is off", row.id, spec.feature)
                return True
        return False

    async def _dispatch(self, claim: Claim, now: datetime) -> bool:
        row = claim.row
        spec = self._kinds.get(row.kind)
        lateness = now - claim.due_at
        if await self._skip(row, spec) or spec is None:
            await self._drop(claim.outbox_id)
            return False
        if lateness > spec.grace:
            log.info("schedule %d missed its run by %s (grace %s); skipped", row.id, lateness, spec.grace)
            await self._drop(claim.outbox_id)
            return False
        firing = Firing(row, claim.due_at, lateness > self._late_after, claim.missed, spec.dm)
        if claim.outbox_id is not None and claim.nonce is not None and spec.deadline is not None:
            deadline = claim.due_at + spec.deadline
            receipt = self._receipt(spec, firing, claim.outbox_id, claim.nonce, 0, deadline, claim.failures > 0)
            firing = replace(firing, receipt=receipt)
        return await self._run(spec, firing)

    async def _resume(self, owed: OutboxRow, now: datetime) -> bool:
        """Try an owed message again: after a passing failure, or left by a process that stopped."""
        spec = self._kinds.get(owed.kind)
        row = await self.repository.get(owed.schedule_id)
        if row is None or await self._skip(row, spec) or spec is None or spec.deadline is None:
            await self._drop(owed.id)
            return False
        due, deadline = from_timestamp(owed.due_at), from_timestamp(owed.deadline_at)
        firing = Firing(row, due, now - due > self._late_after, 0, spec.dm)
        receipt = self._receipt(spec, firing, owed.id, owed.nonce, owed.attempts, deadline)
        firing = replace(firing, receipt=receipt)
        if now > deadline:
            await self._give_up(spec, firing, "too late")
            return False
        log.info("owed message %d for schedule %d: attempt %d", owed.id, row.id, owed.attempts + 1)
        return await self._run(spec, firing)

    async def _run(self, spec: KindSpec, firing: Firing) -> bool:
        row = firing.row
        try:
            async with self._slots:
                await spec.handler(firing)
        except Exception as error:
            if firing.receipt is not None and retry_after(error) is not None:
                await firing.receipt.failed(error)
                return False
            # Type and place only: exception messages can quote the payload or posted text.
            log.error(
                "handler for schedule %d (%s) failed: %s at %s",
                row.id,
                row.kind,
                type(error).__name__,
                frame_trail(error),
            )
            if firing.receipt is not None:
                await firing.receipt.failed(error)
            return False
        if firing.receipt is not None and not firing.receipt.handed_over:
            await firing.receipt.sent()
        return True

    def _receipt(
        self,
        spec: KindSpec,
        firing: Firing,
        outbox_id: int,
        nonce: str,
        attempts: int,
        deadline: datetime,
        failures: bool = True,
    ) -> Receipt:
        """The receipt a firing's send reports to: delete the row, retry it later, or give it up.

        `failures`: the schedule may have a count of failures in a row to reset once this one is sent.
        """

        async def sent() -> None:
            if await self.outbox.done(outbox_id) and failures:
                await self.repository.reset_failures(firing.row.id)

        async def failed(error: BaseException) -> None:
            floor = retry_after(error)
            when = self._clock.now() + timedelta(seconds=backoff(attempts, floor or 0.0))
            if floor is None or when > deadline:
                await self._give_up(spec, replace(firing, receipt=receipt), describe(error))
                return
            # A post taken down half-made needs a new nonce, or Discord would answer with the removed one.
            fresh = new_nonce() if isinstance(error, RetractedError) else None
            await self.outbox.retry_at(outbox_id, attempts + 1, to_timestamp(when), fresh)
            log.warning(
                "schedule %d (%s): %s; trying again in %.0f s",
                firing.row.id,
                firing.row.kind,
                describe(error),
                (when - self._clock.now()).total_seconds(),
            )
            self.wake()

        receipt = Receipt(outbox_id, nonce, sent, failed)
        return receipt

    async def _give_up(self, spec: KindSpec, firing: Firing, reason: str) -> None:
        """Drop the owed message and tell the right person, once (only the caller that deleted the row)."""
        row = firing.row
        if firing.receipt is None or not await self.outbox.done(firing.receipt.outbox_id):
            return
        failures = await self.repository.record_failure(row.id)
        log.warning("schedule %d (%s): message given up (%s); %d in a row", row.id, row.kind, reason, failures)
        paused = False
        if spec.on_give_up is not None:
            paused = failures >= PAUSE_AFTER and await self.pause(row.id)
            await spec.on_give_up(firing, reason, paused)
        elif spec.dm and row.owner_id is not None and self._tell_member is not None:
            await self._tell_member(row.guild_id, row.owner_id, row.kind)

    async def _drop(self, outbox_id: int | None) -> None:
        if outbox_id is not None:
            await self.outbox.done(outbox_id)

    async def seconds_until_due(self) -> float:
        """How long the dispatcher should wait: until the earliest due row or owed message, capped at max_wait."""
        cap = self._max_wait.total_seconds()
        scope = self.scope()
        earliest = await self.repository.earliest_due(scope)
        owed = await self.outbox.earliest(self.lease, self.shards)
        if owed is not None:
            earliest = from_timestamp(owed) if earliest is None else min(earliest, from_timestamp(owed))
        if not scope.take_anyone:
            cap = min(cap, DM_RECHECK)  # DMs were left to others for now: look again once the queue has room
        if earliest is None:
            return cap
        return min(cap, max(0.0, (earliest - self._clock.now()).total_seconds()))

    async def _loop(self) -> None:
        while True:
            # Clear before the pass so a wake() arriving during it is not lost.
            self._wake.clear()
            try:
                fired = await self.run_due()
                delay = await self.seconds_until_due()
                if delay == 0 and fired == 0:
                    # Something claimable yet nothing ran: don't spin on it.
                    delay = 1.0
            except Exception as error:
                log.error("scheduler pass failed (%s at %s); retrying", type(error).__name__, frame_trail(error))
                delay = ERROR_BACKOFF.total_seconds()
            await self._wait(self._wake, delay)

    def start(self) -> None:
        """Start the dispatcher task (call from inside the running event loop)."""
        if self._task is not None and not self._task.done():
            raise RuntimeError("the scheduler is already running")
        self._task = asyncio.create_task(self._loop(), name="scheduler")
        self._task.add_done_callback(self._on_done)

    @staticmethod
    def _on_done(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("the scheduler stopped unexpectedly: %s", type(task.exception()).__name__)

    @property
    def running(self) -> bool:
        """True while the dispatcher task is alive."""
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Stop the dispatcher and wait for it to finish; safe to call when not running."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
