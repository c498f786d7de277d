"""Two processes under `accelerate launch` (CPU): one shard per rank, rank 0 merges.

accelerate 1.15 on CPU: `--multi_gpu --num_processes 2` starts two processes (with `--cpu`
it starts one), so the test asserts the world size each process saw.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import engine_fakes as fakes
import pytest

from petar_bench.engine import RunRequest, read_config, read_store, run_benchmark
from petar_bench.engine._layout import RunLayout

ENTRY = Path(__file__).parent / "engine_entry.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accelerate() -> str:
    found = shutil.which("accelerate") or str(Path(sys.executable).parent / "accelerate")
    if not Path(found).exists():
        pytest.skip("accelerate is not installed")
    return found


def test_two_process_launch_matches_a_single_run(tmp_path, captured):
    dataset = tmp_path / "ds"
    fakes.make_tiny_dataset(dataset, n_exams=7, lesions_per_exam=2)  # 10 test lesions
    single = run_benchmark(
        RunRequest(model="engine-echo", dataset=str(dataset), output_dir=tmp_path / "single"),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    out = tmp_path / "launch" / "run"
    command = [
        _accelerate(),
        "launch",
        "--multi_gpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "--main_process_port",
        str(_free_port()),
        str(ENTRY),
        str(dataset),
        str(out),
        "--batch-size",
        "2",
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    done = subprocess.run(
        command,
        env={**env, "CUDA_VISIBLE_DEVICES": ""},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ranks = [json.loads((out.parent / f"result-rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world_size"] for r in ranks] == [2, 2]
    assert [r["shard"] for r in ranks] == ["0/2", "1/2"]
    assert ranks[0]["finalized"] and ranks[0]["scored"] and not ranks[1]["finalized"]
    # one store per rank, disjoint, sizes within one, together the whole split
    stores = RunLayout(out).stores()
    assert [p.name.split(".", 1)[1] for p in stores] == ["shard-0-of-2.jsonl", "shard-1-of-2.jsonl"]
    parts = [set(read_store(p, single.run_key).entries) for p in stores]
    assert not parts[0] & parts[1] and abs(len(parts[0]) - len(parts[1])) <= 1
    assert len(parts[0] | parts[1]) == single.n_samples
    assert (out / "predictions.jsonl").read_text() == single.predictions_path.read_text()
    config = read_config(out / "config.json")
    assert config.run_key == single.run_key and config.provenance.world_size == 2
    assert json.loads((out / "scores.json").read_text())["n"] == single.n_samples
