"""The run engine: resumable, shardable generation into a store, then merge and scoring.

Public API (what the CLI and other packages use); everything else is internal.
"""

from petar_bench.engine._config import RUN_SCHEMA_VERSION, RunConfig, read_config
from petar_bench.engine._layout import RunLayout, default_output_dir
from petar_bench.engine._merge import merge_run, merge_shards
from petar_bench.engine._provenance import Provenance, collect_provenance
from petar_bench.engine._reporting import RunReporter
from petar_bench.engine._request import DEFAULT_METRICS, RunRequest, RunResult
from petar_bench.engine._runkey import (
    KEYED_SETTINGS,
    OUTPUT_NEUTRAL_SETTINGS,
    compute_run_key,
    run_key_inputs,
)
from petar_bench.engine._runner import run_benchmark
from petar_bench.engine._shards import Shard, parse_shard
from petar_bench.engine._store import Generation, GenerationStore, read_store

__all__ = [
    "DEFAULT_METRICS",
    "KEYED_SETTINGS",
    "OUTPUT_NEUTRAL_SETTINGS",
    "RUN_SCHEMA_VERSION",
    "Generation",
    "GenerationStore",
    "Provenance",
    "RunConfig",
    "RunLayout",
    "RunReporter",
    "RunRequest",
    "RunResult",
    "Shard",
    "collect_provenance",
    "compute_run_key",
    "default_output_dir",
    "merge_run",
    "merge_shards",
    "parse_shard",
    "read_config",
    "read_store",
    "run_benchmark",
    "run_key_inputs",
]
