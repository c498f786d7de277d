"""Acceptance: synthetic exams exported as DICOM (PET in Bq/mL, int16, one slope per slice,
a realistic injection-to-scan delay; CT on a finer grid of its own; SEG masks) and imported
back with `data import`: `run --model measure` states the same SUVmax, slice and size as on
the original.

The bound: each PET slice is stored as int16 with RescaleSlope = (slice max) / 32766, so a
voxel comes back within half a step, |SUV_import - SUV| <= (max SUV of its slice) / 65532
(about 0.001 for a slice whose hottest voxel is SUV 60). The raw SUVmax under each mask is
held to that bound; the stated (rounded) SUVmax, the slice and the size are then identical,
which the test also checks is what the bound implies (no original SUVmax lies within the
bound of a rounding edge, and no second voxel under the mask lies within twice the bound of
the maximum).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pydicom")
pytest.importorskip("highdicom")

from petar_bench.baselines.nonneural._image_features import measure_lesion  # noqa: E402
from petar_bench.datasets.importers._engine import ImportRequest, run_import  # noqa: E402
from petar_bench.records import MANIFEST_SCHEMA_VERSION, read_manifest  # noqa: E402
from petar_bench.volumes._lesion import VolumeLoader  # noqa: E402

SLOPE_STEPS = 65532  # two int16 steps of (slice max) / 32766


@pytest.fixture(scope="module")
def imported(exported, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dicom-import") / "imported"
    result = run_import(ImportRequest(src=exported("dicom"), output=out))
    assert result.layout == "dicom" and not result.skipped, result.skipped
    return out


def _raw(loader: VolumeLoader, record) -> tuple[float, float, set[int]]:
    """Raw SUVmax under the mask, its bound, and the slices holding a voxel within twice
    the bound of it (near-ties the quantisation could reorder)."""
    lesion = loader.load(record)
    pet = np.asarray(lesion.pet, dtype=np.float64)
    top = float(pet[lesion.mask].max())
    k = int(np.argwhere(lesion.mask & (pet == top))[0][2])
    bound = float(pet[:, :, k].max()) / SLOPE_STEPS * 1.001
    near = np.argwhere(lesion.mask & (pet >= top - 2 * bound))
    return top, bound, {int(z) for z in near[:, 2]}


def test_measure_states_the_same_numbers(imported: Path, tiny_dataset) -> None:
    root, manifest = tiny_dataset
    back = read_manifest(imported)
    assert back.schema_version == MANIFEST_SCHEMA_VERSION and back.synthetic
    originals = {r.sample_id: r for r in manifest.records}
    assert len(back.records) >= 4 and {r.sample_id for r in back.records} <= set(originals)
    loader_o, loader_i = VolumeLoader(root), VolumeLoader(imported)
    for record in back.records:
        original = originals[record.sample_id]
        raw_o, bound, near = _raw(loader_o, original)
        raw_i, _, _ = _raw(loader_i, record)
        assert abs(raw_i - raw_o) <= bound, record.sample_id
        # What the bound implies for the stated numbers (checked, not assumed): the rounded
        # SUVmax cannot flip, and every near-tie lies in one slice (one slope, one order).
        assert abs(raw_o * 10 - np.floor(raw_o * 10) - 0.5) * 0.1 > bound
        assert len(near) == 1, (record.sample_id, near)
        mo = measure_lesion(loader_o.load(original))
        mi = measure_lesion(loader_i.load(record))
        assert (mi.suv_max, mi.slice, mi.size_mm) == (mo.suv_max, mo.slice, mo.size_mm)
        assert record.reference == original.reference and record.split == original.split


def test_import_records_the_conversion(imported: Path) -> None:
    back = read_manifest(imported)
    record = back.records[0]
    pet, ct = back.volumes[record.pet_path], back.volumes[record.ct_path]
    assert any("SUVbw" in note and "DecayCorrection START" in note for note in pet.notes)
    assert ct.grid.spacing_mm == pytest.approx((1.5, 1.5, 4.0))
    assert ct.grid.shape != pet.grid.shape  # the CT kept its own grid
    mask = back.volumes[record.mask_path]
    assert any("SEG" in note for note in mask.notes)


def _cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "PETAR_BENCH_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "petar_bench", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.mark.slow
def test_command_line_walkthrough(tiny_dataset, tmp_path: Path) -> None:
    """`data export --layout dicom`, a dry run, `data import`, then `run --model measure` on
    the import states what it states on the original (SUVmax, slice, size)."""
    from rich.console import Console

    from petar_bench.console import ConsoleReporter
    from petar_bench.engine import RunRequest, run_benchmark
    from petar_bench.fileio import read_jsonl

    root, _ = tiny_dataset
    cache, src, out = tmp_path / "cache", tmp_path / "src", tmp_path / "imported"
    args = ["--layout", "dicom", "--patients", "1", "--ct-spacing", "1.5,1.5,4"]
    done = _cli("data", "export", str(root), "--output", str(src), *args, cache=cache)
    assert done.returncode == 0, done.stderr
    assert "SYNTHETIC" in done.stdout and (src / "dicom_findings.csv").is_file()

    # The dry run and a wrong setting, in process (the command line is one call each):
    from petar_bench.datasets.importers._engine import dry_run_lines
    from petar_bench.errors import UserError

    lines = dry_run_lines(ImportRequest(src=src, output=out, dry_run=True))
    assert "layout: dicom (detected)" in lines and "  lesion_id <- lesion_id" in lines
    with pytest.raises(UserError, match=r"^setting weight_kg='x' is not a number$"):
        run_import(ImportRequest(src=src, output=tmp_path / "x", settings={"weight_kg": "x"}))

    done = _cli("data", "import", str(src), "--output", str(out), cache=cache)
    assert done.returncode == 0, done.stderr
    assert "skipped 0" in done.stdout
    split = read_manifest(out).records[0].split
    run_dir = tmp_path / "run"
    done = _cli(
        "run", "--model", "measure", "--dataset", str(out), "--split", split,
        "--output-dir", str(run_dir), "--no-score", cache=cache,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    imported = {r["sample_id"]: r["prediction"] for r in read_jsonl(run_dir / "predictions.jsonl")}
    request = RunRequest(
        model="measure", dataset=str(root), split=split, output_dir=tmp_path / "o", score=False
    )
    run_benchmark(request, reporter=ConsoleReporter(Console(quiet=True)))
    original = {
        r["sample_id"]: r["prediction"] for r in read_jsonl(tmp_path / "o" / "predictions.jsonl")
    }
    assert imported and set(imported) <= set(original)
    numbers = re.compile(r"SUVmax[^0-9]*([0-9.]+)|slice[^0-9]*(\d+)|(\d+) ?mm", re.IGNORECASE)
    for sample, text in imported.items():
        want = numbers.findall(original[sample])
        assert want and numbers.findall(text) == want, sample


def test_an_exam_not_in_bqml_is_skipped_naming_it(exported, tmp_path: Path) -> None:
    import shutil

    import pydicom

    src = tmp_path / "src"
    shutil.copytree(exported("dicom"), src)
    exam = sorted(p for p in src.iterdir() if p.is_dir())[0]
    for path in (exam / "PT").iterdir():
        ds = pydicom.dcmread(str(path))
        ds.Units = "GML"
        ds.save_as(str(path))
    result = run_import(ImportRequest(src=src, output=tmp_path / "out", layout="dicom"))
    assert result.skipped and result.imported
    for item in result.skipped:
        reason = item["reason"]
        assert "\n" not in reason and str(exam) in reason and "Units is 'GML', not BQML" in reason
    # Told the factor, the same exam imports.
    told = run_import(
        ImportRequest(
            src=src, output=tmp_path / "told", layout="dicom", settings={"suv_scale": "0.0003"}
        )
    )
    assert not told.skipped
