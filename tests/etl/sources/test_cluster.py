"""Tests of the cluster CSV adapter: real values from ../shared/data, quirks on synthetic files."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import InputError
from etl.sources import cluster
from etl.sources.cluster import (
    COMPANY_COLUMNS,
    EVENT_COLUMNS,
    INDICATOR_COLUMNS,
    INVESTMENT_COLUMNS,
    PRODUCT_COLUMNS,
)
from etl.values import table_columns

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
CLUSTER = SHARED / "cluster"
ATC_FILE = SHARED / "reference" / "who_atc_codes.csv"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not present")


def assert_clean(frame: pd.DataFrame, table: str) -> None:
    """Exactly the schema's columns; missing values are None, never NaN or '' (bar qualifier)."""
    assert list(frame.columns) == table_columns(table)
    # qualifier "" is a value: the schema's code for an exact figure.
    for value in frame.drop(columns=["qualifier"], errors="ignore").to_numpy().ravel():
        assert value != ""
        assert not (isinstance(value, float) and math.isnan(value))


def write_csv(folder: Path, name: str, header: tuple[str, ...], rows: list[dict]) -> Path:
    """Write a synthetic CSV with the given header; cells not given are empty."""
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(column, "") for column in header])
    return path


def investment(**cells: str) -> dict:
    """A synthetic investments row, valid unless a cell is overridden."""
    base = {"company": "Acme", "amount": "10", "currency": "mln RUB", "year_or_period": "2014",
            "status": "made", "source_url": "https://example.org/a", "quote": "q",
            "company_key": "acme"}
    return base | cells


# --- real data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def companies() -> cluster.Parsed:
    return cluster.parse_companies(CLUSTER / "companies.csv")


@pytest.fixture(scope="module")
def investments() -> pd.DataFrame:
    parsed = cluster.parse_investments(CLUSTER / "investments.csv")
    assert parsed.rejections == []
    return parsed.tables["investments"]


@pytest.fixture(scope="module")
def products() -> cluster.Parsed:
    return cluster.parse_products(CLUSTER / "products.csv", ATC_FILE)


@pytest.mark.shared_data
@needs_shared
class TestRealCompanies:

    def test_counts_and_shape(self, companies) -> None:
        assert companies.rejections == []
        assert len(companies.tables["companies"]) == 22
        assert len(companies.tables["company_records"]) == 43
        for table, frame in companies.tables.items():
            assert_clean(frame, table)

    def test_pharm_sintez_and_pharmasyntez_are_two_companies(self, companies) -> None:
        frame = companies.tables["companies"].set_index("key")
        assert frame.loc["pharm_sintez", "name_ru"] == "Фарм-Синтез"
        assert frame.loc["pharmasyntez", "name_ru"] == "Фармасинтез"
        aliases = dict(zip(companies.tables["company_aliases"]["alias"],
                           companies.tables["company_aliases"]["company_key"], strict=True))
        assert aliases["фарм-синтез"] == "pharm_sintez"
        assert aliases["фармасинтез"] == "pharmasyntez"
        assert aliases["novo_nordisk"] == "novo_nordisk"
        assert aliases["ново нордиск"] == "novo_nordisk"

    def test_company_fields(self, companies) -> None:
        novo = companies.tables["companies"].set_index("key").loc["novo_nordisk"]
        assert (novo["district"], novo["year"], novo["parent_country"]) == (
            "Калуга", 2015, "Denmark")
        # The first row of the key that gives jobs says 150.
        assert (novo["jobs_raw"], novo["jobs_low"], novo["jobs_high"]) == ("150", 150.0, 150.0)
        frame = companies.tables["companies"].set_index("key")
        assert frame.loc["astrazeneca", "district"] == "Боровский район"
        assert frame.loc["pharmasyntez", "district"] == "Бабынинский район"
        assert frame.loc["bion", "district"] == "Обнинск"
        # "SEZ Kaluga" has sites in several districts: no district is claimed.
        assert frame.loc["astrafarm_kaluga", "district"] is None
        # Hemofarm's first row says "2006 (planned opening)"; a later row gives the opening, 2006.
        assert frame.loc["hemofarm_stada", "year"] == 2006
        # An agreement year is not an opening year.
        assert frame.loc["galenika", "year"] is None

    def test_record_keys_are_unique(self, companies) -> None:
        keys = companies.tables["company_records"]["record_key"]
        assert keys.is_unique
        assert keys.iloc[2].startswith("companies:novo_nordisk:")


@pytest.mark.shared_data
@needs_shared
def test_site_districts_are_municipal_units() -> None:
    geo = json.loads((SHARED / "geo" / "kaluga_districts_osm.geojson").read_text(encoding="utf-8"))
    units = {feature["properties"]["district"] for feature in geo["features"]}
    assert len(units) == 26
    districts = {district for _, district in cluster.read_site_districts() if district}
    assert districts <= units


@pytest.mark.shared_data
@needs_shared
class TestRealInvestments:

    def test_shape(self, investments) -> None:
        assert len(investments) == 50
        assert_clean(investments, "investments")
        assert investments["record_key"].is_unique

    def test_novo_nordisk_more_than_8_bn_rub(self, investments) -> None:
        frame = investments
        row = frame[(frame.company_key == "novo_nordisk") & (frame.amount_raw == ">8")].iloc[0]
        assert (row.qualifier, row.amount_low_mn, row.amount_high_mn) == (">", 8000.0, None)
        assert (row.currency, row.currency_raw) == ("RUB", "bn RUB")

    def test_range_and_about(self, investments) -> None:
        row = investments[investments.amount_raw == "80-100"].iloc[0]
        assert (row.qualifier, row.amount_low_mn, row.amount_high_mn, row.currency) == (
            "range", 80.0, 100.0, "USD")
        frame = investments
        row = frame[(frame.amount_raw == "~100") & (frame.currency == "USD")].iloc[0]
        assert (row.qualifier, row.amount_low_mn, row.amount_high_mn) == ("~", 100.0, 100.0)

    def test_currencies_are_never_converted(self, investments) -> None:
        assert set(investments.currency) == {"RUB", "USD", "EUR"}
        frame = investments
        astrazeneca = frame[(frame.company_key == "astrazeneca") & (frame.amount_raw == "224")]
        assert set(astrazeneca.amount_low_mn) == {224.0}
        assert set(astrazeneca.currency) == {"USD"}

    def test_periods(self, investments) -> None:
        periods = {row.period_raw: (row.year_from, row.year_to) for row in investments.itertuples()}
        assert periods["to 2015"] == (None, 2015)
        assert periods["2011-2015"] == (2011, 2015)
        assert periods["2014"] == (2014, 2014)
        assert periods["announced 2010-03"] == (2010, 2010)
        assert periods["by plant commissioning"] == (None, None)


@pytest.mark.shared_data
@needs_shared
class TestRealProducts:

    def test_shape(self, products) -> None:
        frame = products.tables["products"]
        assert products.rejections == []
        assert len(frame) == 14
        assert_clean(frame, "products")
        assert frame["registration_number"].isna().all()

    def test_atc_codes_from_the_file(self, products) -> None:
        frame = products.tables["products"]
        osimertinib = frame[frame.inn == "osimertinib"].iloc[0]
        assert osimertinib.atc_code == "L01EB04" and osimertinib.atc_code.startswith("L01")
        assert osimertinib.therapy_area_code == "oncology"
        # NOTE: the INN column says only "мелоксикам"; the English comes from the trade name.
        meloxicam = frame[frame.inn == "мелоксикам"].iloc[0]
        assert (meloxicam.atc_code, meloxicam.therapy_area_code) == ("M01AC06", "musculoskeletal")
        forxiga = frame[frame.trade_name == "Форсига (Forxiga)"].iloc[0]
        assert (forxiga.atc_code, forxiga.therapy_area_code) == ("A10BK01", "endocrinology")
        assert any("A10AB05, A10AD05" in note for note in products.notes)

    def test_areas_from_text_when_no_atc(self, products) -> None:
        frame = products.tables["products"]
        kagocel = frame[frame.trade_name == "Кагоцел (Kagocel)"]
        assert set(kagocel.therapy_area_code) == {"anti_infectives"}
        assert set(kagocel.atc_code.dropna()) == set()
        generator = frame[frame.company_key == "nifkhi_rosatom"].iloc[0]
        assert generator.therapy_area_code == "diagnostics"
        assert frame[frame.trade_name == "Коллост (Collost)"].iloc[0].therapy_area_code is None


@pytest.mark.shared_data
@needs_shared
class TestRealIndicatorsEventsSources:
    def test_indicators(self) -> None:
        parsed = cluster.parse_indicators(CLUSTER / "indicators.csv")
        frame = parsed.tables["cluster_indicators"]
        assert parsed.rejections == []
        assert len(frame) == 69
        assert_clean(frame, "cluster_indicators")
        dozen = frame[frame.value_raw == "~20 (two dozen)"].iloc[0]
        assert (dozen.qualifier, dozen.value_low, dozen.value_high, dozen.year) == (
            "~", 20.0, 20.0, None)
        assert frame.is_target.sum() == 7
        assert frame[frame.value_raw == "100 -> 272"].iloc[0].qualifier == "compound"

    def test_events(self) -> None:
        parsed = cluster.parse_events(CLUSTER / "events.csv")
        frame = parsed.tables["events"]
        assert parsed.rejections == []
        assert len(frame) == 77
        assert_clean(frame, "events")
        dates = dict(zip(frame.date_raw, frame.date, strict=False))
        assert dates["2014-04-10 (as dated on page; other sources give April 2015)"] == "2014-04-10"
        assert dates["2012-03"] == "2012-03"
        assert dates["date not in excerpt (after 2022 sanctions)"] is None
        planned = frame[frame.date_raw == "2018 (planned, end of year)"].iloc[0]
        assert (planned.year, planned.is_planned) == (2018, 1)

    def test_sources_agree_with_the_files_that_cite_them(self) -> None:
        parsed = cluster.parse_sources(CLUSTER / "sources.csv")
        frame = parsed.tables["sources"]
        assert parsed.rejections == []
        assert len(frame) == 118
        assert_clean(frame, "sources")
        cited: Counter[str] = Counter()
        for name in ("companies", "investments", "products", "indicators", "events"):
            with (CLUSTER / f"{name}.csv").open(encoding="utf-8") as handle:
                cited.update(row["source_url"] for row in csv.DictReader(handle))
        assert dict(zip(frame.url, frame.cited_rows, strict=True)) == dict(cited)
        row = frame[frame.url == "https://www.kp40.ru/news/business/16715"].iloc[0]
        assert (row.publisher, row.title, row.published) == ("kp40.ru", None, None)


# --- quirks on synthetic files --------------------------------------------------------------


def test_missing_required_column_is_an_input_error(tmp_path: Path) -> None:
    header = tuple(column for column in INVESTMENT_COLUMNS if column != "currency")
    path = write_csv(tmp_path, "investments.csv", header, [investment()])
    with pytest.raises(InputError) as error:
        cluster.parse_investments(path)
    assert (error.value.rejection.file, error.value.rejection.column) == (
        "investments.csv", "currency")


def test_duplicate_row_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "investments.csv", INVESTMENT_COLUMNS,
                     [investment(), investment(amount="20"), investment()])
    parsed = cluster.parse_investments(path)
    assert [(r.row, r.reason) for r in parsed.rejections] == [(4, "duplicate row, same as row 2")]
    assert list(parsed.tables["investments"]["amount_raw"]) == ["10", "20"]


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://evil","x")', "@SUM(1)", "+cmd", "-Exec"])
def test_formula_cell_is_rejected_in_any_column(tmp_path: Path, cell: str) -> None:
    path = write_csv(tmp_path, "investments.csv", INVESTMENT_COLUMNS,
                     [investment(note=cell), investment(amount="20")])
    parsed = cluster.parse_investments(path)
    assert [(r.row, r.column, r.reason, r.found) for r in parsed.rejections] == [
        (2, "note", "cell looks like a spreadsheet formula", cell)]
    assert list(parsed.tables["investments"]["amount_raw"]) == ["20"]


def test_signed_figures_are_not_formulas(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "investments.csv", INVESTMENT_COLUMNS,
                     [investment(note="+67% vs 2016")])
    assert cluster.parse_investments(path).rejections == []


def test_unparseable_amount_and_unknown_currency(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "investments.csv", INVESTMENT_COLUMNS,
                     [investment(amount="a lot"), investment(currency="mln GBP"),
                      investment(amount="5")])
    parsed = cluster.parse_investments(path)
    found = [(r.file, r.sheet, r.row, r.column, r.found) for r in parsed.rejections]
    assert found == [("investments.csv", None, 2, "amount", "a lot"),
                     ("investments.csv", None, 3, "currency", "mln GBP")]
    assert len(parsed.tables["investments"]) == 1


def test_bn_and_mln_in_millions(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "investments.csv", INVESTMENT_COLUMNS,
                     [investment(amount="1.1", currency="bn RUB"),
                      investment(amount="~85", currency="mln USD"),
                      investment(amount=">5.2", currency="mln EUR")])
    frame = cluster.parse_investments(path).tables["investments"]
    assert list(zip(frame.amount_low_mn, frame.currency, strict=True)) == [
        (1100.0, "RUB"), (85.0, "USD"), (5.2, "EUR")]


def test_record_keys_survive_value_edits_and_count_repeats(tmp_path: Path) -> None:
    rows = [investment(), investment(amount="20"), investment(company_key="other")]
    before = cluster.parse_investments(write_csv(tmp_path, "investments.csv",
                                                 INVESTMENT_COLUMNS, rows))
    rows[0] = investment(amount="11", status="planned")
    after = cluster.parse_investments(write_csv(tmp_path, "investments.csv",
                                                INVESTMENT_COLUMNS, rows))
    keys = list(before.tables["investments"]["record_key"])
    assert keys == list(after.tables["investments"]["record_key"])
    assert keys[0].startswith("investments:acme:") and keys[0].endswith(":1")
    assert keys[1].endswith(":2") and keys[2].startswith("investments:other:")
    assert list(after.tables["investments"]["source_ref"]) == [
        "investments.csv, row 2", "investments.csv, row 3", "investments.csv, row 4"]


def test_row_numbers_count_lines_of_multiline_cells(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "investments.csv", INVESTMENT_COLUMNS,
                     [investment(quote="line one\nline two"), investment(amount="bad")])
    parsed = cluster.parse_investments(path)
    assert [r.row for r in parsed.rejections] == [4]


def company(**cells: str) -> dict:
    """A synthetic companies row."""
    base = {"name_ru": "Акме", "name_en": "Acme", "source_url": "https://example.org/c",
            "company_key": "acme"}
    return base | cells


def test_company_fields_come_from_the_first_row_that_has_them(tmp_path: Path) -> None:
    rows = [company(jobs=""), company(name_en="Acme Two", jobs="~300", city_or_park="Vorsino"),
            company(year_opened_or_joined="2015", jobs="up to 145 (planned)")]
    parsed = cluster.parse_companies(write_csv(tmp_path, "companies.csv", COMPANY_COLUMNS, rows))
    row = parsed.tables["companies"].iloc[0]
    assert (row.name_en, row.jobs_raw, row.jobs_low, row.jobs_high) == (
        "Acme", "~300", 300.0, 300.0)
    assert (row.site, row.district, row.year, row.year_raw) == (
        "Vorsino", "Боровский район", 2015, "2015")
    assert row.source_ref == "companies.csv, row 2"
    assert len(parsed.tables["company_records"]) == 3
    assert sorted(parsed.tables["company_aliases"]["alias"]) == ["acme", "acme two", "акме"]


def test_alias_claimed_by_two_keys_is_rejected(tmp_path: Path) -> None:
    rows = [company(), company(name_en="ACME ", name_ru="Другая", company_key="other")]
    parsed = cluster.parse_companies(write_csv(tmp_path, "companies.csv", COMPANY_COLUMNS, rows))
    assert [(r.row, r.column, r.found) for r in parsed.rejections] == [(3, "name_en", "acme")]
    aliases = parsed.tables["company_aliases"].set_index("alias")["company_key"]
    assert aliases["acme"] == "acme" and aliases["другая"] == "other"


@pytest.mark.parametrize(
    ("year_raw", "year"),
    [("2015", 2015), ("2016 (clean-room module opened)", 2016), ("2006 (planned opening)", None),
     ("2010 (agreement)", None), ("planned (2022)", None), ("", None)],
)
def test_opening_year(year_raw: str, year: int | None) -> None:
    assert cluster.opening_year(year_raw or None) == year


@pytest.mark.parametrize(
    ("site", "district"),
    [("Kaluga (Grabtsevo industrial park)", "Калуга"), ("Kaluga region", None),
     ("Kaluga region (Borovsk site; new plant planned)", "Боровский район"), ("SEZ Kaluga", None),
     ("SEZ Kaluga Borovsk site (2016 plan); Maloyaroslavets district (2018 plan)", None),
     ("Lyudinovo district (SEZ Kaluga)", "Людиновский район"), ("Moscow", None), (None, None)],
)
def test_district_for(site: str | None, district: str | None) -> None:
    assert cluster.district_for(site, cluster.read_site_districts()) == district


def test_district_table_is_a_parameter(tmp_path: Path) -> None:
    table = tmp_path / "districts.csv"  # synthetic keyword table
    table.write_text("keyword,district\nAcmeville,Тарусский район\n", encoding="utf-8")
    rows = [company(city_or_park="Acmeville")]
    path = write_csv(tmp_path, "companies.csv", COMPANY_COLUMNS, rows)
    parsed = cluster.parse_companies(path, districts_path=table)
    assert parsed.tables["companies"].iloc[0].district == "Тарусский район"


def test_products_quirks(tmp_path: Path) -> None:
    atc_file = tmp_path / "atc.csv"  # synthetic ATC file: one INN with two codes
    atc_file.write_text("atc_code,level,atc_name\nM01AC06,5,meloxicam\nD11AX18,5,diclofenac\n"
                        "M01AB05,5,diclofenac\n", encoding="utf-8")
    rows = [
        {"trade_name": "Мелоксикам (Meloxicam)", "inn": "мелоксикам", "therapy_area": ""},
        {"trade_name": "Dicloberl", "inn": "Diclofenac"},
        {"trade_name": "Кагоцел (Kagocel)", "inn": "", "therapy_area": "antiviral",
         "year_registered_or_status": "on market from 2012"},
        {"trade_name": "Нечто", "inn": "нечто (not stated)", "therapy_area": "NSAID"},
    ]
    rows = [row | {"company_key": "acme", "source_url": "https://example.org/p"} for row in rows]
    path = write_csv(tmp_path, "products.csv", PRODUCT_COLUMNS, rows)
    parsed = cluster.parse_products(path, atc_file)
    frame = parsed.tables["products"]
    assert list(frame.atc_code) == ["M01AC06", "M01AB05", None, None]
    assert list(frame.therapy_area_code) == [
        "musculoskeletal", "musculoskeletal", "anti_infectives", "musculoskeletal"]
    assert list(frame.year) == [None, None, 2012, None]
    assert frame.registration_number.isna().all()
    assert any("D11AX18, M01AB05" in note for note in parsed.notes)


def test_indicator_values(tmp_path: Path) -> None:
    rows = [{"year": "2020 (target)", "indicator": "output", "value": "~20 (two dozen)"},
            {"year": "2018", "indicator": "target: jobs", "value": "25 / 30"},
            {"year": "2018", "indicator": "x", "value": "many"}]
    rows = [row | {"source_url": "https://example.org/i"} for row in rows]
    path = write_csv(tmp_path, "indicators.csv", INDICATOR_COLUMNS, rows)
    parsed = cluster.parse_indicators(path)
    frame = parsed.tables["cluster_indicators"]
    assert list(frame.qualifier) == ["~", "compound"]
    assert list(frame.is_target) == [1, 1]
    assert list(frame.record_key) == [
        f"indicators:none:{frame.record_key[0].split(':')[2]}:{n}" for n in (1, 2)]
    assert [(r.row, r.column, r.found) for r in parsed.rejections] == [(4, "value", "many")]


def test_events_dates(tmp_path: Path) -> None:
    rows = [{"date": "2014-04-10 (as dated on page)"}, {"date": "2018-Q1 (planned)"},
            {"date": "09-09 (year not stated)"}]
    rows = [row | {"event_type": "x", "description": "d", "source_url": "https://e.org/e",
                   "company_key": ""} for row in rows]
    frame = cluster.parse_events(write_csv(tmp_path, "events.csv", EVENT_COLUMNS, rows)).tables[
        "events"]
    assert list(frame.date) == ["2014-04-10", "2018", None]
    assert list(frame.year) == [2014, 2018, None]
    assert list(frame.is_planned) == [0, 1, 0]
    assert frame.company_key.isna().all()
    assert frame.record_key[0].startswith("events:none:")


def test_sources_quirks(tmp_path: Path) -> None:
    rows = [{"source_url": "https://www.example.org:443/a", "rows": "2", "files": "events"},
            {"source_url": "https://www.example.org:443/a", "rows": "1", "files": "events"},
            {"source_url": "not a url", "rows": "1"}, {"source_url": "http://b.org", "rows": "x"}]
    parsed = cluster.parse_sources(write_csv(tmp_path, "sources.csv", cluster.SOURCE_COLUMNS,
                                             rows))
    assert list(parsed.tables["sources"].publisher) == ["example.org"]
    assert [r.row for r in parsed.rejections] == [3, 4, 5]
    assert cluster.publisher_of("http://xn----7sbcbgssadgjg4abg1dgs3n.xn--p1ai/news") == (
        "бабынинский-вестник.рф")


def test_record_keys_do_not_depend_on_the_file_name(tmp_path: Path) -> None:
    """SYNTHETIC: the same rows under another file name are the same records (a reload adds none)."""
    rows = [investment(), investment(amount="20"), investment(company_key="other")]
    first = cluster.parse_investments(write_csv(tmp_path, "investments.csv", INVESTMENT_COLUMNS, rows))
    renamed = cluster.parse_investments(write_csv(tmp_path, "investments (copy).csv", INVESTMENT_COLUMNS, rows))
    keys = list(first.tables["investments"]["record_key"])
    assert keys == list(renamed.tables["investments"]["record_key"])
    assert not any("copy" in key for key in keys)
    events = [{"date": "2014-04-10", "event_type": "x", "description": "d", "source_url": "https://e.org/e"}]
    a = cluster.parse_events(write_csv(tmp_path, "events.csv", EVENT_COLUMNS, events))
    b = cluster.parse_events(write_csv(tmp_path, "renamed.csv", EVENT_COLUMNS, events))
    assert list(a.tables["events"]["record_key"]) == list(b.tables["events"]["record_key"])


def test_event_dates_that_do_not_exist_are_rejected(tmp_path: Path) -> None:
    """SYNTHETIC: '2020-13-45' would otherwise be read as the year 2020."""
    rows = [{"date": "2020-13-45"}, {"date": "2021-02-29 (planned)"}, {"date": "2016-09 (reported 14.09.2016)"}]
    rows = [row | {"event_type": "x", "description": "d", "source_url": "https://e.org/e"} for row in rows]
    parsed = cluster.parse_events(write_csv(tmp_path, "events.csv", EVENT_COLUMNS, rows))
    assert [(r.row, r.column, r.reason, r.found) for r in parsed.rejections] == [
        (2, "date", "date '2020-13-45' does not exist (month 13)", "2020-13-45"),
        (3, "date", "date '2021-02-29' does not exist (day 29 of month 2)", "2021-02-29 (planned)")]
    assert list(parsed.tables["events"]["date"]) == ["2016-09"]


def test_a_cell_over_the_csv_field_limit_is_refused_not_a_crash(tmp_path: Path) -> None:
    """SYNTHETIC: a 200 KB quote (csv's own limit is 128 KB)."""
    path = write_csv(tmp_path, "investments.csv", INVESTMENT_COLUMNS, [investment(quote="q" * 200_000)])
    with pytest.raises(InputError, match=r"investments\.csv, row 2: not a readable UTF-8 CSV: field larger"):
        cluster.parse_investments(path)
    latin = tmp_path / "events.csv"
    latin.write_bytes(",".join(EVENT_COLUMNS).encode() + "\n2014,x,é,d,,https://e.org,,\n".encode("latin-1"))
    with pytest.raises(InputError, match="not a readable UTF-8 CSV"):
        cluster.parse_events(latin)
