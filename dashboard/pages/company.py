"""One company's profile: its facts as written, every cited record, investments, products, events,
sources, and its site on the districts map."""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from dashboard import companies_data as cdata
from dashboard import figure_dicts as plain
from dashboard import products_data as pdata
from dashboard import queries
from dashboard.cache import cache
from dashboard.components import chart_card, chart_outputs, chart_result, single_params, source_line
from dashboard.i18n import RecordedText, normalise_language, page_text, pick, t, translate_value
from dashboard.titles import page_title

dash.register_page(__name__, path_template="/companies/<key>", nav=False, label_key="nav.companies",
                   title=page_title("title.company"))

PAGE = "company"
MAP = f"{PAGE}-map"
OSM_COPYRIGHT = "https://www.openstreetmap.org/copyright"
TEXT = {
    "back": {"ru": "← Все компании", "en": "← All companies"},
    "not_found": {"ru": "Компания не найдена", "en": "Company not found"},
    "not_found_text": {"ru": "В справочнике нет компании с ключом «{name}». Возможно, ссылка устарела.",
                       "en": "The directory has no company with the key “{name}”. The link may be out of date."},
    "facts": {"ru": "Сведения (по источникам)", "en": "Facts (as written in the sources)"},
    "facts_desc": {"ru": "У каждого значения — источник. Если источники расходятся, показаны все значения.",
                   "en": "Every value with its source. Where the sources disagree, every value is shown."},
    "disagree": {"ru": "источники расходятся:", "en": "sources disagree:"},
    "site": {"ru": "Площадка", "en": "Site"},
    "district": {"ru": "Район", "en": "District"},
    "unmapped": {"ru": "место не указано на карте", "en": "location not mapped"},
    "parent": {"ru": "Материнская компания", "en": "Parent company"},
    "country": {"ru": "Страна материнской компании", "en": "Parent's country"},
    "kind": {"ru": "Тип", "en": "Kind"},
    "year": {"ru": "Год", "en": "Year"},
    "jobs": {"ru": "Рабочие места", "en": "Jobs"},
    "products_text": {"ru": "Продукция (по источнику)", "en": "Products (as written)"},
    "source": {"ru": "Источник", "en": "Source"},
    "not_stated": {"ru": "не указано", "en": "not stated"},
    "map_title": {"ru": "Площадка на карте районов", "en": "Site on the districts map"},
    "companies_unit": {"ru": "компаний", "en": "companies"},
    "sites_period": {"ru": "площадка, как процитировано", "en": "site as cited"},
    "no_map": {"ru": "Район площадки не указан — на карте не показана",
               "en": "The site names no single district, so it is not on the map"},
    "no_boundaries": {"ru": "Границы районов не загружены", "en": "District boundaries are not bundled"},
    "boundaries": {"ru": "границы: © участники OpenStreetMap (ODbL)",
                   "en": "boundaries: © OpenStreetMap contributors (ODbL)"},
    "records": {"ru": "Все процитированные записи ({n})", "en": "Every cited record ({n})"},
    "records_desc": {"ru": "Источники расходятся — поэтому показаны все записи, как они есть.",
                     "en": "Sources disagree, so every record is shown as it is."},
    "name": {"ru": "Название", "en": "Name"},
    "investments": {"ru": "Инвестиции ({n})", "en": "Investments ({n})"},
    "investments_desc": {"ru": "Суммы — как написано, в валюте источника; без пересчёта.",
                         "en": "Amounts as written, in the source's currency; never converted."},
    "amount": {"ru": "Сумма (как написано)", "en": "Amount (as written)"},
    "status": {"ru": "Статус", "en": "Status"},
    "period": {"ru": "Период", "en": "Period"},
    "note": {"ru": "Примечание", "en": "Note"},
    "products": {"ru": "Продукты ({n})", "en": "Products ({n})"},
    "products_desc": {"ru": "Регистрационные номера неизвестны: выгрузки ГРЛС нет.",
                      "en": "Registration numbers are unknown: no State Register (GRLS) export was available."},
    "product": {"ru": "Продукт", "en": "Product"},
    "inn": {"ru": "МНН", "en": "INN"},
    "form": {"ru": "Форма", "en": "Form"},
    "area": {"ru": "Терапевтическая область", "en": "Therapy area"},
    "atc": {"ru": "АТХ", "en": "ATC"},
    "reg_number": {"ru": "Рег. номер", "en": "Registration no."},
    "reg_unknown": {"ru": "неизвестен", "en": "unknown"},
    "events": {"ru": "События ({n})", "en": "Events ({n})"},
    "date": {"ru": "Дата", "en": "Date"},
    "type": {"ru": "Тип", "en": "Type"},
    "description": {"ru": "Описание", "en": "Description"},
    "location": {"ru": "Место", "en": "Location"},
    "planned": {"ru": "план", "en": "planned"},
    "sources": {"ru": "Источники ({n})", "en": "Sources ({n})"},
    "none": {"ru": "Нет процитированных данных", "en": "Nothing cited"},
}


tx = page_text(TEXT)


@single_params
def layout(key: str | None = None, lang: str | None = None, area: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    company = cdata.find_company(queries.companies(), key)
    back = dcc.Link(tx("back", lang), href=_back_href(lang, area), id=f"{PAGE}-back", className="company-back")
    if company is None:
        return html.Div(className="company-page", children=[
            back,
            html.H1(tx("not_found", lang), className="page-title", id=f"{PAGE}-not-found"),
            html.P(tx("not_found_text", lang, name=key or ""), className="page-lead"),
        ])
    sources = queries.sources()
    records = queries.company_records(company["key"])
    investments = cdata.company_investments(queries.investments(), company["key"])
    products = cdata.company_products(queries.products(), company["key"])
    events = cdata.company_events(queries.events(), company["key"])
    other = company["name_ru"] if lang == "en" else company["name_en"]
    urls = cdata.profile_source_urls(pd.DataFrame({"source_url": [company["source_url"]]}), records, investments,
                                     products, events)
    texts = RecordedText(queries.translations("cluster"), lang)
    return html.Div(className="company-page", children=[
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        dcc.Store(id=f"{PAGE}-key", data=company["key"]),
        back,
        html.H1(cdata.company_name(company, lang), className="page-title", id=f"{PAGE}-title"),
        # the company's name in the other language, marked as such
        html.P(other, className="page-lead", lang="ru" if lang == "en" else "en") if cdata.clean(other) else None,
        html.Div(className="company-top", children=[
            _facts(company, records, lang, sources, texts),
            chart_card(MAP, tx("map_title", lang), lang, height=340),
        ]),
        _section("records", tx("records", lang, n=len(records)), _records_table(records, lang, sources, texts),
                 tx("records_desc", lang)),
        _section("investments", tx("investments", lang, n=len(investments)),
                 _investments_table(investments, lang, sources, texts), tx("investments_desc", lang)),
        _section("products", tx("products", lang, n=len(products)),
                 _products_table(products, lang, sources, texts), tx("products_desc", lang)),
        _section("events", tx("events", lang, n=len(events)), _events_table(events, lang, sources, texts)),
        _section("sources", tx("sources", lang, n=len(urls)), _sources_list(urls, sources)),
    ])


def _back_href(lang: str, area: str | None) -> str:
    return f"/companies?lang={lang}" + (f"&area={area}" if area else "")


# The back link follows the global therapy area if it is changed on this page.
clientside_callback(
    "function(area) { return window.atlas.navHref('/companies', area); }",
    Output(f"{PAGE}-back", "href"),
    Input("global-area", "value"),
)


def _link(url: str, sources: pd.DataFrame) -> html.A | html.Span:
    label, href = pdata.source_label(url, sources)
    return html.A(label, href=href, target="_blank", rel="noopener") if href else html.Span(label)


def _facts(company: pd.Series, records: pd.DataFrame, lang: str, sources: pd.DataFrame,
           texts: RecordedText) -> html.Section:
    """Each field as the cited records state it: one value with its source, or every value with its
    source where the records disagree (never one field from one record and the next from another, unsaid)."""
    # A company with no cited records (not in the bundled data) shows its directory row, with its source.
    facts = cdata.profile_facts(records if not records.empty else pd.DataFrame(
        [{**{f: company.get(f) for f in cdata.PROFILE_FIELDS}, "record_key": company["key"],
          "source_url": company.get("source_url")}]))
    district = (cdata.district_label(company["district"], lang) if cdata.clean(company["district"])
                else tx("unmapped", lang))

    def missing(key: str) -> html.Div:
        return html.Div([html.Dt(tx(key, lang)), html.Dd(tx("not_stated", lang), className="companies-muted")])

    def cited(key: str, field: str) -> html.Div:
        entries = facts[field]
        if not entries:
            return missing(key)
        values = [html.Li(className="company-fact-value", children=[
            html.Span(texts.node(entry["value"], *cdata.FIELD_KINDS[field], name=field in cdata.NAME_FIELDS),
                      className="company-fact-text"), " (",
            *_joined([_link(url, sources) for url in entry["source_urls"]]), ")"]) for entry in entries]
        disagree = len(entries) > 1
        return html.Div(className="company-fact company-fact-disagree" if disagree else "company-fact",
                        id=f"{PAGE}-fact-{field}", children=[
            html.Dt(tx(key, lang)),
            html.Dd([html.Span(tx("disagree", lang), className="company-disagree-note")
                     if disagree else None, html.Ul(values, className="company-fact-values")]),
        ])

    return html.Section(className="card company-facts-card", **{"aria-labelledby": f"{PAGE}-facts-title"},
                        children=[
                            html.H2(tx("facts", lang), id=f"{PAGE}-facts-title", className="card-title"),
                            html.P(tx("facts_desc", lang), className="card-description"),
                            html.P(t("note.translation", lang), className="card-description"),
                            html.Dl(className="company-facts", children=[
                                cited("site", "site"),
                                html.Div([html.Dt(tx("district", lang)), html.Dd(district)]),
                                cited("parent", "parent_company"),
                                cited("country", "parent_country"),
                                cited("kind", "kind"),
                                cited("year", "year_raw"),
                                cited("jobs", "jobs_raw"),
                                cited("products_text", "products_text"),
                            ]),
                        ])


def _joined(parts: list, separator: str = "; ") -> list:
    """Components separated by '; ' (several sources for one value)."""
    out: list = []
    for n, part in enumerate(parts):
        out.extend(([] if n == 0 else [separator]) + [part])
    return out


def _section(name: str, title: str, body, description: str | None = None) -> html.Section:
    return html.Section(className="card company-section", id=f"{PAGE}-{name}",
                        **{"aria-labelledby": f"{PAGE}-{name}-title"}, children=[
                            html.H2(title, id=f"{PAGE}-{name}-title", className="card-title"),
                            html.P(description, className="card-description") if description else None,
                            body,
                        ])


def _table(headers: list[str], rows: list[list], lang: str) -> html.Div:
    if not rows:
        return html.P(tx("none", lang), className="companies-muted")
    return html.Div(className="table-scroll", children=html.Table(className="plain", children=[
        html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
        html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
    ]))


def _field(texts: RecordedText, field: str, value: object):
    """One recorded field's value in the page's language (cdata.FIELD_KINDS says how)."""
    return texts.node(value, *cdata.FIELD_KINDS[field], name=field in cdata.NAME_FIELDS)


def _records_table(records: pd.DataFrame, lang: str, sources: pd.DataFrame, texts: RecordedText) -> html.Div:
    rows = [[pick(lang, r.name_ru, r.name_en), _field(texts, "site", r.site),
             _joined([_field(texts, f, getattr(r, f)) for f in ("parent_company", "parent_country")
                      if cdata.clean(getattr(r, f))], ", "),
             _field(texts, "kind", r.kind), _field(texts, "year_raw", r.year_raw),
             _field(texts, "jobs_raw", r.jobs_raw), _field(texts, "products_text", r.products_text),
             _link(r.source_url, sources)] for r in records.itertuples()]
    headers = [tx(k, lang) for k in ("name", "site", "parent", "kind", "year", "jobs", "products_text", "source")]
    return _table(headers, rows, lang)


def _investments_table(investments: pd.DataFrame, lang: str, sources: pd.DataFrame,
                       texts: RecordedText) -> html.Div:
    rows = [[html.Strong([texts.node(r.amount_raw), " ", texts.text(r.currency_raw, "unit")]),
             translate_value("status", r.status, lang), texts.node(r.period), texts.node(r.note),
             _link(r.source_url, sources)]
            for r in investments.itertuples()]
    return _table([tx(k, lang) for k in ("amount", "status", "period", "note", "source")], rows, lang)


def _products_table(products: pd.DataFrame, lang: str, sources: pd.DataFrame, texts: RecordedText) -> html.Div:
    areas = pdata.area_names(queries.therapy_areas(), lang)
    atc = pdata.atc_names(queries.atc_groups(), queries.translations("atc") if lang == "ru" else None)
    rows = []
    for r in products.itertuples():
        code = cdata.clean(r.atc_code)
        rows.append([html.Strong(texts.node(r.trade_name, name=True)), texts.node(r.inn, name=True),
                     texts.node(r.dosage_form), texts.node(r.status_raw),
                     "" if pd.isna(r.year) else str(int(r.year)),
                     areas.get(cdata.clean(r.therapy_area_code)) or texts.node(r.therapy_area_raw),
                     f"{code} · {pdata.atc_name(code, atc)}" if code else "",
                     html.Span(cdata.clean(r.registration_number) or tx("reg_unknown", lang),
                               className="companies-muted"),
                     _link(r.source_url, sources)])
    headers = [tx(k, lang) for k in ("product", "inn", "form", "status", "year", "area", "atc", "reg_number",
                                     "source")]
    return _table(headers, rows, lang)


def _events_table(events: pd.DataFrame, lang: str, sources: pd.DataFrame, texts: RecordedText) -> html.Div:
    rows = [[html.Span([texts.node(r.date), f" ({tx('planned', lang)})" if r.planned else ""]),
             translate_value("event_type", r.type, lang), texts.node(r.description),
             texts.node(r.location, "place"), _link(r.source_url, sources)] for r in events.itertuples()]
    return _table([tx(k, lang) for k in ("date", "type", "description", "location", "source")], rows, lang)


def _sources_list(urls: list[str], sources: pd.DataFrame) -> html.Ol:
    items = []
    for url in urls:
        match = sources[sources["url"] == url]
        title = cdata.clean(match["title"].iat[0]) if not match.empty else ""
        published = cdata.clean(match["published"].iat[0]) if not match.empty else ""
        label = pdata.source_label(url, sources)[0]
        extra = " — ".join(p for p in (title if title != label else "", published) if p)
        note = html.Span(f" — {extra}" if extra else "", className="companies-muted")
        items.append(html.Li([_link(url, sources), note, html.Br(), html.Small(url, className="companies-url")]))
    return html.Ol(items, className="company-sources")


@callback(
    *chart_outputs(MAP),
    Input(f"{PAGE}-key", "data"),
    State(f"{PAGE}-lang", "data"),
)
def update_map(key, lang):
    return render_map(key if isinstance(key, str) else None, normalise_language(lang))


@cache.memoize()
def render_map(key: str | None, lang: str) -> tuple:
    """The site map card's outputs for one company (the figure as a plain dict).

    NOTE: one memo layer (this one); the directory, records and sources are read as plain rows."""
    unit = tx("companies_unit", lang)
    company = cdata.find_company(queries.company_rows(), key)
    shapes = cdata.outlines()
    if company is None or shapes is None or not cdata.clean(company["district"]):
        message = tx("no_boundaries", lang) if shapes is None else tx("no_map", lang)
        return chart_result(plain.empty(message, lang, 340), pd.DataFrame(), [], unit, f"{key}_site.csv")
    counts = cdata.district_count_rows([company], shapes["district"], lang)
    # The district comes from the directory's site: cite the records that give that site, not another record.
    urls = cdata.site_source_urls(queries.company_record_rows(key), company["site"]) or (
        [cdata.clean(company["source_url"])] if cdata.clean(company["source_url"]) else [])
    sources = pdata.SourceLabels(queries.source_rows())
    labels = [sources(url) for url in urls]
    figure = cdata.district_map_figure(shapes, counts, lang, selected=company["district"], height=340, unit=unit,
                                       period=tx("sites_period", lang),
                                       source="; ".join(label for label, _ in labels))
    items = [*labels, (tx("boundaries", lang), OSM_COPYRIGHT)]
    shown = pd.DataFrame([[row[c] for c in cdata.COUNT_COLUMNS] for row in counts if row["companies"] > 0],
                         columns=cdata.COUNT_COLUMNS)
    return chart_result(figure, shown, source_line(items, lang, "card.sources"), unit, f"{key}_site.csv")
