"""Simulated readers of the atlas for tools/loadtest.py (locust, headless; not run on its own).

A reader does what the browser does for a person: opens pages (the HTML, the shell's layout and callbacks,
the Dash Pages router's callback, then every callback the page's components fire when they appear), changes
a filter (a control of the page gets another of its own options; every callback that listens to it fires, and
then the callbacks listening to what those changed), exports a chart (its CSV and XLSX callbacks, or the API
CSV link an indicators chart offers) and calls the API. The checkers (two of the users) ask the views the
analyst's load changes, over and over, and write each answer for tools/loadtest.py to judge.

Every request's name starts with its type (page, filter, export, api, check). A 4xx/5xx, or a 200 that carries
the "database unavailable" state, is a failure. At the end a summary (per type: requests, failures, requests/s,
p50/p95/max) is written to $LOADTEST_OUT/summary.json.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import sys
import time
from pathlib import Path
from typing import ClassVar

from locust import FastHttpUser, between, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.loadtest import (
    CHECK_VARIANTS,
    KINDS,
    api_path,
    callback_payload,
    chart_payload,
    digest,
    layout_props,
    pages_payload,
    soft_error,
)

OUT = Path(os.environ.get("LOADTEST_OUT", "artifacts/loadtest"))
SEED = int(os.environ.get("LOADTEST_SEED", "0"))
# The public pages a reader opens (company profiles are added from the API's company list).
PAGES = ("/", "/indicators", "/scorecard", "/investments", "/products", "/companies", "/timeline", "/sources",
         "/bulletin", "/changes", "/api")
FIRST_PAGES = ("/indicators", "/investments", "/products", "/timeline")
CHART_PAGES = ("/indicators", "/investments", "/products", "/companies", "/timeline", "/", "/scorecard")
SEARCHES = ("", "Калуга", "pharm", "Ново", "2020", "Берлин", "insulin", "вакцин")
API_TABLES = ("indicators", "regions", "companies", "investments", "products", "events", "sources", "editions",
              "therapy_areas", "loads")
_numbers = itertools.count()


class Shared:
    """What every reader of this process learns once: the callbacks, the catalogue, regions and companies."""

    deps: ClassVar[list[dict] | None] = None
    by_input: ClassVar[dict[str, list[dict]]] = {}
    indicators: ClassVar[list[str]] = []
    regions: ClassVar[list[str]] = []
    companies: ClassVar[list[str]] = []


def _server_callbacks(deps: list[dict]) -> dict[str, list[dict]]:
    """The server-side callbacks by each plain "id.property" input."""
    index: dict[str, list[dict]] = {}
    for spec in deps:
        if spec.get("clientside_function"):
            continue
        for dep in spec["inputs"]:
            if isinstance(dep["id"], str):
                index.setdefault(f"{dep['id']}.{dep['property']}", []).append(spec)
    return index


def _options(props: dict) -> list:
    """The values a Select, SegmentedControl, MultiSelect or Dropdown offers (groups flattened, disabled left out)."""
    out = []
    for item in props.get("data") or props.get("options") or []:
        if isinstance(item, dict) and "items" in item:
            out += [i.get("value") for i in item["items"] if isinstance(i, dict) and not i.get("disabled")]
        elif isinstance(item, dict):
            if not item.get("disabled"):
                out.append(item.get("value"))
        else:
            out.append(item)
    return [v for v in out if v is not None]


class Reader(FastHttpUser):
    """One person reading the atlas: pages, filters, exports, API."""

    weight = 10
    wait_time = between(1, 4)

    def on_start(self) -> None:
        self.rng = random.Random(SEED * 1000 + next(_numbers))
        self.path = "/"
        self.props: dict[str, dict] = {}
        self.cards: dict[str, dict] = {}  # chart-data by card: what the chart callbacks stored
        self.csv_links: dict[str, str] = {}  # card -> the API CSV address its link offers
        self.learn()
        # A first visit tries a little of everything: a page with charts, a filter, an export, the API.
        self.open_page(self.rng.choice(FIRST_PAGES))
        self.filter()
        self.export()
        self.api()

    # --- requests --------------------------------------------------------------------------------------------

    def send(self, kind: str, label: str, method: str, path: str, payload: dict | None = None):
        """One request named '<kind> <label>'; its answer (None when it failed)."""
        with self.client.request(method, path, name=f"{kind} {label}", json=payload, catch_response=True) as r:
            if r.status_code is None or r.status_code >= 400 or r.status_code not in (200, 204, 302, 303):
                r.failure(f"HTTP {r.status_code}: {(r.text or '')[:300]}")
                return None
            marker = soft_error(r.text or "") if r.status_code == 200 else None
            if marker:
                r.failure(f"error state: {marker}")
                return None
            r.success()
            return r

    def callback(self, kind: str, spec: dict, values: dict, changed: list[str]) -> dict:
        label = spec["output"].strip(".").split("...")[0].rsplit(".", 1)[0][:60]
        response = self.send(kind, f"callback {label}", "POST", "/_dash-update-component",
                             callback_payload(spec, values, changed))
        if response is None or response.status_code == 204:
            return {}
        answer = response.json().get("response", {})
        self.absorb(answer)
        return answer

    def learn(self) -> None:
        """The callbacks, indicators with figures, regions and companies (once per process, as API calls)."""
        if Shared.deps is not None:
            return
        response = self.send("page", "_dash-dependencies", "GET", "/_dash-dependencies")
        if response is None:
            return
        Shared.deps = response.json()
        Shared.by_input = _server_callbacks(Shared.deps)
        catalogue = self.send("api", "indicators (catalogue)", "GET", "/api/v1/indicators?limit=50000&lang=en")
        if catalogue is not None:
            Shared.indicators = [r["code"] for r in catalogue.json()["rows"] if r.get("has_observations")]
        regions = self.send("api", "regions", "GET", "/api/v1/regions?kind=region&limit=1000")
        if regions is not None:
            Shared.regions = [r["code"] for r in regions.json()["rows"]]
        companies = self.send("api", "companies", "GET", "/api/v1/companies?limit=1000")
        if companies is not None:
            Shared.companies = [r["key"] for r in companies.json()["rows"] if r.get("key")]

    # --- what the browser keeps --------------------------------------------------------------------------------

    def absorb(self, answer: dict) -> list[str]:
        """Apply a callback's answer to the page; the "id.property" it changed."""
        changed = []
        for key, props in answer.items():
            if key.startswith("{"):
                ident = json.loads(key)
                if ident.get("type") == "chart-data" and isinstance(props.get("data"), dict):
                    self.cards[ident["card"]] = props["data"]
                continue
            target = self.props.setdefault(key, {"type": "?"})
            for prop, value in props.items():
                target[prop.split("@")[0]] = value
                changed.append(f"{key}.{prop.split('@')[0]}")
                if key.endswith("-csv") and prop == "href" and isinstance(value, str):
                    self.csv_links[key[:-4]] = value
        return changed

    def values(self, spec: dict, overrides: dict | None = None) -> dict:
        values = {}
        for dep in (*spec["inputs"], *spec["state"]):
            if isinstance(dep["id"], str):
                key = f"{dep['id']}.{dep['property']}"
                values[key] = self.props.get(dep["id"], {}).get(dep["property"])
        values.update(overrides or {})
        return values

    # --- a page load -------------------------------------------------------------------------------------------

    def open_page(self, path: str) -> None:
        if Shared.deps is None:
            self.learn()
            if Shared.deps is None:
                return
        template = "/companies/<key>" if path.startswith("/companies/") else path
        lang = "en" if self.rng.random() < 0.2 else "ru"
        search = "?lang=en" if lang == "en" else ""
        if self.send("page", f"{template} html", "GET", path + search) is None:
            return
        self.send("page", "_dash-layout", "GET", "/_dash-layout")
        self.send("page", "_dash-dependencies", "GET", "/_dash-dependencies")
        self.path, self.cards, self.csv_links = path, {}, {}
        self.props = {"url": {"type": "Location", "pathname": path, "search": search},
                      "global-area": {"type": "Select", "value": None}}
        for spec in Shared.by_input.get("url.search", []):  # the shell's own callbacks
            self.callback("page", spec, self.values(spec), [])
        response = self.send("page", f"{template} content", "POST", "/_dash-update-component",
                             pages_payload(Shared.deps, path, search))
        if response is None:
            return
        self.props.update(layout_props(response.json().get("response", {})))
        # Every callback whose inputs all appeared with the page fires once, as the renderer does.
        fired = set()
        for specs in Shared.by_input.values():
            for spec in specs:
                ids = [d["id"] for d in spec["inputs"]]
                if (id(spec) in fired or spec.get("prevent_initial_call") or "_pages_location" in ids
                        or "url" in ids or not all(isinstance(i, str) and i in self.props for i in ids)):
                    continue
                fired.add(id(spec))
                self.callback("page", spec, self.values(spec), [])

    # --- a filter change ---------------------------------------------------------------------------------------

    def controls(self) -> list[tuple[str, str]]:
        found = []
        for ident in self.props:
            for prop in ("value", "checked"):
                if f"{ident}.{prop}" in Shared.by_input and self.new_value(ident, prop, dry=True) is not None:
                    found.append((ident, prop))
        return found

    def new_value(self, ident: str, prop: str, dry: bool = False):
        props = self.props[ident]
        kind = props.get("type")
        if prop == "checked":
            return not props.get("checked")
        if kind in ("Select", "SegmentedControl", "Dropdown", "RadioItems", "RadioGroup"):
            options = _options(props)
            return (options and (options if dry else self.rng.choice(options))) or None
        if kind in ("MultiSelect", "Checklist", "ChipGroup"):
            options = _options(props)
            if not options:
                return None
            return options if dry else self.rng.sample(options, self.rng.randint(1, min(6, len(options))))
        if kind in ("RangeSlider",) and isinstance(props.get("min"), int) and isinstance(props.get("max"), int):
            low = self.rng.randint(props["min"], props["max"])
            return [low, self.rng.randint(low, props["max"])]
        if kind in ("TextInput", "Input", "Autocomplete"):
            return self.rng.choice(SEARCHES)
        return None

    def change(self, ident: str, prop: str, value) -> None:
        self.props[ident][prop] = value
        trigger = f"{ident}.{prop}"
        fired = set()
        changed: list[str] = []
        for spec in Shared.by_input.get(trigger, []):
            fired.add(id(spec))
            changed += self.callback("filter", spec, self.values(spec), [trigger])
        # What those callbacks changed fires its listeners in turn (one level: the chart after its controls).
        for key in dict.fromkeys(changed):
            for spec in Shared.by_input.get(key, []):
                if id(spec) not in fired and not key.startswith("indicators-play"):
                    fired.add(id(spec))
                    self.callback("filter", spec, self.values(spec), [key])

    # --- tasks -------------------------------------------------------------------------------------------------

    @task(3)
    def page(self) -> None:
        pages = list(PAGES)
        if Shared.companies:
            pages.append(f"/companies/{self.rng.choice(Shared.companies)}")
        self.open_page(self.rng.choice(pages))

    @task(5)
    def filter(self) -> None:
        controls = self.controls()
        if not controls:
            self.open_page(self.rng.choice(CHART_PAGES))
            controls = self.controls()
            if not controls:
                return
        ident, prop = self.rng.choice(controls)
        self.change(ident, prop, self.new_value(ident, prop))

    @task(2)
    def export(self) -> None:
        choices = [("api-csv", card) for card in self.csv_links]
        choices += [(kind, card) for card, data in self.cards.items() if data.get("rows") for kind in ("csv", "xlsx")]
        choices += [("xlsx", card) for card in self.csv_links]
        if self.path == "/scorecard":
            choices += [("scorecard-download.data", None), ("scorecard-download-xlsx.data", None)]
        if not choices:
            self.open_page(self.rng.choice(("/indicators", "/investments", "/products", "/timeline")))
            return
        kind, card = self.rng.choice(choices)
        if kind == "api-csv":
            self.send("export", "api csv (chart link)", "GET", self.csv_links[card])
        elif kind == "csv":
            self.send("export", "chart csv", "POST", "/_dash-update-component", {
                "output": '{"card":["MATCH"],"type":"chart-download"}.data',
                "outputs": {"id": {"card": card, "type": "chart-download"}, "property": "data"},
                "inputs": [{"id": {"card": card, "type": "chart-download-button"}, "property": "n_clicks",
                            "value": 1}],
                "state": [{"id": {"card": card, "type": "chart-data"}, "property": "data",
                           "value": self.cards[card]}],
                "changedPropIds": [json.dumps({"card": card, "type": "chart-download-button"},
                                              separators=(",", ":")) + ".n_clicks"]})
        elif kind == "xlsx":
            title = self.props.get(f"{card}-title", {}).get("children")
            context = {"card": card, "csv": self.csv_links.get(card, ""),
                       "title": title if isinstance(title, str) else card,
                       "unit": str(self.props.get(f"{card}-unit", {}).get("children") or ""), "source": "",
                       "links": []}
            request = {"cards": [context], "url": f"http://127.0.0.1{self.path}", "lang": "ru",
                       "at": int(time.time() * 1000)}
            self.send("export", "chart xlsx", "POST", "/_dash-update-component", {
                "output": '{"card":["MATCH"],"type":"chart-xlsx-download"}.data',
                "outputs": {"id": {"card": card, "type": "chart-xlsx-download"}, "property": "data"},
                "inputs": [{"id": {"card": card, "type": "chart-xlsx-request"}, "property": "data",
                            "value": request}],
                "state": [{"id": {"card": card, "type": "chart-data"}, "property": "data",
                           "value": self.cards.get(card)}],
                "changedPropIds": [json.dumps({"card": card, "type": "chart-xlsx-request"},
                                              separators=(",", ":")) + ".data"]})
        else:
            spec = next(s for s in Shared.deps if s["output"] == kind)
            button = spec["inputs"][0]["id"]
            self.send("export", kind.split(".")[0], "POST", "/_dash-update-component",
                      callback_payload(spec, self.values(spec, {f"{button}.n_clicks": 1}), [f"{button}.n_clicks"]))

    @task(3)
    def api(self) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55 and Shared.indicators:
            params = [f"indicator={rng.choice(Shared.indicators)}"]
            if rng.random() < 0.7 and Shared.regions:
                params.append("region=" + ",".join(rng.sample(Shared.regions, rng.randint(1, 6))))
            if rng.random() < 0.4:
                start = rng.randint(2000, 2022)
                params += [f"from={start}", f"to={rng.randint(start, 2024)}"]
            if rng.random() < 0.3:
                params.append("format=csv")
            if rng.random() < 0.2:
                params.append("lang=en")
            self.send("api", "observations", "GET", "/api/v1/observations?" + "&".join(params))
        elif roll < 0.65 and Shared.indicators:
            self.send("api", "observations (page 2)", "GET",
                      f"/api/v1/observations?indicator={rng.choice(Shared.indicators)}&limit=200&offset=200")
        else:
            table = rng.choice(API_TABLES)
            suffix = "?format=csv" if rng.random() < 0.25 else ""
            self.send("api", table, "GET", f"/api/v1/{table}{suffix}")


class Checker(FastHttpUser):
    """Asks the checked views over and over, each variant in its own shuffled order (the API's figures, then the
    chart); each answer (its digest, and its body once) goes to $LOADTEST_OUT for tools/loadtest.py to judge."""

    fixed_count = int(os.environ.get("LOADTEST_CHECKERS", "2"))
    wait_time = constant(0.25)

    def on_start(self) -> None:
        (OUT / "bodies").mkdir(parents=True, exist_ok=True)
        self.log = (OUT / "checks.jsonl").open("a")
        self.seen: set[str] = set()
        self.deps: list[dict] | None = None
        order = list(range(len(CHECK_VARIANTS)))
        random.Random(SEED * 7 + next(_numbers)).shuffle(order)
        self.turn = itertools.cycle([(view, variant) for variant in order for view in ("api", "chart")])

    def on_stop(self) -> None:
        self.log.close()

    def ask(self, name: str, variant: int, method: str, path: str, payload: dict | None = None) -> None:
        sent = time.time()
        with self.client.request(method, path, name=f"check {name}", json=payload, catch_response=True) as r:
            body = r.content or b""
            status = r.status_code
            ok = status == 200 and not soft_error(r.text or "")
            if ok:
                r.success()
            else:
                r.failure(f"HTTP {status}: {(r.text or '')[:300]}")
        key = digest(body) if ok else None
        if key and key not in self.seen:
            self.seen.add(key)
            (OUT / "bodies" / f"{key}.json").write_bytes(body)
        self.log.write(json.dumps({"check": name, "variant": variant, "sent": sent, "received": time.time(),
                                   "status": status, "digest": key}) + "\n")
        self.log.flush()

    @task
    def check(self) -> None:
        if self.deps is None:
            response = self.client.get("/_dash-dependencies", name="check _dash-dependencies")
            if response.status_code != 200:
                return
            self.deps = response.json()
        view, variant = next(self.turn)
        if view == "api":
            self.ask("api", variant, "GET", api_path(variant))
        else:
            self.ask("chart", variant, "POST", "/_dash-update-component", chart_payload(self.deps, variant))


# --- the summary -----------------------------------------------------------------------------------------------

class Summary:
    times: ClassVar[dict[str, list[float]]] = {kind: [] for kind in KINDS}
    failures: ClassVar[dict[str, int]] = dict.fromkeys(KINDS, 0)
    soft = 0
    samples: ClassVar[list[str]] = []
    started: float | None = None
    stopped: float | None = None


@events.test_start.add_listener
def _started(**_kwargs) -> None:
    Summary.started = time.time()


@events.request.add_listener
def _request(name: str, response_time: float, exception: BaseException | None = None, **_kwargs) -> None:
    kind = name.split(" ", 1)[0]
    kind = kind if kind in Summary.times else "page"
    Summary.times[kind].append(response_time)
    if exception is not None:
        Summary.failures[kind] += 1
        text = str(exception)
        Summary.soft += text.startswith("error state")
        if len(Summary.samples) < 30:
            Summary.samples.append(f"{name}: {text[:300]}")


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)] if ordered else 0.0


def _figures(times: list[float], failures: int, seconds: float) -> dict:
    ordered = sorted(times)
    return {"requests": len(ordered), "failures": failures, "rps": len(ordered) / seconds if seconds else 0.0,
            "p50": _percentile(ordered, 0.5), "p95": _percentile(ordered, 0.95), "max": ordered[-1] if ordered else 0}


def _write_summary() -> None:
    end = Summary.stopped or time.time()
    seconds = end - (Summary.started or end)
    kinds = {kind: _figures(Summary.times[kind], Summary.failures[kind], seconds) for kind in KINDS}
    every = [t for kind in KINDS for t in Summary.times[kind]]
    total = {**_figures(every, sum(Summary.failures.values()), seconds), "soft_errors": Summary.soft,
             "seconds": seconds}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.json").write_text(json.dumps({"kinds": {**kinds, "total": total}, "total": total,
                                                  "failure_samples": Summary.samples}, indent=1))


@events.test_stop.add_listener
def _stopped(**_kwargs) -> None:
    Summary.stopped = time.time()
    _write_summary()


@events.quitting.add_listener
def _quitting(**_kwargs) -> None:
    _write_summary()
