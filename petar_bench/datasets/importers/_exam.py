"""One exam through the importer (runs in a worker process): read, check, store, measure.

The outcome is plain JSON (it is journaled, so a re-run reuses it): the volumes written (role,
grid, notes, checksum) and, per lesion, its record fields, its problems and the measurements
the consistency report compares with the finding's stated SUVmax and slice.

Volumes are stored content-addressed inside the exam's folder (``volumes/<exam>/pet-<hash>``):
identical PETs of several lesion folders are kept once, a re-run finds its files already
there, and a NIfTI that needs no change is hard-linked (or copied) byte for byte, so its
checksum is the source's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench._hashing import sha256_file, sha256_json
from petar_bench.datasets.importers._source import (
    NIFTI_READER,
    LesionSource,
    LoadedVolume,
    VolumeSource,
    read_volume,
)
from petar_bench.datasets.importers._texts import stated_numbers
from petar_bench.errors import UserError
from petar_bench.grid import VolumeGrid, grid_of
from petar_bench.volumes import _checks as checks
from petar_bench.volumes._checks import Problem

ENGINE_VERSION = "1"
STATE_DIR = ".import"
# Slice numbering conventions the consistency report tries: (first index, counted from).
CONVENTIONS: dict[str, tuple[int, str]] = {
    "1-based, counted from the head end": (1, "head"),
    "0-based, counted from the head end": (0, "head"),
    "1-based, counted from the feet end": (1, "feet"),
    "0-based, counted from the feet end": (0, "feet"),
}


@dataclass(frozen=True)
class ExamTask:
    exam_id: str
    lesions: tuple[LesionSource, ...]
    output: Path


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "x"


def task_key(task: ExamTask) -> str:
    """Changes when anything that shapes the outcome changes (sources, their files, engine)."""
    parts: list[Any] = [ENGINE_VERSION]
    for lesion in task.lesions:
        parts.append(repr(lesion))
        for source in (lesion.pet, lesion.ct, lesion.mask):
            try:
                stat = source.path.stat()
                parts.append([str(source.path), stat.st_size, stat.st_mtime_ns])
            except OSError:
                parts.append([str(source.path), None])
    return sha256_json(parts)[:32]


def journal_path(task: ExamTask) -> Path:
    return task.output / STATE_DIR / "exams" / f"{task_key(task)}.json"


def process_exam(task: ExamTask) -> dict[str, Any]:
    """The outcome of one exam, reused from the journal when this exact task ran before."""
    journal = journal_path(task)
    if journal.is_file():
        try:
            outcome = json.loads(journal.read_text(encoding="utf-8"))
            if all((task.output / rel).is_file() for rel in outcome["volumes"]):
                outcome["resumed"] = True
                return outcome
        except (OSError, ValueError, KeyError):
            pass  # a damaged journal entry is a miss
    outcome = _ExamWork(task).run()
    _atomic_write_bytes(journal, json.dumps(outcome).encode("utf-8"))
    outcome["resumed"] = False
    return outcome


class _ExamWork:
    def __init__(self, task: ExamTask) -> None:
        self.task = task
        self.folder = f"volumes/{safe_name(task.exam_id)}"
        self.volumes: dict[str, dict[str, Any]] = {}
        self._loaded: dict[str, tuple[LoadedVolume, str, list[Problem]]] = {}
        self._masks: dict[str, tuple[np.ndarray, str, list[Problem]]] = {}

    def run(self) -> dict[str, Any]:
        lesions = [self._lesion(lesion) for lesion in self.task.lesions]
        return {"exam_id": self.task.exam_id, "volumes": self.volumes, "lesions": lesions}

    def _volume(self, lesion: LesionSource, role: str) -> tuple[LoadedVolume, str, list[Problem]]:
        """Read, check and store the PET or CT of a lesion (once per distinct source)."""
        source = lesion.pet if role == "pet" else lesion.ct
        key = _content_key(source)
        if key in self._loaded:
            return self._loaded[key]
        label = f"{lesion.origin}: {role.upper()} {source.path.name}"
        loaded = read_volume(source)
        if role == "pet":
            problems = checks.pet_problems(loaded.data, label)
        else:
            problems = checks.ct_problems(loaded.data, label)
        failed = any(p.severity == "error" for p in problems)
        rel = "" if failed else self._store(loaded, role, role, list(loaded.notes))
        self._loaded[key] = (loaded, rel, problems)
        return self._loaded[key]

    def _lesion(self, lesion: LesionSource) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": lesion.id, "origin": lesion.origin, "split": lesion.split}
        try:
            problems, record, measure = self._lesion_checked(lesion)
        except UserError as exc:
            problems, record, measure = [Problem("error", "unreadable", str(exc))], None, None
        entry["problems"] = [p.__dict__ for p in problems]
        entry["record"] = record
        entry["measure"] = measure
        return entry

    def _lesion_checked(
        self, lesion: LesionSource
    ) -> tuple[list[Problem], dict[str, Any] | None, dict[str, Any] | None]:
        pet, pet_rel, problems = self._volume(lesion, "pet")
        problems = list(problems)
        pet_grid = grid_of(pet.data, pet.affine)
        ct, ct_rel, ct_problems = self._volume(lesion, "ct")
        problems += ct_problems
        overlap = checks.overlap_problem(pet_grid, grid_of(ct.data, ct.affine), "ct", lesion.origin)
        problems += [overlap] if overlap else []
        if any(p.severity == "error" for p in problems):
            return problems, None, None
        mask_data, mask_rel, mask_problems = self._mask(lesion, pet_grid)
        problems += mask_problems
        if any(p.severity == "error" for p in problems):
            return problems, None, None
        record = {
            "sample_id": lesion.id,
            "patient_id": lesion.patient_id,
            "exam_id": lesion.exam_id,
            "lesion_id": lesion.lesion_id,
            "tracer": lesion.tracer,
            "pet_path": pet_rel,
            "ct_path": ct_rel,
            "mask_path": mask_rel,
            "mask_label": lesion.mask_label,
            "reference": lesion.reference,
            "fields": dict(lesion.fields),
        }
        selected = mask_data > 0 if lesion.mask_label is None else mask_data == lesion.mask_label
        measure = measure_lesion(pet.data, selected, pet.affine, lesion)
        return problems, record, measure

    def _mask(self, lesion: LesionSource, pet_grid: VolumeGrid) -> tuple[np.ndarray, str, list]:
        """The lesion's mask on the PET grid, stored; a label map is read and placed once."""
        key = lesion.mask.key()
        if key not in self._masks:
            self._masks = {key: self._mask_on_pet_grid(lesion, pet_grid)}
        data, rel, problems = self._masks[key]
        if problems or not rel:
            return data, "", problems
        where = f"{lesion.origin}: mask {lesion.mask.path.name}"
        return data, rel, checks.mask_problems(data, where, label=lesion.mask_label)

    def _mask_on_pet_grid(
        self, lesion: LesionSource, pet_grid: VolumeGrid
    ) -> tuple[np.ndarray, str, list[Problem]]:
        loaded = read_volume(lesion.mask)
        where = f"{lesion.origin}: mask {lesion.mask.path.name}"
        problems = checks.mask_problems(
            loaded.data, where, label=None, require_binary=lesion.require_binary_mask
        )
        if problems:
            return loaded.data, "", problems
        grid = grid_of(loaded.data, loaded.affine)
        notes = list(loaded.notes)
        if not grid.same_as(pet_grid):
            overlap = checks.overlap_problem(pet_grid, grid, "mask", lesion.origin)
            if overlap:
                return loaded.data, "", [overlap]
            from petar_bench.volumes._resample import resample_onto

            data = resample_onto(
                loaded.data, loaded.affine, pet_grid.shape, pet_grid.matrix(), order=0, cval=0
            )
            notes.append(
                f"resampled from {grid.describe()} to the PET grid {pet_grid.describe()} "
                "(nearest neighbour)"
            )
            loaded = LoadedVolume(data=data, affine=pet_grid.matrix(), notes=tuple(notes))
        stem = f"mask-{safe_name(lesion.lesion_id)}" if lesion.mask_label is None else "labels"
        return loaded.data, self._store(loaded, "mask", stem, notes), []

    def _store(self, loaded: LoadedVolume, role: str, stem: str, notes: list[str]) -> str:
        """Write (or link) a volume under its content address; returns the relative path."""
        out = self.task.output
        source = loaded.source_file
        if source is not None and not notes and source.name.endswith((".nii.gz", ".nii")):
            digest = sha256_file(source)
            suffix = ".nii.gz" if source.name.endswith(".nii.gz") else ".nii"
            rel = f"{self.folder}/{stem}-{digest[:12]}{suffix}"
            if not (out / rel).is_file():
                _link_or_copy(source, out / rel)
        else:
            payload = _nifti_bytes(loaded.data, loaded.affine)
            digest = hashlib.sha256(payload).hexdigest()
            rel = f"{self.folder}/{stem}-{digest[:12]}.nii.gz"
            if not (out / rel).is_file():
                _atomic_write_bytes(out / rel, payload)
        self.volumes[rel] = {
            "role": role,
            "grid": grid_of(loaded.data, loaded.affine).model_dump(mode="json"),
            "notes": notes,
            "sha256": digest,
        }
        return rel


def _content_key(source: VolumeSource) -> str:
    """Lesion folders of one exam each hold a copy of its PET and CT: identical files are
    read once (a hash costs far less than decompressing and checking a volume)."""
    if source.reader == NIFTI_READER and source.path.is_file():
        return f"{NIFTI_READER}|{sha256_file(source.path)}"
    return source.key()


def measure_lesion(
    pet: np.ndarray, mask: np.ndarray, affine: np.ndarray, lesion: LesionSource
) -> dict[str, Any]:
    """What the consistency report needs: stated and measured SUVmax, the PET maximum under
    the mask on the stated slice under each numbering convention, and under flipped masks."""
    values = np.asarray(pet)  # indexed under masks only: no whole-volume float copy
    stated_suv, stated_slice = stated_numbers(lesion.reference, dict(lesion.fields))
    ks = np.nonzero(mask.any(axis=(0, 1)))[0]
    nz = mask.shape[2]
    head_at_high_k = affine[2, 2] >= 0
    on_slice: dict[str, float | None] = {}
    if stated_slice is not None:
        for name, (base, end) in CONVENTIONS.items():
            index = stated_slice - base
            from_low = (end == "feet") == head_at_high_k
            k = index if from_low else nz - 1 - index
            inside = 0 <= k < nz and bool(mask[:, :, k].any())
            on_slice[name] = float(values[:, :, k][mask[:, :, k]].max()) if inside else None
    flipped = {
        axis: float(values[np.flip(mask, axis=i)].max()) if np.flip(mask, axis=i).any() else None
        for i, axis in enumerate("xyz")
    }
    return {
        "tracer": lesion.tracer,
        "stated_suv": stated_suv,
        "stated_slice": stated_slice,
        "measured_suv": float(values[mask].max()),
        "mask_slices": [int(ks.min()), int(ks.max())],
        "on_stated_slice": on_slice,
        "flipped_suv": flipped,
    }


def _nifti_bytes(data: np.ndarray, affine: np.ndarray) -> bytes:
    from petar_bench.datasets._imaging import nifti_gz_bytes

    array = np.asarray(data)
    if array.dtype.kind == "b":
        array = array.astype(np.uint8)
    return nifti_gz_bytes(array, affine, description="petar-bench import")


def _atomic_write_bytes(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link when source and output share a file system, else a copy; atomic either way."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
