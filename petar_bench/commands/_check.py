"""`petar-bench check`: options, output and exit code (0 pass, 1 regression, 2 user error)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from petar_bench.errors import UserError

#: Exit code of a check that found a regression (user errors exit 2 through UserError).
EXIT_REGRESSION = 1


def _split_list(text: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (text or "").split(",") if item.strip())


def check(
    run: Annotated[Path, typer.Argument(help="The run directory to check (or a baseline file).")],
    baseline: Annotated[
        Path | None,
        typer.Option(help="Baseline: a file from --write-baseline, or a run directory."),
    ] = None,
    write_baseline: Annotated[
        bool,
        typer.Option(
            "--write-baseline", help="Write RUN as a baseline file to --output instead of checking."
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            help="With --write-baseline: the baseline file. Otherwise: write the report "
            "(in --format) here instead of printing it."
        ),
    ] = None,
    metrics: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated metric ids to check (default: all; then the run and the "
            "baseline must have the same set)."
        ),
    ] = None,
    tolerance: Annotated[
        str,
        typer.Option(
            help="'auto' (paired test + one bootstrap SE) or an absolute drop X in the metric's "
            "own units."
        ),
    ] = "auto",
    alpha: Annotated[
        float, typer.Option(help="Significance level of the one-sided test (Holm-corrected).")
    ] = 0.05,
    format: Annotated[
        str, typer.Option("--format", help="Report format: text, json, junit or github.")
    ] = "text",
    n_trials: Annotated[int, typer.Option(help="Approximate-randomization trials.")] = 10000,
    n_bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for the delta's CI and SE.")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the permutations and resamples.")] = 12345,
    show_samples: Annotated[
        int, typer.Option(help="How many most-changed samples to show per regressed metric.")
    ] = 3,
) -> None:
    """Fail (exit 1) when RUN is worse than the baseline beyond noise; exit 0 otherwise.

    Per metric: baseline, now, the paired delta with its 95% CI, the one-sided p-value
    (Holm over the metrics), the verdict, and the samples that changed most. A different
    split, sample set, metric set or metric signature is refused (exit 2)."""
    console = Console()
    if write_baseline:
        _write(run, baseline, output, console)
        return
    if baseline is None:
        raise UserError("check needs --baseline FILE_OR_RUN (or --write-baseline --output FILE)")
    code = run_check(
        run,
        baseline,
        metrics=_split_list(metrics) or None,
        tolerance=tolerance,
        alpha=alpha,
        fmt=format,
        output=output,
        n_trials=n_trials,
        n_bootstrap=n_bootstrap,
        seed=seed,
        show_samples=show_samples,
        console=console,
    )
    if code:
        raise typer.Exit(code)


def _write(run: Path, baseline: Path | None, output: Path | None, console: Console) -> None:
    from petar_bench.check import write_baseline

    if baseline is not None:
        raise UserError("--write-baseline writes RUN to --output; drop --baseline")
    if output is None:
        raise UserError("--write-baseline needs --output FILE (e.g. --output baseline.json)")
    written = write_baseline(run, output)
    console.print(
        f"baseline written to {output}: {len(written.metrics)} metric(s), "
        f"{len(written.sample_ids)} samples, split {written.split_fingerprint}"
    )


def run_check(
    run: Path,
    baseline: Path,
    *,
    metrics: tuple[str, ...] | None,
    tolerance: str,
    alpha: float,
    fmt: str,
    output: Path | None,
    n_trials: int,
    n_bootstrap: int,
    seed: int,
    show_samples: int,
    console: Console,
) -> int:
    """Check, print or write the report, and return the exit code (0 or 1)."""
    from petar_bench._bounds import (
        N_BOOTSTRAP_RANGE,
        N_TRIALS_RANGE,
        SHOW_SAMPLES_RANGE,
        check_range,
        check_seed,
    )
    from petar_bench.check import check_run
    from petar_bench.check._render import FORMATS, render, summary_line

    check_range("--n-trials", n_trials, N_TRIALS_RANGE)
    check_range("--n-bootstrap", n_bootstrap, N_BOOTSTRAP_RANGE)
    check_seed(seed)
    check_range("--show-samples", show_samples, SHOW_SAMPLES_RANGE)
    if not 0.0 < alpha < 1.0:
        raise UserError(f"--alpha must be between 0 and 1 (exclusive), not {alpha}")
    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    result = check_run(
        run,
        baseline,
        metrics=metrics,
        tolerance=tolerance,
        alpha=alpha,
        n_trials=n_trials,
        n_bootstrap=n_bootstrap,
        seed=seed,
        n_samples=show_samples,
    )
    if output is not None:
        from petar_bench.fileio import atomic_write_text

        report = render(result, fmt)
        if not isinstance(report, str):
            target = Console(record=True, width=120, file=io.StringIO())
            target.print(report)
            report = target.export_text()
        atomic_write_text(output, report)
        console.print(f"{summary_line(result)} (report written to {output})")
    else:
        report = render(result, fmt)
        if isinstance(report, str):
            typer.echo(report, nl=False)
        else:
            console.print(report)
    return 0 if result.passed else EXIT_REGRESSION


def fail_if_worse(
    run: Path,
    baseline: Path,
    metrics: tuple[str, ...] | None,
    n_trials: int,
    seed: int,
    console: Console,
) -> None:
    """`compare --fail-if-worse`: the verdict of `check RUN --baseline BASELINE` with the
    default rule (auto tolerance, alpha 0.05), so both commands pass and fail alike."""
    from rich.text import Text

    from petar_bench.check import check_run
    from petar_bench.check._render import summary_line

    result = check_run(run, baseline, metrics=metrics, n_trials=n_trials, seed=seed)
    for m in result.regressions:
        console.print(Text(f"{m.metric}: {m.reason}", style="red"))
    console.print(Text(summary_line(result) + " (rule of 'petar-bench check')"))
    if not result.passed:
        raise typer.Exit(EXIT_REGRESSION)
