"""CLI start-up: listing and leaderboard commands against `petar-bench --help`, same run.

Each command runs in a fresh process (`python -m petar_bench ...`), `--repeat` times, the
commands interleaved round by round so that a burst of load on a shared machine hits them
alike; the median wall time is compared with the median of `--help`. Claims: `ls
models|metrics|datasets` and `leaderboard show` within 2x of `--help`, `leaderboard render`
within 5x. The CPU time (user + system) of each process is printed beside it: on a shared
machine, wall time includes waiting for a core, CPU time does not.

As an installed package runs: bytecode is written and reused (PYTHONDONTWRITEBYTECODE is
cleared; one untimed round writes it), and the user's home and caches are empty temporary
folders, so the board shown is the shipped one with its shipped rank cache.

    python benchmarks/cli_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import resource
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def seconds(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh process."""
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "petar_bench", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        check=True,
    )
    return time.perf_counter() - start, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(
            PETAR_BENCH_HOME=f"{tmp}/home",
            PETAR_BENCH_CACHE=f"{tmp}/cache",
            PETAR_BENCH_RANK_CACHE=f"{tmp}/rank-cache",
            COLUMNS="100",
        )
        runs: list[tuple[str, list[str], float]] = [("petar-bench --help", ["--help"], 0.0)]
        runs += [
            (label, [a.replace("{tmp}", tmp) for a in cmd], lim) for label, cmd, lim in COMMANDS
        ]
        for _, command, _ in runs:  # untimed: bytecode and file cache, alike for all
            seconds(command, env)
        times: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in runs}
        for _ in range(args.repeat):
            for label, command, _ in runs:
                times[label].append(seconds(command, env))
        wall = {k: statistics.median(w for w, _ in v) for k, v in times.items()}
        cpu = {k: statistics.median(c for _, c in v) for k, v in times.items()}
        base, base_cpu = wall["petar-bench --help"], cpu["petar-bench --help"]
        print(f"{'petar-bench --help':<28} {base:6.2f} s (CPU {base_cpu:5.2f} s)")
        worst = 0.0
        for label, _, limit in runs[1:]:
            median = wall[label]
            ratio = median / base
            worst = max(worst, ratio / limit)
            verdict = "ok" if ratio <= limit else "OVER"
            print(
                f"{label:<28} {median:6.2f} s  {ratio:5.2f}x --help (claim <= {limit}x) {verdict}; "
                f"CPU {cpu[label]:5.2f} s = {cpu[label] / base_cpu:4.2f}x"
            )
    print(f"worst ratio / claim: {worst:.2f} ({'all within' if worst <= 1 else 'not all within'})")


if __name__ == "__main__":
    main()
