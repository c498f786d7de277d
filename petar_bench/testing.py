"""A pytest plugin so a model repository guards itself in its own test suite.

Opt in (it is never loaded by itself): ``pytest -p petar_bench.testing``, or in the top-level
``conftest.py``::

    pytest_plugins = ["petar_bench.testing"]

Then, in a test::

    def test_findings_do_not_regress(petar_bench_run, petar_bench_check):
        run = petar_bench_run("my-model", limit=16)          # the demo test split, 16 lesions
        petar_bench_check(run, "tests/petar-baseline.json")  # fails on a regression

``pytest --petar-bench-update-baselines`` (re)writes the baseline files instead of checking
them, on purpose. ``assert_no_regression(run_dir, baseline)`` is the same check without
fixtures. Importing this module loads no torch: models load only when a run is made.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from petar_bench.errors import UserError

#: Metrics a guard run scores by default: fast, and none needs Java, a model or a server.
GUARD_METRICS = ("bleu1", "bleu4", "rouge_l", "pet_region_acc", "pet_suvmax_fidelity")
_UPDATE = "--petar-bench-update-baselines"


def report_text(result: Any, width: int = 120) -> str:
    """The terminal report of a CheckResult as plain text."""
    from rich.console import Console

    from petar_bench.check._render import text_report

    console = Console(record=True, width=width, file=io.StringIO())
    console.print(text_report(result))
    return console.export_text()


def assert_no_regression(
    run_dir: str | Path,
    baseline: str | Path,
    *,
    metrics: Sequence[str] | None = None,
    tolerance: float | str = "auto",
    alpha: float = 0.05,
    n_trials: int = 10_000,
    seed: int = 12345,
) -> Any:
    """Raise AssertionError (with the check's report) when `run_dir` regressed against
    `baseline` (a baseline file or a run directory); return the CheckResult otherwise.
    Incomparable runs (another split, metric set or signature) raise UserError."""
    from petar_bench.check import check_run

    result = check_run(
        Path(run_dir),
        Path(baseline),
        metrics=metrics,
        tolerance=tolerance,
        alpha=alpha,
        n_trials=n_trials,
        seed=seed,
    )
    if not result.passed:
        raise AssertionError(report_text(result))
    return result


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("petar-bench", "PETAR-Bench regression guard")
    group.addoption(
        _UPDATE,
        action="store_true",
        default=False,
        help="Write the baseline files of petar_bench_check instead of checking against them.",
    )


@pytest.fixture(scope="session")
def petar_bench_demo() -> Any:
    """The synthetic demo dataset (made once into the PETAR-Bench cache, then reused)."""
    from petar_bench.datasets._catalog import ensure_demo

    return ensure_demo()


@pytest.fixture(scope="session")
def petar_bench_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """petar_bench_run(model, *, dataset="demo", split="test", limit=None, metrics=...,
    model_options=None, batch_size=1, seed=0) -> a scored run directory (made once per
    session for the same arguments)."""
    made: dict[str, Path] = {}

    def run(
        model: str,
        *,
        dataset: str = "demo",
        split: str = "test",
        limit: int | None = None,
        metrics: Sequence[str] = GUARD_METRICS,
        model_options: dict[str, Any] | None = None,
        batch_size: int = 1,
        seed: int = 0,
    ) -> Path:
        from petar_bench.engine import RunRequest, run_benchmark

        key = repr((model, dataset, split, limit, tuple(metrics), model_options, batch_size, seed))
        if key in made:
            return made[key]
        out = tmp_path_factory.mktemp("petar-bench-run")
        result = run_benchmark(
            RunRequest(
                model=model,
                model_options=dict(model_options or {}),
                dataset=dataset,
                split=split,
                limit=limit,
                batch_size=batch_size,
                output_dir=out,
                metrics=tuple(metrics),
                seed=seed,
            ),
            quiet=True,
        )
        if result.n_failed:
            raise UserError(f"{result.n_failed} sample(s) failed; see {result.failures_path}")
        made[key] = out
        return out

    return run


@pytest.fixture
def petar_bench_check(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """petar_bench_check(run_dir, baseline_file, **check_options): assert_no_regression, or
    with --petar-bench-update-baselines, write `baseline_file` from the run."""
    update = bool(request.config.getoption(_UPDATE, default=False))

    def check(run_dir: str | Path, baseline: str | Path, **options: Any) -> Any:
        from petar_bench.check import write_baseline

        if update:
            return write_baseline(Path(run_dir), Path(baseline))
        if not Path(baseline).exists():
            pytest.fail(f"no baseline {str(baseline)!r}: create it with pytest {_UPDATE}")
        return assert_no_regression(run_dir, baseline, **options)

    return check


__all__ = [
    "GUARD_METRICS",
    "assert_no_regression",
    "petar_bench_check",
    "petar_bench_demo",
    "petar_bench_run",
    "report_text",
]
