"""The task report's workbook, for a leader to read at a glance: the grid with a chart of each
group's tasks completed on time, late, and open overdue, and a detail sheet of every overdue or
late task (dates dd/mm/yyyy, numbers with thousands separators, as provincial offices expect)."""

from __future__ import annotations

from typing import Any

from app.files import exports
from app.reports import details as report_details

# The grid's columns charted, by the field they show.
CHARTED = ("completed_on_time", "completed_late", "open_overdue")


def extras(
    title_rows: int, groups: int, names: list[str], details: list[list[Any]] | None
) -> exports.Extra:
    """The chart beside the grid and, when given, the detail sheet."""

    def build(book: Any, sheet: Any) -> None:
        from openpyxl.chart import BarChart, Reference

        header_row = title_rows + 2
        if groups:
            chart = BarChart()
            chart.type = "bar"
            chart.title = "Tình hình thực hiện nhiệm vụ theo nhóm"
            chart.height = max(7.5, 0.6 * groups + 3)
            chart.width = 18
            for column in (names.index(name) + 1 for name in CHARTED):
                data = Reference(
                    sheet, min_col=column, min_row=header_row, max_row=header_row + groups
                )
                chart.add_data(data, titles_from_data=True)
            labels = Reference(
                sheet, min_col=1, min_row=header_row + 1, max_row=header_row + groups
            )
            chart.set_categories(labels)
            sheet.add_chart(chart, "M2")
        if details is not None:
            exports.append_sheet(book, "Chi tiết", report_details.HEADERS_VI, details)

    return build
