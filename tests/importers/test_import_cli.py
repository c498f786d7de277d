"""The import path as a user walks it on the command line: export, dry run, import, run,
verify, references out, a labelled subset scored; one-line errors for mistakes."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "PETAR_BENCH_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "petar_bench", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def _one_line_error(out: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.slow
def test_import_walkthrough(tiny_dataset, tmp_path: Path) -> None:
    root, _ = tiny_dataset
    cache = tmp_path / "cache"
    src, out = tmp_path / "src", tmp_path / "imported"
    done = cli(
        "data",
        "export",
        str(root),
        "--layout",
        "table",
        "--output",
        str(src),
        "--patients",
        "2",
        "--ct-spacing",
        "2,2,4",
        cache=cache,
    )
    assert done.returncode == 0, done.stderr
    assert "SYNTHETIC" in done.stdout

    dry = cli("data", "import", str(src), "--output", str(out), "--dry-run", cache=cache)
    assert dry.returncode == 0, dry.stderr
    assert "reference <- reference" in dry.stdout and "nothing was written" in dry.stdout
    assert not out.exists()

    done = cli("data", "import", str(src), "--output", str(out), cache=cache)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    for fingerprint in manifest["split_fingerprints"].values():
        assert fingerprint in done.stdout  # fingerprints printed
    assert "slice convention detected: 1-based, counted from the head end" in done.stdout
    split = manifest["records"][0]["split"]

    run_dir = tmp_path / "run"
    done = cli(
        "run",
        "--model",
        "measure",
        "--dataset",
        str(out),
        "--split",
        split,
        "--output-dir",
        str(run_dir),
        "--metrics",
        "bleu1,rouge_l,pet_suvmax_fidelity",
        cache=cache,
    )
    assert done.returncode == 0, done.stderr
    other = tmp_path / "run-constant"
    done = cli(
        "run",
        "--model",
        "constant",
        "--dataset",
        str(out),
        "--split",
        split,
        "--output-dir",
        str(other),
        "--metrics",
        "bleu1,rouge_l",
        cache=cache,
    )
    assert done.returncode == 0, done.stderr
    done = cli("compare", str(run_dir), str(other), cache=cache)
    assert done.returncode == 0, done.stderr
    assert "Paired approximate randomization" in done.stdout
    assert cli("data", "verify", str(out), cache=cache).returncode == 0

    refs = tmp_path / "refs.jsonl"
    done = cli(
        "data", "export-references", str(out), "--split", split, "--output", str(refs), cache=cache
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in refs.read_text().splitlines()]
    assert {r["sample_id"] for r in rows} == {
        r["sample_id"] for r in manifest["records"] if r["split"] == split
    }
    assert all(r["patient_id"] and "fields" in r for r in rows)

    ids = tmp_path / "ids.txt"
    ids.write_text(rows[0]["sample_id"] + "\n")
    scores = tmp_path / "scores.json"
    done = cli(
        "score",
        str(run_dir / "predictions.jsonl"),
        "--references",
        str(refs),
        "--ids",
        str(ids),
        "--metrics",
        "bleu1,rouge_l",
        "--output",
        str(scores),
        cache=cache,
    )
    assert done.returncode == 0, done.stderr
    assert "SUBSET: 1 sample(s)" in done.stdout
    report = json.loads(scores.read_text())
    assert report["n"] == 1 and report["full_split"] is False


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--map", "colour=x"], ["unknown field", "colour"]),
        (["--map", "reference=nope"], ["no column 'nope'"]),
        pytest.param(
            ["--layout", "dicom"],
            ["dicom layout is not available"],
            marks=pytest.mark.skipif(
                importlib.util.find_spec("petar_bench.datasets.dicom") is not None,
                reason="this installation has the DICOM layout",
            ),
        ),
        (["--layout", "folder"], ["unknown layout", "did you mean 'folders'"]),
        (["--workers", "0"], ["--workers must be between 1 and 64"]),
        (["--map", "broken"], ["FIELD=COLUMN"]),
        (["--components"], ["--components does not apply to the table layout"]),
        (["--split-column", "s", "--split-file", "f.csv"], ["not both"]),
    ],
)
def test_import_mistakes_are_one_line(args, needles, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "lesions.csv").write_text("sample_id,reference\na,text\n", encoding="utf-8")
    out = cli(
        "data", "import", str(src), "--output", str(tmp_path / "o"), *args, cache=tmp_path / "cache"
    )
    _one_line_error(out, *needles)
