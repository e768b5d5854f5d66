"""Browser tests of the header dashboard.app builds around every page, in real headless Chromium."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import has_horizontal_scroll

pytestmark = pytest.mark.browser

# Height of the therapy-area label and of one line of it.
_LABEL_JS = """
var label = document.getElementById('global-area').closest('.mantine-Select-root').querySelector('label');
return [label.getBoundingClientRect().height, parseFloat(getComputedStyle(label).lineHeight)];
"""


@pytest.mark.parametrize("width", [1440, 1024, 375])
def test_the_therapy_area_label_is_one_line_in_both_languages(dash_duo, atlas_app, width):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(width, 900)
    for lang in ("ru", "en"):
        dash_duo.wait_for_page(f"{dash_duo.server_url}/?lang={lang}")
        dash_duo.wait_for_element("#global-area")
        height, line = dash_duo.driver.execute_script(_LABEL_JS)
        assert height < 1.5 * line, (lang, height, line)  # "Терапевтическая область" wrapped to two lines
        assert not has_horizontal_scroll(dash_duo), lang
