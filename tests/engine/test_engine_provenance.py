"""Provenance: versions without heavy imports, git state tolerated when absent."""

from __future__ import annotations

import subprocess
import sys

from petar_bench.engine import _provenance as provenance
from petar_bench.engine._provenance import collect_provenance, finished, git_state


def test_collects_without_importing_heavy_libraries(tmp_path):
    code = (
        "import sys\n"
        "from petar_bench.engine._provenance import collect_provenance\n"
        "p = collect_provenance(argv=['x'], seed=3, batch_size=2, num_workers=0)\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
        "assert 'numpy' in p.packages and p.seed == 3 and p.cpu_count\n"
        "print(p.git_commit)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"  # tmp_path is not a repository


def test_git_state_reads_commit_and_dirty_flag(monkeypatch, tmp_path):
    answers = {"rev-parse": "abc123", "status": " M petar_bench/x.py"}
    monkeypatch.setattr(provenance, "_git", lambda args, cwd: answers[args[0]])
    assert git_state(tmp_path) == ("abc123", True)
    answers["status"] = ""
    assert git_state(tmp_path) == ("abc123", False)


def test_missing_git_is_tolerated(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no git executable here
    assert git_state(tmp_path) == (None, None)


def test_record_has_times_command_and_host(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    record = collect_provenance(
        argv=["petar-bench", "run"],
        seed=0,
        batch_size=4,
        num_workers=2,
        dtype="bfloat16",
        rank=1,
        world_size=2,
    )
    done = finished(record)
    assert record.ended_at is None and done.ended_at and done.started_at == record.started_at
    assert done.argv == ["petar-bench", "run"] and done.hostname and done.dtype == "bfloat16"
    assert (done.rank, done.world_size, done.batch_size) == (1, 2, 4)
