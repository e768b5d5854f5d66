"""Kaluga scorecard: every headline indicator for one year, Kaluga beside the peers the user picks."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import queries
from dashboard.cache import cache
from dashboard.components import int_or, single_params, source_line, sync_url, url_state
from dashboard.exports import xlsx_download
from dashboard.i18n import (
    INTL_LOCALE,
    format_count,
    format_period,
    grid_locale_text,
    grid_number_formatter,
    normalise_language,
    page_text,
    t,
)
from dashboard.model import scorecard as model
from dashboard.model.export import Sheet, download, xlsx_bytes
from dashboard.titles import page_title

dash.register_page(__name__, path="/scorecard", order=1.5, label_key="nav.scorecard",
                   title=page_title("nav.scorecard"))

PAGE = "scorecard"
MAX_PEERS = 8

TEXT = {
    "title": {"ru": "Калужская область: главные показатели", "en": "Kaluga Oblast scorecard"},
    "lead": {"ru": "Значение, место среди {n} субъектов РФ и изменение к предыдущему периоду по каждому главному "
                   "показателю за выбранный год, рядом с выбранными регионами.",
             "en": "Value, rank among Russia's {n} federal subjects and change on the previous period for every "
                   "headline indicator in the chosen year, beside the regions you pick."},
    "rules": {"ru": "Место: 1 — наибольшее значение (для безработицы и цен это не «лучшее»); считается среди "
                    "субъектов с опубликованным значением за тот же период и в том же издании; равные значения "
                    "делят места (66–69 из 85). Месячный "
                    "показатель ранжируется за один месяц (последний опубликованный месяц года), месяцы не "
                    "смешиваются. Изменение: в процентах для уровней, в процентных пунктах для ставок и индексов, "
                    "к предыдущему периоду того же вида в том же издании. Берётся новейшее издание, в котором "
                    "этот период есть почти для всех регионов.",
              "en": "Rank: 1 = the highest value (for unemployment and prices that is not 'best'), among the "
                    "subjects with a published figure for the same period in the same edition; equal values share "
                    "places (66–69 of 85). A monthly "
                    "indicator is ranked for one month (the newest month of the year published), never over "
                    "pooled months. Change: in percent for levels, in percentage points for rates and indices, "
                    "on the previous period of the same kind in the same edition. Figures come from the newest "
                    "edition that has the period for nearly every region."},
    "year": {"ru": "Год", "en": "Year"},
    "peers": {"ru": "Регионы для сравнения", "en": "Peer regions"},
    "peers_hint": {"ru": "По умолчанию — соседи Калужской области", "en": "Kaluga's neighbours by default"},
    "col_indicator": {"ru": "Показатель", "en": "Indicator"},
    "col_unit": {"ru": "Единица", "en": "Unit"},
    "col_period": {"ru": "Период", "en": "Period"},
    "col_value": {"ru": "Значение", "en": "Value"},
    "col_rank": {"ru": "Место", "en": "Rank"},
    "col_change": {"ru": "Изменение", "en": "Change"},
    "kaluga": {"ru": "Калужская область", "en": "Kaluga Oblast"},
    "not_published": {"ru": "не опубликовано за {year} г.", "en": "not published for {year}"},
    "missing": {"ru": "нет данных", "en": "no figure"},
    "not_loaded": {"ru": "нет в базе", "en": "not in the database"},
    "of": {"ru": "из", "en": "of"},
    "tied": {"ru": "Одно значение у нескольких регионов: они делят эти места",
             "en": "Several regions have this value: they share these places"},
    "points": {"ru": "п.\u00a0п.", "en": "pp"},
    "download": {"ru": "Скачать таблицу (CSV)", "en": "Download table (CSV)"},
    "download_xlsx": {"ru": "Excel (XLSX)", "en": "Excel (XLSX)"},
    "sheet": {"ru": "Сводка", "en": "Scorecard"},
    "about": {"ru": "О данных", "en": "About"},
    "about_year": {"ru": "Год", "en": "Year"},
    "about_regions": {"ru": "Регионы", "en": "Regions"},
    "about_rules": {"ru": "Правила", "en": "Rules"},
    "about_sources": {"ru": "Издания", "en": "Editions"},
    "about_view": {"ru": "Адрес этой сводки", "en": "This view's address"},
    "summary": {"ru": "{year}: опубликовано {published} из {total} показателей Калужской области; "
                      "в сравнении: {regions}.",
                "en": "{year}: {published} of {total} indicators published for Kaluga Oblast; {regions} "
                      "compared."},
    "no_years": {"ru": "В базе нет ни одного главного показателя Калужской области.",
                 "en": "The database holds no headline indicator of Kaluga Oblast."},
    "open_chart": {"ru": "Открыть график показателя", "en": "Open the indicator's chart"},
    # Headline rows: short names a reader scans (the catalogue's full names are in the CSV and the chart).
    "h_grp": {"ru": "ВРП", "en": "GRP"},
    "h_grp_per_capita": {"ru": "ВРП на душу населения", "en": "GRP per capita"},
    "h_investment": {"ru": "Инвестиции в основной капитал", "en": "Investment in fixed capital"},
    "h_investment_per_capita": {"ru": "Инвестиции в основной капитал на душу", "en": "Investment per capita"},
    "h_wage": {"ru": "Среднемесячная зарплата", "en": "Average monthly wage"},
    "h_income": {"ru": "Среднедушевые денежные доходы (в месяц)", "en": "Money income per capita (per month)"},
    "h_real_income": {"ru": "Реальные денежные доходы", "en": "Real money incomes"},
    "h_unemployment": {"ru": "Уровень безработицы (МОТ)", "en": "Unemployment rate (LFS)"},
    "h_industrial_production": {"ru": "Индекс промышленного производства", "en": "Industrial production index"},
    "h_prices": {"ru": "Индекс потребительских цен (декабрь к декабрю)",
                 "en": "Consumer price index (December on December)"},
    "h_prices_monthly": {"ru": "Рост потребительских цен за год, месяц (Банк России)",
                         "en": "Consumer prices, year on year, monthly (Bank of Russia)"},
    "h_population": {"ru": "Среднегодовая численность населения", "en": "Average annual population"},
    "h_rd_expenditure": {"ru": "Внутренние затраты на исследования и разработки",
                         "en": "Gross domestic expenditure on R&D"},
    "h_innovation_activity": {"ru": "Уровень инновационной активности организаций",
                              "en": "Innovation activity rate of organisations"},
    "h_innovative_goods": {"ru": "Инновационные товары, работы, услуги", "en": "Innovative goods, works, services"},
    "h_exports_non_cis": {"ru": "Экспорт в страны дальнего зарубежья", "en": "Exports to non-CIS countries"},
    "h_exports_cis": {"ru": "Экспорт в страны СНГ", "en": "Exports to CIS countries"},
    "h_imports_non_cis": {"ru": "Импорт из стран дальнего зарубежья", "en": "Imports from non-CIS countries"},
    "h_imports_cis": {"ru": "Импорт из стран СНГ", "en": "Imports from CIS countries"},
}
tx = page_text(TEXT)


@cache.memoize()
def year_choices() -> tuple[list[int], int | None]:
    """Years with a Kaluga figure on some headline indicator (newest first), and the default year: the
    newest year with at least 80% as many headline figures as the best-covered year (so the first view is
    not a half-empty newest year)."""
    counts = model.year_coverage(queries.engine())
    years = sorted(counts, reverse=True)
    best = max(counts.values(), default=0)
    default = next((y for y in years if counts[y] >= 0.8 * best), None)
    return years, default


@cache.memoize()
def subject_options(lang: str) -> list[dict]:
    regions = queries.regions()
    subjects = regions[(regions["kind"] == "region") & (regions["code"] != model.KALUGA)]
    column = "name_en" if lang == "en" else "name_ru"
    return [{"value": r.code, "label": getattr(r, column) or r.name_ru} for r in subjects.itertuples()]


def _peers(value: str | None, known: set[str]) -> list[str]:
    if value is None:
        return list(model.NEIGHBOURS)
    codes = [c for c in dict.fromkeys(value.split(",")) if c in known and c != model.KALUGA]
    return codes[:MAX_PEERS]


@single_params
def layout(lang: str | None = None, year: str | None = None, peers: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    years, default = year_choices()
    options = subject_options(lang)
    chosen_year = int_or(year, default)
    if chosen_year not in years:
        chosen_year = default
    chosen_peers = _peers(peers, {o["value"] for o in options})
    if not years:
        return html.Div([html.H1(tx("title", lang), className="page-title"),
                         html.P(tx("no_years", lang), className="empty-state", role="status")])
    return html.Div([
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang, n=len(queries.regions().query("kind == 'region'"))), className="page-lead"),
        html.Div(className="controls scorecard-controls", children=[
            dmc.Select(id=f"{PAGE}-year", label=tx("year", lang), value=str(chosen_year),
                       data=[str(y) for y in years], allowDeselect=False, w=120, size="sm"),
            dmc.MultiSelect(id=f"{PAGE}-peers", label=tx("peers", lang), description=tx("peers_hint", lang),
                            value=chosen_peers, data=options, searchable=True, clearable=True,
                            maxValues=MAX_PEERS, size="sm", className="scorecard-peers",
                            comboboxProps={"withinPortal": True}),
        ]),
        html.Section(className="card scorecard-card", children=[
            html.Div(className="card-head", children=[
                html.Div([html.H2(id=f"{PAGE}-heading", className="card-title"),
                          html.Span(id=f"{PAGE}-summary", className="card-unit")]),
                html.Div(className="scorecard-downloads", children=[
                    html.Button(tx("download", lang), id=f"{PAGE}-download-button", className="button-secondary"),
                    html.Button(tx("download_xlsx", lang), id=f"{PAGE}-download-xlsx-button",
                                className="button-secondary"),
                ]),
            ]),
            dcc.Loading(dag.AgGrid(
                id=f"{PAGE}-grid", rowData=[], columnDefs=[],
                defaultColDef={"sortable": True, "resizable": True, "suppressMovable": True,
                               "wrapHeaderText": True, "autoHeaderHeight": True},
                dashGridOptions={"animateRows": False, "enableCellTextSelection": True, "ensureDomOrder": True,
                                 "domLayout": "autoHeight", "localeText": grid_locale_text(lang),
                                 "tooltipShowDelay": 300},
                style={"width": "100%"}, className="ag-theme-alpine scorecard-grid",
            ), type="dot", delay_show=150),
            html.P(tx("rules", lang), className="card-description scorecard-rules"),
            html.P(id=f"{PAGE}-source", className="source-line"),
            dcc.Download(id=f"{PAGE}-download"),
            dcc.Download(id=f"{PAGE}-download-xlsx"),
        ]),
    ])


sync_url(PAGE, [("year", f"{PAGE}-year", "value"), ("peers", f"{PAGE}-peers", "value")])


@callback(
    Output(f"{PAGE}-grid", "rowData"), Output(f"{PAGE}-grid", "columnDefs"), Output(f"{PAGE}-heading", "children"),
    Output(f"{PAGE}-summary", "children"), Output(f"{PAGE}-source", "children"),
    Input(f"{PAGE}-year", "value"), Input(f"{PAGE}-peers", "value"), State(f"{PAGE}-lang", "data"),
)
def update_grid(year, peers, lang):
    lang = normalise_language(lang)
    years, default = year_choices()
    year = int_or(year, default)
    if year not in years:
        year = default
    known = {o["value"] for o in subject_options(lang)}
    peers = tuple(p for p in (peers or []) if p in known and p != model.KALUGA)[:MAX_PEERS]
    return render(year, peers, lang)


@cache.memoize()
def read(year: int, peers: tuple[str, ...], lang: str) -> pd.DataFrame:
    """The model's scorecard as a frame (cached: one read serves the grid and the CSV)."""
    return model.scorecard(queries.engine(), year, (model.KALUGA, *peers), lang).frame()


def chart_href(code: str, regions: list[str], period: str | None, edition: str | None, lang: str) -> str:
    """The row's chart on the indicators page: the ranking of every region for the row's period and edition
    (where the row's ranks come from), with Kaluga and the peers chosen for the line view."""
    query = {"lang": lang, "indicator": code, "regions": ",".join(regions),
             **({"view": "ranking", "year": period} if period else {}), **({"edition": edition} if edition else {})}
    return f"/indicators?{urlencode(query, safe=',')}"


def grid_rows(frame: pd.DataFrame, regions: list[str], year: int, lang: str) -> list[dict]:
    """One grid row per headline: its name (a link to the chart), period, unit, and per region the value,
    rank and change (numbers, so every column sorts as numbers) with a note where there is no value."""
    rows = []
    for key, part in frame.groupby("headline", sort=False):
        first = part.iloc[0]
        edition = first["edition"] if isinstance(first["edition"], str) else None
        row = {"key": key, "indicator": tx(f"h_{key}", lang), "code": first["indicator_code"],
               "href": chart_href(first["indicator_code"], regions,
                                  first["period"] if isinstance(first["period"], str) else None, edition, lang),
               "full_name": first["indicator_name"] if isinstance(first["indicator_name"], str) else "",
               "unit": first["unit"] if isinstance(first["unit"], str) else "",
               "period": format_period(first["period"], lang) if isinstance(first["period"], str) else "",
               "edition": first["edition_title"] if isinstance(first["edition_title"], str) else "",
               "change_unit": first["change_unit"]}
        for index, region in enumerate(regions):
            cell = part[part["region_code"] == region]
            if cell.empty:
                continue
            cell = cell.iloc[0]
            status = cell["status"]
            row[f"v{index}"] = None if pd.isna(cell["value"]) else float(cell["value"])
            row[f"r{index}"] = None if pd.isna(cell["rank"]) else int(cell["rank"])
            row[f"n{index}"] = None if pd.isna(cell["ranked"]) else int(cell["ranked"])
            row[f"t{index}"] = None if pd.isna(cell["tied"]) else int(cell["tied"])
            row[f"c{index}"] = None if pd.isna(cell["change"]) else float(cell["change"])
            # A headline not published for the year says so once, in its period cell; a region without a
            # figure where others have one says so in its value cell.
            row[f"s{index}"] = {"": "", "missing": tx("missing", lang)}.get(status, "—")
            if status in ("not_published", "not_loaded"):
                row["period"] = tx(status, lang, year=year)
        rows.append(row)
    return rows


def column_defs(regions: list[str], names: dict[str, str], lang: str) -> list[dict]:
    """Indicator, then Kaluga's value, rank and change (the answer on a phone's first screen), the period and
    unit, then each peer's value, rank and change."""
    locale = INTL_LOCALE[lang]
    value_format = grid_number_formatter(lang)["function"]
    groups = []
    for index, region in enumerate(regions):
        value = value_format.replace("params.value", f"params.data.v{index}")
        kaluga = "scorecard-kaluga" if index == 0 else None
        groups.append({"headerName": names.get(region, region), "headerClass": kaluga, "children": [
            {"field": f"v{index}", "headerName": tx("col_value", lang), "type": "numericColumn", "minWidth": 105,
             "maxWidth": 160, "valueFormatter": {"function": f"params.data.s{index} ? params.data.s{index} : {value}"},
             "cellClass": kaluga},
            # NOTE: wide enough for a shared place ("66–69 из 85"), which 105 px cut to "66–69 из…"
            {"field": f"r{index}", "headerName": tx("col_rank", lang), "type": "numericColumn", "minWidth": 118,
             "maxWidth": 128,
             # a shared place reads as the span of places it holds: 66–69 of 85
             "valueFormatter": {"function": f"params.value == null ? '' : params.value + (params.data.t{index} > 1 "
                                            f"? '–' + (params.value + params.data.t{index} - 1) : '') + "
                                            f"' {tx('of', lang)} ' + params.data.n{index}"},
             "tooltipValueGetter": {"function": f"params.data.t{index} > 1 ? '{tx('tied', lang)}' : null"}},
            {"field": f"c{index}", "headerName": tx("col_change", lang), "type": "numericColumn", "minWidth": 90,
             "maxWidth": 110,
             "valueFormatter": {"function": f"atlasChange(params.value, params.data.change_unit, '{locale}', "
                                            f"'{tx('points', lang)}')"}},
        ]})
    return [
        {"field": "indicator", "headerName": tx("col_indicator", lang), "pinned": "left", "minWidth": 150,
         "flex": 2, "cellRenderer": "ScorecardLink", "tooltipField": "full_name", "wrapText": True,
         "autoHeight": True, "cellClass": "scorecard-indicator"},
        groups[0],
        {"field": "period", "headerName": tx("col_period", lang), "minWidth": 110, "maxWidth": 190,
         "tooltipField": "edition", "wrapText": True, "autoHeight": True},
        {"field": "unit", "headerName": tx("col_unit", lang), "minWidth": 150, "flex": 1, "wrapText": True,
         "autoHeight": True},
        *groups[1:],
    ]


@cache.memoize()
def render(year: int | None, peers: tuple[str, ...], lang: str) -> tuple:
    if year is None:
        return [], [], tx("title", lang), tx("no_years", lang), []
    regions = [model.KALUGA, *peers]
    frame = read(year, peers, lang)
    names = dict(zip(frame["region_code"], frame["region_name"], strict=True))
    kaluga = frame[frame["region_code"] == model.KALUGA]
    published = int((kaluga["status"] == "").sum())
    headlines = int(kaluga["headline"].nunique())
    summary = tx("summary", lang, year=year, published=published, total=headlines,
                 regions=format_count(len(regions), "region", lang))
    editions = kaluga.dropna(subset=["edition"]).drop_duplicates("edition")
    sources = source_line([(title, None) for title in editions["edition_title"]], lang, "card.sources")
    heading = f"{t('region.kaluga', lang)} · {year}"
    return grid_rows(frame, regions, year, lang), column_defs(regions, names, lang), heading, summary, sources


@callback(
    Output(f"{PAGE}-download", "data"),
    Input(f"{PAGE}-download-button", "n_clicks"),
    State(f"{PAGE}-year", "value"), State(f"{PAGE}-peers", "value"), State(f"{PAGE}-lang", "data"),
    prevent_initial_call=True,
)
def download_csv(_clicks, year, peers, lang):
    lang = normalise_language(lang)
    chosen = _download_choice(year, peers, lang)
    if chosen is None:
        return dash.no_update
    year, peers = chosen
    table = model.scorecard(queries.engine(), year, (model.KALUGA, *peers), lang)
    return download(table, f"kaluga_scorecard_{year}.csv")


@callback(
    Output(f"{PAGE}-download-xlsx", "data"),
    Input(f"{PAGE}-download-xlsx-button", "n_clicks"),
    State(f"{PAGE}-year", "value"), State(f"{PAGE}-peers", "value"), State(f"{PAGE}-lang", "data"),
    prevent_initial_call=True,
)
def download_xlsx(_clicks, year, peers, lang):
    lang = normalise_language(lang)
    chosen = _download_choice(year, peers, lang)
    if chosen is None:
        return dash.no_update
    year, peers = chosen
    return xlsx_download(scorecard_xlsx(year, peers, lang), f"kaluga_scorecard_{year}.xlsx")


def _download_choice(year: object, peers: object, lang: str) -> tuple[int, tuple[str, ...]] | None:
    """The year and the peers a download is for, as the page offers them; None for a year it does not offer."""
    years, default = year_choices()
    year = int_or(year, default)
    if year not in years:
        return None
    known = {o["value"] for o in subject_options(lang)}
    chosen = peers if isinstance(peers, list | tuple) else []
    return year, tuple(p for p in chosen if p in known and p != model.KALUGA)[:MAX_PEERS]


def scorecard_xlsx(year: int, peers: tuple[str, ...], lang: str) -> bytes:
    """The scorecard as a workbook: the read model's table (numbers typed) and an About sheet with the year,
    regions, the rules and the editions the figures come from."""
    table = model.scorecard(queries.engine(), year, (model.KALUGA, *peers), lang)
    frame = table.frame()
    regions = "; ".join(dict.fromkeys(str(n) for n in frame["region_name"].dropna()))
    editions = "; ".join(dict.fromkeys(str(e) for e in frame["edition_title"].dropna()))
    view = f"/scorecard?{urlencode({'lang': lang, 'year': year, 'peers': ','.join(peers)}, safe=',')}"
    about = [(tx("about_year", lang), year), (tx("about_regions", lang), regions),
             (tx("about_rules", lang), tx("rules", lang)), (tx("about_sources", lang), editions),
             (tx("about_view", lang), view)]
    return xlsx_bytes([Sheet(tx("sheet", lang), table.names, table.rows),
                       Sheet(tx("about", lang), (tx("title", lang),), about, kind="about")], title=tx("title", lang))
