"""The load history: previews (revisions between editions, changed figures), the stale-preview guard,
concurrent applies and readers, exact rollback compared by a dump, and `etl rollback` of unknown ids."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from etl import history, load, pipeline
from etl.cli import EXIT_OK, EXIT_REJECTED, main
from etl.schema import LOAD_ORDER, Base, Load, LoadChange, Observation
from tests.fixtures import GRP_ROWS, grp_table, write_rr_workbook

RR2022_S10 = "corpus/regions_of_russia_2022/rr2022_s10_investment.xlsx"
RR2024_S10 = "corpus/regions_of_russia_2024/rr2024_s10_investment.xlsx"
DUMPED = (*LOAD_ORDER, "indicator_coverage")


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every data table (and the coverage the loader derives), in a fixed order."""
    out = {}
    with engine.connect() as conn:
        for name in DUMPED:
            table = Base.metadata.tables[name]
            rows = conn.execute(select(table)).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def apply_file(engine: Engine, path: Path, **hooks) -> load.LoadReport:
    report = load.apply(engine, pipeline.parse_path(path), file_name=path.name, sha256=load.sha256_of(path),
                        source_path=path, **hooks)
    assert report.status == "applied", report.error
    return report


def preview_of(engine: Engine, path: Path) -> tuple[load.LoadReport, history.Preview]:
    preview = history.Preview()
    report = load.apply(engine, pipeline.parse_path(path), file_name=path.name, sha256="preview", dry_run=True,
                        before_end=history.preview_hook(preview))
    assert report.status == "dry_run", report.error
    return report, preview


def grp_workbook(folder: Path, kaluga_2017: float) -> Path:
    """The SYNTHETIC GRP table with Kaluga 2017 set as given."""
    rows = [list(r) for r in GRP_ROWS]
    rows[2][2] = kaluga_2017
    folder.mkdir(parents=True, exist_ok=True)
    return write_rr_workbook(folder / "grp_2019.xlsx", grp_table(rows))


def expected_revisions(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Figures of `new` whose (indicator, region, period) `old` holds with another value or mark, from the
    parsed frames alone (no database)."""
    keys = ["indicator_code", "region_code", "period"]
    both = new.merge(old, on=keys, suffixes=("", "_old"))
    same = ((both["value"] == both["value_old"]) | (both["value"].isna() & both["value_old"].isna())) & (
        both["status"].fillna("") == both["status_old"].fillna(""))
    return both[~same]


def test_a_later_edition_is_previewed_as_revisions_and_its_rollback_restores_every_figure(
        loaded_engine: Engine, shared_data: Path) -> None:
    older, newer = shared_data / RR2022_S10, shared_data / RR2024_S10
    apply_file(loaded_engine, older)
    before = dump(loaded_engine)

    report, preview = preview_of(loaded_engine, newer)
    assert dump(loaded_engine) == before  # a preview writes nothing
    revised = expected_revisions(pipeline.parse_path(older).tables["observations"],
                                 pipeline.parse_path(newer).tables["observations"])
    assert len(revised) > 0
    assert preview.revisions_total == len(revised)
    first = preview.revisions[0]
    match = revised[(revised.indicator_code == first["indicator_code"]) & (revised.region_code == first["region_code"])
                    & (revised.period == first["period"])].iloc[0]
    assert (first["old_edition"], first["edition"]) == ("RR-2022", "RR-2024")
    assert (first["old_value"], first["value"]) == (
        None if pd.isna(match.value_old) else match.value_old, None if pd.isna(match.value) else match.value)
    assert first["indicator_ru"] and first["region_ru"]
    assert preview.changed_total == 0  # another edition: nothing of RR-2022 is overwritten

    applied = apply_file(loaded_engine, newer, before_end=history.record_hook("anna", expected=report))
    with loaded_engine.connect() as conn:
        change = conn.execute(select(LoadChange.__table__).where(LoadChange.load_id == applied.load_id)).one()
    assert (change.applied_by, change.revisions) == ("anna", len(revised))
    assert set(change.indicators) == set(pipeline.parse_path(newer).tables["observations"]["indicator_code"])
    assert dump(loaded_engine) != before

    restored = history.rollback(loaded_engine, applied.load_id, analyst="boris")
    assert restored["observations"] == len(pipeline.parse_path(newer).tables["observations"])
    assert dump(loaded_engine) == before
    with loaded_engine.connect() as conn:
        change = conn.execute(select(LoadChange.__table__).where(LoadChange.load_id == applied.load_id)).one()
        status = conn.execute(select(Load.status).where(Load.id == applied.load_id)).scalar()
    assert (status, change.rolled_back_by) == ("rolled_back", "boris") and change.rolled_back_at is not None
    assert change.indicators  # what it touched outlives its rows


def test_changed_figures_of_one_edition_are_previewed_old_to_new(loaded_engine: Engine, tmp_path: Path) -> None:
    apply_file(loaded_engine, grp_workbook(tmp_path / "v1", 12.2))
    _, preview = preview_of(loaded_engine, grp_workbook(tmp_path / "v2", 13.5))
    assert preview.changed_total == 1
    row = preview.changed[0]
    assert (row["indicator_code"], row["region_code"], row["period"], row["old_value"], row["value"]) == (
        "grp", "RU-KLU", "2017", 12.2, 13.5)
    assert preview.revisions_total == 0


def test_an_apply_is_refused_when_the_data_changed_since_its_preview(loaded_engine: Engine, tmp_path: Path) -> None:
    first, second = grp_workbook(tmp_path / "a", 1.0), grp_workbook(tmp_path / "b", 2.0)
    version = history.data_version(loaded_engine)
    report, _ = preview_of(loaded_engine, second)
    apply_file(loaded_engine, first)
    stale = load.apply(loaded_engine, pipeline.parse_path(second), file_name=second.name, sha256="s",
                       on_begin=history.require_version(version),
                       before_end=history.record_hook("anna", expected=report))
    assert stale.status == "failed" and "the data changed since the preview" in stale.error
    # The same preview against unchanged data, but a result unlike it, is refused too.
    version = history.data_version(loaded_engine)
    report, _ = preview_of(loaded_engine, second)
    other = load.apply(loaded_engine, pipeline.parse_path(grp_workbook(tmp_path / "c", 3.0)), file_name="c",
                       sha256="c", on_begin=history.require_version(version),
                       before_end=history.record_hook("anna", expected=load.LoadReport("x", "x", "x", None)))
    assert other.status == "failed" and "would not do what the preview showed" in other.error


def test_two_analysts_applying_at_once_and_readers_never_see_half_a_load(loaded_engine: Engine,
                                                                         shared_data: Path) -> None:
    """Both previews are taken at one data version; both applies start together. One is applied, the other
    refused as stale (then previewed and applied again); readers only ever see whole loads."""
    files = [shared_data / RR2022_S10, shared_data / RR2024_S10]
    sizes = [len(pipeline.parse_path(p).tables["observations"]) for p in files]
    version = history.data_version(loaded_engine)
    parsed = [pipeline.parse_path(p) for p in files]
    reports: list[load.LoadReport | None] = [None, None]
    start = threading.Barrier(3)
    done = threading.Event()
    seen: set[int] = set()

    def analyst(i: int) -> None:
        start.wait()
        reports[i] = load.apply(loaded_engine, parsed[i], file_name=files[i].name, sha256=str(i),
                                on_begin=history.require_version(version),
                                before_end=history.record_hook(f"analyst{i}"))

    def reader() -> None:
        start.wait()
        while not done.is_set():
            with loaded_engine.connect() as conn:
                seen.add(conn.execute(select(func.count()).select_from(Observation)).scalar())

    threads = [threading.Thread(target=analyst, args=(i,)) for i in (0, 1)]
    watcher = threading.Thread(target=reader)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status for r in reports)
    assert statuses == ["applied", "failed"], [r.error for r in reports]
    loser = next(i for i, r in enumerate(reports) if r.status == "failed")
    assert "the data changed since the preview" in reports[loser].error
    # Previewed again at the new version, the refused load goes in: no load is lost.
    again = load.apply(loaded_engine, pipeline.parse_path(files[loser]), file_name=files[loser].name, sha256="again",
                       on_begin=history.require_version(history.data_version(loaded_engine)))
    assert again.status == "applied", again.error
    done.set()
    watcher.join()
    whole = {0, sizes[0], sizes[1], sizes[0] + sizes[1]}
    assert seen and seen <= whole, seen - whole
    with loaded_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Observation)).scalar() == sum(sizes)


def test_rollback_refuses_unknown_and_unapplied_loads(loaded_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(history.UnknownLoad, match="no load has id 999999"):
        history.rollback(loaded_engine, 999999)
    report = apply_file(loaded_engine, grp_workbook(tmp_path, 5.0))
    history.rollback(loaded_engine, report.load_id)
    with pytest.raises(history.NotRollbackable, match="is rolled back, not applied"):
        history.rollback(loaded_engine, report.load_id)


def test_cli_rollback_of_an_unknown_id_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    url = f"sqlite:///{tmp_path}/r.sqlite"
    assert main(["--database-url", url, "migrate"]) == EXIT_OK
    assert main(["--database-url", url, "rollback", "999999"]) == EXIT_REJECTED
    assert "no load has id 999999" in capsys.readouterr().err
