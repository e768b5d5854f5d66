"""Public changelog: what each applied or rolled-back load changed (indicators, regions, periods, counts),
newest first; the same loads as /api/v1/loads with status applied or rolled_back."""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard import queries
from dashboard.admin.text import tx
from dashboard.admin.ui import href
from dashboard.cache import cache
from dashboard.components import single_params
from dashboard.i18n import format_date, format_number, format_period, normalise_language, pick
from dashboard.model import loads
from dashboard.titles import page_title

PATH = "/changes"
PAGE_SIZE = 20
SHOWN_NAMES = 12
dash.register_page(__name__, path=PATH, order=8, label_key="nav.changes",
                   title=page_title("nav.changes"))
API_LINK = "/api/v1/loads"


@cache.memoize()
def changelog_page(offset: int) -> tuple[list[loads.Change], int]:
    """One page of the changelog (memoized per data version: a load or a rollback shows at once)."""
    return loads.changes(queries.engine(), loads.CHANGELOG_STATUSES, limit=PAGE_SIZE, offset=offset)


def _offset(value: object) -> int:
    try:
        return max(0, int(str(value)))
    except ValueError:
        return 0


def _names(items: list[dict], lang: str) -> str:
    names = [pick(lang, i["name_ru"], i["name_en"]) or i["code"] for i in items[:SHOWN_NAMES]]
    more = len(items) - SHOWN_NAMES
    return "; ".join(names) + (f"; {tx('changes.more', lang, n=format_number(more, lang))}" if more > 0 else "")


def entry(change: loads.Change, lang: str) -> html.Article:
    when = format_date(change.finished_at or change.started_at, lang, "long")
    title = tx("changes.entry", lang, load_id=change.load_id, when=when, file=change.file_name)
    status = tx(f"status.{change.status}", lang)
    facts: list = [html.P([
        html.Span(status, className=f"change-status change-status-{change.status}",
                  id=f"change-{change.load_id}-status", **{"data-status": change.status}),
        " ", tx("changes.edition", lang, edition=change.edition) if change.edition else "",
    ])]
    facts.append(html.P(tx("changes.counts", lang, added=format_number(change.rows_added, lang),
                           changed=format_number(change.rows_changed, lang),
                           revisions=tx("unknown", lang) if change.revisions is None
                           else format_number(change.revisions, lang)),
                        id=f"change-{change.load_id}-counts",
                        **{"data-added": str(change.rows_added), "data-changed": str(change.rows_changed)}))
    if change.status == "rolled_back":
        facts.append(html.P(tx("changes.rolled_back", lang, when=format_date(change.rolled_back_at, lang, "long"),
                               who=change.rolled_back_by or tx("history.cli", lang))
                            if change.rolled_back_at else tx("changes.rolled_back_unknown", lang),
                            className="change-rolled-back"))
    if change.indicators is None:
        facts.append(html.P(tx("changes.unknown_touched", lang), className="admin-note"))
    elif not change.indicators:
        tables = ", ".join(sorted(change.tables)) or tx("unknown", lang)
        facts.append(html.P(tx("changes.none_touched", lang, tables=tables), className="admin-note"))
    else:
        periods = change.periods or []
        facts.append(html.Dl(className="change-touched", children=[
            html.Dt(tx("changes.indicators", lang, n=format_number(len(change.indicators), lang))),
            html.Dd(_names(change.indicators, lang), id=f"change-{change.load_id}-indicators"),
            html.Dt(tx("changes.regions", lang, n=format_number(len(change.regions or []), lang))),
            html.Dd(_names(change.regions or [], lang), id=f"change-{change.load_id}-regions"),
            html.Dt(tx("changes.periods", lang, n=format_number(len(periods), lang),
                       first=format_period(periods[0], lang) if periods else "—",
                       last=format_period(periods[-1], lang) if periods else "—")),
            html.Dd(", ".join(format_period(p, lang) for p in periods[:SHOWN_NAMES])
                    + (f"; {tx('changes.more', lang, n=format_number(len(periods) - SHOWN_NAMES, lang))}"
                       if len(periods) > SHOWN_NAMES else ""), id=f"change-{change.load_id}-periods"),
        ]))
    return html.Article(className="card change-entry", id=f"change-{change.load_id}",
                        **{"data-load": str(change.load_id)},
                        children=[html.H2(title, className="card-title"), *facts])


@single_params
def layout(lang: str | None = None, offset: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    start = _offset(offset)
    changes, total = changelog_page(start)
    body = [entry(c, lang) for c in changes] or [html.P(tx("changes.empty", lang), className="empty-state")]
    pager = []
    if start > 0:
        pager.append(dcc.Link(tx("changes.newer", lang), href=href(PATH, lang, offset=max(0, start - PAGE_SIZE)),
                              id="changes-newer"))
    if start + PAGE_SIZE < total:
        pager.append(dcc.Link(tx("changes.older", lang), href=href(PATH, lang, offset=start + PAGE_SIZE),
                              id="changes-older"))
    return html.Div(className="changes-page", children=[
        html.H1(tx("changes.title", lang), className="page-title"),
        html.P([tx("changes.lead", lang), html.A(html.Code(API_LINK), href=API_LINK)], className="page-lead"),
        html.Div(body, className="change-list", id="change-list"),
        html.Nav(pager, className="changes-pager", **{"aria-label": "pages"}),
    ])
