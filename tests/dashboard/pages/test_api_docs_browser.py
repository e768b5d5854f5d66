"""Browser tests of /api (the open-data page) in real headless Chromium."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import has_horizontal_scroll, save_screenshot

pytestmark = pytest.mark.browser


def test_examples_scroll_in_their_blocks_on_a_phone(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(375, 900)
    for lang in ("ru", "en"):
        dash_duo.wait_for_page(f"{dash_duo.server_url}/api?lang={lang}")
        dash_duo.wait_for_element("#api-curl")
        # The long curl and pandas lines stay whole (they must still paste) and scroll inside their own block.
        for block in ("api-curl", "api-pandas"):
            scroll, client = dash_duo.driver.execute_script(
                "var e = document.getElementById(arguments[0]); return [e.scrollWidth, e.clientWidth];", block)
            assert scroll > client, (lang, block)
        assert not has_horizontal_scroll(dash_duo), lang
        save_screenshot(dash_duo, f"api-docs-{lang}-375px")
