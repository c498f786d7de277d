"""`petar-bench check`: is RUN worse than BASELINE beyond noise? Metric by metric, paired.

The statistics are the leaderboard's (`petar_bench.stats`, `leaderboard/_stats.py`): each
metric is rebuilt from the registry and aggregated over the stored per-sample statistics,
never by re-scoring text. The rule (`tolerance="auto"`): a metric regressed when BOTH

- a one-sided paired approximate-randomization test (whole patients swapped between the
  two runs) rejects "no drop" at `alpha` after Holm's correction across the checked
  metrics, and
- the drop is larger than one patient-bootstrap standard error of the paired difference,

so that noise rarely fails a build. A fixed tolerance X instead fails a metric whose drop
exceeds X in the metric's own units (the test is still reported). A "drop" follows the
metric's direction: a lower value for higher-is-better metrics, a higher one otherwise.

Anything that makes the two runs incomparable (split fingerprint, sample ids, patient
grouping, metric set, metric signature) is refused with one line, never compared silently.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from petar_bench.check._baseline import CheckBaseline, load_side, references_of
from petar_bench.errors import UserError

RESULT_SCHEMA_VERSION: Literal[1] = 1
Verdict = Literal["pass", "regression"]


class ChangedSample(BaseModel):
    """One sample whose own score dropped (largest drops first)."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="null")

    sample_id: str
    patient_id: str | None
    baseline_score: float
    now_score: float
    drop: float = Field(description="Per-sample score drop, in the metric's direction.")
    reference: str | None = Field(description="None when the dataset is not available here.")
    baseline_prediction: str | None
    now_prediction: str | None


class MetricCheck(BaseModel):
    """One metric, the run against the baseline."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="null")

    metric: str
    signature: str = Field(description="Signature without the CI settings (same on both sides).")
    higher_is_better: bool
    baseline: float | None
    now: float | None
    delta: float | None = Field(description="now - baseline, in the metric's units.")
    delta_ci95: tuple[float | None, float | None] = Field(
        description="Paired patient bootstrap percentile interval of the delta."
    )
    se: float | None = Field(description="Patient bootstrap standard error of the delta.")
    drop: float | None = Field(description="How much worse the run is (negative: better).")
    p_value: float | None = Field(description="One-sided paired test of 'no drop'.")
    p_holm: float | None = Field(description="Holm-adjusted over the checked metrics.")
    threshold: float | None = Field(
        description="The drop that fails (auto: one SE, with p_holm < alpha; else X)."
    )
    verdict: Verdict
    reason: str = Field(description="Why, in one sentence.")
    changed: list[ChangedSample] = Field(default_factory=list)


class CheckResult(BaseModel):
    """What `check` decided (JSON-able, versioned)."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="null")

    schema_version: Literal[1] = RESULT_SCHEMA_VERSION
    run: str
    baseline: str
    passed: bool
    split_fingerprint: str
    synthetic: bool
    n: int
    n_clusters: int
    unit: Literal["patient", "sample"]
    alpha: float
    tolerance: float | Literal["auto"]
    n_trials: int
    n_bootstrap: int
    seed: int
    harness_version: str = Field(description="petar-bench version of the run.")
    baseline_harness_version: str
    metrics: list[MetricCheck]
    notes: list[str] = Field(default_factory=list)

    @property
    def regressions(self) -> list[MetricCheck]:
        return [m for m in self.metrics if m.verdict == "regression"]


# -- refusals ----------------------------------------------------------------------------------
def _some(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _refuse_split(run: CheckBaseline, base: CheckBaseline) -> list[int]:
    """Refuse a different split or sample set; return the baseline row of each run row."""
    if run.split_fingerprint != base.split_fingerprint:
        raise UserError(
            f"different split: the run is on {run.split_fingerprint}, the baseline on "
            f"{base.split_fingerprint}; check compares runs on the same split only"
        )
    have, want = set(run.sample_ids), set(base.sample_ids)
    if have != want or len(run.sample_ids) != len(base.sample_ids):
        only_run = [s for s in run.sample_ids if s not in want]
        only_base = [s for s in base.sample_ids if s not in have]
        parts = [f"{len(only_run)} only in the run ({_some(only_run)})"] if only_run else []
        if only_base:
            parts.append(f"{len(only_base)} only in the baseline ({_some(only_base)})")
        raise UserError(
            "different samples: "
            + ("; ".join(parts) or "duplicated sample ids")
            + " (use the same split and --limit for both)"
        )
    where = {s: i for i, s in enumerate(base.sample_ids)}
    return [where[s] for s in run.sample_ids]


def _patients(run: CheckBaseline, base: CheckBaseline, order: list[int]) -> list[str] | None:
    mine = run.patient_ids
    theirs = [base.patient_ids[i] for i in order] if base.patient_ids is not None else None
    if mine is not None and theirs is not None and _grouping(mine) != _grouping(theirs):
        raise UserError("the run and the baseline disagree on which samples share a patient")
    return mine if mine is not None else theirs


def _grouping(patient_ids: Sequence[str]) -> list[int]:
    first: dict[str, int] = {}
    return [first.setdefault(p, i) for i, p in enumerate(patient_ids)]


def _metric_set(run: CheckBaseline, base: CheckBaseline, wanted: Sequence[str] | None) -> list[str]:
    """The metrics to check; a metric missing on either side is refused with its reason."""
    if wanted:
        missing = []
        for side, name in ((base, "baseline"), (run, "run")):
            for m in wanted:
                if m not in side.metrics:
                    why = side.not_computed.get(m, "not scored")
                    missing.append(f"{m} not in the {name} ({why})")
        if missing:
            raise UserError("metric set differs: " + "; ".join(missing))
        return list(dict.fromkeys(wanted))
    only_base = [m for m in base.metrics if m not in run.metrics]
    only_run = [m for m in run.metrics if m not in base.metrics]
    if only_base or only_run:
        parts = [
            f"{m} only in the baseline ({run.not_computed.get(m, 'not scored in the run')})"
            for m in only_base
        ] + [f"{m} only in the run" for m in only_run]
        raise UserError(
            "metric set differs: " + "; ".join(parts) + " (score both with the same --metrics, "
            "or choose with --metrics)"
        )
    return list(base.metrics)


def _refuse_signatures(run: CheckBaseline, base: CheckBaseline, metrics: list[str]) -> None:
    from petar_bench.leaderboard._scored import metric_identity

    for m in metrics:
        a, b = metric_identity(base.metrics[m].signature), metric_identity(run.metrics[m].signature)
        if a != b or base.metrics[m].higher_is_better != run.metrics[m].higher_is_better:
            raise UserError(
                f"metric signature differs for {m}: baseline {a}, run {b} (rewrite the baseline "
                "with this petar-bench and these metric settings)"
            )


# -- one metric --------------------------------------------------------------------------------
def _finite(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _undefined(metric_id: str, base_value: float | None, now: float | None) -> tuple[Verdict, str]:
    if base_value is not None and now is None:
        return "regression", f"{metric_id} is undefined in the run but was defined in the baseline"
    return "pass", f"{metric_id} is undefined in the baseline; nothing to fall below"


def _measure(
    metric: Any,
    base: np.ndarray,
    now: np.ndarray,
    higher: bool,
    patients: list[str] | None,
    settings: dict[str, int],
) -> dict[str, Any]:
    """p (one-sided, 'the run is worse'), the paired delta's CI and SE, and the drop."""
    from petar_bench.leaderboard._stats import paired_delta_bootstrap, paired_test

    test = paired_test(
        metric,
        base,
        now,
        patients,
        n_trials=settings["n_trials"],
        seed=settings["seed"],
        alternative="greater" if higher else "less",
    )
    boot = paired_delta_bootstrap(
        metric, now, base, patients, n=settings["n_bootstrap"], seed=settings["seed"]
    )
    delta = float(test.value_b - test.value_a)
    return dict(
        delta=delta,
        delta_ci95=(_finite(boot.low), _finite(boot.high)),
        se=_finite(boot.se),
        drop=-delta if higher else delta,
        p_value=_finite(test.p_value),
    )


def _changed(
    metric: Any,
    base: np.ndarray,
    now: np.ndarray,
    higher: bool,
    ids: dict[str, Any],
    k: int,
) -> list[ChangedSample]:
    """The k samples whose own score dropped most (per_sample scores; NaN rows skipped)."""
    if k <= 0:
        return []
    with np.errstate(all="ignore"):
        before = np.asarray(metric.per_sample(base), dtype=np.float64)
        after = np.asarray(metric.per_sample(now), dtype=np.float64)
    drop = (before - after) if higher else (after - before)
    drop = np.where(np.isfinite(drop), drop, -np.inf)
    order = [int(i) for i in np.argsort(-drop, kind="stable")[:k] if drop[i] > 0]
    patients, sample_ids = ids["patients"], ids["sample_ids"]
    return [
        ChangedSample(
            sample_id=sample_ids[i],
            patient_id=patients[i] if patients is not None else None,
            baseline_score=float(before[i]),
            now_score=float(after[i]),
            drop=float(drop[i]),
            reference=ids["references"].get(sample_ids[i]),
            baseline_prediction=ids["base_predictions"].get(sample_ids[i]),
            now_prediction=ids["now_predictions"].get(sample_ids[i]),
        )
        for i in order
    ]


def _row(
    metric_id: str,
    run: CheckBaseline,
    base: CheckBaseline,
    order: list[int],
    patients: list[str] | None,
    settings: dict[str, int],
    ids: dict[str, Any],
) -> dict[str, Any]:
    from petar_bench.leaderboard._rank import metric_for
    from petar_bench.leaderboard._scored import metric_identity

    b, r = base.metrics[metric_id], run.metrics[metric_id]
    metric = metric_for(metric_id, b.options)
    stats_base, stats_now = b.stats_array()[order], r.stats_array()
    row: dict[str, Any] = dict(
        metric=metric_id,
        signature=metric_identity(b.signature),
        higher_is_better=b.higher_is_better,
        baseline=_finite(b.value),
        now=_finite(r.value),
        changed=_changed(
            metric, stats_base, stats_now, b.higher_is_better, ids, settings["n_samples"]
        ),
    )
    if row["baseline"] is None or row["now"] is None:
        return {**row, "delta": None, "delta_ci95": (None, None), "se": None, "drop": None}
    return {
        **row,
        **_measure(metric, stats_base, stats_now, b.higher_is_better, patients, settings),
    }


def _decide(
    row: dict[str, Any], p_holm: float | None, tolerance: float | str, alpha: float
) -> tuple[Verdict, float | None, str]:
    name = row["metric"]
    if row["drop"] is None:
        verdict, why = _undefined(name, row["baseline"], row["now"])
        return verdict, None, why
    drop, se = row["drop"], row["se"] or 0.0
    if tolerance != "auto":
        limit = float(tolerance)
        if drop > limit:
            return "regression", limit, f"drop {drop:.4g} exceeds the tolerance {limit:g}"
        return "pass", limit, f"drop {drop:.4g} within the tolerance {limit:g}"
    if p_holm is not None and p_holm < alpha and drop > se:
        return (
            "regression",
            se,
            (f"dropped {drop:.4g} (> 1 SE = {se:.4g}) with p (Holm) {p_holm:.4g} < {alpha:g}"),
        )
    if drop <= 0:
        return "pass", se, "no drop"
    if p_holm is None or p_holm >= alpha:
        shown = "n/a" if p_holm is None else f"{p_holm:.4g}"
        return "pass", se, f"drop {drop:.4g} not significant (p (Holm) {shown} >= {alpha:g})"
    return "pass", se, f"drop {drop:.4g} significant but within 1 SE ({se:.4g})"


def _holm(rows: list[dict[str, Any]]) -> list[float | None]:
    from petar_bench.stats import holm

    pvalues = [r.get("p_value") for r in rows]
    adjusted = holm([float("nan") if p is None else p for p in pvalues])
    return [_finite(q) for q in adjusted]


def _tolerance(value: float | str) -> float | Literal["auto"]:
    if value == "auto":
        return "auto"
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserError(f"--tolerance must be 'auto' or a number >= 0, not {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise UserError(f"--tolerance must be 'auto' or a number >= 0, not {value!r}")
    return number


def _blind_spot(
    tolerance: float | str, alpha: float, n_clusters: int, n_trials: int, m: int, by_patient: bool
) -> list[str]:
    """A note when no drop can ever be significant: a one-sided permutation p-value is at
    least 2^-clusters (and 1 / (trials + 1)), and Holm multiplies the smallest by m."""
    if tolerance != "auto" or m == 0:
        return []
    floor = m * max(0.5**n_clusters, 1.0 / (n_trials + 1))
    if floor < alpha:
        return []
    unit = "patients" if by_patient else "samples"
    return [
        f"with {n_clusters} {unit} the smallest possible p (Holm over {m} metric(s)) is "
        f"{min(floor, 1.0):.3g} >= alpha {alpha:g}: this check cannot detect a regression; "
        "use more samples (a larger --limit), fewer metrics, or --tolerance X"
    ]


def evaluate(
    run: CheckBaseline,
    base: CheckBaseline,
    *,
    metrics: Sequence[str] | None = None,
    tolerance: float | str = "auto",
    alpha: float = 0.05,
    n_trials: int = 10_000,
    n_bootstrap: int = 1000,
    seed: int = 12345,
    n_samples: int = 3,
    references: dict[str, str] | None = None,
) -> CheckResult:
    """Check `run` against `base` (both in baseline form); see the module docstring."""
    if not 0 < alpha < 1:
        raise UserError(f"--alpha must be between 0 and 1, not {alpha}")
    tol = _tolerance(tolerance)
    order = _refuse_split(run, base)
    patients = _patients(run, base, order)
    chosen = _metric_set(run, base, metrics)
    _refuse_signatures(run, base, chosen)
    settings = dict(n_trials=n_trials, n_bootstrap=n_bootstrap, seed=seed, n_samples=n_samples)
    ids = dict(
        sample_ids=run.sample_ids,
        patients=patients,
        references=references or {},
        base_predictions=base.predictions,
        now_predictions=run.predictions,
    )
    rows = [_row(m, run, base, order, patients, settings, ids) for m in chosen]
    checks = []
    for row, q in zip(rows, _holm(rows), strict=True):
        verdict, threshold, reason = _decide(row, q, tol, alpha)
        row.setdefault("p_value", None)
        checks.append(
            MetricCheck(**row, p_holm=q, threshold=threshold, verdict=verdict, reason=reason)
        )
    n_clusters = len(set(patients)) if patients is not None else len(run.sample_ids)
    notes = _blind_spot(tol, alpha, n_clusters, n_trials, len(checks), patients is not None)
    if run.harness_version != base.harness_version:
        notes.append(
            f"the baseline was made with petar-bench {base.harness_version}, the run with "
            f"{run.harness_version}"
        )
    if not run.full_split:
        notes.append("the runs cover a subset of the split (--limit): not comparable to a board")
    return CheckResult(
        run=run.source,
        baseline=base.source,
        passed=all(c.verdict == "pass" for c in checks),
        split_fingerprint=run.split_fingerprint,
        synthetic=run.synthetic or base.synthetic,
        n=len(run.sample_ids),
        n_clusters=n_clusters,
        unit="patient" if patients is not None else "sample",
        alpha=alpha,
        tolerance=tol,
        n_trials=n_trials,
        n_bootstrap=n_bootstrap,
        seed=seed,
        harness_version=run.harness_version,
        baseline_harness_version=base.harness_version,
        metrics=checks,
        notes=notes,
    )


def check_run(
    run: Path,
    baseline: Path,
    *,
    metrics: Sequence[str] | None = None,
    tolerance: float | str = "auto",
    alpha: float = 0.05,
    n_trials: int = 10_000,
    n_bootstrap: int = 1000,
    seed: int = 12345,
    n_samples: int = 3,
) -> CheckResult:
    """Check a run directory (or baseline file) against a baseline file or run directory."""
    now, base = load_side(Path(run)), load_side(Path(baseline))
    references = references_of(Path(run)) or references_of(Path(baseline))
    result = evaluate(
        now,
        base,
        metrics=metrics,
        tolerance=tolerance,
        alpha=alpha,
        n_trials=n_trials,
        n_bootstrap=n_bootstrap,
        seed=seed,
        n_samples=n_samples,
        references=references,
    )
    return result.model_copy(update={"run": str(run), "baseline": str(baseline)})
