"""Engine throughput: DataLoader workers (num_workers=2) vs a plain loop, same run, same data.

The dataset is slow to load on purpose: every lesion is in its own exam of gzip-compressed
96^3 PET and CT volumes, so each sample costs a real decompression, and each file read waits
`--io-ms` more (simulated network storage, patched into the NIfTI reader; 0 turns it off).
The model is a stand-in
that spends a fixed time per lesion without using the CPU (as a GPU would). With workers the
engine loads the next batches while the model works, so the run approaches the model's own
speed; the plain loop pays loading + model time for every batch.

    python benchmarks/engine_dataloader.py [--samples 48] [--model-ms 25] [--io-ms 10]
                                           [--workers 2] [--batch-size 4]

Prints samples/s of both and their ratio (DataLoader / plain loop).

With `--prepare-size Z Y X` the model also needs PETAR-4B's preprocessing (the release's
pipeline at that input size, real CPU work) for every lesion, and a third run compares where
it happens: inside `generate` in the main process while workers only load (how adapters
worked before `Adapter.preparer`), against the engine's workers preparing ahead
(`generate_prepared`).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from petar_bench.baselines.base import Adapter, AdapterCard
from petar_bench.console import ConsoleReporter
from petar_bench.engine import RunRequest, run_benchmark
from petar_bench.records import LesionRecord, Manifest, seal_manifest, write_manifest
from petar_bench.registry import Registration, models
from petar_bench.volumes._lesion import LesionInput

SHAPE = (96, 96, 96)


def make_slow_dataset(root: Path, n: int) -> None:
    """n test lesions, one per exam, gzip-compressed volumes (decompression is the cost)."""
    import nibabel as nib

    rng = np.random.default_rng(0)
    affine = np.diag([4.0, 4.0, 4.0, 1.0])
    records = []
    for i in range(n):
        pet = rng.gamma(2.0, 1.0, SHAPE).astype(np.float32)
        ct = rng.normal(0, 200, SHAPE).astype(np.float32)
        mask = np.zeros(SHAPE, dtype=np.uint8)
        mask[40:48, 40:48, 40:48] = 1
        for name, data in (("pet", pet), ("ct", ct), ("mask", mask)):
            nib.save(nib.Nifti1Image(data, affine), str(root / f"{name}_{i}.nii.gz"))
        records.append(
            LesionRecord(
                sample_id=f"s{i:04d}",
                patient_id=f"p{i}",
                exam_id=f"e{i:04d}",
                lesion_id="0",
                tracer="FDG",
                split="test",
                pet_path=f"pet_{i}.nii.gz",
                ct_path=f"ct_{i}.nii.gz",
                mask_path=f"mask_{i}.nii.gz",
                reference="r",
            )
        )
    write_manifest(
        seal_manifest(Manifest(dataset="bench-slow", synthetic=True, records=records), root), root
    )


@dataclass
class SleepyModel(Adapter):
    """Waits `ms` per lesion without using the CPU (a stand-in for GPU time). With `size`,
    it needs PETAR-4B's preprocessing first: in `generate` (prepare="inline") or from the
    engine's workers (prepare="workers")."""

    ms: float = 25.0
    size: tuple[int, int, int] | None = None
    prepare: str = "inline"

    def __post_init__(self) -> None:
        self.card = AdapterCard(name="bench-sleepy", description="benchmark stand-in model")
        self._inline: Any = None

    def preparer(self) -> Any:
        from petar_bench.baselines.lamed._adapters import PetarPreparer

        if self.size is None or self.prepare != "workers":
            return None
        return PetarPreparer(self.size)

    def generate(self, batch: Sequence[LesionInput]) -> list[str]:
        if self.size is not None:
            from petar_bench.baselines.lamed._adapters import PetarPreparer

            self._inline = self._inline or PetarPreparer(self.size)
            return self.generate_prepared(batch, [self._inline(x) for x in batch])
        time.sleep(self.ms / 1000 * len(batch))
        return [f"SUVmax {float(x.pet[x.mask].max()):.1f}" for x in batch]

    def generate_prepared(
        self, batch: Sequence[LesionInput], prepared: Sequence[dict[str, Any]]
    ) -> list[str]:
        time.sleep(self.ms / 1000 * len(batch))
        return [f"image max {float(p['image'].max()):.1f}" for p in prepared]


def simulate_slow_storage(io_ms: float) -> None:
    """Every NIfTI read waits io_ms first (workers inherit the patch when they fork)."""
    import petar_bench.volumes._lesion as lesion

    real = lesion.load_nifti

    def slow(path: Path) -> Any:
        time.sleep(io_ms / 1000)
        return real(path)

    lesion.load_nifti = slow


def timed_run(
    dataset: Path, out: Path, workers: int, model_ms: float, batch: int, **options: Any
) -> float:
    request = RunRequest(
        model="bench-sleepy",
        model_options={"ms": model_ms, **options},
        dataset=str(dataset),
        output_dir=out,
        batch_size=batch,
        num_workers=workers,
        score=False,
    )
    start = time.perf_counter()
    result = run_benchmark(request, reporter=ConsoleReporter(Console(file=StringIO())), quiet=True)
    elapsed = time.perf_counter() - start
    assert result.n_generated == result.n_samples
    return result.n_samples / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=48)
    parser.add_argument("--model-ms", type=float, default=25.0)
    parser.add_argument("--io-ms", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument(
        "--prepare-size",
        type=int,
        nargs=3,
        default=None,
        help="also compare PETAR preprocessing at this (Z, Y, X) size inline vs in workers",
    )
    args = parser.parse_args()
    models.add(Registration("bench-sleepy", SleepyModel, "benchmark stand-in model"))
    import torch  # noqa: F401  # imported up front so neither side pays for it

    if args.io_ms > 0:
        simulate_slow_storage(args.io_ms)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "ds").mkdir()
        make_slow_dataset(root / "ds", args.samples)
        plain = timed_run(root / "ds", root / "plain", 0, args.model_ms, args.batch_size)
        loader = timed_run(
            root / "ds", root / "workers", args.workers, args.model_ms, args.batch_size
        )
        if args.prepare_size:
            size = tuple(args.prepare_size)
            common = (args.workers, args.model_ms, args.batch_size)
            inline = timed_run(root / "ds", root / "inline", *common, size=size, prepare="inline")
            ahead = timed_run(root / "ds", root / "ahead", *common, size=size, prepare="workers")
    print(
        f"samples: {args.samples}, batch size {args.batch_size}, model {args.model_ms} "
        f"ms/lesion, storage latency {args.io_ms} ms/file, {os.cpu_count()} CPUs"
    )
    print(f"plain loop (num_workers=0):      {plain:7.2f} samples/s")
    print(f"DataLoader (num_workers={args.workers}):     {loader:7.2f} samples/s")
    print(f"ratio DataLoader / plain loop:   {loader / plain:7.2f}x")
    if args.prepare_size:
        print(f"with PETAR preprocessing at {tuple(args.prepare_size)}:")
        print(f"  prepared in generate (main):   {inline:7.2f} samples/s")
        print(f"  prepared in the workers:       {ahead:7.2f} samples/s")
        print(f"  ratio workers / in generate:   {ahead / inline:7.2f}x")


if __name__ == "__main__":
    main()
