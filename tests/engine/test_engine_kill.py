"""A run killed with SIGKILL mid-way resumes to the same predictions, nothing lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import engine_fakes as fakes

from petar_bench.engine import RunRequest, read_store, run_benchmark
from petar_bench.engine._layout import RunLayout

ENTRY = Path(__file__).parent / "engine_entry.py"


def _wait_for_lines(out: Path, n: int, proc: subprocess.Popen, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stores = RunLayout(out).stores()
        if stores:
            lines = stores[0].read_bytes().count(b"\n")
            if lines >= n:
                return lines
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("the run never wrote enough lines")


def test_sigkill_then_resume_matches_an_uninterrupted_run(tmp_path, captured):
    dataset = tmp_path / "ds"
    fakes.make_tiny_dataset(dataset, n_exams=8, lesions_per_exam=4)  # 24 test lesions
    reference = run_benchmark(
        RunRequest(model="engine-echo", dataset=str(dataset), output_dir=tmp_path / "ref"),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    out = tmp_path / "killed"
    # 0.3 s a lesion: after the fifth line the run has ~6 s to go, room for a loaded machine
    # to notice and kill it mid-way.
    env = {**os.environ, fakes.DELAY_ENV: "0.3"}
    command = [sys.executable, str(ENTRY), str(dataset), str(out), "--batch-size", "1"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_lines(out, 5, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    store = RunLayout(out).stores()[0]
    done_before = store.read_bytes().count(b"\n")
    assert 5 <= done_before < reference.n_samples  # really interrupted mid-way
    assert (out / ".lock").exists()  # left behind by the killed process: stale
    # resume: the same command, no delay
    resumed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads((tmp_path / "result-rank0.json").read_text())
    assert summary["n_generated"] == reference.n_samples - done_before
    assert (out / "predictions.jsonl").read_text() == reference.predictions_path.read_text()
    lines = [json.loads(x) for x in store.read_text().splitlines()]
    ids = [x["sample_id"] for x in lines]
    assert len(ids) == len(set(ids)) == reference.n_samples  # none lost, none duplicated
    assert len(read_store(store, store.name[:16]).entries) == reference.n_samples
