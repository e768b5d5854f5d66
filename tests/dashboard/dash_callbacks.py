"""Calling a page's Dash callback through the test client, as the browser does, and checking its figures."""

from __future__ import annotations

import json

import plotly.graph_objects as go


def _outputs(output: str) -> list[dict] | dict:
    """The outputs of a callback as Dash names them ('..a.b...c.d..' for several, 'a.b' for one)."""
    parts = output.strip(".").split("...")
    ids = [part.rsplit(".", 1) for part in parts]
    outputs = [{"id": json.loads(i) if i.startswith("{") else i, "property": p} for i, p in ids]
    return outputs if output.startswith("..") else outputs[0]


def call(client, output_part: str, values: dict) -> dict:
    """POST the callback whose output names `output_part`, with input and state values by component id
    (missing ones are None); its response by component id."""
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    callback = next(c for c in dependencies if output_part in c["output"])
    payload = {"output": callback["output"], "outputs": _outputs(callback["output"]),
               "inputs": [{"id": i["id"], "property": i["property"], "value": values.get(i["id"])}
                          for i in callback["inputs"]],
               "state": [{"id": s["id"], "property": s["property"], "value": values.get(s["id"])}
                         for s in callback["state"]],
               "changedPropIds": []}
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200, response.data[:500]
    return json.loads(response.data)["response"]


def valid_figures(response: dict) -> dict[str, go.Figure]:
    """Every figure in a callback response, each passed through plotly's full validation (go.Figure
    raises on any invalid property), by graph id; the response sends plain dicts, not Figure JSON."""
    figures = {}
    for component, props in response.items():
        if "figure" in props:
            figure = props["figure"]
            assert isinstance(figure, dict) and set(figure) <= {"data", "layout", "frames"}
            figures[component] = go.Figure(figure)
    assert figures, "the callback returned no figure"
    return figures
