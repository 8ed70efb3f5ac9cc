"""The demo's documents (issue 18), generated at load time and said to be illustrative: the
conclusion notice as a one-page PDF attached to the directive, and the department's progress
report as a workbook attached to its report."""

from __future__ import annotations

import io
import uuid
from typing import Any

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.auth import Caller
from app.core.config import get_settings
from app.files import service as attachments
from app.files.storage import FileStore, LocalFileStore
from app.files.uploads import recognise
from demo.data import ISSUED

NOTICE_LINES = (
    "UY BAN NHAN DAN TINH - THONG BAO KET LUAN (MINH HOA)",
    "Ket luan cua Pho Chu tich UBND tinh Nguyen Van Chuong",
    "tai buoi lam viec voi So Thong tin va Truyen thong ngay 28/02/2023.",
    "Tai lieu minh hoa do he thong Don doc tao khi nap du lieu mau;",
    "so hieu, ngay thang va noi dung chi tiet khong phai van ban that.",
)


def notice_pdf(lines: tuple[str, ...] = NOTICE_LINES) -> bytes:
    """A one-page PDF with the lines in Helvetica (ASCII: the standard fonts carry no
    Vietnamese letters), its cross-reference table computed."""
    text = (
        "BT /F1 12 Tf 50 780 Td 16 TL "
        + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
            for line in lines
        )
        + " ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode("ascii")),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def report_workbook() -> bytes:
    """The department's progress report as a small workbook (illustrative figures)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo tiến độ"
    sheet.append(["Báo cáo tiến độ thực hiện nhiệm vụ (minh hoạ)"])
    sheet.append(["Nội dung", "Kết quả", "Tỷ lệ hoàn thành"])
    sheet.append(["Phát triển kinh tế số", "Đã triển khai các nền tảng số thiết yếu", 0.6])
    sheet.append(["Ghi chú", "Số liệu minh hoạ do hệ thống tạo khi nạp dữ liệu mẫu", None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _store(store: FileStore, name: str, data: bytes) -> dict[str, Any]:
    writer = await store.writer(len(data))
    await writer.write(data)
    stored, media_type = await writer.finish(lambda path, head: recognise(path, head, name))
    return {
        "sha256": stored.sha256,
        "size_bytes": stored.size,
        "media_type": media_type,
        "file_name": name,
    }


async def load(
    conn: AsyncConnection,
    loader: Caller,
    directive_id: uuid.UUID,
    task_id: uuid.UUID,
    report_id: uuid.UUID,
    store: FileStore | None = None,
) -> int:
    """Attach the notice to the directive and the workbook to the progress report."""
    store = store or LocalFileStore(get_settings().files_root)
    notice = await _store(store, "Thông báo kết luận 45-TB-UBND (minh hoạ).pdf", notice_pdf())
    notice |= {
        "description": "Thông báo kết luận (tài liệu minh hoạ, tạo khi nạp dữ liệu mẫu)",
        "document_number": "45/TB-UBND",
        "document_date": ISSUED.today,
    }
    await attachments.create(conn, loader, "directive", directive_id, None, [notice])
    workbook = await _store(store, "Báo cáo tiến độ kinh tế số (minh hoạ).xlsx", report_workbook())
    workbook |= {
        "description": "Báo cáo kèm theo (tài liệu minh hoạ)",
        "document_number": None,
        "document_date": None,
    }
    await attachments.create(
        conn, loader, "task", task_id, ("progress_report", report_id), [workbook]
    )
    return 2
