"""Investment shaping: one figure per company, per currency; curves, totals and reconciliation."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import investments_data as data
from dashboard import queries
from dashboard.areas import companies_in_area
from tests.dashboard.dash_callbacks import call, valid_figures


@pytest.fixture
def bundled(atlas_app) -> dict[str, pd.DataFrame]:
    with atlas_app.server.app_context():
        return {"investments": queries.investments(), "companies": queries.companies(),
                "products": queries.products(), "cluster_indicators": queries.cluster_indicators(),
                "sources": queries.sources()}


@pytest.fixture
def rows(bundled) -> pd.DataFrame:
    return data.prepare(bundled["investments"])


def row(frame: pd.DataFrame, company: str, amount: str) -> pd.Series:
    match = frame[(frame["company_key"] == company) & (frame["amount_raw"] == amount)]
    assert len(match) == 1, f"expected one {company} {amount} row, found {len(match)}"
    return match.iloc[0]


def test_status_groups_and_levels():
    assert data.status_group("made/under way") == "made"
    assert data.status_group("planned") == "planned"
    assert data.status_group("allocated") == "allocated"
    assert data.level("cluster", "cluster") == "cluster"
    assert data.level("sez_kaluga", "cluster (SEZ pharma site)") == "cluster"
    # Stada's >600 mln EUR was spent across Russia, not in Kaluga.
    assert data.level("hemofarm_stada", "company (Russia-wide)") == "outside"
    assert data.level("iate_mephi", "education infrastructure") == "company"


def test_years_made_at_end_planned_at_announcement_undated_left_alone(rows):
    assert row(rows, "astrazeneca", ">10")["year"] == 2015  # made "to 2015"
    assert row(rows, "astrazeneca", ">150")["year"] == 2011  # planned, "announced 2011-02"
    assert row(rows, "pharmasyntez", "5")["year"] == 2024  # planned "2025-2026 (announced June 2024)"
    assert pd.isna(row(rows, "pharmasyntez", "~7.5")["year"])  # planned "to 2027": a target, not announced
    assert pd.isna(row(rows, "novo_nordisk", ">8")["year"])  # made "2010s (cumulative)": no end year
    assert row(rows, "iate_mephi", "94 (of which 27 regional budget)")["year"] == 2016  # made "2015-2016"
    assert pd.isna(row(rows, "novo_nordisk", "~100")["year"])  # "by plant commissioning": no year


def test_one_figure_per_company_never_adds_citations(rows):
    made = data.one_figure_per_company(rows, "RUB", "made").set_index("company_key")
    # Novo Nordisk is cited at >8, ~8 and >10 bn RUB: the figure is >10, not 26.
    assert made.at["novo_nordisk", "amount_raw"] == ">10"
    # AstraZeneca: >10 bn to 2015 and a later >700 mln line; the larger stands, nothing is added.
    assert made.at["astrazeneca", "amount_low_mn"] == 10000
    assert set(made.index) == {"novo_nordisk", "astrazeneca", "nearmedic", "nifkhi_rosatom", "iate_mephi"}
    # Never other currencies, never the cluster's own totals.
    assert "cluster" not in made.index and (made["currency"] == "RUB").all()


def test_tie_goes_to_the_later_figure():
    frame = data.prepare(pd.DataFrame([
        {"record_key": "a", "company_key": "x", "company_label": "X", "amount_raw": "4", "qualifier": "",
         "amount_low_mn": 4000.0, "amount_high_mn": 4000.0, "currency": "RUB", "period_raw": "to 2013",
         "year_from": None, "year_to": 2013, "status": "made", "scope": "company"},
        {"record_key": "b", "company_key": "x", "company_label": "X", "amount_raw": ">4", "qualifier": ">",
         "amount_low_mn": 4000.0, "amount_high_mn": None, "currency": "RUB", "period_raw": "to 2015",
         "year_from": None, "year_to": 2015, "status": "made", "scope": "company"},
    ]))
    assert data.one_figure_per_company(frame, "RUB", "made")["record_key"].tolist() == ["b"]
    curve = data.cumulative_curve(frame, "RUB", "made").set_index("year")
    assert curve.at[2013, "low"] == 4000 and curve.at[2013, "open_ended"] == 0
    assert curve.at[2015, "low"] == 4000 and curve.at[2015, "open_ended"] == 1


def test_cumulative_curves_made_and_planned_apart(rows):
    made = data.cumulative_curve(rows, "RUB", "made").set_index("year")
    assert made.index[0] == 2007 and made.at[2007, "low"] == 0
    # 2017: AstraZeneca >10, Nearmedic >4, Rosatom ~100 mln, IATE MEPhI 94 mln. Novo Nordisk's ~8 is
    # dated 2018 and its >8 ("2010s") has no end year, so it is listed, not placed.
    assert made.at[2017, "low"] == 14194
    assert made.at[2021, "low"] == 24194 and made.at[2021, "companies"] == 5
    assert made.at[2021, "open_ended"] == 3
    # Far below what blindly adding every made RUB row would claim.
    every_row = rows[(rows["currency"] == "RUB") & (rows["status_group"] == "made")
                     & (rows["level"] == "company")]["amount_low_mn"].sum()
    assert every_row > made.at[2021, "low"]
    planned = data.cumulative_curve(rows, "RUB", "planned")
    # At announcement years only: the last is 2025 (Pharm-Sintez 16 bn "announced 2025"), no target years.
    assert planned["year"].max() == 2025 and planned["low"].iloc[-1] == 57975
    eur = data.cumulative_curve(rows, "EUR", "made").set_index("year")
    assert eur.at[2019, "low"] == 44  # Berlin-Chemie; Stada's Russia-wide 600 mln is not Kaluga


def test_by_company_and_by_country(rows, bundled):
    by_company = data.by_company(rows, "RUB")
    assert not by_company.duplicated(["company_key", "status_group"]).any()
    assert by_company.iloc[0]["company_key"] == "pharmasyntez"  # >20 bn RUB planned
    countries = data.by_country(rows, bundled["companies"], "RUB").set_index("country", drop=False)
    assert countries["companies"].sum() == len(bundled["companies"])
    assert countries.at["Russia", "companies"] == 14 and countries.at["Russia", "with_figure"] == 3
    assert countries.at["Denmark", "low"] == 10000
    assert pd.isna(countries.at["Serbia", "low"])  # Galenika: participant, no figure


def test_cited_totals_and_reconciliation(rows, bundled):
    totals = data.cited_totals(bundled["cluster_indicators"], bundled["investments"]).set_index("record_key")
    interview = totals.loc["kaluga_pharma_cluster_interview:cluster:d1113dc37a:1"]
    assert interview["low_mn"] == 50000 and interview["currency"] == "RUB" and interview["year_from"] == 2007
    assert interview["source_url"] == "file:seed/kaluga_pharma_cluster_interview.txt"
    six_years = totals.loc["investments:cluster:8adfbe0b08:1"]
    assert (six_years["low_mn"], six_years["year_from"], six_years["year_to"]) == (52000, 2012, 2017)
    assert set(totals["currency"]) == {"RUB", "EUR"}
    # Budget allocations, growth rates and the all-sector SEZ figure are not cluster investment totals.
    assert not totals["amount_raw"].str.contains("%|jobs|93.3|1.7", regex=True).any()

    compared = data.reconcile(rows, totals.reset_index(), "RUB").set_index("record_key")
    assert compared.at[interview.name, "compared_to_year"] == 2021
    assert compared.at[interview.name, "gap_mn"] == 50000 - 24194
    assert compared.at[interview.name, "share"] == pytest.approx(24194 / 50000)
    assert compared.at[six_years.name, "compared_to_year"] == 2017
    assert compared.at[six_years.name, "companies_low"] == 14194
    assert pd.isna(compared.at["indicators:none:45be6c89d1:1", "compared_to_year"])  # ">6 bn", undated


def test_why_the_sums_differ(rows, bundled):
    missing = data.missing_from_sum(rows, bundled["companies"], "RUB")
    assert missing["other_currency"] == ["berlin_chemie_menarini", "hemofarm_stada"]
    assert "galenika" in missing["no_figure"] and "novo_nordisk" not in missing["no_figure"]
    undated = data.undated(rows)
    # Made with no end year, and planned with only a target year (no announcement year).
    assert set(undated["company_key"]) == {"novo_nordisk", "berlin_chemie_menarini", "hemofarm_stada",
                                           "kiev_investment_group", "medical_glass_plant", "astrafarm_kaluga",
                                           "b_pharm", "favorit_trade_binergia", "pharm_aid", "pharmasyntez"}


def test_area_filter_keeps_only_companies_in_the_area(rows, bundled):
    keys = companies_in_area("endocrinology", bundled["products"], bundled["companies"])
    filtered = data.filter_companies(rows, keys)
    # Novo Nordisk (insulins), AstraZeneca (Forxiga, A10); Mir-Pharm's carbetocin (H01BB) is obstetric.
    assert set(filtered["company_key"]) == {"novo_nordisk", "astrazeneca"}
    assert data.filter_companies(rows, None) is rows


def test_formatting_helpers(bundled):
    assert data.exact_decimals(24.194) == 3
    assert data.exact_decimals(0.0933) == 4
    assert data.exact_decimals(10.0) == 0
    assert data.source_label("https://www.kp40.ru/news/invest/45314/", bundled["sources"]) == "kp40.ru"
    assert data.source_label("file:seed/kaluga_pharma_cluster_interview.txt", bundled["sources"]).startswith(
        "Kaluga Pharmaceutical Cluster")
    assert data.is_web_url("https://kp40.ru") and not data.is_web_url("file:seed/x.txt")


@pytest.mark.parametrize("currency", ["RUB", "USD", "EUR"])
@pytest.mark.parametrize(("area", "lang"), [(None, "en"), ("endocrinology", "ru"), ("oncology", "en"),
                                            ("no_such_area", "en")])
def test_every_chart_state_is_a_valid_plotly_figure(client, currency, area, lang):
    response = call(client, "investments-curve-graph.figure", {
        "investments-currency": currency, "global-area": area, "investments-lang": lang})
    figures = valid_figures(response)
    assert set(figures) == {"investments-curve-graph", "investments-company-graph", "investments-country-graph"}
    for graph in ("investments-company-graph", "investments-country-graph"):
        # The graph's height follows its figure's (bars grow with the companies / countries shown).
        assert response[graph]["style"] == {"height": f"{figures[graph].layout.height}px"}
    for figure in figures.values():
        assert figure.data or figure.layout.annotations  # a chart, or an empty state that says why


@pytest.mark.parametrize("currency", ["RUB", "EUR"])
def test_company_names_are_labelled_whole_in_rows_tall_enough(client, currency):
    response = call(client, "investments-curve-graph.figure", {
        "investments-currency": currency, "global-area": None, "investments-lang": "en"})
    figure = valid_figures(response)["investments-company-graph"]
    axis = figure.layout.yaxis
    names = list(axis.tickvals)
    hover = {point[4] for trace in figure.data for point in trace.customdata}
    # The categories are the names as the hover gives them; each is labelled whole, in at most three lines.
    assert set(names) == hover and set(axis.categoryarray) == hover
    whole = [label.replace("<br>", "").replace(" ", "") for label in axis.ticktext]
    assert whole == [name.replace(" ", "") for name in names]
    assert max(label.count("<br>") for label in axis.ticktext) <= 2 and not any("…" in n for n in axis.ticktext)
    if currency == "RUB":  # (the 44 characters cut before: "Obninsk Institute for Nuclear Power Enginee…")
        assert any(n.startswith("Obninsk Institute for Nuclear Power Engineering") and len(n) > 44 for n in names)
    lines = max(label.count("<br>") + 1 for label in axis.ticktext)
    assert figure.layout.height >= len(names) * 15 * lines
    # On a phone, lines of 16 characters: the longest names are cut at 44 there (whole on hover).
    narrow = figure.layout.meta["narrow"]["layout"]
    assert narrow["yaxis.tickvals"] == names
    assert max(len(label.replace("<br>", " ")) for label in narrow["yaxis.ticktext"]) <= 44


def test_plotted_curve_is_the_one_figure_rule(client, rows):
    response = call(client, "investments-curve-graph.figure", {
        "investments-currency": "RUB", "global-area": None, "investments-lang": "en"})
    curve = valid_figures(response)["investments-curve-graph"]
    made = next(trace for trace in curve.data if trace.meta == "Made")
    expected = data.cumulative_curve(rows, "RUB", "made")
    assert list(made.x) == expected["year"].tolist()
    assert list(made.y) == pytest.approx((expected["low"] / 1000).tolist())  # bn RUB
    # The same state again comes from the cache, unchanged.
    assert call(client, "investments-curve-graph.figure", {
        "investments-currency": "RUB", "global-area": None, "investments-lang": "en"}) == response


def test_rows_functions_match_the_frame_functions(rows, bundled):
    plain_rows = data.rows_of(rows)
    assert [r["record_key"] for r in data.company_figures(plain_rows, "RUB", "made")] == \
        data.one_figure_per_company(rows, "RUB", "made")["record_key"].tolist()
    points = data.curve_points(plain_rows, "RUB", "made")
    assert pd.DataFrame(points, columns=data.CURVE_COLUMNS).equals(data.cumulative_curve(rows, "RUB", "made"))
    assert plain_rows[0]["_pos"] == 0
    assert all(not isinstance(v, float) or v == v for r in plain_rows for v in r.values())  # no NaN: None
    labels = data.source_labels([*rows["source_url"], None], bundled["sources"].to_dict("records"))
    assert labels == {url: data.source_label(url, bundled["sources"]) for url in rows["source_url"]}


def test_rows_read_as_dicts_are_the_prepared_frames_rows(atlas_app, rows, bundled):
    with atlas_app.server.app_context():
        read = data.prepared_rows(queries.investment_rows())
        indicator_rows = queries.cluster_indicator_rows()
        company_rows = queries.company_rows()
    framed = data.rows_of(rows)
    assert [{k: r[k] for k in read[0]} for r in framed] == read
    assert data.cited_total_rows(indicator_rows, read) == data.cited_total_rows(
        bundled["cluster_indicators"].to_dict("records"), framed)
    assert data.parent_countries(company_rows) == data.parent_countries(bundled["companies"].to_dict("records"))
