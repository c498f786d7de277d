"""Maintainers: re-pin the synthetic-demo board to the current generator and re-score its
baseline entries.

Run after any change to the synthetic generator or to a metric the board uses:

    python scripts/refresh_demo_board.py

It generates the demo into a private cache, runs measure / retrieval / constant, writes the
new test-split fingerprint into leaderboard/entries/synthetic-demo/board.json and replaces
the baseline entries with ones re-scored through the ordinary submission path.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

BOARD_DIR = Path(__file__).resolve().parents[1] / "leaderboard" / "entries" / "synthetic-demo"
BASELINES = ("measure", "retrieval", "constant")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="petar-board-"))
    os.environ["PETAR_BENCH_CACHE"] = str(work / "cache")
    from petar_bench.datasets.catalog import ensure_demo
    from petar_bench.engine import RunRequest, run_benchmark
    from petar_bench.leaderboard.from_run import submit_run

    handle = ensure_demo()
    config_path = BOARD_DIR / "board.json"
    config = json.loads(config_path.read_text())
    config["split_fingerprint"] = handle.manifest.fingerprint(config["split"])
    config_path.write_text(json.dumps(config, indent=1) + "\n")
    for old in BOARD_DIR.glob("*.json"):
        if old.name != "board.json" and json.loads(old.read_text()).get("kind") == "baseline":
            old.unlink()
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
        print(f"{model}: {result.path}")
    print(f"board pinned to {config['split_fingerprint']}")


if __name__ == "__main__":
    main()
