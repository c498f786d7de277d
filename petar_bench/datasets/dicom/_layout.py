"""The `dicom` import layout and the DICOM exporter.

Source layout (`petar-bench data import SRC --layout dicom`)::

    SRC/dicom_findings.csv   one row per lesion (or .tsv, .parquet, .jsonl)
    SRC/<exam>/...           the exam's DICOM files in any folder structure: one PET series,
                             one CT series, and the lesion masks as a DICOM SEG (one segment
                             per lesion), an RTSTRUCT (one ROI per lesion) or NIfTI files in
                             <exam>/masks/<lesion>.nii.gz

The table is read like the other layouts' tables (`importers.tables`: same default column
names, same ``--map FIELD=COLUMN``). Required: ``exam_id`` (the exam folder's name),
``lesion_id`` (segment label, ROI name or mask file name) and ``reference``. Optional:
``patient_id`` (default: the PET's PatientID), ``tracer`` (default: from the
radiopharmaceutical), ``split``, ``sample_id``, ``struct`` and the structured fields. Layout
settings: ``findings=FILE`` (another table), ``suv_scale=F`` (PET not in Bq/mL: the factor
from rescaled values to SUV) and ``weight_kg=W`` (replaces PatientWeight for every exam).

Volumes are read in the import workers through the readers below (`read_pet`, `read_ct`,
`read_mask`); each caches the exams it read in the process, so the PET, CT and masks of an
exam are read once however many lesions it has.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.datasets.dicom._exam import exam_ct, exam_masks, exam_pet, exam_pet_grid
from petar_bench.datasets.dicom._masks import find_mask_sources, safe_id
from petar_bench.datasets.dicom._series import group_series, has_preamble, pick_series, scan_folder
from petar_bench.errors import UserError

NAME = "dicom"
FINDINGS_STEM = "dicom_findings"
READER = "petar_bench.datasets.dicom"
REQUIRED = ("exam_id", "lesion_id", "reference")


# --------------------------------------------------------------------------- detect / scan


def _exam_dirs(src: Path) -> list[Path]:
    return sorted(p for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))


def _has_dicom(folder: Path, limit: int = 50) -> bool:
    for n, path in enumerate(p for p in folder.rglob("*") if p.is_file()):
        if n >= limit:
            return False
        if has_preamble(path):
            return True
    return False


def _default_table(src: Path) -> Path | None:
    from petar_bench.datasets.importers._tables import SUFFIXES

    found = (src / f"{FINDINGS_STEM}{suffix}" for suffix in SUFFIXES)
    return next((p for p in found if p.is_file()), None)


def detect(src: Path) -> bool:
    """A folder with a dicom_findings table and exam folders holding DICOM files."""
    if not src.is_dir() or _default_table(src) is None:
        return False
    return any(_has_dicom(d) for d in _exam_dirs(src)[:3])


def findings_table(src: Path, settings: Any) -> Path:
    given = (settings or {}).get("findings")
    if given:
        path = Path(given) if Path(given).is_absolute() else src / given
        if not path.is_file():
            raise UserError(f"findings table {str(path)!r} does not exist")
        return path
    path = _default_table(src)
    if path is None:
        raise UserError(
            f"{src}: no {FINDINGS_STEM}.csv (or .tsv, .parquet, .jsonl); the dicom layout "
            "needs one row per lesion (exam_id, lesion_id, reference), or --setting "
            "findings=FILE"
        )
    return path


def _mapping(path: Path, options: Any) -> dict[str, str]:
    from petar_bench.datasets.importers._tables import table_mapping

    return table_mapping(path, options, REQUIRED, "findings table")


def _rows_by_exam(path: Path, columns: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(origin, row) with the rows of one exam together, in table order otherwise."""
    from petar_bench.datasets.importers._tables import iter_rows

    by_exam: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for number, row in enumerate(iter_rows(path), start=2):  # line 1 is a CSV's header
        exam = _text(row, columns, "exam_id") or ""
        by_exam.setdefault(exam, []).append((f"{path.name} row {number}", row))
    for rows in by_exam.values():
        yield from rows


def _text(row: dict[str, Any], columns: dict[str, str], name: str) -> str | None:
    from petar_bench.datasets.importers._tables import text_of

    return text_of(row.get(columns[name])) if name in columns else None


@dataclass
class _ExamInfo:
    """What scanning learns from one exam's headers (no pixel data read)."""

    patient_id: str
    tracer: str | None
    lesions: set[str]
    problem: str | None = None


def _exam_info(folder: Path) -> _ExamInfo:
    from petar_bench.datasets.dicom._convert import tracer_name

    try:
        files = scan_folder(folder)
        groups = group_series(files)
        pet = pick_series(groups, "PT", folder)
        lesions = _mask_names(find_mask_sources(files, folder))
    except UserError as exc:
        return _ExamInfo("", None, set(), str(exc))
    header = pet.headers[0]
    return _ExamInfo(str(getattr(header, "PatientID", "") or ""), tracer_name(header), lesions)


def _mask_names(sources: dict[str, list[Path]]) -> set[str]:
    from petar_bench.datasets.dicom._series import _pydicom

    names = {safe_id(p.name.split(".nii")[0]) for p in sources["nifti"]}
    pydicom = _pydicom()
    for path in sources["seg"]:
        ds = pydicom.dcmread(str(path), stop_before_pixels=True)
        names |= {safe_id(str(s.SegmentLabel)) for s in ds.SegmentSequence}
    for path in sources["rtstruct"]:
        ds = pydicom.dcmread(str(path))
        names |= {safe_id(str(r.ROIName)) for r in ds.StructureSetROISequence}
    return names


def _fields(row: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    """Structured fields: parsed from `struct`, then the field columns (numbers converted)."""
    from petar_bench.datasets.importers._tables import STRUCT_FIELDS
    from petar_bench.datasets.importers._texts import parse_struct

    struct = _text(row, columns, "struct")
    fields: dict[str, Any] = parse_struct(struct) if struct else {}
    for name in STRUCT_FIELDS:
        value = _text(row, columns, name)
        if value is None:
            continue
        try:
            converted: Any = value
            if name in ("suv_max", "size_mm"):
                converted = float(value)
            elif name == "slice":
                converted = int(float(value))
        except ValueError:
            continue
        fields[name] = converted
    return fields


def _reader_options(settings: Any) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key in ("suv_scale", "weight_kg"):
        if (settings or {}).get(key) not in (None, ""):
            try:
                options[key] = float(settings[key])
            except ValueError:
                raise UserError(f"setting {key}={settings[key]!r} is not a number") from None
    return options


def scan(src: Path, options: Any) -> Iterator[Any]:
    """One LesionSource per row of the findings table, grouped by exam; Skips name the row."""
    from petar_bench.datasets.importers._source import LesionSource, Skip, VolumeSource
    from petar_bench.volumes._checks import decode_text

    table = findings_table(src, options.settings)
    columns = _mapping(table, options)
    pet_options = _reader_options(options.settings)
    infos: dict[str, _ExamInfo] = {}
    for origin, row in _rows_by_exam(table, columns):
        exam, name = _text(row, columns, "exam_id"), _text(row, columns, "lesion_id")
        if exam is None or name is None:
            yield Skip(origin, f"{origin}: needs an exam_id and a lesion_id", "missing-id")
            continue
        lesion = safe_id(name)
        folder = src / exam
        where = f"{origin} (exam {exam!r}, lesion {lesion!r})"
        if not folder.is_dir():
            yield Skip(where, f"{where}: exam folder {exam!r} not found", "missing-file")
            continue
        info = infos.get(exam) or infos.setdefault(exam, _exam_info(folder))
        if info.problem:
            yield Skip(where, f"{where}: {info.problem}", "unreadable")
            continue
        if lesion not in info.lesions:
            known = ", ".join(sorted(info.lesions)) or "none"
            yield Skip(where, f"{where}: no mask named {lesion!r} (masks: {known})", "missing-file")
            continue
        raw = row.get(columns["reference"])
        reference, problem = decode_text(None if raw is None else str(raw), "reference", where)
        if problem:
            yield Skip(where, problem.message, problem.code)
            continue
        # --tracer is for sources that do not record it: the PET header comes first.
        tracer = _text(row, columns, "tracer") or info.tracer or options.tracer or "unknown"
        yield LesionSource(
            patient_id=_text(row, columns, "patient_id") or info.patient_id or exam,
            exam_id=exam,
            lesion_id=lesion,
            sample_id=_text(row, columns, "sample_id"),
            tracer=tracer,
            reference=reference,
            fields=_fields(row, columns),
            split=_text(row, columns, "split"),
            pet=VolumeSource(folder, f"{READER}:read_pet", pet_options),
            ct=VolumeSource(folder, f"{READER}:read_ct"),
            mask=VolumeSource(folder, f"{READER}:read_mask", {"lesion": lesion}),
            origin=where,
        )


def describe(src: Path, options: Any) -> list[str]:
    table = findings_table(src, options.settings)
    columns = _mapping(table, options)
    lines = [f"{len(_exam_dirs(src))} exam folder(s); findings table: {table}"]
    lines.append("column mapping (FIELD <- column):")
    lines += [f"  {name} <- {column}" for name, column in columns.items()]
    return lines


# --------------------------------------------------------------------------- readers

_MASK_NOTES = {
    "seg": "DICOM SEG segment, nearest neighbour onto the PET grid",
    "rtstruct": "RTSTRUCT ROI rasterised onto the PET grid",
    "nifti": "NIfTI mask, nearest neighbour onto the PET grid",
}


def read_pet(path: Path, *, suv_scale: float | None = None, weight_kg: float | None = None) -> Any:
    """Volume reader for the import engine: the exam's PET in SUVbw."""
    from petar_bench.datasets.importers._source import LoadedVolume

    pet = exam_pet(path, suv_scale=suv_scale, weight_kg=weight_kg)
    return LoadedVolume(
        data=pet.suv, affine=pet.series.affine, notes=(f"DICOM PET series; {pet.note}",)
    )


def read_ct(path: Path) -> Any:
    """Volume reader for the import engine: the exam's CT in HU on its own grid."""
    from petar_bench.datasets.importers._source import LoadedVolume

    ct = exam_ct(path)
    return LoadedVolume(data=ct.data, affine=ct.affine, notes=("DICOM CT series, HU",))


def read_mask(path: Path, *, lesion: str) -> Any:
    """Volume reader for the import engine: one lesion's mask on the PET grid (uint8)."""
    from petar_bench.datasets.importers._source import LoadedVolume

    masks, kind = exam_masks(path)
    if lesion not in masks:
        raise UserError(f"{path}: no lesion mask named {lesion!r}")
    affine = exam_pet_grid(path)
    note = f"{_MASK_NOTES[kind]} ({lesion!r})"
    return LoadedVolume(data=masks[lesion].astype(np.uint8), affine=affine, notes=(note,))


# --------------------------------------------------------------------------- export


def export(job: Any, *, mask_format: str = "seg") -> None:
    """The export layout protocol (`importers.export.ExportJob`): each exam as DICOM under
    ``<exam>/`` (PT/, CT/ on its own grid, SEG/ or RTSTRUCT/ or masks/) and
    ``dicom_findings.csv``, the input `scan` reads back. The CT goes to `job.ct_spacing_mm`,
    or to the default 1.5 x 1.5 x 3 mm: a DICOM CT always gets a finer grid of its own."""
    from petar_bench.datasets.dicom._export import DEFAULT_CT_SPACING, export_exam
    from petar_bench.findings import render_structured

    rows = []
    for exam_id, records in job.exams():
        folder = safe_id(exam_id)
        pet, affine = job.load(records[0].pet_path)
        ct, ct_affine = job.load(records[0].ct_path)
        masks = {}
        for record in records:
            mask, mask_affine = job.lesion_mask(record)
            if mask.shape != pet.shape or not np.allclose(mask_affine, affine, atol=1e-3):
                raise UserError(f"lesion {record.sample_id!r}: mask is not on the PET grid")
            masks[safe_id(record.lesion_id)] = mask > 0
        export_exam(
            job.output / folder,
            pet_suv=np.asarray(pet, dtype=np.float32),
            ct_hu=ct,
            ct_affine=ct_affine,
            affine=affine,
            masks=masks,
            tracer=records[0].tracer,
            patient_id=records[0].patient_id,
            exam_id=exam_id,
            mask_format=mask_format,
            ct_spacing=job.ct_spacing_mm or DEFAULT_CT_SPACING,
        )
        for record in records:
            rows.append(
                {
                    "exam_id": folder,
                    "lesion_id": safe_id(record.lesion_id),
                    "sample_id": record.sample_id,
                    "patient_id": record.patient_id,
                    "tracer": record.tracer,
                    "split": record.split,
                    "reference": record.reference,
                    "struct": render_structured(record.fields),
                }
            )
    _write_csv(job.output / f"{FINDINGS_STEM}.csv", rows)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    import io

    from petar_bench.fileio import atomic_write_text

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["exam_id"])
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())
