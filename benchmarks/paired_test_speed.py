"""Paired approximate randomization: permuting per-sample statistics vs re-scoring text.

For each metric (bleu4, rouge_l, meteor, cider) on 1,175 finding pairs (the size of the
PETARSeg-11K test split) from ~500 patients, this times

  stats: 10,000-trial patient-clustered paired test on per-sample statistics, as the
         leaderboard and `compare` run it (petar_bench.leaderboard._stats.paired_test: each
         metric's own batched aggregation, one matrix product on the bases of
         metrics/base.py); the same test aggregating each resample row by row is timed too,
         for reference; and
  text:  the same test done by re-scoring the swapped texts with the metric on every trial
         (as RadEval and similar tools do); 20 trials are timed and the cost is extrapolated
         to 10,000,

and prints both, their ratio, and whether the four stats tests together stay under 10 s.
The process is pinned to 2 CPU cores when the machine has more.

    python benchmarks/paired_test_speed.py [--trials 10000] [--text-trials 20] [--metrics ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

N_SAMPLES = 1175
BUDGET_S = 10.0
REGIONS = ["Thorax", "Abdomen", "Pelvis", "Head and neck", "Bone"]
ORGANS = ["Lung", "Liver", "Lymph node", "Spleen", "Bone", "Adrenal", "Prostate bed"]
SITES = [
    "right upper lobe",
    "left lower lobe",
    "segment VII",
    "hilar",
    "iliac",
    "sacrum",
    "mediastinal",
    "para-aortic",
    "T10 vertebral body",
]
WORDS = [
    "focal",
    "intense",
    "mild",
    "moderate",
    "FDG-avid",
    "uptake",
    "nodule",
    "lesion",
    "consistent",
    "with",
    "metastasis",
    "new",
    "unchanged",
    "hypermetabolic",
    "soft",
    "tissue",
    "mass",
    "lymphadenopathy",
    "likely",
    "physiologic",
]


def finding(rng: np.random.Generator) -> str:
    sentence = " ".join(rng.choice(WORDS, size=int(rng.integers(8, 16))))
    return (
        f"Region: {rng.choice(REGIONS)} Organ: {rng.choice(ORGANS)} "
        f"Sub-site: {rng.choice(SITES)} SUVmax: {rng.uniform(2, 25):.1f} "
        f"Slice: {int(rng.integers(40, 350))} Findings: {sentence}."
    )


def noisy(text: str, rng: np.random.Generator, rate: float) -> str:
    """Replace each word with a random vocabulary word at `rate`."""
    return " ".join(w if rng.random() >= rate else str(rng.choice(WORDS)) for w in text.split())


def make_data(seed: int = 0) -> tuple[list[str], list[str], list[str], list[str]]:
    rng = np.random.default_rng(seed)
    refs = [finding(rng) for _ in range(N_SAMPLES)]
    a = [noisy(r, rng, 0.25) for r in refs]
    b = [noisy(r, rng, 0.35) for r in refs]
    patients: list[str] = []
    p = 0
    while len(patients) < N_SAMPLES:  # 1-4 lesions per patient, ~2.4 on average
        patients += [f"P{p:05d}"] * int(rng.integers(1, 5))
        p += 1
    return refs, a, b, patients[:N_SAMPLES]


def pin_two_cores() -> str:
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 2:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "2")
    return str(len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else "?"


class RowByRow:
    """A metric without its batched aggregation: each resample aggregated on its own rows."""

    def __init__(self, metric) -> None:
        self.metric = metric

    def aggregate(self, stats: np.ndarray) -> float:
        return float(self.metric.aggregate(stats))

    def per_sample(self, stats: np.ndarray) -> np.ndarray:
        return np.asarray(self.metric.per_sample(stats))


def text_trials(metric, refs, a, b, patients, n_trials: int, context, seed: int) -> float:
    """Seconds for `n_trials` trials that swap whole patients and re-score the texts."""
    codes = np.unique(np.asarray(patients), return_inverse=True)[1].ravel()
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(n_trials):
        swap = (rng.random(codes.max() + 1) < 0.5)[codes]
        a2 = [y if s else x for x, y, s in zip(a, b, swap, strict=True)]
        b2 = [x if s else y for x, y, s in zip(a, b, swap, strict=True)]
        va = metric.aggregate(metric.statistics(a2, refs, context).values)
        vb = metric.aggregate(metric.statistics(b2, refs, context).values)
        _ = abs(va - vb)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--text-trials", type=int, default=20)
    parser.add_argument("--metrics", default="bleu4,rouge_l,meteor,cider")
    args = parser.parse_args(argv)
    cores = pin_two_cores()

    from petar_bench import registry
    from petar_bench.leaderboard._stats import paired_test
    from petar_bench.metrics._normalize import normalize_text
    from petar_bench.metrics.base import ScoringContext
    from petar_bench.stats import paired_permutation_test

    refs, a, b, patients = (
        list(map(normalize_text, x)) if i < 3 else x for i, x in enumerate(make_data())
    )
    context = ScoringContext(
        sample_ids=[f"s{i}" for i in range(N_SAMPLES)],
        patient_ids=patients,
        full_split=True,
        split_fingerprint="sha256:benchmark",
    )
    print(
        f"{N_SAMPLES} samples, {len(set(patients))} patients, {args.trials} trials, {cores} cores"
    )
    print(
        f"{'metric':<9}{'stats test':>12}{'(row by row)':>18}{'text test (extrap.)':>22}"
        f"{'ratio':>10}   p"
    )
    total, missing = 0.0, []
    for metric_id in args.metrics.split(","):
        try:
            metric = registry.metrics.create(metric_id)
            stats_a = metric.statistics(a, refs, context).values
            stats_b = metric.statistics(b, refs, context).values
        except Exception as exc:  # a metric that cannot run here is reported, not fatal
            missing.append(f"{metric_id} ({type(exc).__name__}: {str(exc)[:80]})")
            continue
        start = time.perf_counter()
        result = paired_test(metric, stats_a, stats_b, patients, n_trials=args.trials, seed=12345)
        fast = time.perf_counter() - start
        total += fast
        start = time.perf_counter()
        plain = paired_permutation_test(
            RowByRow(metric), stats_a, stats_b, patients, n_trials=args.trials, seed=12345
        )
        plain_s = time.perf_counter() - start
        assert plain.p_value == result.p_value, (plain.p_value, result.p_value)
        slow = text_trials(metric, refs, a, b, patients, args.text_trials, context, 1)
        slow_full = slow / args.text_trials * args.trials
        print(
            f"{metric_id:<9}{fast:>11.2f}s{plain_s:>17.2f}s{slow_full:>21.1f}s"
            f"{slow_full / fast:>9.0f}x   {result.p_value:.4f}"
        )
    verdict = "PASS" if total < BUDGET_S and not missing else "FAIL"
    print(f"all stats tests: {total:.2f}s (budget {BUDGET_S:.0f}s on 2 cores): {verdict}")
    for line in missing:
        print(f"not measured: {line}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
