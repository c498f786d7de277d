"""The GPU kit's dry run (tiny sizes, CPU) and its one-line failure for a missing package."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

KIT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu" / "run_kit.py"


def _kit():
    spec = importlib.util.spec_from_file_location("run_kit", KIT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_kit"] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # ~30 s on 2 cores: a synthetic dataset, worker start-up, two models
def test_dry_run_measures_generation_and_judge(tmp_path, monkeypatch, capsys):
    kit = _kit()
    out = tmp_path / "results.json"
    report = kit.main(["--dry-run", "--json", str(out), "--workers", "1"])
    saved = json.loads(out.read_text())
    assert saved["machine"]["device"] == "cpu"
    # each setting with the dynamic and the static KV cache: the GPU run decides
    assert [(r["batch"], r["cache"]) for r in saved["generation"]] == [
        (1, "dynamic"),
        (1, "static"),
        (3, "dynamic"),
        (3, "static"),
    ]
    for row in report.generation:  # every lesion got exactly the fixed number of tokens
        assert row.lesions == 3
        assert row.tokens_per_s == pytest.approx(4 * row.lesions_per_s)
        assert 0.0 <= row.wait_fraction <= 1.0
        assert row.projected_s_1175 == pytest.approx(1175 / row.lesions_per_s)
    # the judge is measured with a static and with a dynamic KV cache: the GPU run decides
    assert [r["cache"] for r in saved["judge"]] == ["static", "dynamic"]
    assert all(r["judgements"] == 2 for r in saved["judge"])
    assert "largest batch that fits: measured on a GPU only" in saved["notes"]
    assert "dataset 'demo-full': not available here; skipped" in saved["notes"]
    printed = capsys.readouterr().out
    assert "lesions/s" in printed and "judgements/s" in printed
    assert "target 120 s" in printed and "x upstream's" in printed


def _row(kit, batch: int, peak: float):
    return kit.GenRow(batch, 256, "dynamic", batch, 1.0, 1.0, 1.0, peak, 0.0, 0.0, 1.0)


def test_largest_batch_follows_the_memory_line():
    """Peaks 10 GiB at batch 8 and 16 GiB at 32: 8 GiB fixed + 0.25 GiB per sequence, so a
    100 GiB GPU (90 GiB usable) holds 328; a flat or falling line projects nothing."""
    kit = _kit()
    rows = [_row(kit, 1, 9.0), _row(kit, 8, 10.0), _row(kit, 32, 16.0)]
    assert kit.largest_batch(rows, 100.0) == 328
    assert kit.largest_batch(rows, 100.0, ceiling=128) == 128
    assert kit.largest_batch(rows, 17.0) is None  # nothing larger than 32 fits
    assert kit.largest_batch([_row(kit, 8, 10.0), _row(kit, 32, 10.0)], 100.0) is None
    assert kit.largest_batch([_row(kit, 8, 10.0)], 100.0) is None
    assert kit.cycled([1, 2, 3], 7) == [1, 2, 3, 1, 2, 3, 1] and kit.cycled([], 3) == []


def test_missing_package_stops_in_one_line(tmp_path, monkeypatch, capsys):
    kit = _kit()
    monkeypatch.setattr(kit, "NEEDED", (*kit.NEEDED, "petar_no_such_package"))
    monkeypatch.setattr(kit, "WHEELS", tmp_path / "wheels")
    monkeypatch.setattr(kit, "SITE", tmp_path / "site")
    with pytest.raises(SystemExit) as exit_info:
        kit.bootstrap()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("error: missing Python packages: petar_no_such_package")
