"""The monthly bulletin: its facts from the read model (synthetic figures, both backends) and its PDF from the
bundled database (text extracted with pypdf and checked against the database, rendered to PNG, same bytes twice)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from dashboard import bulletin
from dashboard.i18n import format_number
from dashboard.model import bulletin as model
from etl.db import make_engine
from etl.schema import Observation
from tests.dashboard.mailing.bulletin_fixtures import EDITION, MONTH, SOURCE

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "bulletin"


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, spaces normalised (Russian digit groups are no-break spaces)."""
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def plain(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


# --- the read model, on synthetic figures (SQLite and PostgreSQL) --------------------------------------------------


def test_key_monthly_figure_has_previous_month_change_and_rank(bulletin_engine) -> None:
    figures = {f.code: f for f in model.key_monthly(bulletin_engine, MONTH, "en")}
    wage = figures["avg_wage"]
    assert (wage.period, wage.value, wage.previous_period, wage.previous_value) == ("2015-12", 35000.0, "2015-11",
                                                                                    30000.0)
    assert wage.change == 5000.0
    # Federal subjects only (Russia as a whole is not ranked): Moscow 60,000 > Kaluga 35,000 > Tula 25,000.
    assert (wage.rank, wage.ranked) == (2, 3)
    assert wage.edition == EDITION and wage.edition_title == "Synthetic edition (test)"
    assert wage.source == "Test · Synthetic edition (test): synthetic.xls, sheet s, B3"
    # A key figure the database does not hold is missing, never filled in.
    assert figures["ipi_yoy"].value is None and figures["ipi_yoy"].rank is None


def test_key_yearly_figure_is_the_newest_year_up_to_the_month(bulletin_engine) -> None:
    grp = {f.code: f for f in model.key_yearly(bulletin_engine, 2015, "ru")}["grp"]
    assert (grp.period, grp.value, grp.previous_value, grp.rank, grp.ranked) == ("2015", 320000.5, 300000.0, 2, 2)
    earlier = {f.code: f for f in model.key_yearly(bulletin_engine, 2014, "ru")}["grp"]
    assert (earlier.period, earlier.value, earlier.previous_value) == ("2014", 300000.0, None)
    assert {f.code: f for f in model.key_yearly(bulletin_engine, 2013, "ru")}["grp"].value is None


def test_bulletin_gathers_cluster_facts_events_and_sources(bulletin_engine) -> None:
    data = model.bulletin(bulletin_engine, MONTH, "en")
    assert data.has_monthly_data
    assert [r.fields["company_label"] for r in data.investments] == ["SynCo"] and data.investments_total == 1
    assert data.products_to_date == 1 and [r.fields["trade_name"] for r in data.products_of_year] == ["Synthetin"]
    assert [r.fields["description"] for r in data.events] == ["Synthetic plant opened"]
    assert [e.code for e in data.editions] == [EDITION]
    assert [(url, label) for url, label, _ in data.sources] == [(SOURCE, "Test News")]
    # The next month has no event and no figure.
    later = model.bulletin(bulletin_engine, "2016-01", "en")
    assert not later.has_monthly_data and later.events == []
    assert model.month_range(bulletin_engine) == ("2015-11", "2015-12")
    assert model.months_with_data(bulletin_engine) == ["2015-12", "2015-11"]


def test_pdf_of_synthetic_month_and_no_data_month(bulletin_engine) -> None:
    text = pdf_text(bulletin.build(bulletin_engine, MONTH, "en"))
    assert "December 2015" in text
    assert "35,000" in text and "November 2015: 30,000" in text and "+5,000" in text and "2 of 3" in text
    assert "not in the database for this month" in text  # the key figures the synthetic data lacks
    assert "Synthetic plant opened" in text and "SynCo" in text and "https://example.test/edition" in text
    with pytest.raises(bulletin.NoData, match=r"no monthly figures for Kaluga Oblast for 2016-01 .it has 2015-11 "
                                              "to 2015-12"):
        bulletin.build(bulletin_engine, "2016-01", "en")
    with pytest.raises(model.BadMonth):
        bulletin.build(bulletin_engine, "2015-13", "en")


def test_parse_and_shift_month() -> None:
    assert model.parse_month(" 2015-12 ") == (2015, 12)
    assert model.shift_month("2015-01", -1) == "2014-12" and model.shift_month("2015-12", 1) == "2016-01"
    for bad in ("2015-1", "2015-00", "15-12", "", None, "2015-12-01"):
        with pytest.raises(model.BadMonth):
            model.parse_month(bad)


# --- the PDF from the bundled database ----------------------------------------------------------------------------


def kaluga_month(url: str, code: str, period: str) -> float:
    """A Kaluga figure read straight from the observations table (not through the read model)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        return conn.execute(select(Observation.value).where(
            Observation.indicator_code == code, Observation.region_code == "RU-KLU", Observation.period == period,
            Observation.period_kind == "month")).scalar_one()


def test_bundled_bulletin_pdf_has_the_kaluga_figures_of_the_month(bundled_db_url) -> None:
    engine = make_engine(bundled_db_url)
    pdf = bulletin.build(engine, "2015-12", "ru")
    assert pdf.startswith(b"%PDF") and bulletin.build(engine, "2015-12", "ru") == pdf  # deterministic
    text = pdf_text(pdf)
    assert "декабрь 2015" in text
    for code in ("avg_wage", "avg_wage_yoy", "ipi_yoy", "ipi_mom"):
        value = kaluga_month(bundled_db_url, code, "2015-12")
        assert plain(format_number(value, "ru")) in text, code
    wage = kaluga_month(bundled_db_url, "avg_wage", "2015-12")
    previous = kaluga_month(bundled_db_url, "avg_wage", "2015-11")
    assert plain(f"ноябрь 2015: {format_number(previous, 'ru')}") in text
    assert plain("+" + format_number(wage - previous, "ru")) in text
    # Sources cited from the database: the editions' titles and the cluster pages' addresses.
    assert "Мониторинг социально-экономического положения субъектов РФ (распоряжение 806-р), январь 2016" in text
    assert "https://rosstat.gov.ru/folder/210/document/13204" in text
    # The month has no Bank of Russia figure (its series starts in 2016): said, not filled in.
    assert "нет в базе за этот месяц" in text

    english = pdf_text(bulletin.build(engine, "2015-12", "en"))
    assert "December 2015" in english and "Key figures for December 2015" in english
    assert format_number(wage, "en") in english

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "bulletin-2015-12-ru.pdf").write_bytes(pdf)
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is needed to render the bulletin"
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(ARTIFACTS / "bulletin-2015-12-ru.pdf"),
                    str(ARTIFACTS / "bulletin-2015-12-ru")], check=True)
    pages = sorted(ARTIFACTS.glob("bulletin-2015-12-ru-*.png"))
    assert len(pages) == len(PdfReader(io.BytesIO(pdf)).pages) >= 4
    assert all(p.stat().st_size > 10_000 for p in pages)  # drawn pages, not blank ones


def test_bundled_bulletin_after_2016_has_bank_of_russia_prices(bundled_db_url) -> None:
    engine = make_engine(bundled_db_url)
    text = pdf_text(bulletin.build(engine, "2024-06", "en"))
    value = kaluga_month(bundled_db_url, "cbr_cpi_yoy", "2024-06")
    assert format_number(value, "en") in text
    assert "not in the database for this month" in text  # the 806 figures end in January 2016


def test_cli_writes_the_pdf_and_refuses_bad_months_in_one_line(bundled_db_url, tmp_path, capsys) -> None:
    out = tmp_path / "b.pdf"
    assert bulletin.main(["--month", "2015-12", "--lang", "en", "--out", str(out),
                          "--database-url", bundled_db_url]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert bulletin.main(["--month", "2015/12", "--database-url", bundled_db_url]) == 2
    assert bulletin.main(["--month", "1990-01", "--lang", "en", "--database-url", bundled_db_url]) == 2
    err = capsys.readouterr().err
    assert "not a month: '2015/12'" in err and "no monthly figures for Kaluga Oblast for 1990-01" in err
    assert "Traceback" not in err
    assert bulletin.main(["--month", "2015-12", "--out", str(tmp_path / "missing" / "b.pdf"),
                          "--database-url", bundled_db_url]) == 1
    assert "cannot write" in capsys.readouterr().err
