"""Products page shaping: the ATC tree, counts by company and year, cited registration counts, the table."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import products_data as pdata
from dashboard import queries
from tests.dashboard.dash_callbacks import call, valid_figures

INTERVIEW = "file:seed/kaluga_pharma_cluster_interview.txt"


@pytest.fixture
def frames(atlas_app):
    """The bundled database's frames, read once per test inside the app."""
    with atlas_app.server.app_context():
        yield {"products": queries.products(), "companies": queries.companies(),
               "atc": queries.atc_groups(), "areas": queries.therapy_areas(),
               "indicators": queries.cluster_indicators(), "sources": queries.sources()}


def names(frames, lang="en") -> dict[str, str]:
    return pdata.company_names(frames["companies"], frames["products"], lang)


def tree(frames, products=None, lang="en") -> pd.DataFrame:
    products = frames["products"] if products is None else products
    return pdata.therapy_tree(products, frames["atc"], frames["areas"], names(frames, lang), frames["sources"],
                              lang)


def synthetic(rows: list[dict]) -> pd.DataFrame:
    columns = ["record_key", "company_key", "company_label", "trade_name", "inn", "status_raw", "year",
               "atc_code", "therapy_area_code", "source_url"]
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


def test_rows_of_one_product_are_one_product():
    products = synthetic([
        {"record_key": "1", "company_key": "az", "trade_name": "(osimertinib product; trade name not given)",
         "atc_code": "L01EB04", "year": 2017, "source_url": "https://a"},
        {"record_key": "2", "company_key": "az", "trade_name": "(osimertinib)", "atc_code": "L01EB04",
         "year": 2017, "source_url": "https://b"},
        {"record_key": "3", "company_key": "nm", "trade_name": "Kagocel", "year": 2015, "source_url": "https://c"},
        {"record_key": "4", "company_key": "nm", "trade_name": "kagocel ", "year": 2012, "source_url": "https://d"},
        {"record_key": "5", "company_key": "other", "trade_name": "Kagocel", "source_url": "https://e"},
    ])
    items = pdata.distinct_products(products).set_index("product_id")
    assert len(items) == 3
    assert items.loc["az|atc:L01EB04", "trade_name"] == "(osimertinib)"  # the shortest name
    assert items.loc["az|atc:L01EB04", "source_urls"] == ["https://a", "https://b"]
    assert items.loc["nm|name:kagocel", "year"] == "2012, 2015"
    by_year, missing = pdata.products_by_year(products)
    assert dict(zip(by_year["year"], by_year["products"], strict=True)) == {2012: 1, 2015: 1, 2017: 1}
    assert missing == 1


def test_tree_levels_and_totals_from_the_bundled_products(frames):
    nodes = tree(frames).set_index("id")
    products = pdata.distinct_products(frames["products"])
    assert nodes.loc[pdata.ROOT, "value"] == len(products) == 25  # 27 cited rows, two products cited twice
    # Every parent's value is the sum of its children's (branchvalues="total").
    children = nodes.reset_index().groupby("parent")["value"].sum()
    for parent, total in children.items():
        if parent:
            assert nodes.loc[parent, "value"] == total, parent
    assert nodes.loc["atc:L", "label"] == "L · Antineoplastic and immunomodulating agents"
    assert nodes.loc["atc:L01", "parent"] == "atc:L"
    osimertinib = nodes[(nodes["parent"] == "atc:L01") & (nodes["level"] == 3)]
    assert len(osimertinib) == 1 and osimertinib["company"].iat[0] == "AstraZeneca Industries"
    # Products without an ATC code sit under "ATC not assigned", by therapy area.
    assert nodes.loc[pdata.NO_ATC, "label"] == "ATC not assigned"
    gastro = nodes[nodes["parent"] == f"{pdata.NO_ATC}:gastroenterology"]
    assert {"Мезим (Mezym)", "Мезим форте (Mezym forte)"} <= set(gastro["label"])
    assert nodes.loc[f"{pdata.NO_ATC}:{pdata.NO_AREA}", "label"] == "Therapy area not recorded"
    # Hover needs a period and a source for every product.
    leaves = nodes[nodes["level"] == 3]
    assert leaves["source"].map(bool).all() and leaves["period"].map(bool).all()


def test_tree_in_russian_uses_russian_therapy_areas(frames):
    nodes = tree(frames, lang="ru").set_index("id")
    assert nodes.loc[pdata.NO_ATC, "label"] == "Код АТХ не присвоен"
    assert nodes.loc[f"{pdata.NO_ATC}:gastroenterology", "label"] == "Гастроэнтерология"


def test_area_and_company_filters(frames):
    endocrine = pdata.filter_products(frames["products"], "endocrinology")
    assert set(endocrine["company_key"]) == {"novo_nordisk", "astrazeneca"}
    assert set(tree(frames, endocrine)["id"]) >= {"atc:A", "atc:A10"}
    # Carbetocin (H01BB03) is obstetric: under ATC H in the tree, in the obstetrics area.
    obstetric = pdata.filter_products(frames["products"], "obstetrics")
    assert list(obstetric["trade_name"]) == ["Carbetocin"]
    assert set(tree(frames, obstetric)["id"]) >= {"atc:H", "atc:H01"}
    mir = pdata.filter_products(frames["products"], None, ["mir_pharm"])
    assert len(mir) == 8
    assert pdata.filter_products(frames["products"], "oncology", ["mir_pharm"]).empty
    assert tree(frames, mir.iloc[0:0]).empty


def test_products_by_company_and_year(frames):
    counts = pdata.products_by_company(frames["products"], names(frames), frames["sources"])
    counts = counts.set_index("company_key")
    assert counts.loc["mir_pharm", "products"] == 8
    assert counts.loc["mir_pharm", "years"] == ""  # the interview dates none of them
    assert counts.loc["astrazeneca", "years"] == "2017, 2020"
    assert "thepharmaletter.com" in counts.loc["astrazeneca", "sources"]
    assert counts.loc["cluster", "company"] == "Cluster participants (not named)"
    assert counts.loc["nearmedic", "products"] == 2 and counts.loc["nearmedic", "records"] == 3
    by_year, missing = pdata.products_by_year(frames["products"], frames["sources"])
    by_year = by_year.set_index("year")
    # B-Pharm's three injectables are only "planned 2022"; Mezym forte's 2019 is a ban in Ukraine and
    # Kagocel's 2012 its sales: none of these is a product's year.
    assert 2022 not in by_year.index and 2019 not in by_year.index and 2012 not in by_year.index
    assert "Кагоцел (Kagocel)" in by_year.loc[2015, "product_names"]
    assert missing == 19


def test_registration_counts_are_the_cited_figures_only(frames):
    counts = pdata.registration_counts(frames["indicators"], names(frames))
    rows = {(r.company_key, r.year): (r.value, r.value_raw) for r in counts.itertuples()}
    assert rows == {("bion", 2016): (7.0, "7"), ("mir_pharm", 2017): (6.0, "6"), ("mir_pharm", 2018): (3.0, "3")}
    assert set(counts["source_url"]) == {INTERVIEW}
    assert counts.set_index("year").loc[2018, "year_raw"] == 'early 2018 ("early this year")'
    pipeline = pdata.pipeline_figures(frames["indicators"], names(frames))
    # Kept as written: ranges and "more than" are never turned into numbers here.
    assert {"25 / 30", ">40 / 20", ">30", "50"} <= set(pipeline["value_raw"])


def test_product_table_says_registration_numbers_are_unknown(frames):
    table = pdata.product_table(frames["products"], names(frames), frames["atc"], frames["areas"],
                                frames["sources"], "en", "unknown")
    assert len(table) == len(frames["products"]) == 27
    assert set(table["registration_number"]) == {"unknown"}
    interview = table[table["trade_name"] == "Mifepristone"].iloc[0]
    assert interview["source_url"] == ""  # a bundled file: named, not linked
    assert interview["source"].startswith("Kaluga Pharmaceutical Cluster")
    assert interview["atc"] == "G03XB01 · mifepristone"
    fiasp = table[table["trade_name"].str.startswith("Фиасп")].iloc[0]
    assert fiasp["source"] == "gxpnews.net" and fiasp["source_url"].startswith("https://gxpnews.net/")
    assert fiasp["year"] == 2021


def test_source_labels(frames):
    assert pdata.source_label("https://www.example.org/page", frames["sources"]) == (
        "example.org", "https://www.example.org/page")
    label, link = pdata.source_label(INTERVIEW, frames["sources"])
    assert link is None and "Irina Novikova" in label
    assert pdata.source_items(["https://kp40.ru/a", "https://kp40.ru/a", None], frames["sources"]) == [
        ("kp40.ru", "https://kp40.ru/a")]


CHARTS = ("products-tree-graph.figure", "products-by-company-graph.figure", "products-by-year-graph.figure",
          "products-registrations-graph.figure")


@pytest.mark.parametrize(("companies", "chart", "area", "lang"), [
    ([], "treemap", None, "en"), ([], "sunburst", None, "ru"), (["mir_pharm"], "treemap", None, "en"),
    (["astrazeneca", "novo_nordisk"], "sunburst", "endocrinology", "en"), ([], "treemap", "oncology", "ru"),
    (["mir_pharm"], "treemap", "oncology", "en"),  # nothing: empty states
])
def test_every_chart_state_is_a_valid_plotly_figure(client, companies, chart, area, lang):
    values = {"products-company": companies, "products-chart": chart, "global-area": area, "products-lang": lang}
    for output in CHARTS:
        response = call(client, output, values)
        (figure,) = valid_figures(response).values()
        assert figure.data or figure.layout.annotations  # a chart, or an empty state that says why
        if output.startswith("products-tree") and figure.data:
            assert figure.data[0].type == chart


def test_plotted_tree_is_the_shaped_tree(client, frames):
    response = call(client, "products-tree-graph.figure", {"products-company": [], "products-chart": "treemap",
                                                            "global-area": None, "products-lang": "en"})
    trace = valid_figures(response)["products-tree-graph"].data[0]
    nodes = tree(frames)
    assert list(trace.ids) == nodes["id"].tolist() and list(trace.values) == nodes["value"].tolist()
    assert trace.values[0] == 25
    # The companies chosen are a set: any order is the same (cached) state.
    one = call(client, "products-by-company-graph.figure", {"products-company": ["bion", "mir_pharm"],
                                                            "products-lang": "en"})
    other = call(client, "products-by-company-graph.figure", {"products-company": ["mir_pharm", "bion"],
                                                              "products-lang": "en"})
    assert one == other


def test_treemap_on_a_phone_hides_a_label_it_would_draw_under_10_px(client):
    response = call(client, "products-tree-graph.figure", {"products-company": [], "products-chart": "treemap",
                                                            "global-area": None, "products-lang": "ru"})
    figure = valid_figures(response)["products-tree-graph"]
    spec = figure.layout.meta["narrow"]
    assert spec["layout"]["uniformtext.mode"] == "hide" and spec["layout"]["uniformtext.minsize"] >= 10
    assert figure.layout.uniformtext.mode is None  # wide, plotly fits every label as before
    # The name of a box whose label is hidden is on its hover.
    assert figure.data[0].hovertemplate.startswith("<b>%{label}</b>")
    assert "L · Противоопухолевые препараты и иммуномодуляторы" in figure.data[0].labels


def test_lookups_give_the_same_labels(frames):
    labels = pdata.SourceLabels(frames["sources"])
    for url in [*frames["products"]["source_url"], "https://www.example.org/page", "file:other.txt"]:
        assert labels(url) == pdata.source_label(url, frames["sources"]) == pdata.source_label(url, labels)
    atc = pdata.atc_names(frames["atc"])
    assert atc["L"] == pdata.atc_name("L", frames["atc"]) == "Antineoplastic and immunomodulating agents"
    assert pdata.atc_name("Z99", atc) == "Z99"
    assert tree(frames).equals(pdata.therapy_tree(frames["products"], atc, frames["areas"], names(frames),
                                                  labels, "en"))


def test_cited_counts_of_an_empty_cluster_indicators_table_are_empty_frames():
    """A database without cluster indicators (reference data only): empty cards, not a 500 (the load run found it)."""
    empty = pd.DataFrame(columns=["record_key", "indicator", "qualifier", "value_low", "year", "year_raw",
                                  "value_raw", "unit", "note", "source_url", "scope"])
    counts = pdata.registration_counts(empty, {})
    assert counts.empty and "company_key" in counts.columns
    pipeline = pdata.pipeline_figures(empty, {})
    assert pipeline.empty and {"company_key", "company"} <= set(pipeline.columns)


def test_plain_rows_give_the_tables_frames_give(atlas_app, frames):
    """The page reads plain rows (queries.*_rows); each shaping gives what it gives from the frames."""
    from dashboard.i18n import RecordedText

    with atlas_app.server.app_context():
        rows = {"products": queries.product_rows(), "companies": queries.company_rows(), "atc": queries.atc_rows(),
                "areas": queries.therapy_area_rows(), "indicators": queries.cluster_indicator_rows(),
                "sources": queries.source_rows()}
        russian = RecordedText(queries.translations("cluster"), "ru")
    assert [r["record_key"] for r in rows["products"]] == frames["products"]["record_key"].tolist()
    for lang in ("en", "ru"):
        names = pdata.company_names(rows["companies"], rows["products"], lang)
        assert names == pdata.company_names(frames["companies"], frames["products"], lang)
        assert pdata.atc_names(rows["atc"]) == pdata.atc_names(frames["atc"])
        assert pdata.area_names(rows["areas"], lang) == pdata.area_names(frames["areas"], lang)
        for area, chosen in ((None, None), ("oncology", None), (None, ["mir_pharm", "bion"])):
            mine, theirs = (pdata.filter_products(rows["products"], area, chosen),
                            pdata.filter_products(frames["products"], area, chosen))
            assert [r["record_key"] for r in mine] == theirs["record_key"].tolist()
            assert pdata.therapy_tree(mine, rows["atc"], rows["areas"], names, rows["sources"], lang).equals(
                pdata.therapy_tree(theirs, frames["atc"], frames["areas"], names, frames["sources"], lang))
            assert pdata.products_by_company(mine, names, rows["sources"]).equals(
                pdata.products_by_company(theirs, names, frames["sources"]))
            (by_year, missing), (expected, expected_missing) = (pdata.products_by_year(mine, rows["sources"]),
                                                                pdata.products_by_year(theirs, frames["sources"]))
            assert by_year.equals(expected) and missing == expected_missing
            assert pdata.product_table_rows(mine, names, rows["atc"], rows["areas"], rows["sources"], lang, "?") == \
                pdata.product_table_rows(theirs, names, frames["atc"], frames["areas"], frames["sources"], lang, "?")
        counts = pdata.registration_counts(rows["indicators"], names)
        assert not counts.empty and counts.equals(pdata.registration_counts(frames["indicators"], names))
        assert pdata.pipeline_figures(rows["indicators"], names).equals(
            pdata.pipeline_figures(frames["indicators"], names))
    # A Russian page's texts: the same from rows as from the frame (missing values stay missing).
    for table, columns in ((rows["products"], pdata.PRODUCT_TEXTS),
                           (pdata.registration_rows(rows["indicators"], names), pdata.CITED_TEXTS)):
        frame = russian.frame(pd.DataFrame(table), columns)
        translated = russian.rows(table, columns)
        assert translated is not table and translated != table
        for column in columns:
            if column in frame.columns:
                assert [row[column] for row in translated] == [None if v is None or v != v else v
                                                               for v in frame[column]]
