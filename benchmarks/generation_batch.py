"""Batched vs one-at-a-time generation with a tiny random LaMed checkpoint (CPU, float32).

Prints lesions/s and generated tokens/s at batch 1 and batch B (default 8) over the same
lesions and prompts (the release's questions, so rows have different lengths and the batch is
left-padded), their ratio, whether both runs wrote the same tokens, and peak memory: the
process's peak RSS (getrusage) and the peak of Python-level allocations (tracemalloc) during
each run. Image preprocessing is left out: the volumes are given as model-sized arrays.

    python benchmarks/generation_batch.py [--lesions 16] [--batch 8] [--max-new-tokens 32]
        [--threads 1]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np


def volumes(count: int, size: tuple[int, int, int], seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = (count, 1, *size)
    out = {
        k: rng.random(shape, dtype=np.float32) for k in ("image", "ct", "image_focal", "ct_focal")
    }
    for key in ("mask", "mask_focal"):
        out[key] = (rng.random(shape) > 0.95).astype(np.float32)
    return out


def timed(runner, data, prompts, batch: int, max_new_tokens: int) -> tuple[float, list, int]:
    """(seconds, token lists, tracemalloc peak bytes) for all lesions in chunks of `batch`."""
    tokens: list[list[int]] = []
    tracemalloc.start()
    start = time.perf_counter()
    for first in range(0, len(prompts), batch):
        part = {k: v[first : first + batch] for k, v in data.items()}
        result = runner.generate_ids(
            part, prompts[first : first + batch], max_new_tokens=max_new_tokens
        )
        tokens.extend(result.tokens)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, tokens, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesions", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = parser.parse_args()

    import torch

    from petar_bench.baselines.lamed._prompts import RELEASE_ORGAN_QUESTIONS
    from petar_bench.baselines.lamed._runtime import LamedRunner
    from petar_bench.baselines.lamed.tiny import make_tiny_checkpoint

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_tiny_checkpoint(Path(tmp) / "tiny", seed=0)
        runner = LamedRunner(folder, device="cpu", dtype="float32")
        size = runner.model.geometry.image_size
        data = volumes(args.lesions, size)
        prompts = [RELEASE_ORGAN_QUESTIONS[i % 15] for i in range(args.lesions)]
        timed(runner, {k: v[:2] for k, v in data.items()}, prompts[:2], 2, 4)  # warm-up
        rows = []
        for batch in (1, args.batch):
            seconds, tokens, peak = timed(runner, data, prompts, batch, args.max_new_tokens)
            count = sum(len(t) for t in tokens)
            rows.append((batch, seconds, count, tokens, peak))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(
        f"tiny LaMed-Phi-3 (input {size}, {args.lesions} lesions, <= {args.max_new_tokens} "
        f"new tokens, CPU float32, {torch.get_num_threads()} threads)"
    )
    print(f"{'batch':>5} {'seconds':>8} {'lesions/s':>10} {'tokens/s':>9} {'py peak MiB':>12}")
    for batch, seconds, count, _, peak in rows:
        print(
            f"{batch:>5} {seconds:>8.2f} {args.lesions / seconds:>10.1f} {count / seconds:>9.0f} "
            f"{peak / 2**20:>12.1f}"
        )
    one, many = rows
    print(f"throughput ratio batch {args.batch} / batch 1: {one[1] / many[1]:.2f}x")
    print(f"same tokens at both batch sizes: {one[3] == many[3]}")
    print(f"process peak RSS: {rss_mb:.0f} MiB")


if __name__ == "__main__":
    main()
