"""Library side of `petar-bench score`: predictions file + references -> scores JSON."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from petar_bench._bounds import LAYER_RANGE, N_BOOTSTRAP_RANGE, check_range, check_seed
from petar_bench._text_pairs import read_prediction_texts, read_text_pairs
from petar_bench.errors import UserError
from petar_bench.fileio import atomic_write_text, ensure_output_file, read_jsonl
from petar_bench.metrics._inputs import ScoreInputs, dataset_inputs

if TYPE_CHECKING:
    from petar_bench.metrics.scoring import ScoreReport


def metric_options(
    *,
    green_url: str | None = None,
    green_model: str | None = None,
    green_max_tokens: int | None = None,
    green_concurrency: int | None = None,
    bertscore_model: str | None = None,
    bertscore_layer: int | None = None,
    meteor_backend: str | None = None,
) -> dict[str, dict[str, Any]]:
    options: dict[str, dict[str, Any]] = {}
    if meteor_backend is not None:
        from petar_bench.metrics._meteor import BACKENDS

        if meteor_backend not in BACKENDS:
            raise UserError(f"--meteor-backend must be one of {', '.join(BACKENDS)}")
        options["meteor"] = options["meteor_masked"] = {"backend": meteor_backend}
    if green_url:
        # With a server, the model name is the server's name for the judge.
        options["green"] = {
            "url": green_url,
            **({"server_model": green_model} if green_model else {}),
        }
    elif green_model:
        options["green"] = {"model": green_model}
    if green_max_tokens is not None or green_concurrency is not None:
        if green_url is None:
            raise UserError("--green-max-tokens and --green-concurrency need --green-url")
        for name, value in (("max_tokens", green_max_tokens), ("concurrency", green_concurrency)):
            if value is not None and value < 1:
                raise UserError(f"--green-{name.replace('_', '-')} must be 1 or more, not {value}")
            if value is not None:
                options["green"][name] = value
    if bertscore_model or bertscore_layer is not None:
        options["bertscore"] = {
            k: v
            for k, v in (("model", bertscore_model), ("layer", bertscore_layer))
            if v is not None
        }
    return options


def score_files(
    predictions_path: Path,
    *,
    references: Path | None,
    dataset: str | None,
    split: str,
    metrics: Sequence[str],
    output: Path | None,
    green_url: str | None = None,
    green_model: str | None = None,
    green_max_tokens: int | None = None,
    green_concurrency: int | None = None,
    max_judge_failures: int = 0,
    bertscore_model: str | None = None,
    bertscore_layer: int | None = None,
    meteor_backend: str | None = None,
    n_bootstrap: int = 1000,
    seed: int = 12345,
    ids: Path | None = None,
    console: Console,
) -> ScoreReport:
    """Score a predictions file; exits 1 (after writing what was computed) when a metric
    asked for was not computed or a judge left more samples unjudged than allowed."""
    from petar_bench.console import print_scores
    from petar_bench.metrics._inputs import score_inputs

    if max_judge_failures < 0:
        raise UserError(f"--max-judge-failures must be 0 or more, not {max_judge_failures}")
    if (references is None) == (dataset is None):
        raise UserError("give exactly one of --references FILE or --dataset NAME")
    check_range("--n-bootstrap", n_bootstrap, N_BOOTSTRAP_RANGE)
    check_seed(seed)
    if bertscore_layer is not None:
        check_range("--bertscore-layer", bertscore_layer, LAYER_RANGE)
    if output is not None:  # before the scoring pass, not after it
        ensure_output_file(output, what="scores file")
    predictions = read_prediction_texts(predictions_path)
    if references is not None:
        inputs = _reference_inputs(predictions, references)
    else:
        inputs = _dataset_inputs(predictions, dataset or "demo", split, metrics)
    if ids is not None:
        from petar_bench.commands._references import read_id_list, restrict

        inputs = restrict(read_id_list(ids), inputs, ids)
    report = score_inputs(
        inputs,
        list(metrics),
        metric_options=metric_options(
            green_url=green_url,
            green_model=green_model,
            green_max_tokens=green_max_tokens,
            green_concurrency=green_concurrency,
            bertscore_model=bertscore_model,
            bertscore_layer=bertscore_layer,
            meteor_backend=meteor_backend,
        ),
        n_bootstrap=n_bootstrap,
        seed=seed,
    )
    print_scores({predictions_path.name: report}, console)
    if ids is not None:
        console.print(
            f"SUBSET: {report.n} sample(s) listed in {ids} (not the whole split); scores are "
            "not comparable with full-split results",
            markup=False,
            highlight=False,
        )
    if output is not None:
        atomic_write_text(output, report.model_dump_json(indent=1) + "\n")
        console.print(f"scores written to {output}")
    problems = incomplete_metrics(report, metrics, max_judge_failures)
    if problems:
        raise UserError("; ".join(problems), exit_code=1)
    return report


def _reference_inputs(predictions: dict[str, str], references: Path) -> ScoreInputs:
    """A references JSONL: texts, and patient ids when every row has one."""
    rows = read_jsonl(references, what="references file")
    refs = read_text_pairs(rows, references, "reference")
    patients = {r["sample_id"]: str(r["patient_id"]) for r in rows if "patient_id" in r}
    return ScoreInputs(
        predictions, refs, patient_ids=patients if len(patients) == len(refs) else None
    )


def _dataset_inputs(
    predictions: dict[str, str], dataset: str, split: str, metrics: Sequence[str]
) -> ScoreInputs:
    from petar_bench.datasets._catalog import resolve_dataset

    handle = resolve_dataset(dataset)
    manifest = handle.manifest
    return dataset_inputs(
        predictions,
        manifest.split(split),
        metrics,
        root=handle.root,
        manifest=manifest,
        dataset=manifest.dataset,
        synthetic=manifest.synthetic,
        split_fingerprint=manifest.fingerprint(split),
    )


def incomplete_metrics(report: Any, metrics: Sequence[str], max_judge_failures: int) -> list[str]:
    """Why a score report is not the complete answer to the metrics asked for (empty: it is)."""
    problems = [
        f"{m} was not computed ({report.not_computed[m]})"
        for m in metrics
        if m in report.not_computed
    ]
    for metric_id, score in report.metrics.items():
        n_not = int(score.extras.get("n_not_judged") or 0)
        if n_not > max_judge_failures:
            problems.append(
                f"{metric_id}: {n_not} of {score.n} samples not judged (more than "
                f"--max-judge-failures {max_judge_failures}); the judge's answers so far are "
                "cached: fix the judge server and rerun the same command to ask only the rest"
            )
    return problems
