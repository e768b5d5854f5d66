"""Bundled extracts: a lossless round trip, provenance, and the same database as the raw file gives."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from etl import extracts, load
from etl.errors import InputError, RejectedInput
from etl.extracts import (
    ATC_EXTRACT,
    EXTRACTS,
    PROVENANCE,
    REFUSED_FILES,
    all_specs,
    bundled_in_load_order,
    raw_metadata,
    read_extract,
    write_extract,
)
from etl.paths import EXTRACTS_DIR
from etl.pipeline import load_path, parse_path
from etl.schema import Observation
from etl.sources import reference
from tests.fixtures import GRP_ROWS, PANEL_HEADER, grp_table, write_csv, write_rr_workbook

ROSSTAT_EXTRACTS = [spec for spec in EXTRACTS if spec.adapter.startswith("rosstat")]
SYNTHETIC_SOURCE = {"file": "SYNTHETIC", "producer": "tests", "publication": "SYNTHETIC",
                    "origin": "tests/fixtures.py", "licence": "n/a"}


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal values column by column (missing = None), whatever the dtypes and column order."""
    assert sorted(a.columns) == sorted(b.columns)
    columns = sorted(a.columns)

    def tidy(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[columns].astype(object)
        return frame.where(frame.notna(), None).reset_index(drop=True)

    pd.testing.assert_frame_equal(tidy(a), tidy(b), check_dtype=False)


@pytest.fixture
def synthetic_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extracts, "raw_metadata", lambda raw: SYNTHETIC_SOURCE)


def test_round_trip_of_a_synthetic_workbook(tmp_path: Path, synthetic_source) -> None:
    raw = write_rr_workbook(tmp_path / "grp_2019.xlsx", grp_table(GRP_ROWS))
    parsed = parse_path(raw)
    folder = write_extract(parsed, "synthetic_grp", raw, "SYNTHETIC", tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == ["indicators.csv", "observations.csv.gz", PROVENANCE]
    back = read_extract(folder)
    assert (back.adapter, back.edition) == ("rosstat_workbook", "RR-2019")
    assert sorted(back.tables) == sorted(parsed.tables)
    for table, frame in parsed.tables.items():
        same_frame(frame, back.tables[table])
    # Status "" (a published number) survives the CSV round trip; missing values come back as None.
    observations = back.tables["observations"]
    assert observations.loc[observations["region_code"] == "RU", "status"].tolist() == ["", ""]
    assert observations.loc[observations["status"] == "not_available", "value"].isna().tolist() == [True]


def test_provenance_record(tmp_path: Path, synthetic_source) -> None:
    raw = write_csv(tmp_path / "panel.csv", PANEL_HEADER, [["Калужская область", "2016", "1", "NA"]])
    folder = write_extract(parse_path(raw), "synthetic_panel", raw, "SYNTHETIC", tmp_path)
    provenance = json.loads((folder / PROVENANCE).read_text())
    assert provenance["name"] == "synthetic_panel"
    assert provenance["adapter"] == "rosstat_panel"
    assert provenance["edition"] == "RR-2021"
    assert provenance["source_file"] == "panel.csv"
    assert provenance["source"] == SYNTHETIC_SOURCE
    assert provenance["raw_sha256"] == load.sha256_of(raw)
    assert provenance["tables"]["observations"]["rows"] == 2
    assert provenance["tables"]["observations"]["sha256"] == load.sha256_of(folder / "observations.csv.gz")
    # Constant columns live in the provenance record, not in every row.
    header = pd.read_csv(folder / "observations.csv.gz", nrows=0).columns
    assert not {"edition", "source_file", "year", "month"} & set(header)


def test_extract_bytes_are_reproducible(tmp_path: Path, synthetic_source) -> None:
    raw = write_rr_workbook(tmp_path / "grp_2019.xlsx", grp_table(GRP_ROWS))
    first = write_extract(parse_path(raw), "a", raw, "SYNTHETIC", tmp_path / "one")
    second = write_extract(parse_path(raw), "a", raw, "SYNTHETIC", tmp_path / "two")
    assert load.sha256_of(first) == load.sha256_of(second)


def test_rejected_input_is_never_extracted(tmp_path: Path, synthetic_source) -> None:
    raw = write_rr_workbook(tmp_path / "bad_2019.xlsx", grp_table([*GRP_ROWS, ["Атлантида", 1, 2]]))
    with pytest.raises(RejectedInput, match="unknown region name"):
        write_extract(parse_path(raw), "bad", raw, "SYNTHETIC", tmp_path / "out")
    assert not (tmp_path / "out" / "bad").exists()


def test_raw_metadata() -> None:
    meta = raw_metadata("rosstat/regions_of_russia_2019_s09_grp.xlsx")
    assert meta["producer"] == "Rosstat"
    assert "321ba4f6" in meta["origin"]
    with pytest.raises(KeyError, match=r"no entry in data/reference/raw_sources\.csv"):
        raw_metadata("rosstat/SYNTHETIC.xlsx")


def test_damaged_extracts_are_input_errors(tmp_path: Path, synthetic_source) -> None:
    with pytest.raises(InputError, match="unreadable provenance record"):
        read_extract(tmp_path)
    raw = write_rr_workbook(tmp_path / "grp_2019.xlsx", grp_table(GRP_ROWS))
    folder = write_extract(parse_path(raw), "cut", raw, "SYNTHETIC", tmp_path / "out")
    indicators = folder / "indicators.csv"
    indicators.write_text(indicators.read_text().splitlines()[0] + "\n")
    with pytest.raises(InputError, match=r"indicators\.csv: expected 1 rows, found 0"):
        read_extract(folder)


def test_bundled_extracts_in_load_order() -> None:
    names = [p.name for p in bundled_in_load_order()]
    assert names[0] == ATC_EXTRACT
    refused = json.loads((EXTRACTS_DIR / REFUSED_FILES).read_text())
    assert names[1:] == [spec.name for spec in all_specs() if spec.raw not in refused]
    for name in names:
        provenance = json.loads((EXTRACTS_DIR / name / PROVENANCE).read_text())
        assert provenance["name"] == name
        assert provenance["source"]["licence"]


@pytest.mark.parametrize("spec", ROSSTAT_EXTRACTS, ids=lambda spec: spec.name)
def test_bundled_extract_matches_its_raw_file(parse_shared, shared_data: Path, spec) -> None:
    """The committed extract is what the ETL derives from ../shared/data today (else run `make data`)."""
    raw_path = shared_data / spec.raw
    parsed = parse_shared(raw_path.name)
    bundled = read_extract(EXTRACTS_DIR / spec.name)
    provenance = json.loads((EXTRACTS_DIR / spec.name / PROVENANCE).read_text())
    assert provenance["raw_sha256"] == load.sha256_of(raw_path)
    assert (bundled.adapter, bundled.edition) == (parsed.adapter, parsed.edition)
    for table, frame in parsed.tables.items():
        same_frame(frame, bundled.tables[table])


def observation_rows(engine: Engine) -> list[tuple]:
    columns = [c for c in Observation.__table__.c if c.name not in ("id", "load_id")]
    with engine.connect() as conn:
        return sorted(conn.execute(select(*columns)).all(), key=repr)


def test_extract_and_raw_file_give_the_same_database(engine: Engine, tmp_path: Path,
                                                     synthetic_source) -> None:
    raw = write_rr_workbook(tmp_path / "grp_2019.xlsx", grp_table(GRP_ROWS))
    folder = write_extract(parse_path(raw), "synthetic_grp", raw, "SYNTHETIC", tmp_path / "out")
    load.apply(engine, reference.parse(), file_name="reference", sha256="x")

    assert load_path(engine, raw).status == "applied"
    from_raw = observation_rows(engine)
    again = load_path(engine, folder)
    assert (again.status, again.added, again.changed, again.unchanged) == ("applied", 0, 0, 9)
    assert observation_rows(engine) == from_raw
    assert len(from_raw) == 8
