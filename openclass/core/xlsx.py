"""Excel workbooks (.xlsx) in and out: the one reader every import uses and the one writer every
export uses.

Reading (``read_rows``) is bounded before and while parsing: an .xlsx is a zip, so the declared
sizes of its members are added up first and a file that would unpack past
``settings.XLSX_MAX_UNPACKED_BYTES`` is refused without unpacking anything (``zipfile`` never
unpacks more than a member declares, so the declared sizes are a true bound). The first sheet's
rows are then read straight from openpyxl's streaming parser: a sheet whose ``<dimension>`` or a
row or column index is beyond what Excel itself allows is refused as soon as that index is seen,
and reading stops after ``max_blank_run`` blank rows, a gap between two rows counting as blank
rows, so a lone row at r=2,000,000,000 costs one row, not two billion empty ones (openpyxl's
own ``iter_rows`` yields every missing row).

Writing (``text_cell``, ``append_row``, ``put``): text is written as text, never as a formula, so
a course titled ``=HYPERLINK(…)`` or a student named ``@SUM(…)`` stays the words they typed. The
cell is a string cell (``t="s"``, what openpyxl writes for ``data_type = "s"``) and, when the
text starts with a character a spreadsheet reads as the start of a formula (OWASP's list: ``=``,
``+``, ``-``, ``@``, tab, carriage return), it also carries Excel's quote prefix, the style a
typed leading apostrophe sets: the cell shows exactly the text, and editing it or saving the
sheet as CSV keeps it text. Numbers, dates and ``None`` are written as they are.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Excel's own limits: a sheet has at most 1,048,576 rows and 16,384 columns (XFD).
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
MAX_MEMBERS = 1000  # an .xlsx from Excel has a dozen or two; thousands are no workbook
DEFAULT_MAX_UNPACKED_BYTES = 50 * 1024 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# XlsxError codes
NOT_A_WORKBOOK = "not_a_workbook"
TOO_LARGE = "too_large"
BEYOND_EXCEL = "beyond_excel"
TOO_MANY_ROWS = "too_many_rows"

Row = tuple[Any, ...]


class XlsxError(ValidationError):
    """A workbook refused before or while reading it; the message tells the uploader why."""


def not_a_workbook(code: str = NOT_A_WORKBOOK) -> XlsxError:
    return XlsxError(
        _("This is not an Excel workbook (.xlsx). Save the file as .xlsx and upload it again."),
        code=code,
    )


def max_unpacked_bytes() -> int:
    return int(getattr(settings, "XLSX_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES))


def check_unpacked_size(content: bytes, limit: int | None = None) -> None:
    """Refuse a zip whose members declare more than ``limit`` bytes in all (a zip bomb) or that
    is no zip, reading only its directory."""
    limit = max_unpacked_bytes() if limit is None else limit
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise not_a_workbook() from error
    if len(members) > MAX_MEMBERS:
        raise not_a_workbook()
    if sum(member.file_size for member in members) > limit:
        raise XlsxError(
            _("The file is larger than %(mb)d MB. Split it into smaller files.")
            % {"mb": max(1, limit // (1024 * 1024))},
            code=TOO_LARGE,
        )


def _absurd_sheet() -> XlsxError:
    """A row or column index Excel cannot write: no workbook Excel saved (saving it again in
    Excel is the way out)."""
    return not_a_workbook(BEYOND_EXCEL)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(
    content: bytes,
    *,
    max_rows: int,
    too_many_rows: str,
    max_columns: int,
    max_blank_run: int = 1000,
    max_unpacked: int | None = None,
) -> Generator[tuple[int, Row], None, None]:
    """The non-blank rows of the first sheet as ``(row number as Excel shows it, values)``, the
    values of columns 1..``max_columns`` (cells beyond are ignored), formulas as their cached
    values.

    Raises ``XlsxError`` for a file that is no workbook or unpacks too large (before yielding
    anything), for a sheet with an index beyond Excel's limits, and with the message
    ``too_many_rows`` (the importer's words for its rows) for more than ``max_rows`` non-blank
    rows. Stops after ``max_blank_run`` blank rows in a row.
    """
    check_unpacked_size(content, max_unpacked)
    from openpyxl import load_workbook  # imported here: only imports pay for it
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a zip that is no workbook
        raise not_a_workbook() from error
    try:
        if not workbook.worksheets:
            raise not_a_workbook()
        sheet = workbook.worksheets[0]
        # The <dimension> element, read when the sheet was opened (None when there is none).
        if (sheet.max_row or 0) > EXCEL_MAX_ROWS or (sheet.max_column or 0) > EXCEL_MAX_COLUMNS:
            raise _absurd_sheet()
        yield from _sheet_rows(
            WorkSheetParser,
            workbook,
            sheet,
            max_rows=max_rows,
            too_many_rows=too_many_rows,
            max_columns=max_columns,
            max_blank_run=max_blank_run,
        )
    finally:
        workbook.close()


def _sheet_rows(
    parser_class: Any,
    workbook: Any,
    sheet: Any,
    *,
    max_rows: int,
    too_many_rows: str,
    max_columns: int,
    max_blank_run: int,
) -> Iterator[tuple[int, Row]]:
    """openpyxl's read-only ``iter_rows`` without the empty rows it makes up for every missing
    row index: the parser's rows with their own index (what ``ReadOnlyWorksheet._cells_by_row``
    does in openpyxl 3.1, checked by core/tests/test_xlsx.py)."""
    count = 0
    previous = 0
    with sheet._get_source() as source:
        parser = parser_class(
            source,
            sheet._shared_strings,
            data_only=workbook.data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        rows = parser.parse()
        while True:
            try:
                item = next(rows, None)
            except Exception as error:  # malformed XML, a cell reference that is no reference
                raise not_a_workbook() from error
            if item is None:
                return
            index, cells = item
            if index > EXCEL_MAX_ROWS or any(cell["column"] > EXCEL_MAX_COLUMNS for cell in cells):
                raise _absurd_sheet()
            values: list[Any] = [None] * max_columns
            for cell in cells:
                if 1 <= cell["column"] <= max_columns:
                    values[cell["column"] - 1] = cell["value"]
            if all(_is_blank(value) for value in values):
                if index - previous >= max_blank_run:
                    return  # rows formatted down to the sheet's end: nothing more to read
                continue
            if index - previous - 1 >= max_blank_run:
                return  # a row after a long gap of blank rows: past the table
            count += 1
            if count > max_rows:
                raise XlsxError(too_many_rows, code=TOO_MANY_ROWS)
            previous = index
            while values and values[-1] is None:
                values.pop()
            yield index, tuple(values)


# --- Writing --------------------------------------------------------------------------------


def text_cell(cell: Any) -> Any:
    """Make ``cell`` keep its text as text (see the module's docstring); returns the cell."""
    value = cell.value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell


def put(sheet: Any, row: int, column: int, value: object) -> Any:
    """``sheet.cell(row, column, value)`` with text kept as text."""
    return text_cell(sheet.cell(row=row, column=column, value=value))


def append_row(sheet: Any, values: Iterable[object]) -> None:
    """``sheet.append(values)`` with text kept as text."""
    from openpyxl.cell.cell import Cell

    cells: list[object] = []
    for value in values:
        if isinstance(value, str):
            cells.append(text_cell(Cell(sheet, value=value)))
        else:
            cells.append(value)
    sheet.append(cells)


def append_rows(sheet: Any, rows: Iterable[Sequence[object]]) -> None:
    for values in rows:
        append_row(sheet, values)
