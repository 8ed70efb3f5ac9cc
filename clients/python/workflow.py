"""A week's workflow through the Python client generated from openapi.json
(openapi-python-client, config.yml beside this file), against a live `dondoc serve`.

Usage: python workflow.py <base url> <admin key>"""

from __future__ import annotations

import sys
import time

from dondoc_client import AuthenticatedClient
from dondoc_client.api.agencies import agencies_create
from dondoc_client.api.reports import reports_tasks
from dondoc_client.api.tasks import (
    tasks_create,
    tasks_download,
    tasks_get,
    tasks_list,
    tasks_report_progress,
    tasks_transition,
    tasks_update,
)
from dondoc_client.models import (
    AgencyCreate,
    AgencyKind,
    AgencyRead,
    Problem,
    ProgressReportCreate,
    StartTask,
    TaskCreate,
    TaskList,
    TaskRead,
    TaskReport,
    TasksDownloadFormat,
    TaskUpdate,
)
from dondoc_client.types import File


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"failed: {what}")


def main(base: str, key: str) -> None:
    client = AuthenticatedClient(base_url=base, token=key)
    stamp = format(int(time.time() * 1000), "x").upper()
    agency = agencies_create.sync(
        client=client,
        body=AgencyCreate(
            code=f"PY.{stamp}", name=f"Sở thử nghiệm {stamp}", kind=AgencyKind.DEPARTMENT
        ),
    )
    check(isinstance(agency, AgencyRead), f"agency created: {agency}")
    assert isinstance(agency, AgencyRead)
    # Optional fields left out: the client sends only what is set.
    created = tasks_create.sync_detailed(
        client=client, body=TaskCreate(title="Số hóa hồ sơ", lead_agency_id=agency.id)
    )
    check(created.status_code == 201 and isinstance(created.parsed, TaskRead), "task created")
    task = created.parsed
    assert isinstance(task, TaskRead)
    check("start" in [a.value for a in task.allowed_actions], "start allowed")
    started = tasks_transition.sync(
        task_id=task.id, client=client, body=StartTask(action="start"), if_match=f'"{task.version}"'
    )
    check(isinstance(started, TaskRead) and started.status.value == "in_progress", "started")
    reported = tasks_report_progress.sync_detailed(
        task_id=task.id, client=client, body=ProgressReportCreate(progress_percent=40)
    )
    check(reported.status_code == 201, "progress reported")
    read = tasks_get.sync_detailed(task_id=task.id, client=client)
    assert isinstance(read.parsed, TaskRead)
    check(read.headers["etag"] == f'"{read.parsed.version}"', "ETag is the version")
    stale = tasks_update.sync(
        task_id=task.id, client=client, body=TaskUpdate(title="Tên mới"), if_match='"1"'
    )
    check(isinstance(stale, Problem) and stale.code.value == "precondition-failed", "412 code")
    listed = tasks_list.sync(client=client, limit=5)
    check(isinstance(listed, TaskList) and len(listed.items) >= 1, "list typed")
    csv = tasks_download.sync_detailed(format_=TasksDownloadFormat.CSV, client=client)
    check(csv.status_code == 200 and "Số hóa hồ sơ" in csv.content.decode(), "CSV download")
    check(isinstance(csv.parsed, File) and csv.parsed.payload.read() == csv.content, "bytes")
    grid = reports_tasks.sync(client=client)
    check(isinstance(grid, TaskReport) and grid.totals.assigned >= 1, "report typed")
    print("python workflow: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
