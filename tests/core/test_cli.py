"""The command line as a user meets it: help for every command, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "petar_bench", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=600,
    )


COMMANDS = [
    ["run"],
    ["demo"],
    ["merge"],
    ["score"],
    ["compare"],
    ["data", "synth"],
    ["data", "verify"],
    ["ls", "models"],
    ["ls", "metrics"],
    ["ls", "datasets"],
    ["leaderboard", "show"],
    ["leaderboard", "render"],
    ["leaderboard", "submit"],
]


def test_every_option_has_help() -> None:
    import typer.main

    from petar_bench.cli import app

    def walk(command, path=()):  # type: ignore[no-untyped-def]
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, name))
        yield path, command

    missing = [
        f"{' '.join(path)} {param.name}"
        for path, command in walk(typer.main.get_command(app))
        for param in command.params
        if not (getattr(param, "help", None) or "").strip()
    ]
    assert missing == []
    assert all((c.help or "").strip() for _, c in walk(typer.main.get_command(app)))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_explains_itself(command: list[str]) -> None:
    out = cli(*command, "--help")
    assert out.returncode == 0, out.stderr
    assert "Usage:" in out.stdout
    assert "Show this message and exit" in out.stdout


def _one_line_error(out: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert out.returncode != 0
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    for needle in needles:
        assert needle in lines[0]


def test_unknown_model_suggests_the_closest(demo_dataset) -> None:
    _one_line_error(
        cli("run", "--model", "mesure"), "unknown model 'mesure'", "did you mean 'measure'"
    )


def test_unknown_split(demo_dataset) -> None:
    env = {"PETAR_BENCH_CACHE": os.environ["PETAR_BENCH_CACHE"]}
    _one_line_error(
        cli("run", "--model", "measure", "--split", "dev", env=env), "split 'dev'", "test"
    )


def test_missing_dataset_dir(tmp_path: Path) -> None:
    _one_line_error(
        cli("run", "--model", "measure", "--dataset", str(tmp_path / "none")),
        "neither a known name",
    )


def test_petar4b_without_weights_says_where_to_put_them(tmp_path: Path) -> None:
    out = cli("run", "--model", "petar-4b", env={"PETAR_BENCH_CACHE": str(tmp_path)})
    _one_line_error(out, "laynad/PETAR-4B", "--weights")


def test_bad_shard_and_model_option() -> None:
    _one_line_error(cli("run", "--model", "measure", "--shard", "3"), "I/N")
    _one_line_error(cli("run", "--model", "measure", "-o", "novalue"), "KEY=VALUE")


def test_verify_demo_and_a_tampered_copy(demo_dataset, tmp_path: Path) -> None:
    import shutil

    env = {"PETAR_BENCH_CACHE": os.environ["PETAR_BENCH_CACHE"]}
    ok = cli("data", "verify", "demo", env=env)
    assert ok.returncode == 0 and "all volumes and fingerprints match" in ok.stdout
    copy = tmp_path / "copy"
    shutil.copytree(demo_dataset.root, copy)
    victim = sorted((copy / "volumes").rglob("ct.nii.gz"))[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    out = cli("data", "verify", str(copy))
    assert out.returncode == 1
    assert f"changed: {victim.relative_to(copy)}" in out.stdout
    assert "DIFFERS" in out.stdout


def test_petar4b_runs_end_to_end_on_a_tiny_checkpoint(demo_dataset, tmp_path: Path) -> None:
    """Issue acceptance: `run --model petar-4b --weights DIR` on the synthetic demo."""
    from petar_bench.baselines.lamed.tiny import make_tiny_checkpoint

    weights = tmp_path / "tiny-petar"
    make_tiny_checkpoint(weights)
    env = {"PETAR_BENCH_CACHE": os.environ["PETAR_BENCH_CACHE"]}
    out = cli(
        "run",
        "--model",
        "petar-4b",
        "--weights",
        str(weights),
        "--limit",
        "3",
        "--batch-size",
        "3",
        "--metrics",
        "bleu4,rouge_l",
        "--output-dir",
        str(tmp_path / "run"),
        env=env,
    )
    assert out.returncode == 0, out.stderr
    rows = [json.loads(x) for x in (tmp_path / "run/predictions.jsonl").read_text().splitlines()]
    assert len(rows) == 3
    config = json.loads((tmp_path / "run/config.json").read_text())
    assert '"preprocessing": "petar-release"' in json.dumps(config)
    scores = json.loads((tmp_path / "run/scores.json").read_text())
    assert scores["synthetic"] is True and scores["full_split"] is False
