"""The leaderboard entry: one scored submission, as a versioned JSON file.

An entry carries what ranking and paired tests need (scores, CIs, per-sample statistics,
sample ids, the patient grouping), what a reader needs to trust it (model card, declared
training data, predictions hash, metric signatures, harness version) and, from schema 2 on,
the submitted predictions themselves (gzip + base64), so that anyone holding the references
can re-score it (`petar-bench leaderboard verify`). It never carries reference texts or
patient ids: a board built on a gated dataset can be published without leaking the data
(`tests/leaderboard/test_lb_hygiene.py` holds it to that). Schema 1 entries (no predictions)
are still read; they rank, but cannot be verified.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from petar_bench._hashing import sha256_json
from petar_bench.errors import UserError
from petar_bench.fileio import atomic_write_text, read_json_model
from petar_bench.jsontypes import JsonObject

ENTRY_SCHEMA_VERSION: Literal[2] = 2
PREDICTIONS_ENCODING: Literal["gzip+base64"] = "gzip+base64"
#: Decompressed size a stored predictions block may reach (a bomb in a hostile file stops here).
MAX_PREDICTIONS_BYTES = 256 * 1024 * 1024


def predictions_content_sha256(sample_ids: Sequence[str], texts: Sequence[str]) -> str:
    """sha256 over (sample id, normalised text) pairs sorted by id: what the scorer sees.

    Texts are normalised as every metric normalises them (line breaks, tabs and control
    characters to one space, runs collapsed, ends trimmed), so two files that differ only in
    line endings, blank lines, a BOM, key order or JSON escaping hash alike, and two
    predictions files with this hash in common score identically.
    """
    from petar_bench.metrics._normalize import normalize_text

    pairs = sorted(zip(sample_ids, (normalize_text(t) for t in texts), strict=True))
    return sha256_json([list(p) for p in pairs])


class StoredPredictions(BaseModel):
    """The submitted prediction texts of an entry, in the entry's `sample_ids` order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    encoding: Literal["gzip+base64"] = PREDICTIONS_ENCODING
    content_sha256: str = Field(
        description="predictions_content_sha256 of the sample ids and these texts."
    )
    data: str = Field(description="base64 of the gzip of a JSON array of the texts (UTF-8).")

    @classmethod
    def pack(cls, sample_ids: Sequence[str], texts: Sequence[str]) -> StoredPredictions:
        raw = json.dumps(list(texts), ensure_ascii=False).encode("utf-8")
        # mtime=0: the same texts always give the same bytes (reproducible entry files).
        packed = base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")
        return cls(content_sha256=predictions_content_sha256(sample_ids, texts), data=packed)

    def texts(self, limit: int = MAX_PREDICTIONS_BYTES) -> list[str]:
        """The texts; UserError when the block is damaged or decompresses past `limit`."""
        try:
            packed = base64.b64decode(self.data.encode("ascii"), validate=True)
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
            raw = inflater.decompress(packed, limit)
            if inflater.unconsumed_tail or not inflater.eof:
                raise UserError(
                    f"stored predictions are damaged or larger than {limit} bytes unpacked"
                )
            value = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeError, binascii.Error, zlib.error, RecursionError):
            raise UserError("stored predictions are not gzip+base64 JSON text") from None
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise UserError("stored predictions are not a JSON array of texts")
        return value


class ModelInfo(BaseModel):
    """Who made the predictions and how (all free text is user-supplied: escape on display)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Model name shown on the board.")
    organisation: str = Field("", max_length=200, description="Team or institution.")
    parameters: str = Field("", max_length=50, description="Parameter count, e.g. '4B'.")
    link: str = Field("", max_length=500, description="Paper or code URL (http/https only).")
    checkpoint: str = Field("", max_length=300, description="Weights identity (hub id, hash).")
    decoding: JsonObject = Field(
        default_factory=dict, description="Decoding settings (greedy, max tokens, ...)."
    )

    @field_validator("link")
    @classmethod
    def _http_only(cls, value: str) -> str:
        # Anything else (javascript:, data:, file:) would be a live link on the HTML page.
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("link must start with http:// or https://")
        return value


class TrainingSplit(BaseModel):
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
    datasets: list[TrainingSplit] = Field(default_factory=list)
    n_patients: int = Field(0, ge=0, description="Number of declared training patient ids.")
    patient_ids_sha256: str | None = Field(
        None, description="sha256 over the sorted declared training patient ids."
    )


def stats_matrix(rows: object, *, n: int | None = None) -> np.ndarray:
    """Per-sample statistics as an (n, k) float array (null = NaN).

    ValueError names what is wrong (not a list of rows, rows of different lengths, a value
    that is not a number, the wrong number of rows) instead of numpy's shape error.
    """
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ValueError("per-sample statistics must be a list of rows (lists of numbers)")
    widths = sorted({len(row) for row in rows})
    if len(widths) > 1 or widths == [0]:
        raise ValueError(f"per-sample statistics are ragged (row lengths {widths[:4]})")
    if n is not None and len(rows) != n:
        raise ValueError(f"{len(rows)} rows of per-sample statistics for {n} samples")
    flat = [x for row in rows for x in row]
    if not all(x is None or (isinstance(x, int | float) and not isinstance(x, bool)) for x in flat):
        raise ValueError("per-sample statistics hold a value that is not a number or null")
    values = np.array([np.nan if x is None else x for x in flat], dtype=np.float64)
    return values.reshape(len(rows), widths[0] if widths else 0)


class BoardMetricScore(BaseModel):
    """One metric of one entry: corpus value, CI and the per-sample statistics behind them."""

    model_config = ConfigDict(extra="forbid")

    value: float
    ci95: tuple[float, float] | None = Field(None, description="Patient-clustered bootstrap.")
    signature: str
    higher_is_better: bool
    n: int
    extras: JsonObject = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    stats: list[list[float | None]] = Field(
        description="Per-sample sufficient statistics (n x k), aligned with sample_ids; null = NaN."
    )
    options: JsonObject = Field(
        default_factory=dict,
        description="Options the metric ran with (rebuilds it to re-aggregate).",
    )

    @field_validator("stats")
    @classmethod
    def _rectangular(cls, rows: list[list[float | None]]) -> list[list[float | None]]:
        stats_matrix(rows)  # ragged rows would only fail later, in render or compare
        return rows

    def stats_array(self) -> np.ndarray:
        return stats_matrix(self.stats)


class BoardEntry(BaseModel):
    """A leaderboard entry file (`<entry_id>.json`)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1, 2] = ENTRY_SCHEMA_VERSION
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
    predictions: StoredPredictions | None = Field(
        None, description="The submitted texts (schema 2; absent in schema 1 entries)."
    )
    n: int
    sample_ids: list[str]
    patient_index: list[int] = Field(
        description="Per sample, the index of its patient among the split's sorted patient ids "
        "(the clusters of bootstrap and paired tests; the ids themselves are not stored)."
    )
    metrics: dict[str, BoardMetricScore]
    not_computed: dict[str, str] = Field(default_factory=dict, description="metric -> reason.")
    strata: JsonObject = Field(
        default_factory=dict, description="Per-stratum scores (tracer, size, SUVmax, region)."
    )
    created: str = Field(description="UTC time the entry was written (ISO 8601).")
    notes: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _aligned(self) -> BoardEntry:
        """Every per-sample list has one item per sample id (paired tests index them)."""
        n = len(self.sample_ids)
        if len(self.patient_index) != n:
            raise ValueError(f"patient_index has {len(self.patient_index)} items for {n} samples")
        for metric_id, score in self.metrics.items():
            if len(score.stats) != n:
                raise ValueError(
                    f"metrics.{metric_id}.stats has {len(score.stats)} rows for {n} samples"
                )
        return self

    @model_validator(mode="after")
    def _predictions_match_schema(self) -> BoardEntry:
        if self.schema_version >= 2 and self.predictions is None:
            raise ValueError("a schema 2 entry must carry its predictions")
        if self.schema_version == 1 and self.predictions is not None:
            raise ValueError("a schema 1 entry carries no predictions; use schema_version 2")
        return self

    def duplicate_keys(self) -> set[str]:
        """What makes two entries the same submission: the predictions file's bytes, and
        (schema 2) the normalised content of the predictions."""
        keys = {f"file:{self.predictions_sha256}"}
        if self.predictions is not None:
            keys.add(f"content:{self.predictions.content_sha256}")
        return keys


#: A JSON string literal (left alone: user text may look like a row), or an innermost JSON
#: array of numbers (or nulls) spread over lines by indent=1.
_STRING_OR_NUMBER_ROW = re.compile(
    r'("(?:[^"\\]|\\.)*")'
    r"|\[\s+((?:-?[0-9.eE+-]+|null)(?:,\s+(?:-?[0-9.eE+-]+|null))*)\s+\]"
)


def _compact_row(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return match.group(1)
    return "[" + re.sub(r"\s+", " ", match.group(2)) + "]"


def entry_json(entry: BoardEntry) -> str:
    """Indented JSON with each statistics row on one line (readable diffs, ~k times fewer
    lines than one number per line); text inside strings is never touched."""
    return _STRING_OR_NUMBER_ROW.sub(_compact_row, entry.model_dump_json(indent=1)) + "\n"


def write_entry(entry: BoardEntry, path: Path) -> Path:
    """Atomic write (temp file, fsync, rename): a reader never sees half an entry."""
    return atomic_write_text(path, entry_json(entry))


def read_entry(path: Path) -> BoardEntry:
    return read_json_model(Path(path), BoardEntry, what="leaderboard entry")
