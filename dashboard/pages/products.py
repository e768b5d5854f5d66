"""Products and therapy areas: the ATC tree, products by company and year, cited registration counts,
and the product list."""

from __future__ import annotations

import math
from functools import lru_cache

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, Patch, State, callback, dcc, html

from dashboard import figure_dicts as plain
from dashboard import products_data as pdata
from dashboard import queries
from dashboard.areas import companies_in_area_rows
from dashboard.cache import cache
from dashboard.components import (
    chart_card,
    chart_outputs,
    chart_result,
    single_params,
    source_line,
    sync_url,
    url_state,
)
from dashboard.figures import MUTED, PALETTE, base_layout, narrow, wrapped, wrapped_ticks
from dashboard.i18n import RecordedText, format_number, grid_locale_text, normalise_language, page_text, t
from dashboard.model.labels import markdown_link
from dashboard.model.safety import grid_export_params
from dashboard.titles import page_title

dash.register_page(__name__, path="/products", order=3, label_key="nav.products",
                   title=page_title("nav.products"))

PAGE = "products"
TREE, BY_COMPANY, BY_YEAR, REGISTRATIONS = (f"{PAGE}-tree", f"{PAGE}-by-company", f"{PAGE}-by-year",
                                            f"{PAGE}-registrations")
GRID = f"{PAGE}-grid"
CHARTS = ("treemap", "sunburst")
TEXT = {
    "title": {"ru": "Продукция и терапевтические области", "en": "Products and therapy areas"},
    "lead": {"ru": "Препараты компаний кластера, как их называют источники и интервью ассоциации; у каждой "
                   "строки — ссылка.",
             "en": "Medicines of cluster companies as cited sources and the association's interview name them; "
                   "every row links to its source."},
    "company": {"ru": "Компании", "en": "Companies"},
    "all_companies": {"ru": "Все компании", "en": "All companies"},
    "chart": {"ru": "Диаграмма", "en": "Chart"},
    "treemap": {"ru": "Плитки", "en": "Treemap"},
    "sunburst": {"ru": "Круговая", "en": "Sunburst"},
    "tree_title": {"ru": "Продукты по терапевтическим областям (АТХ)",
                   "en": "Products by therapy area (ATC)"},
    "tree_desc": {"ru": "Группа АТХ → подгруппа → продукт (коды ВОЗ, названия групп — по русской АТХ). Без кода "
                        "АТХ — в «Код АТХ не присвоен».",
                  "en": "ATC group → subgroup → product (WHO names). Without an ATC code: under “ATC not "
                        "assigned”."},
    "by_company_title": {"ru": "Продукты по компаниям", "en": "Products by company"},
    "by_year_title": {"ru": "Продукты по году регистрации или начала выпуска",
                      "en": "Products by year of registration or launch"},
    "by_year_desc": {"ru": "Год берётся, только если источник называет его годом регистрации, запуска или "
                           "начала выпуска продукта. Годы других фактов (запрет, продажи, план) не берутся. "
                           "Без такого года: {n}.",
                     "en": "A year is taken only where the source states it as the product's registration, "
                           "launch or first production year. Years of other facts (a ban, sales, a plan) are not "
                           "taken. Without such a year: {n}."},
    "reg_title": {"ru": "Регистрации и выводы на рынок по годам (как процитировано)",
                  "en": "Registrations and launches by year (cited counts)"},
    "reg_desc": {"ru": "Числа из интервью; сами препараты не названы, поэтому их нет в списке продуктов.",
                 "en": "Counts from the interview; the products themselves are not named, so they are not "
                       "in the product list."},
    "pipeline": {"ru": "Также процитировано (в разработке и регистрации):",
                 "en": "Also cited (in development and registration), as written:"},
    "products_unit": {"ru": "продуктов", "en": "products"},
    "count_unit": {"ru": "число, как процитировано", "en": "count, as cited"},
    "records": {"ru": "строк с источниками", "en": "cited rows"},
    "product": {"ru": "Продукт", "en": "Product"},
    "company_col": {"ru": "Компания", "en": "Company"},
    "year": {"ru": "Год регистрации / выпуска", "en": "Year registered / launched"},
    "status": {"ru": "Статус (по источнику)", "en": "Status (as written)"},
    "inn": {"ru": "МНН", "en": "INN"},
    "form": {"ru": "Лекарственная форма", "en": "Dosage form"},
    "area": {"ru": "Терапевтическая область", "en": "Therapy area"},
    "atc": {"ru": "АТХ", "en": "ATC"},
    "reg_number": {"ru": "Рег. номер", "en": "Registration no."},
    "reg_unknown": {"ru": "неизвестен", "en": "unknown"},
    "note": {"ru": "Примечание", "en": "Note"},
    "source": {"ru": "Источник", "en": "Source"},
    "table_title": {"ru": "Список продуктов", "en": "Product list"},
    "table_note": {"ru": "Регистрационные номера неизвестны: выгрузки Государственного реестра лекарственных "
                         "средств (ГРЛС) нет, поэтому в колонке «Рег. номер» написано «неизвестен».",
                   "en": "Registration numbers are unknown: no export of the State Register of Medicinal "
                         "Products (GRLS) was available, so the column says “unknown”."},
    "search": {"ru": "Быстрый поиск по таблице", "en": "Quick search in the table"},
    "search_placeholder": {"ru": "название, МНН, компания…", "en": "name, INN, company…"},
    "download_table": {"ru": "Скачать таблицу (CSV)", "en": "Download table (CSV)"},
    "no_products": {"ru": "Нет продуктов для выбранной области и компаний",
                    "en": "No products for this therapy area and these companies"},
    "no_counts": {"ru": "Для выбранных компаний и области процитированных чисел нет",
                  "en": "No cited counts for these companies and this therapy area"},
}


tx = page_text(TEXT)


def _company_options(lang: str) -> list[dict]:
    products = queries.product_rows()
    names = pdata.company_names(queries.company_rows(), products, lang)
    keys = sorted({row["company_key"] for row in products if row["company_key"] is not None},
                  key=lambda k: names.get(k, k).casefold())
    return [{"value": k, "label": names.get(k, k)} for k in keys]


@single_params
def layout(lang: str | None = None, area: str | None = None, company: str | None = None,
           chart: str | None = None, q: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    options = _company_options(lang)
    known = {o["value"] for o in options}
    chosen = [c for c in (company or "").split(",") if c in known]
    return html.Div(className="products-page", children=[
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.Div(className="controls", children=[
            dmc.MultiSelect(id=f"{PAGE}-company", label=tx("company", lang), data=options, value=chosen,
                            placeholder=tx("all_companies", lang), searchable=True, clearable=True, w=420,
                            comboboxProps={"withinPortal": True}),
        ]),
        # The chart type sits in the tree's own card, so the page's first screen reaches the chart sooner.
        chart_card(TREE, tx("tree_title", lang), lang, height=520, description=tx("tree_desc", lang), controls=[
            html.Div(className="products-chart-switch", children=[
                dmc.Text(tx("chart", lang), size="sm", fw=500, id=f"{PAGE}-chart-label"),
                dmc.SegmentedControl(id=f"{PAGE}-chart", value=chart if chart in CHARTS else "treemap",
                                     data=[{"value": c, "label": tx(c, lang)} for c in CHARTS], size="xs",
                                     **{"aria-labelledby": f"{PAGE}-chart-label"})])]),
        html.Div(className="grid products-grid", children=[
            chart_card(BY_COMPANY, tx("by_company_title", lang), lang, height=380),
            chart_card(BY_YEAR, tx("by_year_title", lang), lang, height=380,
                       description=html.Span("\u00a0", id=f"{BY_YEAR}-note")),
        ]),
        html.Div(className="products-registrations", children=[
            chart_card(REGISTRATIONS, tx("reg_title", lang), lang, height=340, description=tx("reg_desc", lang)),
            html.Div(id=f"{PAGE}-pipeline", className="card products-pipeline"),
        ]),
        html.Section(className="card products-table", **{"aria-labelledby": f"{PAGE}-table-title"}, children=[
            html.Div(className="card-head", children=[
                html.H2(tx("table_title", lang), id=f"{PAGE}-table-title", className="card-title"),
                html.Button(tx("download_table", lang), id=f"{PAGE}-export", className="button-secondary"),
            ]),
            html.P(tx("table_note", lang), className="products-registration-note", role="note"),
            html.P(t("note.translation", lang), className="card-description"),
            dmc.TextInput(id=f"{PAGE}-search", label=tx("search", lang), value=q or "", debounce=250,
                          placeholder=tx("search_placeholder", lang), w=340, className="products-search"),
            dag.AgGrid(id=GRID, columnDefs=_columns(lang), rowData=[], getRowId="params.data.record_key",
                       defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 110,
                                      "wrapText": True, "autoHeight": True},
                       dashGridOptions={"quickFilterText": q or "", "animateRows": False,
                                        "enableCellTextSelection": True, "ensureDomOrder": True,
                                        "localeText": grid_locale_text(lang)},
                       csvExportParams=grid_export_params("kaluga_cluster_products.csv"),
                       style={"height": "560px", "width": "100%"}),
        ]),
    ])


def _columns(lang: str) -> list[dict]:
    return [
        {"field": "trade_name", "headerName": tx("product", lang), "pinned": "left", "minWidth": 170},
        {"field": "company", "headerName": tx("company_col", lang), "minWidth": 150},
        {"field": "inn", "headerName": tx("inn", lang)},
        {"field": "dosage_form", "headerName": tx("form", lang)},
        {"field": "status", "headerName": tx("status", lang), "minWidth": 200},
        {"field": "year", "headerName": tx("year", lang), "filter": "agNumberColumnFilter", "maxWidth": 140},
        {"field": "therapy_area", "headerName": tx("area", lang), "minWidth": 160},
        {"field": "atc", "headerName": tx("atc", lang), "minWidth": 160},
        {"field": "registration_number", "headerName": tx("reg_number", lang),
         "cellClass": "products-unknown"},
        {"field": "note", "headerName": tx("note", lang), "minWidth": 200},
        {"field": "source_link", "headerName": tx("source", lang), "cellRenderer": "markdown",
         "cellRendererParams": {"linkTarget": "_blank"}, "minWidth": 150,
         "getQuickFilterText": {"function": "params.data.source"}},
    ]


sync_url(PAGE, [("company", f"{PAGE}-company", "value"), ("chart", f"{PAGE}-chart", "value"),
                ("q", f"{PAGE}-search", "value")])


# NOTE: each chart's outputs for one selection are memoized (render_*), figures as plain dicts; the lookups
# below are not (one memo layer per request): they read the cluster tables as plain rows (queries.*_rows,
# memoized there) and shape a few dozen rows in Python, which costs less than storing their results.


def _selection(chosen, area) -> tuple[tuple, str | None]:
    """The callback inputs as hashable arguments: chosen companies (order does not matter) and area."""
    return tuple(sorted(set(chosen or ()), key=str)), area or None




def _texts(lang: str) -> RecordedText:
    # An English page shows the texts as recorded: only a Russian page reads the translations.
    return RecordedText(queries.translations("cluster") if lang == "ru" else {}, lang)


def _products(lang: str) -> list[dict]:
    """Every product row, its recorded texts in the page's language."""
    return _texts(lang).rows(queries.product_rows(), pdata.PRODUCT_TEXTS)


def _filtered(area: str | None, chosen, lang: str) -> list[dict]:
    return pdata.filter_products(_products(lang), area, chosen)


def _names(lang: str) -> dict[str, str]:
    return pdata.company_names(queries.company_rows(), queries.product_rows(), lang)


def _sources() -> pdata.SourceLabels:
    return pdata.SourceLabels(queries.source_rows())


def _atc(lang: str) -> dict[str, str]:
    """ATC code -> name: WHO's on an English page, the official Russian one on a Russian page."""
    return pdata.atc_names(queries.atc_rows(), queries.translations("atc") if lang == "ru" else None)


def _area_keys(area: str | None) -> frozenset[str] | None:
    keys = companies_in_area_rows(area, queries.product_rows(), queries.company_rows())
    return None if keys is None else frozenset(keys)


def _cited_counts(lang: str) -> tuple[list[dict], list[dict]]:
    """The cited registration counts and pipeline figures (every company)."""
    names, texts = _names(lang), _texts(lang)
    indicators = queries.cluster_indicator_rows()
    # NOTE: the figures are picked by their English wording first, then shown in the page's language.
    return (texts.rows(pdata.registration_rows(indicators, names), pdata.CITED_TEXTS),
            texts.rows(pdata.pipeline_rows(indicators, names), pdata.CITED_TEXTS))


@lru_cache(maxsize=1024)
def _number(value: int, lang: str) -> str:
    """format_number of a count, once per process (Babel takes ~50 us a call; a tree has dozens)."""
    return format_number(value, lang)


def _hover(lang: str, value_key: str = "card.value") -> str:
    """value, unit, period and source lines from customdata [0 value text, 1 unit, 2 period, 3 source]."""
    return (f"{t(value_key, lang)}: " + "%{customdata[0]} %{customdata[1]}"
            + f"<br>{t('card.period', lang)}: " + "%{customdata[2]}"
            + f"<br>{t('card.source', lang)}: " + "%{customdata[3]}")


def _sources_of(rows: list[dict], sources: pdata.SourceLabels, lang: str) -> list:
    """The card's source line: every source of the rows, once."""
    return source_line(pdata.source_items([row["source_url"] for row in rows], sources), lang, "card.sources")


@callback(
    *chart_outputs(TREE),
    Input(f"{PAGE}-company", "value"),
    Input(f"{PAGE}-chart", "value"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_tree(chosen, chart, area, lang):
    chosen, area = _selection(chosen, area)
    return render_tree(chosen, "sunburst" if chart == "sunburst" else "treemap", area, normalise_language(lang))


TREE_SHOWN = {"label": "product", "company": "company", "parent": "atc_or_area_node", "period": "period",
              "source": "source"}


@cache.memoize()
def render_tree(chosen: tuple, kind: str, area: str | None, lang: str) -> tuple:
    """The tree card's outputs for one selection."""
    products = _filtered(area, chosen, lang)
    sources = _sources()
    nodes = pdata.tree_rows(products, _atc(lang), queries.therapy_area_rows(), _names(lang), sources, lang)
    unit = tx("products_unit", lang)
    if not nodes:
        return chart_result(plain.empty(tx("no_products", lang), lang, 520),
                            pd.DataFrame(columns=pdata.TREE_COLUMNS), [], unit, "products_by_therapy_area.csv")
    figure = tree_figure(nodes, kind, lang)
    shown = pd.DataFrame([[node[c] for c in TREE_SHOWN] for node in nodes if node["level"] == 3],
                         columns=list(TREE_SHOWN.values()))
    return chart_result(figure, shown, _sources_of(products, sources, lang), unit, "products_by_therapy_area.csv")


def tree_figure(nodes: list[dict], kind: str, lang: str) -> dict:
    """The ATC tree (pdata.tree_rows) as a treemap or a sunburst (a plain figure dict); each top-level branch
    has one palette colour."""
    # Colours follow the ATC letters in order, so a filter that keeps a group keeps most colours.
    groups = sorted({node["group"] for node in nodes} - {"", pdata.NO_ATC})
    colour = {g: PALETTE[n % len(PALETTE)] for n, g in enumerate(groups)}
    colour[pdata.NO_ATC] = MUTED
    colours = ["#ffffff" if node["level"] == 0 else colour.get(node["group"], MUTED) for node in nodes]
    unit = tx("products_unit", lang)
    customdata = [[_number(node["value"], lang), unit, node["period"] or "—", node["source"] or "—", node["company"]]
                  for node in nodes]
    hover = ("<b>%{label}</b><br>%{customdata[4]}<br>" + _hover(lang) + "<extra></extra>")
    common = {"ids": [node["id"] for node in nodes], "labels": [node["label"] for node in nodes],
              "parents": [node["parent"] for node in nodes], "values": [int(node["value"]) for node in nodes],
              "branchvalues": "total", "customdata": customdata, "hovertemplate": hover,
              "marker": {"colors": colours, "line": {"color": "#ffffff", "width": 1}}}
    if kind == "sunburst":
        trace = {"type": "sunburst", **common, "insidetextorientation": "radial", "maxdepth": 4}
    else:
        trace = {"type": "treemap", **common, "tiling": {"packing": "squarify", "pad": 2},
                 "pathbar": {"visible": True}, "texttemplate": "<b>%{label}</b><br>%{customdata[4]}",
                 "textposition": "top left"}
    layout = base_layout(lang, 520, margin={"l": 4, "r": 4, "t": 36, "b": 4})
    if kind == "treemap":
        # On a phone all four levels at once left every box too small to read, and plotly shrinks a label to its
        # box's width: the level below the one shown (the ATC groups; clicking a box opens it, the path bar leads
        # back), each label in lines of at most 16 characters. Even so the smallest groups' labels came out at 4-9
        # px (L, H, C, R at 375 px): a label that would be under 10 px is not drawn (its box names it on hover, and
        # in the path bar once opened), and the labels drawn share one size, the smallest of theirs.
        narrow(layout, {"uniformtext.mode": "hide", "uniformtext.minsize": 10},
               traces={0: {"maxdepth": 2, "text": [wrapped(node["label"], 16) for node in nodes],
                           "texttemplate": "<b>%{text}</b><br>%{customdata[4]}"}})
    return plain.figure([trace], layout)


@callback(
    *chart_outputs(BY_COMPANY),
    Input(f"{PAGE}-company", "value"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_by_company(chosen, area, lang):
    return render_by_company(*_selection(chosen, area), normalise_language(lang))


@cache.memoize()
def render_by_company(chosen: tuple, area: str | None, lang: str) -> tuple:
    """The by-company card's outputs for one selection."""
    products = _filtered(area, chosen, lang)
    sources = _sources()
    counts = pdata.by_company_rows(products, _names(lang), sources)
    unit = tx("products_unit", lang)
    table = pd.DataFrame(counts, columns=pdata.BY_COMPANY_COLUMNS)
    if not counts:
        return chart_result(plain.empty(tx("no_products", lang), lang, 380), table, [], unit,
                            "products_by_company.csv")
    ordered = counts[::-1]
    label_missing = pdata.label("no_year", lang)
    products_count = [int(row["products"]) for row in ordered]
    records = tx("records", lang)
    customdata = [[_number(n, lang), unit, row["years"] or label_missing, row["sources"], row["product_names"],
                   f"{_number(row['records'], lang)} {records}"]
                  for n, row in zip(products_count, ordered, strict=True)]
    bar = {"type": "bar", "x": products_count, "y": [row["company"] for row in ordered], "orientation": "h",
           "marker": {"color": [MUTED if row["company_key"] == pdata.CLUSTER_KEY else PALETTE[0] for row in ordered]},
           "text": [_number(n, lang) for n in products_count],
           "textposition": "outside", "customdata": customdata, "cliponaxis": False,
           "hovertemplate": ("<b>%{y}</b><br>" + _hover(lang)
                             + "<br>%{customdata[4]}<br><i>%{customdata[5]}</i><extra></extra>")}
    height = max(380, 30 * len(ordered) + 80)
    layout = base_layout(lang, height, margin={"l": 8, "r": 24, "t": 36, "b": 40},
                         xaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee", "dtick": 1},
                         yaxis={"automargin": True}, showlegend=False)
    # On a phone the companies' names took the width (plotly cut the longest at the chart's left edge) and the counts'
    # ticks ran into each other: the names in lines of at most 18 characters in 10 px, about four ticks.
    companies = [row["company"] for row in ordered]
    narrow(layout, {**wrapped_ticks("yaxis", companies, companies, 18),
                    "xaxis.dtick": max(1, math.ceil(max(products_count) / 4))})
    figure = plain.figure([bar], layout)
    return chart_result(figure, table, _sources_of(products, sources, lang), unit, "products_by_company.csv")


@callback(
    *chart_outputs(BY_YEAR),
    Output(f"{BY_YEAR}-note", "children"),
    Input(f"{PAGE}-company", "value"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_by_year(chosen, area, lang):
    return render_by_year(*_selection(chosen, area), normalise_language(lang))


@cache.memoize()
def render_by_year(chosen: tuple, area: str | None, lang: str) -> tuple:
    """The by-year card's outputs (and its note) for one selection."""
    products = _filtered(area, chosen, lang)
    sources = _sources()
    counts, missing = pdata.by_year_rows(products, sources)
    unit = tx("products_unit", lang)
    note = tx("by_year_desc", lang, n=_number(missing, lang))
    table = pd.DataFrame(counts, columns=pdata.BY_YEAR_COLUMNS)
    if not counts:
        return (*chart_result(plain.empty(tx("no_products", lang), lang, 380), table, [], unit,
                              "products_by_year.csv"), note)
    customdata = [[_number(row["products"], lang), unit, str(row["year"]), row["sources"], row["product_names"],
                   row["statuses"]] for row in counts]
    bar = {"type": "bar", "x": [str(row["year"]) for row in counts], "y": [int(row["products"]) for row in counts],
           "marker": {"color": PALETTE[2]}, "customdata": customdata,
           "hovertemplate": (_hover(lang) + "<br>%{customdata[4]}<br><i>%{customdata[5]}</i><extra></extra>")}
    figure = plain.figure([bar], base_layout(lang, 380, xaxis={"type": "category", "gridcolor": "#e6e9ee"},
                                             yaxis={"title": {"text": unit}, "dtick": 1, "gridcolor": "#e6e9ee"},
                                             showlegend=False, margin={"l": 56, "r": 16, "t": 36, "b": 48}))
    return (*chart_result(figure, table, _sources_of(products, sources, lang), unit, "products_by_year.csv"), note)


def _registration_companies(area: str | None, chosen: tuple) -> frozenset[str] | None:
    """Companies whose cited counts to show: the chosen ones, within the therapy area (None = all)."""
    keys = _area_keys(area)
    if chosen:
        keys = frozenset(chosen) if keys is None else keys & frozenset(chosen)
    return keys


@callback(
    *chart_outputs(REGISTRATIONS),
    Output(f"{PAGE}-pipeline", "children"),
    Input(f"{PAGE}-company", "value"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_registrations(chosen, area, lang):
    return render_registrations(*_selection(chosen, area), normalise_language(lang))


@cache.memoize()
def render_registrations(chosen: tuple, area: str | None, lang: str) -> tuple:
    """The cited counts card's outputs and the pipeline list for one selection."""
    sources = _sources()
    counts, pipeline = _cited_counts(lang)
    keys = _registration_companies(area, chosen)
    if keys is not None:
        counts = [row for row in counts if row["company_key"] in keys]
        pipeline = [row for row in pipeline if row["company_key"] in keys]
    unit = tx("count_unit", lang)
    pipeline_block = _pipeline_block(pipeline, sources, lang)
    table = pd.DataFrame(counts, columns=pdata.REGISTRATION_COLUMNS)
    if not counts:
        return (*chart_result(plain.empty(tx("no_counts", lang), lang, 340), table, [], unit,
                              "registrations_by_year.csv"), pipeline_block)
    by_company: dict[str, list[dict]] = {}
    for row in counts:
        by_company.setdefault(row["company"], []).append(row)
    traces = []
    for n, (company, part) in enumerate(by_company.items()):
        customdata = [[row["value_raw"], f"{row['unit']} · {row['indicator']}", row["year_raw"],
                       sources(row["source_url"])[0], row["note"]] for row in part]
        traces.append({"type": "bar", "x": [str(row["year"]) for row in part], "y": [row["value"] for row in part],
                       "name": company, "marker": {"color": PALETTE[n % len(PALETTE)]},
                       "text": [row["value_raw"] for row in part], "textposition": "outside", "cliponaxis": False,
                       "customdata": customdata,
                       "hovertemplate": ("<b>%{fullData.name}</b><br>" + _hover(lang, "card.value")
                                         + "<br><i>%{customdata[4]}</i><extra></extra>")})
    figure = plain.figure(traces, base_layout(lang, 340, barmode="group", margin={"l": 56, "r": 16, "t": 36, "b": 48},
                                              xaxis={"type": "category", "title": {"text": tx("year", lang)}},
                                              yaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee"}))
    return (*chart_result(figure, table, _sources_of(counts, sources, lang), unit, "registrations_by_year.csv"),
            pipeline_block)


def _pipeline_block(pipeline: list[dict], sources: pdata.SourceLabels, lang: str) -> list:
    if not pipeline:
        return []
    items = []
    for row in pipeline:
        text, url = sources(row["source_url"])
        link = html.A(text, href=url, target="_blank", rel="noopener") if url else html.Span(text)
        items.append(html.Li([html.Strong(f"{row['value_raw']} {row['unit']}".strip()), f" — {row['indicator']}",
                              f" ({row['company']}, {row['year_raw']}) · ", link]))
    return [html.P(tx("pipeline", lang), className="products-pipeline-title"), html.Ul(items)]


@callback(
    Output(GRID, "rowData"),
    Input(f"{PAGE}-company", "value"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_grid(chosen, area, lang):
    lang = normalise_language(lang)
    rows = pdata.product_table_rows(_filtered(area, chosen, lang), _names(lang), _atc(lang),
                                    queries.therapy_area_rows(), _sources(), lang, tx("reg_unknown", lang))
    for row in rows:
        row["source_link"] = markdown_link(row["source"], row["source_url"])
    return rows


@callback(Output(GRID, "dashGridOptions"), Input(f"{PAGE}-search", "value"), prevent_initial_call=True)
def quick_search(value):
    patch = Patch()
    patch["quickFilterText"] = value or ""
    return patch


@callback(Output(GRID, "exportDataAsCsv"), Input(f"{PAGE}-export", "n_clicks"), prevent_initial_call=True)
def export_table(_clicks):
    return True
