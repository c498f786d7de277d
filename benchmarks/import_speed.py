"""Import speed: the whole synthetic demo (138 lesions, folder layout) imported with 1 and 2
worker processes; lesions/s, their ratio, and the peak memory of the largest process.

Each import runs in a fresh Python process, so its peak RSS is its own. A quarter of the demo
is imported too: memory that stays flat as lesions grow 4x shows the import streams.

    python benchmarks/import_speed.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
from petar_bench.datasets.importers._engine import ImportRequest, run_import
start = time.perf_counter()
result = run_import(ImportRequest(src=Path(sys.argv[1]), output=Path(sys.argv[2]),
                                  workers=int(sys.argv[3])))
seconds = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"lesions": result.imported, "seconds": seconds, "rss_kib": max(own, workers)}))
"""


def _import(src: Path, out: Path, workers: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(src), str(out), str(workers)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    from petar_bench.datasets.importers._export import export_dataset

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        export_dataset("demo", layout="folders", output=root / "all")
        export_dataset("demo", layout="folders", output=root / "quarter", patients=11)
        quarter = _import(root / "quarter", root / "q1", 1)
        one = _import(root / "all", root / "w1", 1)
        two = _import(root / "all", root / "w2", 2)
    for label, r in (("quarter, 1 worker", quarter), ("1 worker", one), ("2 workers", two)):
        print(
            f"{label:>18}: {r['lesions']:.0f} lesions in {r['seconds']:.1f} s = "
            f"{r['lesions'] / r['seconds']:.1f} lesions/s; peak RSS {r['rss_kib'] / 1024:.0f} MiB"
        )
    speed = (two["lesions"] / two["seconds"]) / (one["lesions"] / one["seconds"])
    print(f"2 workers vs 1: {speed:.2f}x lesions/s")
    growth = one["rss_kib"] / quarter["rss_kib"]
    print(f"peak memory, all 138 vs a quarter of the lesions: {growth:.2f}x")


if __name__ == "__main__":
    main()
