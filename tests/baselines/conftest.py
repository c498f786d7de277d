"""The non-neural baselines run once per session on the demo test split: the acceptance tests
and the score snapshots read the same runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def snapshot_script() -> ModuleType:
    """scripts/refresh_score_snapshots.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "refresh_score_snapshots", ROOT / "scripts" / "refresh_score_snapshots.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def nonneural_demo_runs(
    demo_dataset, tmp_path_factory, snapshot_script: ModuleType
) -> dict[str, Path]:
    """Run folders of measure, retrieval and constant on the demo test split, made as the
    snapshot script makes them (its metrics include the acceptance tests' BLEU-4 and
    ROUGE-L)."""
    root = tmp_path_factory.mktemp("demo-runs")
    return {m: snapshot_script.run_nonneural(m, root / m) for m in snapshot_script.NONNEURAL}
