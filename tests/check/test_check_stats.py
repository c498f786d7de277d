"""`check`'s decision rule at the statistics level: false alarms near alpha, power against a
real drop, the one-SE condition, fixed tolerances, undefined metrics, and the refusals.

Runs are built directly in baseline form from simulated per-sample statistics of two real
metrics (ROUGE-L and CIDEr aggregate by sample mean), so hundreds of checks take seconds.
"""

from __future__ import annotations

import numpy as np
import pytest

from petar_bench.check import BaselineMetric, CheckBaseline, evaluate
from petar_bench.check._core import _decide
from petar_bench.errors import UserError
from petar_bench.leaderboard._rank import metric_for

N_PATIENTS, PER_PATIENT = 16, 3
METRICS = ("rouge_l", "cider")
PATIENTS = [f"p{i:02d}" for i in range(N_PATIENTS) for _ in range(PER_PATIENT)]
SAMPLES = [f"{p}-l{j}" for j, p in enumerate(PATIENTS)]


def _side(scores: dict[str, np.ndarray], name: str, **changes: object) -> CheckBaseline:
    metrics = {
        m: BaselineMetric(
            signature=metric_for(m).signature() + "|ci:boot-patient-1000-seed12345",
            higher_is_better=True,
            value=float(np.mean(values)),
            stats=[[float(x)] for x in values],
        )
        for m, values in scores.items()
    }
    fields: dict[str, object] = dict(
        harness_version="0.1.0",
        created_at="2026-01-01T00:00:00+00:00",
        source=name,
        split_fingerprint="sha256:sim",
        sample_ids=SAMPLES,
        patient_ids=PATIENTS,
        metrics=metrics,
        predictions={s: f"{name} text of {s}" for s in SAMPLES},
    )
    fields.update(changes)
    return CheckBaseline.model_validate(fields)


def _difficulty(rng: np.random.Generator) -> np.ndarray:
    """How easy each sample is (patients differ too): the shared part of both runs."""
    patient = rng.normal(0, 0.08, N_PATIENTS)[np.repeat(np.arange(N_PATIENTS), PER_PATIENT)]
    return 0.45 + patient + rng.normal(0, 0.1, len(SAMPLES))


def _draw(rng: np.random.Generator, easy: np.ndarray, shift: float = 0.0) -> dict[str, np.ndarray]:
    """One run's per-sample scores: the sample's difficulty plus the run's own noise."""
    rouge = np.clip(easy + shift + rng.normal(0, 0.12, len(easy)), 0, 1)
    cider = np.clip(4 * easy + 4 * shift + rng.normal(0, 0.5, len(easy)), 0, None)
    return {"rouge_l": rouge, "cider": cider}


FAST = dict(n_trials=1000, n_bootstrap=200)


def test_false_alarm_rate_stays_near_alpha() -> None:
    """200 pairs of runs from the same distribution: at most alpha * 200 + 2 binomial SDs
    (10 + 7 = 17) fail; the rule is not so strict that nothing ever could (>= 1)."""
    rng = np.random.default_rng(2026)
    pairs, alpha = 200, 0.05
    failures = 0
    for i in range(pairs):
        easy = _difficulty(rng)
        base, run = _side(_draw(rng, easy), "base"), _side(_draw(rng, easy), "run")
        failures += not evaluate(run, base, alpha=alpha, seed=i, **FAST).passed
    margin = int(np.ceil(2 * np.sqrt(pairs * alpha * (1 - alpha))))
    assert failures <= alpha * pairs + margin, f"{failures} false alarms in {pairs} pairs"
    assert failures >= 1


def test_a_real_drop_is_caught_most_of_the_time() -> None:
    rng = np.random.default_rng(7)
    caught = 0
    for i in range(40):
        easy = _difficulty(rng)
        base, run = _side(_draw(rng, easy), "base"), _side(_draw(rng, easy, -0.08), "run")
        caught += not evaluate(run, base, seed=i, **FAST).passed
    assert caught >= 36, f"only {caught} of 40 drops of 0.08 caught"


def test_a_run_against_itself_passes_with_p_one() -> None:
    rng = np.random.default_rng(1)
    side = _side(_draw(rng, _difficulty(rng)), "same")
    result = evaluate(side, side, **FAST)
    assert result.passed
    for m in result.metrics:
        assert m.delta == 0 and m.p_value == 1.0 and m.verdict == "pass" and not m.changed


def test_changed_samples_and_direction() -> None:
    rng = np.random.default_rng(3)
    scores = _draw(rng, _difficulty(rng))
    lost = [3 * p for p in range(10)]  # one sample in each of 10 patients loses everything
    scores["rouge_l"][lost] = np.maximum(scores["rouge_l"][lost], 0.3)
    worse = {k: v.copy() for k, v in scores.items()}
    worse["rouge_l"][lost] = 0.0
    result = evaluate(
        _side(worse, "run"), _side(scores, "base"), metrics=["rouge_l"], n_samples=5, **FAST
    )
    (rouge,) = result.metrics
    assert rouge.verdict == "regression" and rouge.drop is not None and rouge.drop > 0
    assert rouge.p_value is not None and rouge.p_value < 0.01
    assert len(rouge.changed) == 5 and {s.sample_id for s in rouge.changed} < {
        SAMPLES[i] for i in lost
    }
    drops = [s.drop for s in rouge.changed]
    assert drops == sorted(drops, reverse=True)
    first = rouge.changed[0]
    assert first.drop == pytest.approx(first.baseline_score - first.now_score)
    assert first.baseline_prediction == f"base text of {first.sample_id}"
    assert first.now_prediction == f"run text of {first.sample_id}"
    assert rouge.delta_ci95[0] is not None and rouge.delta_ci95[0] < rouge.delta < 0


def test_rows_are_paired_by_sample_id_not_position() -> None:
    rng = np.random.default_rng(4)
    side = _side(_draw(rng, _difficulty(rng)), "a")
    order = np.random.default_rng(0).permutation(len(SAMPLES))
    shuffled = side.model_copy(
        update={
            "sample_ids": [SAMPLES[i] for i in order],
            "patient_ids": [PATIENTS[i] for i in order],
            "metrics": {
                k: m.model_copy(update={"stats": [m.stats[i] for i in order]})
                for k, m in side.metrics.items()
            },
        }
    )
    assert all(m.delta == 0 for m in evaluate(shuffled, side, **FAST).metrics)


def test_significant_but_smaller_than_one_se_passes() -> None:
    row = {"metric": "m", "drop": 0.01, "se": 0.02, "baseline": 0.5, "now": 0.49}
    assert _decide(row, 0.001, "auto", 0.05)[0] == "pass"
    assert _decide({**row, "drop": 0.03}, 0.001, "auto", 0.05)[0] == "regression"
    assert _decide({**row, "drop": 0.03}, 0.2, "auto", 0.05)[0] == "pass"
    assert _decide({**row, "drop": -0.5}, 0.001, "auto", 0.05)[0] == "pass"


def test_fixed_tolerance_is_an_absolute_drop() -> None:
    rng = np.random.default_rng(5)
    scores = _draw(rng, _difficulty(rng))
    lower = {k: v - (0.02 if k == "rouge_l" else 0.0) for k, v in scores.items()}
    run, base = _side(lower, "run"), _side(scores, "base")
    loose = evaluate(run, base, tolerance=0.05, metrics=["rouge_l"], **FAST)
    tight = evaluate(run, base, tolerance="0.01", metrics=["rouge_l"], **FAST)
    assert loose.passed and loose.metrics[0].threshold == 0.05
    assert not tight.passed and tight.metrics[0].reason.startswith("drop 0.02")
    with pytest.raises(UserError, match="--tolerance must be 'auto' or a number"):
        evaluate(run, base, tolerance="-1")
    with pytest.raises(UserError, match="--alpha must be between 0 and 1"):
        evaluate(run, base, alpha=1.5)


def test_a_metric_that_became_undefined_fails() -> None:
    rng = np.random.default_rng(6)
    base = _side(_draw(rng, _difficulty(rng)), "base")
    cider = base.metrics["cider"].model_copy(update={"value": None})
    run = base.model_copy(update={"metrics": {**base.metrics, "cider": cider}})
    result = evaluate(run, base, **FAST)
    by = {m.metric: m for m in result.metrics}
    assert by["cider"].verdict == "regression" and "undefined in the run" in by["cider"].reason
    assert by["rouge_l"].verdict == "pass"
    assert evaluate(base, run, **FAST).passed  # undefined before: nothing to fall below


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"split_fingerprint": "sha256:other"}, "different split"),
        ({"sample_ids": SAMPLES[:-1] + ["x"]}, "different samples: 1 only in the run"),
        ({"patient_ids": [f"q{i}" for i in range(len(SAMPLES))]}, "share a patient"),
    ],
)
def test_incomparable_runs_are_refused(change: dict, message: str) -> None:
    rng = np.random.default_rng(8)
    scores = _draw(rng, _difficulty(rng))
    with pytest.raises(UserError, match=message):
        evaluate(_side(scores, "run", **change), _side(scores, "base"), **FAST)


def test_metric_set_and_signature_mismatches_are_refused() -> None:
    rng = np.random.default_rng(9)
    scores = _draw(rng, _difficulty(rng))
    base = _side(scores, "base")
    fewer = _side({"rouge_l": scores["rouge_l"]}, "run", not_computed={"cider": "no Java"})
    with pytest.raises(
        UserError, match=r"metric set differs: cider only in the baseline \(no Java"
    ):
        evaluate(fewer, base)
    with pytest.raises(UserError, match="cider not in the run"):
        evaluate(fewer, base, metrics=["cider"])
    assert evaluate(fewer, base, metrics=["rouge_l"], **FAST).passed
    other = base.metrics["cider"].model_copy(update={"signature": "cider|impl:other|n:4"})
    changed = base.model_copy(update={"metrics": {**base.metrics, "cider": other}})
    with pytest.raises(UserError, match="metric signature differs for cider"):
        evaluate(changed, base)
    # Only the CI settings differ: still the same metric.
    ci = base.metrics["cider"].signature.replace("1000-seed12345", "200-seed1")
    same = base.model_copy(
        update={"metrics": {**base.metrics, "cider": other.model_copy(update={"signature": ci})}}
    )
    assert evaluate(same, base, **FAST).passed


def test_too_few_patients_to_ever_fail_is_said() -> None:
    rng = np.random.default_rng(10)
    scores = _draw(rng, _difficulty(rng))
    keep = slice(0, 9)  # 3 patients: the smallest one-sided p is 1/8
    small = {k: v[keep] for k, v in scores.items()}
    fields = dict(sample_ids=SAMPLES[keep], patient_ids=PATIENTS[keep])
    worse = {k: v * 0 for k, v in small.items()}
    result = evaluate(_side(worse, "run", **fields), _side(small, "base", **fields), **FAST)
    assert result.passed and any("cannot detect a regression" in n for n in result.notes)
    from petar_bench.check._render import render_github

    assert "::warning title=petar-bench check::with 3 patients" in render_github(result)
    fixed = evaluate(
        _side(worse, "run", **fields), _side(small, "base", **fields), tolerance=0.1, **FAST
    )
    assert not fixed.passed and not fixed.notes  # a fixed tolerance still works
    full = evaluate(_side(scores, "run"), _side(scores, "base"), **FAST)
    assert not full.notes


@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
def test_one_sided_permutation_p_matches_exact_enumeration(alternative: str) -> None:
    """All 2^6 patient swap patterns enumerated by hand vs the Monte Carlo p-value."""
    import itertools

    from petar_bench.stats import paired_permutation_test

    rng = np.random.default_rng(11)
    patients = [f"p{i}" for i in range(6) for _ in range(2)]
    a = rng.uniform(0.3, 0.9, (12, 1))
    b = a - rng.normal(0.05, 0.1, (12, 1))
    observed = float(a.mean() - b.mean())
    extreme = 0
    for pattern in itertools.product([False, True], repeat=6):
        swap = np.repeat(pattern, 2)[:, None]
        diff = float(np.where(swap, b, a).mean() - np.where(swap, a, b).mean())
        if alternative == "greater":
            extreme += diff >= observed - 1e-12
        elif alternative == "less":
            extreme += diff <= observed + 1e-12
        else:
            extreme += abs(diff) >= abs(observed) - 1e-12
    exact = extreme / 64
    test = paired_permutation_test(
        metric_for("rouge_l"), a, b, patients, n_trials=20000, seed=3, alternative=alternative
    )
    assert test.p_value == pytest.approx(exact, abs=0.01)
    assert test.alternative == alternative
