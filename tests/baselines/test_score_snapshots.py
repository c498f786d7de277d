"""The suite's own guard: today's demo-split scores of the non-neural baselines (exact) and
of a tiny random LaMed model (within the stated tolerance) match tests/data/score_snapshots.json.

After a deliberate change: python scripts/refresh_score_snapshots.py (prints the diff)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PINNED = ROOT / "tests" / "data" / "score_snapshots.json"


@pytest.fixture(scope="module")
def script(snapshot_script: ModuleType) -> ModuleType:
    return snapshot_script


@pytest.fixture(scope="module")
def pinned() -> dict:
    return json.loads(PINNED.read_text())


def test_the_pinned_file_covers_every_model_and_metric(script, pinned) -> None:
    assert pinned["schema_version"] == 1
    assert set(pinned["models"]) == {*script.NONNEURAL, script.TINY}
    for model, block in pinned["models"].items():
        assert set(block["metrics"]) == set(script.METRICS), model
        assert block["n"] == 49
    assert pinned["tolerance"][script.TINY] == script.TINY_TOLERANCE
    assert all(pinned["tolerance"][m] == 0.0 for m in script.NONNEURAL)


def test_drift_rules_exact_and_tolerant(script, pinned) -> None:
    now = copy.deepcopy(pinned)
    assert script.drift(pinned, now) == [] and script.diff(pinned, now) == []
    measure = now["models"]["measure"]["metrics"]["bleu4"]
    measure["value"] += 1e-12  # exact means exact
    tiny = now["models"][script.TINY]["metrics"]["rouge_l"]
    tiny["value"] += script.TINY_TOLERANCE / 2  # within the tolerance
    problems = script.drift(pinned, now)
    assert len(problems) == 1 and problems[0].startswith("measure bleu4:")
    assert len(script.diff(pinned, now)) == 2  # the diff shows every change
    tiny["value"] += script.TINY_TOLERANCE
    assert any(p.startswith(f"{script.TINY} rouge_l:") for p in script.drift(pinned, now))
    del now["models"]["constant"]["metrics"]["cider"]
    now["models"]["retrieval"]["metrics"]["rouge_l"]["signature"] += "|x"
    problems = script.drift(pinned, now)
    assert "constant cider: removed" in problems
    assert any(p.startswith("retrieval rouge_l: signature") for p in problems)


@pytest.mark.slow
@pytest.mark.parametrize("group", ["nonneural", "tiny"])
def test_demo_scores_match_the_pinned_snapshots(
    script, pinned, demo_dataset, tmp_path, request, group: str
) -> None:
    models = script.NONNEURAL if group == "nonneural" else (script.TINY,)
    runs = request.getfixturevalue("nonneural_demo_runs") if group == "nonneural" else None
    now = script.make_snapshots(tmp_path, only=models, runs=runs)
    problems = script.drift(script.subset(pinned, models), now)
    hint = "after a deliberate change: python scripts/refresh_score_snapshots.py"
    assert not problems, "\n".join([*problems, hint])
