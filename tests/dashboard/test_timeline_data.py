"""Timeline shaping over the bundled events: precision as written, conflicting dates kept, filters."""

from __future__ import annotations

import json
import sys

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import queries
from dashboard.areas import companies_in_area, companies_in_area_rows
from dashboard.timeline_data import (
    consistent,
    date_span,
    family,
    filter_events,
    plot_rows,
    precision,
    shape_events,
    type_counts,
    year_bounds,
)

NOVO_OPENINGS = {"events:novo_nordisk:06d427b3e0:1": "2014-04-10", "events:novo_nordisk:8356fb5d47:2": "2015-04",
                 "events:novo_nordisk:edc1dc5920:1": "2015-04", "events:novo_nordisk:1364480afa:1": "2015-04-13"}


@pytest.fixture
def frames(atlas_app):
    with atlas_app.server.app_context():
        yield {"events": queries.events(), "companies": queries.companies(), "products": queries.products(),
               "event_rows": queries.event_rows(), "company_rows": queries.company_rows()}


@pytest.fixture
def rows(frames) -> list[dict]:
    return shape_events(frames["event_rows"], frames["company_rows"])


@pytest.fixture
def events(rows) -> pd.DataFrame:
    """The shaped events as a frame, for the assertions."""
    return pd.DataFrame(rows)


def shown(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["record_key", "year", "planned", "event_type", "company_key"])


@pytest.mark.parametrize(("date", "kind", "start", "end"), [
    ("2012", "year", "2012-01-01", "2012-12-31"),
    ("2012-02", "month", "2012-02-01", "2012-02-29"),
    ("2014-04-10", "day", "2014-04-10", "2014-04-10"),
])
def test_a_written_date_covers_its_whole_period(date, kind, start, end):
    assert precision(date) == kind
    assert date_span(date) == (pd.Timestamp(start), pd.Timestamp(end))


def test_no_date_has_no_span():
    assert precision(None) is None and date_span(None) == (None, None)
    assert precision("") is None


def test_dates_agree_only_when_one_covers_the_other():
    assert consistent("2015-04", "2015-04-13") and consistent("2018", "2018-09")
    assert not consistent("2014-04-10", "2015-04")
    assert not consistent("2015-03", "2015-04")


def test_families_group_recorded_types():
    assert family("agreement (SPIC)") == "agreement"
    assert family("SEZ residency approval") == "institutional"
    assert family("plant opening") == "production"
    assert family("something new") == "other"


def test_every_bundled_event_is_kept_with_its_date_as_written(frames, events):
    assert len(events) == len(frames["events"]) == 82
    assert set(events["record_key"]) == set(frames["events"]["record_key"])
    novo = events.set_index("record_key").loc["events:novo_nordisk:06d427b3e0:1"]
    assert novo["date_raw"].startswith("2014-04-10 (as dated on page; other sources give April 2015)")
    # Precision is never raised: a year-only date spans the whole year.
    hemofarm = events.set_index("record_key").loc["events:hemofarm_stada:9f7142ea4b:1"]
    assert (hemofarm["precision"], hemofarm["start"], hemofarm["end"]) == (
        "year", pd.Timestamp("2006-01-01"), pd.Timestamp("2006-12-31"))
    undated = events[events["date"].isna()]
    assert len(undated) == 2 and undated["start"].isna().all()


def test_conflicting_opening_dates_are_all_kept_and_marked(events):
    marked = events[events["conflict"] != ""]
    assert dict(zip(marked["record_key"], marked["date"], strict=True)) == NOVO_OPENINGS
    assert set(marked["conflict"]) == {"novo_nordisk|plant opening|happened"}
    listing = marked["conflict_dates"].iloc[0]
    assert "2014-04-10" in listing and "2015-04" in listing and "tass.ru" in listing


def test_consistent_dates_of_one_event_are_not_a_conflict(events):
    # NIFKhI construction start: "2023-01" and "2023-01-20" agree.
    nifkhi = events[(events["company_key"] == "nifkhi_rosatom") & (events["event_type"] == "construction start")]
    assert sorted(nifkhi["date"]) == ["2023-01", "2023-01-20"]
    assert (nifkhi["conflict"] == "").all()


def test_filters(rows, frames):
    first, last = year_bounds(rows)
    assert (first, last) == (2004, 2027)
    in_range = shown(filter_events(rows, year_from=2014, year_to=2015, include_undated=False))
    assert in_range["year"].between(2014, 2015).all() and len(in_range) == 11
    planned = shown(filter_events(rows, status="planned"))
    assert planned["planned"].all() and len(planned) == int(frames["events"]["is_planned"].sum())
    happened = filter_events(rows, status="happened")
    assert len(planned) + len(happened) == len(rows)
    openings = shown(filter_events(rows, types=["plant opening"]))
    assert set(openings["event_type"]) == {"plant opening"} and len(openings) == 16
    # Company search matches the Russian name from the companies table as well as the label.
    assert set(shown(filter_events(rows, company="ново нордиск"))["company_key"]) == {"novo_nordisk"}
    assert set(shown(filter_events(rows, company="Novo"))["company_key"]) >= {"novo_nordisk"}
    assert len(filter_events(rows, include_undated=False)) == 80


def test_therapy_area_keeps_events_of_companies_in_the_area(rows, frames):
    keys = companies_in_area("endocrinology", frames["products"], frames["companies"])
    assert "novo_nordisk" in keys
    assert companies_in_area_rows("endocrinology", frames["products"].to_dict("records"),
                                  frames["company_rows"]) == keys
    in_area = shown(filter_events(rows, company_keys=keys))
    assert not in_area.empty and set(in_area["company_key"]) <= keys
    assert filter_events(rows, company_keys=None) == rows


def test_type_counts_and_plot_rows(rows):
    counts = type_counts(rows)
    assert sum(n for _, n in counts) == len(rows)
    assert dict(counts)["agreement"] == 22
    order, y = plot_rows(rows)
    dated = [r for r in rows if r["mid"] is not None]
    assert len(y) == len(dated) and set(order) == {r["event_type"] for r in dated}
    places = [order.index(r["event_type"]) for r in dated]
    # Spread events stay within their own row's band.
    assert all(abs(position - place) <= 0.4 for position, place in zip(y, places, strict=True))


def _outputs(output: str) -> list[dict]:
    """The outputs of a multi-output callback as Dash names them ('..a.b...c.d..')."""
    parts = output.strip(".").split("...")
    ids = [part.rsplit(".", 1) for part in parts]
    return [{"id": json.loads(i) if i.startswith("{") else i, "property": p} for i, p in ids]


def _chart_payload(client, **values) -> dict:
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    callback = next(c for c in dependencies if "timeline-chart-graph.figure" in c["output"])
    defaults = {"timeline-types": [], "timeline-years": [2004, 2027], "timeline-status": "all",
                "timeline-company": "", "global-area": None}
    defaults.update(values)
    return {"output": callback["output"], "outputs": _outputs(callback["output"]),
            "inputs": [{"id": i["id"], "property": i["property"], "value": defaults[i["id"]]}
                       for i in callback["inputs"]],
            "state": [{"id": "timeline-lang", "property": "data", "value": "en"}],
            "changedPropIds": []}


def test_chart_callback_draws_planned_hollow_and_conflicts_as_diamonds(client):
    response = client.post("/_dash-update-component", json=_chart_payload(client, **{"timeline-status": "planned"}))
    assert response.status_code == 200, response.data[:500]
    body = json.loads(response.data)["response"]
    figure = body["timeline-chart-graph"]["figure"]
    go.Figure(figure)  # the plain-dict figure passes plotly's full validation
    markers = [trace for trace in figure["data"] if trace.get("mode") == "markers"]
    symbols = [s for trace in markers for s in trace["marker"]["symbol"]]
    assert symbols and all(s.endswith("-open") for s in symbols)
    rows = body['{"card":"timeline-chart","type":"chart-data"}']["data"]["rows"]
    assert rows and all(row[4] for row in rows)  # every row shown is planned

    happened = json.loads(client.post("/_dash-update-component", json=_chart_payload(
        client, **{"timeline-company": "novo", "timeline-types": ["plant opening"]})).data)["response"]
    symbols = [s for trace in happened["timeline-chart-graph"]["figure"]["data"] if trace.get("mode") == "markers"
               for s in trace["marker"]["symbol"]]
    assert symbols.count("diamond") == 4


@pytest.mark.parametrize("values", [{}, {"timeline-years": [2030, 2031]}, {"global-area": "oncology"},
                                    {"timeline-types": ["agreement", "license"], "timeline-company": "astra"}])
def test_every_chart_state_is_a_valid_plotly_figure(client, values):
    response = client.post("/_dash-update-component", json=_chart_payload(client, **values))
    figure = json.loads(response.data)["response"]["timeline-chart-graph"]["figure"]
    validated = go.Figure(figure)
    assert validated.layout.height == 620


def _text_of(node) -> str:
    """Every text of a Dash component tree, joined."""
    if isinstance(node, str):
        return node
    if isinstance(node, (list, tuple)):
        return "".join(_text_of(child) for child in node)
    return _text_of(getattr(node, "children", None) or "")


def test_conflicting_dates_are_in_the_pages_language(atlas_app):
    from dashboard.i18n import has_latin_words

    # NOTE: the page module as the app imported it: importing dashboard.pages.timeline by that name would
    # register the page a second time (and every app made after it in this process would fail to start).
    timeline = next(m for name, m in sys.modules.items() if name.endswith("timeline") and hasattr(m, "update_list"))
    with atlas_app.server.app_context():
        written = {}
        for lang in ("ru", "en"):
            rows, _, conflicts, hidden = timeline.update_list([], None, "all", "novo", None, lang)
            assert not hidden
            notes = {row["note"] for row in rows if row["note"]}
            written[lang] = _text_of(conflicts[2]), notes  # the list of the panel; the grid's note column
        # A Russian page shows the project's translation of the date recorded with an English remark (the
        # sources' names are domains, Latin in either language), in the panel, the grid's notes and the hover.
        panel, notes = written["ru"]
        assert "2014-04-10 (по дате на странице; другие источники называют апрель 2015)" in panel
        assert "as dated" not in panel and not any("as dated" in note for note in notes)
        assert all(not has_latin_words(note.split("(")[1].split(")")[0]) for note in notes)
        assert "2014-04-10 (as dated on page; other sources give April 2015)" in written["en"][0]
        figure = timeline.render_chart((), None, None, "all", "novo", None, "ru")[0]
        hovers = [h for trace in figure["data"] for h in trace.get("hovertext") or trace.get("text") or []
                  if isinstance(h, str) and "2014-04-10" in h]
        assert hovers and not any("as dated" in h for h in hovers)
