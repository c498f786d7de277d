"""Peak memory of a run as the split grows: the synthetic `demo` test split vs `demo-full`.

Each run goes through `run_benchmark` (as `petar-bench run` does) in a fresh Python process,
so its peak RSS (getrusage) is its own. `measure` reads every lesion's PET, CT and mask, and
the run is scored with lexical and PET metrics (no JVM). The feed streams lesions (a small
exam cache, results appended to the store), so peak RSS should stay flat while the lesion
count grows (49 -> 1,175 test lesions with seed 0). Models that learn from the train split
(`constant`, `retrieval`) cannot run on `demo-full`, which is a test split only.

    python benchmarks/run_memory.py [--models measure] [--cache DIR] [--workers 2]

`--cache DIR` reuses (or keeps) the generated datasets, e.g. those that
`benchmarks/synthetic_generation.py --cache DIR` made; `--workers` processes generate a
missing `demo-full`. Prints lesions, seconds and peak RSS per run, and the ratio of peak RSS
against the ratio of lesions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from io import StringIO
from pathlib import Path
from rich.console import Console
from petar_bench.console import ConsoleReporter
from petar_bench.engine import RunRequest, run_benchmark
start = time.perf_counter()
result = run_benchmark(
    RunRequest(model=sys.argv[1], dataset=sys.argv[2], output_dir=Path(sys.argv[3]),
               metrics=("bleu4", "rouge_l", "cider", "pet_region_acc", "pet_suvmax_fidelity")),
    reporter=ConsoleReporter(Console(file=StringIO())), quiet=True,
)
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"lesions": result.n_samples, "seconds": seconds, "rss_kib": rss}))
"""

MAKE = """
import sys
from petar_bench.datasets import _catalog as catalog
catalog.ensure_demo()
catalog.ensure_demo_full(workers=int(sys.argv[1]))
"""

DATASETS = ("demo", "demo-full")


def _run(args: list[str], cache: Path) -> str:
    env = {**os.environ, "PETAR_BENCH_CACHE": str(cache), "CI": "true"}
    out = subprocess.run([sys.executable, "-c", *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{args[1:]} failed:\n{out.stderr.strip()}")
    return out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", nargs="+", default=["measure"], help="models that need no train split"
    )
    parser.add_argument("--cache", type=Path, help="PETAR_BENCH_CACHE folder with the datasets")
    parser.add_argument(
        "--workers", type=int, default=2, help="processes generating a missing demo-full"
    )
    args = parser.parse_args()
    rows: dict[tuple[str, str], dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp)
        _run([MAKE, str(args.workers)], cache)
        for model in args.models:
            for dataset in DATASETS:
                out = _run([CHILD, model, dataset, str(Path(tmp) / f"{model}-{dataset}")], cache)
                row = rows[model, dataset] = json.loads(out.strip().splitlines()[-1])
                print(
                    f"{model:>9} on {dataset:>9}: {row['lesions']:>5.0f} test lesions, "
                    f"{row['seconds']:7.1f} s, peak RSS {row['rss_kib'] / 1024:6.0f} MiB",
                    flush=True,
                )
    for model in args.models:
        small, large = rows[model, "demo"], rows[model, "demo-full"]
        print(
            f"{model}: lesions x{large['lesions'] / small['lesions']:.2f}, "
            f"peak RSS x{large['rss_kib'] / small['rss_kib']:.2f}"
        )


if __name__ == "__main__":
    main()
