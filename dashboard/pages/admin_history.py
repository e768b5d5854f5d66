"""Load history (signed in): every load with who, when, file, checksum and counts; Roll back an applied one."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from sqlalchemy.exc import SQLAlchemyError

from dashboard import queries
from dashboard.admin.auth import csrf_token, current_analyst, require_analyst, write_engine
from dashboard.admin.text import tx
from dashboard.admin.ui import admin_bar, href, signed_out, table
from dashboard.components import single_params
from dashboard.i18n import format_number, normalise_language
from dashboard.model import loads
from etl import history
from etl.errors import EtlError

PATH = "/admin/history"
PAGE_SIZE = 50
dash.register_page(__name__, path=PATH, nav=False, label_key="nav.sources",
                   title="Load history — Kaluga Cluster Atlas")


def _offset(value: object) -> int:
    try:
        return max(0, int(str(value)))
    except ValueError:
        return 0


@single_params
def layout(lang: str | None = None, offset: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    name = current_analyst()
    if not name:
        return signed_out(lang, PATH)
    start = _offset(offset)
    return html.Div(className="admin-page", children=[
        admin_bar(lang, name, PATH),
        html.H1(tx("history.title", lang), className="page-title"),
        html.P(tx("history.lead", lang), className="page-lead"),
        dcc.Store(id="history-csrf", data=csrf_token()),
        dcc.Store(id="history-lang", data=lang),
        dcc.Store(id="history-offset", data=start),
        dcc.Store(id="history-target"),
        html.Div(id="history-confirm", className="card admin-confirm", hidden=True, role="alertdialog", children=[
            html.P(id="history-confirm-text"),
            html.Button(tx("history.confirm.yes", lang), id="history-confirm-yes", className="button-primary"),
            html.Button(tx("history.confirm.no", lang), id="history-confirm-no", className="button-secondary"),
        ]),
        html.Div(id="history-message", role="status", **{"aria-live": "polite"}),
        html.Div(history_table(lang, start), id="history-table"),
    ])


def history_table(lang: str, offset: int) -> list:
    rows, total = loads.changes(queries.engine(), statuses=None, limit=PAGE_SIZE, offset=offset, with_touched=False)
    header = [tx(f"history.{k}", lang) for k in ("load", "when", "who", "file", "checksum", "status", "added",
                                                 "changed", "unchanged")] + [""]
    body = []
    for change in rows:
        who = change.applied_by or tx("history.cli", lang)
        status = tx(f"status.{change.status}", lang) if f"status.{change.status}" in _STATUSES else change.status
        if change.status == "rolled_back" and change.rolled_back_at:
            by = change.rolled_back_by or tx("history.cli", lang)
            status = f"{status}: {change.rolled_back_at:%Y-%m-%d %H:%M} ({by})"
        action = (html.Button(tx("history.rollback", lang), id={"type": "history-rollback", "load": change.load_id},
                              className="button-secondary") if change.status == "applied" else "")
        body.append([str(change.load_id), f"{change.finished_at or change.started_at:%Y-%m-%d %H:%M}", who,
                     change.file_name, html.Code(change.sha256[:12], title=change.sha256),
                     html.Span(status, id=f"history-status-{change.load_id}"),
                     format_number(change.rows_added, lang), format_number(change.rows_changed, lang),
                     format_number(change.rows_unchanged, lang), action])
    parts = [table(header, body, "history-loads")]
    if offset + PAGE_SIZE < total:
        parts.append(dcc.Link(tx("history.more", lang), href=href(PATH, lang, offset=offset + PAGE_SIZE)))
    return parts


_STATUSES = {"status.applied", "status.rolled_back", "status.failed", "status.rejected", "status.running"}


@callback(
    Output("history-target", "data"),
    Output("history-confirm", "hidden"),
    Output("history-confirm-text", "children"),
    Input({"type": "history-rollback", "load": ALL}, "n_clicks"),
    State("history-lang", "data"),
    prevent_initial_call=True,
)
def ask(clicks, lang):
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks or []):
        return dash.no_update, dash.no_update, dash.no_update
    load_id = int(trigger["load"])
    return load_id, False, tx("history.confirm", lang, load_id=load_id, file=_file_of(load_id))


def _file_of(load_id: int) -> str:
    rows, _ = loads.changes(queries.engine(), statuses=None, limit=1, with_touched=False, load_id=load_id)
    return rows[0].file_name if rows else "?"


@callback(
    Output("history-confirm", "hidden", allow_duplicate=True),
    Input("history-confirm-no", "n_clicks"),
    prevent_initial_call=True,
)
def cancel(_clicks):
    return True


@callback(
    Output("history-message", "children"),
    Output("history-table", "children"),
    Output("history-confirm", "hidden", allow_duplicate=True),
    Input("history-confirm-yes", "n_clicks"),
    State("history-target", "data"),
    State("history-csrf", "data"),
    State("history-lang", "data"),
    State("history-offset", "data"),
    prevent_initial_call=True,
)
def roll_back(clicks, load_id, token, lang, offset):
    name = require_analyst(token)
    if not clicks or load_id is None:
        return dash.no_update, dash.no_update, dash.no_update
    try:
        restored = history.rollback(write_engine(), int(load_id), analyst=name)
    except (EtlError, SQLAlchemyError) as exc:
        # NOTE: e.g. the reference load, whose regions later loads' figures point at (a foreign key).
        reason = (str(exc).splitlines() or [""])[0]
        message = html.P(tx("history.refused", lang, message=reason), className="admin-error", role="alert",
                         id="history-result")
    else:
        counts = ", ".join(f"{table_name}: {format_number(n, lang)}" for table_name, n in restored.items()) or "0"
        message = html.P(tx("history.done", lang, load_id=load_id, restored=counts), className="admin-ok",
                         id="history-result")
    return message, history_table(lang, _offset(offset)), True
