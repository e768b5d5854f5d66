"""Parse the WHO ATC classification and the project's therapy areas; match INNs to ATC codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.errors import InputError, Rejection
from etl.paths import REFERENCE_DIR
from etl.sources.base import Parsed
from etl.values import to_frame

DEFAULT_THERAPY_AREAS = REFERENCE_DIR / "therapy_areas.csv"

ATC_COLUMNS = ("atc_code", "level", "atc_name")
AREA_COLUMNS = ("code", "name_ru", "name_en", "atc_prefixes")
# Length of a code at each ATC level: A, A10, A10B, A10BK, A10BK01.
CODE_LENGTH = {1: 1, 2: 3, 3: 4, 4: 5, 5: 7}


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """Read a reference CSV as text, refusing it whole when a required column is missing."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(column).strip() for column in frame.columns]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise InputError(
            Rejection(
                Path(path).name, None, 1, missing[0],
                f"missing required column(s) {', '.join(missing)}", ", ".join(frame.columns),
            )
        )
    return frame.apply(lambda column: column.str.strip())


def read_atc(atc_path: Path) -> pd.DataFrame:
    """The ATC file as a frame (atc_code, level as int, atc_name), in file order."""
    frame = _read_csv(Path(atc_path), ATC_COLUMNS)[list(ATC_COLUMNS)]
    bad = frame[~frame["level"].isin([str(level) for level in CODE_LENGTH])]
    if len(bad):
        row = int(bad.index[0]) + 2  # header is row 1
        raise InputError(Rejection(Path(atc_path).name, None, row, "level",
                                   "ATC level must be 1-5", bad["level"].iloc[0]))
    return frame.assign(level=frame["level"].astype(int))


def parent_code(code: str, level: int) -> str | None:
    """The code one level up ('A10BK01' -> 'A10BK'), None for an anatomical main group."""
    return code[: CODE_LENGTH[level - 1]] if level > 1 else None


def ancestors(code: str) -> list[str]:
    """A code and every code above it, from level 1 down: 'A10B' -> ['A', 'A10', 'A10B']."""
    return [code[:length] for length in CODE_LENGTH.values() if length <= len(code)]


def parse_atc(atc_path: Path, needed_codes: set[str]) -> Parsed:
    """atc_groups: every level 1-2 code, plus each needed code and its ancestors."""
    frame = read_atc(atc_path)
    wanted = {ancestor for code in needed_codes for ancestor in ancestors(code)}
    keep = frame[(frame["level"] <= 2) | frame["atc_code"].isin(wanted)]
    records = [
        {
            "code": row.atc_code,
            "level": int(row.level),
            "name_en": row.atc_name,
            "parent_code": parent_code(row.atc_code, int(row.level)),
        }
        for row in keep.itertuples(index=False)
    ]
    missing = sorted(set(needed_codes) - set(frame["atc_code"]))
    rejections = [
        Rejection(Path(atc_path).name, None, None, "atc_code", "needed ATC code not in file", code)
        for code in missing
    ]
    return Parsed(adapter="atc", tables={"atc_groups": to_frame("atc_groups", records)},
                  rejections=rejections)


def inn_index(atc_frame: pd.DataFrame) -> dict[str, list[str]]:
    """Level-5 names (lower case) -> their codes in file order; one INN can have several codes."""
    index: dict[str, list[str]] = {}
    level5 = atc_frame[atc_frame["level"] == 5]
    for code, name in zip(level5["atc_code"], level5["atc_name"], strict=True):
        index.setdefault(name.lower(), []).append(code)
    return index


def match_inn(inn: str | None, index: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """(ATC code, note) for an English INN by exact case-insensitive name; first code if several."""
    if not inn:
        return None, None
    codes = index.get(inn.strip().lower(), [])
    if not codes:
        return None, f"no level-5 ATC name equals {inn!r}"
    if len(codes) > 1:
        chosen = sorted(codes, key=_systemic_first)[0]
        return chosen, f"{inn!r} has ATC codes {', '.join(codes)}; took {chosen} (systemic before topical)"
    return codes[0], None


# NOTE: an INN without a dosage form (the interview's "diclofenac") is read as its systemic use:
# ATC groups D (dermatological) and S (sensory organs) hold topical forms of systemic substances.
_TOPICAL_GROUPS = ("D", "S")


def _systemic_first(code: str) -> int:
    return 1 if code.startswith(_TOPICAL_GROUPS) else 0


def parse_therapy_areas(path: Path = DEFAULT_THERAPY_AREAS) -> Parsed:
    """therapy_areas from the project's reference CSV (code, names, '|'-separated ATC prefixes)."""
    frame = _read_csv(Path(path), AREA_COLUMNS)[list(AREA_COLUMNS)]
    frame = frame.replace({"": None})
    return Parsed(adapter="therapy_areas",
                  tables={"therapy_areas": to_frame("therapy_areas", frame.to_dict("records"))})


def therapy_area_for(atc_code: str | None, areas_frame: pd.DataFrame) -> str | None:
    """The therapy area whose ATC prefix is the longest one the code starts with, or None."""
    if not atc_code:
        return None
    best: tuple[int, str | None] = (0, None)
    for code, prefixes in zip(areas_frame["code"], areas_frame["atc_prefixes"], strict=True):
        for prefix in (prefixes or "").split("|"):
            if prefix and atc_code.startswith(prefix) and len(prefix) > best[0]:
                best = (len(prefix), code)
    return best[1]
