"""Report speed: seconds per sample of `petar-bench report` (two runs: pictures, word diffs,
field agreement, summary plots, page) against rendering the same lesion pictures alone
(the PET MIP and the tri-planar views, PNG-encoded), both measured here on the same lesions.

The ratio says how much the report adds on top of the pictures it cannot avoid drawing.

    python benchmarks/report_speed.py [N_SAMPLES]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path


def _runs(root: Path, n: int) -> list[Path]:
    from rich.console import Console

    from petar_bench.console import ConsoleReporter
    from petar_bench.engine import RunRequest, run_benchmark

    quiet = Console(file=StringIO())
    made = []
    for model in ("measure", "constant"):
        request = RunRequest(
            model=model,
            limit=n,
            output_dir=root / model,
            metrics=("bleu1", "rouge_l", "pet_region_acc"),
        )
        made.append(run_benchmark(request, reporter=ConsoleReporter(quiet), quiet=True).run_dir)
    return made


def _pictures_only(runs: list[Path]) -> float:
    from petar_bench.report._figures import pet_mip, triplanar
    from petar_bench.report._runs import load_runs
    from petar_bench.volumes._lesion import VolumeLoader
    from petar_bench.volumes.views import encode_png

    start = time.perf_counter()
    loaded = load_runs(runs)
    loader = VolumeLoader(loaded.dataset_root)
    for record in loaded.records:
        lesion = loader.load(record)
        encode_png(pet_mip(lesion))
        encode_png(triplanar(lesion))
    return time.perf_counter() - start


def _report(runs: list[Path], out: Path) -> float:
    from petar_bench.report._build import build_report

    start = time.perf_counter()
    build_report(runs, out)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ.setdefault("PETAR_BENCH_CACHE", str(root / "cache"))
        runs = _runs(root, n)
        _report(runs, root / "warm")  # imports matplotlib and fills the caches once
        pictures = _pictures_only(runs)
        report = _report(runs, root / "out")
    print(f"samples: {n}, runs: 2")
    print(f"pictures only: {pictures / n:.3f} s/sample")
    print(f"full report:   {report / n:.3f} s/sample (plots included)")
    print(f"ratio report / pictures: {report / pictures:.2f}")


if __name__ == "__main__":
    main()
