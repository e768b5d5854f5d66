"""Companies: the directory of cluster participants and their sites on a map of Kaluga region's districts."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import companies_data as cdata
from dashboard import figure_dicts as plain
from dashboard import queries
from dashboard.areas import companies_in_area_rows
from dashboard.cache import cache
from dashboard.components import (
    chart_card,
    chart_outputs,
    chart_result,
    empty_state,
    single_params,
    source_line,
    sync_url,
    url_state,
)
from dashboard.geo import kaluga_districts
from dashboard.i18n import RecordedText, format_number, normalise_language, page_text, t
from dashboard.titles import page_title

dash.register_page(__name__, path="/companies", order=4, label_key="nav.companies",
                   title=page_title("nav.companies"))

PAGE = "companies"
MAP = f"{PAGE}-map"
MAP_HEIGHT = 520
OSM_COPYRIGHT = "https://www.openstreetmap.org/copyright"
TEXT = {
    "title": {"ru": "Компании кластера", "en": "Cluster companies"},
    "lead": {"ru": "Участники Калужского фармкластера: площадка, материнская компания и страна, год, рабочие "
                   "места и продукция — по источникам. Нажмите на компанию, чтобы открыть её "
                   "профиль со всеми процитированными записями.",
             "en": "Members of the Kaluga pharmaceutical cluster: site, parent company and country, year, jobs "
                   "and products, as the sources put them. Open a company for its profile with every cited "
                   "record."},
    "district": {"ru": "Район", "en": "District"},
    "all_districts": {"ru": "Все районы", "en": "All districts"},
    "unmapped_option": {"ru": "Место не указано на карте", "en": "Location not mapped"},
    "search": {"ru": "Поиск по справочнику", "en": "Search the directory"},
    "search_placeholder": {"ru": "название, площадка, страна…", "en": "name, site, country…"},
    "map_title": {"ru": "Площадки компаний по районам Калужской области",
                  "en": "Company sites by district of Kaluga region"},
    "map_desc": {"ru": "Число компаний, чья площадка в источнике относится к району (по названию площадки). "
                       "Нажмите на кружок, чтобы выбрать район.",
                 "en": "How many companies have a cited site in each district (matched by the site's name). "
                       "Click a circle to pick that district."},
    "companies_unit": {"ru": "компаний", "en": "companies"},
    "sites_period": {"ru": "площадки, как процитировано", "en": "sites as cited"},
    "companies_source": {"ru": "площадки компаний — из процитированных страниц (справочник)",
                         "en": "company sites from the cited pages (directory)"},
    "boundaries": {"ru": "границы: © участники OpenStreetMap (ODbL)",
                   "en": "boundaries: © OpenStreetMap contributors (ODbL)"},
    "no_map": {"ru": "Границы районов не загружены", "en": "District boundaries are not bundled"},
    "unmapped_title": {"ru": "Место не указано на карте", "en": "Location not mapped"},
    "unmapped_desc": {"ru": "Площадка в источниках не сводится к одному району:",
                      "en": "The cited site does not name a single district:"},
    "unmapped_none": {"ru": "У всех показанных компаний район известен.",
                      "en": "Every company shown has a known district."},
    "directory": {"ru": "Справочник", "en": "Directory"},
    "shown": {"ru": "Показано компаний: {n} из {total}", "en": "Showing {n} of {total} companies"},
    "none": {"ru": "Нет компаний для выбранных условий", "en": "No companies match this selection"},
    "site": {"ru": "Площадка", "en": "Site"},
    "parent": {"ru": "Материнская компания", "en": "Parent company"},
    "kind": {"ru": "Тип", "en": "Kind"},
    "year": {"ru": "Год", "en": "Year"},
    "jobs": {"ru": "Рабочие места", "en": "Jobs"},
    "products": {"ru": "Продукция", "en": "Products"},
    "records": {"ru": "записей с источниками: {n}", "en": "{n} cited record(s)"},
    "not_stated": {"ru": "не указано", "en": "not stated"},
}


tx = page_text(TEXT)


def _district_names() -> list[str]:
    """Districts of the boundary file, else those the directory names (when no boundaries are bundled)."""
    geojson = kaluga_districts()
    if geojson:
        return [f["properties"]["district"] for f in geojson["features"]]
    return sorted(d for d in queries.companies()["district"].dropna().unique() if d)


def _district_options(lang: str) -> list[dict]:
    names = sorted(_district_names(), key=lambda d: cdata.district_label(d, lang))
    return ([{"value": d, "label": cdata.district_label(d, lang)} for d in names]
            + [{"value": cdata.UNMAPPED, "label": tx("unmapped_option", lang)}])


@single_params
def layout(lang: str | None = None, area: str | None = None, district: str | None = None,
           q: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    options = _district_options(lang)
    district = district if district in {o["value"] for o in options} else None
    return html.Div(className="companies-page", children=[
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.Div(className="controls", children=[
            dmc.Select(id=f"{PAGE}-district", label=tx("district", lang), data=options, value=district,
                       placeholder=tx("all_districts", lang), clearable=True, searchable=True, w=300,
                       comboboxProps={"withinPortal": True}),
            dmc.TextInput(id=f"{PAGE}-search", label=tx("search", lang), value=q or "", debounce=250,
                          placeholder=tx("search_placeholder", lang), w=320),
        ]),
        html.Div(className="companies-top", children=[
            chart_card(MAP, tx("map_title", lang), lang, height=MAP_HEIGHT, description=tx("map_desc", lang)),
            html.Aside(className="card companies-unmapped", **{"aria-labelledby": f"{PAGE}-unmapped-title"},
                       children=[html.H2(tx("unmapped_title", lang), id=f"{PAGE}-unmapped-title",
                                         className="card-title"),
                                 html.Div(id=f"{PAGE}-unmapped")]),
        ]),
        html.Section(className="companies-directory", **{"aria-labelledby": f"{PAGE}-directory-title"},
                     children=[
                         html.H2(tx("directory", lang), id=f"{PAGE}-directory-title", className="section-title"),
                         html.P(t("note.translation", lang), className="card-description"),
                         html.P(id=f"{PAGE}-count", className="companies-count", role="status"),
                         html.Div(id=f"{PAGE}-cards", className="companies-cards"),
                     ]),
    ])


sync_url(PAGE, [("district", f"{PAGE}-district", "value"), ("q", f"{PAGE}-search", "value")])


def _in_area(area: str | None) -> frozenset[str] | None:
    """The companies working in the therapy area (None: no area chosen, no filter)."""
    keys = companies_in_area_rows(area, queries.product_rows(), queries.company_rows())
    return None if keys is None else frozenset(keys)


def _texts(lang: str) -> RecordedText:
    # An English page shows the texts as recorded: only a Russian page reads the translations.
    return RecordedText(queries.translations("cluster") if lang == "ru" else {}, lang)


def _link_query(lang: str, area: str | None) -> str:
    params = {"lang": lang, **({"area": area} if area else {})}
    return urlencode(params)


@callback(
    *chart_outputs(MAP),
    Output(f"{PAGE}-unmapped", "children"),
    Input(f"{PAGE}-district", "value"),
    Input(f"{PAGE}-search", "value"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_map(district, query, area, lang):
    return render_map(district or None, query or "", area or None, normalise_language(lang))


@cache.memoize()
def render_map(district: str | None, query: str, area: str | None, lang: str) -> tuple:
    """The map card's outputs and the unmapped list for one selection (the figure as a plain dict).

    NOTE: one memo layer (this one); the companies are read as plain rows and shaped in Python."""
    companies = cdata.filter_companies(queries.company_rows(), _in_area(area), None, query)
    unit = tx("companies_unit", lang)
    unmapped_block = _unmapped_block(cdata.unmapped(companies), lang, area)
    shapes = cdata.outlines()
    if shapes is None:
        return (*chart_result(plain.empty(tx("no_map", lang), lang, MAP_HEIGHT), pd.DataFrame(), [], unit,
                              "companies_by_district.csv"), unmapped_block)
    counts = cdata.district_count_rows(companies, shapes["district"], lang)
    figure = cdata.district_map_figure(shapes, counts, lang, selected=district, unit=unit, height=MAP_HEIGHT,
                                       period=tx("sites_period", lang), source=tx("companies_source", lang))
    sources = source_line([(tx("companies_source", lang), None), (tx("boundaries", lang), OSM_COPYRIGHT)], lang,
                          "card.sources")
    shown = pd.DataFrame([[row[c] for c in cdata.COUNT_COLUMNS] for row in counts if row["companies"] > 0],
                         columns=["district", "district_label", "companies", "names"])
    return (*chart_result(figure, shown, sources, unit, "companies_by_district.csv"), unmapped_block)


def _unmapped_block(rows: list[dict], lang: str, area: str | None) -> list:
    if not rows:
        return [html.P(tx("unmapped_none", lang), className="companies-muted")]
    query = _link_query(lang, area)
    texts = _texts(lang)
    items = [html.Li([dcc.Link(cdata.company_name(row, lang), href=f"/companies/{row['key']}?{query}"),
                      html.Span([" — ", texts.node(row["site"], "place")] if cdata.clean(row["site"]) else "",
                                className="companies-muted")])
             for row in rows]
    return [html.P(tx("unmapped_desc", lang), className="companies-muted"), html.Ul(items)]


@callback(
    Output(f"{PAGE}-district", "value"),
    Input(f"{MAP}-graph", "clickData"),
    prevent_initial_call=True,
)
def pick_district(click):
    points = (click or {}).get("points") or []
    data = points[0].get("customdata") if points else None
    return data[0] if data else dash.no_update


@callback(
    Output(f"{PAGE}-cards", "children"),
    Output(f"{PAGE}-count", "children"),
    Input(f"{PAGE}-district", "value"),
    Input(f"{PAGE}-search", "value"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_directory(district, query, area, lang):
    lang = normalise_language(lang)
    every = queries.companies()
    shown = cdata.filter_companies(every, _in_area(area), district, query)
    count = tx("shown", lang, n=format_number(len(shown), lang), total=format_number(len(every), lang))
    if shown.empty:
        return empty_state(tx("none", lang)), count
    records = queries.company_records()
    cited = records.groupby("company_key").size().to_dict() if not records.empty else {}
    facts = cdata.facts_by_company(records)
    shown = shown.assign(_name=[cdata.company_name(r, lang).casefold() for _, r in shown.iterrows()])
    link_query = _link_query(lang, area)
    texts = _texts(lang)
    return [_card(row, lang, cited.get(row["key"], 0), link_query, facts.get(row["key"]), texts)
            for _, row in shown.sort_values("_name").iterrows()], count


def _values(entries: list[dict], field: str, texts: RecordedText) -> list:
    """A field's values for a card, '; '-separated, each in the page's language (cdata.fact_text, translated)."""
    out: list = []
    for n, entry in enumerate(entries):
        out += ([] if n == 0 else ["; "]) + [texts.node(entry["value"], *cdata.FIELD_KINDS[field],
                                                        name=field in cdata.NAME_FIELDS)]
    return out


def _card(row: pd.Series, lang: str, cited: int, link_query: str,
          facts: dict[str, list[dict]] | None = None, texts: RecordedText | None = None) -> html.Article:
    """One company in the directory: each field's values as its cited records give them (every value
    where they disagree, never one record's site beside another's year unsaid), and a link to its profile."""
    texts = texts or RecordedText({}, lang)
    other = row["name_ru"] if lang == "en" else row["name_en"]
    district = (cdata.district_label(row["district"], lang) if cdata.clean(row["district"])
                else tx("unmapped_option", lang))
    if facts is None:  # a company without cited records keeps the directory row as it is
        facts = {field: [{"value": cdata.clean(row[field])}] if cdata.clean(row[field]) else []
                 for field in cdata.PROFILE_FIELDS}
    values = {field: _values(facts.get(field, []), field, texts) for field in cdata.PROFILE_FIELDS}
    parent = values["parent_company"] + ([", "] if values["parent_company"] and values["parent_country"] else []) \
        + values["parent_country"]
    site = values["site"] + ([" · "] if values["site"] else []) + [district]

    def fact(key: str, value: list) -> html.Div:
        shown = value or tx("not_stated", lang)
        return html.Div([html.Dt(tx(key, lang)),
                         html.Dd(shown, className=None if value else "companies-muted")])

    return html.Article(className="card company-card", children=[
        html.H3(dcc.Link(cdata.company_name(row, lang), href=f"/companies/{row['key']}?{link_query}",
                         id={"type": "companies-card-link", "key": row["key"]}),
                className="company-card-title"),
        # the company's name in the other language, marked as such
        html.P(other, className="companies-muted company-card-other",
               lang="ru" if lang == "en" else "en") if cdata.clean(other) else None,
        html.Dl(className="company-facts", children=[
            fact("site", site),
            fact("parent", parent),
            fact("kind", values["kind"]),
            fact("year", values["year_raw"]),
            fact("jobs", values["jobs_raw"]),
            fact("products", values["products_text"]),
        ]),
        html.P(tx("records", lang, n=format_number(cited, lang)), className="companies-muted company-card-foot"),
    ])
