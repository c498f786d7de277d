"""Shared fixtures: tiny random LaMed checkpoints (made once per session) and a loaded runner.

Fixtures import torch lazily, so the pure-Python tests here run without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "lamed"


@pytest.fixture(scope="session")
def tiny_petar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from petar_bench.baselines.lamed.tiny import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("petar") / "ckpt", seed=0)


@pytest.fixture(scope="session")
def tiny_m3d(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from petar_bench.baselines.lamed.tiny import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("m3d") / "ckpt", seed=1, kind="m3d")


@pytest.fixture(scope="session")
def petar_runner(tiny_petar: Path):
    from petar_bench.baselines.lamed._runtime import LamedRunner

    return LamedRunner(tiny_petar, device="cpu", dtype="float32")


@pytest.fixture(scope="session")
def reference_config() -> dict:
    return json.loads((DATA / "petar4b_config_reconstructed.json").read_text())


@pytest.fixture(scope="session")
def reference_layout() -> dict[str, tuple[int, ...]]:
    rows = (DATA / "petar4b_checkpoint_keys.tsv").read_text().splitlines()[1:]
    return {name: tuple(json.loads(shape)) for name, shape, _ in (r.split("\t") for r in rows)}
