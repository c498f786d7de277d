"""The `petar-bench` command line: thin commands, each parsing options and calling the library.

User mistakes surface as `UserError` and are printed as one line (`error: ...`) with a
non-zero exit code; anything else is a bug and keeps its traceback (without local variables).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from petar_bench.commands._check import check as check_command
from petar_bench.commands._report import reader_study_app
from petar_bench.commands._report import report as report_command
from petar_bench.console import ConsoleReporter
from petar_bench.errors import UserError
from petar_bench.metrics import catalog as metric_catalog

app = typer.Typer(
    name="petar-bench",
    help=(
        "Benchmark and evaluation suite for lesion-level findings generation on 3D PET/CT "
        "(the PETAR task).\n\n"
        "Start here: 'petar-bench demo' scores the non-neural baselines on the embedded "
        "synthetic dataset. Then: run a model ('petar-bench run --model petar-4b --weights "
        "DIR'), score your own predictions ('petar-bench score'), submit to the leaderboard "
        "('petar-bench leaderboard submit'), compare two runs ('petar-bench compare')."
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)
data_app = typer.Typer(help="Make and verify datasets.", no_args_is_help=True)
ls_app = typer.Typer(help="List models, metrics or datasets.", no_args_is_help=True)
leaderboard_app = typer.Typer(
    help="Show, render and submit to the leaderboard.", no_args_is_help=True
)
app.add_typer(data_app, name="data")
app.add_typer(ls_app, name="ls")
app.add_typer(leaderboard_app, name="leaderboard")

console = Console()
err_console = Console(stderr=True)

DEFAULT_METRICS = ",".join(metric_catalog.DEFAULT_METRICS)


def _split_list(text: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (text or "").split(",") if item.strip())


def _parse_options(pairs: list[str] | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--model-option {pair!r} must look like KEY=VALUE")
        options[key.strip().replace("-", "_")] = value
    return options


# --------------------------------------------------------------------------- run / demo


@app.command()
def run(
    model: Annotated[
        str, typer.Option("--model", "-m", help="Adapter name (see 'petar-bench ls models').")
    ],
    dataset: Annotated[
        str,
        typer.Option(help="'demo' (synthetic, default), 'petarseg-11k', or a dataset directory."),
    ] = "demo",
    split: Annotated[str, typer.Option(help="Split to evaluate: train, val or test.")] = "test",
    limit: Annotated[
        int | None,
        typer.Option(help="Only the first N samples (results are NOT comparable to a full split)."),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Lesions per generate() call.")] = 1,
    shard: Annotated[
        str | None,
        typer.Option(help="Run only shard I of N ('I/N'); merge shards with 'petar-bench merge'."),
    ] = None,
    output_dir: Annotated[
        Path | None, typer.Option(help="Run directory (default runs/<model>-<dataset>-<split>).")
    ] = None,
    metrics: Annotated[
        str, typer.Option(help="Comma-separated metric ids (see 'petar-bench ls metrics').")
    ] = DEFAULT_METRICS,
    weights: Annotated[
        str | None,
        typer.Option(help="Model weights: a local directory or a hub id (neural adapters)."),
    ] = None,
    model_option: Annotated[
        list[str] | None,
        typer.Option(
            "--model-option",
            "-o",
            help="Adapter option KEY=VALUE (repeatable), e.g. -o prompt_seed=3.",
        ),
    ] = None,
    device: Annotated[
        str | None,
        typer.Option(
            help="Where a neural model runs: auto, cpu, cuda or cuda:N (= -o device=...)."
        ),
    ] = None,
    dtype: Annotated[
        str | None,
        typer.Option(
            help="Weights dtype of a neural model: auto, float32, bfloat16 or float16 "
            "(= -o dtype=...; part of the run key; float32 is the release's setting)."
        ),
    ] = None,
    num_workers: Annotated[
        int, typer.Option(help="DataLoader workers that load and preprocess volumes.")
    ] = 0,
    retry_failed: Annotated[
        bool, typer.Option(help="Retry samples that failed in an earlier attempt of this run.")
    ] = False,
    max_failures: Annotated[
        int, typer.Option(help="Abort when more samples than this fail (error budget).")
    ] = 0,
    seed: Annotated[
        int, typer.Option(help="Seed set before fitting and generation (part of the run key).")
    ] = 0,
    no_score: Annotated[
        bool,
        typer.Option("--no-score", help="Generate only; score later with 'petar-bench score'."),
    ] = False,
) -> None:
    """Generate findings with a model on a split, score them, and write a run directory.

    The run directory holds config.json (settings, provenance, split fingerprint, run key),
    predictions.jsonl and scores.json. Running the same command again resumes: samples
    already generated under the same run key are skipped.
    """
    from petar_bench.engine import RunRequest, parse_shard, run_benchmark

    options = _parse_options(model_option)
    for name, value in (("weights", weights), ("device", device), ("dtype", dtype)):
        if value is None:
            continue
        if name in options and options[name] != value:
            raise UserError(f"--{name} {value} and -o {name}={options[name]} disagree; give one")
        options[name] = value
    request = RunRequest(
        model=model,
        model_options=options,
        dataset=dataset,
        split=split,
        limit=limit,
        batch_size=batch_size,
        shard=parse_shard(shard) if shard is not None else None,
        output_dir=output_dir,
        metrics=_split_list(metrics),
        num_workers=num_workers,
        retry_failed=retry_failed,
        max_failures=max_failures,
        seed=seed,
        score=not no_score,
        argv=list(sys.argv),
    )
    _exit_on_failures(run_benchmark(request, reporter=ConsoleReporter(console)))


def _exit_on_failures(result: Any) -> None:
    """Failed samples within the error budget leave files behind but must fail the command."""
    if result.n_failed:
        raise UserError(
            f"{result.n_failed} sample(s) failed (see {result.failures_path}); fix the cause "
            "and rerun with --retry-failed",
            exit_code=1,
        )


@app.command()
def demo(
    output_dir: Annotated[Path, typer.Option(help="Where the demo's run directories go.")] = Path(
        "runs/demo"
    ),
    metrics: Annotated[str, typer.Option(help="Comma-separated metric ids.")] = DEFAULT_METRICS,
) -> None:
    """Score the three non-neural baselines on the synthetic demo test split (no GPU, no data,
    no weights needed) and print them side by side."""
    from petar_bench.commands._demo import run_demo

    run_demo(output_dir=output_dir, metrics=_split_list(metrics), console=console)


@app.command()
def merge(
    sources: Annotated[
        list[Path], typer.Argument(help="Run directories or shard store files of one run.")
    ],
    output_dir: Annotated[
        Path | None,
        typer.Option(help="Where the merged run goes (default: the first run directory)."),
    ] = None,
    run_key: Annotated[
        str | None,
        typer.Option(help="Merge only stores of this run key (when sources hold several)."),
    ] = None,
    metrics: Annotated[
        str, typer.Option(help="Comma-separated metric ids to score after merging.")
    ] = DEFAULT_METRICS,
    no_score: Annotated[bool, typer.Option("--no-score", help="Merge only.")] = False,
) -> None:
    """Merge the shard stores of a sharded run, proving every sample is present exactly once.

    Refuses stores of another run key and names any missing or duplicated sample ids;
    nothing is written when it refuses."""
    from petar_bench.engine import merge_shards

    result = merge_shards(
        list(sources),
        output_dir=output_dir,
        run_key=run_key,
        metrics=_split_list(metrics),
        score=not no_score,
        reporter=ConsoleReporter(console),
        argv=list(sys.argv),
    )
    _exit_on_failures(result)


# --------------------------------------------------------------------------- score / compare


@app.command()
def score(
    predictions: Annotated[
        Path, typer.Argument(help='Predictions JSONL: {"sample_id", "prediction"} per line.')
    ],
    references: Annotated[
        Path | None,
        typer.Option(
            help='References JSONL: {"sample_id", "reference"} (+ optional "patient_id").'
        ),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(help="Take references from this dataset instead ('demo', a directory, ...)."),
    ] = None,
    split: Annotated[str, typer.Option(help="Split of --dataset.")] = "test",
    metrics: Annotated[str, typer.Option(help="Comma-separated metric ids.")] = DEFAULT_METRICS,
    output: Annotated[Path | None, typer.Option(help="Write the scores JSON here.")] = None,
    green_url: Annotated[
        str | None,
        typer.Option(help="OpenAI-compatible server (vLLM, TGI, llama.cpp) for the GREEN judge."),
    ] = None,
    green_model: Annotated[
        str | None,
        typer.Option(
            help="GREEN judge: model name on the server, or a local path / hub id for transformers."
        ),
    ] = None,
    green_max_tokens: Annotated[
        int | None,
        typer.Option(
            help="Answer tokens per GREEN judge request (default: the judge's 2,048-token budget, or the server's smaller context, minus the prompt)."
        ),
    ] = None,
    green_concurrency: Annotated[
        int | None, typer.Option(help="GREEN judge requests kept in flight at once (default 8).")
    ] = None,
    max_judge_failures: Annotated[
        int,
        typer.Option(
            help="Samples an LLM judge may leave unjudged (requests failed after retries) before the command exits 1."
        ),
    ] = 0,
    bertscore_model: Annotated[
        str | None, typer.Option(help="BERTScore model name or local folder.")
    ] = None,
    bertscore_layer: Annotated[
        int | None, typer.Option(help="BERTScore layer (required for a local folder).")
    ] = None,
    meteor_backend: Annotated[
        str | None, typer.Option(help="METEOR 1.5 backend: native (default) or jar (needs Java).")
    ] = None,
    n_bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs.")] = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 12345,
    ids: Annotated[
        Path | None,
        typer.Option(help="Score only these sample ids (one per line); labelled as a subset."),
    ] = None,
) -> None:
    """Score a predictions file against references (no images needed).

    Exits 1 when a metric named in --metrics was not computed or a judge left more than
    --max-judge-failures samples unjudged (the scores file is still written)."""
    from petar_bench.commands._score import score_files

    score_files(
        predictions,
        references=references,
        dataset=dataset,
        split=split,
        metrics=_split_list(metrics),
        output=output,
        green_url=green_url,
        green_model=green_model,
        green_max_tokens=green_max_tokens,
        green_concurrency=green_concurrency,
        max_judge_failures=max_judge_failures,
        bertscore_model=bertscore_model,
        bertscore_layer=bertscore_layer,
        meteor_backend=meteor_backend,
        n_bootstrap=n_bootstrap,
        seed=seed,
        ids=ids,
        console=console,
    )


@app.command()
def compare(
    run_a: Annotated[Path, typer.Argument(help="First run directory (or leaderboard entry JSON).")],
    run_b: Annotated[
        Path, typer.Argument(help="Second run directory (or leaderboard entry JSON).")
    ],
    n_trials: Annotated[int, typer.Option(help="Approximate-randomization trials.")] = 10000,
    seed: Annotated[int, typer.Option(help="Seed of the permutations.")] = 12345,
    metrics: Annotated[
        str | None,
        typer.Option(help="Comma-separated metric ids (default: all that both runs have)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Also write the comparison as JSON here.")
    ] = None,
    fail_if_worse: Annotated[
        bool,
        typer.Option(
            help="Exit 1 when RUN_A is worse than RUN_B beyond noise (the rule of 'check RUN_A --baseline RUN_B')."
        ),
    ] = False,
) -> None:
    """Paired, patient-clustered significance tests between two runs, per metric.

    Both runs must be on the same split fingerprint and sample ids. Prints, per metric, the
    two corpus values, the difference (effect size) and the approximate-randomization
    p-value from permuting whole patients. With --fail-if-worse it exits 1 exactly when
    'petar-bench check RUN_A --baseline RUN_B' would."""
    from petar_bench.commands._compare import compare_cli

    compare_cli(
        run_a,
        run_b,
        n_trials=n_trials,
        seed=seed,
        console=console,
        metrics=_split_list(metrics) or None,
        output=output,
    )
    if fail_if_worse:
        from petar_bench.commands._check import fail_if_worse as check_worse

        check_worse(run_a, run_b, _split_list(metrics) or None, n_trials, seed, console)


app.command("check")(check_command)
app.command("report")(report_command)
app.add_typer(reader_study_app, name="reader-study")


# --------------------------------------------------------------------------- data


@data_app.command("synth")
def data_synth(
    output: Annotated[
        Path | None, typer.Option(help="Directory to write (default: the dataset's cache).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Generator seed (the demo uses 0).")] = 0,
    dataset: Annotated[
        str, typer.Option(help="'demo' or 'demo-full' (test split only, 1,175 lesions).")
    ] = "demo",
    workers: Annotated[
        int, typer.Option(help="Worker processes rendering patients (same bytes for any number).")
    ] = 1,
) -> None:
    """Generate the synthetic PET/CT dataset deterministically from a seed."""
    from petar_bench.commands._data import synth

    synth(output=output, seed=seed, console=console, dataset=dataset, workers=workers)


@data_app.command("verify")
def data_verify(
    dataset: Annotated[
        str, typer.Argument(help="'demo', 'petarseg-11k' or a dataset directory.")
    ] = "demo",
    seal: Annotated[
        bool,
        typer.Option(
            "--seal",
            help="First record the checksums and split fingerprints the manifest lacks "
            "(from the files as they are now).",
        ),
    ] = False,
) -> None:
    """Re-hash every volume and recompute the split fingerprints; name each file that differs."""
    from petar_bench.commands._data import verify

    verify(dataset, console=console, seal=seal)


@data_app.command("import")
def data_import(
    src: Annotated[Path, typer.Argument(help="Folder, table file or DICOM tree to import.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Dataset directory to write (new, empty, or an earlier import to resume).",
        ),
    ],
    layout: Annotated[
        str, typer.Option(help="auto, folders, table, labelmap or dicom (docs/data.md).")
    ] = "auto",
    split_file: Annotated[
        Path | None,
        typer.Option(help="JSON or CSV assigning sample, exam or patient ids to train/val/test."),
    ] = None,
    split_column: Annotated[
        str | None, typer.Option(help="Table column holding each lesion's split.")
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="FIELD=COLUMN for table/labelmap columns (repeatable)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Print the layout, mapping and first lesions; write nothing.")
    ] = False,
    workers: Annotated[
        int, typer.Option(help="Worker processes reading and converting volumes.")
    ] = 1,
    strict: Annotated[
        bool, typer.Option(help="Refuse the import (no manifest) on any warning or skipped lesion.")
    ] = False,
    components: Annotated[
        bool,
        typer.Option(help="labelmap: label connected components instead of using label values."),
    ] = False,
    tracer: Annotated[
        str | None, typer.Option(help="Tracer for sources that do not record it (e.g. FDG).")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Dataset name (default: the output folder's name).")
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed of the patient-level split when no split is given.")
    ] = 0,
    setting: Annotated[
        list[str] | None,
        typer.Option(help="Layout-specific KEY=VALUE (e.g. for DICOM; repeatable)."),
    ] = None,
) -> None:
    """Import PETARSeg-11K or your own PET/CT into a dataset directory (docs/data.md)."""
    from petar_bench.commands._data_import import import_data, parse_pairs
    from petar_bench.datasets.importers._engine import ImportRequest

    request = ImportRequest(
        src=src,
        output=output,
        layout=layout,
        split_file=split_file,
        split_column=split_column,
        mapping=parse_pairs(map_, "--map"),
        dry_run=dry_run,
        workers=workers,
        strict=strict,
        components=components,
        tracer=tracer,
        name=name,
        seed=seed,
        settings=parse_pairs(setting, "--setting"),
    )
    import_data(request, console=console)


@data_app.command("export")
def data_export(
    dataset: Annotated[str, typer.Argument(help="'demo', 'petarseg-11k' or a dataset directory.")],
    layout: Annotated[str, typer.Option(help="folders, table, labelmap or dicom.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="New or empty directory.")],
    patients: Annotated[int | None, typer.Option(help="Only the first N patients.")] = None,
    split: Annotated[str | None, typer.Option(help="Only this split.")] = None,
    ct_spacing: Annotated[
        str | None, typer.Option(help="Write the CT on its own finer grid, e.g. '1.5,1.5,4' mm.")
    ] = None,
) -> None:
    """Write a dataset in one of the import layouts (hand the phantoms to other tools)."""
    from petar_bench.commands._data_export import export_command

    export_command(dataset, layout, output, patients, split, ct_spacing, console=console)


@data_app.command("export-references")
def data_export_references(
    dataset: Annotated[str, typer.Argument(help="'demo', 'petarseg-11k' or a dataset directory.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL file to write.")],
    split: Annotated[str, typer.Option(help="Split to export.")] = "test",
) -> None:
    """Write a split's references (with patient ids and record fields) as JSONL for 'score'."""
    from petar_bench.commands._references import export_references

    export_references(dataset, split=split, output=output, console=console)


# --------------------------------------------------------------------------- ls


@ls_app.command("models")
def ls_models() -> None:
    """Model adapters (built-in and from the 'petar_bench.models' entry point)."""
    from petar_bench.commands._listing import list_models

    list_models(console)


@ls_app.command("metrics")
def ls_metrics() -> None:
    """Metrics with their signatures and what each needs (Java, a model, a server)."""
    from petar_bench.commands._listing import list_metrics

    list_metrics(console)


@ls_app.command("datasets")
def ls_datasets() -> None:
    """Datasets by name (any directory with a manifest.json works too)."""
    from petar_bench.commands._listing import list_datasets

    list_datasets(console)


# --------------------------------------------------------------------------- leaderboard

BoardOption = Annotated[
    str | None,
    typer.Option(help="Board name or directory (default: the synthetic-demo board)."),
]
EntriesOption = Annotated[
    list[Path] | None,
    typer.Option(metavar="DIR", help="Extra folder of entry JSON files to include (repeatable)."),
]


@leaderboard_app.command("show")
def leaderboard_show(
    board: BoardOption = None,
    entry: Annotated[
        str | None,
        typer.Option(help="Show one entry's provenance and strata (tracer, size, SUVmax, region)."),
    ] = None,
    entries: EntriesOption = None,
) -> None:
    """Print the leaderboard in the terminal, section by section."""
    from petar_bench.commands._leaderboard import show

    show(board=board, console=console, entry=entry, extra=entries or ())


@leaderboard_app.command("render")
def leaderboard_render(
    format: Annotated[str, typer.Option("--format", help="'md' or 'html'.")] = "html",
    output: Annotated[
        Path | None,
        typer.Option(help="Output file (default: stdout for md, leaderboard.html for html)."),
    ] = None,
    board: BoardOption = None,
    entries: EntriesOption = None,
) -> None:
    """Render the board as Markdown or a self-contained static HTML page (sortable columns,
    CIs, tie groups, bar charts with error bars, provenance per entry)."""
    from petar_bench.commands._leaderboard import render

    render(format=format, output=output, board=board, console=console, extra=entries or ())


@leaderboard_app.command("submit")
def leaderboard_submit(
    predictions: Annotated[
        Path, typer.Argument(help='Predictions JSONL: {"sample_id", "prediction"} per line.')
    ],
    name: Annotated[
        str,
        typer.Option(help="Model name shown on the board (required unless --metadata gives it)."),
    ] = "",
    organisation: Annotated[str, typer.Option(help="Who made the model.")] = "",
    params: Annotated[str, typer.Option(help="Parameter count, e.g. '4B'.")] = "",
    link: Annotated[str, typer.Option(help="Paper or code URL.")] = "",
    checkpoint: Annotated[
        str, typer.Option(help="Checkpoint identity (hub id, revision or hash).")
    ] = "",
    decoding: Annotated[
        str, typer.Option(help="Decoding settings, e.g. 'greedy, 256 new tokens'.")
    ] = "",
    training_data: Annotated[
        str,
        typer.Option(
            help="Required: what the model was trained on, e.g. 'petarseg-11k:train', or 'none'."
        ),
    ] = "",
    training_patients: Annotated[
        Path | None,
        typer.Option(
            help="File listing training patient ids, one per line (checked against the test split)."
        ),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            help="A local copy of the board's dataset (a directory); the board fixes which dataset."
        ),
    ] = None,
    split: Annotated[
        str | None, typer.Option(help="Split the predictions are for (default: the board's).")
    ] = None,
    board: Annotated[
        str | None,
        typer.Option(
            help="Board name or directory to write the entry into (default: synthetic-demo)."
        ),
    ] = None,
    metadata: Annotated[
        Path | None,
        typer.Option(help="JSON file with the submission metadata (instead of the options above)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace an existing entry of the same name.")
    ] = False,
) -> None:
    """Validate a predictions file, score it with the official suite and write a board entry.

    Nothing is written when anything is wrong; the message names the offending ids or lines."""
    from petar_bench.commands._leaderboard import submit

    submit(
        predictions,
        name=name,
        organisation=organisation,
        params=params,
        link=link,
        checkpoint=checkpoint,
        decoding=decoding,
        training_data=training_data,
        training_patients=training_patients,
        dataset=dataset,
        split=split,
        board=board,
        console=console,
        metadata=metadata,
        overwrite=overwrite,
    )


@leaderboard_app.command("verify")
def leaderboard_verify(
    board: BoardOption = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            help="Your copy of the board's dataset (a directory), holding the references."
        ),
    ] = None,
    entries: EntriesOption = None,
) -> None:
    """Re-score every entry of a board from its stored predictions; exit 1 on any mismatch."""
    from petar_bench.commands._leaderboard_verify import verify

    verify(board=board, dataset=dataset, extra=entries or (), console=console)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, printing user errors as one line without a traceback.

    Usage errors (unknown option, missing argument) are printed by click itself with the
    command's usage line and exit code 2.
    """
    try:
        app(args=argv)
    except UserError as exc:
        from rich.markup import escape

        err_console.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        err_console.print(INTERRUPTED, highlight=False, soft_wrap=True)
        raise SystemExit(130) from None
    except SystemExit as exc:
        if exc.code == 130:  # typer turns Ctrl-C into a silent exit 130
            err_console.print(INTERRUPTED, highlight=False, soft_wrap=True)
        raise


INTERRUPTED = (
    "interrupted: no file was left half-written; run the same command again to resume "
    "(a run reuses every sample it already generated)"
)
