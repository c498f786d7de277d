"""The pytest plugin (`petar_bench.testing`) used the way a model repository would: from a
small project made in a temp dir, run by pytest in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TEST_MODULE = """
from pathlib import Path

from petar_bench.testing import assert_no_regression

BASELINE = Path(__file__).parent / "petar-baseline.json"
METRICS = ("bleu4", "pet_suvmax_fidelity")


def test_measure_does_not_regress(petar_bench_run, petar_bench_check):
    run = petar_bench_run("measure", limit=30, metrics=METRICS)
    petar_bench_check(run, BASELINE)


def test_constant_would_regress(petar_bench_run, request):
    if request.config.getoption("--petar-bench-update-baselines"):
        return
    run = petar_bench_run("constant", limit=30, metrics=METRICS)
    assert_no_regression(run, BASELINE)
"""


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "CI": "1"}
    # A private basetemp: the inner pytest must not prune this session's temp folders.
    basetemp = project.parent / f"basetemp-{len(list(project.parent.glob('basetemp-*')))}"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--basetemp={basetemp}",
            *args,
        ],  # fmt: skip
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_importing_the_plugin_loads_no_torch() -> None:
    code = (
        "import sys, petar_bench.testing; "
        "heavy = [m for m in ('torch', 'transformers', 'monai') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_a_project_guards_itself_with_the_plugin(demo_dataset, tmp_path: Path) -> None:
    """First run writes the baseline on purpose (-p loads the plugin); the second run (the
    plugin from conftest.py) passes measure and fails constant with the check's report."""
    assert os.environ.get("PETAR_BENCH_CACHE")  # the session's demo: no regeneration
    project = tmp_path / "model-repo"
    (project / "tests").mkdir(parents=True)
    (project / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    (project / "tests" / "test_guard.py").write_text(TEST_MODULE)
    first = _pytest(project, "-p", "petar_bench.testing", "--petar-bench-update-baselines")
    assert first.returncode == 0, first.stdout + first.stderr
    assert (project / "tests" / "petar-baseline.json").is_file()

    (project / "conftest.py").write_text('pytest_plugins = ["petar_bench.testing"]\n')
    second = _pytest(project)
    output = second.stdout + second.stderr
    assert second.returncode == 1, output
    assert "1 failed, 1 passed" in output
    assert "test_constant_would_regress" in output and "check FAILED" in output
    assert "Samples that changed most" in output


def test_a_missing_baseline_says_how_to_make_it(tmp_path: Path) -> None:
    project = tmp_path / "repo"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_missing.py").write_text(
        textwrap.dedent(
            """
            def test_guard(petar_bench_check, tmp_path):
                petar_bench_check(tmp_path, tmp_path / "nowhere.json")
            """
        )
    )
    result = _pytest(project, "-p", "petar_bench.testing")
    assert result.returncode == 1
    assert "create it with pytest --petar-bench-update-baselines" in result.stdout


@pytest.mark.parametrize("flag", ["--petar-bench-update-baselines"])
def test_the_option_is_documented_in_pytest_help(tmp_path: Path, flag: str) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = _pytest(tmp_path, "-p", "petar_bench.testing", "--help")
    assert flag in result.stdout and "PETAR-Bench regression guard" in result.stdout
