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
