"""Submitting a `petar-bench run` directory (how the shipped baseline entries are made).

The run's config.json supplies the model card; its predictions.jsonl goes through the same
validation and official re-scoring as any submission, so a baseline gets no shortcut.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from petar_bench.errors import UserError
from petar_bench.fileio import read_json_object
from petar_bench.leaderboard._config import DEFAULT_BOARD
from petar_bench.leaderboard._entry import ModelInfo, TrainingSplit
from petar_bench.leaderboard._submission import (
    SubmissionMetadata,
    SubmitResult,
    TrainingData,
    submit,
)
from petar_bench.records import Manifest


def _adapter_trains(model: str) -> bool | None:
    """Whether the registered adapter fits on the train split (None: cannot tell), read from
    its factory's return type without building it (a neural adapter may load weights)."""
    import typing

    from petar_bench import registry

    try:
        hints = typing.get_type_hints(registry.models.get(model).factory)
    except (UserError, NameError, TypeError):
        return None
    value = getattr(hints.get("return"), "needs_training_data", None)
    return value if isinstance(value, bool) else None


def run_metadata(
    config: dict[str, Any],
    *,
    kind: Literal["submission", "baseline"] = "baseline",
    organisation: str = "PETAR-Bench",
    training: TrainingData | None = None,
) -> SubmissionMetadata:
    """Submission metadata from a run's config.json (model card, dataset, harness version)."""
    card = config.get("model_card") or {}
    if training is None:
        # Pretrained weights come from training data the run cannot know: declare it.
        trains = None if card.get("checkpoint") else _adapter_trains(str(config["model"]))
        if trains is None:
            raise UserError(
                f"cannot tell what model {config['model']!r} was trained on; declare its "
                "training data"
            )
        training = TrainingData(
            description=f"the train split of {config['dataset']} (fit by the adapter)"
            if trains
            else "none (no training data)",
            datasets=[TrainingSplit(dataset=str(config["dataset"]), split="train")]
            if trains
            else [],
        )
    provenance = config.get("provenance") or {}
    return SubmissionMetadata(
        model=ModelInfo(
            name=str(card.get("name") or config["model"]),
            organisation=organisation,
            parameters=str(card.get("settings", {}).get("parameters", "")),
            link=str(card.get("homepage") or ""),
            checkpoint=str(card.get("checkpoint") or ""),
            decoding=dict(card.get("decoding") or {}),
        ),
        training=training,
        split_fingerprint=config.get("split_fingerprint"),
        harness_version=(provenance.get("packages") or {}).get("petar-bench"),
        kind=kind,
        notes=str(card.get("description") or ""),
    )


def submit_run(
    run_dir: Path,
    *,
    board: str | Path = DEFAULT_BOARD,
    out_dir: Path | None = None,
    kind: Literal["submission", "baseline"] = "baseline",
    training: TrainingData | None = None,
    overwrite: bool = False,
    dataset: Manifest | None = None,
) -> SubmitResult:
    """Validate and re-score a run directory's predictions.jsonl as a board entry."""
    run_dir = Path(run_dir)
    config_path, predictions = run_dir / "config.json", run_dir / "predictions.jsonl"
    if not config_path.is_file() or not predictions.is_file():
        raise UserError(
            f"{str(run_dir)!r} is not a finished run (config.json and predictions.jsonl needed)"
        )
    config = read_json_object(config_path, what="run configuration")
    if not config.get("full_split", True):
        raise UserError(
            f"{str(run_dir)!r} covers only part of its split (--limit); a board needs every sample"
        )
    meta = run_metadata(config, kind=kind, training=training)
    return submit(
        predictions, meta, board=board, out_dir=out_dir, overwrite=overwrite, dataset=dataset
    )
