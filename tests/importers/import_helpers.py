"""Helpers for the importer tests: tiny hand-made exams in the release's folder layout."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np

PET_AFFINE = np.diag([4.0, 4.0, 4.0, 1.0])
CT_SPACING = (1.5, 1.5, 4.0)  # a CT on a finer grid of its own, as scanners store it


def save(path: Path, data: np.ndarray, affine: np.ndarray = PET_AFFINE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(data, affine), str(path))
    return path


def small_exam(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PET (SUV), CT (HU) and a one-lesion mask on a 20 x 20 x 24 grid at 4 mm."""
    rng = np.random.default_rng(seed)
    shape = (20, 20, 24)
    body = np.zeros(shape, bool)
    body[4:16, 4:16, :] = True
    pet = np.where(body, 1.0 + 0.1 * rng.standard_normal(shape), 0.0).astype(np.float32)
    pet[9:12, 9:12, 10:13] = 4.0
    pet[10, 10, 11] = 6.5
    ct = np.where(body, 40 + 10 * rng.standard_normal(shape), -1000).astype(np.int16)
    mask = np.zeros(shape, np.uint8)
    mask[9:12, 9:12, 10:13] = 1
    return pet, ct, mask


def lesion_folder(
    src: Path,
    name: str = "p000001_01_1",
    *,
    pet: np.ndarray | None = None,
    ct: np.ndarray | None = None,
    mask: np.ndarray | None = None,
    text: bytes | str = "Focal uptake, SUV max 6.5, PET/CT axial slice 13.",
    split: str | None = None,
) -> Path:
    """One lesion folder of the release layout (slice 13 = 1-based from the head end)."""
    base_pet, base_ct, base_mask = small_exam()
    folder = (src / split / name) if split else src / name
    save(folder / "pet.nii.gz", base_pet if pet is None else pet)
    save(folder / "ct.nii.gz", base_ct if ct is None else ct)
    save(folder / "mask.nii.gz", base_mask if mask is None else mask)
    raw = text.encode("utf-8") if isinstance(text, str) else text
    (folder / "text.txt").write_bytes(raw)
    (folder / "tracer.txt").write_text("FDG\n", encoding="utf-8")
    return folder
