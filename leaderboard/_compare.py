"""`petar-bench compare RUN_A RUN_B`: paired, patient-clustered tests, metric by metric.

Each side is a run directory (config.json + scores.json), a scores.json file, or a
leaderboard entry JSON. The two must be on the same split fingerprint and cover the same
sample ids; metrics are compared only where both carry per-sample statistics with the
same signature. p-values are Holm-corrected over the metrics compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from petar_bench._bounds import N_BOOTSTRAP_RANGE, N_TRIALS_RANGE, check_range, check_seed
from petar_bench.errors import UserError
from petar_bench.leaderboard._loaded import ScoredSet, load_scored
from petar_bench.leaderboard._rank import metric_for
from petar_bench.leaderboard._scored import metric_identity
from petar_bench.leaderboard._stats import paired_delta_ci, paired_test, patient_effect_size
from petar_bench.leaderboard._validate import name_some
from petar_bench.stats import holm

COMPARISON_SCHEMA_VERSION: Literal[1] = 1


class MetricComparison(BaseModel):
    """One metric, A against B."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str
    signature: str
    higher_is_better: bool
    value_a: float
    value_b: float
    delta: float = Field(description="value_a - value_b, in the metric's units.")
    delta_ci95: tuple[float, float] = Field(description="Paired patient bootstrap of the delta.")
    relative: float | None = Field(description="delta / |value_b|; None when value_b is 0.")
    effect_size_dz: float | None = Field(
        description="Cohen's d_z of per-patient mean per-sample score differences (A - B)."
    )
    p_value: float = Field(description="Paired approximate randomization over whole patients.")
    p_holm: float = Field(description="Holm-adjusted over the compared metrics.")
    better: Literal["A", "B", "neither"] = Field(description="Significant winner at alpha.")


class Comparison(BaseModel):
    """The result of comparing two scored runs (JSON-able, versioned)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = COMPARISON_SCHEMA_VERSION
    a: str
    b: str
    split_fingerprint: str
    synthetic: bool
    n: int
    n_clusters: int
    unit: Literal["patient", "sample"]
    n_trials: int
    n_bootstrap: int
    seed: int
    alpha: float
    metrics: list[MetricComparison]
    skipped: dict[str, str] = Field(default_factory=dict, description="metric -> why not.")


def _check_pair(a: ScoredSet, b: ScoredSet) -> None:
    if a.split_fingerprint is None or b.split_fingerprint is None:
        side = a if a.split_fingerprint is None else b
        raise UserError(
            f"{side.label} has no split fingerprint; compare needs two runs on the same "
            "dataset split (score with --dataset, not loose references)"
        )
    if a.split_fingerprint != b.split_fingerprint:
        raise UserError(
            f"runs are on different splits: {a.label} has fingerprint {a.split_fingerprint}, "
            f"{b.label} has {b.split_fingerprint}; compare needs the same split"
        )
    only_a = [s for s in a.sample_ids if s not in set(b.sample_ids)]
    only_b = [s for s in b.sample_ids if s not in set(a.sample_ids)]
    if only_a or only_b or len(a.sample_ids) != len(b.sample_ids):
        parts = [
            f"{len(ids)} only in {side.label}: {name_some(ids)}"
            for ids, side in ((only_a, a), (only_b, b))
            if ids
        ]
        raise UserError("runs cover different samples: " + ("; ".join(parts) or "duplicates"))


def _patients(a: ScoredSet, b: ScoredSet, order: list[int]) -> list[str] | None:
    pa = a.patient_ids
    pb = [b.patient_ids[i] for i in order] if b.patient_ids is not None else None
    if pa is not None and pb is not None and _grouping(pa) != _grouping(pb):
        raise UserError(f"{a.label} and {b.label} disagree on which samples share a patient")
    return pa if pa is not None else pb


def _grouping(patient_ids: Sequence[str]) -> list[int]:
    first: dict[str, int] = {}
    return [first.setdefault(p, i) for i, p in enumerate(patient_ids)]


def _skip_reason(metric_id: str, a: ScoredSet, b: ScoredSet) -> str:
    for side in (a, b):
        if metric_id not in side.metrics:
            why = side.not_computed.get(metric_id, "not scored")
            return f"not in {side.label} ({why})"
    widths = {side.metrics[metric_id].stats.shape[1] for side in (a, b)}
    if len(widths) > 1:
        return f"per-sample statistics have different widths ({' vs '.join(map(str, widths))})"
    if metric_identity(a.metrics[metric_id].signature) != metric_identity(
        b.metrics[metric_id].signature
    ):
        return (
            f"signatures differ: {a.metrics[metric_id].signature} vs "
            f"{b.metrics[metric_id].signature}"
        )
    return ""


def _one(
    metric_id: str,
    a: ScoredSet,
    b: ScoredSet,
    order: list[int],
    patients: list[str] | None,
    n_trials: int,
    n_bootstrap: int,
    seed: int,
) -> dict[str, Any]:
    metric = metric_for(metric_id, a.metrics[metric_id].options)
    sa, sb = a.metrics[metric_id].stats, b.metrics[metric_id].stats[order]
    test = paired_test(metric, sa, sb, patients, n_trials=n_trials, seed=seed)
    low, high = paired_delta_ci(metric, sa, sb, patients, n=n_bootstrap, seed=seed)
    dz = patient_effect_size(metric.per_sample(sa), metric.per_sample(sb), patients)
    delta = float(test.value_a - test.value_b)
    return dict(
        metric=metric_id,
        signature=metric_identity(a.metrics[metric_id].signature),
        higher_is_better=a.metrics[metric_id].higher_is_better,
        value_a=float(test.value_a),
        value_b=float(test.value_b),
        delta=delta,
        delta_ci95=(low, high),
        relative=delta / abs(test.value_b) if test.value_b else None,
        effect_size_dz=None if np.isnan(dz) else dz,
        p_value=float(test.p_value),
    )


def compare_runs(
    run_a: Path,
    run_b: Path,
    *,
    metrics: Sequence[str] | None = None,
    n_trials: int = 10_000,
    n_bootstrap: int = 1000,
    seed: int = 12345,
    alpha: float = 0.05,
) -> Comparison:
    """Compare two scored runs metric by metric (see the module docstring for the rules)."""
    check_range("--n-trials", n_trials, N_TRIALS_RANGE)
    check_range("n_bootstrap", n_bootstrap, N_BOOTSTRAP_RANGE)
    check_seed(seed)
    a, b = load_scored(Path(run_a)), load_scored(Path(run_b))
    _check_pair(a, b)
    where = {s: i for i, s in enumerate(b.sample_ids)}
    order = [where[s] for s in a.sample_ids]
    patients = _patients(a, b, order)
    wanted = list(metrics) if metrics else list(dict.fromkeys([*a.metrics, *b.metrics]))
    skipped = {m: r for m in wanted if (r := _skip_reason(m, a, b))}
    rows = []
    for metric_id in [m for m in wanted if m not in skipped]:
        try:
            rows.append(_one(metric_id, a, b, order, patients, n_trials, n_bootstrap, seed))
        except UserError as exc:  # metric not installed here
            skipped[metric_id] = str(exc)
    adjusted = holm([r["p_value"] for r in rows])
    results = [
        MetricComparison(**r, p_holm=q, better=_better(r, q, alpha))
        for r, q in zip(rows, adjusted, strict=True)
    ]
    return Comparison(
        a=a.label,
        b=b.label,
        split_fingerprint=str(a.split_fingerprint),
        synthetic=a.synthetic or b.synthetic,
        n=len(a.sample_ids),
        n_clusters=len(set(patients)) if patients is not None else len(a.sample_ids),
        unit="patient" if patients is not None else "sample",
        n_trials=n_trials,
        n_bootstrap=n_bootstrap,
        seed=seed,
        alpha=alpha,
        metrics=results,
        skipped=skipped,
    )


def _better(row: dict[str, Any], p_holm: float, alpha: float) -> Literal["A", "B", "neither"]:
    if p_holm >= alpha or row["delta"] == 0:
        return "neither"
    return "A" if (row["delta"] > 0) == row["higher_is_better"] else "B"
