"""Listing and leaderboard commands answer at once: they import no deep-learning stack and
start no helper process (METEOR's JVM is started when that metric is built to score)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "bert_score", "monai")

PROBE = """
import json, runpy, subprocess, sys
watched = json.loads(sys.argv[2])
started = []
_popen_init = subprocess.Popen.__init__
def _record(self, args, *rest, **kwargs):
    started.append(str(args if isinstance(args, str) else args[0]))
    _popen_init(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = _record
sys.argv = ["petar-bench", *json.loads(sys.argv[1])]
code = 0
try:
    runpy.run_module("petar_bench", run_name="__main__")
except SystemExit as exc:
    code = exc.code or 0
heavy = sorted(m for m in watched if m in sys.modules)
sys.stderr.write(
    "\\nPROBE " + json.dumps({"code": code, "heavy": heavy, "started": started}) + "\\n"
)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["ls", "models"],
        ["ls", "metrics"],
        ["ls", "datasets"],
        ["leaderboard", "show"],
        ["leaderboard", "render", "--format", "html", "--output", "{tmp}/board.html"],
        ["leaderboard", "render", "--format", "md"],
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_command_imports_no_heavy_library(args, tmp_path):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    env = {**os.environ, "COLUMNS": "200", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("PROBE "))
    probe = json.loads(line.removeprefix("PROBE "))
    assert probe["code"] == 0, done.stderr[-2000:]
    assert probe["heavy"] == [], f"{' '.join(argv)} imported {probe['heavy']}"
    assert probe["started"] == [], f"{' '.join(argv)} started {probe['started']}"
