"""Synthetic whole-body PET/CT phantoms for the petar-release profile tests and benchmark.

A body cylinder with a brain at the top (z toward the head), air PET exactly 0 except for a
sparse sprinkle of positive noise (the release's foreground crop keeps it), lesions as
spheres. Everything is defined in world millimetres so any affine (other voxel sizes, flipped
or oblique axes) gives the same anatomy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Lesion:
    centre: tuple[float, float, float]  # fraction of the field of view per voxel axis
    radius_mm: float
    suv: float


@dataclass(frozen=True)
class ExamSpec:
    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]
    head: str = "pet"  # "pet": brain > 5 SUV; "ct": skull > 1000 HU only; "none"
    head_gap_mm: float = 30.0  # air above the head
    flip_x: bool = False
    rotate_deg: float = 0.0  # about z: an oblique affine
    lesions: tuple[Lesion, ...] = field(default_factory=tuple)
    seed: int = 0


def exam_affine(spec: ExamSpec) -> np.ndarray:
    sx, sy, sz = spec.spacing
    theta = np.deg2rad(spec.rotate_deg)
    rot = np.array(
        [[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]]
    )
    scale = np.diag([-sx if spec.flip_x else sx, sy, sz])
    affine = np.eye(4)
    affine[:3, :3] = rot @ scale
    centre = (np.array(spec.shape) - 1) / 2.0
    affine[:3, 3] = np.array([13.7, -21.3, 402.9]) - affine[:3, :3] @ centre
    return affine


def _world(spec: ExamSpec, affine: np.ndarray) -> list[np.ndarray]:
    i, j, k = (np.arange(n, dtype=np.float64) for n in spec.shape)
    i, j, k = i[:, None, None], j[None, :, None], k[None, None, :]
    return [affine[a, 0] * i + affine[a, 1] * j + affine[a, 2] * k + affine[a, 3] for a in range(3)]


def make_exam(spec: ExamSpec) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], np.ndarray]:
    """(pet SUV float32, ct HU float32, one bool mask per lesion, affine)."""
    rng = np.random.default_rng(spec.seed)
    affine = exam_affine(spec)
    x, y, z = _world(spec, affine)
    c = affine[:3, :3] @ ((np.array(spec.shape) - 1) / 2.0) + affine[:3, 3]
    half = np.abs(affine[:3, :3]) @ ((np.array(spec.shape) - 1) / 2.0)
    dx, dy, dz = x - c[0], y - c[1], z - c[2]
    head_top = half[2] - spec.head_gap_mm
    brain_r = min(60.0, 0.4 * half[0], 0.4 * half[1], 0.2 * half[2] + 1)
    brain = dx**2 + dy**2 + (dz - (head_top - brain_r)) ** 2 <= brain_r**2
    skull = (dx**2 + dy**2 + (dz - (head_top - brain_r)) ** 2 <= (brain_r + 6) ** 2) & ~brain
    body = ((dx / (0.8 * half[0])) ** 2 + (dy / (0.7 * half[1])) ** 2 <= 1) & (
        dz < head_top - 2.2 * brain_r
    )
    noise = rng.standard_normal(spec.shape)
    pet = np.where(body, 1.2 + 0.3 * noise, 0.0)
    brain_suv = 9.0 + 0.5 * noise if spec.head == "pet" else 2.5 + 0.3 * noise
    pet = np.where(brain, brain_suv, pet)
    sprinkle = (rng.random(spec.shape) < 0.002) & ~body & ~brain
    pet = np.where(sprinkle, 0.05, pet)
    ct = np.where(body | brain, 40.0 + 25.0 * noise, -1000.0 + 4.0 * noise)
    ct = np.where(skull, 1300.0 if spec.head in ("pet", "ct") else 900.0, ct)
    ct = np.where(body & (dx**2 + (dy + 0.3 * half[1]) ** 2 < 15.0**2), 700.0, ct)  # spine
    masks = []
    for lesion in spec.lesions:
        at = np.array(lesion.centre) * (np.array(spec.shape) - 1)
        lc = affine[:3, :3] @ at + affine[:3, 3]
        r2 = (x - lc[0]) ** 2 + (y - lc[1]) ** 2 + (z - lc[2]) ** 2
        inside = r2 <= lesion.radius_mm**2
        pet = np.where(
            inside, np.maximum(pet, lesion.suv * np.exp(-r2 / (2 * lesion.radius_mm**2))), pet
        )
        masks.append(inside)
    return np.maximum(pet, 0).astype(np.float32), ct.astype(np.float32), masks, affine


def write_exam(
    spec: ExamSpec, folder: Path, *, pet_dtype=np.float32, ct_dtype=np.int16, mask_dtype=np.uint8
) -> tuple[Path, Path, list[Path]]:
    """NIfTI files as a user would have them; an int16 PET gets nibabel's slope/intercept."""
    import nibabel as nib

    pet, ct, masks, affine = make_exam(spec)
    folder.mkdir(parents=True, exist_ok=True)

    def save(data: np.ndarray, dtype, name: str) -> Path:
        image = nib.Nifti1Image(data, affine)
        image.set_data_dtype(dtype)
        path = folder / name
        nib.save(image, str(path))
        return path

    ct_data = np.rint(ct).astype(np.int16) if np.dtype(ct_dtype).kind == "i" else ct
    pet_path = save(pet, pet_dtype, "pet.nii")
    ct_path = save(ct_data, ct_dtype, "ct.nii")
    mask_paths = [save(m.astype(np.uint8), mask_dtype, f"mask{i}.nii") for i, m in enumerate(masks)]
    return pet_path, ct_path, mask_paths
