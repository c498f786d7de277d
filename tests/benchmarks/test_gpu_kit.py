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
    assert [r["batch"] for r in saved["generation"]] == [1, 3]
    for row in report.generation:  # every lesion got exactly the fixed number of tokens
        assert row.lesions == 3
        assert row.tokens_per_s == pytest.approx(4 * row.lesions_per_s)
        assert 0.0 <= row.wait_fraction <= 1.0
        assert row.projected_s_1175 == pytest.approx(1175 / row.lesions_per_s)
    assert saved["judge"][0]["cache"] == "static"
    assert saved["judge"][0]["judgements"] == 2
    printed = capsys.readouterr().out
    assert "lesions/s" in printed and "judgements/s" in printed


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
