"""Resolving a dataset name or directory to its manifest; the synthetic demo is made on demand.

`--dataset demo` (the default) means the embedded synthetic dataset, generated
deterministically on first use into the cache directory; `--dataset demo-full` its test split
at PETARSeg-11K's size (1,175 lesions), made the same way. `--dataset petarseg-11k` means the
real dataset from a local copy that holds a manifest.json (made by `petar-bench data import`;
docs/data.md). Anything else is a directory holding a manifest.json.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from petar_bench._paths import cache_dir
from petar_bench.errors import UserError
from petar_bench.records import MANIFEST_NAME, Manifest, read_manifest
from petar_bench.registry import datasets

DEMO_NAMES = ("demo", "synthetic-demo")
DEMO_FULL_NAMES = ("demo-full", "synthetic-demo-full")
DEMO_SEED = 0
PETARSEG_ENV = "PETAR_BENCH_PETARSEG_DIR"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DatasetHandle:
    name: str
    root: Path
    manifest: Manifest


def demo_root(seed: int = DEMO_SEED) -> Path:
    from petar_bench.datasets.synthetic import SYNTHETIC_VERSION

    return cache_dir() / "datasets" / f"synthetic-demo-v{SYNTHETIC_VERSION}-seed{seed}"


def demo_full_root(seed: int = DEMO_SEED) -> Path:
    from petar_bench.datasets.synthetic import SYNTHETIC_VERSION

    return cache_dir() / "datasets" / f"synthetic-demo-full-v{SYNTHETIC_VERSION}-seed{seed}"


def ensure_demo(
    seed: int = DEMO_SEED, progress: Callable[[int, int], None] | None = None, workers: int = 1
) -> DatasetHandle:
    """The synthetic demo dataset, generated into the cache on first use."""
    from petar_bench.datasets.synthetic import generate_synthetic_dataset

    def make(staging: Path, report: Progress) -> None:
        generate_synthetic_dataset(staging, seed=seed, progress=report, workers=workers)

    return _ensure_generated(demo_root(seed), "synthetic-demo", make, progress)


def ensure_demo_full(
    seed: int = DEMO_SEED, progress: Callable[[int, int], None] | None = None, workers: int = 1
) -> DatasetHandle:
    """`demo-full` (the synthetic test split at PETARSeg-11K's size, 1,175 lesions), generated
    into the cache on first use; `workers` processes render patients in parallel."""
    from petar_bench.datasets import synthetic

    def make(staging: Path, report: Progress) -> None:
        synthetic.generate_full_test_dataset(
            staging,
            seed=seed,
            progress=report,
            workers=workers,
            n_lesions=synthetic.FULL_TEST_LESIONS,
        )

    return _ensure_generated(demo_full_root(seed), "synthetic-demo-full", make, progress)


def _ensure_generated(
    root: Path,
    name: str,
    make: Callable[[Path, Progress], None],
    progress: Progress | None,
) -> DatasetHandle:
    """`root`'s dataset, made by `make` into a staging sibling renamed into place at the end.

    An interrupted generation never leaves a half dataset that looks complete, and the next
    call resumes it (the staging folder keeps the finished patients). A lock makes a second
    process wait for the first instead of generating the same files beside it. Without a
    `progress` callback, a bar on a terminal's stderr says what the wait is for.
    """
    if not (root / MANIFEST_NAME).is_file():
        root.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive(root.parent / f".{root.name}.lock"):
            if not (root / MANIFEST_NAME).is_file():
                staging = root.parent / f".{root.name}.partial"
                if not (staging / MANIFEST_NAME).is_file():
                    with _first_use_progress(name, progress) as report:
                        make(staging, report)
                if root.exists():  # a folder without a manifest: not a dataset of ours
                    shutil.rmtree(root)
                try:
                    os.rename(staging, root)
                except OSError:
                    # Without a lock (see _exclusive) another process may have finished first;
                    # its copy is identical (deterministic).
                    if not (root / MANIFEST_NAME).is_file():
                        raise
    return DatasetHandle(name, root, read_manifest(root))


@contextmanager
def _first_use_progress(name: str, progress: Progress | None) -> Iterator[Progress]:
    """`progress`, or a bar on stderr (drawn only on a terminal outside CI)."""
    if progress is not None:
        yield progress
        return
    from petar_bench.console import stderr_progress

    with stderr_progress(f"making {name} (first use, then cached)") as bar:
        yield bar


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `path` (POSIX). Where none can be taken (Windows, a
    file system without locks) concurrent first uses may both generate: same bytes."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:
            yield
            return
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def petarseg_root() -> Path:
    configured = os.environ.get(PETARSEG_ENV)
    return Path(configured) if configured else cache_dir() / "datasets" / "petarseg-11k"


def resolve_dataset(
    spec: str | Path, progress: Callable[[int, int], None] | None = None
) -> DatasetHandle:
    """A dataset by name ('demo', 'demo-full', 'petarseg-11k') or by directory."""
    text = str(spec)
    if text in DEMO_NAMES:
        return ensure_demo(progress=progress)
    if text in DEMO_FULL_NAMES:
        return ensure_demo_full(progress=progress)
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
            f"dataset {text!r} is neither a known name (demo, demo-full, petarseg-11k) nor an "
            "existing directory; check the path or run 'petar-bench ls datasets'"
        )
    manifest = read_manifest(root)
    return DatasetHandle(manifest.dataset, root, manifest)


@datasets.register(
    "demo", description="Synthetic whole-body PET/CT demo (made on first use; not real data)"
)
def _demo() -> DatasetHandle:
    return ensure_demo()


@datasets.register(
    "demo-full",
    description="Synthetic test split at PETARSeg-11K's size, 1,175 lesions (made on first use)",
)
def _demo_full() -> DatasetHandle:
    return ensure_demo_full()


@datasets.register(
    "petarseg-11k",
    description=f"PETARSeg-11K (real, gated): a 'data import' copy at ${PETARSEG_ENV}",
    needs=("import",),
)
def _petarseg() -> DatasetHandle:
    return resolve_dataset("petarseg-11k")
