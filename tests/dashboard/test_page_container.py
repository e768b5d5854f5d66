"""The page built into the layout (dashboard.app.page_container): the browser asks for the layout from the
page itself, so the layout holds that page and Dash's router need not fetch it by a second round trip."""

from __future__ import annotations

import json

import dash
import pytest

CONTENT, LOCATION, STORE = "_pages_content", "_pages_location", "_pages_store"


def _find(node, wanted_id):
    """The component dict with id `wanted_id` in a serialised layout (depth first), or None."""
    if isinstance(node, dict):
        props = node.get("props", {})
        if props.get("id") == wanted_id:
            return node
        children = props.get("children")
        for child in children if isinstance(children, list) else [children]:
            found = _find(child, wanted_id)
            if found is not None:
                return found
    return None


def _layout(client, referer: str | None) -> tuple[dict, object]:
    headers = {"Referer": referer} if referer else {}
    response = client.get("/_dash-layout", headers=headers)
    assert response.status_code == 200
    return json.loads(response.data), response


def _text(node) -> str:
    return json.dumps(node, ensure_ascii=False)


def test_the_layout_holds_the_page_its_referer_names(client):
    layout, response = _layout(client, "http://localhost/indicators?lang=en&indicator=grp")
    content = _find(layout, CONTENT)
    assert content["props"].get("children"), "the page is built into the layout"
    assert _find(content, "indicators-chart-graph") is not None
    location = _find(layout, LOCATION)["props"]
    # Every prop dcc.Location compares with window.location at mount is given: it reports no change,
    # so the router does not build the same page again.
    assert (location["pathname"], location["search"], location["hash"]) == ("/indicators", "?lang=en&indicator=grp",
                                                                            "")
    assert location["href"] == "http://localhost/indicators?lang=en&indicator=grp"
    assert _find(layout, STORE)["props"]["data"] == {"title": "Regional indicators — Kaluga Cluster Atlas"}
    assert "Referer" in response.headers.get("Vary", "")


def test_the_page_is_built_in_the_referers_language(client):
    layout, _ = _layout(client, "http://localhost/companies?lang=ru")
    assert _find(layout, STORE)["props"]["data"]["title"].endswith("Атлас Калужского фармкластера")
    content = _text(_find(layout, CONTENT))
    assert "Компании" in content


def test_an_unknown_address_gets_the_not_found_page(client):
    layout, _ = _layout(client, "http://localhost/no-such-page?lang=en")
    assert _find(layout, CONTENT)["props"].get("children")
    assert "404" in _text(_find(layout, CONTENT)) or "not found" in _text(_find(layout, CONTENT)).lower()


@pytest.mark.parametrize("referer", [None, "http://elsewhere.example/indicators?lang=en", "not a url"])
def test_without_this_sites_referer_the_router_builds_the_page(client, referer):
    layout, _ = _layout(client, referer)
    assert not _find(layout, CONTENT)["props"].get("children")
    assert _find(layout, LOCATION)["props"].get("pathname") is None  # dcc.Location reports it: the router runs


def test_a_page_that_fails_to_build_is_left_to_the_router(client, monkeypatch):
    entry = next(p for p in dash.page_registry.values() if p["path"] == "/indicators")

    def broken(**_query):
        raise RuntimeError("synthetic failure while building the page")

    monkeypatch.setitem(entry, "layout", broken)
    layout, _ = _layout(client, "http://localhost/indicators?lang=en")
    assert not _find(layout, CONTENT)["props"].get("children")
    assert _find(layout, LOCATION)["props"].get("pathname") is None
