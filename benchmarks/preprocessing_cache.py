"""Lesions per second of the `petar-release` profile with and without the exam cache.

Builds one synthetic whole-body exam (nibabel headers, int16 CT, float32 PET) with several
lesions, preprocesses every lesion once without a cache and once with an `ExamCache`, checks
that both give identical arrays, and prints both rates and their ratio.

    python benchmarks/preprocessing_cache.py [--lesions 6] [--shape 128 128 240] [--repeats 1]
"""

from __future__ import annotations

import argparse
import time

import nibabel as nib
import numpy as np

from petar_bench.volumes._lesion import LesionInput
from petar_bench.volumes.exam_cache import ExamCache
from petar_bench.volumes.petar_release import preprocess_petar_release


def synthetic_exam(shape: tuple[int, int, int], n_lesions: int, seed: int = 0):
    """A 4 mm body cylinder with a brain on top and `n_lesions` spherical lesions."""
    rng = np.random.default_rng(seed)
    nx, ny, nz = shape
    x, y, z = np.ogrid[:nx, :ny, :nz]
    body = ((x - nx / 2) / (0.4 * nx)) ** 2 + ((y - ny / 2) / (0.3 * ny)) ** 2 <= 1
    body = body & (z < nz - 30)
    brain = (x - nx / 2) ** 2 + (y - ny / 2) ** 2 + (z - (nz - 18)) ** 2 <= 12**2
    noise = rng.standard_normal(shape)
    pet = np.where(body, 1.2 + 0.3 * noise, 0.0)
    pet = np.where(brain, 9.0, pet).clip(0).astype(np.float32)
    ct = np.where(body | brain, 40 + 25 * noise, -1000 + 4 * noise).round().astype(np.int16)
    masks = []
    for _ in range(n_lesions):
        c = rng.uniform([0.35, 0.4, 0.2], [0.65, 0.6, 0.7]) * np.array(shape)
        mask = (x - c[0]) ** 2 + (y - c[1]) ** 2 + (z - c[2]) ** 2 <= 3.0**2
        pet[mask] = np.maximum(pet[mask], 6.0)
        masks.append(mask)
    affine = np.diag([4.0, 4.0, 4.0, 1.0])
    affine[:3, 3] = [-254.0, -264.0, -926.0]
    headers = []
    for data in (pet, ct):
        header = nib.Nifti1Header()
        header.set_data_dtype(data.dtype)
        headers.append(header)
    return [
        LesionInput(f"l{i}", "FDG", pet, ct, m, affine, headers[0], headers[1])
        for i, m in enumerate(masks)
    ]


def run(lesions: list[LesionInput], cache: ExamCache | None) -> tuple[float, list]:
    start = time.perf_counter()
    outputs = [preprocess_petar_release(lesion, cache=cache) for lesion in lesions]
    return time.perf_counter() - start, outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesions", type=int, default=6)
    parser.add_argument("--shape", type=int, nargs=3, default=(128, 128, 240))
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    lesions = synthetic_exam(tuple(args.shape), args.lesions)
    preprocess_petar_release(lesions[0])  # warm-up: torch import, first-call allocations
    plain_s = cached_s = 0.0
    for _ in range(args.repeats):
        seconds, plain = run(lesions, None)
        plain_s += seconds
        seconds, cached = run(lesions, ExamCache())
        cached_s += seconds
    for a, b in zip(plain, cached, strict=True):
        for key, array in a.arrays().items():
            assert np.array_equal(array, getattr(b, key)), f"cache changed {key}"
    n = len(lesions) * args.repeats
    print(f"exam {tuple(args.shape)} voxels, {len(lesions)} lesions, {args.repeats} repeat(s)")
    print(f"without exam cache: {n / plain_s:6.2f} lesions/s ({plain_s / n:.2f} s/lesion)")
    print(f"with exam cache:    {n / cached_s:6.2f} lesions/s ({cached_s / n:.2f} s/lesion)")
    print(f"speed-up (cached / uncached lesions/s): {plain_s / cached_s:.2f}x")


if __name__ == "__main__":
    main()
