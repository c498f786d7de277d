"""CLI start-up: listing and leaderboard commands against `petar-bench --help`, same run.

Each command runs in a fresh process (`python -m petar_bench ...`), `--repeat` times; the
median wall time is compared with the median of `--help`. Claims: `ls models|metrics|datasets`
and `leaderboard show` within 2x of `--help`, `leaderboard render` within 5x.

    python benchmarks/cli_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS: tuple[tuple[str, list[str], float], ...] = (
    ("ls models", ["ls", "models"], 2.0),
    ("ls metrics", ["ls", "metrics"], 2.0),
    ("ls datasets", ["ls", "datasets"], 2.0),
    ("leaderboard show", ["leaderboard", "show"], 2.0),
    ("leaderboard render (html)", ["leaderboard", "render", "--output", "{tmp}/b.html"], 5.0),
    ("leaderboard render (md)", ["leaderboard", "render", "--format", "md"], 5.0),
)


def median_seconds(args: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "petar_bench", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        median_seconds(["--help"], 1)  # warm the file cache for both sides
        base = median_seconds(["--help"], args.repeat)
        print(f"{'petar-bench --help':<28} {base:6.2f} s")
        worst = 0.0
        for label, command, limit in COMMANDS:
            seconds = median_seconds([a.replace("{tmp}", tmp) for a in command], args.repeat)
            ratio = seconds / base
            worst = max(worst, ratio / limit)
            verdict = "ok" if ratio <= limit else "OVER"
            print(
                f"{label:<28} {seconds:6.2f} s  {ratio:5.2f}x --help (claim <= {limit}x) {verdict}"
            )
    print(f"worst ratio / claim: {worst:.2f} ({'all within' if worst <= 1 else 'not all within'})")


if __name__ == "__main__":
    main()
