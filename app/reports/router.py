"""Reports (API.md §7): the task grid by agency and other groupings, reporting periods."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.access.auth import CurrentCaller
from app.api.connections import Listing
from app.api.deps import API_PREFIX, ResourceRoute, json_response, problems
from app.api.queries import Year
from app.core.enums import BudgetGroupBy, PeriodMode, ProposalGroupBy, TaskGroupBy
from app.core.labels import LABELS
from app.files import exports
from app.files.downloads_router import add_file_route
from app.kernel.schemas import AgencyRef, IsoDate
from app.reports import details as report_details
from app.reports import period_columns as report_periods
from app.reports import periods
from app.reports import requests as request_reports
from app.reports import service as reports
from app.reports import workbook as report_workbook
from app.reports.models import BudgetReport, PeriodList, ProposalReport, TaskReport

router = APIRouter(prefix=f"{API_PREFIX}/reports", tags=["reports"], route_class=ResourceRoute)
DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {"description": "JSON; as a file from the same path with `.csv` or `.xlsx`."}
}
# Column headers of the task report's downloads, in Vietnamese as offices write them; the
# first column is named after what it groups.
HEADERS_VI = {
    "assigned": "Số nhiệm vụ được giao",
    "completed_on_time": "Hoàn thành đúng hạn",
    "completed_late": "Hoàn thành quá hạn",
    "completed_no_deadline": "Hoàn thành (không giao thời hạn)",
    "open_on_track": "Đang thực hiện trong hạn",
    "open_due_soon": "Sắp đến hạn",
    "open_overdue": "Quá hạn chưa hoàn thành",
    "open_no_deadline": "Đang thực hiện (không giao thời hạn)",
    "open_awaiting_confirmation": "Chờ xác nhận hoàn thành",
    "open_paused": "Tạm dừng theo chỉ đạo",
    "cancelled": "Đã hủy",
    "on_time_rate": "Tỷ lệ đúng hạn",
    "carried_in": "Kỳ trước chuyển sang",
    "assigned_in_period": "Giao trong kỳ",
    "fell_due": "Đến hạn trong kỳ",
    "fell_due_completed": "Đến hạn trong kỳ đã hoàn thành",
    "completed_in_period_on_time": "Hoàn thành trong kỳ đúng hạn",
    "completed_in_period_late": "Hoàn thành trong kỳ quá hạn",
    "completed_in_period_no_deadline": "Hoàn thành trong kỳ (không giao thời hạn)",
    "cancelled_in_period": "Hủy trong kỳ",
    "open_at_end_on_track": "Cuối kỳ: đang thực hiện trong hạn",
    "open_at_end_due_soon": "Cuối kỳ: sắp đến hạn",
    "open_at_end_overdue": "Cuối kỳ: quá hạn chưa hoàn thành",
    "open_at_end_no_deadline": "Cuối kỳ: không giao thời hạn",
    "open_at_end_awaiting_confirmation": "Cuối kỳ: chờ xác nhận hoàn thành",
    "open_at_end_paused": "Cuối kỳ: tạm dừng theo chỉ đạo",
    "completion_rate": "Tỷ lệ hoàn thành nhiệm vụ đến hạn",
    "successor_label": "Đơn vị đang đảm nhận (sau sắp xếp)",
}
GROUP_HEADERS = {
    "lead_agency": "Đơn vị chủ trì",
    "pillar": "Trụ cột",
    "field": "Lĩnh vực",
    "directive": "Văn bản chỉ đạo",
    "priority": "Độ khẩn",
    "assigned_by_name": "Người giao",
}
GROUP_TITLES = {key: header.lower() for key, header in GROUP_HEADERS.items()}
RATES = ("on_time_rate", "completion_rate")
BUDGET_GROUP_HEADERS = {
    "agency": "Đơn vị đề nghị",
    "funding_source": "Nguồn vốn",
    "expenditure_type": "Loại chi",
    "purpose": "Mục đích",
}
PROPOSAL_GROUP_HEADERS = {"agency": "Đơn vị đề xuất", "category": "Loại đề xuất"}
Mode = Annotated[
    PeriodMode,
    Query(description="Nghị định 09/2019 periods (default) or calendar ones."),
]


@router.get(
    "/periods",
    name="periods",
    summary="Reporting periods",
    response_model=PeriodList,
    responses=problems(),
)
async def list_periods(
    caller: CurrentCaller,
    kind: Annotated[Literal["month", "quarter", "half", "year"], Query()],
    year: Annotated[int, Query(ge=1990, le=2999)],
    period_mode: Mode = PeriodMode.decree_09,
) -> Response:
    """The periods of a year: a month runs from the 15th of the previous month to the 14th; Q1
    from 15 December to 14 March; the year from 15 December to 14 December."""
    items = [
        {"key": p.key, "kind": p.kind, "from": p.start, "to": p.end}
        for p in periods.periods(kind, year, period_mode == "calendar")
    ]
    return json_response({"items": items})


@router.get(
    "/tasks",
    name="tasks",
    summary="Tasks by timeliness, grouped",
    response_model=TaskReport,
    responses={**problems(), **DOWNLOADS},
)
async def task_report(
    request: Request,
    ctx: Listing,
    group_by: Annotated[TaskGroupBy, Query()] = TaskGroupBy.lead_agency,
    start: Annotated[
        IsoDate | None, Query(alias="from", description="First assignment day counted.")
    ] = None,
    end: Annotated[
        IsoDate | None, Query(alias="to", description="Last assignment day counted.")
    ] = None,
    period: Annotated[
        str | None, Query(description="Instead of from/to: 2023, 2023-03, 2023-Q1, 2023-H1.")
    ] = None,
    period_mode: Mode = PeriodMode.decree_09,
    as_of: Annotated[
        IsoDate | None,
        Query(
            description="Judge as of this day (default today; with a period or `to`, its last day when it is over)."
        ),
    ] = None,
    year: Annotated[list[Year] | None, Query()] = None,
    is_key_task: bool | None = None,
    agency_id: Annotated[list[AgencyRef] | None, Query(description="Lead or cooperating.")] = None,
) -> Response:
    """Per group: assigned, completed on time / late / without deadline, open on track / due soon /
    overdue / without deadline, and the on-time rate of what fell due; with a totals row."""
    caller, conn = ctx.caller, ctx.conn
    state = request.app.state
    today = state.clock.today()
    query = reports.query_for(
        group_by,
        start,
        end,
        period,
        period_mode == "calendar",
        as_of,
        today,
        state.settings.due_soon_days,
        state.settings.tz,
        year=year,
        is_key_task=is_key_task,
        agency_id=agency_id,
    )
    body = await reports.task_report(conn, caller, query)
    kind = exports.wanted(request)
    if kind is None:
        return json_response(body)
    details = await report_details.late_tasks(conn, caller, query) if kind == exports.XLSX else None
    return task_report_file(request, kind, body, query, today, details)


add_file_route(
    router,
    task_report,
    name="tasks_download",
    summary="The task report as a CSV or xlsx file",
    responses=problems(),
)


def file_columns(query: reports.TaskReportQuery) -> list[str]:
    """The fields of the report's JSON rows a file carries, in order: the group's label, every
    count and rate, over a period every period column, and who holds a merged agency's work.
    Ids (`key`, `successor_id`) are not figures and stay in the JSON."""
    names = ["label", *reports.COUNTS, "on_time_rate"]
    if query.window:
        names += [*report_periods.PERIOD_COUNTS, "completion_rate"]
    if query.group_by == "lead_agency":
        # Named as of the report's day; who holds a merged agency's work now, beside it.
        names.append("successor_label")
    return names


def period_title(query: reports.TaskReportQuery) -> str:
    start, end = query.start, query.end
    if query.period and start and end:
        return periods.title_vi(query.period, start, end)
    if start and end:
        return f"từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"
    if start:
        return f"từ {start:%d/%m/%Y}"
    if end:
        return f"đến {end:%d/%m/%Y}"
    return "toàn bộ"


def task_report_file(
    request: Request,
    kind: str,
    body: dict[str, Any],
    query: reports.TaskReportQuery,
    today: date,
    details: list[list[Any]] | None = None,
) -> Response:
    """The report as the office files it: a Vietnamese title block, headers and a totals row,
    rates as percentages; as a workbook also a chart per group and, when given, the detail of
    late tasks."""
    names = file_columns(query)
    rows = [
        [exports.rate(row.get(n)) if n in RATES else row.get(n) for n in names]
        for row in [*body["items"], body["totals"]]
    ]
    title = [
        f"Báo cáo tình hình thực hiện nhiệm vụ theo {GROUP_TITLES[query.group_by]}",
        f"Kỳ báo cáo: {period_title(query)}; số liệu tính đến ngày {query.as_of:%d/%m/%Y}",
        exports.made_on(today),
    ]
    headers = [GROUP_HEADERS[query.group_by], *(HEADERS_VI[n] for n in names[1:])]
    return exports.stream(
        request,
        kind,
        f"bao-cao-nhiem-vu-{query.as_of}",
        title,
        headers,
        rows,
        sheet_name="Báo cáo",
        extra=report_workbook.extras(len(title), len(body["items"]), names, details),
    )


@router.get(
    "/budget",
    name="budget",
    summary="Budget requests and money, grouped",
    response_model=BudgetReport,
    responses={**problems(), **DOWNLOADS},
)
async def budget_report(
    request: Request,
    ctx: Listing,
    group_by: Annotated[BudgetGroupBy, Query()] = BudgetGroupBy.agency,
    fiscal_year: Annotated[list[Year] | None, Query()] = None,
) -> Response:
    """Per group: number of requests, đồng requested, recommended, approved and disbursed, and
    the count in each status; with a totals row."""
    caller, conn = ctx.caller, ctx.conn
    body = await request_reports.budget_report(conn, caller, group_by, fiscal_year)
    kind = exports.wanted(request)
    if kind is None:
        return json_response(body)
    names = ["label", "count", *request_reports.MONEY]
    rows = [[row[n] for n in names] for row in [*body["items"], body["totals"]]]
    years = ", ".join(str(y) for y in fiscal_year) if fiscal_year else "tất cả"
    title = [
        "Báo cáo tình hình bố trí và giải ngân kinh phí",
        f"Năm ngân sách: {years}",
        exports.made_on(request.app.state.clock.today()),
    ]
    return exports.stream(
        request,
        kind,
        "bao-cao-kinh-phi",
        title,
        [
            BUDGET_GROUP_HEADERS[group_by],
            *(request_reports.BUDGET_HEADERS_VI[n] for n in names[1:]),
        ],
        rows,
        sheet_name="Báo cáo",
    )


add_file_route(
    router,
    budget_report,
    name="budget_download",
    summary="The budget report as a CSV or xlsx file",
    responses=problems(),
)


@router.get(
    "/proposals",
    name="proposals",
    summary="Proposals and their answers, grouped",
    response_model=ProposalReport,
    responses=problems(),
)
async def proposal_report(
    request: Request,
    ctx: Listing,
    group_by: Annotated[ProposalGroupBy, Query()] = ProposalGroupBy.agency,
    start: Annotated[
        IsoDate | None, Query(alias="from", description="First submission day counted.")
    ] = None,
    end: Annotated[
        IsoDate | None, Query(alias="to", description="Last submission day counted.")
    ] = None,
    period: Annotated[
        str | None, Query(description="Instead of from/to: 2023, 2023-03, 2023-Q1, 2023-H1.")
    ] = None,
    period_mode: Mode = PeriodMode.decree_09,
    as_of: Annotated[
        IsoDate | None, Query(description="Overdue answers as of this day (default today).")
    ] = None,
) -> Response:
    """Per group: proposals by status and resolution, average days from submission to answer,
    and answers overdue."""
    caller, conn = ctx.caller, ctx.conn
    start, end = reports.window(start, end, period, period_mode == "calendar")
    today = request.app.state.clock.today()
    day = as_of or today
    body = await request_reports.proposal_report(conn, caller, group_by, day, start, end)
    kind = exports.wanted(request)
    if kind is None:
        return json_response(body)
    statuses, resolutions = request_reports.PROPOSAL_STATUSES, request_reports.RESOLUTIONS
    headers = [
        PROPOSAL_GROUP_HEADERS[group_by],
        "Số đề xuất",
        *(f"Trạng thái: {LABELS['proposal_status'][s][0]}" for s in statuses),
        *(f"Kết quả: {LABELS['proposal_resolution'][r][0]}" for r in resolutions),
        "Số ngày trả lời bình quân",
        "Quá hạn trả lời",
    ]
    rows = [
        [
            row["label"],
            row["count"],
            *(row["by_status"].get(s, 0) for s in statuses),
            *(row["by_resolution"].get(r, 0) for r in resolutions),
            row["average_days_to_respond"],
            row["overdue_responses"],
        ]
        for row in body["items"]
    ]
    if period and start and end:
        span = periods.title_vi(period, start, end)
    else:
        span = f"{start:%d/%m/%Y} – {end:%d/%m/%Y}" if start and end else "toàn bộ"
    title = [
        "Báo cáo tình hình xử lý đề xuất, kiến nghị",
        f"Kỳ báo cáo: {span}; số liệu tính đến ngày {day:%d/%m/%Y}",
        exports.made_on(today),
    ]
    return exports.stream(
        request, kind, f"bao-cao-de-xuat-{day}", title, headers, rows, sheet_name="Báo cáo"
    )


add_file_route(
    router,
    proposal_report,
    name="proposals_download",
    summary="The proposal report as a CSV or xlsx file",
    responses=problems(),
)
