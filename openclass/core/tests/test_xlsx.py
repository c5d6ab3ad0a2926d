"""core.xlsx: the bounded reader every import uses and the writer that keeps text as text."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from openclass.core import xlsx
from openclass.core.tests.workbooks import move_last_row, rewrite_sheet


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read(content: bytes, **limits) -> list[tuple[int, tuple]]:
    options = {"max_rows": 100, "max_columns": 10, "max_blank_run": 50, **limits}
    options.setdefault("too_many_rows", f"more than {options['max_rows']} rows")
    return list(xlsx.read_rows(content, **options))


# --- Reading --------------------------------------------------------------------------------


def test_rows_come_with_excel_row_numbers_blank_rows_left_out() -> None:
    rows: list[list[object]] = [["이름", "번호"], [None, None], ["김하늘", 1], ["  ", None]]
    content = workbook([*rows, ["이바다", 2]])
    assert read(content) == [(1, ("이름", "번호")), (3, ("김하늘", 1)), (5, ("이바다", 2))]


def test_columns_past_the_limit_are_not_read() -> None:
    assert read(workbook([["a", "b", "c", "d"]]), max_columns=2) == [(1, ("a", "b"))]


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking() -> None:
    # A workbook whose shared strings unpack to 64 MiB (the default limit is 50 MiB): the
    # upload is a few hundred kilobytes.
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook([["a"]]))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for member in source.infolist():
            target.writestr(member.filename, source.read(member.filename))
        target.writestr("xl/padding.xml", b"<a>" + b" " * (64 * 1024 * 1024) + b"</a>")
    bomb = out.getvalue()
    assert len(bomb) < 512 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(xlsx.XlsxError, match="larger than 50 MB"):
            read(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024  # nothing was unpacked


def test_the_unpacked_limit_is_a_setting(settings) -> None:
    content = workbook([["a" * 5000]])
    assert read(content)
    settings.XLSX_MAX_UNPACKED_BYTES = 4096
    with pytest.raises(xlsx.XlsxError, match="larger than 1 MB") as caught:
        read(content)
    assert caught.value.code == xlsx.TOO_LARGE


@pytest.mark.parametrize(
    "content", [b"not a zip", b"PK\x03\x04" + bytes(100), workbook([["a"]])[:-200]]
)
def test_what_is_no_workbook_is_refused(content: bytes) -> None:
    with pytest.raises(xlsx.XlsxError, match="not an Excel workbook") as caught:
        read(content)
    assert caught.value.code == xlsx.NOT_A_WORKBOOK


def test_a_zip_that_is_no_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(xlsx.XlsxError, match="not an Excel workbook"):
        read(out.getvalue())


def test_a_row_at_two_billion_is_refused_at_once(monkeypatch) -> None:
    """openpyxl's read-only ``iter_rows`` makes up every missing row: a lone row at
    r=2,000,000,000 kept a request thread busy for hours. Counting the rows anyone makes shows
    only the file's own rows were looked at."""
    made: list[int] = []
    real = xlsx._is_blank

    def counting(value: object) -> bool:
        made.append(1)
        return real(value)

    monkeypatch.setattr(xlsx, "_is_blank", counting)
    content = move_last_row(workbook([["이름"], ["김하늘"], ["이바다"]]), 2_000_000_000)
    seen = []
    with pytest.raises(xlsx.XlsxError, match="not an Excel workbook") as caught:
        for item in xlsx.read_rows(
            content, max_rows=10, too_many_rows="-", max_columns=5, max_blank_run=50
        ):
            seen.append(item)
    assert caught.value.code == xlsx.BEYOND_EXCEL
    assert [line for line, _ in seen] == [1, 2]
    assert len(made) <= 3 * 5


def test_a_dimension_beyond_excel_is_refused_before_any_row() -> None:
    content = rewrite_sheet(
        workbook([["a"], ["b"]]),
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:A2000000000"', xml),
    )
    rows = xlsx.read_rows(content, max_rows=10, too_many_rows="-", max_columns=5)
    with pytest.raises(xlsx.XlsxError, match="not an Excel workbook") as caught:
        next(rows)
    assert caught.value.code == xlsx.BEYOND_EXCEL


def test_a_column_beyond_excel_is_refused() -> None:
    content = rewrite_sheet(
        workbook([["a"], ["b"]]), lambda xml: xml.replace('<c r="A2"', '<c r="XFE2"')
    )
    with pytest.raises(xlsx.XlsxError):
        read(content)


def test_reading_stops_after_a_run_of_blank_rows() -> None:
    # A row far below the table (within Excel's limits) is past its end: not read, and the
    # rows between are not made up one by one.
    far = move_last_row(workbook([["a"], ["b"], ["c"]]), 1_000_000, keep_dimension=True)
    assert read(far, max_blank_run=50) == [(1, ("a",)), (2, ("b",))]
    near = move_last_row(workbook([["a"], ["b"], ["c"]]), 40)
    assert read(near, max_blank_run=50) == [(1, ("a",)), (2, ("b",)), (40, ("c",))]
    # Rows that exist but are blank (formatted down the sheet) count the same.
    rows: list[list[object]] = [["a"]] + [[None, " "]] * 60 + [["b"]]
    assert read(workbook(rows), max_blank_run=50) == [(1, ("a",))]


def test_too_many_rows_are_refused_not_cut() -> None:
    content = workbook([[n] for n in range(1, 8)])
    assert len(read(content, max_rows=7)) == 7
    with pytest.raises(xlsx.XlsxError, match="more than 6 rows") as caught:
        read(content, max_rows=6)
    assert caught.value.code == xlsx.TOO_MANY_ROWS


def test_messages_are_translated() -> None:
    with translation.override("ko"), pytest.raises(xlsx.XlsxError) as caught:
        read(b"not a zip")
    assert caught.value.messages[0].startswith("엑셀 통합 문서(.xlsx)가 아닙니다")


# --- Writing --------------------------------------------------------------------------------

FORMULA_LIKE = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-3+4", "@SUM(A1)", "\t=1"]


def test_text_that_looks_like_a_formula_is_written_as_text() -> None:
    book = Workbook()
    sheet = book.active
    xlsx.append_row(sheet, [*FORMULA_LIKE, "plain", 3, -4, 2.5, None])
    xlsx.put(sheet, 2, 1, "\r=2")
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml  # no formula anywhere
    read_back = load_workbook(io.BytesIO(out.getvalue())).active
    cells = list(read_back[1])
    for cell, text in zip(cells, FORMULA_LIKE, strict=False):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert (cells[5].value, cells[5].data_type) == ("plain", "s")
    assert [(c.value, c.data_type) for c in cells[6:9]] == [(3, "n"), (-4, "n"), (2.5, "n")]
    # (XML reads a carriage return back as a line feed)
    assert read_back["A2"].value.strip() == "=2" and read_back["A2"].data_type == "s"
    assert read_back["A2"].quotePrefix


def test_styles_set_after_writing_keep_the_quote_prefix() -> None:
    from openpyxl.styles import Font

    book = Workbook()
    cell = xlsx.put(book.active, 1, 1, "=1+1")
    cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    again = load_workbook(io.BytesIO(out.getvalue())).active["A1"]
    assert again.value == "=1+1" and again.quotePrefix and again.font.bold
