"""The translations reference tables (data/reference/cluster_text_ru.csv, atc_names_ru.csv): what the reference
load refuses, naming file, row and column, and that the bundled ATC codes all have their Russian names."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl import load
from etl.errors import InputError
from etl.paths import EXTRACTS_DIR, REFERENCE_DIR
from etl.sources import atc, reference

PROJECT = "project's translation of the recorded English text"


def reference_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, folder)
    return folder


def add_row(path: Path, row: list[str]) -> int:
    """Append a row to a CSV; its row number (the header is row 1)."""
    with open(path, "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(row)
    with open(path, encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle))


def test_bundled_translations_load_and_say_who_made_them(engine) -> None:
    table = reference.parse_translations()
    cluster, names = table[table["field"] == "cluster"], table[table["field"] == "atc"]
    assert len(cluster) > 400 and len(names) == 53
    assert set(cluster["source"]) == {PROJECT}
    assert names["source"].str.contains("2406-р").all() and names["source"].str.contains("ГРЛС").all()
    # the names are the project's translation, said to be unchecked against the register until they are
    assert names["source"].str.startswith("Перевод проекта").all() and names["source"].str.contains("не сверен").all()
    assert table["text_ru"].str.strip().ne("").all()
    report = load.apply(engine, reference.parse(), file_name="reference", sha256="t")
    assert report.status == "applied"
    with engine.connect() as conn:
        stored = pd.read_sql("select field, value, text_ru from translations", conn)
    assert len(stored) == len(table)
    row = stored[(stored["field"] == "cluster") & (stored["value"] == "to 2015")]
    assert row["text_ru"].tolist() == ["по 2015"]


def test_a_translation_that_changes_a_number_is_refused(tmp_path: Path) -> None:
    folder = reference_copy(tmp_path)
    row = add_row(folder / "cluster_text_ru.csv",
                  ["capacity up to 41 t/yr (SYNTHETIC)", "мощность до 14 т/год", PROJECT])
    with pytest.raises(InputError) as refused:
        reference.parse(folder)
    rejection = refused.value.rejection
    assert (rejection.file, rejection.row, rejection.column) == ("cluster_text_ru.csv", row, "text_ru")
    assert "numbers differ" in rejection.reason


def test_a_dropped_or_added_number_is_refused(tmp_path: Path) -> None:
    folder = reference_copy(tmp_path)
    add_row(folder / "cluster_text_ru.csv", ["launch planned Q1 2018 (SYNTHETIC)", "запуск в I квартале 2018", PROJECT])
    with pytest.raises(InputError, match="numbers differ"):
        reference.parse(folder)


def test_square_metres_are_no_figure_of_the_text() -> None:
    assert reference._numbers("15,000 m2 site") == reference._numbers("площадка 15 000 м²")
    assert reference._numbers("2 m2") != reference._numbers("м²")


def test_a_text_translated_twice_is_refused(tmp_path: Path) -> None:
    folder = reference_copy(tmp_path)
    row = add_row(folder / "cluster_text_ru.csv", ["to 2015", "до 2015", PROJECT])
    with pytest.raises(InputError) as refused:
        reference.parse(folder)
    rejection = refused.value.rejection
    assert (rejection.file, rejection.row, rejection.column) == ("cluster_text_ru.csv", row, "text_en")
    assert "duplicate" in rejection.reason


def test_an_empty_translation_or_source_is_refused(tmp_path: Path) -> None:
    folder = reference_copy(tmp_path)
    row = add_row(folder / "atc_names_ru.csv", ["Z99", "SYNTHETIC GROUP", "", "SYNTHETIC"])
    with pytest.raises(InputError) as refused:
        reference.parse(folder)
    rejection = refused.value.rejection
    assert (rejection.file, rejection.row, rejection.column) == ("atc_names_ru.csv", row, "name_ru")
    assert "empty" in rejection.reason


def test_a_file_without_its_columns_is_refused(tmp_path: Path) -> None:
    folder = reference_copy(tmp_path)
    (folder / "cluster_text_ru.csv").write_text("text_en,russian\nto 2015,по 2015\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        reference.parse(folder)
    assert refused.value.rejection.file == "cluster_text_ru.csv"
    assert "missing required column" in refused.value.rejection.reason


def test_every_atc_code_the_products_use_has_its_official_russian_name() -> None:
    """Every code the bundled products carry, and every group above it, is named in Russian; the English name
    beside it is WHO's (the bundled ATC extract's), so the file cannot drift from the codes it names."""
    names = pd.read_csv(REFERENCE_DIR / "atc_names_ru.csv", dtype=str, keep_default_na=False)
    who = pd.read_csv(EXTRACTS_DIR / "atc" / "atc_groups.csv", dtype=str, keep_default_na=False)
    products = pd.concat([pd.read_csv(path, dtype=str, keep_default_na=False)
                          for path in EXTRACTS_DIR.glob("*/products.csv")])
    used = {code for value in products["atc_code"] if value for code in atc.ancestors(value)}
    assert used and used <= set(names["code"])
    assert set(names["code"]) <= used  # only the groups the products use
    english = dict(zip(who["code"], who["name_en"], strict=True))
    assert {code: english[code] for code in names["code"]} == dict(zip(names["code"], names["name_en"], strict=True))
