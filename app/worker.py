"""Background work of a `serve` process (or of `dondoc worker` alone): the deadline scheduler
and webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api import idempotency
from app.core.clock import Clock
from app.core.config import Settings
from app.errors.domain import is_db_unavailable
from app.files import service as attachments
from app.files.storage import LocalFileStore
from app.integration import webhooks
from app.people import notifications, outbox
from app.tasks import scheduler

log = logging.getLogger("dondoc.worker")
SWEEP_EVERY_SECONDS = 3600.0
# An upload is stored before its row commits: nothing younger than this is swept.
SWEEP_GRACE_SECONDS = 3600.0


async def run_scheduler_once(
    engine: AsyncEngine, clock: Clock, settings: Settings, stop: asyncio.Event | None = None
) -> dict[str, int]:
    """One pass of the scheduler: batch after batch, each in its own short transaction, until
    nothing due is left (or the process is stopping), so that a backlog of thousands goes out
    in one pass and no transaction holds many tasks for long."""
    today = clock.today()
    total: dict[str, int] = {}
    while True:
        async with engine.begin() as conn:
            sent = await scheduler.tick(
                conn, today, settings.due_soon_days, repeat_days=settings.overdue_repeat_days
            )
        for kind, count in sent.items():
            total[kind] = total.get(kind, 0) + count
        if not any(sent.values()) or (stop is not None and stop.is_set()):
            break
    # Replay records past their 24 hours go too, every pass (not only at start-up).
    async with engine.begin() as conn:
        purged = await idempotency.purge_expired(conn)
    if purged:
        log.info("removed %d expired idempotency records", purged)
    return total


async def scheduler_loop(
    engine: AsyncEngine, clock: Clock, settings: Settings, stop: asyncio.Event
) -> None:
    """Run the scheduler every DONDOC_SCHEDULER_INTERVAL_SECONDS until `stop` is set (and
    the sweep of unattached contents once an hour)."""
    swept_at = -SWEEP_EVERY_SECONDS
    store = LocalFileStore(settings.files_root)
    while not stop.is_set():
        try:
            sent = await run_scheduler_once(engine, clock, settings, stop)
            if any(sent.values()):
                log.info("deadline notices sent: %s", sent)
            if time.monotonic() - swept_at >= SWEEP_EVERY_SECONDS:
                swept_at = time.monotonic()
                removed = await attachments.sweep(engine, store, SWEEP_GRACE_SECONDS)
                if removed:
                    log.info("removed %d stored files no attachment names", removed)
        except Exception as exc:  # the loop must outlive an outage
            if is_db_unavailable(exc):
                log.warning("scheduler: database unavailable (%r); retrying", exc)
            else:
                log.exception("scheduler run failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.scheduler_interval_seconds)


# Deliveries in flight at once per process; each is bounded by its deadline.
DELIVERIES_IN_FLIGHT = 20


async def delivery_loop(engine: AsyncEngine, settings: Settings, stop: asyncio.Event) -> None:
    """Send due webhook deliveries until `stop` is set. Each runs on its own and is recorded
    when it ends: a receiver that hangs holds only its own delivery (to its deadline), while
    the loop goes on claiming and sending the others. At shutdown the ones under way finish."""
    timeout = settings.webhook_timeout_seconds
    in_flight: set[asyncio.Task[None]] = set()
    async with httpx.AsyncClient(
        timeout=timeout, follow_redirects=False, trust_env=False
    ) as client:
        while not stop.is_set():
            claimed: list[object] = []
            free = DELIVERIES_IN_FLIGHT - len(in_flight)
            try:
                if free > 0:
                    claimed = await webhooks.claim(engine, free, timeout)
            except Exception as exc:
                if is_db_unavailable(exc):
                    log.warning("deliveries: database unavailable (%r); retrying", exc)
                else:
                    log.exception("delivery run failed")
            for item in claimed:
                task = asyncio.create_task(_deliver(engine, client, item, settings))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=settings.webhook_poll_seconds)
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)


async def _deliver(
    engine: AsyncEngine, client: httpx.AsyncClient, claimed: object, settings: Settings
) -> None:
    try:
        await webhooks.deliver_one(
            engine,
            client,
            claimed,
            settings.webhook_allowed_hosts,
            settings.webhook_retry_base_seconds,
            settings.webhook_timeout_seconds,
        )
    except Exception as exc:  # recorded later: the lease runs out and it is tried again
        if is_db_unavailable(exc):
            log.warning("delivery: database unavailable (%r); it will be tried again", exc)
        else:
            log.exception("delivery failed")


async def mail_loop(engine: AsyncEngine, settings: Settings, stop: asyncio.Event) -> None:
    """Send officials' notices by e-mail until `stop` is set; with DONDOC_SMTP_URL unset the
    notices stay in the outbox (and in GET /officials/{id}/notifications) unsent."""
    if not settings.smtp_url:
        log.info("mail is off (DONDOC_SMTP_URL unset): notices are kept, not sent")
        return
    mailer = notifications.Mailer(settings)
    while not stop.is_set():
        sent = 0
        try:
            sent = await outbox.send_due(engine, mailer, settings)
            sent += await outbox.send_digests(engine, mailer, settings)
        except Exception as exc:
            if is_db_unavailable(exc):
                log.warning("mail: database unavailable (%r); retrying", exc)
            else:
                log.exception("mail run failed")
        if not sent:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.mail_poll_seconds)


async def run_worker(engine: AsyncEngine, clock: Clock, settings: Settings) -> None:
    """`dondoc worker`: the background work alone, until interrupted."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await asyncio.gather(
        scheduler_loop(engine, clock, settings, stop),
        delivery_loop(engine, settings, stop),
        mail_loop(engine, settings, stop),
    )
