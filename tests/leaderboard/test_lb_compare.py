"""`compare`: paired, patient-clustered tests between two run directories or entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lb_fixtures import fill_board, perturb
from rich.console import Console

from petar_bench.commands._compare import compare_cli
from petar_bench.errors import UserError
from petar_bench.leaderboard import compare_runs
from petar_bench.metrics.scoring import score_texts
from petar_bench.records import Manifest


@pytest.fixture()
def entries(board: Path, manifest: Manifest, tmp_path: Path) -> dict[str, Path]:
    good, evil, weak = fill_board(board, manifest, tmp_path)
    return {"good": good, "twin": evil, "weak": weak}


def run_dir(tmp_path: Path, manifest: Manifest, name: str, drop: float, seed: int) -> Path:
    """A run directory as the engine writes it (scores.json is a ScoreReport)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    records = manifest.split("test")
    report = score_texts(
        {r.sample_id: perturb(r.reference, rng, drop) for r in records},
        {r.sample_id: r.reference for r in records},
        ["lbtest_f1", "lbtest_exact", "lbtest_dist"],
        records={r.sample_id: r for r in records},
        split_fingerprint=manifest.split_fingerprints["test"],
        dataset=manifest.dataset,
        synthetic=True,
        n_bootstrap=99,
    )
    folder = tmp_path / name
    folder.mkdir()
    (folder / "scores.json").write_text(report.model_dump_json())
    return folder


def test_clear_difference_is_significant(entries: dict[str, Path]) -> None:
    result = compare_runs(entries["good"], entries["weak"], n_trials=999, n_bootstrap=199)
    by = {m.metric: m for m in result.metrics}
    f1 = by["lbtest_f1"]
    assert f1.delta > 0.3 and f1.delta_ci95[0] > 0 and f1.p_value < 0.05 and f1.better == "A"
    assert f1.effect_size_dz is not None and f1.effect_size_dz > 1
    assert f1.p_holm >= f1.p_value and f1.relative == pytest.approx(f1.delta / f1.value_b)
    dist = by["lbtest_dist"]  # lower is better: A's smaller value wins
    assert dist.delta < 0 and dist.better == "A"
    assert result.unit == "patient" and result.n == 24 and result.n_clusters == 8


def test_same_run_twice_is_no_difference(entries: dict[str, Path]) -> None:
    result = compare_runs(entries["good"], entries["good"], n_trials=199, n_bootstrap=99)
    for m in result.metrics:
        assert m.delta == 0 and m.p_value == 1.0 and m.better == "neither"
        assert m.effect_size_dz is None


def test_run_directories_and_entries_mix(
    entries: dict[str, Path], manifest: Manifest, tmp_path: Path
) -> None:
    run = run_dir(tmp_path, manifest, "run-weak", 0.7, 2)
    result = compare_runs(entries["good"], run, n_trials=199, n_bootstrap=99)
    f1 = next(m for m in result.metrics if m.metric == "lbtest_f1")
    assert f1.better == "A" and not result.skipped
    # The two were bootstrapped differently (200 vs 99 resamples): only the CI tag of the
    # signatures differs, which does not stop a comparison.
    assert "ci:" not in f1.signature
    assert result.a == entries["good"].name and result.b == "run-weak"


def test_different_split_or_samples_refused(
    entries: dict[str, Path], manifest: Manifest, tmp_path: Path
) -> None:
    data = json.loads(entries["weak"].read_text())
    data["split_fingerprint"] = "sha256:other"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data))
    with pytest.raises(UserError, match="different splits"):
        compare_runs(entries["good"], other)
    run = run_dir(tmp_path, manifest, "run", 0.5, 3)
    scores = json.loads((run / "scores.json").read_text())
    for key in ("sample_ids", "patient_ids"):
        scores[key] = scores[key][1:]
    for key in ("stats", "per_sample"):
        scores[key] = {k: v[1:] for k, v in scores[key].items()}
    (run / "scores.json").write_text(json.dumps(scores))
    with pytest.raises(UserError, match=r"1 only in good-\w+\.json: p000_01_0"):
        compare_runs(entries["good"], run)
    with pytest.raises(UserError, match="no scores.json"):
        compare_runs(entries["good"], tmp_path)


def test_signature_mismatch_is_skipped_with_reason(
    entries: dict[str, Path], tmp_path: Path
) -> None:
    data = json.loads(entries["weak"].read_text())
    data["metrics"]["lbtest_exact"]["signature"] = "impl:other"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    result = compare_runs(entries["good"], changed, n_trials=99, n_bootstrap=99)
    assert "signatures differ" in result.skipped["lbtest_exact"]
    assert "lbtest_exact" not in {m.metric for m in result.metrics}


def test_cli_function_prints_and_writes(entries: dict[str, Path], tmp_path: Path) -> None:
    console = Console(record=True, width=200)
    out = tmp_path / "cmp.json"
    compare_cli(entries["good"], entries["weak"], n_trials=99, seed=1, console=console, output=out)
    text = console.export_text()
    assert "lbtest_f1" in text and "SYNTHETIC" in text and "Holm" in text
    assert json.loads(out.read_text())["schema_version"] == 1
