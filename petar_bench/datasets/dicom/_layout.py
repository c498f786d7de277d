"""The `dicom` import layout and the DICOM exporter for whole datasets.

Source layout (`petar-bench data import SRC --layout dicom`)::

    SRC/findings.csv  (or findings.jsonl)   one row per lesion
    SRC/<exam>/...    the exam's DICOM files in any folder structure: one PET series, one
                      CT series, and the lesion masks as a DICOM SEG (one segment per
                      lesion), an RTSTRUCT (one ROI per lesion) or NIfTI files in
                      <exam>/masks/<lesion>.nii.gz

Columns of the findings table: ``exam`` (the exam folder's name), ``lesion`` (the segment
label, ROI name or mask file name), ``reference`` (the finding text); optional ``patient``
(default: the PET's PatientID), ``tracer`` (default: read from the radiopharmaceutical),
``split``, ``sample_id``, the structured fields ``region organ sub_site laterality suv_max
slice size_mm findings``, and ``struct`` (a labelled-lines structured finding). ``--map
FIELD=COLUMN`` renames any of them. Layout settings: ``findings=FILE`` (another table),
``suv_scale=F`` (PET not in Bq/mL: the factor from rescaled values to SUV) and
``weight_kg=W`` (replaces PatientWeight for every exam).

Volumes are read in the import workers through the readers below (`read_pet`, `read_ct`,
`read_mask`); each caches the exams it read in the process, so the PET, CT and masks of an
exam are read once however many lesions it has.
"""

from __future__ import annotations

import csv
import json
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.datasets.dicom._masks import find_mask_sources, lesion_id, read_masks
from petar_bench.datasets.dicom._series import (
    SeriesVolume,
    group_series,
    has_preamble,
    pick_series,
    read_series,
    scan_folder,
)
from petar_bench.datasets.dicom._suv import SuvParameters, suv_parameters
from petar_bench.errors import UserError

NAME = "dicom"
FINDINGS_NAMES = ("findings.csv", "findings.jsonl")
READER = "petar_bench.datasets.dicom"
_FIELDS = ("region", "organ", "sub_site", "laterality", "suv_max", "slice", "size_mm", "findings")
_CACHED_EXAMS = 2


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


def detect(src: Path) -> bool:
    """A folder with a findings table and exam folders holding DICOM files."""
    if not src.is_dir() or not any((src / n).is_file() for n in FINDINGS_NAMES):
        return False
    return any(_has_dicom(d) for d in _exam_dirs(src)[:3])


def findings_table(src: Path, settings: Any) -> Path:
    given = (settings or {}).get("findings")
    if given:
        path = Path(given) if Path(given).is_absolute() else src / given
        if not path.is_file():
            raise UserError(f"findings table {str(path)!r} does not exist")
        return path
    for name in FINDINGS_NAMES:
        if (src / name).is_file():
            return src / name
    raise UserError(
        f"{src}: no findings table; the dicom layout needs {' or '.join(FINDINGS_NAMES)} "
        "(one row per lesion: exam, lesion, reference) or --setting findings=FILE"
    )


def read_rows(path: Path) -> list[tuple[str, dict[str, str]]]:
    """(origin, row) per lesion row of a CSV or JSONL table; a non-UTF-8 file is refused."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 (byte {exc.start})") from None
    if path.suffix.lower() == ".jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise UserError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise UserError(f"{path}:{number}: each line must be a JSON object")
                rows.append((f"{path.name} line {number}", row))
        return rows
    reader = csv.DictReader(text.splitlines())
    return [(f"{path.name} row {n}", dict(row)) for n, row in enumerate(reader, start=2)]


def _value(row: dict[str, Any], name: str, mapping: Any) -> Any:
    value = row.get((mapping or {}).get(name, name))
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


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

    names = {lesion_id(p.name.split(".nii")[0]) for p in sources["nifti"]}
    pydicom = _pydicom()
    for path in sources["seg"]:
        ds = pydicom.dcmread(str(path), stop_before_pixels=True)
        names |= {lesion_id(str(s.SegmentLabel)) for s in ds.SegmentSequence}
    for path in sources["rtstruct"]:
        ds = pydicom.dcmread(str(path))
        names |= {lesion_id(str(r.ROIName)) for r in ds.StructureSetROISequence}
    return names


def _fields(row: dict[str, Any], mapping: Any) -> dict[str, Any]:
    from petar_bench.datasets.importers.texts import parse_struct

    struct = _value(row, "struct", mapping)
    fields: dict[str, Any] = parse_struct(str(struct)) if struct else {}
    for name in _FIELDS:
        value = _value(row, name, mapping)
        if value is not None:
            fields[name] = value
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
    from petar_bench.datasets.importers.source import LesionSource, Skip, VolumeSource
    from petar_bench.volumes.checks import decode_text

    table = findings_table(src, options.settings)
    rows = read_rows(table)
    mapping = options.mapping
    order = {d.name: n for n, d in enumerate(_exam_dirs(src))}
    rows.sort(key=lambda item: order.get(str(_value(item[1], "exam", mapping)), 10**9))
    pet_options = _reader_options(options.settings)
    infos: dict[str, _ExamInfo] = {}
    for origin, row in rows:
        exam = _value(row, "exam", mapping)
        name = _value(row, "lesion", mapping)
        if exam is None or name is None:
            yield Skip(origin, f"{origin}: needs an exam and a lesion value", "missing-field")
            continue
        exam, lesion = str(exam), lesion_id(str(name))
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
        raw = row.get((mapping or {}).get("reference", "reference"))
        reference, problem = decode_text(None if raw is None else str(raw), "reference", where)
        if problem:
            yield Skip(where, problem.message, problem.code)
            continue
        tracer = _value(row, "tracer", mapping) or options.tracer or info.tracer or "unknown"
        yield LesionSource(
            patient_id=str(_value(row, "patient", mapping) or info.patient_id or exam),
            exam_id=exam,
            lesion_id=lesion,
            sample_id=_value(row, "sample_id", mapping),
            tracer=str(tracer),
            reference=reference,
            fields=_fields(row, mapping),
            split=_value(row, "split", mapping),
            pet=VolumeSource(folder, f"{READER}:read_pet", pet_options),
            ct=VolumeSource(folder, f"{READER}:read_ct"),
            mask=VolumeSource(folder, f"{READER}:read_mask", {"lesion": lesion}),
            origin=where,
        )


def describe(src: Path, options: Any) -> list[str]:
    table = findings_table(src, options.settings)
    rows = read_rows(table)
    exams = _exam_dirs(src)
    lines = [f"{len(exams)} exam folder(s) and {len(rows)} finding row(s) ({table.name}) in {src}"]
    mapping = options.mapping
    for origin, row in rows[:5]:
        exam, lesion = _value(row, "exam", mapping), _value(row, "lesion", mapping)
        lines.append(f"  {origin}: exam {exam!r}, lesion {lesion!r}")
    return lines


# --------------------------------------------------------------------------- readers


@dataclass
class _Exam:
    folder: Path
    files: list[tuple[Path, Any]]
    pet: SeriesVolume | None = None
    ct: SeriesVolume | None = None
    masks: dict[str, np.ndarray] | None = None
    mask_format: str = ""
    suv: dict[tuple[Any, ...], tuple[np.ndarray, str]] = field(default_factory=dict)


_EXAMS: OrderedDict[str, _Exam] = OrderedDict()


def _exam(folder: Path) -> _Exam:
    key = str(Path(folder).resolve())
    if key in _EXAMS:
        _EXAMS.move_to_end(key)
        return _EXAMS[key]
    exam = _Exam(Path(folder), scan_folder(Path(folder)))
    _EXAMS[key] = exam
    while len(_EXAMS) > _CACHED_EXAMS:
        _EXAMS.popitem(last=False)
    return exam


def _pet(exam: _Exam) -> SeriesVolume:
    if exam.pet is None:
        series = pick_series(group_series(exam.files), "PT", exam.folder)
        exam.pet = read_series(series, exam.folder)
    return exam.pet


def pet_suv(
    exam_dir: Path, *, suv_scale: float | None = None, weight_kg: float | None = None
) -> tuple[SeriesVolume, np.ndarray, str]:
    """The exam's PET series, its SUVbw array (float32) and a note saying how it was made."""
    exam = _exam(exam_dir)
    pet = _pet(exam)
    key = (suv_scale, weight_kg)
    if key not in exam.suv:
        where = f"{exam.folder}: PET series"
        if suv_scale is not None:
            if not suv_scale > 0:
                raise UserError(f"suv_scale must be positive, got {suv_scale!r}")
            factor, note = float(suv_scale), f"x{suv_scale:g} to SUV (the given suv_scale)"
        else:
            params = suv_parameters(pet.header, pet.acquisition_times, where, weight_kg=weight_kg)
            factor, note = params.factor, suv_note(params)
        exam.suv[key] = ((pet.data * factor).astype(np.float32), note)
    data, note = exam.suv[key]
    return pet, data, note


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


def read_pet(path: Path, *, suv_scale: float | None = None, weight_kg: float | None = None) -> Any:
    """Volume reader for the import engine: the exam's PET in SUVbw."""
    from petar_bench.datasets.importers.source import LoadedVolume

    pet, data, note = pet_suv(path, suv_scale=suv_scale, weight_kg=weight_kg)
    return LoadedVolume(data=data, affine=pet.affine, notes=(f"DICOM PET series; {note}",))


def read_ct(path: Path) -> Any:
    """Volume reader for the import engine: the exam's CT in HU on its own grid."""
    from petar_bench.datasets.importers.source import LoadedVolume

    exam = _exam(path)
    if exam.ct is None:
        groups = group_series(exam.files)
        frame = str(getattr(_first_pet_header(groups, exam.folder), "FrameOfReferenceUID", ""))
        exam.ct = read_series(
            pick_series(groups, "CT", exam.folder, frame_of_reference=frame), exam.folder
        )
    data = exam.ct.data
    rounded = np.rint(data)
    if np.array_equal(rounded, data) and data.min() >= -32768 and data.max() <= 32767:
        data = rounded.astype(np.int16)
    return LoadedVolume(data=data, affine=exam.ct.affine, notes=("DICOM CT series, HU",))


def _first_pet_header(groups: dict[str, Any], folder: Path) -> Any:
    return pick_series(groups, "PT", folder).headers[0]


def read_mask(path: Path, *, lesion: str) -> Any:
    """Volume reader for the import engine: one lesion's mask on the PET grid (uint8)."""
    from petar_bench.datasets.importers.source import LoadedVolume

    exam = _exam(path)
    pet = _pet(exam)
    if exam.masks is None:
        sources = find_mask_sources(exam.files, exam.folder)
        exam.masks, exam.mask_format = read_masks(sources, pet.data.shape, pet.affine, exam.folder)
    if lesion not in exam.masks:
        raise UserError(f"{exam.folder}: no lesion mask named {lesion!r}")
    how = {
        "seg": "DICOM SEG segment, nearest neighbour onto the PET grid",
        "rtstruct": "RTSTRUCT ROI rasterised onto the PET grid",
        "nifti": "NIfTI mask, nearest neighbour onto the PET grid",
    }[exam.mask_format]
    mask = exam.masks[lesion].astype(np.uint8)
    return LoadedVolume(data=mask, affine=pet.affine, notes=(f"{how} ({lesion!r})",))


# --------------------------------------------------------------------------- export


def export(
    dataset: str | Path,
    output: Path,
    *,
    patients: int | None = None,
    mask_format: str = "seg",
    ct_spacing: Sequence[float] | None = None,
    progress: Any = None,
) -> list[Any]:
    """Write a dataset's exams as DICOM under `output` with a findings table (the layout
    `scan` reads back). `patients` keeps the first N patients of the manifest."""
    from petar_bench.datasets.catalog import resolve_dataset
    from petar_bench.datasets.dicom._export import DEFAULT_CT_SPACING, export_exam
    from petar_bench.fileio import atomic_write_text

    handle = resolve_dataset(dataset)
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise UserError(f"{str(output)!r} is not empty; choose a new or empty directory")
    exams: OrderedDict[str, list[Any]] = OrderedDict()
    chosen_patients: list[str] = []
    for record in handle.manifest.records:
        if record.patient_id not in chosen_patients:
            if patients is not None and len(chosen_patients) >= patients:
                continue
            chosen_patients.append(record.patient_id)
        exams.setdefault(record.exam_id, []).append(record)
    written, rows = [], []
    for done, (exam_id, records) in enumerate(exams.items(), start=1):
        folder = lesion_id(exam_id)
        pet, ct, ct_affine, affine, masks = _exam_arrays(handle.root, records)
        written.append(
            export_exam(
                output / folder,
                pet_suv=pet,
                ct_hu=ct,
                ct_affine=ct_affine,
                affine=affine,
                masks=masks,
                tracer=records[0].tracer,
                patient_id=records[0].patient_id,
                exam_id=exam_id,
                mask_format=mask_format,
                ct_spacing=ct_spacing or DEFAULT_CT_SPACING,
            )
        )
        rows += [_finding_row(folder, r) for r in records]
        if progress is not None:
            progress(done, len(exams))
    atomic_write_text(
        output / "findings.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    )
    return written


def _exam_arrays(root: Path, records: list[Any]) -> tuple[Any, ...]:
    from petar_bench.volumes.lesion import load_nifti

    pet, affine, _ = load_nifti(root / records[0].pet_path)
    ct, ct_affine, _ = load_nifti(root / records[0].ct_path)
    masks = {}
    for record in records:
        data, mask_affine, _ = load_nifti(root / record.mask_path)
        if data.shape != pet.shape or not np.allclose(mask_affine, affine, atol=1e-3):
            raise UserError(f"lesion {record.sample_id!r}: mask is not on the PET grid")
        wanted = record.mask_label
        masks[lesion_id(record.lesion_id)] = data > 0 if wanted is None else data == wanted
    return np.asarray(pet, dtype=np.float32), np.asarray(ct), ct_affine, affine, masks


def _finding_row(folder: str, record: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "exam": folder,
        "lesion": lesion_id(record.lesion_id),
        "sample_id": record.sample_id,
        "patient": record.patient_id,
        "tracer": record.tracer,
        "split": record.split,
        "reference": record.reference,
    }
    fields = record.fields.model_dump(exclude_none=True)
    row.update({k: v for k, v in fields.items() if k in _FIELDS})
    return row
