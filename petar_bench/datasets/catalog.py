"""Resolving a dataset name or directory to its manifest; the synthetic demo is made on demand.

`--dataset demo` (the default) means the embedded synthetic dataset, generated
deterministically on first use into the cache directory. `--dataset petarseg-11k` means the
real dataset from a local copy that holds a manifest.json (made by `petar-bench data import`;
docs/data.md). Anything else is a directory holding a manifest.json.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from petar_bench.errors import UserError
from petar_bench.paths import cache_dir
from petar_bench.records import MANIFEST_NAME, Manifest, read_manifest
from petar_bench.registry import datasets

DEMO_NAMES = ("demo", "synthetic-demo")
DEMO_SEED = 0
PETARSEG_ENV = "PETAR_BENCH_PETARSEG_DIR"


@dataclass(frozen=True)
class DatasetHandle:
    name: str
    root: Path
    manifest: Manifest


def demo_root(seed: int = DEMO_SEED) -> Path:
    from petar_bench.datasets.synthetic import SYNTHETIC_VERSION

    return cache_dir() / "datasets" / f"synthetic-demo-v{SYNTHETIC_VERSION}-seed{seed}"


def ensure_demo(
    seed: int = DEMO_SEED, progress: Callable[[int, int], None] | None = None
) -> DatasetHandle:
    """The synthetic demo dataset, generated into the cache on first use.

    Generation writes into a temporary sibling folder that is renamed into place at the
    end, so an interrupted generation never leaves a half dataset that looks complete.
    """
    from petar_bench.datasets.synthetic import generate_synthetic_dataset

    root = demo_root(seed)
    if not (root / MANIFEST_NAME).is_file():
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}."))
        try:
            generate_synthetic_dataset(staging, seed=seed, progress=progress)
            try:
                os.rename(staging, root)
            except OSError:
                # Another process finished first; its copy is identical (deterministic).
                if not (root / MANIFEST_NAME).is_file():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return DatasetHandle("synthetic-demo", root, read_manifest(root))


def petarseg_root() -> Path:
    configured = os.environ.get(PETARSEG_ENV)
    return Path(configured) if configured else cache_dir() / "datasets" / "petarseg-11k"


def resolve_dataset(
    spec: str | Path, progress: Callable[[int, int], None] | None = None
) -> DatasetHandle:
    """A dataset by name ('demo', 'petarseg-11k') or by directory."""
    text = str(spec)
    if text in DEMO_NAMES:
        return ensure_demo(progress=progress)
    if text == "petarseg-11k":
        root = petarseg_root()
        if not (root / MANIFEST_NAME).is_file():
            raise UserError(
                f"PETARSeg-11K was not found (no manifest.json in {str(root)!r}); set "
                f"{PETARSEG_ENV} to your imported copy ('petar-bench data import', docs/data.md)"
            )
        return DatasetHandle("petarseg-11k", root, read_manifest(root))
    root = Path(text).expanduser()
    if not root.exists():
        raise UserError(
            f"dataset {text!r} is neither a known name (demo, petarseg-11k) nor an existing "
            "directory; check the path or run 'petar-bench ls datasets'"
        )
    manifest = read_manifest(root)
    return DatasetHandle(manifest.dataset, root, manifest)


@datasets.register(
    "demo", description="Synthetic whole-body PET/CT demo (made on first use; not real data)"
)
def _demo() -> DatasetHandle:
    return ensure_demo()


@datasets.register(
    "petarseg-11k",
    description=f"PETARSeg-11K (real, gated): a 'data import' copy at ${PETARSEG_ENV}",
    needs=("import",),
)
def _petarseg() -> DatasetHandle:
    return resolve_dataset("petarseg-11k")
