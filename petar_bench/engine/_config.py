"""RunConfig: what a run directory's config.json (and each store header) records."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from petar_bench.engine._provenance import Provenance
from petar_bench.errors import UserError
from petar_bench.jsontypes import JsonObject, JsonValue

RUN_SCHEMA_VERSION = 1


class RunConfig(BaseModel):
    """The settings a run (kind "run") or one store file (kind "shard") was made with."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    schema_version: Literal[1] = 1
    kind: Literal["run", "shard"] = Field(
        description="'run': config.json of a finished run; 'shard': header of one store file."
    )
    run_key: str = Field(description="Hash of run_key_inputs; names the store files.")
    run_key_inputs: JsonObject = Field(description="Exactly what the run key hashes.")
    model: str = Field(description="Registry name of the adapter.")
    model_card: JsonObject = Field(description="The adapter card, all fields.")
    model_options: JsonObject = Field(description="Options the adapter was made with.")
    dataset: str = Field(description="Dataset name from the manifest.")
    dataset_spec: str = Field(description="What was asked for: 'demo' or a directory.")
    dataset_root: str = Field(description="Absolute dataset directory that was read.")
    synthetic: bool = Field(description="True for generated data: not comparable to real.")
    split: str = Field(description="Split that was generated.")
    split_fingerprint: str = Field(description="Stored fingerprint of that split.")
    limit: int | None = Field(None, description="--limit: only the first N samples.")
    full_split: bool = Field(description="False when --limit made a subset of the split.")
    n_samples: int = Field(description="Samples of the run (the split, or its first N).")
    shard: str | None = Field(None, description="'I/N' of a store file; None when unsharded.")
    batch_size: int
    num_workers: int
    seed: int
    metrics: list[str] = Field(default_factory=list, description="Metrics asked for.")
    max_failures: int = Field(0, description="Error budget of the run.")
    merged_from: list[str] = Field(
        default_factory=list, description="Store files the final predictions came from."
    )
    provenance: Provenance


def read_config(path: Path) -> RunConfig:
    from petar_bench.fileio import read_json_model

    if not Path(path).exists():
        raise UserError(f"{str(path)!r} not found: not a run directory or store file")
    return read_json_model(Path(path), RunConfig, what="run config")


def jsonable(value: object) -> JsonValue:
    """Model options as JSON: paths become strings, unknown objects their repr."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)
