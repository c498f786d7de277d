"""Library side of `petar-bench score`: predictions file + references -> scores JSON."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from petar_bench.errors import UserError
from petar_bench.fileio import atomic_write_text, read_jsonl


def read_predictions(path: Path) -> dict[str, str]:
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
    ids: Path | None = None,
    console: Console,
) -> Any:
    from petar_bench.metrics.scoring import score_texts
    from petar_bench.report_table import print_scores
    from petar_bench.volumes.measured import measure_records, wants_measurements

    if (references is None) == (dataset is None):
        raise UserError("give exactly one of --references FILE or --dataset NAME")
    predictions = read_predictions(predictions_path)
    context: dict[str, Any] = {}
    if references is not None:
        rows = read_jsonl(references)
        refs = _read_pairs(references, "reference")
        patients = {r["sample_id"]: str(r["patient_id"]) for r in rows if "patient_id" in r}
        context["patient_ids"] = patients if len(patients) == len(refs) else None
    else:
        from petar_bench.datasets.catalog import resolve_dataset

        handle = resolve_dataset(dataset or "demo")
        records = handle.manifest.split(split)
        if wants_measurements(metrics):
            context["measurements"] = measure_records(handle.root, handle.manifest, records)
        refs = {r.sample_id: r.reference for r in records}
        context.update(
            patient_ids={r.sample_id: r.patient_id for r in records},
            records={r.sample_id: r for r in records},
            split_fingerprint=handle.manifest.fingerprint(split),
            dataset=handle.manifest.dataset,
            synthetic=handle.manifest.synthetic,
        )
    if ids is not None:
        from petar_bench.commands.references import read_id_list, restrict

        wanted = read_id_list(ids)
        predictions, refs, context = restrict(wanted, predictions, refs, context, ids)
        context["full_split"] = False
    report = score_texts(
        predictions,
        refs,
        list(metrics),
        metric_options=metric_options(
            green_url=green_url,
            green_model=green_model,
            bertscore_model=bertscore_model,
            bertscore_layer=bertscore_layer,
        ),
        n_bootstrap=n_bootstrap,
        seed=seed,
        **context,
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
    return report
