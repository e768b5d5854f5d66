"""Sources shaping over the bundled database: citing rows per URL, extract provenance, load history."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import queries
from dashboard.model.export import frame_csv
from dashboard.model.loads import loaded_files
from dashboard.sources_data import (
    CITING_TABLES,
    INTERVIEW_URL,
    PUBLISHER_COUNT_COLUMNS,
    citation_counts,
    citations,
    edition_codes,
    extract_records,
    filter_summary,
    host,
    is_bundled,
    load_history,
    publisher_counts,
    row_label,
    source_summary,
    summary_frame,
)
from etl.paths import EXTRACTS_DIR


@pytest.fixture
def frames(atlas_app):
    with atlas_app.server.app_context():
        yield {"sources": queries.sources(), "loads": queries.loads(), "events": queries.events(),
               "investments": queries.investments(), "products": queries.products(),
               "company_records": queries.company_records(), "cluster_indicators": queries.cluster_indicators()}


@pytest.fixture
def cites(frames) -> pd.DataFrame:
    return citations(frames)


@pytest.fixture
def counts(atlas_app) -> dict[str, dict[str, int]]:
    with atlas_app.server.app_context():
        return citation_counts(queries.citing_rows())


@pytest.fixture
def rows(frames, counts) -> list[dict]:
    return source_summary(frames["sources"], counts)


@pytest.fixture
def summary(rows) -> pd.DataFrame:
    return summary_frame(rows)


def test_rows_counted_in_sql_are_the_citing_rows(counts, cites):
    assert counts == citation_counts((table, url, 1) for table, url in zip(cites["table"], cites["url"], strict=True))


def test_summary_is_most_cited_first_and_counts_an_unlisted_address(frames, counts, rows):
    order = [(-r["rows"], r["publisher"], r["url"]) for r in rows]
    assert order == sorted(order)
    extra = source_summary(frames["sources"], {**counts, "https://unlisted.example/": {"events": 2}})
    unlisted = next(r for r in extra if r["url"] == "https://unlisted.example/")
    assert (unlisted["listed"], unlisted["rows"], unlisted["publisher"]) == (False, 2, "unlisted.example")
    assert len(extra) == len(rows) + 1


def test_every_citing_row_is_counted_once(frames, cites):
    counts = cites.groupby("table").size().to_dict()
    assert counts == {table: len(frames[table]) for table in CITING_TABLES}
    assert counts == {"events": 82, "investments": 50, "products": 27, "company_records": 43,
                      "cluster_indicators": 76}
    assert not cites.duplicated(["table", "record_key"]).any()


def test_every_cited_url_is_in_the_summary_with_counts_per_table(summary, cites):
    assert set(cites["url"]) <= set(summary["url"])
    assert summary["rows"].sum() == len(cites)
    assert summary["listed"].all()  # every URL a row cites is in the source list
    assert len(summary) == 119


def test_interview_is_a_bundled_text_with_its_rows(summary):
    interview = summary.set_index("url").loc[INTERVIEW_URL]
    assert interview["bundled"] and is_bundled(INTERVIEW_URL)
    assert (interview["events"], interview["products"], interview["cluster_indicators"]) == (5, 13, 7)
    assert interview["rows"] == interview["cited_rows"] == 25
    assert host(INTERVIEW_URL) is None


def test_a_source_lists_which_rows_of_which_tables_cite_it(summary, cites):
    novo = "https://investkaluga.com/en/media/stories/novo-nordisk/"
    row = summary.set_index("url").loc[novo]
    assert (row["events"], row["investments"], row["company_records"], row["rows"]) == (5, 1, 1, 7)
    labels = cites[cites["url"] == novo]
    assert set(labels["table"]) == {"events", "investments", "company_records"}
    # Figures are kept exactly as written in the labels.
    assert any(">8 bn RUB" in label for label in labels["label"])


def test_row_labels_keep_values_as_written():
    label = row_label("cluster_indicators", {"indicator": "production", "year_raw": "2020 (target)",
                                             "value_raw": "80-100", "unit": "bn RUB"})
    assert label == "production, 2020 (target): 80-100 bn RUB"
    assert row_label("investments", {"company_label": "X", "amount_raw": "~100", "currency_raw": "mln USD",
                                     "period_raw": "", "status": "made"}) == "X: ~100 mln USD made"


def test_filters_and_publisher_counts(rows):
    shown = summary_frame(filter_summary(rows, "investkaluga", None))
    assert len(shown) >= 8 and shown["url"].str.contains("investkaluga").all()
    products = summary_frame(filter_summary(rows, None, ["products"]))
    assert (products["products"] > 0).all() and products["products"].sum() == 27
    counts = pd.DataFrame(publisher_counts(rows, top=5), columns=PUBLISHER_COUNT_COLUMNS)
    assert counts["publisher"].nunique() == 5
    top = counts.groupby("publisher")["count"].sum().sort_values(ascending=False)
    assert top.index[0] == "investkaluga.com"
    only_events = pd.DataFrame(publisher_counts(rows, ["events"], top=500), columns=PUBLISHER_COUNT_COLUMNS)
    assert set(only_events["table"]) == {"events"} and only_events["count"].sum() == 82


@pytest.fixture
def extracts(atlas_app) -> pd.DataFrame:
    return extract_records(loaded_files(queries_engine(atlas_app)).frame())


def queries_engine(atlas_app):
    with atlas_app.server.app_context():
        return queries.engine()


def test_every_bundled_extract_is_listed_from_the_loads_table(extracts):
    records = extracts.assign(name=extracts["file_name"].str.rsplit("/", n=1).str[-1]).set_index("name")
    folders = {p.name for p in EXTRACTS_DIR.iterdir() if p.is_dir()}
    assert folders <= set(records.index)
    grp = records.loc["rr2019_s09_grp"]
    assert grp["status"] == "applied" and grp["edition"] == "RR-2019"
    assert "observations: 13632" in grp["tables"]
    assert grp["source_path"].endswith("rr2019_s09_grp")


def test_editions_and_load_history(frames, extracts):
    codes = edition_codes(frames["loads"], extracts)
    assert {"RR-2019", "RR-2021", "806-2016-01"} <= set(codes)
    history = load_history(frames["loads"])
    assert list(history.columns[:5]) == ["id", "file_name", "adapter", "edition", "status"]
    assert history["id"].is_monotonic_decreasing and (history["status"] == "applied").all()
    assert history["started_at"].str.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$").all()
    assert history["rows_added"].sum() > 100_000


def test_csv_export_is_formula_safe():
    text = frame_csv(pd.DataFrame({"title": ["=cmd", "ok"], "rows": [1, 2]}))
    assert text.splitlines() == ["\ufefftitle,rows", "'=cmd,1", "ok,2"]


def test_download_buttons_return_csv(client):
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    for output, expected in (("sources-download-sources.data", "url,title,publisher"),
                             ("sources-download-loads.data", "id,file_name,adapter"),
                             ("sources-download-rows.data", "url,table,record_key,label")):
        callback = next(c for c in dependencies if c["output"] == output)
        payload = {"output": output, "outputs": {"id": output.split(".")[0], "property": "data"},
                   "inputs": [{"id": i["id"], "property": i["property"], "value": 1} for i in callback["inputs"]],
                   "state": [{"id": s["id"], "property": s["property"], "value": None} for s in callback["state"]],
                   "changedPropIds": [f"{callback['inputs'][0]['id']}.n_clicks"]}
        response = client.post("/_dash-update-component", json=payload)
        assert response.status_code == 200, output
        content = json.loads(response.data)["response"][output.split(".")[0]]["data"]["content"]
        assert content.removeprefix("\ufeff").startswith(expected), output


@pytest.mark.parametrize(("search", "tables", "traces"), [
    ("", [], 5), ("investkaluga", [], None), ("", ["products"], 1), ("no such source", [], 0)])
def test_chart_callback_returns_valid_figures(client, search, tables, traces):
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    callback = next(c for c in dependencies if "sources-chart-graph.figure" in c["output"])
    outputs = []
    for part in callback["output"].strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        outputs.append({"id": json.loads(cid) if cid.startswith("{") else cid, "property": prop})
    values = {"sources-search": search, "sources-tables": tables}
    payload = {"output": callback["output"], "outputs": outputs,
               "inputs": [{"id": i["id"], "property": i["property"], "value": values[i["id"]]}
                          for i in callback["inputs"]],
               "state": [{"id": "sources-lang", "property": "data", "value": "en"}], "changedPropIds": []}
    response = json.loads(client.post("/_dash-update-component", json=payload).data)["response"]
    figure = go.Figure(response["sources-chart-graph"]["figure"])  # full plotly validation
    if traces is None:  # a search: only the matching publisher's bars
        assert figure.data and {y for trace in figure.data for y in trace.y} == {"investkaluga.com"}
    else:
        assert len(figure.data) == traces
    if figure.data:
        assert figure.data[0].type == "bar" and figure.layout.barmode == "stack"
