"""The region reference and the resolver that maps every published spelling onto a canonical code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from etl.regions import COUNTRY_CODE, KALUGA_CODE, RegionResolver, alias_map, parse_regions, read_regions

ROSSTAT_FILES = (
    "regions_of_russia_2019_s09_grp.xlsx",
    "regions_of_russia_2019_s05_health.xlsx",
    "regions_panel_2000_2020.csv",
    "monthly_806_2016-01_average_wage.xls",
    "monthly_806_2016-01_industrial_production_index.xls",
)


@pytest.fixture(scope="module")
def resolver() -> RegionResolver:
    return RegionResolver.from_reference()


def test_reference_table_is_consistent() -> None:
    regions = read_regions()
    assert regions["code"].is_unique
    assert set(regions["kind"]) == {"country", "federal_district", "region", "region_part", "region_group",
                                    "economic_region", "unallocated"}
    codes = set(regions["code"])
    parents = set(regions["parent_code"]) - {""}
    assert parents <= codes
    assert regions.loc[regions["code"] == COUNTRY_CODE, "kind"].item() == "country"
    assert regions.loc[regions["code"] == KALUGA_CODE, "name_ru"].item() == "Калужская область"
    # 85 federal subjects (with Crimea and Sevastopol) and 8 federal districts (11 rows: the
    # Crimean district existed 2014-2016, and EMISS names the Southern district's compositions up to
    # 2009 and 2010-2016 apart from today's).
    assert (regions["kind"] == "region").sum() == 85
    assert (regions["kind"] == "federal_district").sum() == 11
    # Every federal subject sits under a federal district, every district under the country.
    by_code = regions.set_index("code")
    for row in regions.itertuples():
        if row.kind == "federal_district":
            assert row.parent_code == COUNTRY_CODE
        if row.kind == "region":
            assert by_code.loc[row.parent_code, "kind"] == "federal_district"
        if row.kind == "region_part":
            assert by_code.loc[row.parent_code, "kind"] in {"country", "region"}


def test_region_names_hold_no_digits() -> None:
    # Footnote digits glued to a name ("г.Москва4") are stripped on the rule that no name holds a
    # digit of its own; a date inside an alias ("(с 01.01.2023)") sits in brackets and is kept.
    regions = read_regions()
    for row in regions.itertuples():
        for name in [row.name_ru, row.name_en, *filter(None, row.aliases.split("|"))]:
            outside_brackets = re.sub(r"\([^)]*\)", "", name)
            assert not re.search(r"\d", outside_brackets), name


def test_every_canonical_name_resolves_to_itself(resolver: RegionResolver) -> None:
    for row in read_regions().itertuples():
        assert resolver.resolve(row.name_ru) == row.code, row.name_ru
        assert resolver.resolve(row.name_en) == row.code, row.name_en
        assert resolver.resolve(row.code) == row.code


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Калужская область", "RU-KLU"),
        ("КАЛУЖСКАЯ ОБЛАСТЬ", "RU-KLU"),
        ("Kaluga Oblast", "RU-KLU"),
        ("Российская Федерация1)", "RU"),
        ("Российская Федерация 1 ", "RU"),
        ("Калинингpадская область", "RU-KGD"),  # Latin "p"
        ("Калинингpадская  область", "RU-KGD"),  # and a double space
        ("Тюменская область без автономных округов", "X-TYU"),
        ("Тюменская область без     автономных округов", "X-TYU"),
        ("Тюменская область без авт. округов 3", "X-TYU"),
        ("Тюменская область", "RU-TYU"),
        ("г.Москва ", "RU-MOW"),
        ("г. Москва", "RU-MOW"),
        ("Кемеровская область - Кузбасс", "RU-KEM"),
        ("Кемеровская область", "RU-KEM"),
        ("в том числе               Ненецкий авт.округ", "RU-NEN"),
        ("Центральный федеральный округ", "CFD"),
        ("Республика Северная Осетия-Алания", "RU-SE"),
        ("Валовой региональный продукт по субъектам Российской Федерации "
         "(валовая добавленная стоимость в текущих основных ценах) – всего ", "RU"),
    ],
)
def test_resolve_published_spellings(resolver: RegionResolver, label: str, code: str) -> None:
    assert resolver.resolve(label) == code


@pytest.mark.parametrize("label", ["Атлантида", "в том числе:", "", "   ", None, 42, "Российская"])
def test_unknown_labels_resolve_to_none(resolver: RegionResolver, label: object) -> None:
    assert resolver.resolve(label) is None


def test_parse_regions_gives_regions_and_aliases() -> None:
    parsed = parse_regions()
    regions, aliases = parsed.tables["regions"], parsed.tables["region_aliases"]
    assert parsed.adapter == "regions"
    assert "aliases" not in regions.columns
    assert pd.isna(regions.loc[regions["code"] == COUNTRY_CODE, "parent_code"].item())
    assert aliases["alias"].is_unique
    assert set(aliases["region_code"]) == set(regions["code"])
    found = dict(zip(aliases["alias"], aliases["region_code"], strict=True))
    assert found["калужская область"] == KALUGA_CODE
    assert found["г. москва"] == "RU-MOW"


def test_an_alias_naming_two_regions_is_refused(tmp_path: Path) -> None:
    csv = tmp_path / "regions.csv"
    csv.write_text(
        "code,name_ru,name_en,kind,parent_code,sort_order,aliases\n"
        "RU,Российская Федерация,Russian Federation,country,,0,\n"
        "X-A,SYNTHETIC Область А,Oblast A,region,RU,1,Общее имя\n"
        "X-B,SYNTHETIC Область Б,Oblast B,region,RU,2,общее  ИМЯ\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="names both X-A and X-B"):
        alias_map(read_regions(csv))


@pytest.mark.parametrize("name", ROSSTAT_FILES)
def test_every_region_label_in_the_rosstat_files_resolves(parse_shared, name: str) -> None:
    parsed = parse_shared(name)
    unknown = [r for r in parsed.rejections if "region" in r.reason]
    assert unknown == []
    assert parsed.rejections == []
    regions = set(parsed.tables["observations"]["region_code"])
    assert KALUGA_CODE in regions
    assert regions <= set(read_regions()["code"])


def test_the_panel_and_the_workbooks_cover_the_same_federal_subjects(parse_shared) -> None:
    panel = set(parse_shared("regions_panel_2000_2020.csv").tables["observations"]["region_code"])
    grp = set(parse_shared("regions_of_russia_2019_s09_grp.xlsx").tables["observations"]["region_code"])
    subjects = set(read_regions().query("kind == 'region'")["code"])
    assert subjects <= grp
    assert subjects <= panel
    # The panel's builder dropped the federal districts and the country; the workbook keeps them.
    assert {"RU", "CFD"} <= grp
    assert not {"RU", "CFD"} & panel


def test_geojson_region_names_resolve(shared_data: Path, resolver: RegionResolver) -> None:
    features = json.loads((shared_data / "geo" / "russia_regions_2013.geojson").read_text())["features"]
    names = [f["properties"]["name"] for f in features]
    assert len(names) == 83
    codes = {name: resolver.resolve(name) for name in names}
    assert [n for n, c in codes.items() if c is None] == []
    assert len(set(codes.values())) == 83
    assert codes["Калужская область"] == KALUGA_CODE
    # 2013 boundaries: no Crimea or Sevastopol.
    assert not {"X-CR", "X-SEV"} & set(codes.values())
    assert resolver.resolve("Республика Крым") == "X-CR"
