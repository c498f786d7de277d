"""docs/ci.md's GitHub Actions recipes: the CPU workflow's commands run here as written (after
the install step, with the documented one-time baseline made in between); the GPU nightly's
commands use only options the command line has."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.S)


def _workflows() -> list[dict]:
    return [yaml.safe_load(block) for block in _blocks("yaml") if "jobs:" in block]


def _run_steps(workflow: dict) -> list[str]:
    (job,) = workflow["jobs"].values()
    return [step["run"] for step in job["steps"] if "run" in step]


def _bootstrap() -> str:
    (command,) = [b.strip() for b in _blocks("bash") if "--write-baseline runs/candidate" in b]
    return command


@pytest.mark.slow
def test_the_cpu_workflow_runs_as_written(demo_dataset, tmp_path: Path) -> None:
    cpu, _ = _workflows()
    steps = [s for s in _run_steps(cpu) if "pip install" not in s]
    assert steps[0] == "petar-bench data synth" and "--limit" in steps[2]
    checks = [i for i, s in enumerate(steps) if s.startswith("petar-bench check")]
    steps.insert(checks[0], _bootstrap())
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""), "CI": "1"}
    env["PYTHONPATH"] = ""  # the commands see the installed petar-bench only
    (tmp_path / "ci").mkdir()
    for step in steps:
        command = step.replace("python -m", f"{shlex.quote(sys.executable)} -m")
        done = subprocess.run(
            command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, f"{step}\n{done.stdout}\n{done.stderr}"
    assert (tmp_path / "ci" / "petar-baseline.json").is_file()
    suite = ElementTree.parse(tmp_path / "check.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and int(suite.get("tests", 0)) >= 3


def _options(command: list[str]) -> set[str]:
    """Long options a petar-bench subcommand accepts."""
    import typer.main

    from petar_bench.cli import app

    click_command = typer.main.get_command(app)
    sub = click_command.commands[command[1]]  # type: ignore[attr-defined]
    return {o for p in sub.params for o in getattr(p, "opts", []) if o.startswith("--")}


@pytest.mark.parametrize("which", [0, 1], ids=["cpu", "gpu-nightly"])
def test_every_recipe_command_uses_real_options(which: int) -> None:
    for step in _run_steps(_workflows()[which]):
        for line in step.splitlines():
            words = shlex.split(line.split("||")[0])
            if not words or words[0] != "petar-bench":
                continue
            given = {w.split("=")[0] for w in words if w.startswith("--")}
            assert given <= _options(words), (line, given - _options(words))
