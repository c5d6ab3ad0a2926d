"""First-login sheets: a class list with user names and temporary passwords, as XLSX or PDF.

Passwords are issued when the sheet is made and exist only in the returned file, never in the
database in clear, so every download issues new ones and the older printout stops working. Young
students also get a cut-out QR login card with a PIN in the PDF.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from openclass.core import xlsx

from ..models import Organisation, User
from . import credentials as services

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
FONT_FILES = {"NanumGothic": "NanumGothic.ttf", "NanumGothic-Bold": "NanumGothicBold.ttf"}
FONT = "NanumGothic"
FONT_BOLD = "NanumGothic-Bold"
CARDS_PER_ROW = 2
CARD_ROWS_PER_PAGE = 4


@dataclass(frozen=True)
class SheetEntry:
    number: int | None
    name: str
    username: str
    password: str = ""  # empty: the student already signed in and chose their own password
    pin: str = ""
    card_url: str = ""


@dataclass(frozen=True)
class ClassSheet:
    school: str
    klass: str  # "3학년 2반"
    grade_number: int
    class_number: int
    entries: list[SheetEntry]

    @property
    def has_cards(self) -> bool:
        return any(entry.card_url for entry in self.entries)

    @property
    def issued_count(self) -> int:
        return sum(1 for entry in self.entries if entry.password)

    def filename(self, extension: str) -> str:
        return f"first-login-{self.grade_number}-{self.class_number}.{extension}"


def class_students(klass: Organisation) -> QuerySet[User]:
    return User.objects.filter(organisation=klass, role=User.Role.STUDENT, is_active=True).order_by(
        "number", "name", "pk"
    )


def pending_students(klass: Organisation) -> QuerySet[User]:
    """Students who have never chosen their own password: the ones a sheet gives new ones to."""
    return class_students(klass).filter(must_change_password=True)


def issue_class_sheet(klass: Organisation, card_url: Callable[[str], str]) -> ClassSheet:
    """Issue new temporary credentials to the class's students who have not signed in yet and
    list everyone; ``card_url`` turns a login-card token into the absolute URL the QR holds."""
    students = list(class_students(klass).select_related("organisation__parent__parent"))
    pending = [student for student in students if student.must_change_password]
    issued = {c.user.pk: c for c in services.issue_first_login_credentials(pending)}
    entries = []
    for student in students:
        credential = issued.get(student.pk)
        entries.append(
            SheetEntry(
                number=student.number,
                name=student.name,
                username=student.username,
                password=credential.password if credential else "",
                pin=credential.pin if credential else "",
                card_url=card_url(credential.card_token)
                if credential and credential.card_token
                else "",
            )
        )
    grade = klass.parent
    school = grade.parent if grade else None
    return ClassSheet(
        school=school.name if school else "",
        klass=klass.full_name,
        grade_number=(grade.number or 0) if grade else 0,
        class_number=klass.number or 0,
        entries=entries,
    )


def _table(sheet: ClassSheet) -> tuple[list[str], list[list[str]]]:
    """The rows both formats print: the same columns, in the same order."""
    header = [_("No."), _("Name"), _("User name"), _("Temporary password")]
    if sheet.has_cards:
        header.append(_("Card PIN"))
    rows = []
    for entry in sheet.entries:
        row = [
            str(entry.number or ""),
            entry.name,
            entry.username,
            entry.password or _("Already signed in (uses own password)"),
        ]
        if sheet.has_cards:
            row.append(entry.pin)
        rows.append(row)
    return header, rows


def _title(sheet: ClassSheet) -> str:
    return _("%(school)s %(klass)s — first-login sheet") % {
        "school": sheet.school,
        "klass": sheet.klass,
    }


def _notice() -> str:
    return _(
        "Give each student their own line. The password works until they sign in and choose "
        "their own. Keep this paper safe and shred it afterwards."
    )


# --- XLSX ----------------------------------------------------------------------------------


def _display_width(text: str) -> int:
    """Column width in Excel's units: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def build_xlsx(sheet: ClassSheet) -> bytes:
    header, rows = _table(sheet)
    workbook = Workbook()
    ws = workbook.active
    ws.title = f"{sheet.grade_number}-{sheet.class_number}"
    last_column = get_column_letter(len(header))
    thin = Side(style="thin", color="6B7280")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    def put(row: int, column: int, value: str | int) -> Cell:
        return xlsx.put(ws, row, column, value)  # text from a roster stays text

    put(1, 1, _title(sheet)).font = Font(bold=True, size=14)
    ws.merge_cells(f"A1:{last_column}1")
    put(2, 1, _notice()).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(f"A2:{last_column}2")
    ws.row_dimensions[2].height = 45
    header_row = 4
    for column, label in enumerate(header, start=1):
        cell = put(header_row, column, label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E5E7EB")
        cell.border = border
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            number = column == 1 and value.isdigit()
            put(header_row + offset, column, int(value) if number else value).border = border
    minimum = [6, 14, 16, 24, 10]
    for column in range(1, len(header) + 1):
        texts = [header[column - 1]] + [row[column - 1] for row in rows]
        longest = max(_display_width(text) for text in texts)
        ws.column_dimensions[get_column_letter(column)].width = max(
            minimum[column - 1], longest + 3
        )
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------


def _find_font_file(filename: str) -> Path | None:
    for directory in FONT_DIRS:
        if directory.is_dir() and (found := sorted(directory.rglob(filename))):
            return found[0]
    return None


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register NanumGothic with reportlab once per process: PDF's built-in fonts have no
    Hangul, so without it every name would print as empty boxes."""
    for font_name, filename in FONT_FILES.items():
        path = _find_font_file(filename)
        if path is None:
            raise ImproperlyConfigured(
                f"The Korean font {filename} was not found under "
                f"{', '.join(str(d) for d in FONT_DIRS)}. Install Debian's fonts-nanum package "
                "(apt-get install fonts-nanum) to print first-login sheets as PDF."
            )
        pdfmetrics.registerFont(TTFont(font_name, str(path)))


def build_pdf(sheet: ClassSheet) -> bytes:
    register_fonts()
    title_style = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=15, leading=20)
    body_style = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14)
    cell_style = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=13)
    header, rows = _table(sheet)

    def cell(text: str) -> Paragraph:
        return Paragraph(_escape(text), cell_style)

    data = [header] + [[cell(value) for value in row] for row in rows]
    widths = [14 * mm, 38 * mm, 42 * mm, 58 * mm]
    if sheet.has_cards:
        widths.append(20 * mm)
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("FONTNAME", (0, 1), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5e7eb")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#6b7280")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    story = [
        Paragraph(_escape(_title(sheet)), title_style),
        Spacer(1, 3 * mm),
        Paragraph(_escape(_notice()), body_style),
        Spacer(1, 5 * mm),
        table,
    ]
    cards = [LoginCard(sheet, entry, 86 * mm, 60 * mm) for entry in sheet.entries if entry.card_url]
    per_page = CARDS_PER_ROW * CARD_ROWS_PER_PAGE
    for start in range(0, len(cards), per_page):
        page = cards[start : start + per_page]
        grid: list[list[LoginCard | str]] = [
            list(page[i : i + CARDS_PER_ROW]) for i in range(0, len(page), CARDS_PER_ROW)
        ]
        if len(grid[-1]) < CARDS_PER_ROW:
            grid[-1] = grid[-1] + [""] * (CARDS_PER_ROW - len(grid[-1]))
        card_table = Table(grid, colWidths=[90 * mm] * CARDS_PER_ROW, rowHeights=64 * mm)
        card_table.setStyle(
            TableStyle(
                [("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
            )
        )
        story += [PageBreak(), card_table]

    footer = f"{sheet.school} {sheet.klass}"

    def on_page(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#4b5563"))
        canvas.drawString(15 * mm, 8 * mm, footer)
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, str(doc.page))
        canvas.restoreState()

    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=_title(sheet),
        author=sheet.school,
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


def _escape(text: str) -> str:
    """Paragraph text is mini-HTML: a name with "<" or "&" must not break the markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fit(text: str, font: str, size: float, width: float) -> float:
    """The largest font size up to ``size`` at which ``text`` fits in ``width``."""
    while size > 6 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


class LoginCard(Flowable):
    """A cut-out card: dashed border, who it belongs to, the QR of the login link, the PIN."""

    def __init__(self, sheet: ClassSheet, entry: SheetEntry, width: float, height: float) -> None:
        super().__init__()
        self.sheet = sheet
        self.entry = entry
        self.width = width
        self.height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        pad = 5 * mm
        canvas.saveState()
        canvas.setDash(3, 3)
        canvas.setStrokeColor(colors.HexColor("#6b7280"))
        canvas.roundRect(0, 0, self.width, self.height, 3 * mm)
        canvas.setDash()

        qr_size = 38 * mm
        widget = QrCodeWidget(self.entry.card_url, barLevel="M")
        x1, y1, x2, y2 = widget.getBounds()
        drawing = Drawing(
            qr_size, qr_size, transform=[qr_size / (x2 - x1), 0, 0, qr_size / (y2 - y1), 0, 0]
        )
        drawing.add(widget)
        qr_x = self.width - qr_size - pad + 2 * mm
        renderPDF.draw(drawing, canvas, qr_x, (self.height - qr_size) / 2)

        text_width = qr_x - pad - 2 * mm
        canvas.setFillColor(colors.black)
        y = self.height - pad - 4 * mm
        self._line(pad, y, self.sheet.school, FONT, 9, text_width)
        y -= 6 * mm
        placement = _("%(klass)s No. %(number)s") % {
            "klass": self.sheet.klass,
            "number": self.entry.number or "",
        }
        self._line(pad, y, placement, FONT, 10, text_width)
        y -= 9 * mm
        self._line(pad, y, self.entry.name, FONT_BOLD, 18, text_width)
        y -= 11 * mm
        self._line(pad, y, _("PIN"), FONT, 9, text_width)
        y -= 8 * mm
        self._line(pad, y, " ".join(self.entry.pin), FONT_BOLD, 20, text_width)
        hint = _("Scan the QR code, then type the PIN.")
        self._line(pad, pad - 1 * mm, hint, FONT, 7.5, text_width)
        canvas.restoreState()

    def _line(self, x: float, y: float, text: str, font: str, size: float, width: float) -> None:
        self.canv.setFont(font, _fit(text, font, size, width))
        self.canv.drawString(x, y, text)
