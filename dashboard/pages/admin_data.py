"""Refresh data (signed in): upload a file, see exactly what it would change and how it checks against the
file, then apply it in one transaction or discard it. The work runs in the background (dashboard.admin.jobs)."""

from __future__ import annotations

import base64
import binascii
import csv
import io
from urllib.parse import urlsplit

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from werkzeug.exceptions import Unauthorized

from dashboard.admin import jobs
from dashboard.admin.auth import csrf_token, current_analyst, require_analyst, write_engine
from dashboard.admin.text import tx
from dashboard.admin.ui import admin_bar, href, signed_out, table
from dashboard.components import single_params
from dashboard.i18n import format_number, format_period, normalise_language, pick
from etl import pipeline
from etl.sources import cluster

PATH = "/admin/data"
dash.register_page(__name__, path=PATH, nav=False, label_key="nav.sources",
                   title="Refresh data — Kaluga Cluster Atlas")

# Adapters an analyst may choose; the bundled reference and extract folders are loaded by `etl refresh` only.
CHOOSABLE = sorted(a for a in pipeline.ADAPTERS if a not in ("reference", "extract"))
SHOWN_ROWS = 200
# The cluster CSVs' columns (etl.sources.cluster): a form row becomes a one-row file of that kind, read by
# the same adapter, so it gets the same checks, preview and history as an uploaded file.
CLUSTER_KINDS: dict[str, tuple[str, ...]] = {
    "companies": cluster.COMPANY_COLUMNS, "investments": cluster.INVESTMENT_COLUMNS,
    "products": cluster.PRODUCT_COLUMNS, "events": cluster.EVENT_COLUMNS, "sources": cluster.SOURCE_COLUMNS,
}
# Filled in by the adapter itself (row counts per source, the files citing it), never typed in.
DERIVED_FIELDS = {"rows", "files"}


@single_params
def layout(lang: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    name = current_analyst()
    if not name:
        return signed_out(lang, PATH)
    megabytes = format_number(jobs.max_upload_bytes() / 1024 / 1024, lang, 0)
    return html.Div(className="admin-page", children=[
        admin_bar(lang, name, PATH),
        html.H1(tx("data.title", lang), className="page-title"),
        html.P(tx("data.lead", lang), className="page-lead"),
        dcc.Store(id="admin-csrf", data=csrf_token()),
        dcc.Store(id="admin-lang", data=lang),
        dcc.Store(id="admin-job"),
        dcc.Interval(id="admin-poll", interval=600, disabled=True),
        html.Div(className="card admin-upload-card", children=[
            html.Label(tx("data.adapter", lang), htmlFor="admin-adapter", className="admin-label"),
            dcc.Dropdown(id="admin-adapter", clearable=False, value="", searchable=False,
                         options=[{"label": tx("data.adapter.detect", lang), "value": ""},
                                  *[{"label": a, "value": a} for a in CHOOSABLE]]),
            dcc.Upload(id="admin-upload", multiple=False, className="admin-drop", max_size=-1,
                       children=html.Div(tx("data.drop", lang, mb=megabytes), className="admin-drop-text")),
            html.Div(id="admin-upload-message", role="status"),
        ]),
        # Collapsed by default: the preview below is the same for a file and for a row.
        html.Details(className="card admin-upload-card admin-cluster", id="cluster-card", children=[
            html.Summary(html.H2(tx("cluster.title", lang), className="card-title"), id="cluster-summary"),
            html.P(tx("cluster.lead", lang), className="admin-note"),
            html.Label(tx("cluster.kind", lang), htmlFor="cluster-kind", className="admin-label"),
            dcc.Dropdown(id="cluster-kind", clearable=False, searchable=False, value="investments",
                         options=[{"label": tx(f"cluster.kind.{k}", lang), "value": k} for k in CLUSTER_KINDS]),
            html.Div(cluster_fields("investments", lang), id="cluster-fields", className="admin-form-grid"),
            html.Button(tx("cluster.submit", lang), id="cluster-submit", className="button-secondary"),
            html.Div(id="cluster-message", role="status"),
        ]),
        html.Div(id="admin-status", role="status", className="admin-status", **{"aria-live": "polite"}),
        html.Div(className="admin-actions", children=[
            html.Button(tx("action.apply", lang), id="admin-apply", disabled=True, className="button-primary"),
            html.Button(tx("action.discard", lang), id="admin-discard", disabled=True, className="button-secondary"),
        ]),
        html.Div(id="admin-preview"),
    ])


@callback(
    Output("admin-job", "data"),
    Output("admin-poll", "disabled"),
    Output("admin-upload-message", "children"),
    Input("admin-upload", "contents"),
    State("admin-upload", "filename"),
    State("admin-adapter", "value"),
    State("admin-csrf", "data"),
    State("admin-lang", "data"),
    prevent_initial_call=True,
)
def upload(contents, filename, adapter, token, lang):
    name = require_analyst(token)
    if not contents:
        return dash.no_update, dash.no_update, dash.no_update
    try:
        content = base64.b64decode(str(contents).partition(",")[2], validate=False)
    except (binascii.Error, ValueError):
        content = b""
    try:
        job = jobs.save_upload(content, filename, name, adapter or None)
    except jobs.UploadRefused as refused:
        fields = {k: format_number(v, lang, 0) for k, v in refused.fields.items()}
        return None, True, html.P(tx(refused.key, lang, **fields), className="admin-error", role="alert",
                                  id="admin-refused")
    jobs.start(jobs.validate, job, write_engine())
    return job.id, False, ""


@callback(
    Output("admin-status", "children"),
    Output("admin-preview", "children"),
    Output("admin-poll", "disabled", allow_duplicate=True),
    Output("admin-apply", "disabled"),
    Output("admin-discard", "disabled"),
    Input("admin-poll", "n_intervals"),
    Input("admin-job", "data"),
    State("admin-lang", "data"),
    prevent_initial_call=True,
)
def poll(_ticks, job_id, lang):
    name = current_analyst()
    if not name:
        raise Unauthorized("sign in first")
    job = jobs.get(job_id, name)
    if job is None:
        return "", [], True, True, True
    final = job.state in jobs.FINAL
    preview = render_preview(job, lang) if final else dash.no_update
    return (render_status(job, lang), preview, final, job.state != "ready",
            job.state not in ("ready", "invalid", "failed", "refused"))


@callback(
    Output("admin-poll", "disabled", allow_duplicate=True),
    Output("admin-apply", "disabled", allow_duplicate=True),
    Input("admin-apply", "n_clicks"),
    State("admin-job", "data"),
    State("admin-csrf", "data"),
    prevent_initial_call=True,
)
def apply_job(clicks, job_id, token):
    name = require_analyst(token)
    job = jobs.get(job_id, name)
    if not clicks or job is None or not jobs.begin_apply(job, write_engine()):
        return dash.no_update, True
    return False, True


@callback(
    Output("admin-poll", "disabled", allow_duplicate=True),
    Input("admin-discard", "n_clicks"),
    State("admin-job", "data"),
    State("admin-csrf", "data"),
    prevent_initial_call=True,
)
def discard_job(clicks, job_id, token):
    name = require_analyst(token)
    job = jobs.get(job_id, name)
    if not clicks or job is None:
        return dash.no_update
    jobs.discard(job)
    return False


def cluster_fields(kind: str, lang: str) -> list:
    """One labelled input per column of the kind's CSV (the source URL marked required)."""
    fields = []
    for column in CLUSTER_KINDS.get(kind, ()):
        if column in DERIVED_FIELDS:
            continue
        field_id = {"type": "cluster-field", "name": column}
        label = column + (f" ({tx('cluster.required', lang)})" if column == "source_url" else "")
        # The input inside its label: a pattern-matching id cannot be named by htmlFor.
        fields.append(html.Label(className="admin-field", children=[
            label,
            dcc.Input(id=field_id, type="url" if column == "source_url" else "text", debounce=False,
                      required=column == "source_url", maxLength=2000),
        ]))
    return fields


@callback(
    Output("cluster-fields", "children"),
    Input("cluster-kind", "value"),
    State("admin-lang", "data"),
    prevent_initial_call=True,
)
def switch_kind(kind, lang):
    return cluster_fields(kind, lang)


@callback(
    Output("admin-job", "data", allow_duplicate=True),
    Output("admin-poll", "disabled", allow_duplicate=True),
    Output("cluster-message", "children"),
    Input("cluster-submit", "n_clicks"),
    State("cluster-kind", "value"),
    State({"type": "cluster-field", "name": ALL}, "value"),
    State("admin-csrf", "data"),
    State("admin-lang", "data"),
    prevent_initial_call=True,
)
def submit_cluster_row(clicks, kind, _values, token, lang):
    name = require_analyst(token)
    if not clicks or kind not in CLUSTER_KINDS:
        return dash.no_update, dash.no_update, dash.no_update
    # Each field's value beside its id (the column), as Dash received them.
    fields = next((s for s in ctx.states_list if isinstance(s, list)), [])
    row = {f["id"]["name"]: str(f.get("value") or "").strip() for f in fields
           if isinstance(f.get("id"), dict) and f["id"].get("name") in CLUSTER_KINDS[kind]}
    url = urlsplit(row.get("source_url", ""))
    if url.scheme not in ("http", "https") or not url.netloc:
        return dash.no_update, dash.no_update, html.P(tx("cluster.url_required", lang), className="admin-error",
                                                      role="alert", id="cluster-refused")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = CLUSTER_KINDS[kind]
    writer.writerow(columns)
    writer.writerow([row.get(c, "") for c in columns])
    try:
        job = jobs.save_upload(buffer.getvalue().encode("utf-8"), f"admin-form-{kind}.csv", name, f"cluster_{kind}")
    except jobs.UploadRefused as refused:
        return None, True, html.P(tx(refused.key, lang), className="admin-error", role="alert")
    jobs.start(jobs.validate, job, write_engine())
    return job.id, False, ""


def render_status(job: jobs.Job, lang: str) -> html.P:
    state = job.state
    if state in ("queued", "running", "applying"):
        step = job.step if state != "applying" else "applying"
        key = {"queued": "state.queued", "reading": "state.reading", "checking": "state.checking",
               "verifying": "state.verifying", "applying": "state.applying"}.get(step, "state.queued")
        text = tx(key, lang, done=job.done or 0, total=job.total or "…")
        return html.P([html.Span(className="admin-spinner", **{"aria-hidden": "true"}), text],
                      id="admin-state", **{"data-state": state})
    if state == "failed" and job.message in ("no_reference", "preview_gone"):
        text = tx(f"state.{job.message}", lang)
    elif state in ("failed", "refused"):
        text = tx(f"state.{state}", lang, message=job.message or "")
    elif state == "applied":
        text = tx("state.applied", lang, load_id=job.load_id)
    else:
        text = tx(f"state.{state}", lang)
    links = [" ", dcc.Link(tx("admin.nav.history", lang), href=href("/admin/history", lang)), " · ",
             dcc.Link(tx("admin.nav.changes", lang), href=href("/changes", lang))] if state == "applied" else []
    return html.P([text, *links], id="admin-state", className=f"admin-state-{state}", **{"data-state": state},
                  role="alert" if state in ("failed", "refused", "invalid") else None)


def _value(value, status, lang: str) -> str:
    if value is None or value != value:  # None or NaN
        return f"{tx('unknown', lang)} ({status})" if status else tx("unknown", lang)
    return format_number(value, lang)


def _figure_rows(rows: list[dict], lang: str, kind) -> list[list]:
    return [[pick(lang, r.get("indicator_ru"), r.get("indicator_en")) or r["indicator_code"],
             pick(lang, r.get("region_ru"), r.get("region_en")) or r["region_code"],
             format_period(r["period"], lang), kind(r),
             _value(r.get("old_value"), r.get("old_status"), lang), _value(r.get("value"), r.get("status"), lang)]
            for r in rows[:SHOWN_ROWS]]


def _shown_note(shown: int, total: int, lang: str) -> list:
    if total <= shown:
        return []
    return [html.P(tx("preview.shown", lang, shown=format_number(shown, lang), n=format_number(total, lang)),
                   className="admin-note")]


def render_preview(job: jobs.Job, lang: str) -> list:
    """The preview (or the errors) of a job that has finished validating."""
    parts: list = []
    if job.errors:
        header = [tx(f"errors.{k}", lang) for k in ("file", "sheet", "row", "column", "reason", "found")]
        rows = [[e["file"], e["sheet"] or "", "" if e["row"] is None else str(e["row"]), e["column"] or "",
                 e["reason"], e["found"] or ""] for e in job.errors[:SHOWN_ROWS]]
        parts += [html.H2(tx("errors.title", lang)), table(header, rows, "admin-errors"),
                  *_shown_note(min(len(job.errors), SHOWN_ROWS), len(job.errors), lang)]
    preview, report = job.preview, job.report
    if preview is None or report is None:
        return parts
    parts.append(html.H2(tx("preview.title", lang)))
    parts.append(html.P(tx("preview.file", lang, file=job.file_name, sha=job.sha256[:16], adapter=job.adapter,
                           edition=report.edition or tx("unknown", lang)), className="admin-file"))
    header = [tx(k, lang) for k in ("preview.table", "preview.add", "preview.change", "preview.leave",
                                    "preview.reject")]
    rows = [[t["table"], *[html.Span(format_number(t[k], lang), id=f"admin-count-{t['table']}-{k}")
                           for k in ("added", "changed", "unchanged")],
             html.Span(format_number(0, lang), id=f"admin-count-{t['table']}-rejected")] for t in preview.tables]
    parts.append(table(header, rows, "admin-counts"))
    parts.append(html.P(tx("preview.touched", lang, indicators=format_number(len(preview.indicators), lang),
                           regions=format_number(len(preview.regions), lang),
                           periods=format_number(len(preview.periods), lang)), className="admin-note"))
    figure_header = [tx(k, lang) for k in ("preview.indicator", "preview.region", "preview.period", "preview.kind",
                                           "preview.old", "preview.new")]
    parts.append(html.H3(tx("preview.revisions", lang, n=format_number(preview.revisions_total, lang),
                            same=format_number(preview.confirmed_total, lang)), id="admin-revisions-title"))
    if preview.revisions:
        parts.append(table(figure_header, _figure_rows(
            preview.revisions, lang, lambda r: tx("preview.revision", lang, old=r["old_edition"], new=r["edition"])),
            "admin-revisions"))
        parts += _shown_note(min(len(preview.revisions), SHOWN_ROWS), preview.revisions_total, lang)
    parts.append(html.H3(tx("preview.changed", lang, n=format_number(preview.changed_total, lang)),
                         id="admin-changed-title"))
    if preview.changed:
        parts.append(table(figure_header, _figure_rows(preview.changed, lang,
                                                       lambda r: tx("preview.correction", lang)), "admin-changed"))
        parts += _shown_note(min(len(preview.changed), SHOWN_ROWS), preview.changed_total, lang)
    if preview.other_changes:
        parts.append(html.H3(tx("preview.other", lang)))
        parts.append(html.Ul([html.Li(html.Code(str(row))) for row in preview.other_changes[:SHOWN_ROWS]],
                             id="admin-other-changes"))
    if preview.other_added:
        parts.append(html.H3(tx("preview.other_added", lang)))
        parts.append(html.Ul([html.Li(html.Code(str({k: v for k, v in row.items() if v not in (None, "")})))
                              for row in preview.other_added[:SHOWN_ROWS]], id="admin-other-added"))
    parts.append(html.H3(tx("verify.title", lang)))
    if job.verify_error:
        parts.append(html.P(tx("verify.error", lang, message=job.verify_error), className="admin-error"))
    elif not job.verify_checked:
        parts.append(html.P(tx("verify.none", lang), id="admin-verify"))
    elif not job.verify_differences:
        parts.append(html.P(tx("verify.ok", lang, n=format_number(job.verify_checked, lang)), id="admin-verify",
                            className="admin-ok"))
    else:
        parts.append(html.P(tx("verify.diff", lang, n=format_number(job.verify_total, lang),
                               checked=format_number(job.verify_checked, lang)), id="admin-verify",
                            className="admin-error"))
        parts.append(html.Ul([html.Li(html.Code(d)) for d in job.verify_differences]))
    return parts
