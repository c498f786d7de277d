"""Loading one lesion's PET, CT and mask: exactly what an adapter is allowed to see.

An adapter gets a `LesionInput`: the arrays, their affine, the tracer name and the on-disk
headers (so a preprocessing profile can re-quantise the way a reference pipeline does).
It never gets the record's reference text or structured fields.

PET, CT and mask may each have their own grid (a CT at ~1 mm, PET at 2-5.5 mm). The loader
checks that PET and CT overlap in world coordinates and that the mask lies on the PET grid
(the importer resamples a CT-grid mask), then gives `ct` on the PET grid: resampled once per
exam, trilinearly through world coordinates, with -1000 HU (air) outside the CT's field and
the CT's integer dtype kept (rounded to nearest), and cached with the exam. The native CT and
its affine stay available as `ct_native` / `ct_affine` for profiles that resample themselves.
On same-grid input `ct` IS the native array (no resampling: bit-identical behaviour).
PET values are checked once per exam (`petar_bench.volumes._checks`): data that look like
Bq/mL, NaN/inf, strongly negative or absurd values are refused in one line naming the file.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.errors import UserError
from petar_bench.grid import VolumeGrid, grid_of
from petar_bench.records import LesionRecord
from petar_bench.volumes import _checks as checks

CT_OUTSIDE_HU = -1000.0  # air, for PET voxels beyond the CT's field of view


@dataclass(frozen=True)
class LesionInput:
    """What a model sees for one lesion."""

    sample_id: str
    tracer: str
    pet: np.ndarray  # SUV, on-disk dtype after scaling (float32 unless stored unscaled ints)
    ct: np.ndarray  # HU on the PET grid (resampled once per exam when the CT has its own)
    mask: np.ndarray  # bool, this lesion only, PET grid
    affine: np.ndarray  # 4x4 voxel -> world (RAS mm) of the PET grid
    # The nibabel header of the PET / CT file, None when the volume came from memory; readers
    # check what it offers (get_data_dtype, get_best_affine) before using it.
    pet_header: object = None
    ct_header: object = None
    ct_native: np.ndarray | None = None  # the CT on its own grid (None: not loaded from disk)
    ct_affine: np.ndarray | None = None  # affine of `ct_native`

    @property
    def ct_resampled(self) -> bool:
        """True when `ct` was resampled from a CT on its own grid."""
        return self.ct_native is not None and self.ct_native is not self.ct

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        zooms = np.sqrt((self.affine[:3, :3] ** 2).sum(axis=0))
        return (float(zooms[0]), float(zooms[1]), float(zooms[2]))


def load_nifti(path: Path) -> tuple[np.ndarray, np.ndarray, object]:
    """(data, affine, header) of a 3D NIfTI; a missing or corrupt file is a UserError."""
    import nibabel as nib

    if not path.is_file():
        raise UserError(f"volume {str(path)!r} does not exist; check the dataset directory")
    try:
        image: Any = nib.load(str(path))
        data = np.asanyarray(image.dataobj)
    except Exception as exc:  # nibabel raises many types for truncated or foreign files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"volume {str(path)!r} is not a readable NIfTI file: {reason}") from None
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise UserError(f"volume {str(path)!r} has shape {data.shape}; a 3D volume is required")
    return data, np.asarray(image.affine, dtype=np.float64), image.header


@dataclass(frozen=True)
class _Exam:
    pet: np.ndarray
    pet_affine: np.ndarray
    pet_header: object
    ct: np.ndarray  # on the PET grid
    ct_native: np.ndarray
    ct_affine: np.ndarray
    ct_header: object


class VolumeLoader:
    """Loads lesions, keeping the most recent exams' PET/CT in memory (lesions share exams)."""

    def __init__(self, root: Path, *, cache_exams: int = 2) -> None:
        self.root = Path(root)
        self.cache_exams = cache_exams
        self._exams: OrderedDict[tuple[str, str], _Exam] = OrderedDict()

    def _exam(self, record: LesionRecord) -> _Exam:
        key = (record.pet_path, record.ct_path)
        if key in self._exams:
            self._exams.move_to_end(key)
            return self._exams[key]
        exam = _load_exam(self.root, record)
        self._exams[key] = exam
        while len(self._exams) > self.cache_exams:
            self._exams.popitem(last=False)
        return exam

    def load(self, record: LesionRecord) -> LesionInput:
        exam = self._exam(record)
        mask_data, mask_affine, _ = load_nifti(self.root / record.mask_path)
        pet_grid = grid_of(exam.pet, exam.pet_affine)
        if not grid_of(mask_data, mask_affine).same_as(pet_grid):
            raise UserError(
                f"lesion {record.sample_id!r}: mask {record.mask_path!r} is not on the PET grid "
                f"(mask {grid_of(mask_data, mask_affine).describe()}, PET {pet_grid.describe()}); "
                "'petar-bench data import' resamples a CT-grid mask onto the PET grid"
            )
        wanted = record.mask_label
        mask = mask_data > 0 if wanted is None else mask_data == wanted
        if not mask.any():
            which = "" if wanted is None else f" (label {wanted})"
            raise UserError(
                f"lesion {record.sample_id!r}: mask {record.mask_path!r}{which} is empty; "
                "every sample needs at least one lesion voxel"
            )
        return LesionInput(
            sample_id=record.sample_id,
            tracer=record.tracer,
            pet=exam.pet,
            ct=exam.ct,
            mask=mask,
            affine=exam.pet_affine,
            pet_header=exam.pet_header,
            ct_header=exam.ct_header,
            ct_native=exam.ct_native,
            ct_affine=exam.ct_affine,
        )


def _load_exam(root: Path, record: LesionRecord) -> _Exam:
    pet, pet_affine, pet_header = load_nifti(root / record.pet_path)
    checks.raise_first(checks.pet_problems(pet, f"PET {record.pet_path!r}"))
    ct, ct_affine, ct_header = load_nifti(root / record.ct_path)
    checks.raise_first(
        [p for p in checks.ct_problems(ct, f"CT {record.ct_path!r}") if p.code == "ct-nonfinite"]
    )
    return _Exam(
        pet=pet,
        pet_affine=pet_affine,
        pet_header=pet_header,
        ct=ct_on_pet_grid(record, (pet, pet_affine), (ct, ct_affine)),
        ct_native=ct,
        ct_affine=ct_affine,
        ct_header=ct_header,
    )


def ct_on_pet_grid(
    record: LesionRecord, pet: tuple[np.ndarray, np.ndarray], ct: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """The CT itself when it shares the PET grid, else resampled onto it (see module doc)."""
    from petar_bench.volumes._resample import resample_onto

    pet_grid: VolumeGrid = grid_of(*pet)
    ct_grid = grid_of(*ct)
    if ct_grid.same_as(pet_grid):
        return ct[0]
    problem = checks.overlap_problem(pet_grid, ct_grid, "ct", f"lesion {record.sample_id!r}")
    if problem:
        raise UserError(problem.message)
    return resample_onto(ct[0], ct[1], pet_grid.shape, pet[1], order=1, cval=CT_OUTSIDE_HU)
