"""Rosstat regional workbooks («Регионы России», any section; Rosstat thematic tables by region).

Every table on every sheet (found by etl.sources.layout) becomes indicators and observations, or
is refused with one message naming the table and its layout problem. An indicator is one column
group of one table for one kind of period; its identity is the table number, the full title, the
unit, the column-group path and the period kind, and its code is a short slug plus a hash of that
identity, so two tables never share a code because their titles begin alike.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from etl import indicator_meta
from etl.errors import InputError, Rejection
from etl.indicators import IndicatorMeta, IndicatorRegistry, normalise_unit, topic_for
from etl.regions import HEADING, OWN_UNIT, REGION, UNALLOCATED, RegionResolver
from etl.sources.base import Parsed
from etl.sources.cells import column_letter, open_workbook, read_sheet
from etl.sources.layout import Column, Table, find_stub, find_tables, text_of
from etl.sources.observations import OBSERVATION_COLUMNS, ObservationBuilder, figures_block, picker
from etl.text import normalise_name

ADAPTER = "rosstat_workbook"
RR_PREFIX = "RR"
THEMATIC_PREFIX = "ROSSTAT-TT"
_PERCENT = re.compile(r"процент|%")
_SHOWN = 5  # cells named in a summarised refusal
_NO_REGION = "a table whose rows name no region"

__all__ = ["ADAPTER", "OBSERVATION_COLUMNS", "default_edition", "describe_indicator", "parse"]


def default_edition(path: Path) -> str:
    """'RR-2019' from a file name such as regions_of_russia_2019_s09_grp.xlsx (the last resort)."""
    match = re.search(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", path.stem)
    return f"{RR_PREFIX}-{match.group(1)}" if match else f"{RR_PREFIX}-unknown:{path.name}"


def describe_indicator(title_ru: str, unit_ru: str | None, section: str | None,
                       group_path: tuple[str, ...], table_number: str | None) -> dict:
    """English name and unit, topic and additive flag of an indicator (etl.indicator_meta.describe)."""
    described = indicator_meta.describe(title_ru, unit_ru, section, group_path, table_number)
    return {key: getattr(described, key) for key in ("name_en", "unit_en", "topic", "additive")}


@dataclass
class _Problems:
    """Cell problems of one table, summarised per reason: the first cells named, then a count."""

    cells: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)

    def add(self, reason: str, row: int, column: str, found: str) -> None:
        self.cells.setdefault(reason, []).append((row, column, found))

    def rejections(self, file_name: str, sheet: str) -> list[Rejection]:
        out = []
        for reason, where in self.cells.items():
            row, column, found = where[0]
            if len(where) > 1:
                more = ", ".join(f"{c}{r + 1}" for r, c, _ in where[1:_SHOWN])
                reason = f"{reason} ({len(where)} cells: {column}{row + 1}, {more}"
                reason += ", ...)" if len(where) > _SHOWN else ")"
            out.append(Rejection(file_name, sheet, row + 1, column, reason, found))
        return out


def parse(
    path: Path,
    edition: str | None = None,
    sheets: list[str] | None = None,
    registry: IndicatorRegistry | None = None,
    resolver: RegionResolver | None = None,
) -> Parsed:
    """Parse a Rosstat regional workbook into indicators and observations frames."""
    registry = registry or IndicatorRegistry.from_reference()
    resolver = resolver or RegionResolver.from_reference()
    workbook = open_workbook(path)
    available = list(workbook.sheet_names)
    if sheets:
        missing = [s for s in sheets if s not in available]
        if missing:
            raise InputError(Rejection(path.name, missing[0], None, None,
                                       f"no such sheet; the workbook has: {', '.join(available)}"))
    # Each stub label recurs in every table of the workbook; it is classified once.
    classify = cache(resolver.classify)

    @cache
    def is_region(label: object) -> bool:
        # NOTE: asked of every label near a table's stub, tens of thousands of times per workbook.
        return classify(label).kind in (REGION, UNALLOCATED, OWN_UNIT)

    notes: list[str] = []
    rejections: list[Rejection] = []
    found: list[tuple[list[list], Table]] = []
    for sheet in sheets or available:
        rows = read_sheet(path, workbook, sheet)
        tables = find_tables(sheet, rows, is_region)
        if not tables:
            refusal = _table_without_regions(path.name, sheet, rows)
            if refusal:
                rejections.append(refusal)
            else:
                notes.append(f"sheet {sheet!r}: no table whose rows name regions; skipped")
        found += [(rows, table) for table in tables]
    edition = edition or _edition(path, [t for _, t in found], notes)
    parsed = Parsed(adapter=ADAPTER, edition=edition, notes=notes, rejections=rejections)
    observations = ObservationBuilder(edition, path.name)
    indicators: dict[str, dict] = {}
    for rows, table in found:
        _read_table(path, rows, table, registry, classify, parsed, observations, indicators)
    if not indicators and all(r.reason.startswith(_NO_REGION) for r in parsed.rejections):
        # Nothing regional anywhere: the file as a whole is refused, naming what its sheets hold.
        found_instead = "; ".join(f"sheet {r.sheet!r}: {r.reason}" for r in parsed.rejections[:3])
        raise InputError(Rejection(path.name, None, None, None,
                                   "no table whose rows name regions found in any sheet"
                                   + (f" ({found_instead})" if found_instead else "")))
    parsed.tables["indicators"] = pd.DataFrame(list(indicators.values()))
    parsed.tables["observations"] = observations.frame()
    parsed.cell_positions = observations.positions
    return parsed


def _table_without_regions(file_name: str, sheet: str, rows: list[list]) -> Rejection | None:
    """A refusal for a sheet holding a table of figures none of whose rows names a region."""
    stub = find_stub(rows, lambda label: True)
    if stub is None:
        return None
    labelled = [(r, text_of(row[stub])) for r, row in enumerate(rows)
                if stub < len(row) and text_of(row[stub])
                and any(isinstance(c, (int, float)) and not isinstance(c, bool) for c in row[stub + 1:])]
    if len(labelled) < 3:
        return None
    shown = ", ".join(repr(label[:40]) for _, label in labelled[:3])
    return Rejection(file_name, sheet, labelled[0][0] + 1, column_letter(stub),
                     f"{_NO_REGION} ({len(labelled)} rows with figures, labelled {shown}, ...); "
                     "not a regional table", labelled[0][1][:100])


def _edition(path: Path, tables: list[Table], notes: list[str]) -> str:
    """The edition the workbook states; the file name's year only when the workbook says nothing."""
    stated = {t.title.edition_year for t in tables if t.title.edition_year}
    by_name = default_edition(path)
    if any(t.title.publication for t in tables):
        if len(stated) == 1:
            content = f"{RR_PREFIX}-{stated.pop()}"
            if content != by_name:
                notes.append(f"edition {content} from the workbook's publication line; the file name says {by_name}")
            return content
        notes.append(f"edition {by_name} from the file name: the workbook's publication line names no year")
        return by_name
    # NOTE: Rosstat's thematic tables state no issue; their titles give the years they cover
    # ("..., 2005-2024 гг."), and the latest of those names the release; failing that, the latest
    # year their columns hold.
    years = [y for t in tables for y in t.title.years]
    if years:
        return f"{THEMATIC_PREFIX}-{max(years)}"
    years = [c.period.year for t in tables for c in t.columns]
    if years:
        notes.append(f"edition {THEMATIC_PREFIX}-{max(years)}: no publication line; named after the latest "
                     "year its columns hold")
        return f"{THEMATIC_PREFIX}-{max(years)}"
    notes.append(f"edition {by_name} from the file name: the workbook names neither publication nor years")
    return by_name


def _table_label(table: Table) -> str:
    title = table.title.title or "(untitled)"
    return f"table {table.title.number} «{title[:80]}»" if table.title.number else f"table «{title[:80]}»"


def _read_table(path: Path, rows: list[list], table: Table, registry: IndicatorRegistry, classify,
                parsed: Parsed, observations: ObservationBuilder, indicators: dict[str, dict]) -> None:
    file_name, sheet = path.name, table.sheet
    label = _table_label(table)
    if table.problems:
        reasons = "; ".join(reason for reason, _ in table.problems)
        columns = ", ".join(c for _, c in table.problems if c) or None
        verdict = "refused" if table.refused else "columns refused"
        parsed.rejections.append(Rejection(file_name, sheet, table.first_row + 1, columns,
                                           f"{label}: {verdict}: {reasons}"))
    if table.refused or not table.columns:
        return
    metas: dict[tuple, IndicatorMeta] = {}
    for column in table.columns:
        key = (column.groups, column.period.kind)
        if key in metas:
            continue
        meta, expected_unit = _indicator(path, table, column, registry)
        if expected_unit is not None:
            row = (table.title.unit_row if table.title.unit_row is not None else table.header_rows[0]) + 1
            parsed.rejections.append(Rejection(file_name, sheet, row, "A",
                                               f"wrong unit for {meta.code}: expected {expected_unit!r}",
                                               table.title.unit))
            return
        metas[key] = meta
        indicators.setdefault(meta.code, meta.as_row())
    # What every observation takes from its column, worked out once per table.
    targets = [(c.index, metas[(c.groups, c.period.kind)].code, c.period, column_letter(c.index), " ".join(c.cells))
               for c in table.columns]
    percent = bool(_PERCENT.search(table.title.unit or ""))
    unit = normalise_unit(table.title.unit)
    # Each kept data row's region and which indicator codes its figures take: variant 0 is the
    # table's, others those of a row in its own unit ("Российская Федерация, млрд руб.").
    variants: dict[str | None, int] = {None: 0}
    codes: list[list[str]] = [[code for _, code, *_ in targets]]
    percents = [percent]
    kept: list[int] = []
    regions: list[str] = []
    row_variants: list[int] = []
    blocks: list[tuple] = []
    # (row, target position or -1 for the row, reason, column letter, found): sorted before they are
    # summarised, so they are named in the order the table reads.
    problems: list[tuple[int, int, str, str, str]] = []
    pick = picker([index for index, *_ in targets])
    stub_letter = column_letter(table.stub)
    for r in range(table.first_data_row, table.end_row):
        row = rows[r]
        cells = pick(row)
        if float not in map(type, cells) and all(
                c is None or c == "" or (type(c) is str and not c.strip()) for c in cells):
            continue
        stub_cell = row[table.stub] if table.stub < len(row) else None
        kind, region, own_unit = classify(stub_cell)
        variant = 0
        if kind == OWN_UNIT:
            if normalise_unit(own_unit) == unit:
                kind = REGION
            else:
                # NOTE: "Российская Федерация, млрд руб." heads tables in millions: the row has its own
                # unit, and its figures go to indicators in that unit, never under the table's.
                if own_unit not in variants:
                    variants[own_unit] = len(codes)
                    codes.append([code for _, code, *_ in _targets(path, table, registry, indicators, own_unit)])
                    percents.append(bool(_PERCENT.search(own_unit)))
                variant = variants[own_unit]
                kind = REGION
        elif kind == HEADING:
            problems.append((r, -1, "a heading row (such as 'в том числе:') holds figures", stub_letter,
                             text_of(stub_cell)[:100]))
            continue
        if kind not in (REGION, UNALLOCATED):
            stub = text_of(stub_cell)
            problems.append((r, -1, "unknown region name" if stub else "a row of figures without a label",
                             stub_letter, stub[:100]))
            continue
        kept.append(r)
        regions.append(region)
        row_variants.append(variant)
        blocks.append(cells)
    if kept:
        observations.add_block(figures_block(
            problems, targets, kept, regions, row_variants, codes, percents, blocks, sheet, table.marks,
            "'в N раз' in a column whose unit is not a percentage"))
    summary = _Problems()
    for r, _, reason, letter, found_text in sorted(problems, key=lambda p: (p[0], p[1])):
        summary.add(reason, r, letter, found_text)
    parsed.rejections += summary.rejections(file_name, sheet)


def _targets(path: Path, table: Table, registry: IndicatorRegistry, indicators: dict[str, dict],
             unit: str | None) -> list[tuple]:
    """(column index, indicator code, period, letter, header cells) of every value column, in `unit`."""
    codes: dict[tuple, str] = {}
    for column in table.columns:
        key = (column.groups, column.period.kind)
        if key not in codes:
            meta, _ = _indicator(path, table, column, registry, unit=unit, known=False)
            codes[key] = meta.code
            indicators.setdefault(meta.code, meta.as_row())
    return [(c.index, codes[(c.groups, c.period.kind)], c.period, column_letter(c.index), " ".join(c.cells))
            for c in table.columns]


def _indicator(path: Path, table: Table, column: Column, registry: IndicatorRegistry,
               unit: str | None = None, known: bool = True) -> tuple[IndicatorMeta, str | None]:
    """The indicator of a column (in the table's unit, or `unit` for a row that states its own)."""
    title = table.title
    unit = unit or title.unit
    bare = ": ".join([title.title or table.sheet, *column.groups])
    qualified = f"{title.title} ({'; '.join(title.qualifiers)})" if title.qualifiers else title.title
    name = f"{bare} ({'; '.join(title.qualifiers)})" if title.qualifiers else bare
    kind = column.period.kind
    identity = " | ".join([title.number or "", title.title, "; ".join(title.qualifiers), unit or "",
                           " / ".join(column.groups), kind])
    table_ref = f"{path.name}, sheet {table.sheet}" + (f", table {title.number}" if title.number else "")
    described = describe_indicator(qualified, unit, title.section, column.groups, title.number)
    # A row in its own unit is never the registry's indicator (whose unit is the table's).
    match = f"title:{normalise_name(bare)}" if known else f"identity:{identity}"
    return registry.identify(
        match=match,
        identity=identity,
        slug_text=f"{bare} {unit or ''}",
        name_ru=name,
        unit_ru=unit,
        topic=described.pop("topic", None) or topic_for(title.section),
        source_table=table_ref,
        period_kind=kind,
        section=title.section,
        table_number=title.number,
        **described,
    )


def summarise(parsed: Parsed) -> Counter:
    """Rejections of a parse counted by reason (numbers and quoted labels folded), for reports."""
    return Counter(re.sub(r"\d+|'[^']*'|«[^»]*»", "#", r.reason) for r in parsed.rejections)
