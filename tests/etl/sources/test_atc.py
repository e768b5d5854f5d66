"""Tests of the ATC and therapy-area adapter: the real WHO file, and quirks on synthetic files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.errors import InputError
from etl.sources import atc
from etl.values import table_columns

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
ATC_FILE = SHARED / "reference" / "who_atc_codes.csv"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not present")


@pytest.fixture(scope="module")
def areas() -> pd.DataFrame:
    return atc.parse_therapy_areas().tables["therapy_areas"]


@pytest.mark.shared_data
@needs_shared
class TestRealAtcFile:
    def test_levels_one_and_two_in_full_plus_needed_codes_and_ancestors(self) -> None:
        parsed = atc.parse_atc(ATC_FILE, {"L01EB04", "M01AC06"})
        frame = parsed.tables["atc_groups"]
        assert list(frame.columns) == table_columns("atc_groups")
        assert frame["level"].value_counts().to_dict() == {2: 94, 1: 14, 3: 2, 4: 2, 5: 2}
        assert {"L01E", "L01EB", "L01EB04", "M01A", "M01AC", "M01AC06"} <= set(frame["code"])
        assert parsed.rejections == []

    def test_parent_codes_and_names_as_in_file(self) -> None:
        frame = atc.parse_atc(ATC_FILE, {"L01EB04"}).tables["atc_groups"].set_index("code")
        assert frame.loc["L01EB04", "parent_code"] == "L01EB"
        assert frame.loc["L01EB", "parent_code"] == "L01E"
        assert frame.loc["L01E", "parent_code"] == "L01"
        assert frame.loc["L01", "parent_code"] == "L"
        assert frame.loc["L", "parent_code"] is None
        assert frame.loc["L01EB04", "name_en"] == "osimertinib"
        assert frame.loc["A", "name_en"] == "ALIMENTARY TRACT AND METABOLISM"

    def test_unknown_needed_code_is_rejected(self) -> None:
        parsed = atc.parse_atc(ATC_FILE, {"Z99ZZ99"})
        assert [(r.column, r.found) for r in parsed.rejections] == [("atc_code", "Z99ZZ99")]

    def test_inn_matching(self) -> None:
        index = atc.inn_index(atc.read_atc(ATC_FILE))
        assert atc.match_inn("Meloxicam", index) == ("M01AC06", None)
        code, note = atc.match_inn("diclofenac", index)
        # Several codes: systemic before topical (ATC groups D and S), with a note naming all.
        assert code == "M01AB05" and "D11AX18" in note
        assert atc.match_inn("dalargin", index)[0] is None


def test_therapy_areas_reference(areas: pd.DataFrame) -> None:
    assert list(areas.columns) == table_columns("therapy_areas")
    assert len(areas) == 18
    assert areas.set_index("code").loc["other", "atc_prefixes"] is None


@pytest.mark.parametrize(
    ("code", "area"),
    [("L01EB04", "oncology"), ("A10BK01", "endocrinology"),
     # Carbetocin (H01BB oxytocin and analogues) is obstetric, not endocrine; other H codes stay endocrine.
     ("H01BB03", "obstetrics"), ("H03AA01", "endocrinology"), ("G02AB01", "obstetrics"),
     # ATC group N is not all neurology: N01 anaesthetics (articaine), N02 analgesics, N05/N06 psychiatry.
     ("N01BB08", "anaesthetics"), ("N02BE01", "analgesics"), ("N06AB03", "psychiatry"),
     ("N06DA02", "neurology"), ("N03AX09", "neurology"), ("G02CX01", "genitourinary"),
     ("A02BA03", "gastroenterology"), ("A11CA01", None), ("M01AC06", "musculoskeletal"),
     ("G03XB01", "genitourinary"), ("J05AX13", "anti_infectives"), ("J07BB", "immunology"),
     ("V09AA01", "diagnostics"), ("C03BA11", "cardiology"), (None, None)],
)
def test_therapy_area_for(code: str | None, area: str | None, areas: pd.DataFrame) -> None:
    assert atc.therapy_area_for(code, areas) == area


def test_longest_prefix_wins() -> None:
    # Synthetic areas: "A" would also match A10BK01, but the longer "A10" wins.
    frame = pd.DataFrame({"code": ["broad", "narrow"], "atc_prefixes": ["A", "B|A10"]})
    assert atc.therapy_area_for("A10BK01", frame) == "narrow"
    assert atc.therapy_area_for("A02BA03", frame) == "broad"


def test_missing_column_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "atc.csv"  # synthetic: the level column is missing
    path.write_text("atc_code,atc_name\nA,ALIMENTARY\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        atc.parse_atc(path, set())
    assert error.value.rejection.file == "atc.csv"
    assert error.value.rejection.column == "level"


def test_bad_level_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "atc.csv"  # synthetic: level 9 does not exist
    path.write_text("atc_code,level,atc_name\nA,1,X\nA01,9,Y\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        atc.read_atc(path)
    assert (error.value.rejection.row, error.value.rejection.found) == (3, "9")


def test_ancestors_and_parent_code() -> None:
    assert atc.ancestors("A10BK01") == ["A", "A10", "A10B", "A10BK", "A10BK01"]
    assert atc.parent_code("A10BK01", 5) == "A10BK"
    assert atc.parent_code("A10", 2) == "A"
    assert atc.parent_code("A", 1) is None
