"""The import checks run again on a dataset on disk, for `petar-bench data verify`.

Same checks, same messages as at import (`petar_bench.volumes._checks`): PET values, CT in HU,
PET/CT overlap, masks on the PET grid and not empty, texts, duplicate ids, patients in two
splits. Each exam's PET and CT are read once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from petar_bench.errors import UserError
from petar_bench.grid import grid_of
from petar_bench.records import LesionRecord, Manifest
from petar_bench.volumes import _checks as checks
from petar_bench.volumes._checks import Problem


def dataset_problems(
    root: Path, manifest: Manifest, progress: Callable[[int, int], None] | None = None
) -> list[Problem]:
    problems = _record_problems(manifest.records)
    exams: dict[tuple[str, str], list[LesionRecord]] = {}
    for record in manifest.records:
        exams.setdefault((record.pet_path, record.ct_path), []).append(record)
    for done, ((pet_path, ct_path), records) in enumerate(exams.items(), start=1):
        problems += _exam_problems(root, pet_path, ct_path, records)
        if progress:
            progress(done, len(exams))
    return problems


def _record_problems(records: list[LesionRecord]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    splits: dict[str, set[str]] = {}
    for record in records:
        if record.sample_id in seen:
            problems.append(
                Problem("error", "duplicate-id", f"duplicate sample id {record.sample_id!r}")
            )
        seen.add(record.sample_id)
        splits.setdefault(record.patient_id, set()).add(record.split)
        _, problem = checks.decode_text(record.reference, "reference", record.sample_id)
        problems += [problem] if problem else []
    for patient, names in sorted(splits.items()):
        if len(names) > 1:
            problems.append(
                Problem(
                    "error",
                    "patient-two-splits",
                    f"patient {patient!r} is in two splits ({', '.join(sorted(names))})",
                )
            )
    return problems


def _load(root: Path, rel: str) -> tuple[np.ndarray, np.ndarray] | Problem:
    from petar_bench.volumes._lesion import load_nifti

    try:
        data, affine, _ = load_nifti(root / rel)
    except UserError as exc:
        return Problem("error", "unreadable", str(exc))
    return np.asarray(data), affine


def _exam_problems(
    root: Path, pet_path: str, ct_path: str, records: list[LesionRecord]
) -> list[Problem]:
    pet = _load(root, pet_path)
    ct = _load(root, ct_path)
    problems = [v for v in (pet, ct) if isinstance(v, Problem)]
    if isinstance(pet, Problem) or isinstance(ct, Problem):
        return problems
    problems += checks.pet_problems(pet[0], f"PET {pet_path!r}")
    problems += checks.ct_problems(ct[0], f"CT {ct_path!r}")
    pet_grid = grid_of(*pet)
    overlap = checks.overlap_problem(pet_grid, grid_of(*ct), "ct", f"PET {pet_path!r}")
    problems += [overlap] if overlap else []
    masks: dict[str, tuple[np.ndarray, np.ndarray] | Problem] = {}
    for record in records:
        if record.mask_path not in masks:
            masks = {record.mask_path: _load(root, record.mask_path)}
        mask = masks[record.mask_path]
        if isinstance(mask, Problem):
            problems.append(mask)
            continue
        where = f"lesion {record.sample_id!r}: mask {record.mask_path!r}"
        if not grid_of(*mask).same_as(pet_grid):
            problems.append(Problem("error", "mask-grid", f"{where} is not on the PET grid"))
            continue
        problems += checks.mask_problems(mask[0], where, label=record.mask_label)
    return problems
