"""Library side of `petar-bench score`: predictions file + references -> scores JSON."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from petar_bench.errors import UserError
from petar_bench.fileio import atomic_write_text, read_jsonl
from petar_bench.metrics.inputs import ScoreInputs, dataset_inputs

if TYPE_CHECKING:
    from petar_bench.metrics.scoring import ScoreReport


def read_prediction_texts(path: Path) -> dict[str, str]:
    """sample_id -> prediction; duplicates and non-text predictions are errors."""
    return _read_pairs(path, "prediction")


def _read_pairs(path: Path, field: str) -> dict[str, str]:
    rows = read_jsonl(path)
    pairs: dict[str, str] = {}
    duplicated: list[str] = []
    for number, row in enumerate(rows, start=1):
        sample_id, text = row.get("sample_id"), row.get(field)
        if not isinstance(sample_id, str) or not sample_id:
            raise UserError(f"{path}: row {number} has no string 'sample_id'")
        if not isinstance(text, str):
            raise UserError(f"{path}: row {number} ({sample_id!r}) has no string {field!r}")
        if sample_id in pairs:
            duplicated.append(sample_id)
        pairs[sample_id] = text
    if duplicated:
        shown = ", ".join(duplicated[:5]) + (" ..." if len(duplicated) > 5 else "")
        raise UserError(f"{path}: {len(duplicated)} duplicated sample id(s): {shown}")
    return pairs


def metric_options(
    *,
    green_url: str | None = None,
    green_model: str | None = None,
    bertscore_model: str | None = None,
    bertscore_layer: int | None = None,
) -> dict[str, dict[str, Any]]:
    options: dict[str, dict[str, Any]] = {}
    if green_url:
        # With a server, the model name is the server's name for the judge.
        options["green"] = {
            "url": green_url,
            **({"server_model": green_model} if green_model else {}),
        }
    elif green_model:
        options["green"] = {"model": green_model}
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
    bertscore_model: str | None = None,
    bertscore_layer: int | None = None,
    n_bootstrap: int = 1000,
    seed: int = 12345,
    console: Console,
) -> ScoreReport:
    from petar_bench.console import print_scores
    from petar_bench.metrics.inputs import score_inputs

    if (references is None) == (dataset is None):
        raise UserError("give exactly one of --references FILE or --dataset NAME")
    predictions = read_prediction_texts(predictions_path)
    if references is not None:
        inputs = _reference_inputs(predictions, references)
    else:
        inputs = _dataset_inputs(predictions, dataset or "demo", split, metrics)
    report = score_inputs(
        inputs,
        list(metrics),
        metric_options=metric_options(
            green_url=green_url,
            green_model=green_model,
            bertscore_model=bertscore_model,
            bertscore_layer=bertscore_layer,
        ),
        n_bootstrap=n_bootstrap,
        seed=seed,
    )
    print_scores({predictions_path.name: report}, console)
    if output is not None:
        atomic_write_text(output, report.model_dump_json(indent=1) + "\n")
        console.print(f"scores written to {output}")
    return report


def _reference_inputs(predictions: dict[str, str], references: Path) -> ScoreInputs:
    """A references JSONL: texts, and patient ids when every row has one."""
    rows = read_jsonl(references)
    refs = _read_pairs(references, "reference")
    patients = {r["sample_id"]: str(r["patient_id"]) for r in rows if "patient_id" in r}
    return ScoreInputs(
        predictions, refs, patient_ids=patients if len(patients) == len(refs) else None
    )


def _dataset_inputs(
    predictions: dict[str, str], dataset: str, split: str, metrics: Sequence[str]
) -> ScoreInputs:
    from petar_bench.datasets.catalog import resolve_dataset

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
