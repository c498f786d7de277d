"""`petar-bench merge`: finish a sharded run by proving every sample is present exactly once.

The store files of one run key (any number of shards, any N, plus an unsharded store) are
gathered; the run's samples come from the recorded dataset, split and --limit, re-resolved
and checked against the recorded split fingerprint. Stores of another run key are refused,
as are a missing or a duplicated sample (each is named). Only then are the final files
written, so a refused merge leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from petar_bench.engine._config import RunConfig, read_config
from petar_bench.engine._finalize import (
    RunCounts,
    Scorer,
    collect_generations,
    complete_run,
    run_result,
)
from petar_bench.engine._layout import GENERATIONS_DIR, RunLayout, header_path, parse_store_name
from petar_bench.engine._lock import RunLock, live_holder
from petar_bench.engine._plan import run_dataset, select_scope
from petar_bench.engine._provenance import collect_provenance, finished
from petar_bench.engine._reporting import RunReporter, terminal_reporter
from petar_bench.engine._request import RunResult
from petar_bench.errors import UserError
from petar_bench.fileio import ensure_output_dir
from petar_bench.records import MANIFEST_NAME


def _run_dir_of(path: Path) -> Path:
    return path.parent.parent if path.parent.name == GENERATIONS_DIR else path.parent


def gather_stores(sources: Sequence[Path]) -> list[Path]:
    """Store files named by `sources`: run directories (all their stores) or store files."""
    found: list[Path] = []
    for source in map(Path, sources):
        if source.is_dir():
            found += RunLayout(source).stores()
        elif source.is_file() and parse_store_name(source) is not None:
            found.append(source)
        else:
            raise UserError(
                f"{str(source)!r} is neither a run directory nor a store file "
                "(generations/<run key>[.shard-I-of-N].jsonl)"
            )
    unique = sorted({p.resolve() for p in found})
    if not unique:
        raise UserError(f"no store files found in {', '.join(map(str, sources))}")
    return unique


def _pick_run_key(stores: list[Path], run_key: str | None) -> str:
    keys: dict[str, list[str]] = {}
    for path in stores:
        name = parse_store_name(path)
        assert name is not None
        keys.setdefault(name.run_key, []).append(path.name)
    if run_key is not None:
        if run_key not in keys:
            raise UserError(f"no store files of run key {run_key!r}; found {sorted(keys)}")
        return run_key
    if len(keys) > 1:
        listing = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(keys.items()))
        raise UserError(
            f"these shards come from different runs (different model card, dataset split or "
            f"seed), so they cannot be merged: {listing}. Merge one run at a time (--run-key)"
        )
    return next(iter(keys))


def _headers(stores: list[Path]) -> list[RunConfig]:
    headers = [read_config(header_path(p)) for p in stores if header_path(p).is_file()]
    if not headers:
        raise UserError(
            "no store header (generations/<run key>*.json) found; cannot tell "
            "which dataset split the shards belong to"
        )
    first = headers[0]
    for other in headers[1:]:
        for field in ("run_key", "split_fingerprint"):
            if getattr(other, field) != getattr(first, field):
                raise UserError(
                    f"shards disagree on {field}: {getattr(first, field)!r} vs "
                    f"{getattr(other, field)!r}; merge only shards of one run"
                )
    return headers


def merged_limit(headers: list[RunConfig]) -> int | None:
    """The run's --limit: the widest among the shards (an older unsharded store of the same
    run key may hold a smaller --limit; its samples are reused, not the scope)."""
    chosen = [h for h in headers if h.shard is not None] or headers
    limits = [h.limit for h in chosen]
    return None if None in limits else max(limit for limit in limits if limit is not None)


def _refuse_live_writers(stores: list[Path]) -> None:
    for path in stores:
        holder = live_holder(RunLayout(_run_dir_of(path)).store_lock(path))
        if holder is not None:
            raise UserError(
                f"{path.name} is still being written ({holder.describe()}); "
                "merge when every shard has finished"
            )


def merge_shards(
    sources: Sequence[Path],
    *,
    output_dir: Path | None = None,
    run_key: str | None = None,
    metrics: Sequence[str] | None = None,
    score: bool = True,
    scorer: Scorer | None = None,
    reporter: RunReporter | None = None,
    quiet: bool = False,
    argv: Sequence[str] = (),
) -> RunResult:
    """Merge the stores of one run key found in `sources` into `output_dir` and score."""
    reporter = reporter or terminal_reporter()
    all_stores = gather_stores(sources)
    key = _pick_run_key(all_stores, run_key)
    stores = [p for p in all_stores if parse_store_name(p).run_key == key]  # type: ignore[union-attr]
    _refuse_live_writers(stores)
    headers = _headers(stores)
    base = headers[0]
    root = Path(base.dataset_root)
    dataset = run_dataset(root if (root / MANIFEST_NAME).is_file() else base.dataset_spec)
    limit = merged_limit(headers)
    scope = select_scope(dataset.manifest, base.split, limit)
    if scope.fingerprint != base.split_fingerprint:
        raise UserError(
            f"dataset {base.dataset!r} split {base.split!r} has fingerprint {scope.fingerprint} "
            f"now, but the shards were made on {base.split_fingerprint}; re-run on this data"
        )
    collected = collect_generations(stores, key, scope.sample_ids)
    layout = RunLayout(Path(output_dir) if output_dir else _run_dir_of(stores[0]))
    provenance = collect_provenance(
        argv=argv,
        seed=base.seed,
        batch_size=base.batch_size,
        num_workers=base.num_workers,
        dtype=base.provenance.dtype,
    )
    config = base.model_copy(
        update={
            "kind": "run",
            "shard": None,
            "limit": limit,
            "full_split": scope.full_split,
            "n_samples": len(scope.records),
            "merged_from": [str(p) for p in stores],
            "metrics": list(metrics) if metrics else base.metrics,
            "provenance": finished(provenance),
        }
    )
    ensure_output_dir(layout.root, what="run directory")
    with RunLock(layout.main_lock, f"petar-bench merge, run key {key}"):
        for note in collected.warnings:
            reporter.warning(note)
        done = complete_run(
            layout,
            config,
            scope.records,
            collected,
            score=score,
            scorer=scorer,
            reporter=reporter,
            quiet=quiet,
        )
    if not quiet:
        reporter.message(
            f"merged {len(stores)} store files: {len(collected.predictions)} of "
            f"{len(scope.records)} samples, each exactly once -> {layout.root}",
        )
    counts = RunCounts(n_samples=len(scope.records), n_reused=len(collected.predictions))
    return run_result(layout, key, counts, store_path=None, collected=collected, done=done)


def merge_run(run_dir: Path, **options: object) -> RunResult:
    """`petar-bench merge RUN_DIR`: merge the shards found in one run directory."""
    return merge_shards([Path(run_dir)], **options)  # type: ignore[arg-type]
