"""The permission matrix (app/registry.py: PERMISSIONS): docs/permissions.md is current, and every cell is
walked through HTTP — allowed roles succeed, the others get 403."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.access.permissions import NO, ROLES, matrix, render
from tests.conftest import World, make_agency

A = "/api/v1"
DECISION = {"document_number": "1/QĐ", "decided_by": "Chủ tịch"}


def test_docs_are_current() -> None:
    assert (Path(__file__).parent.parent / "docs" / "permissions.md").read_text() == render()


class Setup:
    """Resources in the state each action starts from, made by an administrator; agency staff
    act for the lead agency, which leads the tasks and owns the proposals and requests."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.c = world.client
        self.admin = world.h["admin"]

    async def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.c.post(f"{A}{path}", json=body or {}, headers=self.admin)
        assert response.status_code in (200, 201, 202), (path, response.text)
        return response.json()  # type: ignore[no-any-return]

    async def agency(self) -> dict[str, Any]:
        return await make_agency(self.c, self.admin)

    async def directive(self, *moves: str) -> dict[str, Any]:
        d = await self.post(
            "/directives",
            {"kind": "plan", "title": "Kế hoạch", "issuer_agency_id": self.w.lead["id"]},
        )
        for move in moves:
            d = await self.post(f"/directives/{d['id']}/transitions", {"action": move})
        return d

    async def task(self, *moves: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        t = await self.w.task(due_date="2099-12-31", assigned_on="2023-01-01")
        for move, fields in moves:
            t = await self.post(f"/tasks/{t['id']}/transitions", {"action": move, **fields})
        return t

    async def proposal(self, *moves: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        p = await self.post(
            "/proposals",
            {"title": "Đề xuất", "category": "other", "submitting_agency_id": self.w.lead["id"]},
        )
        for move, fields in moves:
            p = await self.post(f"/proposals/{p['id']}/transitions", {"action": move, **fields})
        return p

    async def budget(self, *moves: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        b = await self.post(
            "/budget-requests",
            {
                "title": "Kinh phí",
                "requesting_agency_id": self.w.lead["id"],
                "expenditure_type": "recurrent",
                "purpose": "training",
                "funding_source": "provincial",
                "fiscal_year": 2099,
                "amount_requested_vnd": 100,
            },
        )
        for move, fields in moves:
            b = await self.post(
                f"/budget-requests/{b['id']}/transitions", {"action": move, **fields}
            )
        return b


START: tuple[str, dict[str, Any]] = ("start", {})
SUBMIT = ("submit", {"result": "Xong"})
APPROVED = [
    ("submit", {}),
    ("start_appraisal", {}),
    ("appraise", {"amount_recommended_vnd": 100, "opinion": "Ổn"}),
    ("approve", {"amount_approved_vnd": 100, "decision": DECISION}),
]
Recipe = Callable[[Setup, dict[str, str]], Awaitable[httpx.Response]]


def patch(
    path: str, body: dict[str, Any]
) -> Callable[[Setup, dict[str, str], dict[str, Any]], Awaitable[httpx.Response]]:
    async def run(s: Setup, h: dict[str, str], r: dict[str, Any]) -> httpx.Response:
        return await s.c.patch(
            f"{A}{path.format(**r)}", json=body, headers={"If-Match": f'"{r["version"]}"', **h}
        )

    return run


async def act(
    s: Setup, h: dict[str, str], path: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await s.c.post(f"{A}{path}", json=body or {}, headers=h)


async def transition(
    s: Setup, h: dict[str, str], kind: str, r: dict[str, Any], action: str, **fields: Any
) -> httpx.Response:
    return await act(s, h, f"/{kind}/{r['id']}/transitions", {"action": action, **fields})


def recipes() -> dict[tuple[str, str], Recipe]:
    r: dict[tuple[str, str], Recipe] = {}

    async def make(s: Setup, h: dict[str, str], path: str, body: dict[str, Any]) -> httpx.Response:
        return await act(s, h, path, body)

    # reads
    for resource, path in (
        ("agency", "/agencies"),
        ("directive", "/directives"),
        ("task", "/tasks"),
        ("proposal", "/proposals"),
        ("budget_request", "/budget-requests"),
        ("event", "/events"),
        ("report", "/reports/tasks"),
        ("api_key", "/api-keys"),
        ("webhook", "/webhooks"),
        ("official", "/officials"),
    ):
        r[(resource, "read")] = lambda s, h, p=path: s.c.get(f"{A}{p}", headers=h)  # type: ignore[misc]
    r[("report", "snapshot")] = lambda s, h: make(
        s, h, "/reports/snapshots", {"kind": "tasks", "group_by": "lead_agency"}
    )
    # agencies
    r[("agency", "create")] = lambda s, h: make(
        s, h, "/agencies", {"code": f"X{id(h) % 10**8}", "name": "x", "kind": "other"}
    )
    r[("agency", "update")] = lambda s, h: _then(
        s.agency(), lambda a: patch("/agencies/{id}", {"name": "Mới"})(s, h, a)
    )
    r[("agency", "delete")] = lambda s, h: _then(
        s.agency(), lambda a: s.c.delete(f"{A}/agencies/{a['id']}", headers=h)
    )
    r[("agency", "restore")] = lambda s, h: _then(
        _deleted(s, s.agency(), "agencies"), lambda a: act(s, h, f"/agencies/{a['id']}/restore")
    )
    r[("agency", "succession")] = lambda s, h: _then(
        s.agency(),
        lambda a: act(
            s,
            h,
            f"/agencies/{a['id']}/succession",
            {"successor_id": s.w.coop["id"], "effective_on": "2025-03-01", "status": "merged"},
        ),
    )
    # directives
    r[("directive", "create")] = lambda s, h: make(
        s, h, "/directives", {"kind": "plan", "title": "x", "issuer_agency_id": s.w.lead["id"]}
    )
    r[("directive", "update")] = lambda s, h: _then(
        s.directive(), lambda d: patch("/directives/{id}", {"title": "Mới"})(s, h, d)
    )
    r[("directive", "delete")] = lambda s, h: _then(
        s.directive(), lambda d: s.c.delete(f"{A}/directives/{d['id']}", headers=h)
    )
    r[("directive", "restore")] = lambda s, h: _then(
        _deleted(s, s.directive(), "directives"),
        lambda d: act(s, h, f"/directives/{d['id']}/restore"),
    )
    r[("directive", "create_tasks")] = lambda s, h: _then(
        s.directive(),
        lambda d: act(
            s,
            h,
            f"/directives/{d['id']}/tasks",
            {"tasks": [{"title": "x", "lead_agency_id": s.w.lead["id"]}]},
        ),
    )
    for action, before in (
        ("issue", ()),
        ("close", ("issue",)),
        ("withdraw", ()),
        ("reopen", ("issue", "close")),
    ):
        r[("directive", action)] = lambda s, h, a=action, b=before: _then(  # type: ignore[misc]
            s.directive(*b), lambda d: transition(s, h, "directives", d, a)
        )
    # tasks
    r[("task", "create")] = lambda s, h: make(
        s, h, "/tasks", {"title": "x", "lead_agency_id": s.w.lead["id"]}
    )
    r[("task", "update")] = lambda s, h: _then(
        s.task(), lambda t: patch("/tasks/{id}", {"title": "Mới"})(s, h, t)
    )
    r[("task", "delete")] = lambda s, h: _then(
        s.task(), lambda t: s.c.delete(f"{A}/tasks/{t['id']}", headers=h)
    )
    r[("task", "restore")] = lambda s, h: _then(
        _deleted(s, s.task(), "tasks"), lambda t: act(s, h, f"/tasks/{t['id']}/restore")
    )
    task_states: dict[str, tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]] = {
        "start": ([], {}),
        "submit": ([START], {"result": "Xong"}),
        "confirm": ([START, SUBMIT], {}),
        "return": ([START, SUBMIT], {"comment": "x"}),
        "pause": ([START], {"comment": "x"}),
        "resume": ([START, ("pause", {"comment": "x"})], {}),
        "cancel": ([], {"comment": "x"}),
        "reopen": ([START, SUBMIT, ("confirm", {})], {"comment": "x"}),
    }
    for task_action, (task_before, task_fields) in task_states.items():
        r[("task", task_action)] = lambda s, h, a=task_action, b=task_before, f=task_fields: _then(  # type: ignore[misc]
            s.task(*b), lambda t: transition(s, h, "tasks", t, a, **f)
        )
    r[("task", "report_progress")] = lambda s, h: _then(
        s.task(),
        lambda t: act(s, h, f"/tasks/{t['id']}/progress-reports", {"progress_percent": 10}),
    )
    r[("task", "request_extension")] = lambda s, h: _then(
        s.task(),
        lambda t: act(
            s,
            h,
            f"/tasks/{t['id']}/extension-requests",
            {"proposed_due_date": "2999-12-31", "reason": "x"},
        ),
    )

    async def decide(s: Setup, h: dict[str, str]) -> httpx.Response:
        t = await s.task()
        req = await s.post(
            f"/tasks/{t['id']}/extension-requests",
            {"proposed_due_date": "2999-12-31", "reason": "x"},
        )
        return await act(
            s, h, f"/tasks/{t['id']}/extension-requests/{req['id']}/decision", {"approved": False}
        )

    r[("task", "decide_extension")] = decide
    r[("task", "adjust_deadline")] = lambda s, h: _then(
        s.task(),
        lambda t: act(
            s,
            h,
            f"/tasks/{t['id']}/deadline-changes",
            {
                "new_due_date": "2100-06-30",
                "reason": "x",
                "decision_number": "1/QĐ",
                "decision_date": "2023-01-02",
                "decided_by": "Chủ tịch",
            },
        ),
    )
    r[("task", "remind")] = lambda s, h: _then(
        s.task(), lambda t: act(s, h, f"/tasks/{t['id']}/reminders", {"message": "Nhắc"})
    )
    # proposals
    r[("proposal", "create")] = lambda s, h: make(
        s,
        h,
        "/proposals",
        {
            "title": "x",
            "category": "other",
            **({} if "agency" in h.get("X-Role", "") else {"submitting_agency_id": s.w.lead["id"]}),
        },
    )
    r[("proposal", "update")] = lambda s, h: _then(
        s.proposal(), lambda p: patch("/proposals/{id}", {"title": "Mới"})(s, h, p)
    )
    r[("proposal", "delete")] = lambda s, h: _then(
        s.proposal(), lambda p: s.c.delete(f"{A}/proposals/{p['id']}", headers=h)
    )
    r[("proposal", "restore")] = lambda s, h: _then(
        _deleted(s, s.proposal(), "proposals"), lambda p: act(s, h, f"/proposals/{p['id']}/restore")
    )
    resolve = {"resolution": "accepted", "response": {"text": "Đồng ý"}}
    proposal_states: dict[str, tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]] = {
        "submit": ([], {}),
        "review": ([("submit", {})], {}),
        "resolve": ([("submit", {}), ("review", {})], resolve),
        "withdraw": ([], {}),
        "reopen": ([("submit", {}), ("review", {}), ("resolve", resolve)], {"comment": "x"}),
    }
    for p_action, (p_before, p_fields) in proposal_states.items():
        r[("proposal", p_action)] = lambda s, h, a=p_action, b=p_before, f=p_fields: _then(  # type: ignore[misc]
            s.proposal(*b), lambda p: transition(s, h, "proposals", p, a, **f)
        )
    r[("proposal", "create_tasks")] = lambda s, h: _then(
        s.proposal(("submit", {})),
        lambda p: act(
            s,
            h,
            f"/proposals/{p['id']}/tasks",
            {"tasks": [{"title": "x", "lead_agency_id": s.w.lead["id"]}]},
        ),
    )
    # budget requests
    body = {
        "title": "x",
        "expenditure_type": "recurrent",
        "purpose": "training",
        "funding_source": "provincial",
        "fiscal_year": 2099,
        "amount_requested_vnd": 1,
    }
    r[("budget_request", "create")] = lambda s, h: make(
        s,
        h,
        "/budget-requests",
        {
            **body,
            **({} if "agency" in h.get("X-Role", "") else {"requesting_agency_id": s.w.lead["id"]}),
        },
    )
    r[("budget_request", "update")] = lambda s, h: _then(
        s.budget(), lambda b: patch("/budget-requests/{id}", {"title": "Mới"})(s, h, b)
    )
    r[("budget_request", "delete")] = lambda s, h: _then(
        s.budget(), lambda b: s.c.delete(f"{A}/budget-requests/{b['id']}", headers=h)
    )
    r[("budget_request", "restore")] = lambda s, h: _then(
        _deleted(s, s.budget(), "budget-requests"),
        lambda b: act(s, h, f"/budget-requests/{b['id']}/restore"),
    )
    budget_states: dict[str, tuple[int, dict[str, Any]]] = {
        "submit": (0, {}),
        "start_appraisal": (1, {}),
        "appraise": (2, {"amount_recommended_vnd": 100, "opinion": "Ổn"}),
        "return": (1, {"comment": "x"}),
        "approve": (3, {"amount_approved_vnd": 100, "decision": DECISION}),
        "reject": (3, {"comment": "x"}),
        "close": (4, {}),
    }
    for b_action, (steps, b_fields) in budget_states.items():
        r[("budget_request", b_action)] = (
            lambda s, h, a=b_action, n=steps, f=b_fields: _then(  # type: ignore[misc]
                s.budget(*APPROVED[:n]), lambda b: transition(s, h, "budget-requests", b, a, **f)
            )
        )
    r[("budget_request", "disburse")] = lambda s, h: _then(
        s.budget(*APPROVED),
        lambda b: act(s, h, f"/budget-requests/{b['id']}/disbursements", {"amount_vnd": 1}),
    )
    r[("budget_request", "extend_deadline")] = lambda s, h: _then(
        s.budget(*APPROVED),
        lambda b: act(
            s,
            h,
            f"/budget-requests/{b['id']}/deadline-extensions",
            {
                "new_deadline": "2100-06-30",
                "reason": "x",
                "decided_by": "x",
                "decision_number": "1",
            },
        ),
    )
    # comments, sub-tasks, divisions and officials (issue 17)
    note = {"body": "Ý kiến"}
    r[("task", "comment")] = lambda s, h: _then(
        s.task(), lambda t: act(s, h, f"/tasks/{t['id']}/comments", note)
    )
    r[("proposal", "comment")] = lambda s, h: _then(
        s.proposal(), lambda p: act(s, h, f"/proposals/{p['id']}/comments", note)
    )
    r[("budget_request", "comment")] = lambda s, h: _then(
        s.budget(), lambda b: act(s, h, f"/budget-requests/{b['id']}/comments", note)
    )
    r[("task", "create_subtask")] = lambda s, h: _then(
        s.task(), lambda t: act(s, h, f"/tasks/{t['id']}/subtasks", {"title": "Phần việc"})
    )
    r[("agency", "create_division")] = lambda s, h: make(
        s,
        h,
        "/agencies",
        {
            "code": f"P{uuid.uuid4().hex[:8]}",
            "name": "Phòng",
            "kind": "division",
            "parent_id": s.w.lead["id"],
        },
    )
    r[("agency", "update_division")] = lambda s, h: _then(
        s.post(
            "/agencies",
            {
                "code": f"Q{uuid.uuid4().hex[:8]}",
                "name": "Phòng",
                "kind": "division",
                "parent_id": s.w.lead["id"],
            },
        ),
        lambda d: patch("/agencies/{id}", {"name": "Phòng mới"})(s, h, d),
    )
    person = {"name": "Cán bộ", "agency_id": None}
    r[("official", "create")] = lambda s, h: make(
        s, h, "/officials", {**person, "agency_id": s.w.lead["id"]}
    )
    r[("official", "update")] = lambda s, h: _then(
        s.post("/officials", {**person, "agency_id": s.w.lead["id"]}),
        lambda o: patch("/officials/{id}", {"title": "Chuyên viên"})(s, h, o),
    )

    async def as_themself(
        s: Setup, h: dict[str, str], action: str
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """An official, and the headers to act on it with: the role's own, or — for a role the
        table names only for the official themself — a key of the role linked to it."""
        o = await s.post("/officials", {**person, "agency_id": s.w.lead["id"]})
        role = h["X-Role"]
        if matrix()["official"][action][role] != "yes":
            agency = s.w.lead["id"] if role == "agency" else None
            key = await s.post(
                "/api-keys",
                {"name": "x", "role": role, "agency_id": agency, "official_id": o["id"]},
            )
            kept = {k: v for k, v in h.items() if k == "If-Match"}  # tests/test_preconditions.py
            h = {"Authorization": f"Bearer {key['key']}", **kept}
        return o, h

    async def own_notices(s: Setup, h: dict[str, str]) -> httpx.Response:
        o, h = await as_themself(s, h, "read_notifications")
        return await s.c.get(f"{A}/officials/{o['id']}/notifications", headers=h)

    async def own_choice(s: Setup, h: dict[str, str]) -> httpx.Response:
        o, h = await as_themself(s, h, "choose_notify")
        return await patch("/officials/{id}", {"notify": "digest"})(s, h, o)

    r[("official", "read_notifications")] = own_notices

    async def attach(s: Setup, h: dict[str, str], path: str) -> httpx.Response:
        document = [("file", ("van-ban.pdf", b"%PDF-1.4\n" + path.encode(), "application/pdf"))]
        return await s.c.post(f"{A}{path}/attachments", files=document, headers=h)

    r[("directive", "attach")] = lambda s, h: _then(
        s.directive(), lambda d: attach(s, h, f"/directives/{d['id']}")
    )
    r[("task", "attach")] = lambda s, h: _then(
        s.task(), lambda t: attach(s, h, f"/tasks/{t['id']}")
    )
    r[("proposal", "attach")] = lambda s, h: _then(
        s.proposal(), lambda p: attach(s, h, f"/proposals/{p['id']}")
    )
    r[("budget_request", "attach")] = lambda s, h: _then(
        s.budget(), lambda b: attach(s, h, f"/budget-requests/{b['id']}")
    )
    r[("official", "choose_notify")] = own_choice
    # keys and webhooks
    r[("api_key", "create")] = lambda s, h: make(s, h, "/api-keys", {"name": "x", "role": "viewer"})
    r[("api_key", "revoke")] = lambda s, h: _then(
        s.post("/api-keys", {"name": "x", "role": "viewer"}),
        lambda k: s.c.delete(f"{A}/api-keys/{k['id']}", headers=h),
    )
    hook = {"url": "http://127.0.0.1:9/hook", "event_types": ["*"]}
    r[("webhook", "create")] = lambda s, h: make(s, h, "/webhooks", hook)
    r[("webhook", "update")] = lambda s, h: _then(
        s.post("/webhooks", hook), lambda w: patch("/webhooks/{id}", {"active": False})(s, h, w)
    )
    r[("webhook", "delete")] = lambda s, h: _then(
        s.post("/webhooks", hook), lambda w: s.c.delete(f"{A}/webhooks/{w['id']}", headers=h)
    )
    r[("webhook", "test")] = lambda s, h: _then(
        s.post("/webhooks", hook), lambda w: act(s, h, f"/webhooks/{w['id']}/test")
    )
    return r


async def _then(
    first: Awaitable[Any], then: Callable[[Any], Awaitable[httpx.Response]]
) -> httpx.Response:
    return await then(await first)


async def _deleted(s: Setup, made: Awaitable[dict[str, Any]], kind: str) -> dict[str, Any]:
    resource = await made
    response = await s.c.delete(f"{A}/{kind}/{resource['id']}", headers=s.admin)
    assert response.status_code == 204
    return resource


CELLS = [(res, action) for res, actions in matrix().items() for action in actions]


def test_every_cell_has_a_recipe() -> None:
    assert set(CELLS) == set(recipes())


@pytest.mark.parametrize(("resource", "action"), CELLS, ids=[f"{r}.{a}" for r, a in CELLS])
async def test_the_cell_through_http(world: World, resource: str, action: str, app) -> None:
    app.state.settings.webhook_allowed_hosts = "127.0.0.1"
    try:
        setup, recipe = Setup(world), recipes()[(resource, action)]
        cells = matrix()[resource][action]
        for role in ROLES:
            headers = {**world.h["lead" if role == "agency" else role], "X-Role": role}
            response = await recipe(setup, headers)
            if cells[role] == NO:
                assert response.status_code == 403, (
                    resource,
                    action,
                    role,
                    response.status_code,
                    response.text,
                )
            else:
                assert response.status_code < 300, (
                    resource,
                    action,
                    role,
                    response.status_code,
                    response.text,
                )
    finally:
        app.state.settings.webhook_allowed_hosts = ""
