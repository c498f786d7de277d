"""Library side of `petar-bench data synth|verify`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from petar_bench.errors import UserError
from petar_bench.progress import progress_callback

if TYPE_CHECKING:
    from petar_bench.records import Manifest
    from petar_bench.volumes.checks import Problem


def synth(*, output: Path | None, seed: int, console: Console) -> Path:
    """Generate the synthetic dataset into `output` (default: the demo cache for this seed)."""
    from petar_bench.datasets.catalog import demo_root, ensure_demo
    from petar_bench.datasets.synthetic import generate_synthetic_dataset

    with progress_callback(console, "generating synthetic PET/CT") as progress:
        if output is None:
            handle = ensure_demo(seed=seed, progress=progress)
            root, manifest = handle.root, handle.manifest
        else:
            if output.exists() and any(output.iterdir()):
                raise UserError(f"{str(output)!r} is not empty; choose a new or empty directory")
            root = output
            manifest = generate_synthetic_dataset(root, seed=seed, progress=progress)
    counts = {
        s: len([r for r in manifest.records if r.split == s]) for s in ("train", "val", "test")
    }
    console.print(
        f"SYNTHETIC dataset (seed {seed}) at {root} (default demo root: {demo_root(seed)})\n"
        f"lesions: train {counts['train']}, val {counts['val']}, test {counts['test']}; "
        f"test fingerprint {manifest.split_fingerprints.get('test', '?')}"
    )
    return root


def verify(dataset: str, *, console: Console) -> None:
    """Print what differs; exit non-zero (UserError) when anything does."""
    from petar_bench.datasets.catalog import resolve_dataset
    from petar_bench.records import verify_dataset

    handle = resolve_dataset(dataset)
    report = verify_dataset(handle.root)
    for split, (stored, actual) in report.fingerprints.items():
        status = "ok" if stored == actual else "DIFFERS"
        console.print(f"split {split}: {status}  stored {stored}  recomputed {actual}")
    for path in report.missing:
        console.print(f"missing: {path}")
    for path in report.changed:
        console.print(f"changed: {path}")
    problems = _content_problems(handle.root, handle.manifest, console)
    if problems and report.ok:
        raise UserError(
            f"dataset {report.dataset!r}: {len(problems)} problem(s) in its contents (listed "
            "above)",
            exit_code=1,
        )
    if not report.ok:
        raise UserError(
            f"dataset {report.dataset!r} does not match its manifest: "
            f"{len(report.missing)} missing, {len(report.changed)} changed file(s) (listed above)",
            exit_code=1,
        )
    console.print(
        f"dataset {report.dataset!r}: all volumes and fingerprints match; contents pass the "
        "import checks"
    )


def _content_problems(root: Path, manifest: Manifest, console: Console) -> list[Problem]:
    """The import checks on what is on disk; warnings printed, errors returned."""
    from petar_bench.datasets.content_checks import dataset_problems

    with progress_callback(console, "checking volumes") as progress:
        problems = dataset_problems(root, manifest, progress=progress)
    for problem in problems:
        console.print(f"{problem.severity}: {problem.message}", markup=False, highlight=False)
    return [p for p in problems if p.severity == "error"]
