"""Bootstrap on statistics vs re-scoring resampled texts, for the lexical metrics.

For each metric: the time of 1,000 patient-clustered bootstrap resamples computed from the
per-sample statistics (petar_bench.stats), against the time re-scoring the resampled texts
would take (measured on a few resamples, extrapolated to the same count). The suite's claim
is a ratio under 0.10. METEOR is listed apart: its re-scoring time is dominated by its Java
process, so its ratio says little about the bootstrap itself.

    python benchmarks/bootstrap_speed.py [--n 1175] [--resamples 1000] [--rescore 20]
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import numpy as np

LEXICAL = ("bleu1", "bleu2", "bleu3", "bleu4", "rouge_l", "cider")
APART = ("meteor",)
REGIONS = [
    "right upper lobe",
    "left lower lobe",
    "liver segment VII",
    "L3 vertebral body",
    "right external iliac node",
    "left axillary node",
    "prostate bed",
    "sacrum",
]
WORDS = [
    "focal",
    "intense",
    "mild",
    "hypermetabolic",
    "FDG-avid",
    "nodular",
    "lesion",
    "uptake",
    "suspicious",
    "for",
    "metastasis",
    "likely",
    "inflammatory",
    "new",
    "stable",
]


def synthetic_pairs(n: int, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    """n (prediction, reference) findings and patient ids (~2.3 lesions per patient)."""
    rng = random.Random(seed)

    def finding() -> str:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
        return (
            f"{words.capitalize()} in the {rng.choice(REGIONS)}, "
            f"SUVmax {rng.uniform(2, 15):.1f}, axial slice {rng.randint(20, 350)}."
        )

    refs = [finding() for _ in range(n)]
    preds = [r if rng.random() < 0.2 else finding() for r in refs]
    patients = [f"p{i * 10 // 23}" for i in range(n)]
    return preds, refs, patients


def _resample_rows(patients: list[str], rng: np.random.Generator) -> list[int]:
    names = sorted(set(patients))
    rows_of: dict[str, list[int]] = {}
    for i, p in enumerate(patients):
        rows_of.setdefault(p, []).append(i)
    return [i for k in rng.integers(0, len(names), len(names)) for i in rows_of[names[k]]]


def measure(metric_id: str, preds, refs, patients, resamples: int, rescore: int) -> dict | None:
    from petar_bench.metrics.base import ScoringContext
    from petar_bench.registry import metrics
    from petar_bench.stats import clustered_bootstrap_ci

    if metric_id not in metrics.names():
        return None
    metric = metrics.create(metric_id)
    ids = [f"s{i}" for i in range(len(refs))]
    context = ScoringContext(sample_ids=ids, patient_ids=patients)
    stats = metric.statistics(preds, refs, context).values
    start = time.perf_counter()
    ci = clustered_bootstrap_ci(metric, stats, patients, n=resamples, seed=12345)
    t_boot = time.perf_counter() - start
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(rescore):
        rows = _resample_rows(patients, rng)
        sub = ScoringContext(
            sample_ids=[f"r{j}" for j in range(len(rows))],
            patient_ids=[patients[i] for i in rows],
            full_split=False,
        )
        values = metric.statistics([preds[i] for i in rows], [refs[i] for i in rows], sub).values
        metric.aggregate(values)
    t_rescore = (time.perf_counter() - start) / rescore * resamples
    return {"boot": t_boot, "rescore": t_rescore, "ratio": t_boot / t_rescore, "ci": ci}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1175)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--rescore", type=int, default=20, help="re-scored resamples to time")
    parser.add_argument("--skip-meteor", action="store_true")
    args = parser.parse_args(argv)
    preds, refs, patients = synthetic_pairs(args.n)
    print(
        f"{args.n} findings, {len(set(patients))} patients; {args.resamples} bootstrap "
        f"resamples vs re-scoring ({args.rescore} timed, extrapolated)"
    )
    print(f"{'metric':<10} {'bootstrap s':>12} {'re-score s':>12} {'ratio':>8}  ok(<0.10)")
    worst = 0.0
    missing = []
    groups = [LEXICAL] + ([] if args.skip_meteor else [APART])
    for k, group in enumerate(groups):
        if k:
            print("-- apart (Java process dominates re-scoring):")
        for metric_id in group:
            try:
                row = measure(metric_id, preds, refs, patients, args.resamples, args.rescore)
            except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
                print(f"{metric_id:<10} not measured: {type(exc).__name__}: {exc}")
                missing.append(metric_id)
                continue
            if row is None:
                print(f"{metric_id:<10} not registered")
                missing.append(metric_id)
                continue
            ok = row["ratio"] < 0.10
            if metric_id in LEXICAL:
                worst = max(worst, row["ratio"])
            print(
                f"{metric_id:<10} {row['boot']:>12.3f} {row['rescore']:>12.2f} "
                f"{row['ratio']:>8.4f}  {'yes' if ok else 'NO'}"
            )
    print(
        f"worst lexical ratio: {worst:.4f}"
        + (f"; missing: {', '.join(missing)}" if missing else "")
    )
    return 0 if worst < 0.10 and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
