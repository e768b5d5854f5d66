"""With the database unreachable every page and chart shows its error state (not empty axes, not a blank page);
once it is back, the next request works without a restart."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.exc import OperationalError

from dashboard import queries
from tests.dashboard.pages.render import PAGES, visit


def _down(*_args, **_kwargs):
    raise OperationalError("connect", {}, ConnectionRefusedError("database stopped (synthetic outage)"))


@pytest.fixture
def outage(atlas_app, monkeypatch):
    """Every new connection of the app's engine refused until the fixture's `end` is called."""
    with atlas_app.server.app_context():
        engine = queries.engine()
    engine.dispose()
    monkeypatch.setattr(engine, "connect", _down)
    return lambda: monkeypatch.undo()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_page_and_chart_shows_the_error_state_then_recovers(atlas_app, outage, lang):
    client = atlas_app.server.test_client()
    message = "cannot be reached" if lang == "en" else "недоступна"
    for page in PAGES:
        if page == "/api":
            continue  # the API page is static text
        results = visit(client, f"{page}?lang={lang}")
        assert all(status < 500 for _output, status, _response in results), page
        shown = json.dumps([response for _output, _status, response in results], ensure_ascii=False)
        assert message in shown, page
        for _output, _status, response in results:
            for component, props in response.items():
                if "figure" in props:  # a chart says why it is blank
                    assert message in json.dumps(props["figure"], ensure_ascii=False), (page, component)
    outage()  # the database is back
    for page in PAGES:
        results = visit(client, f"{page}?lang={lang}")
        assert all(status == 200 for _output, status, _response in results), page
        assert message not in json.dumps([r for _o, _s, r in results], ensure_ascii=False), page


def test_a_bug_is_not_dressed_as_an_outage():
    from dashboard.components import callback_error

    with pytest.raises(ZeroDivisionError):
        callback_error(ZeroDivisionError("a bug"))
