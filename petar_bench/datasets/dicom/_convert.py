"""One DICOM exam folder -> NIfTI volumes in SUV/HU and lesion masks on the PET grid.

``convert_exam(exam_dir, out_dir)`` writes::

    out_dir/pet.nii.gz           float32 SUVbw on the PET grid (RAS, k toward the head)
    out_dir/ct.nii.gz            CT in HU on its own grid (int16 when the rescale is integral)
    out_dir/masks/<lesion>.nii.gz  uint8, one lesion each, on the PET grid
    out_dir/dicom.json           what was read: series, SUV parameters, mask format, tracer

Files are written atomically and dicom.json last: an interrupted conversion is redone, a
finished one is reused when its source files (names and sizes) have not changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.datasets.dicom._exam import exam_ct, exam_masks, exam_pet
from petar_bench.datasets.dicom._series import SeriesVolume
from petar_bench.errors import UserError

CONVERSION_SCHEMA_VERSION = 1
METADATA_NAME = "dicom.json"

# Words in Radiopharmaceutical / its code meaning -> the project's tracer names.
_TRACER_WORDS = (
    ("fluciclovine", ("FLUCICLOVINE", "FACBC", "AXUMIN")),
    ("PSMA", ("PSMA", "DCFPYL", "PIFLUFOLASTAT", "PYLARIFY")),
    ("DOTATATE", ("DOTATATE", "DOTA-TATE", "NETSPOT")),
    ("FDG", ("FDG", "FLUDEOXYGLUCOSE", "FLUORODEOXYGLUCOSE")),
)


@dataclass(frozen=True)
class ConvertedExam:
    """Where one exam's volumes were written, and what was read to make them."""

    pet_path: Path
    ct_path: Path
    mask_paths: dict[str, Path]
    metadata: dict[str, Any]

    @property
    def tracer(self) -> str | None:
        value = self.metadata.get("tracer")
        return str(value) if value else None


def tracer_name(header: Any) -> str | None:
    """The project's tracer name from the PET's radiopharmaceutical, or None if unknown."""
    info = getattr(header, "RadiopharmaceuticalInformationSequence", None) or []
    texts = []
    for item in info:
        texts.append(str(getattr(item, "Radiopharmaceutical", "") or ""))
        for code in getattr(item, "RadiopharmaceuticalCodeSequence", None) or []:
            texts.append(str(getattr(code, "CodeMeaning", "") or ""))
    text = " ".join(texts).upper()
    for name, words in _TRACER_WORDS:
        if any(word in text for word in words):
            return name
    return None


def _source_listing(exam_dir: Path) -> list[list[Any]]:
    return sorted(
        [str(p.relative_to(exam_dir)), p.stat().st_size] for p in exam_dir.rglob("*") if p.is_file()
    )


def _reusable(out_dir: Path, listing: list[list[Any]]) -> ConvertedExam | None:
    path = out_dir / METADATA_NAME
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("schema_version") != CONVERSION_SCHEMA_VERSION or meta.get("source") != listing:
        return None
    converted = _paths(out_dir, meta)
    files = [converted.pet_path, converted.ct_path, *converted.mask_paths.values()]
    return converted if all(p.is_file() for p in files) else None


def _paths(out_dir: Path, meta: dict[str, Any]) -> ConvertedExam:
    masks = {name: out_dir / rel for name, rel in meta["masks"].items()}
    return ConvertedExam(out_dir / "pet.nii.gz", out_dir / "ct.nii.gz", masks, meta)


def _write_nifti(path: Path, data: np.ndarray, affine: np.ndarray, description: str) -> None:
    import os
    import tempfile

    from petar_bench.datasets._imaging import nifti_gz_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(nifti_gz_bytes(data, affine, description=description))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def convert_exam(
    exam_dir: Path,
    out_dir: Path,
    *,
    suv_scale: float | None = None,
    weight_kg: float | None = None,
) -> ConvertedExam:
    """Convert one exam folder (PET and CT series, lesion masks) to NIfTI under `out_dir`.

    `suv_scale` is for series not stored in Bq/mL: the factor that turns the rescaled stored
    values into SUV (the SUV attributes are then not read). `weight_kg` replaces a missing or
    wrong PatientWeight. Every refusal is a one-line UserError naming the folder.
    """
    from petar_bench.fileio import atomic_write_json

    exam_dir, out_dir = Path(exam_dir), Path(out_dir)
    if not exam_dir.is_dir():
        raise UserError(f"exam folder {str(exam_dir)!r} does not exist")
    listing = _source_listing(exam_dir)
    reused = _reusable(out_dir, listing)
    if reused is not None:
        return reused
    pet = exam_pet(exam_dir, suv_scale=suv_scale, weight_kg=weight_kg)
    ct = exam_ct(exam_dir)
    masks, mask_format = exam_masks(exam_dir)
    for name, mask in masks.items():
        if not mask.any():
            raise UserError(f"{exam_dir}: lesion mask {name!r} is empty on the PET grid")
    affine = pet.series.affine
    _write_nifti(out_dir / "pet.nii.gz", pet.suv, affine, "PET SUVbw from DICOM")
    _write_nifti(out_dir / "ct.nii.gz", ct.data, ct.affine, "CT HU from DICOM")
    mask_rel = {name: f"masks/{name}.nii.gz" for name in masks}
    for name, mask in masks.items():
        _write_nifti(out_dir / mask_rel[name], mask.astype(np.uint8), affine, "lesion mask")
    meta = {
        "schema_version": CONVERSION_SCHEMA_VERSION,
        "source": listing,
        "patient_id": str(getattr(pet.series.header, "PatientID", "") or ""),
        "study_uid": str(getattr(pet.series.header, "StudyInstanceUID", "") or ""),
        "tracer": tracer_name(pet.series.header),
        "pet": _series_meta(pet.series),
        "ct": _series_meta(ct),
        "suv": pet.parameters,
        "mask_format": mask_format,
        "masks": mask_rel,
    }
    atomic_write_json(out_dir / METADATA_NAME, meta)
    return _paths(out_dir, meta)


def _series_meta(series: SeriesVolume) -> dict[str, Any]:
    return {
        "series_uid": series.series_uid,
        "shape": list(series.data.shape),
        "spacing_mm": list(series.spacing),
    }
