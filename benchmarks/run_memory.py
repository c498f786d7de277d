"""Peak memory of a run as the split grows: the synthetic demo (44 patients) vs a larger one.

Each run (`measure` model, which reads every lesion's PET, CT and mask; lexical and PET
metrics; no JVM) is a fresh Python process, so its peak RSS (getrusage) is its own. The feed
streams lesions (an exam cache of 2 exams, results appended to the store), so peak RSS should
stay flat while the lesion count grows.

    python benchmarks/run_memory.py [--patients 44 88]

Prints lesions, seconds and peak RSS per size, and the ratio of peak RSS against the ratio
of lesions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from io import StringIO
from pathlib import Path
from rich.console import Console
from petar_bench.engine import RunRequest, run_benchmark
start = time.perf_counter()
result = run_benchmark(
    RunRequest(model="measure", dataset=sys.argv[1], output_dir=Path(sys.argv[2]),
               metrics=("bleu4", "rouge_l", "cider", "pet_region_acc", "pet_suvmax_fidelity")),
    console=Console(file=StringIO()), quiet=True,
)
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"lesions": result.n_samples, "seconds": seconds, "rss_kib": rss}))
"""

MAKE = """
import sys
from pathlib import Path
from petar_bench.datasets.synthetic import generate_synthetic_dataset
generate_synthetic_dataset(Path(sys.argv[1]), seed=0, n_patients=int(sys.argv[2]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--patients",
        type=int,
        nargs=2,
        default=[44, 88],
        help="patients of the small and the large dataset",
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for patients in args.patients:
            root = Path(tmp) / f"ds{patients}"
            subprocess.run([sys.executable, "-c", MAKE, str(root), str(patients)], check=True)
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(root), str(Path(tmp) / f"run{patients}")],
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    for patients, row in zip(args.patients, rows, strict=True):
        print(
            f"{patients:>4} patients: {row['lesions']:>4} test lesions, {row['seconds']:6.1f} s, "
            f"peak RSS {row['rss_kib'] / 1024:6.0f} MiB"
        )
    small, large = rows
    print(
        f"lesions x{large['lesions'] / small['lesions']:.2f}, "
        f"peak RSS x{large['rss_kib'] / small['rss_kib']:.2f}"
    )


if __name__ == "__main__":
    main()
