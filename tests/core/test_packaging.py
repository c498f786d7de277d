"""The package layout: one namespace, four folders, every package listed."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {
    "petar_bench": "petar_bench",
    "metrics": "petar_bench.metrics",
    "baselines": "petar_bench.baselines",
    "leaderboard": "petar_bench.leaderboard",
}


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = set()
    for folder, name in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *relative)))
    assert found - listed == set(), "add these to [tool.setuptools] packages"


def test_import_is_light() -> None:
    """`import petar_bench` and the CLI module must not pull torch or transformers."""
    code = (
        "import sys, petar_bench, petar_bench.cli, petar_bench.registry as r; r.models.names();"
        "print(sorted(m for m in ('torch','transformers','monai') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_baselines_never_import_the_synthetic_generator() -> None:
    """A model sees images only: no module under baselines/ may import the generator."""
    offenders = []
    for path in (ROOT / "baselines").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if any("datasets" in n and "petar_bench" in n for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
