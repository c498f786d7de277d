"""The `table` layout: one row per lesion in a CSV, TSV, Parquet or JSONL file.

Columns (defaults in `tables.DEFAULT_COLUMNS`; rename with ``--map FIELD=COLUMN``): paths to
``pet``, ``ct`` and ``mask`` NIfTI files (relative to the table's folder or absolute), the
``reference`` text, ``patient_id`` and/or ``exam_id``, and optionally ``sample_id``,
``lesion_id``, ``tracer``, ``split`` (or ``--split-column``), ``mask_label`` (a lesion's value
in a multi-label mask), ``struct`` (a structured finding) and single structured fields
(``region``, ``organ``, ``sub_site``, ``laterality``, ``suv_max``, ``slice``, ``size_mm``).
SRC is the table file, or a folder holding ``lesions.csv`` (or .tsv, .parquet, .jsonl).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from petar_bench.datasets.importers._source import LesionSource, ScanOptions, Skip, VolumeSource
from petar_bench.datasets.importers._tables import (
    STRUCT_FIELDS,
    SUFFIXES,
    iter_rows,
    table_mapping,
    text_of,
)
from petar_bench.datasets.importers._texts import parse_struct
from petar_bench.errors import UserError
from petar_bench.volumes._checks import decode_text

if TYPE_CHECKING:
    from petar_bench.datasets.importers._export import ExportJob

NAME = "table"
STEM = "lesions"
REQUIRED = ("pet", "ct", "mask", "reference")


def table_file(src: Path) -> Path | None:
    if src.is_file() and src.suffix.lower() in SUFFIXES:
        return src
    if src.is_dir():
        return next((src / f"{STEM}{s}" for s in SUFFIXES if (src / f"{STEM}{s}").is_file()), None)
    return None


def detect(src: Path) -> bool:
    return table_file(src) is not None


def _table(src: Path) -> Path:
    path = table_file(src)
    if path is None:
        raise UserError(
            f"{str(src)!r} is neither a table file (.csv, .tsv, .parquet, .jsonl) nor a folder "
            f"holding {STEM}.csv"
        )
    return path


def mapping_for(path: Path, options: ScanOptions) -> dict[str, str]:
    chosen = table_mapping(path, options, REQUIRED, "table")
    if "patient_id" not in chosen and "exam_id" not in chosen:
        raise UserError(
            f"table {path.name!r}: no patient_id or exam_id column; name one with --map"
        )
    return chosen


def scan(src: Path, options: ScanOptions) -> Iterator[LesionSource | Skip]:
    path = _table(src)
    columns = mapping_for(path, options)
    for number, row in enumerate(iter_rows(path), start=2):  # line 1 is the header
        yield lesion_from_row(row, columns, path, f"{path.name} row {number}", options)


def _value(row: dict[str, Any], columns: dict[str, str], name: str) -> str | None:
    return text_of(row.get(columns[name])) if name in columns else None


def lesion_from_row(
    row: dict[str, Any],
    columns: dict[str, str],
    path: Path,
    origin: str,
    options: ScanOptions,
    *,
    exam_default: str | None = None,
) -> LesionSource | Skip:
    """A row (of a lesion or findings table) as a lesion source."""
    raw = row.get(columns["reference"])
    reference, problem = decode_text(
        raw if raw is None or isinstance(raw, bytes) else str(raw), "reference", origin
    )
    if problem:
        return Skip(origin, problem.message, problem.code)
    patient = _value(row, columns, "patient_id") or _value(row, columns, "exam_id")
    exam = _value(row, columns, "exam_id") or exam_default or patient
    if not patient or not exam:
        return Skip(origin, f"{origin}: no patient or exam id", "missing-id")
    volumes = {}
    for role in ("pet", "ct", "mask"):
        given = _value(row, columns, role)
        if not given:
            return Skip(origin, f"{origin}: no {role} path", "missing-file")
        file = Path(given) if Path(given).is_absolute() else path.parent / given
        if not file.is_file():
            return Skip(origin, f"{origin}: {role} file {given!r} does not exist", "missing-file")
        volumes[role] = VolumeSource(file)
    label_text = _value(row, columns, "mask_label")
    try:
        label = int(float(label_text)) if label_text is not None else None
    except ValueError:
        return Skip(origin, f"{origin}: mask label {label_text!r} is not a number", "bad-label")
    lesion = _value(row, columns, "lesion_id") or (str(label) if label is not None else origin)
    return LesionSource(
        patient_id=patient,
        exam_id=exam,
        lesion_id=lesion,
        sample_id=_value(row, columns, "sample_id"),
        tracer=_value(row, columns, "tracer") or options.tracer or "unknown",
        reference=reference,
        fields=_fields(row, columns),
        split=_value(row, columns, "split"),
        pet=volumes["pet"],
        ct=volumes["ct"],
        mask=volumes["mask"],
        mask_label=label,
        origin=origin,
        require_binary_mask=label is None,
    )


def _fields(row: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    struct = _value(row, columns, "struct")
    fields: dict[str, Any] = parse_struct(struct) if struct else {}
    for name in STRUCT_FIELDS:
        value = _value(row, columns, name)
        if value is None:
            continue
        try:
            fields[name] = _convert(name, value)
        except ValueError:
            continue
    return fields


def _convert(name: str, value: str) -> Any:
    if name in ("suv_max", "size_mm"):
        return float(value)
    if name == "slice":
        return int(float(value))
    return value


def describe(src: Path, options: ScanOptions) -> list[str]:
    path = _table(src)
    columns = mapping_for(path, options)
    lines = [f"table: {path}", "column mapping (FIELD <- column):"]
    lines += [f"  {name} <- {column}" for name, column in columns.items()]
    return lines


def export(job: ExportJob) -> None:
    """``lesions.csv`` with one row per lesion, volumes under ``volumes/<exam>/``."""
    import csv

    from petar_bench.datasets.importers._export import copy_file, write_nifti
    from petar_bench.findings import render_structured

    rows = []
    for exam_id, records in job.exams():
        folder = f"volumes/{_safe(exam_id)}"
        copy_file(job.root / records[0].pet_path, job.output / folder / "pet.nii.gz")
        job.write_ct(records[0], job.output / folder / "ct.nii.gz")
        for record in records:
            mask, affine = job.lesion_mask(record)
            mask_rel = f"{folder}/mask_{_safe(record.lesion_id)}.nii.gz"
            write_nifti(job.output / mask_rel, mask, affine)
            rows.append(
                {
                    "sample_id": record.sample_id,
                    "patient_id": record.patient_id,
                    "exam_id": record.exam_id,
                    "lesion_id": record.lesion_id,
                    "tracer": record.tracer,
                    "split": record.split,
                    "pet": f"{folder}/pet.nii.gz",
                    "ct": f"{folder}/ct.nii.gz",
                    "mask": mask_rel,
                    "reference": record.reference,
                    "struct": render_structured(record.fields),
                }
            )
    with open(job.output / f"{STEM}.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["sample_id"])
        writer.writeheader()
        writer.writerows(rows)


def _safe(text: str) -> str:
    from petar_bench.datasets.importers._exam import safe_name

    return safe_name(text)
