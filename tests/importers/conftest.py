"""Importer fixtures: a tiny synthetic dataset, exported to each layout once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from import_helpers import CT_SPACING

from petar_bench.datasets.synthetic import generate_synthetic_dataset
from petar_bench.records import Manifest


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    root = tmp_path_factory.mktemp("tiny_synthetic")
    return root, generate_synthetic_dataset(root, seed=0, n_patients=4)


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory, tiny_dataset: tuple[Path, Manifest]):
    """layout -> folder with the first two patients exported, CT at 1.5 x 1.5 x 4 mm."""
    from petar_bench.datasets.importers._export import export_dataset

    root, _ = tiny_dataset
    made: dict[str, Path] = {}

    def get(layout: str) -> Path:
        if layout not in made:
            out = tmp_path_factory.mktemp(f"export_{layout}") / "src"
            export_dataset(
                str(root), layout=layout, output=out, patients=2, ct_spacing_mm=CT_SPACING
            )
            made[layout] = out
        return made[layout]

    return get
