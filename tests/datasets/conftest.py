"""Small synthetic datasets, generated once per test session (each takes a few seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from petar_bench.datasets.synthetic import generate_synthetic_dataset
from petar_bench.records import Manifest

SMALL = 8  # patients: two per tracer, so every tracer has a train and a test patient


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    root = tmp_path_factory.mktemp("synthetic_seed0")
    calls: list[tuple[int, int]] = []
    manifest = generate_synthetic_dataset(
        root, seed=0, n_patients=SMALL, progress=lambda done, total: calls.append((done, total))
    )
    assert calls[-1] == (SMALL, SMALL)
    return root, manifest


@pytest.fixture(scope="session")
def small_dataset_again(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    root = tmp_path_factory.mktemp("synthetic_seed0_again")
    return root, generate_synthetic_dataset(root, seed=0, n_patients=SMALL)


@pytest.fixture(scope="session")
def other_seed_dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    root = tmp_path_factory.mktemp("synthetic_seed1")
    return root, generate_synthetic_dataset(root, seed=1, n_patients=SMALL)
