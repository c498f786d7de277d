"""`petar-bench report` and `petar-bench reader-study export|import|correlate`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from petar_bench.console import plain, progress_bar

if TYPE_CHECKING:
    from petar_bench.report._study_correlate import CorrelateResult

reader_study_app = typer.Typer(
    help="Blinded reader-study packets, ratings import, and metric-physician agreement.",
    no_args_is_help=True,
)

RunsArgument = Annotated[
    list[Path], typer.Argument(help="Scored run directories over the same samples.")
]


def report(
    runs: RunsArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the report.")],
    reader_study: Annotated[
        Path | None,
        typer.Option(help="Ratings file from 'reader-study import': add its tables."),
    ] = None,
    n_bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples of the reader-study rho CIs.")
    ] = 1000,
) -> None:
    """Static HTML report: per sample the PET MIP, tri-planar views, findings side by side
    with differences marked, metric values and field agreement; summary plots with CIs."""
    from petar_bench._bounds import N_BOOTSTRAP_RANGE, check_range
    from petar_bench.report._build import build_report
    from petar_bench.report._runs import load_runs

    check_range("--n-bootstrap", n_bootstrap, N_BOOTSTRAP_RANGE)
    console = Console()
    sections = []
    if reader_study is not None:
        from petar_bench.report._study_correlate import correlate, html_section
        from petar_bench.report._study_ratings import read_ratings

        result = correlate(read_ratings(reader_study), n_bootstrap=n_bootstrap)
        sections.append(html_section(result))
    loaded = load_runs(runs)
    with progress_bar(console, len(loaded.records), "report") as advance:
        made = build_report(loaded, output, extra_sections=sections, progress=advance)
    plain(console, f"report of {made.n_runs} run(s), {made.n_samples} samples: {made.page}")


@reader_study_app.command("export")
def export(
    runs: RunsArgument,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for packet/ and key.json.")
    ],
    seed: Annotated[int, typer.Option(help="Seed of the ids, the order and the A/B sides.")] = 0,
    include_reference: Annotated[
        bool,
        typer.Option(
            "--include-reference", help="Add the human reference findings as a blinded control."
        ),
    ] = False,
) -> None:
    """Blinded, randomised packet (HTML form + CSV) in OUTPUT/packet; the key in
    OUTPUT/key.json: give readers the packet folder only."""
    from petar_bench._bounds import check_seed
    from petar_bench.report._study import export_packet

    check_seed(seed)
    made = export_packet(runs, output, seed=seed, include_reference=include_reference)
    console = Console()
    plain(
        console,
        f"packet: {made.packet} ({made.n_cases} cases, {made.n_pairs} pairs, "
        f"{made.n_lesions} lesions); key (keep it from the readers): {made.key}",
    )


@reader_study_app.command("import")
def import_(
    ratings: Annotated[list[Path], typer.Argument(help="Readers' ratings CSV files.")],
    key: Annotated[Path, typer.Option(help="The key.json written by 'reader-study export'.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Ratings file to write (default: ratings.json beside the key)."
        ),
    ] = None,
) -> None:
    """Validate every row (unknown case, value outside 1-5, duplicate reader-case pair)
    and write one ratings file for 'reader-study correlate'."""
    from petar_bench.report._study_ratings import import_ratings, write_ratings

    imported = import_ratings(ratings, key)
    path = write_ratings(imported, output or Path(key).with_name("ratings.json"))
    raters = len({r.rater for r in imported.ratings} | {p.rater for p in imported.preferences})
    plain(
        Console(),
        f"{len(imported.ratings)} case ratings and {len(imported.preferences)} preferences "
        f"from {raters} reader(s) written to {path}",
    )


@reader_study_app.command("correlate")
def correlate(
    ratings: Annotated[Path, typer.Argument(help="Ratings file from 'reader-study import'.")],
    axis: Annotated[
        str,
        typer.Option(
            help="Physician score: anatomical_accuracy, interpretation_accuracy, "
            "overall_utility or mean (of the three)."
        ),
    ] = "mean",
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the tables as Markdown to this file.")
    ] = None,
    n_bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples of the rho CIs.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 12345,
) -> None:
    """Spearman rho (patient-bootstrap CI) and Kendall tau-b of every metric with the
    physicians' scores, reader scores per system, ICC and Krippendorff's alpha, preferences."""
    from petar_bench._bounds import N_BOOTSTRAP_RANGE, check_range, check_seed
    from petar_bench.fileio import atomic_write_text
    from petar_bench.report import _study_correlate as sc
    from petar_bench.report._study_ratings import read_ratings

    check_range("--n-bootstrap", n_bootstrap, N_BOOTSTRAP_RANGE)
    check_seed(seed)
    result = sc.correlate(read_ratings(ratings), axis=axis, n_bootstrap=n_bootstrap, seed=seed)
    console = Console()
    _print_study_tables(result, console)
    if markdown is not None:
        atomic_write_text(markdown, sc.markdown(result))
        plain(console, f"Markdown tables written to {markdown}")


def _print_study_tables(result: CorrelateResult, console: Console) -> None:
    """The correlation tables (laid out like the paper's Tables 4 and 5) in the terminal."""
    from rich.markup import escape
    from rich.table import Table

    from petar_bench.console import print_banner
    from petar_bench.report._study_correlate import tables

    if result.synthetic:
        print_banner(console)
    for title, header, rows in tables(result):
        table = Table(title=escape(title))
        for index, name in enumerate(header):
            table.add_column(escape(name), justify="left" if index == 0 else "right")
        for row in rows:
            table.add_row(*[escape(c) for c in row])
        console.print(table)
