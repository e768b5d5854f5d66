# ruff: noqa: E501  (a table of cases: one case per statement reads better than wrapped lines)
"""The hostile corpus: SYNTHETIC files an attacker (or a careless hand) might give `etl load`.

Each case builds its file in a folder and says what the CLI must answer: exit 2 (refused, nothing
written) with text naming file, sheet, row and column where a cell is at fault, or exit 0 (a clean
load, where the file is legitimate). Nothing here is real data.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from etl.paths import REFERENCE_DIR, shared_data_dir
from tests.fixtures import write_workbook
from tests.hostile.builders import (
    MAIN,
    Raw,
    raw_rr,
    raw_sheet,
    rr,
    stream_xlsx,
    text_file,
    write_csv_rows,
    write_xlsx,
    xlsxwriter_rr,
)

REFUSED, LOADED = 2, 0


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], Path]
    code: int = REFUSED
    # Fragments the CLI's output must hold (file name, sheet, cells, reason).
    says: tuple[str, ...] = ()
    # Only through the CLI: the upload preview takes bytes, not devices, folders or symlinks.
    file_only: bool = False
    # Writes a large file (a 1 GiB cell, a million rows): marked `slow`, still run by `make test`.
    slow: bool = False
    # A defect found and reported but owned by a module outside this suite's fixes: a strict xfail.
    known_defect: str | None = None


CASES: list[Case] = []


def case(id: str, code: int = REFUSED, says: tuple[str, ...] = (), file_only: bool = False, slow: bool = False):
    def register(build: Callable[[Path], Path]) -> Callable[[Path], Path]:
        CASES.append(Case(id, build, code, says, file_only, slow))
        return build
    return register


def add(id: str, build: Callable[[Path], Path], code: int = REFUSED, says: tuple[str, ...] = (),
        file_only: bool = False) -> None:
    CASES.append(Case(id, build, code, says, file_only))


# --- files that are not what they claim ------------------------------------------------------------------

for suffix in (".xlsx", ".xls", ".csv"):
    add(f"empty{suffix}", lambda d, s=suffix: text_file(d / f"empty{s}", b""), says=(f"empty{suffix}",))


@case("directory", says=("folder",), file_only=True)
def _directory(d: Path) -> Path:
    (d / "folder").mkdir()
    (d / "folder" / "notes.md").write_text("SYNTHETIC")
    return d / "folder"


@case("directory named .xlsx", says=("book.xlsx",), file_only=True)
def _directory_xlsx(d: Path) -> Path:
    (d / "book.xlsx").mkdir()
    return d / "book.xlsx"


for device in ("/dev/zero", "/dev/urandom", "/dev/null"):
    for suffix in (".xlsx", ".xls", ".csv"):
        name = f"{Path(device).name}{suffix}"
        add(f"symlink to {device} as {suffix}",
            lambda d, dev=device, n=name: (os.symlink(dev, d / n), d / n)[1],
            says=(name, "not a regular file") if device != "/dev/null" else (name,), file_only=True)


@case("symlink to /dev/urandom as interview.txt", says=("interview.txt", "not a regular file"), file_only=True)
def _interview_device(d: Path) -> Path:
    os.symlink("/dev/urandom", d / "interview.txt")
    return d / "interview.txt"


@case("fifo named .csv", says=("pipe.csv", "not a regular file"), file_only=True)
def _fifo(d: Path) -> Path:
    os.mkfifo(d / "pipe.csv")
    return d / "pipe.csv"


@case("no such file", says=("missing.xlsx", "no such file"), file_only=True)
def _missing(d: Path) -> Path:
    return d / "missing.xlsx"


@case("unknown suffix", says=("notes.pdf", "no adapter"))
def _pdf(d: Path) -> Path:
    return text_file(d / "notes.pdf", b"%PDF-1.4 SYNTHETIC")


@case("text named .xlsx", says=("text.xlsx", "not an .xlsx"))
def _text_xlsx(d: Path) -> Path:
    return text_file(d / "text.xlsx", "region,value\nКалужская область,1\n")


@case("random bytes named .xls", says=("noise.xls", "not an .xls"))
def _noise_xls(d: Path) -> Path:
    return text_file(d / "noise.xls", bytes(range(256)) * 16)


@case("OLE2 magic then noise", says=("ole.xls", "not a valid .xls"))
def _ole_noise(d: Path) -> Path:
    return text_file(d / "ole.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 32)


@case("PK magic then noise", says=("pk.xlsx", "not a valid .xlsx"))
def _pk_noise(d: Path) -> Path:
    return text_file(d / "pk.xlsx", b"PK\x03\x04" + bytes(range(256)) * 16)


# --- truncated and corrupt workbooks -------------------------------------------------------------------------


def _truncated(fraction: float) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        whole = rr(d / "whole.xlsx").read_bytes()
        path = d / f"cut{int(fraction * 100)}.xlsx"
        path.write_bytes(whole[: int(len(whole) * fraction)])
        (d / "whole.xlsx").unlink()
        return path
    return build


for fraction in (0.02, 0.5, 0.9, 0.99):
    add(f"truncated xlsx at {int(fraction * 100)}%", _truncated(fraction), says=(f"cut{int(fraction * 100)}.xlsx",))


@case("xlsx with a flipped byte in a part", says=("flipped.xlsx", "damaged"))
def _flipped(d: Path) -> Path:
    path = raw_rr(d / "flipped.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


@case("xlsx without workbook.xml", says=("noworkbook.xlsx",))
def _no_workbook(d: Path) -> Path:
    path = d / "noworkbook.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", raw_sheet([["SYNTHETIC"]]))
    return path


@case("xlsx whose workbook.xml is not XML", says=("badxml.xlsx",))
def _bad_workbook_xml(d: Path) -> Path:
    path = raw_rr(d / "badxml.xlsx")
    with zipfile.ZipFile(path) as source:
        parts = {i.filename: source.read(i) for i in source.infolist()}
    parts["xl/workbook.xml"] = b"<workbook><sheets><sheet name='S'"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


@case("sheet XML cut mid-tag", says=("cutxml.xlsx",))
def _cut_sheet(d: Path) -> Path:
    return write_xlsx(d / "cutxml.xlsx", raw_sheet([["SYNTHETIC", 1]])[:-40])


def _corpus_xls() -> Path:
    return shared_data_dir() / "corpus" / "monthly_806_2016-01" / "m806_2016-01_365-367.xls"


def _xls_cut(fraction: float) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        source = _corpus_xls()
        path = d / f"bulletin_cut{int(fraction * 100)}.xls"
        if not source.is_file():  # NOTE: without ../shared/data, a SYNTHETIC OLE2 header stands in
            path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500)
            return path
        whole = source.read_bytes()
        path.write_bytes(whole[: int(len(whole) * fraction)])
        return path
    return build


for fraction in (0.1, 0.5, 0.95):
    add(f"truncated xls at {int(fraction * 100)}%", _xls_cut(fraction), says=(f"bulletin_cut{int(fraction * 100)}.xls",))


@case("xls with its sector table overwritten", says=("sectors.xls",))
def _xls_sectors(d: Path) -> Path:
    source = _corpus_xls()
    data = bytearray(source.read_bytes() if source.is_file() else b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    data[512:1024] = b"\xff" * 512
    return text_file(d / "sectors.xls", bytes(data))


@case("xlsx renamed .xls (content decides)", code=REFUSED, says=("renamed.xls", "cannot be read"))
def _xlsx_as_xls(d: Path) -> Path:
    path = rr(d / "tmp.xlsx", ["Атлантида", 1, 2])
    return path.rename(d / "renamed.xls")


# --- bombs and limits ---------------------------------------------------------------------------------------


@case("zip bomb (ratio)", says=("bomb.xlsx", "zip bomb"))
def _zip_bomb(d: Path) -> Path:
    return raw_rr(d / "bomb.xlsx", tail="<!--" + " " * 8 * 1024**2 + "-->")


@case("zip with 6,000 parts", says=("parts.xlsx", "parts; the limit is 5,000"))
def _many_parts(d: Path) -> Path:
    path = raw_rr(d / "parts.xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(6000):
            archive.writestr(f"docProps/p{i}.xml", "<p/>")
    return path


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>")


@case("billion laughs in workbook.xml", says=("laughs.xlsx", "entities"))
def _laughs_workbook(d: Path) -> Path:
    return write_xlsx(d / "laughs.xlsx", raw_sheet([["SYNTHETIC"]]), workbook_prolog=LAUGHS)


@case("billion laughs in the sheet", says=("laughs_sheet.xlsx", "entities"))
def _laughs_sheet(d: Path) -> Path:
    sheet = raw_sheet([["&lol9;"]]).replace('standalone="yes"?>\n', 'standalone="yes"?>\n' + LAUGHS)
    return write_xlsx(d / "laughs_sheet.xlsx", sheet.replace("&amp;lol9;", "&lol9;"))


@case("billion laughs in shared strings", says=("laughs_sst.xlsx", "entities"))
def _laughs_sst(d: Path) -> Path:
    sst = f'<?xml version="1.0"?>{LAUGHS}<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    return write_xlsx(d / "laughs_sst.xlsx", raw_sheet([[Raw(' t="s"', "<v>0</v>")]]), shared_xml=sst)


@case("external entity (XXE) to /etc/passwd", says=("xxe.xlsx", "entities"))
def _xxe(d: Path) -> Path:
    prolog = '<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    return write_xlsx(d / "xxe.xlsx", raw_sheet([["SYNTHETIC"]]), workbook_prolog=prolog)


CORNER = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'


@case("sparse workbook reaching XFD1048576", says=("corner.xlsx", "sheet 'S'", "XFD1048576"))
def _corner(d: Path) -> Path:
    from tests.etl.test_guard import _sheet_xml

    return write_xlsx(d / "corner.xlsx", _sheet_xml(CORNER))


@case("used range A1:XFD1048576 stated", says=("dimension.xlsx", "sheet 'S'", "A1:XFD1048576"))
def _dimension(d: Path) -> Path:
    from tests.etl.test_guard import _sheet_xml

    return write_xlsx(d / "dimension.xlsx", _sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:XFD1048576"))


@case("a 1 GiB cell (shared string, streamed)", says=("gib.xlsx", "inflates to 1,073,741,"), slow=True)
def _gib_cell(d: Path) -> Path:
    head = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode()
    chunk = b"a" * 1024**2
    path = stream_xlsx(d / "gib.xlsx", head, (chunk for _ in range(1024)), b"</t></si></sst>",
                       member="xl/sharedStrings.xml")
    # The sheet shows the string in A1.
    with zipfile.ZipFile(path) as source:
        assert source.getinfo("xl/sharedStrings.xml").file_size > 1024**3
    return path


@case("a 100,000-character inline cell", says=("inline.xlsx", "sheet 'S'", "row 10", "column A",
                                                 "100,000 characters"))
def _long_inline(d: Path) -> Path:
    return raw_rr(d / "inline.xlsx", ["x" * 100_000, 1, 2])


@case("a 100,000-character shared string", says=("sst.xlsx", "sheet 'S'", "row 1", "column A"))
def _long_shared(d: Path) -> Path:
    return write_xlsx(d / "sst.xlsx", raw_sheet([[Raw(' t="s"', "<v>0</v>")]]), ["я" * 100_000])


@case("a 1,000,000-row sheet of numbers (streamed)", says=("million.xlsx",), slow=True)
def _million(d: Path) -> Path:
    from tests.etl.test_guard import _sheet_xml

    head, tail = _sheet_xml("@").split("@")

    def rows():
        for start in range(1, 1_000_001, 10_000):
            yield "".join(f'<row r="{r}"><c r="A{r}"><v>{r * 7919 % 100_003}</v></c></row>'
                          for r in range(start, start + 10_000)).encode()

    return stream_xlsx(d / "million.xlsx", head.encode(), rows(), tail.encode())


# --- cells: numbers as text, formulas, merged and error cells ------------------------------------------------

add("numbers as text with decimal commas (legitimate)",
    lambda d: rr(d / "text_numbers_2019.xlsx", ["Калужская область", "11,1", "12 200,5"],
                 base=[r for r in [["Российская Федерация1)", "1 000,5", "1 100,5"], ["Тульская область", "13,3", "…"]]]),
    code=LOADED)
add("number text with junk", lambda d: rr(d / "junk_numbers.xlsx", base=[["Калужская область", "11.1abc", 12.2]]),
    says=("junk_numbers.xlsx", "'9.1.'", "B"))
add("formula text in a value cell", lambda d: rr(d / "formula_text.xlsx", base=[["Калужская область", "=1+1", 12.2]]),
    says=("formula_text.xlsx", "B"))
add("formula with saved value (legitimate)",
    lambda d: xlsxwriter_rr(d / "formula_saved_2019.xlsx", {(8, 1): ("=5.55*2", 11.1)}), code=LOADED)
add("formula without saved value",
    lambda d: xlsxwriter_rr(d / "formula_nosave.xlsx", {(8, 1): ("=5.55*2", None)}),
    says=("formula_nosave.xlsx", "'9.1.'", "B9", "formula saved without its value"))
add("formula with a cached error", lambda d: raw_rr(d / "div0.xlsx", ["Брянская область", Raw(' t="e"', "<f>1/0</f><v>#DIV/0!</v>"), 2]),
    says=("div0.xlsx", "sheet 'S'", "B10", "#DIV/0!"))
add("error text #N/A typed as a string", lambda d: rr(d / "na_text.xlsx", ["Брянская область", "#N/A", 2]),
    says=("na_text.xlsx", "'9.1.'"))
add("merged cells over figures",
    lambda d: raw_rr(d / "merged.xlsx", ["Брянская область", 5, 6],
                     tail='<mergeCells count="1"><mergeCell ref="B9:B10"/></mergeCells>'),
    says=("merged.xlsx", "sheet 'S'", "B9:B10", "merged cells"))
add("boolean in a value cell", lambda d: raw_rr(d / "bool.xlsx", ["Брянская область", True, 2]),
    says=("bool.xlsx", "sheet 'S'"))
add("date in a value cell", lambda d: rr(d / "date_value.xlsx", ["Брянская область", dt.datetime(2020, 1, 1), 2]),
    says=("date_value.xlsx", "'9.1.'"))

# --- keys: duplicates, unknown regions and indicators --------------------------------------------------------

add("duplicate region rows", lambda d: rr(d / "dup.xlsx", ["Калужская область", 11.1, 12.2]),
    says=("dup.xlsx", "'9.1.'", "duplicate"))
add("duplicate region rows with different values", lambda d: rr(d / "dup2.xlsx", ["Калужская область", 99, 98]),
    says=("dup2.xlsx", "'9.1.'", "duplicate"))
add("duplicate year columns",
    lambda d: rr(d / "dupyear.xlsx", years=(2016, 2016)), says=("dupyear.xlsx", "'9.1.'"))
add("unknown region", lambda d: rr(d / "atlantis.xlsx", ["Атлантида", 1, 2]),
    says=("atlantis.xlsx", "'9.1.'", "row 10, column A", "unknown region", "Атлантида"))
add("unknown indicator (a new table title, legitimate)",
    lambda d: write_rr_workbook_title(d / "new_table_2019.xlsx"), code=LOADED)

# --- impossible values and dates ---------------------------------------------------------------------------

for label, value in (("-5e300", -5e300), ("1e16", 1e16)):
    add(f"GRP {label}", lambda d, v=value, n=label: rr(d / f"grp_{n.replace(' ', '_')}.xlsx",
                                                       base=[["Калужская область", v, 12.2], *GRP_TAIL]),
        says=(f"grp_{label.replace(' ', '_')}.xlsx", "'9.1.'"))
# NOTE: a number cell saved as NaN is read as a blank: stored as a missing value, never as a figure.
add("GRP NaN as a number (stored as missing)", lambda d: raw_rr(d / "grp_num_NaN_2019.xlsx", base=[
    ["Калужская область", Raw("", "<v>NaN</v>"), 12.2], *GRP_TAIL]), code=LOADED)
for label, xml in (("inf", "INF"), ("1e309", "1e309"), ("-inf", "-INF")):
    add(f"GRP {label} as a number", lambda d, x=xml, n=label: raw_rr(d / f"grp_num_{n}.xlsx", base=[
        ["Калужская область", Raw("", f"<v>{x}</v>"), 12.2], *GRP_TAIL]), says=(f"grp_num_{label}.xlsx", "sheet 'S'"))
for label in ("NaN", "inf", "-Infinity"):
    add(f"GRP {label} as text", lambda d, n=label: rr(d / f"grp_text_{n}.xlsx", base=[
        ["Калужская область", n, 12.2], *GRP_TAIL]), says=(f"grp_text_{label}.xlsx", "'9.1.'"))
add("negative count of people", lambda d: write_rr_workbook_title(d / "negative_count.xlsx", unit="человек",
                                                                  value=-5),
    says=("negative_count.xlsx", "'9.1.'", "negative count"))
CASES.append(Case(
    "region rows without a header row (found by fuzzing)",
    lambda d: write_workbook(d / "no_header.xlsx", {"9.1.": [["Калужская область", 1], ["Тульская область", 2]]}),
    says=("no_header.xlsx", "'9.1.'")))
add("impossible year header 2020-13-45", lambda d: rr(d / "year_2020_13_45.xlsx", years=("2020-13-45", 2017)),
    says=("year_2020_13_45.xlsx", "'9.1.'"))
add("year header 99999", lambda d: rr(d / "year_99999.xlsx", years=(99999, 2017)), says=("year_99999.xlsx",))
add("year header 0", lambda d: rr(d / "year_0.xlsx", years=(0, -1)), says=("year_0.xlsx",))

# --- markup, scripts and formulas in names ---------------------------------------------------------------------

for label, name in (
        ("HTML/JS", "<script>alert(1)</script>"),
        ("img onerror", '<img src=x onerror="alert(1)">'),
        ("spreadsheet formula", "=cmd|' /C calc'!A0"),
        ("formula with plus", "+2+3+cmd|' /C calc'!A0"),
        ("HYPERLINK", '=HYPERLINK("http://evil.example","x")'),
        ("rich markup", "[/bold][red]Атлантида[/red]"),
        ("rich link", "[link=file:///etc/passwd]Калужская[/link]"),
        ("ANSI escape", "\x1b[31mКалужская\x1b[0m"),
        ("SQL injection", "Калужская область'; DROP TABLE observations;--"),
        ("control characters", "Калужская\x07\x08 область"),
        ("right-to-left override", "Калужская \u202eобласть"),
        ("format string", "{0.__class__} %s %n"),
):
    safe = "".join(ch for ch in label if ch.isalnum())
    if any(ord(ch) < 32 for ch in name):
        # NOTE: XML 1.0 cannot hold control characters; openpyxl refuses them, a hostile file has them raw.
        add(f"{label} in a region name", lambda d, n=name, s=safe: raw_rr(d / f"name_{s}.xlsx", [n, 1, 2]),
            says=(f"name_{safe}.xlsx",))
        continue
    add(f"{label} in a region name", lambda d, n=name, s=safe: rr(d / f"name_{s}.xlsx", [n, 1, 2]),
        says=(f"name_{safe}.xlsx", "'9.1.'", "row 10, column A", "unknown region"))

add("rich markup in a sheet name",
    lambda d: renamed_sheet(raw_rr(d / "sheetname.xlsx", ["Атлантида", 1, 2]), "[bold]x[/bold]"),
    says=("sheetname.xlsx", "[bold]x[/bold]", "Атлантида"))
add("SQL injection in a sheet name",
    lambda d: write_workbook(d / "sqlsheet.xlsx", {"x'; DROP TABLE loads;--": grp_rows_with(["Атлантида", 1, 2])}),
    says=("sqlsheet.xlsx", "DROP TABLE loads", "Атлантида"))
add("NUL character reference in a cell",
    lambda d: raw_rr(d / "nul_ref.xlsx", [Raw(' t="inlineStr"', "<is><t>Калуга&#0;</t></is>"), 1, 2]),
    says=("nul_ref.xlsx",))
add("raw NUL byte in a shared string",
    lambda d: write_xlsx(d / "nul_byte.xlsx", raw_sheet([[Raw(' t="s"', "<v>0</v>"), 1]]), ["Калуга\x00"]),
    says=("nul_byte.xlsx",))
add("HTML in a table title (legitimate text, stored as text)",
    lambda d: write_rr_workbook_title(d / "html_title_2019.xlsx", "<b onmouseover=alert(1)>ПРОДУКТ SYNTHETIC</b>"),
    code=LOADED)


# --- 806 monthly bulletins ----------------------------------------------------------------------------------


def monthly(d: Path, name: str, rows: list[list], months=("январь", "февраль", "март"),
            years=("2015 год", "2016 год")) -> Path:
    from tests.fixtures import monthly_sheet

    title = "Среднемесячная номинальная начисленная заработная плата работников организаций"
    return write_workbook(d / name, {"рублей": monthly_sheet(title, "Рублей", list(years), rows, months=months)})


MONTHLY_OK = [["Российская Федерация", 1, 2, 3, 4, 5, 6], ["Калужская область", 7, 8, 9, 10, 11, 12]]
add("806 bulletin (legitimate)", lambda d: monthly(d, "m806_2016-01_ok.xlsx", MONTHLY_OK), code=LOADED)
add("806 bulletin, unknown region", lambda d: monthly(d, "m806_atl.xlsx", [*MONTHLY_OK, ["Атлантида", 1, 2, 3, 4, 5, 6]]),
    says=("m806_atl.xlsx", "'рублей'", "Атлантида"))
add("806 bulletin, month 13", lambda d: monthly(d, "m806_m13.xlsx", MONTHLY_OK, months=("январь", "тринадцатябрь", "март")),
    says=("m806_m13.xlsx",))
add("806 bulletin, -5e300 and inf",
    lambda d: monthly(d, "m806_huge.xlsx", [MONTHLY_OK[0], ["Калужская область", -5e300, "inf", 9, 10, 11, 12]]),
    says=("m806_huge.xlsx", "'рублей'"))
add("806 bulletin, duplicate region", lambda d: monthly(d, "m806_dup.xlsx", [*MONTHLY_OK, MONTHLY_OK[1]]),
    says=("m806_dup.xlsx", "'рублей'", "row 7, column B", "second figure for RU-KLU"))


# --- EMISS exports ------------------------------------------------------------------------------------------


def emiss(d: Path, name: str, data: list[list], updated: str = "08.02.2023") -> Path:
    from tests.etl.sources.test_emiss import export

    return export(d / name, data, updated=updated)


EMISS_OK = [["Инвестиции SYNTHETIC (тысяча рублей)", "", "", ""], ["", "", "", ""],
            ["", "", "2007", "2008"], ["", "", "значение показателя за год", "значение показателя за год"],
            ["Российская Федерация", "Охрана воздуха", 10.5, 11],
            ["        Калужская область", "Охрана воздуха", 0.38, 721.9]]
add("EMISS export (legitimate)", lambda d: emiss(d, "emiss_ok.xlsx", EMISS_OK), code=LOADED)
add("EMISS, unknown region", lambda d: emiss(d, "emiss_atl.xlsx", [*EMISS_OK, ["Атлантида", "Охрана воздуха", 1, 2]]),
    says=("emiss_atl.xlsx", "'Данные'", "Атлантида"))
add("EMISS, impossible update date 45.13.2020",
    lambda d: emiss(d, "emiss_date.xlsx", [*EMISS_OK, ["Атлантида", "Охрана воздуха", 1, 2]], updated="45.13.2020"),
    says=("emiss_date.xlsx",))
add("EMISS, NaN and -inf text", lambda d: emiss(d, "emiss_nan.xlsx", [*EMISS_OK[:5], ["        Калужская область",
                                                                               "Охрана воздуха", "NaN", "-inf"]]),
    says=("emiss_nan.xlsx", "'Данные'"))
add("EMISS, formula in a label", lambda d: emiss(d, "emiss_formula.xlsx", [*EMISS_OK, ["=1+1", "Охрана воздуха", 1, 2]]),
    says=("emiss_formula.xlsx", "'Данные'"))
add("EMISS, year 2020-13-45", lambda d: emiss(d, "emiss_year.xlsx", [*EMISS_OK[:2], ["", "", "2020-13-45", "2008"],
                                                                         *EMISS_OK[3:]]),
    says=("emiss_year.xlsx",))


# --- Bank of Russia CPI ---------------------------------------------------------------------------------------


def cbr(d: Path, name: str, rows: list[list], dates=None) -> Path:
    from tests.etl.sources.test_cbr_cpi import YOY

    dates = dates or [dt.datetime(2025, m, 1) for m in (1, 2, 3)]
    return write_workbook(d / name, {"гг": [[YOY, *dates], *rows, [None], ["1 - SYNTHETIC footnote."]]})


CBR_OK = [["Россия", 9.9, 10.1, 10.3], ["Калужская область", 10.6, "…", 8.37]]
add("CBR CPI (legitimate)", lambda d: cbr(d, "cbr_ok.xlsx", CBR_OK), code=LOADED)
add("CBR CPI, unknown region", lambda d: cbr(d, "cbr_atl.xlsx", [*CBR_OK, ["Атлантида", 1, 2, 3]]),
    says=("cbr_atl.xlsx", "'гг'", "Атлантида"))
add("CBR CPI, date not the first of a month",
    lambda d: cbr(d, "cbr_day.xlsx", CBR_OK, [dt.datetime(2025, 1, 1), dt.datetime(2025, 2, 15), dt.datetime(2025, 3, 1)]),
    says=("cbr_day.xlsx", "'гг'", "C"))
add("CBR CPI, -5e300 and NaN", lambda d: cbr(d, "cbr_huge.xlsx", [["Калужская область", -5e300, "NaN", 1]]),
    says=("cbr_huge.xlsx", "'гг'"))
add("CBR CPI, duplicate region", lambda d: cbr(d, "cbr_dup.xlsx", [*CBR_OK, CBR_OK[1]]),
    says=("cbr_dup.xlsx", "duplicate"))


# --- CSVs: encodings, NUL, long fields, cluster records ----------------------------------------------------------

COMPANY_HEADER = ("name_ru", "name_en", "city_or_park", "parent_company", "parent_country", "kind",
                  "year_opened_or_joined", "products_or_therapy_areas", "jobs", "source_url", "quote", "company_key")


def company(**cells: str) -> list[str]:
    base = {"name_ru": "SYNTHETIC Фарм", "name_en": "SYNTHETIC Pharm", "city_or_park": "Kaluga",
            "kind": "manufacturer", "year_opened_or_joined": "2012", "jobs": "100",
            "source_url": "https://example.org/synthetic", "quote": "SYNTHETIC quote", "company_key": "synthetic_pharm"}
    return [(base | cells).get(column, "") for column in COMPANY_HEADER]


add("cluster companies (legitimate)", lambda d: write_csv_rows(d / "companies.csv", COMPANY_HEADER, [company()]),
    code=LOADED)
add("cluster companies in cp1251", lambda d: write_csv_rows(d / "companies_1251.csv", COMPANY_HEADER, [company()],
                                                            encoding="cp1251"),
    says=("companies_1251.csv", "UTF-8"))
add("cluster companies in UTF-16", lambda d: write_csv_rows(d / "companies_16.csv", COMPANY_HEADER, [company()],
                                                            encoding="utf-16"),
    says=("companies_16.csv", "UTF-8"))
add("cluster companies, NUL byte", lambda d: text_file(
    d / "companies_nul.csv", ",".join(COMPANY_HEADER) + "\n" + ",".join(company(name_ru="Фарм\x00")) + "\n"),
    says=("companies_nul.csv",))
add("cluster companies, 100,000-character name",
    lambda d: write_csv_rows(d / "companies_long.csv", COMPANY_HEADER, [company(name_ru="я" * 100_000)]),
    says=("companies_long.csv", "row 2", "name_ru"))
add("cluster companies, 200,000-character field (over csv's limit)",
    lambda d: write_csv_rows(d / "companies_huge.csv", COMPANY_HEADER, [company(quote="q" * 200_000)]),
    says=("companies_huge.csv",))
add("cluster companies, duplicate key",
    lambda d: write_csv_rows(d / "companies_dup.csv", COMPANY_HEADER, [company(company_key="dup_co"), company(name_en="Other", company_key="dup_co")]),
    code=LOADED)  # NOTE: records are keyed by content and source: two records of one company are legitimate
add("cluster companies, ragged row",
    lambda d: write_csv_rows(d / "companies_ragged.csv", COMPANY_HEADER, [[*company(), "extra", "cells"]]),
    says=("companies_ragged.csv", "row 2"))
add("cluster companies, impossible year",
    lambda d: write_csv_rows(d / "companies_year.csv", COMPANY_HEADER, [company(year_opened_or_joined="2020-13-45")]),
    says=("companies_year.csv", "row 2"))
add("cluster companies, formula and script in name",
    lambda d: write_csv_rows(d / "companies_script.csv", COMPANY_HEADER,
                             [company(name_en="=cmd|' /C calc'!A0 <script>alert(1)</script> [/bold]")]),
    says=("companies_script.csv", "row 2, column name_en", "looks like a spreadsheet formula", "[/bold]"))
add("cluster companies, script and markup in name (stored as text, legitimate)",
    lambda d: write_csv_rows(d / "companies_html.csv", COMPANY_HEADER,
                             [company(name_en="<script>alert(1)</script> [/bold] SYNTHETIC", company_key="html_co")]),
    code=LOADED)
add("cluster companies, javascript: URL",
    lambda d: write_csv_rows(d / "companies_js.csv", COMPANY_HEADER, [company(source_url="javascript:alert(1)")]),
    says=("companies_js.csv", "row 2", "source_url"))

INVESTMENT_HEADER = ("company", "amount", "currency", "year_or_period", "status", "scope", "note", "source_url",
                     "quote", "company_key")


def investment(**cells: str) -> list[str]:
    base = {"company": "Acme SYNTHETIC", "amount": "10", "currency": "mln RUB", "year_or_period": "2014",
            "status": "made", "source_url": "https://example.org/a", "quote": "SYNTHETIC q", "company_key": "acme"}
    return [(base | cells).get(column, "") for column in INVESTMENT_HEADER]


for label, amount in (("NaN", "NaN"), ("inf", "inf"), ("-5e300", "-5e300"), ("1e400", "1e400"), ("negative", "-10")):
    add(f"cluster investments, amount {label}",
        lambda d, a=amount, n=label: write_csv_rows(d / f"investments_{n}.csv", INVESTMENT_HEADER, [investment(amount=a)]),
        says=(f"investments_{label}.csv", "row 2", "amount"))
add("cluster investments, year 2020-13-45",
    lambda d: write_csv_rows(d / "investments_date.csv", INVESTMENT_HEADER, [investment(year_or_period="2020-13-45")]),
    says=("investments_date.csv", "row 2"))

add("cluster indicators, value 1e309 and a NUL-free 100,000-char note",
    lambda d: write_csv_rows(d / "indicators_huge.csv", ("year", "indicator", "value", "unit", "scope", "note",
                                                         "source_url", "quote"),
                             [["2015", "jobs SYNTHETIC", "1e309", "jobs", "cluster", "n" * 100_000,
                               "https://example.org/i", "SYNTHETIC"]]),
    says=("indicators_huge.csv", "row 2"))
add("cluster events, date 2020-13-45",
    lambda d: write_csv_rows(d / "events_date.csv", ("date", "event_type", "company", "description", "location",
                                                     "source_url", "quote", "company_key"),
                             [["2020-13-45", "agreement", "Acme", "SYNTHETIC", "Kaluga", "https://example.org/e", "q",
                               "acme"]]),
    says=("events_date.csv", "row 2", "date"))
add("cluster sources, NUL in a URL",
    lambda d: text_file(d / "sources_nul.csv", "source_url,rows,files\nhttps://example.org/\x00x,1,companies\n"),
    says=("sources_nul.csv",))

PANEL = ("region_rus", "year", "grp", "invest")
add("panel CSV, NaN/inf/-5e300",
    lambda d: write_csv_rows(d / "panel_bad.csv", PANEL, [["Калужская область", "2015", "NaN", "inf"],
                                                         ["Тульская область", "2015", "-5e300", "1"]]),
    says=("panel_bad.csv",))
add("panel CSV, year 20201 and unknown region",
    lambda d: write_csv_rows(d / "panel_year.csv", PANEL, [["Калужская область", "20201", "1", "2"],
                                                          ["Атлантида", "2015", "1", "2"]]),
    says=("panel_year.csv",))
add("panel CSV, formula in a region", lambda d: write_csv_rows(d / "panel_formula.csv", PANEL,
                                                              [["=HYPERLINK(\"x\")", "2015", "1", "2"]]),
    says=("panel_formula.csv",))


# --- the interview, reference and extract folders ---------------------------------------------------------------

add("interview in cp1251", lambda d: text_file(d / "interview_1251.txt", "Интервью SYNTHETIC".encode("cp1251")),
    says=("interview_1251.txt", "UTF-8"))
add("interview, empty", lambda d: text_file(d / "interview_empty.txt", b""), says=("interview_empty.txt",))
add("interview, NUL bytes", lambda d: text_file(d / "interview_nul.txt", b"SYNTHETIC\x00\x00"),
    says=("interview_nul.txt",))


@case("reference folder with a duplicate region code", says=("duplicate regions row",), file_only=True)
def _reference_dup(d: Path) -> Path:
    folder = d / "reference"
    shutil.copytree(REFERENCE_DIR, folder)
    lines = (folder / "regions.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "regions.csv").write_text("".join([*lines, lines[1]]), encoding="utf-8")
    return folder


@case("reference folder with a cp1251 regions.csv", says=("regions.csv",), file_only=True)
def _reference_1251(d: Path) -> Path:
    folder = d / "reference"
    shutil.copytree(REFERENCE_DIR, folder)
    text = (folder / "regions.csv").read_text(encoding="utf-8")
    (folder / "regions.csv").write_bytes(text.encode("cp1251", "replace"))
    return folder


@case("extract folder, provenance not JSON", says=("provenance",), file_only=True)
def _extract_bad_json(d: Path) -> Path:
    folder = d / "extract_bad"
    folder.mkdir()
    (folder / "provenance.json").write_text("{not json")
    return folder


@case("extract folder, provenance without fields", says=("extract_empty",), file_only=True)
def _extract_empty(d: Path) -> Path:
    folder = d / "extract_empty"
    folder.mkdir()
    (folder / "provenance.json").write_text("{}")
    return folder


@case("extract folder, table path escapes the folder", says=("extract_escape",), file_only=True)
def _extract_escape(d: Path) -> Path:
    folder = d / "extract_escape"
    folder.mkdir()
    (folder / "provenance.json").write_text(
        '{"adapter": "cluster_sources", "edition": null, "source_file": "x", '
        '"tables": {"sources": {"file": "../../../../../../etc/passwd", "rows": 1}}}')
    return folder


def renamed_sheet(path: Path, name: str) -> Path:
    """The raw workbook's sheet "S" renamed to `name` (which Excel and openpyxl would not allow)."""
    with zipfile.ZipFile(path) as source:
        parts = {i.filename: source.read(i) for i in source.infolist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'name="S"', f'name="{name}"'.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    return path


# --- helpers used above -----------------------------------------------------------------------------------------

GRP_TAIL = [["Российская Федерация1)", 1000.5, 1100.5], ["Тульская область", 13.3, "…"]]


def grp_rows_with(*extra: list) -> list[list]:
    from tests.hostile.builders import grp_rows

    return grp_rows(*extra)


def write_rr_workbook_title(path: Path, title: str = "ОБЪЁМ SYNTHETIC ПОКАЗАТЕЛЯ", unit: str = "единиц",
                            value: float = 1.5) -> Path:
    from tests.fixtures import rr_table, write_rr_workbook

    return write_rr_workbook(path, rr_table(title, unit, (2016, 2017), [["Калужская область", value, 2.5],
                                                                            ["Тульская область", 3, 4]],
                                            number="9.99."))
