"""One exam folder read once per process: its PET (and SUV), CT and lesion masks.

The import engine asks for the PET, the CT and every lesion's mask of an exam separately (one
volume reader call each); this cache, keyed by the folder and its files (names, sizes and
modification times), makes them share one read. It keeps the last two exams.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.datasets.dicom._masks import find_mask_sources, read_masks
from petar_bench.datasets.dicom._series import (
    SeriesVolume,
    group_series,
    pick_series,
    read_series,
    scan_folder,
)
from petar_bench.datasets.dicom._suv import SuvParameters, suv_parameters
from petar_bench.errors import UserError

_CACHED_EXAMS = 2


@dataclass(frozen=True)
class PetSuv:
    """The PET series, its values in SUVbw and how they were made."""

    series: SeriesVolume
    suv: np.ndarray  # float32
    note: str  # one line for the manifest's volume notes
    parameters: dict[str, Any]  # everything the factor came from (kept in metadata)


@dataclass
class _Exam:
    folder: Path
    files: list[tuple[Path, Any]]
    pet: SeriesVolume | None = None
    ct: SeriesVolume | None = None
    masks: tuple[dict[str, np.ndarray], str] | None = None
    suv: dict[tuple[Any, ...], PetSuv] = field(default_factory=dict)


_EXAMS: OrderedDict[tuple[Any, ...], _Exam] = OrderedDict()


def _signature(folder: Path) -> tuple[Any, ...]:
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = path.stat()
        files.append((str(path.relative_to(folder)), stat.st_size, stat.st_mtime_ns))
    return (str(folder.resolve()), tuple(files))


def _exam(folder: Path) -> _Exam:
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"exam folder {str(folder)!r} does not exist")
    key = _signature(folder)
    if key in _EXAMS:
        _EXAMS.move_to_end(key)
        return _EXAMS[key]
    exam = _Exam(folder, scan_folder(folder))
    _EXAMS[key] = exam
    while len(_EXAMS) > _CACHED_EXAMS:
        _EXAMS.popitem(last=False)
    return exam


def _pet(exam: _Exam) -> SeriesVolume:
    if exam.pet is None:
        series = pick_series(group_series(exam.files), "PT", exam.folder)
        exam.pet = read_series(series, exam.folder)
    return exam.pet


def exam_pet(
    folder: Path, *, suv_scale: float | None = None, weight_kg: float | None = None
) -> PetSuv:
    """The exam's PET in SUVbw (from the header, or `suv_scale` x rescaled values)."""
    exam = _exam(folder)
    pet = _pet(exam)
    key = (suv_scale, weight_kg)
    if key not in exam.suv:
        where = f"{exam.folder}: PET series"
        if suv_scale is not None:
            if not suv_scale > 0:
                raise UserError(f"suv_scale must be positive, got {suv_scale!r}")
            factor, note = float(suv_scale), f"x{suv_scale:g} to SUV (the given suv_scale)"
            parameters: dict[str, Any] = {"suv_factor": factor, "given": True}
        else:
            params = suv_parameters(pet.header, pet.acquisition_times, where, weight_kg=weight_kg)
            factor, note, parameters = params.factor, suv_note(params), params.as_dict()
        suv = (pet.data * factor).astype(np.float32)
        exam.suv[key] = PetSuv(pet, suv, note, parameters)
    return exam.suv[key]


def suv_note(params: SuvParameters) -> str:
    decay = (
        f"dose {params.dose_bq / 1e6:.1f} MBq decayed {params.delay_s / 60:.1f} min to "
        f"{params.decayed_dose_bq / 1e6:.1f} MBq"
        if params.decay_correction == "START"
        else f"dose {params.dose_bq / 1e6:.1f} MBq, not decayed"
    )
    return (
        f"converted from {params.units} to SUVbw (DecayCorrection {params.decay_correction}, "
        f"{decay}, weight {params.weight_kg:g} kg, scan start from {params.reference_source})"
    )


def exam_ct(folder: Path) -> SeriesVolume:
    """The exam's CT in HU on its own grid (a CT in the PET's frame of reference first)."""
    exam = _exam(folder)
    if exam.ct is None:
        groups = group_series(exam.files)
        pet_header = pick_series(groups, "PT", exam.folder).headers[0]
        frame = str(getattr(pet_header, "FrameOfReferenceUID", "") or "")
        series = pick_series(groups, "CT", exam.folder, frame_of_reference=frame)
        exam.ct = read_series(series, exam.folder)
    return exam.ct


def exam_pet_grid(folder: Path) -> np.ndarray:
    """The PET's affine (the grid every mask is placed on)."""
    return _pet(_exam(folder)).affine


def exam_masks(folder: Path) -> tuple[dict[str, np.ndarray], str]:
    """Every lesion mask of the exam on the PET grid, and the format they came in."""
    exam = _exam(folder)
    if exam.masks is None:
        pet = _pet(exam)
        sources = find_mask_sources(exam.files, exam.folder)
        exam.masks = read_masks(sources, pet.data.shape, pet.affine, exam.folder)
    return exam.masks
