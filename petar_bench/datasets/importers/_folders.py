"""The `folders` layout: one folder per lesion, as in the PETAR release.

A folder named ``p{patient:06d}_{exam:02d}_{lesion}`` holds ``pet.nii.gz`` (SUV),
``ct.nii.gz`` (HU, on its own grid or the PET's), ``mask.nii.gz`` (binary, on the PET or the
CT grid), ``text.txt`` (the raw report sentence: the reference) and optionally
``struct.txt`` (the structured finding, kept as fields) and ``tracer.txt``. Folders may sit
directly in SRC or in ``SRC/train``, ``SRC/val``, ``SRC/test`` (then that is their split). A
folder with another name is its own patient and exam.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from petar_bench.datasets.importers._source import LesionSource, ScanOptions, Skip, VolumeSource
from petar_bench.datasets.importers._texts import parse_struct, read_text
from petar_bench.records import SPLITS

if TYPE_CHECKING:
    from petar_bench.datasets.importers._export import ExportJob

NAME = "folders"
FILES = {"pet": "pet.nii.gz", "ct": "ct.nii.gz", "mask": "mask.nii.gz"}
FOLDER_NAME = re.compile(r"^p(\d+)_(\d+)_(.+)$")


def _lesion_dirs(src: Path) -> Iterator[tuple[Path, str | None]]:
    split_dirs = [src / s for s in SPLITS if (src / s).is_dir()]
    roots: list[tuple[Path, str | None]] = [(d, d.name) for d in split_dirs] or [(src, None)]
    for root, split in roots:
        for child in sorted(root.iterdir(), key=_natural_key):
            if child.is_dir() and not child.name.startswith("."):
                yield child, split


def _natural_key(path: Path) -> tuple:
    match = FOLDER_NAME.match(path.name)
    if match:
        return (0, int(match.group(1)), int(match.group(2)), _lesion_order(match.group(3)))
    return (1, path.name, 0, ("",))


def _lesion_order(text: str) -> tuple:
    return (int(text),) if text.isdigit() else (10**9, text)


def detect(src: Path) -> bool:
    if not src.is_dir():
        return False
    return any((d / FILES["pet"]).is_file() for d, _ in _lesion_dirs(src))


def _ids(folder: Path) -> tuple[str, str, str]:
    match = FOLDER_NAME.match(folder.name)
    if not match:
        return folder.name, folder.name, "1"
    patient = f"p{int(match.group(1)):06d}"
    return patient, f"{patient}_{int(match.group(2)):02d}", match.group(3)


def scan(src: Path, options: ScanOptions) -> Iterator[LesionSource | Skip]:
    for folder, split in _lesion_dirs(src):
        origin = f"lesion folder {folder.name!r}"
        missing = [name for name in FILES.values() if not (folder / name).is_file()]
        if missing:
            yield Skip(origin, f"{origin}: missing {', '.join(missing)}", "missing-file")
            continue
        reference, problem = read_text(folder / "text.txt", "reference", origin)
        if problem:
            yield Skip(origin, problem.message, problem.code)
            continue
        fields: dict = {}
        if (folder / "struct.txt").is_file():
            struct, problem = read_text(folder / "struct.txt", "struct", origin)
            if problem:
                yield Skip(origin, problem.message, problem.code)
                continue
            fields = parse_struct(struct)
        tracer = options.tracer or "unknown"
        if (folder / "tracer.txt").is_file():
            text, problem = read_text(folder / "tracer.txt", "tracer", origin)
            tracer = text if not problem else tracer
        patient, exam, lesion = _ids(folder)
        yield LesionSource(
            patient_id=patient,
            exam_id=exam,
            lesion_id=lesion,
            sample_id=folder.name,
            tracer=tracer,
            reference=reference,
            fields=fields,
            split=split,
            pet=VolumeSource(folder / FILES["pet"]),
            ct=VolumeSource(folder / FILES["ct"]),
            mask=VolumeSource(folder / FILES["mask"]),
            origin=origin,
            require_binary_mask=True,
        )


def describe(src: Path, options: ScanOptions) -> list[str]:
    dirs = list(_lesion_dirs(src))
    lines = [f"{len(dirs)} lesion folder(s) in {src}"]
    lines += [f"  {d.name}" + (f" (split {s})" if s else "") for d, s in dirs[:5]]
    return lines


def export(job: ExportJob) -> None:
    """One folder per lesion, ``<split>/p{patient:06d}_{exam:02d}_{lesion}``."""
    from petar_bench.datasets.importers._export import copy_file, numeric_id, write_nifti
    from petar_bench.findings import render_structured

    patients = {
        p: numeric_id(p, i) for i, p in enumerate(sorted({r.patient_id for r in job.records}), 1)
    }
    if len(set(patients.values())) < len(patients):
        patients = {p: i for i, p in enumerate(sorted(patients), 1)}
    exams_seen: dict[str, int] = {}
    for _exam_id, records in job.exams():
        patient = records[0].patient_id
        exams_seen[patient] = number = exams_seen.get(patient, 0) + 1
        for index, record in enumerate(records, 1):
            folder = job.output / record.split / f"p{patients[patient]:06d}_{number:02d}_{index}"
            copy_file(job.root / record.pet_path, folder / FILES["pet"])
            job.write_ct(record, folder / FILES["ct"])
            mask, affine = job.lesion_mask(record)
            write_nifti(folder / FILES["mask"], mask, affine)
            (folder / "text.txt").write_text(record.reference + "\n", encoding="utf-8")
            (folder / "struct.txt").write_text(
                render_structured(record.fields) + "\n", encoding="utf-8"
            )
            (folder / "tracer.txt").write_text(record.tracer + "\n", encoding="utf-8")
