"""Hostile workbooks for the import tests: an XLSX whose sheet XML is rewritten after saving."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable


def rewrite_sheet(content: bytes, change: Callable[[str], str]) -> bytes:
    """``content`` with its first sheet's XML passed through ``change``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(member.filename, data)
    return out.getvalue()


def move_last_row(content: bytes, to: int, keep_dimension: bool = False) -> bytes:
    """The sheet's last row moved to row ``to``, without a <dimension> element (as some
    programs write) unless ``keep_dimension``."""

    def change(xml: str) -> str:
        last = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml))
        xml = xml.replace(f'<row r="{last}"', f'<row r="{to}"')
        xml = re.sub(rf'(<c r="[A-Z]+){last}"', rf'\g<1>{to}"', xml)
        if not keep_dimension:
            xml = re.sub(r"<dimension [^>]*/>", "", xml)
        return xml

    return rewrite_sheet(content, change)
