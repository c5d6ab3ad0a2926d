"""The pay workbooks: an instructor's monthly statement and the office's payroll summary."""

from __future__ import annotations

import datetime
from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from openclass.accounts.models import User
from openclass.core import xlsx

from ..models import InstructorProfile
from . import pay


def _header(sheet, title: str, columns: list[str]) -> None:
    xlsx.append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    xlsx.append_row(sheet, columns)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DBEAFE")


def _bytes(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def statement_xlsx(instructor: User, month: datetime.date) -> bytes:
    """One row per line (sessions and adjustments), the total at the end, in won."""
    lines, total = pay.get_statement(instructor, month)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Statement")[:31]
    _header(
        sheet,
        _("%(name)s · pay statement %(month)s")
        % {"name": instructor.name, "month": f"{month:%Y-%m}"},
        [_("Day"), _("Course"), _("Session"), _("Kind"), _("Minutes"), _("Amount (won)"), _("How")],
    )
    for line in lines:
        session = line.report.session
        xlsx.append_row(
            sheet,
            [
                session.day,
                session.course.title,
                session.shown_title,
                line.get_kind_display(),
                line.minutes,
                line.amount_won,
                line.detail,
            ],
        )
    xlsx.append_row(
        sheet,
        [
            "",
            "",
            "",
            pgettext("sum of pay", "Total"),
            sum(line.minutes for line in lines),
            total,
            "",
        ],
    )
    sheet[sheet.max_row][5].font = Font(bold=True)
    for column, width in zip("ABCDEFG", (12, 28, 14, 10, 10, 14, 60), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3, min_col=6, max_col=6):
        row[0].number_format = "#,##0"
    return _bytes(book)


def payroll_xlsx(month: datetime.date) -> bytes:
    rows = pay.list_payroll(month)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Payroll")[:31]
    _header(
        sheet,
        _("Instructor pay %(month)s") % {"month": f"{month:%Y-%m}"},
        [_("Instructor"), _("Instructor type"), _("Sessions"), _("Minutes"), _("Amount (won)")],
    )
    for row in rows:
        kind = row["instructor__instructor_profile__kind"]
        xlsx.append_row(
            sheet,
            [
                row["instructor__name"],
                str(InstructorProfile.Kind(kind).label) if kind else "",
                row["sessions"],
                row["minutes"],
                row["won"],
            ],
        )
    xlsx.append_row(
        sheet,
        [
            pgettext("sum of pay", "Total"),
            "",
            sum(r["sessions"] for r in rows),
            sum(r["minutes"] or 0 for r in rows),
            sum(r["won"] or 0 for r in rows),
        ],
    )
    for column, width in zip("ABCDE", (20, 16, 10, 10, 16), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3, min_col=5, max_col=5):
        row[0].number_format = "#,##0"
    return _bytes(book)
