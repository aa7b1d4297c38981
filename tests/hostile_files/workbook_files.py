"""Hostile Excel workbooks: ZIP bombs, absurd dimensions, XML entity attacks, damaged XML."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path

import openpyxl

from tests.hostile_files.catalogue import (
    GENERIC_HEADER,
    GENERIC_LINE,
    MB,
    generic_csv,
    hostile,
    openpyxl_workbook,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
WORKBOOK_XML = (
    f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{OFFICE_RELS}"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
).encode()
SHEET_HEAD = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">'.encode()
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(2, 10)).replace(
        "&lol1;", "&lol;"
    )
    + "]>"
)


def _package(shared: bool) -> dict[str, bytes]:
    strings = (
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPES}.sharedStrings+xml"/>'
    )
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPES}.worksheet+xml"/>'
            + (strings if shared else "")
            + "</Types>"
        ).encode(),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{OFFICE_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{OFFICE_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            + (
                f'<Relationship Id="rId2" Type="{OFFICE_RELS}/sharedStrings" '
                'Target="sharedStrings.xml"/>'
                if shared
                else ""
            )
            + "</Relationships>"
        ).encode(),
        "xl/workbook.xml": WORKBOOK_XML,
    }


def raw_xlsx(
    path: Path,
    sheet: Iterable[bytes],
    shared_strings: bytes | None = None,
    replace: dict[str, bytes] | None = None,
) -> None:
    """A minimal workbook written member by member, the sheet streamed from its chunks."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        parts = {**_package(shared_strings is not None), **(replace or {})}
        for name, data in parts.items():
            archive.writestr(name, data)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for chunk in sheet:
                member.write(chunk)


def sheet_rows(rows: Iterable[str], dimension: str | None = None) -> Iterable[bytes]:
    yield SHEET_HEAD + (f'<dimension ref="{dimension}"/>'.encode() if dimension else b"")
    yield b"<sheetData>"
    yield from (row.encode() for row in rows)
    yield b"</sheetData></worksheet>"


def inline_row(number: int, values: Iterable[str]) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'


def _empty_rows(count: int) -> Iterable[str]:
    for start in range(1, count + 1, 10_000):
        stop = min(start + 10_000, count + 1)
        yield "".join(f'<row r="{n}" spans="1:16384"/>' for n in range(start, stop))


@hostile("empty_rows.xlsx", "1,048,576 empty rows, dimension A1:XFD1048576", "16,384 columns")
def make_empty_rows(path: Path) -> None:
    raw_xlsx(path, sheet_rows(_empty_rows(1_048_576), "A1:XFD1048576"))


@hostile("empty_rows_undeclared.xlsx", "1,048,576 empty rows, no dimension", "no header row")
def make_empty_rows_undeclared(path: Path) -> None:
    raw_xlsx(path, sheet_rows(_empty_rows(1_048_576)))


@hostile("rows_beyond_excel.xlsx", "a header, then a row numbered 5,000,000", "beyond row")
def make_rows_beyond_excel(path: Path) -> None:
    rows = [inline_row(1, GENERIC_HEADER.split(",")), inline_row(5_000_000, ["1"])]
    raw_xlsx(path, sheet_rows(rows))


@hostile("dimension_lies.xlsx", "dimension claims 50,000,000 rows", "50,000,000 rows")
def make_dimension_lies(path: Path) -> None:
    raw_xlsx(path, sheet_rows([inline_row(1, ["a", "b"])], "A1:B50000000"))


@hostile("wide_header.xlsx", "a header of 300 cells, no dimension", "more than 200 columns", row=1)
def make_wide_header(path: Path) -> None:
    raw_xlsx(path, sheet_rows([inline_row(1, (f"c{at}" for at in range(300)))]))


@hostile("zip_bomb.xlsx", "a 120 MB worksheet of spaces compressed 1000 times", "expands")
def make_zip_bomb(path: Path) -> None:
    spaces = b" " * (10 * MB)
    raw_xlsx(path, [SHEET_HEAD, b"<sheetData>", *[spaces] * 12, b"</sheetData></worksheet>"])


@hostile("zip_declared_huge.xlsx", "a worksheet whose ZIP entry declares 3 GB", "larger than")
def make_zip_declared_huge(path: Path) -> None:
    raw_xlsx(path, sheet_rows([inline_row(1, ["a"])]))
    _patch_declared_size(path, "xl/worksheets/sheet1.xml", 3_000_000_000)


@hostile("zip_declared_small.xlsx", "a worksheet declaring 200 bytes, inflating to 25 MB", "Excel")
def make_zip_declared_small(path: Path) -> None:
    rows = [inline_row(1, ["a", "b"]), *[inline_row(n, ["1", "2"]) for n in range(2, 300_000)]]
    raw_xlsx(path, sheet_rows(rows))
    _patch_declared_size(path, "xl/worksheets/sheet1.xml", 200)


def _patch_declared_size(path: Path, member: str, size: int) -> None:
    """Rewrite a member's uncompressed size in the ZIP's central directory (what zipfile reads)."""
    data = bytearray(path.read_bytes())
    entry = data.rfind(member.encode()) - 46
    assert data[entry : entry + 4] == b"PK\x01\x02"
    struct.pack_into("<I", data, entry + 24, size)
    path.write_bytes(bytes(data))


@hostile("many_members.xlsx", "a ZIP of 20,001 entries", "20,00")
def make_many_members(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for at in range(20_001):
            archive.writestr(f"x/{at}", b"")


@hostile("shared_strings_bomb.xlsx", "shared strings: 5 million copies of one string", "expands")
def make_shared_strings_bomb(path: Path) -> None:
    strings = f'<sst xmlns="{MAIN}">'.encode() + b"<si><t>x</t></si>" * 5_000_000 + b"</sst>"
    raw_xlsx(path, sheet_rows([inline_row(1, ["a"])]), shared_strings=strings)


@hostile("billion_laughs.xlsx", "entity expansion (billion laughs) in a worksheet", "unsafe XML")
def make_billion_laughs(path: Path) -> None:
    head = f'<?xml version="1.0"?>{LAUGHS}<worksheet xmlns="{MAIN}">'.encode()
    raw_xlsx(
        path,
        [head, b"<sheetData>", inline_row(1, ["&lol9;"]).encode(), b"</sheetData></worksheet>"],
    )


@hostile("billion_laughs_strings.xlsx", "billion laughs in the shared strings", "unsafe XML")
def make_billion_laughs_strings(path: Path) -> None:
    strings = f'<?xml version="1.0"?>{LAUGHS}<sst xmlns="{MAIN}"><si><t>&lol9;</t></si></sst>'
    raw_xlsx(path, sheet_rows([inline_row(1, ["a"])]), shared_strings=strings.encode())


@hostile("xxe_sheet.xlsx", "an external entity (file:///etc/passwd) in a worksheet", "unsafe XML")
def make_xxe_sheet(path: Path) -> None:
    doctype = '<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    head = f'<?xml version="1.0"?>{doctype}<worksheet xmlns="{MAIN}">'.encode()
    raw_xlsx(
        path, [head, b"<sheetData>", inline_row(1, ["&xxe;"]).encode(), b"</sheetData></worksheet>"]
    )


@hostile("xxe_workbook.xlsx", "an external entity in workbook.xml", "unsafe XML")
def make_xxe_workbook(path: Path) -> None:
    doctype = b'<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    workbook = WORKBOOK_XML.replace(b"?><workbook", b"?>" + doctype + b"<workbook")
    workbook = workbook.replace(b'name="Sheet1"', b'name="&xxe;"')
    raw_xlsx(path, sheet_rows([inline_row(1, ["a"])]), replace={"xl/workbook.xml": workbook})


@hostile("malformed_xml.xlsx", "a worksheet whose XML breaks off mid-tag", "malformed XML")
def make_malformed_xml(path: Path) -> None:
    raw_xlsx(path, [SHEET_HEAD, b"<sheetData>", inline_row(1, ["a"]).encode(), b"<row r="])


@hostile("nul_reference.xlsx", "a cell holding &#0; (a NUL character reference)", "malformed XML")
def make_nul_reference(path: Path) -> None:
    raw_xlsx(path, sheet_rows([inline_row(1, ["a"]), inline_row(2, ["x&#0;y"])]))


@hostile("truncated.xlsx", "a real workbook cut in half", "truncated")
def make_truncated_xlsx(path: Path) -> None:
    openpyxl_workbook(path, [GENERIC_HEADER.split(","), *([GENERIC_LINE.split(",")] * 500)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@hostile("not_a_workbook.xlsx", "a ZIP holding a text file", "not an Excel workbook")
def make_not_a_workbook(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")


@hostile("csv_named.xlsx", "CSV text named .xlsx", "not an Excel workbook")
def make_csv_named_xlsx(path: Path) -> None:
    path.write_bytes(generic_csv())


@hostile("old_xls.xlsx", "an old binary .xls (OLE) named .xlsx", "old .xls")
def make_old_xls(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)


@hostile("duplicate_header.xlsx", "customer_id named twice", "twice", row=1, column="customer_id")
def make_duplicate_header_xlsx(path: Path) -> None:
    header = GENERIC_HEADER.replace("order_id", "customer_id").split(",")
    openpyxl_workbook(path, [header, GENERIC_LINE.split(",")])


@hostile("formula_injection.xlsx", "text cells starting with = + - @ (accepted as text)", "")
def make_formula_injection_xlsx(path: Path) -> None:
    rows = [GENERIC_LINE.replace("Mugs", cell).split(",") for cell in ("=1+1", "+1", "@SUM(A1)")]
    openpyxl_workbook(path, [GENERIC_HEADER.split(","), *rows])
    # openpyxl would store "=1+1" as a formula; as text it is what an attacker uploads.
    workbook = openpyxl.load_workbook(path)
    for row in workbook.active.iter_rows(min_row=2):
        row[3].data_type = "s"
    workbook.save(path)
