"""Downloads: any report as CSV (UTF-8 with BOM, so Excel shows Vietnamese) or as an xlsx
workbook, with a title row naming the period and the day the file was made."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wanted(request: Request) -> str | None:
    """The download format the Accept header asks for, if any (JSON otherwise)."""
    accept = request.headers.get("accept", "")
    if XLSX in accept:
        return XLSX
    if CSV in accept:
        return CSV
    return None


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def _csv_lines(
    title: list[str], headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    for line in ([t] for t in title):
        writer.writerow(line)
    writer.writerow([])
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            [
                "" if v is None else (v.isoformat() if isinstance(v, (date, datetime)) else v)
                for v in row
            ]
        )
        if buffer.tell() > 65536:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _xlsx(title: list[str], headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Báo cáo")
    for text in title:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=text == title[0])
        sheet.append([cell])
    sheet.append([])
    sheet.append([WriteOnlyCell(sheet, value=h) for h in headers])
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_cell(value))
            if isinstance(value, date) and not isinstance(value, datetime):
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1000:
                cell.number_format = "#,##0"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(
    kind: str,
    filename: str,
    title: list[str],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> Response:
    disposition = {
        "Content-Disposition": f'attachment; filename="{filename}.{"csv" if kind == CSV else "xlsx"}"'
    }
    if kind == CSV:
        return StreamingResponse(
            _csv_lines(title, headers, rows),
            media_type=f"{CSV}; charset=utf-8",
            headers=disposition,
        )
    return Response(_xlsx(title, headers, rows), media_type=XLSX, headers=disposition)


def made_on(today: date) -> str:
    return f"Ngày lập: {today:%d/%m/%Y}"


async def _csv_stream(
    title: list[str], headers: Sequence[str], rows: AsyncIterator[Sequence[Any]]
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    for text in title:
        writer.writerow([text])
    writer.writerow([])
    writer.writerow(headers)
    async for row in rows:
        writer.writerow(
            [
                "" if v is None else (v.isoformat() if isinstance(v, (date, datetime)) else v)
                for v in row
            ]
        )
        if buffer.tell() > 65536:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def _xlsx_stream(
    title: list[str], headers: Sequence[str], rows: AsyncIterator[Sequence[Any]]
) -> AsyncIterator[bytes]:
    """openpyxl's write-only mode keeps rows on disk as they come; the finished file is then
    sent in chunks, so a large export never sits in memory whole."""
    import tempfile

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách")
    for i, text in enumerate(title):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=i == 0)
        sheet.append([cell])
    sheet.append([])
    sheet.append(list(headers))
    async for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_cell(value))
            if isinstance(value, date) and not isinstance(value, datetime):
                cell.number_format = "DD/MM/YYYY"
            cells.append(cell)
        sheet.append(cells)
    with tempfile.TemporaryFile() as out:
        book.save(out)
        out.seek(0)
        while chunk := out.read(256 * 1024):
            yield chunk


def stream(
    kind: str,
    filename: str,
    title: list[str],
    headers: Sequence[str],
    rows: AsyncIterator[Sequence[Any]],
) -> Response:
    disposition = {
        "Content-Disposition": f'attachment; filename="{filename}.{"csv" if kind == CSV else "xlsx"}"'
    }
    if kind == CSV:
        return StreamingResponse(
            _csv_stream(title, headers, rows),
            media_type=f"{CSV}; charset=utf-8",
            headers=disposition,
        )
    return StreamingResponse(
        _xlsx_stream(title, headers, rows), media_type=XLSX, headers=disposition
    )


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


def list_download(kind: str, path: str, today: date, items: list[dict[str, Any]]) -> Response:
    """Any collection as a download: every field, Vietnamese headers where known."""
    resource = path.rstrip("/").rsplit("/", 1)[-1]
    fields = [f for f in (items[0].keys() if items else ["id"]) if f != "allowed_actions"]
    title = [f"Danh sách: {resource}", f"Số liệu tại ngày {today:%d/%m/%Y}", made_on(today)]
    rows = ([plain(item.get(f)) for f in fields] for item in items)
    return download(
        kind, f"{resource}-{today}", title, [FIELD_HEADERS_VI.get(f, f) for f in fields], rows
    )
