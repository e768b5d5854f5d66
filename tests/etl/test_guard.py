"""Input limits checked before calamine reads a workbook, and the facts the guard gives a table reader.

Every workbook here is a SYNTHETIC fixture written part by part, as a hostile file would be: the
sparse corner (one value at XFD1048576), a shared string that inflates to 1 GiB, zip bombs, entity
declarations, formulas saved without values, merged ranges. Memory is asserted, never wall-clock time.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from etl.errors import InputError
from etl.paths import shared_data_dir
from etl.sources import guard
from etl.sources.cells import open_workbook, read_sheet
from tests.fixtures import write_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# A few hundred MB is the brief's bound for refusing a hostile file; the guard needs far less.
MEMORY_LIMIT = 64 * 1024**2
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _sheet_xml(cells: str, dimension: str | None = None, tail: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}">{dim}'
            f"<sheetData>{cells}</sheetData>{tail}</worksheet>")


def write_xlsx(path: Path, sheet: str, shared: list[str] | None = None, *, workbook_prolog: str = "",
               shared_xml: str | None = None) -> Path:
    """A SYNTHETIC one-sheet .xlsx ("S") written part by part, so any part can be made hostile."""
    if shared is not None and shared_xml is None:
        shared_xml = (f'<sst xmlns="{MAIN}" count="{len(shared)}" uniqueCount="{len(shared)}">'
                      + "".join(f"<si><t>{text}</t></si>" for text in shared) + "</sst>")
    shared_rel = (f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
                  if shared_xml is not None else "")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        archive.writestr("_rels/.rels", f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
                                        f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'{workbook_prolog}<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}">'
                                            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", (
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/worksheet" '
            f'Target="worksheets/sheet1.xml"/>{shared_rel}</Relationships>'))
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_xml is not None:
            archive.writestr("xl/sharedStrings.xml", shared_xml)
    return path


def refused(path: Path) -> InputError:
    """The guard's refusal of `path`, with Python's peak memory while deciding it asserted small."""
    guard._inspect_cached.cache_clear()
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as caught:
            guard.inspect(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT
    return caught.value


CORNER = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'


# --- used range ---------------------------------------------------------------------------------------


def test_sparse_corner_is_refused_before_calamine_reads_it(tmp_path: Path) -> None:
    """SYNTHETIC: the 4.8 KB workbook whose used range reaches XFD1048576 (calamine asks for 512 GiB)."""
    path = write_xlsx(tmp_path / "corner.xlsx", _sheet_xml(CORNER, "A1:XFD1048576"))
    assert path.stat().st_size < 5000
    error = refused(path)
    assert error.rejection.sheet == "S"
    assert str(error) == ("corner.xlsx, sheet 'S': used range A1:XFD1048576 spans 17,179,869,184 cells; "
                          "the limit is 5,000,000")
    with pytest.raises(InputError, match="used range A1:XFD1048576"):
        open_workbook(path)


@pytest.mark.parametrize("cells", [
    CORNER,
    # r= after another attribute, and quoted with ': still found
    '<row r="1"><c r="A1"><v>1</v></c><c s="0" r=\'XFD1048576\'><v>2</v></c></row>',
])
def test_a_dimension_that_lies_does_not_hide_the_corner(tmp_path: Path, cells: str) -> None:
    """SYNTHETIC: <dimension> says A1 while a value sits at XFD1048576 (calamine spans the values)."""
    error = refused(write_xlsx(tmp_path / "lying.xlsx", _sheet_xml(cells, "A1")))
    assert (error.rejection.sheet, error.rejection.row, error.rejection.column) == ("S", 1048576, "XFD")
    assert "cells with values span A1:XFD1048576" in error.rejection.reason


@pytest.mark.parametrize(("cells", "span"), [
    # a cell without r= takes its row's number, here beyond any sheet (calamine asks for 39 GB)
    ('<row r="99999999999"><c><v>1</v></c></row>', "A1:A99999999999"),
    ('<row r="1"><c r="ZZZZZZ1"><v>1</v></c></row>', "A1:ZZZZZZ1"),
])
def test_references_beyond_excel_are_measured_not_missed(tmp_path: Path, cells: str, span: str) -> None:
    """SYNTHETIC: references Excel never writes; calamine still places the cell there."""
    error = refused(write_xlsx(tmp_path / "beyond.xlsx", _sheet_xml(cells)))
    assert f"cells with values span {span}" in error.rejection.reason


def test_cells_without_addresses_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SYNTHETIC: cells without r= take the next column; the bound counts them."""
    monkeypatch.setattr(guard, "MAX_SHEET_CELLS", 100)
    cells = '<row r="50">' + "<c><v>1</v></c>" * 3 + "</row>"
    error = refused(write_xlsx(tmp_path / "bare.xlsx", _sheet_xml(cells)))
    assert "cells with values span A1:C50 (150 cells)" in error.rejection.reason


def test_empty_styled_cells_far_right_are_no_used_range(tmp_path: Path) -> None:
    """SYNTHETIC: Rosstat sheets format whole rows to XFD (<c r="XFD1" s="3"/>): no value, no grid."""
    cells = '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="0"/></row><row r="2"><c r="XFD2" s="0"/></row>'
    path = write_xlsx(tmp_path / "styled.xlsx", _sheet_xml(cells, "A1:XFD2"))
    guard._inspect_cached.cache_clear()
    assert guard.inspect(path).sheets["S"].dimension == "A1:XFD2"
    assert read_sheet(path, open_workbook(path), "S") == [[1.0]]


# Ordinary cells as Excel writes them (r= first, within ZZ999), so the cell under test comes after many.
ORDINARY = "".join(f'<row r="{row}"><c r="B{row}" s="1"><v>{row}</v></c></row>' for row in range(1, 600))


@pytest.mark.parametrize(("cell", "extent"), [
    ("<c><v>1</v></c>", (600, 3)),  # no r=: takes the next column
    ('<c r="AAA600"><v>1</v></c>', (600, 703)),  # a three-letter column
    ('<c r="B1000"><v>1</v></c>', (1000, 2)),  # a row of four digits
    ('<c r="AB12345"><v>1</v></c>', (12345, 28)),
    ('<c s="1" r="C600"><v>1</v></c>', (600, 3)),  # r= not first
    ("<c r='C600'><v>1</v></c>", (600, 3)),  # single quotes
    ('<c\tr="C600"><v>1</v></c>', (600, 3)),
    ('<c\nr="C600"><v>1</v></c>', (600, 3)),
    ('<c  r="C600"><v>1</v></c>', (600, 3)),
    ('<c r="ZZ999"><v>1</v></c>', (999, 702)),  # within the bound: not measured
    ('<c r="XFD600" s="1"/>', (999, 702)),  # an empty styled cell holds no value
])
def test_an_unusual_cell_after_many_ordinary_ones_is_measured(tmp_path: Path, cell: str,
                                                              extent: tuple[int, int]) -> None:
    """SYNTHETIC: one cell that may lie beyond ZZ999 among 599 ordinary ones; the sheet is measured."""
    path = write_xlsx(tmp_path / "unusual.xlsx", _sheet_xml(f'{ORDINARY}<row r="600">{cell}</row>'))
    guard._inspect_cached.cache_clear()
    facts = guard.inspect(path).sheets["S"]
    assert (facts.rows, facts.columns) == extent


@pytest.mark.parametrize("scan_bytes", [4, 64, guard._SCAN_BYTES])
def test_unusual_cell_decides_as_its_regex_does(monkeypatch: pytest.MonkeyPatch, scan_bytes: int) -> None:
    """SYNTHETIC XML fragments, seeded: the numpy pre-check decides exactly as _UNUSUAL_CELL.search, with
    cells right at the end of the bytes or across two scan blocks, and more near-misses than the regex is
    tried at one by one."""
    monkeypatch.setattr(guard, "_SCAN_BYTES", scan_bytes)
    import random

    pieces = ['<c r="B7" s="1"><v>1</v></c>', '<c r="AB999"><v>1</v></c>', '<c r="XFD7" s="1"/>',
              '<c r="A1000"/>', '<c r="AB1234" s="1"/>', '<c r="AAA1"', '<c r="A1000">', '<c r="1">', '<c r="a1">',
              '<c r="">', "<c>", "<c/>", "<c\x0bx>", "<c r='B7'>", '<c r="B', "<col/>", "<cfRule>", "<c", "/", ">",
              '"', "A", "1234", "é"]
    rng = random.Random(20261201)
    decided = set()
    for _ in range(3000):
        data = "".join(rng.choice(pieces) for _ in range(rng.choice([1, 3, 20, 80]))).encode()
        expected = guard._UNUSUAL_CELL.search(data) is not None
        assert guard._unusual_cell(data) == expected, data
        decided.add(expected)
    near_misses = b'<c r="XFD7" s="1"/>' * (3 * guard._UNUSUAL_TRIES)
    assert not guard._unusual_cell(near_misses + b'<c r="B7"><v>1</v></c>')
    assert guard._unusual_cell(near_misses + b'<c r="C1"><v>1</v></c><c r="B7"><v>1</v></c>' * 9 + b"<c>")
    assert decided == {True, False}


@pytest.mark.parametrize("data", [b"<c" * 4_000_000, b'<c r="A1">' * 800_000, b"f" * 8_000_000, b'"e"' * 2_700_000],
                         ids=["cell-openings", "cells", "f", "quoted-e"])
def test_the_numpy_scans_of_a_hostile_sheet_stay_small(data: bytes) -> None:
    """SYNTHETIC 8 MB sheets of one repeated token: the scans read the XML a block at a time, so their
    arrays (8 bytes a position) stay bounded by the block, not by the sheet."""
    tracemalloc.start()
    try:
        facts = (guard._unusual_cell(data), guard._formula_positions(data), guard._quoted_e(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT / 2
    assert facts == (False, [], data.startswith(b'"e"'))


# --- cell size and zip limits ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def huge_cell(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SYNTHETIC: a ~1 MB workbook whose one shared string inflates to 1 GiB (written in chunks)."""
    path = tmp_path_factory.mktemp("huge") / "huge_cell.xlsx"
    write_xlsx(path, _sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared_xml="")
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in parts.items():
            if name != "xl/sharedStrings.xml":
                archive.writestr(name, data)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as stream:
            stream.write(f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode())
            chunk = b"a" * 1024**2
            for _ in range(1024):
                stream.write(chunk)
            stream.write(b"</t></si></sst>")
    return path


def test_a_cell_that_inflates_to_1_gib_is_refused_from_the_zip_directory(huge_cell: Path) -> None:
    assert huge_cell.stat().st_size < 2 * 1024**2
    error = refused(huge_cell)
    assert error.rejection.reason.startswith("part xl/sharedStrings.xml inflates to 1,073,741,")
    assert "the limit for one part is 104,857,600" in error.rejection.reason


def test_a_long_string_is_refused_while_streaming(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  huge_cell: Path) -> None:
    """With the part limits lifted, the string is refused once it passes the cell limit's bytes."""
    monkeypatch.setattr(guard, "MAX_MEMBER_BYTES", 2 * 1024**3)
    monkeypatch.setattr(guard, "MAX_TOTAL_BYTES", 2 * 1024**3)
    monkeypatch.setattr(guard, "MAX_RATIO", 10**6)
    error = refused(huge_cell)
    assert (error.rejection.sheet, error.rejection.row, error.rejection.column) == ("S", 1, "A")
    assert error.rejection.reason.startswith("shared string #0 holds more than ")
    assert error.rejection.reason.endswith(" bytes; the limit for a cell is 32,767 characters")


def test_cell_limit_counts_characters_not_bytes(tmp_path: Path) -> None:
    """SYNTHETIC: 32,767 Cyrillic letters (65 KB of UTF-8) pass; one more is refused, cell named."""
    cells = '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="7"><c r="C7" t="s"><v>1</v></c></row>'
    fits = write_xlsx(tmp_path / "fits.xlsx", _sheet_xml(cells), ["я" * 32_767, "&amp;" * 10])
    guard._inspect_cached.cache_clear()
    guard.inspect(fits)
    too_long = write_xlsx(tmp_path / "long.xlsx", _sheet_xml(cells), ["x", "я" * 32_768])
    error = refused(too_long)
    assert str(error) == ("long.xlsx, sheet 'S', row 7, column C: shared string #1 holds 32,768 characters; "
                          "the limit for a cell is 32,767 characters")


def test_a_long_inline_string_is_refused(tmp_path: Path) -> None:
    cells = f'<row r="3"><c r="B3" t="inlineStr"><is><t>{"x" * 40_000}</t></is></c></row>'
    error = refused(write_xlsx(tmp_path / "inline.xlsx", _sheet_xml(cells)))
    assert (error.rejection.row, error.rejection.column) == (3, "B")
    assert error.rejection.reason == "a cell holds 40,000 characters; the limit is 32,767"


@pytest.mark.parametrize("offset", [0, 1, 16_383, 16_384, 16_385, 40_000])
@pytest.mark.parametrize("length", [32_767, 32_768])
def test_the_cell_limit_wherever_the_cell_lies(tmp_path: Path, offset: int, length: int) -> None:
    """SYNTHETIC: an inline string of the limit's length passes and one more is refused, at any offset in
    the sheet's XML (the long stretches are found block by block); tag-only stretches longer than a cell
    (here 2,000 merged ranges) are no cell."""
    padding = "".join(f'<row r="1"><c r="A1" t="inlineStr"><is><t>{"p" * size}</t></is></c></row>'
                      for size in [1000] * (offset // 1000) + [offset % 1000])
    cells = f'{padding}<row r="3"><c r="B3" t="inlineStr"><is><t>{"x" * length}</t></is></c></row>'
    merged = "<mergeCells>" + "".join(f'<mergeCell ref="C{r}:D{r}"/>' for r in range(4, 2004)) + "</mergeCells>"
    path = write_xlsx(tmp_path / "cell.xlsx", _sheet_xml(cells, tail=merged))
    if length <= guard.MAX_CELL_CHARS:
        guard._inspect_cached.cache_clear()
        assert len(guard.inspect(path).sheets["S"].merged) == 2000
    else:
        error = refused(path)
        assert (error.rejection.row, error.rejection.column) == (3, "B")
        assert error.rejection.reason == "a cell holds 32,768 characters; the limit is 32,767"


def test_long_cells_are_the_stretches_between_row_and_cell_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    """SYNTHETIC XML fragments, seeded, with the limit lowered to 40: the block-by-block search checks
    exactly the stretches that splitting the XML at every "<row" and "<c " gives, in order."""
    import random

    monkeypatch.setattr(guard, "MAX_CELL_CHARS", 40)

    def stretches(data: bytes) -> list[bytes]:
        return [b"<c " + cell for row in data.split(b"<row") for cell in row.split(b"<c ") if len(cell) > 40]

    checked: list[bytes] = []
    monkeypatch.setattr(guard, "_check_text", lambda path, sheet, element, where: checked.append(element))
    pieces = ["<row", '<row r="2">', "<c ", '<c r="A1">', "<c", "<ro", "<", "x" * 7, "y" * 30, "я", "<v>1</v></c>"]
    rng = random.Random(20261201)
    found = 0
    for _ in range(2000):
        data = "".join(rng.choice(pieces) for _ in range(rng.choice([1, 5, 30, 100]))).encode()
        checked.clear()
        guard._check_long_cells(Path("synthetic.xlsx"), "S", data)
        assert checked == stretches(data), data
        found += len(checked)
    assert found


def test_zip_bomb_ratio_and_member_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SYNTHETIC: a 4 MB part of one repeated byte inflates ~1000 times; too many parts."""
    cells = '<row r="1"><c r="A1"><v>1</v></c></row>'
    bomb = write_xlsx(tmp_path / "bomb.xlsx", _sheet_xml(cells, tail="<!--" + " " * 4 * 1024**2 + "-->"))
    assert "times (a zip bomb); the limit is 200" in refused(bomb).rejection.reason
    monkeypatch.setattr(guard, "MAX_MEMBERS", 3)
    assert refused(write_xlsx(tmp_path / "many.xlsx", _sheet_xml(cells))).rejection.reason == (
        "the zip holds 5 parts; the limit is 3")


def test_a_part_that_inflates_beyond_its_stated_size_is_refused(tmp_path: Path) -> None:
    """SYNTHETIC: sharedStrings.xml states 100 bytes in both zip headers and inflates to 2 MB."""
    path = write_xlsx(tmp_path / "lies.xlsx", _sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                      ["b" * 2 * 1024**2])
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/sharedStrings.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 100)  # local header: uncompressed size
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46:position + 46 + name_length] == b"xl/sharedStrings.xml":
            struct.pack_into("<I", data, position + 24, 100)  # central directory: uncompressed size
        position = data.find(b"PK\x01\x02", position + 4)
    path.write_bytes(bytes(data))
    assert "damaged zip" in refused(path).rejection.reason


def _patch_central_and_local(path: Path, member: str, offset_local: int, offset_central: int, value: int) -> None:
    """Overwrite a 4-byte field of `member`'s local header and central directory entry."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<I", data, info.header_offset + offset_local, value)
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46:position + 46 + name_length] == member.encode():
            struct.pack_into("<I", data, position + offset_central, value)
        position = data.find(b"PK\x01\x02", position + 4)
    path.write_bytes(bytes(data))


SHEET_CELLS = '<row r="1"><c r="A1"><v>1</v></c></row>' * 50


def test_a_sheet_that_inflates_beyond_its_stated_size_is_refused(tmp_path: Path) -> None:
    """SYNTHETIC: the sheet states 100 bytes in both zip headers (its CRC is of the whole part)."""
    path = write_xlsx(tmp_path / "lies.xlsx", _sheet_xml(SHEET_CELLS))
    _patch_central_and_local(path, "xl/worksheets/sheet1.xml", 22, 24, 100)
    assert "damaged zip" in refused(path).rejection.reason


def test_a_sheet_whose_crc_is_wrong_is_refused(tmp_path: Path) -> None:
    """SYNTHETIC: the sheet's stated CRC-32 is not its content's."""
    path = write_xlsx(tmp_path / "crc.xlsx", _sheet_xml(SHEET_CELLS))
    _patch_central_and_local(path, "xl/worksheets/sheet1.xml", 14, 16, 12345)
    assert refused(path).rejection.reason == (
        "cannot be read as a workbook: damaged zip: Bad CRC-32 for file 'xl/worksheets/sheet1.xml'")


def test_a_stored_sheet_is_read_as_a_deflated_one(tmp_path: Path) -> None:
    """SYNTHETIC: the same workbook with its parts stored (no compression) has the same facts."""
    formula = '<row r="51"><c r="B51"><f>1+</f></c></row>'
    deflated = write_xlsx(tmp_path / "deflated.xlsx", _sheet_xml(SHEET_CELLS + formula))
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(deflated) as source, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    guard._inspect_cached.cache_clear()
    facts = guard.inspect(deflated).sheets["S"]
    assert facts.formulas_without_values == frozenset({"B51"})
    assert guard.inspect(stored).sheets["S"] == facts


def test_every_corpus_sheet_inflates_to_what_zipfile_reads() -> None:
    """Real files: the guard's inflater gives each sheet part byte for byte what zipfile gives."""
    corpus = shared_data_dir() / "corpus" / "regions_of_russia_2024"
    files = sorted(corpus.glob("*.xlsx"))[:4]
    if not files:
        pytest.skip(f"no corpus workbooks under {corpus}")
    for path in files:
        with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    assert guard._inflated(archive, handle, name) == archive.read(name), (path.name, name)


def test_calamine_reads_the_sheets_the_guard_checked(tmp_path: Path) -> None:
    """SYNTHETIC: the guard hands its checked copy over once; calamine reads from it what it reads from
    the file (values, shared strings, a formula's saved value)."""
    cells = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>12.5</v></c></row>'
             '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="C2"><f>B1*2</f><v>25</v></c></row>')
    path = write_xlsx(tmp_path / "book.xlsx", _sheet_xml(cells), ["Калужская область", "x"])
    version = guard.file_version(path)
    guard._inspect_cached.cache_clear()
    guard.inspect(path, version)
    copy = guard.checked_copy(version)
    assert copy is not None and guard.checked_copy(version) is None  # handed over once
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").compress_type == zipfile.ZIP_STORED
        assert archive.testzip() is None  # every part's CRC holds
    from_copy = CalamineWorkbook.from_filelike(io.BytesIO(copy)).get_sheet_by_name("S").to_python()
    from_file = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()
    assert from_copy == from_file == [["Калужская область", 12.5, ""], ["x", "", 25.0]]


def test_no_copy_is_kept_of_a_large_or_misnamed_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SYNTHETIC: beyond HANDOVER_BYTES of sheets, or a zip named .xls, calamine reads the file itself."""
    sheet = _sheet_xml(SHEET_CELLS)
    large = write_xlsx(tmp_path / "large.xlsx", sheet)
    monkeypatch.setattr(guard, "HANDOVER_BYTES", len(sheet.encode()) - 1)
    guard._inspect_cached.cache_clear()
    guard.inspect(large)
    assert guard.checked_copy(guard.file_version(large)) is None
    misnamed = write_xlsx(tmp_path / "misnamed.xls", sheet)
    monkeypatch.setattr(guard, "HANDOVER_BYTES", 64 * 1024**2)
    guard.inspect(misnamed)
    assert guard.checked_copy(guard.file_version(misnamed)) is None


def test_a_damaged_part_the_guard_does_not_read_leaves_calamine_the_file(tmp_path: Path) -> None:
    """SYNTHETIC: a binary part whose local header is broken: the guard keeps no copy and does not refuse."""
    path = write_xlsx(tmp_path / "book.xlsx", _sheet_xml(SHEET_CELLS))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/printerSettings/printerSettings1.bin", b"\x00" * 100)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo("xl/printerSettings/printerSettings1.bin").header_offset
    data[offset:offset + 4] = b"XXXX"
    path.write_bytes(bytes(data))
    guard._inspect_cached.cache_clear()
    facts = guard.inspect(path)
    assert facts.sheets["S"].rows >= 1
    assert guard.checked_copy(guard.file_version(path)) is None


def test_every_corpus_workbook_reads_the_same_from_the_checked_copy() -> None:
    """Real files: every sheet of four yearbook sections reads from the guard's copy as from the file."""
    files = sorted((shared_data_dir() / "corpus" / "regions_of_russia_2024").glob("*.xlsx"))[:4]
    if not files:
        pytest.skip("no corpus workbooks")
    for path in files:
        version = guard.file_version(path)
        guard._inspect_cached.cache_clear()
        guard.inspect(path, version)
        copy = CalamineWorkbook.from_filelike(io.BytesIO(guard.checked_copy(version)))
        original = CalamineWorkbook.from_path(str(path))
        assert copy.sheet_names == original.sheet_names
        for sheet in original.sheet_names:
            assert (copy.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
                    == original.get_sheet_by_name(sheet).to_python(skip_empty_area=False)), (path.name, sheet)


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    """SYNTHETIC: a billion-laughs prolog in workbook.xml."""
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    path = write_xlsx(tmp_path / "laughs.xlsx", _sheet_xml(""), workbook_prolog=laughs)
    assert refused(path).rejection.reason == (
        "part xl/workbook.xml declares a DOCTYPE or entities; refused (entity expansion)")


@pytest.mark.parametrize("prolog", [
    "<!-- SYNTHETIC: a comment before the root -->",
    "<!-- <x:commented/> -->",  # an element inside a comment is not the root
    "",
])
def test_comments_and_exclamation_marks_before_the_root(tmp_path: Path, prolog: str) -> None:
    """SYNTHETIC: a comment before a sheet's root element, and a "!" in a formula near its start."""
    cells = '<row r="1"><c r="A1"><f>Other!A1</f><v>1</v></c></row>'
    sheet = _sheet_xml(cells).replace("<worksheet", prolog + "<worksheet", 1)
    path = write_xlsx(tmp_path / "comment.xlsx", sheet)
    guard._inspect_cached.cache_clear()
    assert guard.inspect(path).sheets["S"].formulas_without_values == frozenset()
    doctype = write_xlsx(tmp_path / "doctype.xlsx", sheet.replace("<sheetData>", '<!DOCTYPE x [<!ENTITY e "e">]>'
                                                                  "<sheetData>"))
    assert refused(doctype).rejection.reason == (
        "part xl/worksheets/sheet1.xml declares a DOCTYPE or entities; refused (entity expansion)")


def test_not_a_workbook(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"SYNTHETIC not a zip")
    assert refused(fake).rejection.reason == "cannot be read as a workbook: not an .xlsx (zip) file"
    broken_zip = tmp_path / "broken.xlsx"
    broken_zip.write_bytes(b"PK\x03\x04 SYNTHETIC garbage")
    assert "not a valid .xlsx (zip) file" in refused(broken_zip).rejection.reason
    ods = tmp_path / "table.ods"
    ods.write_bytes(b"SYNTHETIC")
    assert refused(ods).rejection.reason == ".ods workbooks are not read; save it as .xlsx (or .xls)"
    xls = tmp_path / "fake.xls"
    xls.write_bytes(b"SYNTHETIC not an OLE2 file")
    assert refused(xls).rejection.reason == "cannot be read as a workbook: not an .xls (OLE2) file"
    broken_ole = tmp_path / "broken.xls"
    broken_ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 SYNTHETIC" + bytes(600))
    assert "not a valid .xls file" in refused(broken_ole).rejection.reason
    # An .xlsx saved under an .xls name is inspected as what it is.
    renamed = tmp_path / "renamed.xls"
    renamed.write_bytes(write_xlsx(tmp_path / "real.xlsx", _sheet_xml(CORNER, "A1:XFD1048576")).read_bytes())
    assert "used range A1:XFD1048576" in refused(renamed).rejection.reason


# --- facts for the table reader ---------------------------------------------------------------------


def test_formula_cells_without_saved_values(tmp_path: Path) -> None:
    """SYNTHETIC: no <v>, an empty number (<v></v>, as openpyxl writes formulas it never calculated),
    shared formulas with and without a value, and a text formula whose saved result is empty (an external
    link: Excel shows it blank, so blank is read right)."""
    cells = ('<row r="5"><c r="A5" t="s"><v>0</v></c><c r="B5"><f>SUM(A1:A2)</f></c>'
             '<c r="C5"><f>A5*2</f><v></v></c><c r="D5"><f>1+1</f><v>2</v></c>'
             '<c r="E5"><f t="shared" si="0"/><v>3</v></c><c r="F5"><f t="shared" si="0"/></c>'
             '<c r="G5" t="str"><f>[1]Data!C24</f><v/></c></row>')
    path = write_xlsx(tmp_path / "formulas.xlsx", _sheet_xml(cells), ["Калужская область"])
    assert guard.formula_cells_without_values(path) == {"S": {"B5", "C5", "F5"}}
    # calamine reads each of them as an empty cell: why the guard has to say so
    assert read_sheet(path, open_workbook(path), "S")[4][1:4] == ["", "", 2.0]


@pytest.mark.parametrize("scan_bytes", [2, 6, guard._SCAN_BYTES])
def test_formula_positions(monkeypatch: pytest.MonkeyPatch, scan_bytes: int) -> None:
    """SYNTHETIC XML: formula tags start "<f" and a tag end; "<fo", "f" alone and a last "<f" are none,
    wherever the scan blocks end."""
    monkeypatch.setattr(guard, "_SCAN_BYTES", scan_bytes)
    data = b'<f>1</f><font/><f t="shared" si="0"/>f<f\n/><f\t>2</f><c><f/></c>of<f'
    expected = [i for i in range(len(data) - 2) if data[i:i + 2] == b"<f" and data[i + 2] in b" \t\n\r\f\v>/"]
    assert guard._formula_positions(data) == expected == [0, 15, 38, 43, 55]
    assert guard._formula_positions(b"") == guard._formula_positions(b"<f") == []


@pytest.mark.parametrize("scan_bytes", [2, 6, guard._SCAN_BYTES])
def test_a_quoted_e_is_seen_wherever_the_scan_blocks_end(monkeypatch: pytest.MonkeyPatch, scan_bytes: int) -> None:
    """SYNTHETIC XML: an error cell's t="e" (either quote) is what lets the error-cell search run."""
    monkeypatch.setattr(guard, "_SCAN_BYTES", scan_bytes)
    assert guard._quoted_e(b"<c t='x'/><c t=\"e\"") and guard._quoted_e(b"<c t='e'") and guard._quoted_e(b"'e\"")
    assert not guard._quoted_e(b"<c t='x'/><c t=\"e") and not guard._quoted_e(b"e'") and not guard._quoted_e(b"")


def test_error_cells(tmp_path: Path) -> None:
    """SYNTHETIC: a formula whose saved result is an error and a literal error value (t="e")."""
    cells = ('<row r="5"><c r="A5" t="s"><v>0</v></c><c r="B5" t="e"><f>SUM(A1-A2)</f><v>#VALUE!</v></c>'
             '<c r="C5" t="e"><v>#N/A</v></c><c r="D5"><v>2</v></c></row>')
    path = write_xlsx(tmp_path / "errors.xlsx", _sheet_xml(cells), ["Калужская область"])
    assert guard.inspect(path).sheets["S"].errors == (("B5", "#VALUE!"), ("C5", "#N/A"))
    # calamine reads them as empty cells: why the guard has to say so
    assert read_sheet(path, open_workbook(path), "S")[4][1:4] == ["", "", 2.0]


def test_biff_error_records() -> None:
    """SYNTHETIC BIFF records: BOOLERR holding #DIV/0!, a FORMULA whose cached result is #REF!, a boolean."""
    boolerr = struct.pack("<HHHBB", 4, 1, 0, 0x07, 1)
    formula = struct.pack("<HHH", 4, 2, 0) + bytes([2, 0, 0x17, 0, 0, 0, 0xFF, 0xFF]) + b"\x00" * 6
    boolean = struct.pack("<HHHBB", 4, 3, 0, 1, 0)
    assert guard._biff_error(boolerr, 0x0205, 0, len(boolerr)) == "#DIV/0!"
    assert guard._biff_error(formula, 0x0006, 0, len(formula)) == "#REF!"
    assert guard._biff_error(boolean, 0x0205, 0, len(boolean)) is None


def test_merged_ranges(tmp_path: Path) -> None:
    """SYNTHETIC: a region name merged over two rows, written by openpyxl."""
    import openpyxl

    path = write_workbook(tmp_path / "merged.xlsx", {"9.1.": [["SYNTHETIC"], ["Калужская область", 1], [None, 2]]})
    workbook = openpyxl.load_workbook(path)
    workbook["9.1."].merge_cells("A2:A3")
    workbook["9.1."].merge_cells("B5:C5")
    workbook.save(path)
    assert {sheet: sorted(ranges) for sheet, ranges in guard.merged_ranges(path).items()} == {
        "9.1.": ["A2:A3", "B5:C5"]}
    assert guard.formula_cells_without_values(path) == {}


# --- .xls (BIFF8) -------------------------------------------------------------------------------------


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _biff_stream(cells: list[tuple[int, int]], merged: list[tuple[int, int, int, int]] = ()) -> bytes:
    """SYNTHETIC BIFF8 workbook stream: globals with one BOUNDSHEET ('S'), then the sheet substream."""
    bof, eof = _record(0x0809, b"\x00\x06\x10\x00" + b"\x00" * 12), _record(0x000A, b"")
    boundsheet_length = 4 + 8 + 1
    sheet_offset = len(bof) + boundsheet_length + len(eof)
    globals_ = bof + _record(0x0085, struct.pack("<IBBBB", sheet_offset, 0, 0, 1, 0) + b"S") + eof
    body = bof
    for row, column in cells:
        body += _record(0x0203, struct.pack("<HHHd", row, column, 0, 1.0))  # NUMBER
    body += _record(0x00BD, struct.pack("<HHHIH", 2, 3, 0, 0, 3))  # MULRK: row 3, columns D..D
    if merged:
        body += _record(0x00E5, struct.pack("<H", len(merged)) + b"".join(struct.pack("<HHHH", *m)
                                                                          for m in merged))
    return globals_ + body + eof


def test_biff_extent_and_merges_from_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _biff_stream([(0, 0), (9, 1)], merged=[(4, 5, 0, 0)])
    monkeypatch.setattr(guard, "_workbook_stream", lambda path: stream)
    path = tmp_path / "small.xls"
    path.write_bytes(OLE2_MAGIC + b"SYNTHETIC: the stream is given by the patched reader")
    guard._inspect_cached.cache_clear()
    facts = guard.inspect(path).sheets["S"]
    assert (facts.rows, facts.columns, facts.merged) == (10, 4, ("A5:A6",))


def test_biff_error_cells_in_a_sheet() -> None:
    """SYNTHETIC sheet substream: a BOOLERR holding #DIV/0! at B1, a FORMULA whose cached result is #REF! at C2,
    and a NUMBER and a LABELSST whose bytes would read as errors in those records: only the first two are errors."""
    boolerr = _record(0x0205, struct.pack("<HHHBB", 0, 1, 0, 0x07, 1))
    formula = _record(0x0006, struct.pack("<HHH", 1, 2, 0) + bytes([2, 0, 0x17, 0, 0, 0, 0xFF, 0xFF]) + b"\x00" * 6)
    number = _record(0x0203, struct.pack("<HHH", 2, 3, 0) + bytes([2, 1, 0x17, 0, 0, 0, 0xFF, 0xFF]))
    label = _record(0x00FD, struct.pack("<HHHBBI", 3, 4, 0, 0x07, 1, 0))
    stream = boolerr + formula + number + label + _record(0x000A, b"")
    assert guard._biff_sheet(stream, 0) == (4, 5, [], [("B1", "#DIV/0!"), ("C2", "#REF!")])


def test_biff_sparse_corner_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SYNTHETIC: a value at IV65536, the largest .xls grid (16.8 million cells)."""
    stream = _biff_stream([(0, 0), (65535, 255)])
    monkeypatch.setattr(guard, "_workbook_stream", lambda path: stream)
    path = tmp_path / "corner.xls"
    path.write_bytes(OLE2_MAGIC + b"SYNTHETIC: the stream is given by the patched reader")
    error = refused(path)
    assert str(error) == ("corner.xls, sheet 'S', row 65536, column IV: cells with values span A1:IV65536 "
                          "(16,777,216 cells); the limit is 5,000,000")


# --- the real files pass ----------------------------------------------------------------------------


def test_every_corpus_workbook_passes_and_matches_calamine() -> None:
    """Every real workbook passes the limits; where the guard measures a sheet, calamine agrees."""
    from python_calamine import CalamineWorkbook

    files = sorted(p for p in shared_data_dir().glob("**/*.xls*") if p.suffix in (".xls", ".xlsx"))
    if not files:
        pytest.skip("no raw files in the shared data folder")
    for path in files:
        facts = guard.inspect(path)
        workbook = CalamineWorkbook.from_path(str(path))
        assert list(facts.sheets) == workbook.sheet_names, path.name
        for name in workbook.sheet_names:
            sheet, measured = workbook.get_sheet_by_name(name), facts.sheets[name]
            end = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
            if path.suffix == ".xls":
                assert (measured.rows, measured.columns) == end, (path.name, name)
            else:
                assert end[0] <= measured.rows and end[1] <= measured.columns, (path.name, name)
            assert len(measured.merged) == len(sheet.merged_cell_ranges or []), (path.name, name)


def test_a_real_xls_with_a_value_moved_to_iv65536_is_refused(tmp_path: Path) -> None:
    """A copy of a real .xls whose first NUMBER record is moved to the last cell (SYNTHETIC edit)."""
    source = shared_data_dir() / "rosstat" / "monthly_806_2016-01_average_wage.xls"
    if not source.exists():
        pytest.skip("no raw files in the shared data folder")
    data = bytearray(source.read_bytes())
    number = data.find(b"\x03\x02\x0e\x00")  # a NUMBER record's header, then row and column
    data[number + 4:number + 8] = struct.pack("<HH", 65535, 255)
    path = tmp_path / "corner.xls"
    path.write_bytes(bytes(data))
    error = refused(path)
    assert (error.rejection.row, error.rejection.column) == (65536, "IV")
    assert error.rejection.reason == "cells with values span A1:IV65536 (16,777,216 cells); the limit is 5,000,000"


def test_file_version_follows_a_link_pointed_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SYNTHETIC files: the resolved path is remembered per file reached, so a link moved to another file (or
    a relative path read from another folder) names the file it reaches now."""
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    first.write_bytes(b"one")
    second.write_bytes(b"two!")
    link = tmp_path / "link.xlsx"
    link.symlink_to(first)
    assert guard.file_version(link)[:2] == (str(first.resolve()), 3)
    link.unlink()
    link.symlink_to(second)
    assert guard.file_version(link)[:2] == (str(second.resolve()), 4)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "link.xlsx").symlink_to(first)
    monkeypatch.chdir(tmp_path)
    assert guard.file_version(Path("link.xlsx"))[0] == str(second.resolve())
    monkeypatch.chdir(tmp_path / "other")
    assert guard.file_version(Path("link.xlsx"))[0] == str(first.resolve())
