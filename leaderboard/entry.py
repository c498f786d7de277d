"""The leaderboard entry: one scored submission, as a versioned JSON file.

An entry carries what ranking and paired tests need (scores, CIs, per-sample statistics,
sample ids, the patient grouping) and what a reader needs to trust it (model card,
declared training data, predictions hash, metric signatures, harness version). It never
carries reference texts, predictions or patient ids: a board built on a gated dataset can
be published without leaking the data (`tests/leaderboard/test_lb_hygiene.py` holds it to that).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from petar_bench.errors import UserError
from petar_bench.fileio import atomic_write_text

ENTRY_SCHEMA_VERSION: Literal[1] = 1


class ModelInfo(BaseModel):
    """Who made the predictions and how (all free text is user-supplied: escape on display)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Model name shown on the board.")
    organisation: str = Field("", max_length=200, description="Team or institution.")
    parameters: str = Field("", max_length=50, description="Parameter count, e.g. '4B'.")
    link: str = Field("", max_length=500, description="Paper or code URL (http/https only).")
    checkpoint: str = Field("", max_length=300, description="Weights identity (hub id, hash).")
    decoding: dict[str, Any] = Field(
        default_factory=dict, description="Decoding settings (greedy, max tokens, ...)."
    )

    @field_validator("link")
    @classmethod
    def _http_only(cls, value: str) -> str:
        # Anything else (javascript:, data:, file:) would be a live link on the HTML page.
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("link must start with http:// or https://")
        return value


class DatasetRef(BaseModel):
    """A dataset split used for training, named the way `--dataset` and `--split` name it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dataset: str = Field(min_length=1, description="e.g. 'petarseg-11k' or 'synthetic-demo'.")
    split: str = Field(min_length=1, description="e.g. 'train'.")


class TrainingDeclaration(BaseModel):
    """Declared training data, as stored in an entry (patient ids only as a hash and count)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str = Field(
        min_length=1, max_length=2000, description="Free text, e.g. 'none (zero-shot)'."
    )
    datasets: list[DatasetRef] = Field(default_factory=list)
    n_patients: int = Field(0, ge=0, description="Number of declared training patient ids.")
    patient_ids_sha256: str | None = Field(
        None, description="sha256 over the sorted declared training patient ids."
    )


class MetricScore(BaseModel):
    """One metric of one entry: corpus value, CI and the per-sample statistics behind them."""

    model_config = ConfigDict(extra="forbid")

    value: float
    ci95: tuple[float, float] | None = Field(None, description="Patient-clustered bootstrap.")
    signature: str
    higher_is_better: bool
    n: int
    extras: dict[str, Any] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    stats: list[list[float | None]] = Field(
        description="Per-sample sufficient statistics (n x k), aligned with sample_ids; null = NaN."
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="Options the metric ran with (rebuilds it to re-aggregate).",
    )

    def stats_array(self) -> np.ndarray:
        return np.array(
            [[np.nan if x is None else x for x in row] for row in self.stats], dtype=np.float64
        )


class Entry(BaseModel):
    """A leaderboard entry file (`<entry_id>.json`)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = ENTRY_SCHEMA_VERSION
    entry_id: str = Field(description="Slug of the model name + first 8 hex of predictions_sha256.")
    board_id: str
    kind: Literal["submission", "baseline"] = "submission"
    model: ModelInfo
    training: TrainingDeclaration
    dataset: str = Field(description="Manifest dataset name, e.g. 'synthetic-demo'.")
    synthetic: bool
    split: str
    split_fingerprint: str
    harness_version: str = Field(description="petar-bench version that scored the entry.")
    declared_harness_version: str | None = Field(
        None, description="petar-bench version the submitter generated with, when declared."
    )
    predictions_sha256: str = Field(description="sha256 of the submitted predictions file.")
    n: int
    sample_ids: list[str]
    patient_index: list[int] = Field(
        description="Per sample, the index of its patient among the split's sorted patient ids "
        "(the clusters of bootstrap and paired tests; the ids themselves are not stored)."
    )
    metrics: dict[str, MetricScore]
    not_computed: dict[str, str] = Field(default_factory=dict, description="metric -> reason.")
    strata: dict[str, Any] = Field(
        default_factory=dict, description="Per-stratum scores (tracer, size, SUVmax, region)."
    )
    created: str = Field(description="UTC time the entry was written (ISO 8601).")
    notes: str = Field("", max_length=2000)


#: An innermost JSON array of numbers (or nulls) spread over lines by indent=1.
_NUMBER_ROW = re.compile(r"\[\s+((?:-?[0-9.eE+-]+|null)(?:,\s+(?:-?[0-9.eE+-]+|null))*)\s+\]")


def entry_json(entry: Entry) -> str:
    """Indented JSON with each statistics row on one line (readable diffs, ~k times fewer
    lines than one number per line)."""
    text = entry.model_dump_json(indent=1)
    return _NUMBER_ROW.sub(lambda m: "[" + re.sub(r"\s+", " ", m.group(1)) + "]", text) + "\n"


def write_entry(entry: Entry, path: Path) -> Path:
    """Atomic write (temp file, fsync, rename): a reader never sees half an entry."""
    return atomic_write_text(path, entry_json(entry))


def read_entry(path: Path) -> Entry:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"entry file {str(path)!r} does not exist")
    try:
        return Entry.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise UserError(f"{str(path)!r} is not a valid leaderboard entry: {first}") from None
