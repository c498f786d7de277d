"""Library side of `petar-bench data synth|verify`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from petar_bench._bounds import check_seed
from petar_bench.console import progress_callback
from petar_bench.errors import UserError, did_you_mean
from petar_bench.fileio import ensure_output_dir

if TYPE_CHECKING:
    from petar_bench.records import Manifest
    from petar_bench.volumes._checks import Problem


#: The synthetic datasets `data synth --dataset` makes.
SYNTH_DATASETS = ("demo", "demo-full")


def synth(
    *,
    output: Path | None,
    seed: int,
    console: Console,
    dataset: str = "demo",
    workers: int = 1,
) -> Path:
    """Generate a synthetic dataset into `output` (default: its cache folder for this seed).

    A rerun into an output folder left by an interrupted run (no manifest yet) resumes it."""
    from petar_bench.datasets import _catalog as catalog
    from petar_bench.datasets import _synthetic_build as synthetic_build
    from petar_bench.datasets import synthetic

    check_seed(seed)
    synthetic_build.check_workers(workers)
    if dataset not in SYNTH_DATASETS:
        raise UserError(
            f"--dataset must be one of {', '.join(SYNTH_DATASETS)}, not {dataset!r}"
            + did_you_mean(dataset, list(SYNTH_DATASETS))
        )
    full = dataset == "demo-full"
    if output is not None:
        ensure_output_dir(output, what="output folder")
        _check_synth_output(output)
    with progress_callback(console, f"generating synthetic PET/CT ({dataset})") as progress:
        if output is None:
            ensure = catalog.ensure_demo_full if full else catalog.ensure_demo
            handle = ensure(seed=seed, progress=progress, workers=workers)
            root, manifest = handle.root, handle.manifest
        else:
            root = output
            if full:
                manifest = synthetic.generate_full_test_dataset(
                    root,
                    seed=seed,
                    progress=progress,
                    workers=workers,
                    n_lesions=synthetic.FULL_TEST_LESIONS,
                )
            else:
                manifest = synthetic.generate_synthetic_dataset(
                    root, seed=seed, progress=progress, workers=workers
                )
    counts = {
        s: len([r for r in manifest.records if r.split == s]) for s in ("train", "val", "test")
    }
    default_root = catalog.demo_full_root(seed) if full else catalog.demo_root(seed)
    console.print(
        f"SYNTHETIC dataset {manifest.dataset!r} (seed {seed}) at {root} "
        f"(default root: {default_root})\n"
        f"lesions: train {counts['train']}, val {counts['val']}, test {counts['test']}; "
        f"test fingerprint {manifest.split_fingerprints.get('test', '?')}"
    )
    return root


def _check_synth_output(output: Path) -> None:
    """A new or empty folder, or one an interrupted `data synth` left (resumed)."""
    from petar_bench.datasets._synthetic_build import has_journal
    from petar_bench.records import MANIFEST_NAME

    if (output / MANIFEST_NAME).exists():
        raise UserError(
            f"{str(output)!r} already holds a dataset (manifest.json); choose a new or empty "
            "directory"
        )
    if any(output.iterdir()) and not has_journal(output):
        raise UserError(f"{str(output)!r} is not empty; choose a new or empty directory")


def verify(dataset: str, *, console: Console, seal: bool = False) -> None:
    """Print what differs; exit non-zero (UserError) when anything does.

    With `seal`, first record the checksums and fingerprints the manifest lacks."""
    from petar_bench.datasets._catalog import resolve_dataset
    from petar_bench.records import seal_dataset, verify_dataset

    handle = resolve_dataset(dataset)
    if seal:
        sealed = seal_dataset(handle.root)
        console.print(
            f"sealed {handle.root / 'manifest.json'}: fingerprints recorded for "
            f"{', '.join(sorted(sealed.split_fingerprints)) or 'no split'}"
        )
    report = verify_dataset(handle.root)
    for split, (stored, actual) in report.fingerprints.items():
        status = "ok" if stored == actual else "DIFFERS"
        console.print(f"split {split}: {status}  stored {stored}  recomputed {actual}")
    for path in report.missing:
        console.print(f"missing: {path}")
    for path in report.changed:
        console.print(f"changed: {path}")
    for split in report.unsealed_splits:
        console.print(f"split {split}: NO STORED FINGERPRINT")
    if report.unsealed_splits or report.unsealed_files:
        raise UserError(
            f"dataset {report.dataset!r} is not sealed: "
            f"{len(report.unsealed_splits)} split(s) without a fingerprint, "
            f"{len(report.unsealed_files)} volume(s) without a checksum; if these files are "
            f"the ones you mean to evaluate on, record them with "
            f"'petar-bench data verify {dataset} --seal'",
            exit_code=1,
        )
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
    from petar_bench.datasets._content_checks import dataset_problems

    with progress_callback(console, "checking volumes") as progress:
        problems = dataset_problems(root, manifest, progress=progress)
    for problem in problems:
        console.print(f"{problem.severity}: {problem.message}", markup=False, highlight=False)
    return [p for p in problems if p.severity == "error"]
