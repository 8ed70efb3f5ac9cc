"""Report and export figures: the task report over all tasks against the raw SQL aggregate run
with psql in the same run, the same report as of a past day, and an xlsx export of about
100,000 tasks with the service's memory watched while it streams."""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RAW_REPORT = """
SELECT t.lead_agency_id, a.name, count(*) FILTER (WHERE st <> 'cancelled') AS assigned,
  count(*) FILTER (WHERE st = 'completed' AND judged IS NOT NULL AND completed_on <= judged) AS completed_on_time,
  count(*) FILTER (WHERE st = 'completed' AND judged IS NOT NULL AND NOT (completed_on <= judged)) AS completed_late,
  count(*) FILTER (WHERE st = 'completed' AND judged IS NULL) AS completed_no_deadline,
  count(*) FILTER (WHERE st IN ('new', 'in_progress') AND due_date > DATE '{day}' + 3) AS open_on_track,
  count(*) FILTER (WHERE st IN ('new', 'in_progress') AND due_date BETWEEN DATE '{day}' AND DATE '{day}' + 3) AS open_due_soon,
  count(*) FILTER (WHERE st IN ('new', 'in_progress') AND due_date < DATE '{day}') AS open_overdue,
  count(*) FILTER (WHERE st IN ('new', 'in_progress') AND due_date IS NULL) AS open_no_deadline,
  count(*) FILTER (WHERE st = 'awaiting_confirmation') AS open_awaiting_confirmation,
  count(*) FILTER (WHERE st = 'paused') AS open_paused,
  count(*) FILTER (WHERE st = 'cancelled') AS cancelled
FROM (SELECT *,
        CASE WHEN status IN ('completed', 'awaiting_confirmation') AND completed_on > DATE '{day}' THEN 'in_progress'
             WHEN status = 'paused' AND paused_on > DATE '{day}' THEN 'in_progress'
             WHEN status = 'cancelled' AND cancelled_on > DATE '{day}' THEN 'in_progress'
             ELSE status END AS st,
        coalesce(missed_due_date, due_date) AS judged
      FROM tasks WHERE deleted_at IS NULL AND parent_id IS NULL AND assigned_on <= DATE '{day}') AS t
JOIN agencies AS a ON a.id = t.lead_agency_id
GROUP BY t.lead_agency_id, a.name ORDER BY a.name
"""


# The same as of a day, by hand: each task changed since the day as it stood then (the version
# recorded before the end of the day and superseded after it, or its first), the others as
# they stand.
RAW_REPORT_AS_OF = """
WITH then_ AS (
  SELECT v.* FROM task_versions v
  WHERE v.superseded_at >= (DATE '{day}' + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'
    AND (v.recorded_at < (DATE '{day}' + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'
         OR v.is_first)),
tasks_then AS (
  SELECT t.id, t.assigned_on, t.parent_id,
    coalesce(n.lead_agency_id, t.lead_agency_id) AS lead_agency_id,
    CASE WHEN n.task_id IS NULL THEN t.due_date ELSE n.due_date END AS due_date,
    coalesce(n.status, t.status) AS status,
    CASE WHEN n.task_id IS NULL THEN t.completed_on ELSE n.completed_on END AS completed_on,
    CASE WHEN n.task_id IS NULL THEN t.paused_on ELSE n.paused_on END AS paused_on,
    CASE WHEN n.task_id IS NULL THEN t.cancelled_on ELSE n.cancelled_on END AS cancelled_on,
    CASE WHEN n.task_id IS NULL THEN t.missed_due_date ELSE n.missed_due_date END
      AS missed_due_date,
    CASE WHEN n.task_id IS NULL THEN t.deleted_at ELSE n.deleted_at END AS deleted_at
  FROM tasks t LEFT JOIN then_ n ON n.task_id = t.id)
""" + RAW_REPORT.replace("FROM tasks WHERE", "FROM tasks_then WHERE")
PAIRS = 7  # timed runs of each side, alternating
CHANGED = 100_000  # tasks whose deadline moves after the past day, for the reconstruction


def change_deadlines(dsn: str, days: int) -> None:
    """Move the deadline of CHANGED tasks now (their versions record it), or back."""
    subprocess.run(
        [
            "psql",
            dsn,
            "-Atq",
            "-c",
            f"UPDATE tasks SET due_date = due_date + {days} WHERE id IN (SELECT id FROM tasks "
            f"WHERE due_date IS NOT NULL ORDER BY id LIMIT {CHANGED})",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def forget_changes(dsn: str) -> None:
    """Back to the data as loaded: the versions the moves wrote go too (each loaded task keeps
    its first, in force again), so that the next report as of a past day reads the tasks
    directly again."""
    subprocess.run(
        [
            "psql",
            dsn,
            "-Atq",
            "-c",
            "DELETE FROM task_versions WHERE NOT is_first",
            "-c",
            "UPDATE task_versions SET superseded_at = NULL WHERE superseded_at IS NOT NULL",
            # The dead rows go too, and the statistics are the loaded data's again: on a
            # server without autovacuum they stayed, and the next run read through them.
            "-c",
            "VACUUM ANALYZE tasks, task_versions",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _paired(service: Any, raw: Any, times: int = PAIRS) -> tuple[float, float]:
    """Medians of `times` runs of each, alternating (service, raw, service, raw, …), so that
    the noise of this machine falls on both sides alike."""
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(times):
        for call, samples in ((service, ours), (raw, theirs)):
            started = time.perf_counter()
            call()
            samples.append(time.perf_counter() - started)
    return statistics.median(ours), statistics.median(theirs)


def measure(
    dsn: str, port: int, key: str, pid: int, agencies: list[str], today: str, past: str
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    base = f"http://127.0.0.1:{port}/api/v1"
    with httpx.Client(timeout=120, headers=headers) as client:

        def report(day: str) -> None:
            response = client.get(
                f"{base}/reports/tasks", params={"group_by": "lead_agency", "as_of": day}
            )
            response.raise_for_status()

        def psql(day: str, sql: str = RAW_REPORT) -> None:
            subprocess.run(
                ["psql", dsn, "-Atq", "-c", sql.format(day=day)],
                check=True,
                stdout=subprocess.DEVNULL,
            )

        report(today)  # warm the caches of both
        psql(today)
        figures: dict[str, Any] = {}
        figures["report_today_s"], figures["psql_today_s"] = _paired(
            lambda: report(today), lambda: psql(today)
        )
        figures["report_past_s"], figures["psql_past_s"] = _paired(
            lambda: report(past), lambda: psql(past)
        )
        # The reconstruction: CHANGED deadlines moved after the past day.
        change_deadlines(dsn, 30)
        try:
            report(past)
            psql(past, RAW_REPORT_AS_OF)
            figures["report_changed_s"], figures["psql_changed_s"] = _paired(
                lambda: report(past), lambda: psql(past, RAW_REPORT_AS_OF)
            )
        finally:
            change_deadlines(dsn, -30)
            forget_changes(dsn)
        params = [("lead_agency_id", a) for a in agencies] + [("sort", "code")]
        before = _rss_kib(pid)
        peak = [before]
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _rss_kib(pid))
                time.sleep(0.02)

        watcher = threading.Thread(target=watch)
        watcher.start()
        started = time.perf_counter()
        size = 0
        rows = 0
        with client.stream(
            "GET", f"{base}/tasks", params=params, headers={"Accept": XLSX}
        ) as response:
            response.raise_for_status()
            for chunk in response.iter_bytes():
                size += len(chunk)
        figures["xlsx_s"] = time.perf_counter() - started
        done.set()
        watcher.join()
        count = client.get(
            f"{base}/tasks", params=[*params, ("count", "true"), ("limit", "1")]
        ).json()["total"]
        rows = int(count)
    figures.update(xlsx_rows=rows, xlsx_mb=size / 1e6, rss_growth_mb=(peak[0] - before) / 1024)
    return figures


def table(f: dict[str, Any]) -> str:
    ratio_today = f["report_today_s"] / f["psql_today_s"]
    ratio_past = f["report_past_s"] / f["psql_past_s"]
    return "\n".join(
        [
            "| measurement | service | raw SQL via psql | ratio | target |",
            "|---|---:|---:|---:|---|",
            f"| `GET /reports/tasks?group_by=lead_agency` (as of today), median of {PAIRS} | {f['report_today_s'] * 1000:.0f} ms | {f['psql_today_s'] * 1000:.0f} ms | **{ratio_today:.2f}** | ≤ 1.3 and < 1 s |",
            f"| the same `as_of` a past day | {f['report_past_s'] * 1000:.0f} ms | {f['psql_past_s'] * 1000:.0f} ms | **{ratio_past:.2f}** | ≤ 1.3 and < 1 s |",
            f"| the same past day after {CHANGED:,} deadlines moved since (each task as it stood that day, from `task_versions`) | {f['report_changed_s'] * 1000:.0f} ms | {f['psql_changed_s'] * 1000:.0f} ms | **{f['report_changed_s'] / f['psql_changed_s']:.2f}** | ≤ 1.3 and < 1 s |",
            f"| xlsx download of {f['xlsx_rows']:,} tasks ({f['xlsx_mb']:.1f} MB) | {f['xlsx_s']:.1f} s, service memory grew by **{f['rss_growth_mb']:.0f} MB** | | | growth < 150 MB |",
        ]
    )
