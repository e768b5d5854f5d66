"""Chart exports (dashboard/exports.py, dashboard/model/export.py): the CSV and XLSX of a chart are its rows, with
names, units and sources; numbers stay numbers; hostile text never becomes a formula. The database is the SYNTHETIC
fixture (tests/dashboard/model/fixtures.py) on SQLite and PostgreSQL; the rows below are made up for the tests."""

from __future__ import annotations

import base64
import csv
import io
import json

import openpyxl
import pandas as pd
import pytest

from dashboard import api
from dashboard.components import chart_result, source_line
from dashboard.exports import ChartView, api_view, chart_csv, export_frame, page_filename, workbook, xlsx_download
from dashboard.model.export import BOM, Sheet, sheet_name, xlsx_bytes
from dashboard.model.safety import FORMULA_STARTS, grid_export_params, needs_guard
from tests.dashboard.model.fixtures import (
    HOSTILE,
    SYNTHETIC_INDICATOR,
    UNKNOWN_EDITION,
    WEB_SOURCE,
    model_engine,  # noqa: F401 (a fixture)
)

# The cases the issue names, plus the fixture's: a formula, DDE, a function, tab and CR before "=".
CASES = ("=1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1", "+7", *HOSTILE)
URL = "http://127.0.0.1:8050/products?company=synthetic_0&chart=tree&lang=en"


def _stored(frame: pd.DataFrame, unit: str = "products", filename: str = "x.csv", lang: str = "en") -> dict:
    """The card store exactly as a chart callback leaves it (chart_result), through JSON like the browser's."""
    sources = source_line([("Synthetic news", WEB_SOURCE), ("Interview (bundled file)", None)], lang)
    _figure, _source, _unit, data = chart_result({"data": [], "layout": {}}, frame, sources, unit, filename)
    data["lang"] = lang
    return json.loads(json.dumps(data))


def _hostile_frame() -> pd.DataFrame:
    # SYNTHETIC rows: hostile names beside numbers, a negative number and a missing one.
    return pd.DataFrame({
        "company": list(CASES),
        "products": list(range(1, len(CASES) + 1)),
        "share": [-2.5] + [0.25] * (len(CASES) - 2) + [None],
    })


@pytest.fixture
def client(model_engine):  # noqa: F811
    """The real app over the SYNTHETIC database (its callbacks answer the posts below)."""
    from dashboard.app import create_app

    return create_app(model_engine, {"CACHE_TYPE": "SimpleCache"}).server.test_client()


def _read_xlsx(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def _text(value: object) -> object:
    # OOXML writes a carriage return in text as "_x000D_" (Excel reads it back as CR); openpyxl leaves it escaped.
    return value.replace("_x000D_", "\r") if isinstance(value, str) else value


# --- the guard --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", CASES)
def test_every_hostile_start_needs_the_guard(text):
    assert needs_guard(text) and text.startswith(FORMULA_STARTS)


@pytest.mark.parametrize("value", ["Kaluga", "", "2+2", " =1", -2.5, 3, None])
def test_plain_text_and_numbers_need_no_guard(value):
    assert not needs_guard(value)


def test_ag_grid_export_guards_cells_and_headers_by_the_same_rule():
    params = grid_export_params("x.csv")
    starts = json.dumps("".join(FORMULA_STARTS))
    assert params["processCellCallback"]["function"] == f"guardFormulaCell(params, {starts})"
    assert params["processHeaderCallback"]["function"] == f"guardFormulaHeader(params, {starts})"


# --- CSV --------------------------------------------------------------------------------------------------------


def test_chart_csv_has_a_bom_guarded_cells_and_headers_and_plain_numbers():
    frame = _hostile_frame().rename(columns={"share": "=share"})
    text = chart_csv(_stored(frame), None)
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))
    assert rows[0] == ["company", "products", "'=share", "unit"]
    assert [r[0] for r in rows[1:]] == ["'" + c for c in CASES]
    assert [r[1] for r in rows[1:]] == [str(n) for n in range(1, len(CASES) + 1)]
    assert rows[1][2] == "-2.5"  # a negative number is a number, not a guarded text
    assert rows[-1][2] == ""  # missing stays empty
    assert {r[3] for r in rows[1:]} == {"products"}  # the chart's unit travels with every row


def test_chart_csv_read_by_pandas_equals_the_rows_shown():
    frame = _hostile_frame()
    read = pd.read_csv(io.StringIO(chart_csv(_stored(frame), None)), encoding="utf-8-sig")
    assert read["products"].tolist() == frame["products"].tolist()
    assert read["share"].tolist()[:-1] == frame["share"].tolist()[:-1] and pd.isna(read["share"].iloc[-1])
    assert read["company"].tolist() == ["'" + c for c in CASES]


def test_csv_of_rosstat_rows_names_indicator_unit_period_kind_edition_and_source(model_engine):  # noqa: F811
    frame = pd.DataFrame({
        "indicator_code": ["grp", "grp", SYNTHETIC_INDICATOR],
        "region_code": ["RU-KLU", "RU-KLU", "RU-KLU"],
        "period": ["2017", "2017-YTD09", "2017"],
        "value": [2170.5, 2171.5, -2.5],
        "edition": ["RR-2019", "RR-2021", UNKNOWN_EDITION],
        "transform": ["published"] * 3,
    })
    data = _stored(frame, unit="mln RUB", filename="grp_line.csv")
    rows = list(csv.DictReader(io.StringIO(chart_csv(data, model_engine).removeprefix(BOM), newline="")))
    assert [r["indicator_name"] for r in rows[:2]] == ["Gross regional product"] * 2
    assert rows[2]["indicator_name"] == "'" + HOSTILE[0]  # a hostile catalogue name is guarded too
    assert [r["period_kind"] for r in rows] == ["year", "ytd", "year"]
    assert {r["unit"] for r in rows} == {"mln RUB"}
    assert [r["transform"] for r in rows] == ["published"] * 3
    assert rows[0]["edition_title"] and rows[0]["edition_title"] != "RR-2019"
    assert rows[2]["edition_title"] == UNKNOWN_EDITION  # an edition the table does not know: its code
    assert [float(r["value"]) for r in rows] == [2170.5, 2171.5, -2.5]
    assert list(rows[0])[:4] == ["indicator_code", "indicator_name", "region_code", "period"]
    assert "source_url" in rows[0]


# --- XLSX -------------------------------------------------------------------------------------------------------


def test_xlsx_data_sheet_is_typed_with_units_in_headers_a_frozen_header_and_widths():
    frame = _hostile_frame()
    view = ChartView.from_browser({"title": "Products by company", "unit": "products",
                                   "source": "Sources: Synthetic news", "links": [
                                       {"label": "Synthetic news", "url": WEB_SOURCE}]}, "products-by-company")
    book = _read_xlsx(workbook([(view, _stored(frame))], None, "en", URL))
    assert book.sheetnames == ["Data", "About"]
    sheet = book["Data"]
    header = [c.value for c in sheet[1]]
    assert header == ["company", "products, products", "share, products", "unit"]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width > 8
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [_text(v[0]) for v in values] == list(CASES)  # text exactly as written ...
    for row in sheet.iter_rows(min_row=2, max_col=1):
        assert row[0].data_type == "s" and row[0].quotePrefix  # ... and written as text, never a formula
    assert [v[1] for v in values] == list(range(1, len(CASES) + 1))
    assert all(sheet.cell(row=r, column=2).data_type == "n" for r in range(2, len(CASES) + 2))
    assert sheet["C2"].value == -2.5 and sheet["C2"].data_type == "n" and not sheet["C2"].quotePrefix
    assert sheet.cell(row=len(CASES) + 1, column=3).value is None


def test_xlsx_writer_keeps_every_kind_of_cell_and_every_digit():
    """The data sheet's own row writer (model/export.py renders rows to XML): each kind of value read back as it was
    written; SYNTHETIC values."""
    import datetime as dt

    import numpy as np

    long_text = "ж" * 40_000  # more than a cell holds: cut to Excel's 32,767, never lost as a whole
    rows = [
        (0.1 + 0.2, 1 / 3, -2.5, 10**15 + 1, True, False),  # 0.30000000000000004 keeps its 17th digit
        (np.float64(2.5), np.int64(7), np.bool_(True), pd.NA, float("nan"), float("inf")),
        ("=1+1", "\t=1", "plain", "", None, "line\nbreak & <tag> \"q\""),
        (dt.date(2017, 3, 1), "  spaced  ", "\x01ctrl", long_text, "plain", "=1+1"),
        ("short row",),
    ]
    header = ["a", "=b", "c", "d", "e", "f"]
    book = _read_xlsx(xlsx_bytes([Sheet("Data", header, rows), Sheet("Second", ["x"], [("plain",), (1.5,)])]))
    sheet = book["Data"]
    assert [c.value for c in sheet[1]] == header and sheet["B1"].quotePrefix and sheet["B1"].font.b
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_col=6)]
    assert values[0] == [0.1 + 0.2, 1 / 3, -2.5, 10**15 + 1, True, False]
    assert values[1] == [2.5, 7, True, None, None, None]  # missing and non-finite: empty cells
    assert [_text(v) for v in values[2]] == ["=1+1", "\t=1", "plain", None, None, "line\nbreak & <tag> \"q\""]
    # (a control character is written as OOXML's _xHHHH_ escape, which Excel reads back as the character)
    assert values[3][:3] == ["2017-03-01", "  spaced  ", "_x0001_ctrl"] and values[3][5] == "=1+1"
    assert values[3][3] == long_text[:32_767]
    assert values[4] == ["short row", None, None, None, None, None]
    guarded = {c.coordinate for row in sheet.iter_rows(min_row=2) for c in row if c.quotePrefix}
    assert guarded == {"A4", "B4", "F5"}
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert sheet.max_row == 6 and sheet.max_column == 6 and sheet.freeze_panes == "A2"
    assert [c.value for c in book["Second"]["A"]] == ["x", "plain", 1.5]  # one shared-string table, two sheets


def test_xlsx_never_holds_a_formula_anywhere():
    frame = _hostile_frame().rename(columns={"company": "=HYPERLINK(\"x\")"})
    content = workbook([(ChartView.from_browser({"title": "=1+1", "source": "@SUM(A1)"}, "c"), _stored(frame))],
                       None, "en", URL)
    for sheet in _read_xlsx(content):
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    data = _read_xlsx(content)["Data"]
    assert data["A1"].value == "=HYPERLINK(\"x\")" and data["A1"].data_type == "s" and data["A1"].quotePrefix


def test_about_sheet_names_title_filters_sources_units_editions_loads_licences_and_url(model_engine):  # noqa: F811
    frame = pd.DataFrame({"region_code": ["RU-KLU", "RU-MOW"], "period": ["2017", "2017"],
                          "value": [2170.5, 1170.5], "edition": ["RR-2019", "RR-2019"], "load_id": [None, None]})
    with model_engine.connect() as conn:
        load_id = conn.exec_driver_sql("SELECT max(id) FROM loads WHERE status = 'applied'").scalar_one()
    frame["load_id"] = [load_id, load_id]
    view = ChartView.from_browser({"title": "Kaluga and Russia", "unit": "mln RUB", "source": "Source: Rosstat",
                                   "links": [{"label": "Synthetic news", "url": WEB_SOURCE}]}, "overview-compare")
    content = workbook([(view, _stored(frame, unit="mln RUB", lang="ru"))], model_engine, "ru",
                       "http://127.0.0.1:8050/?compare=grp&lang=ru")
    book = _read_xlsx(content)
    assert book.sheetnames == ["Данные", "О данных"]
    about = {row[0]: row[1] for row in book["О данных"].iter_rows(values_only=True) if row[0]}
    assert about["График"] == "Kaluga and Russia"
    assert about["Единица измерения"] == "mln RUB"
    assert about["Адрес этого вида"] == "http://127.0.0.1:8050/?compare=grp&lang=ru"
    assert about["Фильтры"] == "compare = grp"
    assert about["Строк данных"] == 2
    assert about["Synthetic news"] == WEB_SOURCE
    assert about["Строка источника (как на графике)"] == "Source: Rosstat"
    assert about["Издания: RR-2019"].startswith("Регионы России")
    assert f"Загрузка {load_id}" in about and "UTC" in about[f"Загрузка {load_id}"]
    assert "Общее правило" in about and "Выгружено (UTC)" in about
    assert [c.value for c in book["Данные"][1]][:4] == ["region_code", "period", "period_kind", "value, mln RUB"]


def test_page_pack_has_a_sheet_per_chart_and_one_about_sheet():
    first = _hostile_frame()
    second = pd.DataFrame({"year": [2019, 2020], "events": [3, 5]})
    charts = [(ChartView.from_browser({"title": "Products by company"}, "a"), _stored(first)),
              (ChartView.from_browser({"title": "Products by company"}, "b"), _stored(second, unit="events")),
              (ChartView.from_browser({"title": "Events: by year / type?"}, "c"), _stored(second, unit="events"))]
    book = _read_xlsx(workbook(charts, None, "en", URL))
    assert book.sheetnames == ["Products by company", "Products by company (2)", "Events  by year   type",
                               "About"]
    assert [c.value for c in book["Products by company (2)"]["A"]][1:] == [2019, 2020]
    assert [c.value for c in book["Events  by year   type"]["B"]] == ["events, events", 3, 5]
    titles = [row[0] for row in book["About"].iter_rows(values_only=True)]
    assert titles.count("Products by company") >= 2 and "Events: by year / type?" in titles


def test_empty_chart_still_exports_its_header_and_about():
    frame = pd.DataFrame({"company": pd.Series([], dtype=object), "products": pd.Series([], dtype="Int64")})
    book = _read_xlsx(workbook([(ChartView(card="c", title="Nothing"), _stored(frame))], None, "en", URL))
    assert [c.value for c in book["Data"][1]] == ["company", "products", "unit"]
    assert book["Data"].max_row == 1


def test_sheet_names_are_valid_and_unique():
    assert sheet_name("a" * 40) == "a" * 31
    assert sheet_name("Data", ["data"]) == "Data (2)"
    assert sheet_name("x[1]:y*?/\\z") == "x 1  y    z"
    assert sheet_name("''") == "Sheet"


def test_xlsx_download_is_base64_with_the_xlsx_type():
    payload = xlsx_download(xlsx_bytes([Sheet("Data", ["a"], [(1,)])]), "x.xlsx")
    assert payload["base64"] and payload["filename"] == "x.xlsx"
    assert _read_xlsx(base64.b64decode(payload["content"]))["Data"]["A2"].value == 1
    assert page_filename("http://h/products?x=1") == "products_charts.xlsx"
    assert page_filename("http://h/") == "overview_charts.xlsx"


def test_export_frame_is_the_stored_rows_in_order():
    frame = _hostile_frame()
    exported = export_frame(_stored(frame), None)
    assert exported["company"].tolist() == list(CASES)
    assert exported["products"].tolist() == frame["products"].tolist()


def test_chart_csv_callback_over_the_app(client):
    frame = _hostile_frame()
    data = _stored(frame)
    payload = {
        "output": '{"card":["MATCH"],"type":"chart-download"}.data',
        "outputs": {"id": {"card": "c", "type": "chart-download"}, "property": "data"},
        "inputs": [{"id": {"card": "c", "type": "chart-download-button"}, "property": "n_clicks", "value": 1}],
        "state": [{"id": {"card": "c", "type": "chart-data"}, "property": "data", "value": data}],
        "changedPropIds": ['{"card":"c","type":"chart-download-button"}.n_clicks'],
    }
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200
    content = json.loads(response.data)["response"]['{"card":"c","type":"chart-download"}']["data"]["content"]
    assert content == chart_csv(data, None)


def test_chart_xlsx_callback_over_the_app(client):
    data = _stored(_hostile_frame())
    request = {"cards": [{"card": "c", "title": "Products", "unit": "products", "source": "Sources: news"}],
               "url": URL, "lang": "en", "at": 1}
    payload = {
        "output": '{"card":["MATCH"],"type":"chart-xlsx-download"}.data',
        "outputs": {"id": {"card": "c", "type": "chart-xlsx-download"}, "property": "data"},
        "inputs": [{"id": {"card": "c", "type": "chart-xlsx-request"}, "property": "data", "value": request}],
        "state": [{"id": {"card": "c", "type": "chart-data"}, "property": "data", "value": data}],
        "changedPropIds": ['{"card":"c","type":"chart-xlsx-request"}.data'],
    }
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200
    body = json.loads(response.data)["response"]['{"card":"c","type":"chart-xlsx-download"}']["data"]
    assert body["filename"] == "x.xlsx" and body["base64"]
    book = _read_xlsx(base64.b64decode(body["content"]))
    assert [_text(c.value) for c in book["Data"]["A"]][1:] == list(CASES)
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row[0]}
    assert about["Chart"] == "Products" and about["Address of this view"] == URL


def test_a_card_whose_csv_is_the_api_exports_the_api_table_for_its_view(model_engine, client):  # noqa: F811
    href = api.link("observations", indicator="grp", region=["RU-KLU", "RU-MOW"], format="csv", limit=api.MAX_LIMIT)
    view = ChartView.from_browser({"title": "GRP", "unit": "mln RUB", "csv": href}, "indicators-chart")
    data = api_view(view, model_engine, "en")
    api_rows = list(csv.DictReader(io.StringIO(client.get(href).data.decode("utf-8-sig"), newline="")))
    assert len(data["rows"]) == len(api_rows) > 0
    book = _read_xlsx(workbook([(view, data)], model_engine, "en", "http://h/indicators?indicator=grp"))
    sheet = book["Data"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    value = next(h for h in header if h.startswith("value"))
    assert [r[value] for r in rows] == [float(r["value"]) if r["value"] else None for r in api_rows]
    assert [r["period"] for r in rows] == [r["period"] for r in api_rows]
    assert [r["edition_title"] for r in rows] == [r["edition_title"] for r in api_rows]
    # Only the API's own addresses are followed; anything else exports nothing.
    assert ChartView.from_browser({"csv": "https://example.org/x.csv"}, "c").csv == ""
    assert api_view(ChartView(card="c", csv="/api/v1/nope?x=1"), model_engine, "en") is None
    assert api_view(ChartView(card="c", csv="/api/v1/observations?indicator=grp&bad=1"), model_engine, "en") is None
