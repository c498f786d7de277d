"""`petar-bench reader-study import`: readers' CSV files -> one validated ratings file.

Every row is checked; the first bad one is refused in one line naming the file and row
(unknown case or pair, value outside 1-5, missing value, a preference other than A/B/tie,
the same reader rating the same item twice, in one file or across files). The ratings file
embeds the key, so `correlate` needs nothing else.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from petar_bench.errors import UserError
from petar_bench.fileio import atomic_write_text, read_text_file
from petar_bench.report._study import AXES, PREFERENCES, RATING_COLUMNS, StudyKey, read_key


class CaseRating(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rater: str
    case_id: str
    anatomical_accuracy: int = Field(ge=1, le=5)
    interpretation_accuracy: int = Field(ge=1, le=5)
    overall_utility: int = Field(ge=1, le=5)

    def axis(self, name: str) -> float:
        if name == "mean":
            return sum(getattr(self, a) for a in AXES) / len(AXES)
        return float(getattr(self, name))


class PairPreference(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rater: str
    pair_id: str
    choice: Literal["A", "B", "tie"]


class StudyRatings(BaseModel):
    """Validated ratings of one reader study (a file users keep; schema 1)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    key: StudyKey
    sources: list[str] = Field(description="The CSV files the ratings came from.")
    ratings: list[CaseRating]
    preferences: list[PairPreference]


def read_ratings(path: Path) -> StudyRatings:
    from petar_bench.fileio import read_json_model

    return read_json_model(Path(path), StudyRatings, what="reader-study ratings file")


def _score(value: str, column: str, where: str) -> int:
    text = value.strip()
    if not text:
        raise UserError(f"{where}: {column} is empty; rate every axis from 1 to 5")
    try:
        number = float(text)
    except ValueError:
        raise UserError(f"{where}: {column} is {text!r}, not a number from 1 to 5") from None
    if number != int(number) or not 1 <= number <= 5:
        raise UserError(f"{where}: {column} is {text}, outside the scale 1-5 (whole numbers)")
    return int(number)


def _rows(path: Path) -> list[dict[str, str]]:
    text = read_text_file(path, what="ratings CSV")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    missing = [c for c in RATING_COLUMNS if c not in header]
    if missing:
        raise UserError(
            f"{path}: missing column(s) {', '.join(missing)}; a ratings CSV has the columns "
            f"{', '.join(RATING_COLUMNS)} (see the packet's ratings-template.csv)"
        )
    return [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]


def _case_row(row: dict[str, str], rater: str, item: str, where: str) -> CaseRating:
    if row["preference"].strip():
        raise UserError(f"{where}: case {item!r} has a preference; preferences belong to pairs")
    scores = {axis: _score(row[axis], axis, where) for axis in AXES}
    return CaseRating(rater=rater, case_id=item, **scores)


def _pair_row(row: dict[str, str], rater: str, item: str, where: str) -> PairPreference:
    if any(row[axis].strip() for axis in AXES):
        raise UserError(f"{where}: pair {item!r} has 1-5 scores; a pair takes only a preference")
    choice = row["preference"].strip()
    choice = "tie" if choice.lower() == "tie" else choice.upper()
    if choice not in PREFERENCES:
        raise UserError(f"{where}: preference is {row['preference']!r}; write A, B or tie")
    return PairPreference.model_validate({"rater": rater, "pair_id": item, "choice": choice})


def import_ratings(files: Sequence[Path], key_path: Path) -> StudyRatings:
    """All rows of `files`, validated against the key."""
    key = read_key(key_path)
    cases = {c.case_id for c in key.cases}
    pairs = {p.pair_id for p in key.pairs}
    seen: dict[tuple[str, str], str] = {}
    ratings: list[CaseRating] = []
    preferences: list[PairPreference] = []
    for path in files:
        for number, row in enumerate(_rows(Path(path)), start=2):  # row 1 is the header
            where = f"{path}: row {number}"
            rater, item = row["rater"].strip(), row["item_id"].strip()
            if not rater:
                raise UserError(f"{where}: the rater column is empty")
            if item not in cases and item not in pairs:
                raise UserError(f"{where}: unknown case {item!r}: not in the key {key_path}")
            if (rater, item) in seen:
                raise UserError(
                    f"{where}: rater {rater!r} already rated {item!r} ({seen[(rater, item)]})"
                )
            seen[(rater, item)] = where
            if item in cases:
                ratings.append(_case_row(row, rater, item, where))
            else:
                preferences.append(_pair_row(row, rater, item, where))
    if not ratings and not preferences:
        raise UserError("the ratings files hold no rows")
    return StudyRatings(
        key=key, sources=[str(p) for p in files], ratings=ratings, preferences=preferences
    )


def write_ratings(ratings: StudyRatings, output: Path) -> Path:
    text = json.dumps(ratings.model_dump(mode="json"), indent=2) + "\n"
    return atomic_write_text(Path(output), text)
