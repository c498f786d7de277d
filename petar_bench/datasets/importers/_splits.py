"""Which split each imported lesion belongs to, always at patient level.

In order of precedence: a split file (`--split-file`), a split the layout found (a folder
``train/``, a `--split-column`), otherwise a deterministic patient-level split drawn from a
seed (80/10/10 by patient). Whatever the source, a patient in two splits refuses the import.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from petar_bench.errors import UserError

SYNONYMS = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "dev": "val",
    "test": "test",
    "testing": "test",
}
SEEDED_FRACTIONS = (("test", 0.1), ("val", 0.1))


@dataclass(frozen=True)
class Member:
    sample_id: str
    patient_id: str
    exam_id: str
    split: str | None  # what the layout said


def normalise_split(value: object, where: str) -> str:
    name = SYNONYMS.get(str(value).strip().lower())
    if name is None:
        raise UserError(f"{where}: split {value!r} is not one of train, val, test")
    return name


def read_split_file(path: Path) -> dict[str, str]:
    """id -> split from JSON ({"test": [ids], ...} or {id: split}) or CSV/TSV (id, split)."""
    if not path.is_file():
        raise UserError(f"split file {str(path)!r} does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as exc:
        raise UserError(f"split file {str(path)!r} cannot be read as UTF-8 text ({exc})") from None
    if path.suffix.lower() == ".json":
        return _from_json(text, path)
    first_line = text.splitlines()[0] if text.strip() else ""
    dialect = "excel-tab" if "\t" in first_line else "excel"
    chosen: dict[str, str] = {}
    for number, row in enumerate(csv.reader(text.splitlines(), dialect=dialect), start=1):
        if not row or not row[0].strip():
            continue
        if len(row) < 2:
            raise UserError(f"{path}:{number}: expected two columns, an id and its split")
        if number == 1 and row[1].strip().lower() not in SYNONYMS:
            continue  # a header line
        chosen[row[0].strip()] = normalise_split(row[1], f"{path}:{number}")
    if not chosen:
        raise UserError(f"split file {str(path)!r} assigns no ids")
    return chosen


def _from_json(text: str, path: Path) -> dict[str, str]:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise UserError(f"split file {str(path)!r} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise UserError(f"split file {str(path)!r} must hold a JSON object")
    chosen: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, list):
            split = normalise_split(key, str(path))
            chosen.update({str(i): split for i in item})
        else:
            chosen[str(key)] = normalise_split(item, f"{path} ({key})")
    return chosen


def seeded_split(patients: Sequence[str], seed: int) -> dict[str, str]:
    """Patient -> split, 10 % test, 10 % val (at least one patient each when there are 3+)."""
    ordered = sorted(set(patients))
    order = np.random.default_rng(seed).permutation(len(ordered))
    shuffled = [ordered[i] for i in order]
    chosen: dict[str, str] = {}
    start = 0
    for split, fraction in SEEDED_FRACTIONS:
        count = max(1, round(fraction * len(shuffled))) if len(shuffled) >= 3 else 0
        if split == "test" and 0 < len(shuffled) < 3:
            count = 1
        chosen.update({p: split for p in shuffled[start : start + count]})
        start += count
    chosen.update({p: "train" for p in shuffled[start:]})
    return chosen


def assign(
    members: Sequence[Member], *, split_file: Mapping[str, str] | None, seed: int
) -> tuple[dict[str, str], str, list[str]]:
    """(sample_id -> split, how it was decided, ids the split file does not cover)."""
    chosen: dict[str, str] = {}
    uncovered: list[str] = []
    if split_file is not None:
        for m in members:
            split = split_file.get(m.sample_id) or split_file.get(m.exam_id)
            split = split or split_file.get(m.patient_id)
            if split is None:
                uncovered.append(m.sample_id)
            else:
                chosen[m.sample_id] = split
        method = "split file"
    elif members and all(m.split is not None for m in members):
        chosen = {m.sample_id: normalise_split(m.split, m.sample_id) for m in members}
        method = "given by the source"
    else:
        by_patient = seeded_split([m.patient_id for m in members], seed)
        chosen = {m.sample_id: by_patient[m.patient_id] for m in members}
        method = f"seeded patient-level split (seed {seed}; 80/10/10 by patient)"
    _refuse_patients_in_two_splits(members, chosen)
    return chosen, method, uncovered


def _refuse_patients_in_two_splits(members: Sequence[Member], chosen: Mapping[str, str]) -> None:
    seen: dict[str, set[str]] = {}
    for m in members:
        if m.sample_id in chosen:
            seen.setdefault(m.patient_id, set()).add(chosen[m.sample_id])
    mixed = sorted(p for p, s in seen.items() if len(s) > 1)
    if mixed:
        first = mixed[0]
        raise UserError(
            f"patient {first!r} is in two splits ({', '.join(sorted(seen[first]))})"
            + (f" and {len(mixed) - 1} more patient(s) too" if len(mixed) > 1 else "")
            + "; lesions of one patient must share a split"
        )
