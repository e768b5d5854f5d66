"""Rendering a page as the browser does, without a browser: the router callback, then every callback
whose inputs the page's layout holds, fired with the layout's own values (the page's first requests)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

PAGES = ("/", "/indicators", "/investments", "/products", "/companies", "/companies/unknown-company", "/timeline",
         "/sources", "/api")


def _dependencies(client) -> list[dict]:
    return json.loads(client.get("/_dash-dependencies").data)


def _outputs(output: str) -> list[dict] | dict:
    parts = output.strip(".").split("...")
    ids = [part.rsplit(".", 1) for part in parts]
    outputs = [{"id": json.loads(i) if i.startswith("{") else i, "property": p} for i, p in ids]
    return outputs if output.startswith("..") else outputs[0]


def render(client, url: str) -> tuple[int, dict | None]:
    """The router's answer for `url` (path and query): its status and the page's layout."""
    parts = urlsplit(url)
    search = f"?{parts.query}" if parts.query else ""
    router = next(c for c in _dependencies(client) if "_pages_content.children" in c["output"])
    payload = {"output": router["output"], "outputs": _outputs(router["output"]),
               "inputs": [{"id": "_pages_location", "property": "pathname", "value": parts.path},
                          {"id": "_pages_location", "property": "search", "value": search}],
               "state": [], "changedPropIds": ["_pages_location.pathname"]}
    response = client.post("/_dash-update-component", json=payload)
    if response.status_code != 200:
        return response.status_code, None
    return 200, json.loads(response.data)["response"]["_pages_content"]["children"]


def _key(component_id: object) -> str:
    return json.dumps(component_id, sort_keys=True) if isinstance(component_id, dict) else str(component_id)


def props_by_id(tree: object) -> dict[str, dict]:
    """Every component's props in a layout, by id (pattern-matching ids as sorted JSON)."""
    found: dict[str, dict] = {}

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and "type" in node and "namespace" in node:
                if props.get("id") is not None:
                    found[_key(props["id"])] = props
                for value in props.values():
                    walk(value)

    walk(tree)
    return found


def first_callbacks(client, layout: dict, shell: dict[str, dict] | None = None) -> Iterator[tuple[str, int, dict]]:
    """Fire each server callback whose inputs are all in the layout (plus the shell's `url` etc.) with the
    layout's values, as the browser does on first load: (output, status, response or {})."""
    props = {**(shell or {}), **props_by_id(layout)}
    for callback in _dependencies(client):
        if callback.get("clientside_function") or "_pages" in callback["output"]:
            continue
        ids = [_key(i["id"]) for i in callback["inputs"]]
        if not ids or any(i not in props for i in ids):
            continue  # a wildcard or another page's callback
        if callback.get("prevent_initial_call"):
            continue

        def value(dep: dict) -> object:
            return props.get(_key(dep["id"]), {}).get(dep["property"])

        payload = {"output": callback["output"], "outputs": _outputs(callback["output"]),
                   "inputs": [{**i, "value": value(i)} for i in callback["inputs"]],
                   "state": [{**s, "value": value(s)} for s in callback["state"]],
                   "changedPropIds": []}
        response = client.post("/_dash-update-component", json=payload)
        body = json.loads(response.data) if response.status_code == 200 and response.data else {}
        yield callback["output"], response.status_code, body.get("response", {})


def shell_props(url: str, lang: str = "en") -> dict[str, dict]:
    """The app shell's components a page's callbacks may read (the location and the global area)."""
    parts = urlsplit(url)
    search = f"?{parts.query}" if parts.query else f"?lang={lang}"
    return {"url": {"pathname": parts.path, "search": search, "href": f"http://localhost{parts.path}{search}"},
            "_pages_location": {"pathname": parts.path, "search": search},
            "global-area": {"value": None, "data": []}}


def visit(client, url: str) -> list[tuple[str, int, dict]]:
    """Render `url` and fire its first callbacks: every (output, status, response), the router first."""
    status, layout = render(client, url)
    results: list[tuple[str, int, dict]] = [("_pages_content.children", status, {"layout": layout})]
    if layout is not None:
        results.extend(first_callbacks(client, layout, shell_props(url)))
    return results
