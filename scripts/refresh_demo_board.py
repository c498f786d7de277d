"""Maintainers: re-pin the synthetic-demo board to the current generator and re-score its
baseline entries.

Run after any change to the synthetic generator or to a metric the board uses:

    python scripts/refresh_demo_board.py

It generates the demo into a private cache, runs measure / retrieval / constant, writes the
new test-split fingerprint into leaderboard/entries/synthetic-demo/board.json and replaces
the baseline entries with ones re-scored through the ordinary submission path (so they are
written in the current entry schema, with their predictions).

A refresh must not move the board by accident: every metric of a new baseline entry is
compared with the entry it replaces (value, CI, signature, per-sample statistics) and the
script stops with exit code 1, listing the differences, unless --allow-score-changes is
given. An entry whose predictions did not change keeps its `created` time, so it keeps its
priority over later copies of the same predictions.

    python scripts/refresh_demo_board.py                      # upgrade, scores must not move
    python scripts/refresh_demo_board.py --allow-score-changes  # after a deliberate change
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

BOARD_DIR = Path(__file__).resolve().parents[1] / "leaderboard" / "entries" / "synthetic-demo"
BASELINES = ("measure", "retrieval", "constant")


def _scores(entry: dict[str, Any]) -> dict[str, Any]:
    """What must not move: per metric the value, CI, signature and statistics."""
    return {
        metric: (block["value"], block["ci95"], block["signature"], block["stats"])
        for metric, block in entry["metrics"].items()
    }


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    before, after = _scores(old), _scores(new)
    found = [f"{m}: gone" for m in before if m not in after]
    found += [f"{m}: new" for m in after if m not in before]
    for metric in sorted(set(before) & set(after)):
        (v0, ci0, sig0, st0), (v1, ci1, sig1, st1) = before[metric], after[metric]
        if sig0 != sig1:
            found.append(f"{metric}: signature {sig0!r} -> {sig1!r}")
        same = np.allclose(
            np.array([v0, *(ci0 or [np.nan] * 2)], dtype=float),
            np.array([v1, *(ci1 or [np.nan] * 2)], dtype=float),
            rtol=1e-12,
            atol=0,
            equal_nan=True,
        ) and np.array_equal(np.array(st0, dtype=float), np.array(st1, dtype=float), equal_nan=True)
        if not same:
            found.append(f"{metric}: value {v0} -> {v1} (or its CI or statistics changed)")
    return found


def _old_baselines() -> dict[str, dict[str, Any]]:
    """The current baseline entries, by model name (removed from the folder)."""
    old: dict[str, dict[str, Any]] = {}
    for path in BOARD_DIR.glob("*.json"):
        data = json.loads(path.read_text())
        if path.name != "board.json" and data.get("kind") == "baseline":
            old[data["model"]["name"]] = data
            path.unlink()
    return old


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--allow-score-changes",
        action="store_true",
        help="write the new entries even when their scores differ from the old ones",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="petar-board-"))
    os.environ["PETAR_BENCH_CACHE"] = str(work / "cache")
    from petar_bench.datasets._catalog import ensure_demo
    from petar_bench.engine import RunRequest, run_benchmark
    from petar_bench.leaderboard._entry import read_entry, write_entry
    from petar_bench.leaderboard.from_run import submit_run

    handle = ensure_demo()
    config_path = BOARD_DIR / "board.json"
    config = json.loads(config_path.read_text())
    config["split_fingerprint"] = handle.manifest.fingerprint(config["split"])
    config_path.write_text(json.dumps(config, indent=1) + "\n")
    backup = {p: p.read_bytes() for p in BOARD_DIR.glob("*.json") if p.name != "board.json"}
    old = _old_baselines()
    changed: list[str] = []
    for model in BASELINES:
        run_dir = work / "runs" / model
        run_benchmark(
            RunRequest(
                model=model,
                dataset="demo",
                split=config["split"],
                output_dir=run_dir,
                metrics=("bleu4",),
                argv=sys.argv,
            ),
            quiet=True,
        )
        result = submit_run(run_dir, board=BOARD_DIR, out_dir=BOARD_DIR)
        previous = old.get(result.entry.model.name)
        if previous is not None:
            new = json.loads(result.path.read_text())
            changed += [f"{model}: {d}" for d in _differences(previous, new)]
            if previous["entry_id"] == result.entry.entry_id:  # same predictions: same age
                entry = read_entry(result.path).model_copy(update={"created": previous["created"]})
                write_entry(entry, result.path)
        print(f"{model}: {result.path}")
    if changed and not args.allow_score_changes:
        for path in BOARD_DIR.glob("*.json"):
            if path.name != "board.json" and path not in backup:
                path.unlink()
        for path, data in backup.items():
            path.write_bytes(data)
        print("scores changed; old entries restored (--allow-score-changes to accept):")
        print("\n".join(f"  {line}" for line in changed))
        raise SystemExit(1)
    print(f"board pinned to {config['split_fingerprint']}")
    from refresh_rank_cache import refresh  # the paired tests of the new entries

    print(f"rank cache: {refresh(config['board_id'])} results")


if __name__ == "__main__":
    main()
