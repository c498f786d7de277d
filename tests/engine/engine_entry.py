"""Subprocess entry of the engine tests: `petar-bench run` with the fake adapter.

    python tests/engine/engine_entry.py DATASET OUT [--batch-size B] [--shard I/N] [--no-score]
    accelerate launch --multi_gpu --num_processes 2 tests/engine/engine_entry.py DATASET OUT

Stands in for `python -m petar_bench run --model engine-echo ...` (the fake adapter must be
registered in the process that runs). Each process writes <OUT>/../result-rank<R>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import engine_fakes  # noqa: E402

from petar_bench.engine import RunRequest, parse_shard, run_benchmark  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("out", type=Path)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--shard", default=None)
    parser.add_argument("--no-score", action="store_true")
    args = parser.parse_args()
    engine_fakes.register_fakes()
    request = RunRequest(
        model="engine-echo",
        dataset=args.dataset,
        output_dir=args.out,
        batch_size=args.batch_size,
        shard=parse_shard(args.shard) if args.shard else None,
        score=not args.no_score,
        argv=tuple(sys.argv),
    )
    result = run_benchmark(request, scorer=engine_fakes.fake_scorer)
    summary = {
        "rank": result.rank,
        "world_size": result.world_size,
        "shard": str(result.shard) if result.shard else None,
        "store": str(result.store_path),
        "n_generated": result.n_generated,
        "finalized": result.finalized,
        "scored": result.scored,
    }
    target = args.out.parent / f"result-rank{result.rank}.json"
    target.write_text(json.dumps(summary))


if __name__ == "__main__":
    main()
