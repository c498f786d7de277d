"""`petar-bench data export`: a dataset written out in one of the import layouts.

Exports let users hand the synthetic phantoms (or any dataset) to other tools, and they make
the importer's test inputs. Each layout module that can write itself exposes
``export(job: ExportJob) -> None``; this module picks the records, writes the marker file
(`petar-bench-export.json`, which tells the importer whether the data are synthetic) and, on
request, puts the CT on a finer grid of its own, as scanners store it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.datasets.importers import layout_module
from petar_bench.errors import UserError
from petar_bench.records import LesionRecord, Manifest

MARKER = "petar-bench-export.json"


@dataclass(frozen=True)
class ExportJob:
    """What a layout's `export` writes: these records of this dataset, into `output`."""

    root: Path
    manifest: Manifest
    records: tuple[LesionRecord, ...]
    output: Path
    ct_spacing_mm: tuple[float, float, float] | None = None
    _written: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def exams(self) -> Iterator[tuple[str, list[LesionRecord]]]:
        """Records grouped by exam, exams in first-seen order."""
        grouped: dict[str, list[LesionRecord]] = {}
        for record in self.records:
            grouped.setdefault(record.exam_id, []).append(record)
        yield from grouped.items()

    def load(self, rel: str) -> tuple[np.ndarray, np.ndarray]:
        from petar_bench.volumes._lesion import load_nifti

        data, affine, _ = load_nifti(self.root / rel)
        return np.asarray(data), affine

    def lesion_mask(self, record: LesionRecord) -> tuple[np.ndarray, np.ndarray]:
        data, affine = self.load(record.mask_path)
        selected = data > 0 if record.mask_label is None else data == record.mask_label
        return selected.astype(np.uint8), affine

    def write_ct(self, record: LesionRecord, target: Path) -> None:
        """The CT as stored, or resampled to `ct_spacing_mm` (trilinear, same field)."""
        if self.ct_spacing_mm is None:
            copy_file(self.root / record.ct_path, target)
            return
        if record.ct_path not in self._written:  # lesions of one exam share the CT
            from petar_bench.datasets._imaging import nifti_gz_bytes

            self._written.clear()
            data, affine = self.load(record.ct_path)
            fine, fine_affine = finer_grid(data, affine, self.ct_spacing_mm)
            self._written[record.ct_path] = nifti_gz_bytes(fine, fine_affine, description="")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self._written[record.ct_path])


def numeric_id(text: str, fallback: int) -> int:
    """The trailing number of an id ('syn-p0007' -> 7), else `fallback`."""
    match = re.search(r"(\d+)\D*$", text)
    return int(match.group(1)) if match else fallback


def copy_file(source: Path, target: Path) -> None:
    import shutil

    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def write_nifti(path: Path, data: np.ndarray, affine: np.ndarray) -> None:
    from petar_bench.datasets._imaging import nifti_gz_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(nifti_gz_bytes(np.asarray(data), affine, description="petar-bench export"))


def finer_grid(
    data: np.ndarray, affine: np.ndarray, spacing: tuple[float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """`data` resampled (trilinear) to `spacing` mm over the same field of view.

    The new grid keeps the axis directions and the first voxel's outer corner, so it covers
    the same box; an integer CT stays integer."""
    from petar_bench.volumes._resample import resample_onto

    old = np.sqrt((affine[:3, :3] ** 2).sum(axis=0))
    new = np.asarray(spacing, dtype=np.float64)
    shape = tuple(
        int(np.floor(n * o / s + 1e-6)) for n, o, s in zip(data.shape, old, new, strict=True)
    )
    fine = affine.copy()
    fine[:3, :3] = affine[:3, :3] * (new / old)
    # voxel 0's outer corner stays where it was: corner = origin - half a voxel per axis
    corner = affine[:3, 3] - affine[:3, :3] @ np.full(3, 0.5)
    fine[:3, 3] = corner + fine[:3, :3] @ np.full(3, 0.5)
    resampled = resample_onto(data, affine, shape, fine, order=1, cval=-1000.0)  # type: ignore[arg-type]
    return resampled, fine


def export_dataset(
    dataset: str,
    *,
    layout: str,
    output: Path,
    patients: int | None = None,
    split: str | None = None,
    ct_spacing_mm: tuple[float, float, float] | None = None,
) -> ExportJob:
    """Write `dataset` (or its first `patients` patients, or one split) in `layout`."""
    from petar_bench.datasets._catalog import resolve_dataset

    if patients is not None and patients < 1:
        raise UserError(f"--patients must be at least 1 (got {patients})")
    handle = resolve_dataset(dataset)
    records = list(handle.manifest.split(split) if split else handle.manifest.records)
    if patients is not None:
        keep = sorted({r.patient_id for r in records})[:patients]
        records = [r for r in records if r.patient_id in set(keep)]
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise UserError(f"--output {str(output)!r} exists and is not an empty directory")
    module = layout_module(layout)
    exporter: Any = getattr(module, "export", None)
    if exporter is None:
        raise UserError(f"the {layout} layout cannot export")
    job = ExportJob(handle.root, handle.manifest, tuple(records), output, ct_spacing_mm)
    output.mkdir(parents=True, exist_ok=True)
    exporter(job)
    marker = {
        "exported_by": "petar-bench",
        "dataset": handle.manifest.dataset,
        "synthetic": handle.manifest.synthetic,
        "layout": layout,
        "lesions": len(records),
    }
    (output / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
    return job
