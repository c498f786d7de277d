"""Where the native PETAR-4B path must behave as the release code does, or fail as a setup
error: weights checked before the loop, --device/--dtype on `run`, half precision on CPU,
dtype in the run key, and the release's 768-token prompt limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("monai")

import torch  # noqa: E402
from lamed_helpers import copy_checkpoint, rewrite_tensors  # noqa: E402

from petar_bench.baselines.lamed._prompts import MAX_PROMPT_TOKENS  # noqa: E402
from petar_bench.engine._runkey import compute_run_key  # noqa: E402
from petar_bench.registry import models  # noqa: E402


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "petar_bench", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_wrong_key_layout_is_a_setup_error_before_any_sample(
    demo_dataset, tiny_petar: Path, tmp_path: Path
) -> None:
    bad = copy_checkpoint(tiny_petar, tmp_path / "bad")
    rewrite_tensors(bad, add={"model.extra_head.weight": (2, 2)}, drop=("lm_head.weight",))
    out = _cli(
        "run", "--model", "petar-4b", "--weights", str(bad), "--limit", "2",
        "--no-score", "--output-dir", str(tmp_path / "run"),
    )  # fmt: skip
    assert out.returncode == 2, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "1 missing (lm_head.weight)" in lines[0] and "Traceback" not in out.stderr
    assert "--max-failures" not in out.stderr
    stored = tmp_path / "run" / "predictions.jsonl"
    assert not stored.exists() or stored.read_text().strip() == ""


def test_run_has_device_and_dtype_options(demo_dataset, tiny_petar: Path, tmp_path: Path) -> None:
    common = ("run", "--model", "petar-4b", "--weights", str(tiny_petar), "--limit", "1")
    out = _cli(*common, "--device", "cpu", "--dtype", "fp8", "--no-score")
    assert out.returncode == 2 and "dtype 'fp8'" in out.stderr
    out = _cli(*common, "--dtype", "float32", "-o", "dtype=bfloat16", "--no-score")
    assert out.returncode == 2 and "disagree" in out.stderr
    out = _cli(
        *common, "--device", "cpu", "--dtype", "float32", "--no-score",
        "--output-dir", str(tmp_path / "run"),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert '"dtype": "float32"' in json.dumps(config)


def test_cuda_advice_names_an_option_that_exists(tiny_petar: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    from petar_bench.errors import UserError

    with pytest.raises(UserError, match="use --device cpu"):
        models.create("petar-4b", weights=str(tiny_petar), device="cuda")
    out = _cli("run", "--help")
    assert "--device" in out.stdout and "--dtype" in out.stdout


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_precision_runs_on_cpu(tiny_petar: Path, dtype: str) -> None:
    from lamed_phantom import lesions

    adapter = models.create(
        "petar-4b", weights=str(tiny_petar), device="cpu", dtype=dtype, max_new_tokens=4
    )
    texts = adapter.generate(lesions()[:2])
    assert len(texts) == 2 and all(isinstance(t, str) for t in texts)


def test_avg_pool_in_half_precision_matches_float32_on_cpu() -> None:
    from petar_bench.baselines.lamed._projector import _avg_pool3d

    grid = torch.randn(2, 4, 4, 8, 8)
    half = _avg_pool3d(grid.to(torch.bfloat16), 2)
    assert half.dtype == torch.bfloat16
    reference = torch.nn.functional.avg_pool3d(grid, 2, 2)
    assert torch.allclose(half.float(), reference, atol=2e-2)


def test_dtype_is_part_of_the_run_key(tiny_petar: Path) -> None:
    cards = [
        models.create("petar-4b", weights=str(tiny_petar), device="cpu", dtype=d).card
        for d in ("float32", "bfloat16", "auto")
    ]
    keys = [compute_run_key(c, "f" * 64, seed=0) for c in cards]
    assert keys[0] != keys[1]
    assert keys[0] == keys[2]  # auto on CPU resolves to float32: the same outputs, same key
    assert cards[0].decoding["max_prompt_tokens"] == MAX_PROMPT_TOKENS == 768


def test_prompts_are_cut_at_768_tokens_like_the_release(petar_runner) -> None:
    n = petar_runner.num_image_tokens
    long_prompt = " ".join(["lesion"] * 2000)
    ids = petar_runner.prompt_ids(long_prompt)
    full = petar_runner.tokenizer("<im_patch>" * n + long_prompt)["input_ids"]
    assert len(full) > MAX_PROMPT_TOKENS
    assert ids == list(full[:MAX_PROMPT_TOKENS])
    short = petar_runner.prompt_ids("Describe it.")
    assert short == list(petar_runner.tokenizer("<im_patch>" * n + "Describe it.")["input_ids"])
