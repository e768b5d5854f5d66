"""The monthly bulletin as a PDF: `python -m dashboard.bulletin --month YYYY-MM [--lang ru|en] [--out PATH]`.

Every fact comes from the read model (dashboard.model.bulletin); this module only lays it out. The same data
gives the same bytes: reportlab runs with `invariant` (fixed creation date and document id), charts are PNGs
drawn by matplotlib without a timestamp, and no clock is read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import textwrap
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard.i18n import format_count, format_date, format_number, format_period, normalise_language, page_text
from dashboard.model import bulletin as model
from dashboard.model.bulletin import BadMonth, Bulletin, Chart, KeyFigure
from dashboard.model.loads import data_version

TEXT = {
    "title": {"ru": "Бюллетень Атласа Калужского фармкластера", "en": "Kaluga Cluster Atlas bulletin"},
    "subtitle": {"ru": "Калужская область и её фармацевтический кластер", "en": "Kaluga region and its "
                 "pharmaceutical cluster"},
    "cover_note": {"ru": "Все цифры — из базы данных атласа, каждая со своим источником (издание, файл, лист, "
                         "ячейка или веб-страница). Если цифры нет в базе, так и написано: пропуски не заполняются.",
                   "en": "Every figure is read from the atlas's database, each with its source (edition, file, "
                         "sheet, cell or web page). Where a figure is not in the database, the bulletin says so: "
                         "gaps are never filled in."},
    "data_version": {"ru": "Версия данных: {version}", "en": "Data version: {version}"},
    "contents": {"ru": "Содержание: 1. Ключевые показатели за месяц · 2. Годовые показатели · 3. Графики · "
                       "4. Кластер: инвестиции и продукция · 5. События месяца · 6. Источники",
                 "en": "Contents: 1. Key monthly figures · 2. Yearly figures · 3. Charts · 4. The cluster: "
                       "investment and products · 5. Events of the month · 6. Sources"},
    "monthly": {"ru": "1. Ключевые показатели за {month}", "en": "1. Key figures for {month}"},
    "monthly_lead": {"ru": "Месячные данные Росстата (мониторинг по распоряжению 806-р) и Банка России. "
                           "Изменение — к предыдущему месяцу того же издания; для показателей в процентах — в "
                           "процентных пунктах. Место — среди субъектов РФ с опубликованным значением, 1 — "
                           "наибольшее значение.",
                     "en": "Rosstat's monthly figures (the 806-р monitoring) and the Bank of Russia's. The change "
                           "is against the previous month of the same edition; for figures in per cent, in "
                           "percentage points. The rank is among the federal subjects with a published value, "
                           "1 being the highest value."},
    "yearly": {"ru": "2. Годовые показатели (последний год по {year} включительно)",
               "en": "2. Yearly figures (the newest year up to {year})"},
    "yearly_lead": {"ru": "Годовые данные — с указанием года; изменение — к предыдущему году того же издания.",
                    "en": "Yearly figures, each with its year; the change is against the previous year of the same "
                          "edition."},
    "col_indicator": {"ru": "Показатель", "en": "Indicator"},
    "col_period": {"ru": "Период", "en": "Period"},
    "col_value": {"ru": "Значение", "en": "Value"},
    "col_previous": {"ru": "Предыдущий период", "en": "Previous period"},
    "col_change": {"ru": "Изменение", "en": "Change"},
    "col_rank": {"ru": "Место", "en": "Rank"},
    "rank": {"ru": "{rank} из {of}", "en": "{rank} of {of}"},
    "missing": {"ru": "нет в базе", "en": "not in the database"},
    "missing_month": {"ru": "нет в базе за этот месяц", "en": "not in the database for this month"},
    "source": {"ru": "Источник", "en": "Source"},
    "charts": {"ru": "3. Графики: {months} месяца по {month}", "en": "3. Charts: {months} months to {month}"},
    "no_chart": {"ru": "Для графика «{name}» нет данных за эти месяцы.",
                 "en": "No figures for the chart “{name}” in these months."},
    "chart_source": {"ru": "Источник: {edition}", "en": "Source: {edition}"},
    "cluster": {"ru": "4. Кластер: инвестиции и продукция (по {year} год)",
                "en": "4. The cluster: investment and products (up to {year})"},
    "investments": {"ru": "Инвестиции, как они процитированы (новые сначала): {shown} из {total}",
                    "en": "Investment as cited (newest first): {shown} of {total}"},
    "investments_note": {"ru": "Суммы приведены как в источнике; валюты не складываются и не пересчитываются. "
                               "Записей без года: {undated} (не показаны).",
                         "en": "Amounts are as the sources state them; currencies are never added up or converted. "
                               "Records without a year: {undated} (not shown)."},
    "no_investments": {"ru": "Инвестиций с годом по {year} в базе нет.",
                       "en": "No dated investment up to {year} in the database."},
    "col_company": {"ru": "Компания", "en": "Company"},
    "col_amount": {"ru": "Сумма (как написано)", "en": "Amount (as written)"},
    "col_when": {"ru": "Когда", "en": "When"},
    "col_status": {"ru": "Статус", "en": "Status"},
    "cluster_figures": {"ru": "Цифры кластера (последняя по каждому показателю)",
                        "en": "Cluster figures (the newest of each)"},
    "no_cluster_figures": {"ru": "Цифр кластера по {year} год в базе нет.",
                           "en": "No cluster figures up to {year} in the database."},
    "products": {"ru": "Продукция: {total} с годом по {year}; без года: {undated}",
                 "en": "Products: {total} with a year up to {year}; without a year: {undated}"},
    "products_by_area": {"ru": "По терапевтическим областям: {areas}", "en": "By therapy area: {areas}"},
    "products_of_year": {"ru": "Продукты {year} года: {names}", "en": "Products of {year}: {names}"},
    "no_products_of_year": {"ru": "Продуктов {year} года в базе нет.", "en": "No products of {year} in the database."},
    "events": {"ru": "5. События: {month}", "en": "5. Events: {month}"},
    "no_events": {"ru": "Событий с датой в этом месяце в базе нет.", "en": "No events dated in this month in the "
                  "database."},
    "events_of_year": {"ru": "События {year} года без точной даты", "en": "Events of {year} dated only to the year"},
    "planned": {"ru": "(план)", "en": "(planned)"},
    "sources": {"ru": "6. Источники", "en": "6. Sources"},
    "editions": {"ru": "Издания статистики", "en": "Statistical editions"},
    "no_url": {"ru": "веб-страница не указана", "en": "no web page recorded"},
    "pages": {"ru": "Цитируемые страницы кластера", "en": "Cited pages on the cluster"},
    "footer": {"ru": "Атлас Калужского фармкластера · Бюллетень за {month} · стр. {page}",
               "en": "Kaluga Cluster Atlas · Bulletin for {month} · page {page}"},
    "no_data": {"ru": "За {month} в базе нет месячных данных по Калужской области (данные есть за {first} — {last}).",
                "en": "The database has no monthly figures for Kaluga Oblast for {month} (it has {first} to "
                      "{last})."},
    "no_months": {"ru": "В базе нет месячных данных.", "en": "The database holds no monthly figures."},
}
tx = page_text(TEXT)


class NoData(LookupError):
    """The month has no Kaluga figures in the database; the message says so in the requested language."""


# --- fonts and styles -------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    """DejaVu Sans (Cyrillic) from matplotlib's own font folder, so a fresh pip install has it; registered once."""
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont("AtlasSans", str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("AtlasSans-Bold", str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily("AtlasSans", normal="AtlasSans", bold="AtlasSans-Bold")
    return "AtlasSans", "AtlasSans-Bold"


def _styles() -> dict:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    regular, bold = _fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=9, leading=12)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#444b55")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=bold, fontSize=8, leading=10),
        "h1": ParagraphStyle("h1", parent=base, fontName=bold, fontSize=24, leading=30, spaceAfter=12),
        "cover_month": ParagraphStyle("cover_month", parent=base, fontName=bold, fontSize=18, leading=24,
                                      textColor=colors.HexColor("#1f5f8b"), spaceAfter=18),
        "h2": ParagraphStyle("h2", parent=base, fontName=bold, fontSize=13, leading=17, spaceBefore=10,
                             spaceAfter=6, textColor=colors.HexColor("#1f5f8b")),
        "h3": ParagraphStyle("h3", parent=base, fontName=bold, fontSize=10, leading=13, spaceBefore=6, spaceAfter=4),
    }


def _p(text: object, style) -> object:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text)), style)


# --- text helpers ----------------------------------------------------------------------------------------------


def month_title(month: str, lang: str) -> str:
    year, number = model.parse_month(month)
    return format_date(dt.date(year, number, 1), lang, "month")


def _signed(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + format_number(abs(value), lang)


def _value(figure: KeyFigure, lang: str, missing_key: str) -> str:
    if figure.value is None:
        return tx(missing_key, lang)
    return format_number(figure.value, lang)


def with_unit(name: str, unit: str | None) -> str:
    """A name with its unit, unless the name already says it (the 806 tables' names end with their unit)."""
    if not unit or unit.casefold() in name.casefold():
        return name
    return f"{name} ({unit})"


def _indicator_cell(figure: KeyFigure) -> str:
    return with_unit(figure.name, figure.unit)


# --- sections --------------------------------------------------------------------------------------------------


def _figures_table(figures: list[KeyFigure], lang: str, styles: dict, missing_key: str) -> list:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    header = [_p(tx(k, lang), styles["cell_bold"]) for k in
              ("col_indicator", "col_period", "col_value", "col_previous", "col_change", "col_rank")]
    rows = [header]
    lines = []  # (row index, spans the row) for the rule under each figure
    for f in figures:
        previous = (f"{format_period(f.previous_period, lang)}: {format_number(f.previous_value, lang)}"
                    if f.previous_period else "—")
        rank = tx("rank", lang, rank=f.rank, of=f.ranked) if f.rank else "—"
        rows.append([
            _p(_indicator_cell(f), styles["cell"]),
            _p(format_period(f.period, lang) if f.period else "—", styles["cell"]),
            _p(_value(f, lang, missing_key), styles["cell_bold"]),
            _p(previous, styles["cell"]),
            _p(_signed(f.change, lang), styles["cell"]),
            _p(rank, styles["cell"]),
        ])
        if f.source:
            rows.append([_p(f"{tx('source', lang)}: {f.source}", styles["small"]), "", "", "", "", ""])
        lines.append((len(rows) - 1, bool(f.source)))
    table = Table(rows, colWidths=[58 * mm, 20 * mm, 22 * mm, 30 * mm, 24 * mm, 20 * mm], repeatRows=1)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#1f5f8b")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for index, spanned in lines:
        if spanned:
            commands.append(("SPAN", (0, index), (-1, index)))
        commands.append(("LINEBELOW", (0, index), (-1, index), 0.3, colors.HexColor("#c9d2dc")))
    table.setStyle(TableStyle(commands))
    return [table]


def _tick(period: str, lang: str) -> str:
    year, number = model.parse_month(period)
    return format_date(dt.date(year, number, 1), lang, "LLL yy")


def chart_png(chart: Chart, lang: str) -> bytes:
    """One chart as PNG bytes: Kaluga and Russia by month, with the title, unit and source drawn in."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 2.9), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    periods = sorted({p for s in chart.series for p, _ in s.points})
    position = {p: i for i, p in enumerate(periods)}
    for series, colour in zip(chart.series, ("#1f5f8b", "#b5651d"), strict=False):
        axes.plot([position[p] for p, _ in series.points], [v for _, v in series.points], marker="o", markersize=2.5,
                  linewidth=1.6 if series.region_code == model.KALUGA else 1.1, color=colour, label=series.region_name)
    step = max(1, len(periods) // 8)
    ticks = list(range(0, len(periods), step))
    axes.set_xticks(ticks, [_tick(periods[i], lang) for i in ticks], fontsize=7)
    axes.tick_params(axis="y", labelsize=7)
    axes.yaxis.set_major_formatter(lambda value, _pos: format_number(value, lang))
    axes.grid(True, linewidth=0.3, color="#c9d2dc")
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=7, frameon=False, loc="best")
    title = textwrap.wrap(with_unit(chart.name, chart.unit), 105)
    axes.set_title("\n".join(title[:2]) + ("…" if len(title) > 2 else ""), fontsize=8, loc="left")
    figure.text(0.01, 0.01, tx("chart_source", lang, edition=chart.edition_title or chart.edition or ""),
                fontsize=6.5, color="#444b55")
    figure.subplots_adjust(left=0.1, right=0.98, top=0.84, bottom=0.2)
    buffer = io.BytesIO()
    # No "Software" text chunk and no timestamp: the same chart gives the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _charts(data: Bulletin, lang: str, styles: dict) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Spacer

    out = [_p(tx("charts", lang, months=model.CHART_MONTHS, month=month_title(data.month, lang)), styles["h2"])]
    drawn = {c.code for c in data.charts}
    for chart in data.charts:
        out += [Image(io.BytesIO(chart_png(chart, lang)), width=175 * mm, height=72.5 * mm), Spacer(1, 3 * mm)]
    for code in model.CHART_CODES:
        if code not in drawn:
            name = next((f.name for f in data.monthly if f.code == code), code)
            out.append(_p(tx("no_chart", lang, name=name), styles["base"]))
    return out


def _cluster(data: Bulletin, lang: str, styles: dict) -> list:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    year = model.parse_month(data.month)[0]
    out = [_p(tx("cluster", lang, year=year), styles["h2"])]
    if data.investments:
        out.append(_p(tx("investments", lang, shown=len(data.investments), total=data.investments_total),
                      styles["h3"]))
        rows = [[_p(tx(k, lang), styles["cell_bold"]) for k in ("col_company", "col_amount", "col_when",
                                                                  "col_status", "source")]]
        for row in data.investments:
            f = row.fields
            rows.append([_p(f["company_label"], styles["cell"]),
                         _p(f"{f['amount_raw']} {f['currency_raw']}", styles["cell"]),
                         _p(f["period_raw"], styles["cell"]), _p(status_label(f["status"], lang), styles["cell"]),
                         _p(row.source_label or row.source_url or "—", styles["small"])])
        table = Table(rows, colWidths=[48 * mm, 32 * mm, 38 * mm, 27 * mm, 29 * mm], repeatRows=1)
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#c9d2dc"))]))
        out += [table, _p(tx("investments_note", lang, undated=data.investments_undated), styles["small"])]
    else:
        out.append(_p(tx("no_investments", lang, year=year), styles["base"]))
    out.append(_p(tx("cluster_figures", lang), styles["h3"]))
    if data.cluster_figures:
        for row in data.cluster_figures:
            f = row.fields
            text = f"{f['indicator']} ({f['year_raw']}): {f['value_raw']}" + (f" {f['unit']}" if f["unit"] else "")
            out.append(_p(f"• {text} — {row.source_label or row.source_url or ''}", styles["cell"]))
    else:
        out.append(_p(tx("no_cluster_figures", lang, year=year), styles["base"]))
    out.append(_p(tx("products", lang, total=format_count(data.products_to_date, "product", lang), year=year,
                     undated=format_count(data.products_undated, "product", lang)), styles["h3"]))
    if data.products_by_area:
        areas = "; ".join(f"{name} — {count}" for name, count in data.products_by_area)
        out.append(_p(tx("products_by_area", lang, areas=areas), styles["cell"]))
    if data.products_of_year:
        names = "; ".join(f"{r.fields['trade_name']} ({r.fields['company_label'] or '—'})"
                          for r in data.products_of_year)
        out.append(_p(tx("products_of_year", lang, year=year, names=names), styles["cell"]))
    else:
        out.append(_p(tx("no_products_of_year", lang, year=year), styles["cell"]))
    return out


# Investment statuses as the cluster data records them (in English), named in Russian; others shown as recorded.
STATUS_RU = {"made": "осуществлено", "planned": "план", "allocated": "выделено", "made/under way": "идёт"}


def status_label(status: str | None, lang: str) -> str:
    return (STATUS_RU.get(status or "", status) if lang == "ru" else status) or "—"


def _event_line(row, lang: str) -> str:
    f = row.fields
    planned = f" {tx('planned', lang)}" if f["is_planned"] else ""
    company = f" — {f['company_label']}" if f["company_label"] else ""
    return f"• {f['date_raw']}{planned}: {f['event_type']}{company}. {f['description']} [{row.source_label or ''}]"


def _events(data: Bulletin, lang: str, styles: dict) -> list:
    year = model.parse_month(data.month)[0]
    out = [_p(tx("events", lang, month=month_title(data.month, lang)), styles["h2"])]
    if data.events:
        out += [_p(_event_line(row, lang), styles["cell"]) for row in data.events]
    else:
        out.append(_p(tx("no_events", lang), styles["base"]))
    if data.events_of_year:
        out.append(_p(tx("events_of_year", lang, year=year), styles["h3"]))
        out += [_p(_event_line(row, lang), styles["cell"]) for row in data.events_of_year]
    return out


def _sources(data: Bulletin, lang: str, styles: dict) -> list:
    out = [_p(tx("sources", lang), styles["h2"]), _p(tx("editions", lang), styles["h3"])]
    for edition in data.editions:
        where = edition.url or tx("no_url", lang)
        publisher = f"{edition.publisher} · " if edition.publisher else ""
        out.append(_p(f"• {publisher}{edition.title} [{edition.code}] — {where}", styles["cell"]))
    if data.sources:
        out.append(_p(tx("pages", lang), styles["h3"]))
        for url, label, _link in data.sources:
            out.append(_p(f"• {label or ''} — {url}", styles["small"]))
    return out


# --- the document ----------------------------------------------------------------------------------------------


def render(data: Bulletin, version: str) -> bytes:
    """The bulletin's PDF bytes for facts already read."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer

    lang = data.lang
    styles = _styles()
    month = month_title(data.month, lang)
    title = f"{tx('title', lang)} — {month}"
    buffer = io.BytesIO()
    regular, _bold = _fonts()

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.drawString(18 * mm, 10 * mm, tx("footer", lang, month=month, page=doc.page))
        canvas.restoreState()

    # invariant=1: fixed creation and modification dates and document id, so equal data give equal bytes.
    doc = SimpleDocTemplate(buffer, pagesize=A4, invariant=1, title=title, author=tx("title", lang),
                            subject=data.region_name, creator="Kaluga Cluster Atlas", lang=lang,
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=18 * mm)
    story = [
        Spacer(1, 40 * mm),
        _p(tx("title", lang), styles["h1"]),
        _p(month, styles["cover_month"]),
        _p(tx("subtitle", lang), styles["h3"]),
        Spacer(1, 8 * mm),
        _p(tx("cover_note", lang), styles["base"]),
        Spacer(1, 4 * mm),
        _p(tx("contents", lang), styles["base"]),
        Spacer(1, 4 * mm),
        _p(tx("data_version", lang, version=version), styles["small"]),
        PageBreak(),
        _p(tx("monthly", lang, month=month), styles["h2"]),
        _p(tx("monthly_lead", lang), styles["small"]),
        Spacer(1, 2 * mm),
        *_figures_table(data.monthly, lang, styles, "missing_month"),
        _p(tx("yearly", lang, year=model.parse_month(data.month)[0]), styles["h2"]),
        _p(tx("yearly_lead", lang), styles["small"]),
        Spacer(1, 2 * mm),
        *_figures_table(data.yearly, lang, styles, "missing"),
        PageBreak(),
        *_charts(data, lang, styles),
        PageBreak(),
        *_cluster(data, lang, styles),
        *_events(data, lang, styles),
        *_sources(data, lang, styles),
    ]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def build(engine: Engine, month: str, lang: str | None = None) -> bytes:
    """The bulletin PDF for `month` ("YYYY-MM"); BadMonth for a malformed month, NoData for a month without figures."""
    lang = normalise_language(lang)
    month = str(month or "").strip()
    model.parse_month(month)
    data = model.bulletin(engine, month, lang)
    if not data.has_monthly_data:
        raise NoData(no_data_message(engine, month, lang))
    return render(data, data_version(engine))


def no_data_message(engine: Engine, month: str, lang: str) -> str:
    bounds = model.month_range(engine)
    if bounds is None:
        return tx("no_months", lang)
    return tx("no_data", lang, month=month, first=bounds[0], last=bounds[1])


def filename(month: str, lang: str | None) -> str:
    return f"kaluga-bulletin-{month}-{normalise_language(lang)}.pdf"


# --- command line ----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Exit 0 written; 2 a bad month or a month without figures; 1 any other error (one line, no traceback)."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.bulletin",
                                     description="Write the monthly bulletin of the Kaluga Cluster Atlas as a PDF.")
    parser.add_argument("--month", required=True, help="the month, YYYY-MM (e.g. 2015-12)")
    parser.add_argument("--lang", choices=("ru", "en"), default="ru", help="language of the bulletin (default ru)")
    parser.add_argument("--out", help="file to write (default kaluga-bulletin-YYYY-MM-LANG.pdf here)")
    parser.add_argument("--database-url", help="database to read (default: DATABASE_URL)")
    args = parser.parse_args(argv)
    from etl.db import make_engine

    try:
        engine = make_engine(args.database_url)
        pdf = build(engine, args.month, args.lang)
        out = Path(args.out or filename(args.month.strip(), args.lang))
        out.write_bytes(pdf)
    except (BadMonth, NoData) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"error: the database cannot be read: {error.__class__.__name__}: {str(error).splitlines()[0]}",
              file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot write {args.out or 'the bulletin'}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({len(pdf):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
