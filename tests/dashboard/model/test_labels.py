"""One rule for source labels and links, edition titles, cell references, missing values and markdown."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.model import labels


@pytest.mark.parametrize("value", [None, math.nan, pd.NA, "", "   ", "\t"])
def test_missing_values(value) -> None:
    assert labels.is_missing(value)
    assert labels.text_or_none(value) is None


@pytest.mark.parametrize("value", [0, 0.0, "0", "x", False])
def test_present_values(value) -> None:
    assert not labels.is_missing(value)


def test_pick_label_falls_back_to_the_other_language_then_none() -> None:
    assert labels.pick_label("en", "Калуга", "Kaluga") == "Kaluga"
    assert labels.pick_label("ru", "Калуга", "Kaluga") == "Калуга"
    assert labels.pick_label("en", "Калуга", None) == "Калуга"
    assert labels.pick_label("ru", math.nan, " Kaluga ") == "Kaluga"
    assert labels.pick_label("xx", None, "") is None


def test_source_label_and_link() -> None:
    url = "https://www.investkaluga.com/en/news/1"
    assert labels.source_label(url) == "investkaluga.com"
    assert labels.source_label(url, "A title", "Invest Kaluga") == "Invest Kaluga"
    assert labels.source_label("https://m.example.org/x", None, "  ") == "example.org"
    assert labels.source_link(url) == url
    bundled = "file:seed/kaluga_pharma_cluster_interview.txt"
    assert labels.source_label(bundled) == "kaluga_pharma_cluster_interview.txt"
    assert labels.source_label(bundled, "Interview") == "Interview"
    assert labels.source_link(bundled) is None
    assert labels.source_label(None) is None
    assert labels.source_label(math.nan, None, "Rosstat") == "Rosstat"
    assert labels.source_link(None) is None


def test_edition_and_cell_labels() -> None:
    assert labels.edition_label("RR-2019", "Регионы России 2019", "Regions of Russia 2019", "en") == \
        "Regions of Russia 2019"
    assert labels.edition_label("X-1", None, None, "en") == "X-1"
    assert labels.cell_reference("f.xlsx", "9.1.", "B6") == "f.xlsx, sheet 9.1., B6"
    assert labels.cell_reference("f.csv", None, "grp:4") == "f.csv, grp:4"
    assert labels.cell_reference(None, None, None) is None
    assert labels.observation_source("Rosstat", "RR 2019", "f.xlsx", "9.1.", "B6") == \
        "Rosstat · RR 2019: f.xlsx, sheet 9.1., B6"
    assert labels.observation_source(None, "X-1", "f.csv", None, None) == "X-1: f.csv"


def test_markdown_shows_data_literally() -> None:
    assert labels.markdown_text("[click](javascript:x) *bold* <b>") == \
        "\\[click\\]\\(javascript:x\\) \\*bold\\* \\<b\\>"
    assert labels.markdown_text(None) == ""
    assert labels.markdown_link("A_b", "https://x.org/a b(1)") == "[A\\_b](https://x.org/a%20b%281%29)"
    assert labels.markdown_link("file", "file:seed/x.txt") == "file"
    assert labels.markdown_link("js", "javascript:alert(1)") == "js"
