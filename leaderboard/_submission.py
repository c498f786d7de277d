"""`petar-bench leaderboard submit`: check a predictions file, re-score it, write an entry.

Every check runs before anything is scored or written, and the entry is written atomically
at the very end, so a refused or interrupted submission never leaves a half-written entry.
Scoring is the official one: `score_texts` with the board's metrics against the board's split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from petar_bench._hashing import sha256_json
from petar_bench.errors import UserError
from petar_bench.fileio import read_json_model
from petar_bench.leaderboard._config import (
    DEFAULT_BOARD,
    BoardConfig,
    load_board_config,
    user_boards_dir,
)
from petar_bench.leaderboard._entry import (
    BoardEntry,
    ModelInfo,
    StoredPredictions,
    TrainingDeclaration,
    TrainingSplit,
    write_entry,
)
from petar_bench.leaderboard._scored import entry_metrics
from petar_bench.leaderboard._validate import Predictions, name_some, read_predictions
from petar_bench.metrics.scoring import ScoreReport
from petar_bench.records import LesionRecord, Manifest


class TrainingData(BaseModel):
    """Declared training data as submitted (patient ids are checked, then stored as a hash)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str = Field(min_length=1, max_length=2000)
    datasets: list[TrainingSplit] = Field(default_factory=list)
    patient_ids: list[str] = Field(default_factory=list)


class SubmissionMetadata(BaseModel):
    """What a submitter declares next to the predictions file (JSON, or CLI options)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: ModelInfo
    training: TrainingData
    split_fingerprint: str | None = Field(
        None, description="Fingerprint of the split the predictions were made on."
    )
    harness_version: str | None = Field(
        None, description="petar-bench version the predictions were made with."
    )
    kind: Literal["submission", "baseline"] = "submission"
    notes: str = Field("", max_length=2000)


@dataclass(frozen=True)
class SubmitResult:
    entry: BoardEntry
    path: Path


def load_metadata(path: Path) -> SubmissionMetadata:
    """A metadata JSON file, e.g. {"model": {"name": ...}, "training": {"description": ...}}."""
    return read_json_model(Path(path), SubmissionMetadata, what="submission metadata")


def _version(text: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", text)[:3]
    if not parts:
        raise UserError(f"harness version {text!r} is not a version number like 0.1.0")
    return tuple(int(p) for p in parts)


def check_harness(config: BoardConfig, declared: str | None) -> None:
    from petar_bench import __version__

    installed, minimum = _version(__version__), _version(config.min_harness_version)
    if installed < minimum:
        raise UserError(
            f"board {config.board_id!r} needs petar-bench >= {config.min_harness_version}; "
            f"this is {__version__}: upgrade petar-bench"
        )
    if declared is None:
        return
    made = _version(declared)
    if made < minimum or made[0] != installed[0] or made > installed:
        raise UserError(
            f"predictions made with petar-bench {declared}; board {config.board_id!r} accepts "
            f"{config.min_harness_version} to {__version__} (same major version): regenerate "
            "them with a supported version, or upgrade"
        )


def check_fingerprint(config: BoardConfig, declared: str | None, actual: str) -> None:
    if config.split_fingerprint is None:
        raise UserError(
            f"board {config.board_id!r} has no pinned split fingerprint yet, so it takes no "
            "submissions; ask the maintainers to pin it"
        )
    if actual != config.split_fingerprint:
        raise UserError(
            f"your copy of dataset {config.dataset!r} split {config.split!r} has fingerprint "
            f"{actual}, not the board's {config.split_fingerprint}: run "
            "'petar-bench data verify' and re-import or regenerate it"
        )
    if declared is not None and declared != config.split_fingerprint:
        raise UserError(
            f"predictions come from another split: declared fingerprint {declared}, board "
            f"{config.board_id!r} is on {config.split_fingerprint}"
        )


def check_training(
    config: BoardConfig, manifest: Manifest, training: TrainingData, records: Sequence[LesionRecord]
) -> None:
    """Refuse training data that includes the board's own test split or its patients."""
    names = {config.dataset, manifest.dataset}
    for ref in training.datasets:
        if ref.dataset in names and ref.split == config.split:
            raise UserError(
                f"declared training data includes the evaluation split itself "
                f"({ref.dataset}/{ref.split}); such a submission cannot be ranked"
            )
    test_patients = {r.patient_id for r in records}
    overlap = sorted(test_patients.intersection(training.patient_ids))
    if overlap:
        raise UserError(
            f"declared training data overlaps the {config.split} split: {len(overlap)} "
            f"training patient ids are {config.split} patients: {name_some(overlap)}"
        )


def _resolve(
    config: BoardConfig, dataset: Manifest | None
) -> tuple[Manifest, list[LesionRecord], Path | None]:
    """The board's split, and the dataset folder when known (image measurements need it)."""
    root: Path | None = None
    if dataset is None:
        from petar_bench.datasets._catalog import resolve_dataset

        handle = resolve_dataset(config.dataset)
        dataset, root = handle.manifest, handle.root
    if dataset.synthetic != config.synthetic:
        raise UserError(
            f"board {config.board_id!r} is on {'synthetic' if config.synthetic else 'real'} "
            f"data, dataset {dataset.dataset!r} is not"
        )
    return dataset, dataset.split(config.split), root


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "model"


def _declaration(training: TrainingData) -> TrainingDeclaration:
    ids = sorted(set(training.patient_ids))
    return TrainingDeclaration(
        description=training.description,
        datasets=training.datasets,
        n_patients=len(ids),
        patient_ids_sha256=sha256_json(ids) if ids else None,
    )


def _target(config: BoardConfig, entry_id: str, out_dir: Path | None, overwrite: bool) -> Path:
    path = Path(out_dir or user_boards_dir() / config.board_id) / f"{entry_id}.json"
    if path.exists() and not overwrite:
        raise UserError(
            f"an entry for these predictions already exists: {str(path)!r} (same model name "
            "and predictions); remove it first or pass --overwrite"
        )
    return path


def score_predictions(
    config: BoardConfig,
    manifest: Manifest,
    records: Sequence[LesionRecord],
    preds: Predictions,
    root: Path | None = None,
) -> ScoreReport:
    """The official scoring: the board's metrics, full split, patient-clustered CIs."""
    from petar_bench import registry
    from petar_bench.metrics._inputs import dataset_inputs, score_inputs

    installed = set(registry.metrics.names())
    # A required metric that is not installed fails loudly inside score_texts; an optional
    # one is left out here and listed as not computed by the caller.
    wanted = [m for m in config.scored_metrics if m in installed or m in config.required_metrics]
    ids = [r.sample_id for r in records]
    inputs = dataset_inputs(
        dict(zip(ids, preds.texts, strict=True)),
        records,
        wanted,
        root=root,
        manifest=manifest,
        dataset=manifest.dataset,
        synthetic=manifest.synthetic,
        split_fingerprint=config.split_fingerprint,
    )
    return score_inputs(inputs, wanted, seed=config.seed, n_bootstrap=config.n_bootstrap)


def submit(
    predictions: Path,
    metadata: SubmissionMetadata,
    *,
    board: str | Path = DEFAULT_BOARD,
    out_dir: Path | None = None,
    dataset: Manifest | None = None,
    overwrite: bool = False,
) -> SubmitResult:
    """Validate, re-score and write one entry; raises UserError (nothing written) on any problem.

    `dataset` defaults to resolving the board's dataset; `out_dir` defaults to
    `$PETAR_BENCH_HOME/leaderboard/<board_id>/`, which `show` and `render` read.
    """
    from petar_bench import __version__

    config = load_board_config(board)
    check_harness(config, metadata.harness_version)
    manifest, records, root = _resolve(config, dataset)
    check_fingerprint(config, metadata.split_fingerprint, manifest.fingerprint(config.split))
    check_training(config, manifest, metadata.training, records)
    check_metadata_free_of_references(metadata, records)
    where = f"split {config.split} of {manifest.dataset}"
    preds = read_predictions(
        Path(predictions), [r.sample_id for r in records], config.limits, where=where
    )
    entry_id = f"{_slug(metadata.model.name)}-{preds.sha256[:8]}"
    path = _target(config, entry_id, out_dir, overwrite)
    report = score_predictions(config, manifest, records, preds, root)
    metrics, not_computed, strata = entry_metrics(report, [r.sample_id for r in records])
    for metric_id in config.scored_metrics:
        if metric_id not in metrics and metric_id not in not_computed:
            not_computed[metric_id] = "not installed in this petar-bench"
    lacking = [m for m in config.required_metrics if m not in metrics]
    if lacking:
        reasons = "; ".join(f"{m}: {not_computed.get(m, 'not computed')}" for m in lacking)
        raise UserError(f"required metrics could not be computed, nothing written: {reasons}")
    entry = BoardEntry(
        entry_id=entry_id,
        board_id=config.board_id,
        kind=metadata.kind,
        model=metadata.model,
        training=_declaration(metadata.training),
        dataset=manifest.dataset,
        synthetic=manifest.synthetic,
        split=config.split,
        split_fingerprint=manifest.fingerprint(config.split),
        harness_version=__version__,
        declared_harness_version=metadata.harness_version,
        predictions_sha256=preds.sha256,
        predictions=StoredPredictions.pack(preds.sample_ids, preds.texts),
        n=len(records),
        sample_ids=[r.sample_id for r in records],
        patient_index=patient_index([r.patient_id for r in records]),
        metrics=metrics,
        not_computed=not_computed,
        strata=strata,
        created=datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        notes=metadata.notes,
    )
    assert_no_references(entry, records)
    return SubmitResult(entry, write_entry(entry, path))


def patient_index(patient_ids: Sequence[str]) -> list[int]:
    order = {p: i for i, p in enumerate(sorted(set(patient_ids)))}
    return [order[p] for p in patient_ids]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def check_metadata_free_of_references(
    metadata: SubmissionMetadata, records: Sequence[LesionRecord]
) -> None:
    """Refuse, before any scoring, metadata that quotes a reference text of the split.

    Metadata is published on the board, and references of a gated dataset must not be. The
    message names neither the field nor the sample: it would otherwise confirm to anyone
    which string is a reference (a lookup service for gated texts).
    """
    text = "\x00".join(_normalised(s) for s in _strings(metadata.model_dump(mode="json")))
    for record in records:
        reference = _normalised(record.reference)
        if len(reference) >= 20 and reference in text:
            raise UserError(
                "the submission metadata quotes the evaluation data; metadata is published "
                "with the entry, so describe the model and its training data in your own "
                "words, nothing written"
            )


def assert_no_references(entry: BoardEntry, records: Sequence[LesionRecord]) -> None:
    """Last guard before writing: no reference text (of a gated dataset) inside the entry.

    References are not written by design; this catches a metric that puts text in its extras.
    """
    text = "\x00".join(_strings(entry.model_dump(mode="json")))
    leaked = [r.sample_id for r in records if len(r.reference) >= 20 and r.reference in text]
    if leaked:
        raise RuntimeError(f"entry would contain reference texts of {name_some(leaked)}")
