"""The `labelmap` layout: one multi-label mask per exam, findings in a table.

SRC is a folder holding ``findings.csv`` (or .tsv, .parquet, .jsonl): one row per lesion with
``exam_id``, ``label`` (the lesion's value in the exam's label map) and ``reference``, plus
optionally ``patient_id``, ``lesion_id``, ``sample_id``, ``tracer``, ``split``, ``struct`` and
the structured fields (`--map FIELD=COLUMN` renames). Volumes come from ``pet``, ``ct`` and
``mask`` columns when present, else from ``<exam_id>/pet.nii.gz``, ``<exam_id>/ct.nii.gz`` and
``<exam_id>/labels.nii.gz``.

With ``--components`` the label map is read as binary (any value > 0) and split into
connected components (26-connected); component numbers follow `scipy.ndimage.label`: in the
order of each component's first voxel in (i, j, k) array order, starting at 1. The ``label``
column then names a component.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from petar_bench.datasets.importers._source import (
    LesionSource,
    LoadedVolume,
    ScanOptions,
    Skip,
    VolumeSource,
    read_nifti,
)
from petar_bench.datasets.importers._table import lesion_from_row
from petar_bench.datasets.importers._tables import SUFFIXES, iter_rows, text_of
from petar_bench.errors import UserError

if TYPE_CHECKING:
    from petar_bench.datasets.importers._export import ExportJob

NAME = "labelmap"
STEM = "findings"
REQUIRED = ("exam_id", "mask_label", "reference")
COMPONENTS_READER = "petar_bench.datasets.importers._labelmap:read_components"


def findings_file(src: Path) -> Path | None:
    if not src.is_dir():
        return None
    return next((src / f"{STEM}{s}" for s in SUFFIXES if (src / f"{STEM}{s}").is_file()), None)


def detect(src: Path) -> bool:
    return findings_file(src) is not None


def _findings(src: Path) -> Path:
    path = findings_file(src)
    if path is None:
        raise UserError(f"{str(src)!r} holds no {STEM}.csv (or .tsv, .parquet, .jsonl)")
    return path


def _mapping(path: Path, options: Any) -> dict[str, str]:
    from petar_bench.datasets.importers._tables import table_mapping

    return table_mapping(path, options, REQUIRED, "findings table")


def scan(src: Path, options: ScanOptions) -> Iterator[LesionSource | Skip]:
    path = _findings(src)
    columns = _mapping(path, options)
    by_exam: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, row in enumerate(iter_rows(path), start=2):
        exam = text_of(row.get(columns["exam_id"])) or ""
        by_exam.setdefault(exam, []).append((number, row))
    for exam, rows in by_exam.items():  # lesions of one exam together, table order otherwise
        for number, row in rows:
            filled = dict(row)
            for role, default in (("pet", "pet"), ("ct", "ct"), ("mask", "labels")):
                if role not in columns:
                    filled[f"__{role}"] = f"{exam}/{default}.nii.gz"
            lesion = lesion_from_row(
                filled, _with_defaults(columns), path, f"{path.name} row {number}", options
            )
            if isinstance(lesion, LesionSource) and options.components:
                mask = VolumeSource(lesion.mask.path, reader=COMPONENTS_READER)
                lesion = _replace_mask(lesion, mask)
            yield lesion


def _with_defaults(columns: dict[str, str]) -> dict[str, str]:
    return {**{r: f"__{r}" for r in ("pet", "ct", "mask")}, **columns}


def _replace_mask(lesion: LesionSource, mask: VolumeSource) -> LesionSource:
    from dataclasses import replace

    return replace(lesion, mask=mask)


def read_components(path: Path) -> LoadedVolume:
    """Connected components (26-connected) of a mask's non-zero voxels, numbered from 1."""
    from scipy import ndimage

    loaded = read_nifti(path)
    labels, count = ndimage.label(np.asarray(loaded.data) > 0, structure=np.ones((3, 3, 3)))
    dtype = np.uint8 if count < 256 else np.uint16 if count < 65536 else np.uint32
    return LoadedVolume(
        data=labels.astype(dtype),
        affine=loaded.affine,
        notes=(f"{count} connected components (26-connected) of {path.name}",),
    )


def describe(src: Path, options: ScanOptions) -> list[str]:
    path = _findings(src)
    columns = _mapping(path, options)
    lines = [f"findings table: {path}", "column mapping (FIELD <- column):"]
    lines += [f"  {name} <- {column}" for name, column in columns.items()]
    if options.components:
        lines.append("masks: connected components of each exam's label map (--components)")
    return lines


def export(job: ExportJob) -> None:
    """``<exam>/pet.nii.gz, ct.nii.gz, labels.nii.gz`` (lesion i of the exam has value i)
    and ``findings.csv``. Where lesions overlap, the later one keeps the shared voxels."""
    import csv

    from petar_bench.datasets.importers._exam import safe_name
    from petar_bench.datasets.importers._export import copy_file, write_nifti
    from petar_bench.findings import render_structured

    rows = []
    for exam_id, records in job.exams():
        folder = job.output / safe_name(exam_id)
        copy_file(job.root / records[0].pet_path, folder / "pet.nii.gz")
        job.write_ct(records[0], folder / "ct.nii.gz")
        labels: np.ndarray | None = None
        affine = None
        for label, record in enumerate(records, start=1):
            mask, affine = job.lesion_mask(record)
            labels = np.zeros(mask.shape, np.uint16) if labels is None else labels
            labels[mask > 0] = label
            rows.append(
                {
                    "exam_id": safe_name(exam_id),
                    "label": label,
                    "sample_id": record.sample_id,
                    "patient_id": record.patient_id,
                    "lesion_id": record.lesion_id,
                    "tracer": record.tracer,
                    "split": record.split,
                    "reference": record.reference,
                    "struct": render_structured(record.fields),
                }
            )
        assert labels is not None and affine is not None
        write_nifti(folder / "labels.nii.gz", labels, affine)
    with open(job.output / f"{STEM}.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["exam_id"])
        writer.writeheader()
        writer.writerows(rows)
