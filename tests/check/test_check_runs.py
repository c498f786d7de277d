"""`petar-bench check` on real demo runs, through the command line: exit codes, reports in
every format, the baseline file, refusals, and `compare --fail-if-worse` agreeing with it."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from petar_bench.cli import main


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command line in-process: (exit code, stdout, stderr)."""
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def baseline_file(check_runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from petar_bench.check import write_baseline

    path = tmp_path_factory.mktemp("baseline") / "baseline.json"
    write_baseline(check_runs["measure"], path)
    return path


def test_a_run_passes_against_itself(check_runs, baseline_file, capsys) -> None:
    code, out, _ = cli(capsys, "check", check_runs["measure"], "--baseline", check_runs["measure"])
    assert code == 0 and "check passed: no regression in 4 metric(s)" in out
    code, out, _ = cli(capsys, "check", check_runs["measure"], "--baseline", baseline_file)
    assert code == 0 and "SYNTHETIC" in out


def test_constant_fails_against_a_measure_baseline(check_runs, baseline_file, capsys) -> None:
    code, out, _ = cli(capsys, "check", check_runs["constant"], "--baseline", baseline_file)
    assert code == 1
    assert "check FAILED: regression in bleu4, rouge_l, pet_region_acc, pet_suvmax_fidelity" in (
        " ".join(out.split())
    )
    # The samples that changed most: reference (from the dataset) and both predictions.
    assert "Samples that changed most" in out and "reference:" in out and "now      :" in out
    assert "(not available)" not in out


def test_numbers_perturbed_in_a_fifth_of_samples_fail(check_runs, baseline_file, capsys) -> None:
    code, out, _ = cli(
        capsys, "check", check_runs["perturbed"], "--baseline", baseline_file, "--format", "json"
    )
    result = json.loads(out)
    by = {m["metric"]: m for m in result["metrics"]}
    assert code == 1 and result["passed"] is False
    fidelity = by["pet_suvmax_fidelity"]
    assert fidelity["verdict"] == "regression"
    assert fidelity["baseline"] == 1.0 and fidelity["now"] == pytest.approx(0.8, abs=0.03)
    assert fidelity["p_holm"] < 0.05 and fidelity["drop"] > fidelity["se"]
    assert by["pet_region_acc"]["verdict"] == "pass"  # regions were left alone
    changed = fidelity["changed"][0]
    assert changed["baseline_prediction"] != changed["now_prediction"]


def test_junit_and_github_formats(check_runs, baseline_file, capsys, tmp_path) -> None:
    report = tmp_path / "check.xml"
    code, out, _ = cli(
        capsys, "check", check_runs["constant"], "--baseline", baseline_file,
        "--format", "junit", "--output", report,
    )  # fmt: skip
    assert code == 1 and "report written to" in out
    suite = ElementTree.parse(report).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "4" and suite.get("failures") == "4"
    failure = suite.find("testcase/failure")
    assert failure is not None and "reference:" in (failure.text or "")
    code, out, _ = cli(
        capsys, "check", check_runs["measure"], "--baseline", baseline_file, "--format", "github"
    )
    assert code == 0
    lines = out.splitlines()
    assert all(line.startswith("::notice title=petar-bench check%3A ") for line in lines[:-1])
    code, out, _ = cli(
        capsys, "check", check_runs["perturbed"], "--baseline", baseline_file, "--format", "github"
    )
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert code == 1 and any("pet_suvmax_fidelity regressed" in e for e in errors)
    assert not any("pet_region_acc" in e for e in errors)  # regions were left alone
    assert "%0A" in errors[0]  # multi-line messages stay one workflow command


def test_baseline_file_schema(check_runs, baseline_file, demo_dataset) -> None:
    data = json.loads(baseline_file.read_text())
    assert data["format"] == "petar-bench-check-baseline" and data["schema_version"] == 1
    assert data["harness_version"] == "0.1.0" and data["model"] == "measure"
    assert data["split_fingerprint"] == demo_dataset.manifest.fingerprint("test")
    assert len(data["sample_ids"]) == len(data["patient_ids"]) == 49
    assert set(data["metrics"]) == {"bleu4", "rouge_l", "pet_region_acc", "pet_suvmax_fidelity"}
    assert all(len(m["stats"]) == 49 for m in data["metrics"].values())
    text = baseline_file.read_text()
    # Reference texts stay in the dataset: a baseline may be committed anywhere.
    assert not any(r.reference in text for r in demo_dataset.manifest.split("test"))


def _edited(baseline_file: Path, tmp_path: Path, edit) -> Path:
    data = json.loads(baseline_file.read_text())
    edit(data)
    out = tmp_path / "edited.json"
    out.write_text(json.dumps(data))
    return out


def _set_fingerprint(d: dict) -> None:
    d["split_fingerprint"] = "sha256:0000"


def _set_signature(d: dict) -> None:
    d["metrics"]["bleu4"]["signature"] = d["metrics"]["bleu4"]["signature"].replace("n:4", "n:3")


def _drop_metric(d: dict) -> None:
    del d["metrics"]["rouge_l"]


def _drop_sample(d: dict) -> None:
    d["sample_ids"] = d["sample_ids"][1:]
    d["patient_ids"] = d["patient_ids"][1:]
    for m in d["metrics"].values():
        m["stats"] = m["stats"][1:]


def _newer_schema(d: dict) -> None:
    d["schema_version"] = 2


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set_fingerprint, "error: different split: the run is on sha256:"),
        (_set_signature, "error: metric signature differs for bleu4: baseline bleu4|"),
        (_drop_metric, "error: metric set differs: rouge_l only in the run"),
        (_drop_sample, "error: different samples: 1 only in the run (syn-p0001-e01-l01)"),
        (_newer_schema, "has baseline schema 2; this petar-bench reads schema 1"),
    ],
)
def test_incomparable_baselines_are_refused_in_one_line(
    check_runs, baseline_file, capsys, tmp_path, edit, message
) -> None:
    edited = _edited(baseline_file, tmp_path, edit)
    code, out, err = cli(capsys, "check", check_runs["measure"], "--baseline", edited)
    assert code == 2 and message in " ".join(err.split()) and out == ""
    assert len(err.strip().splitlines()) <= 2 and "Traceback" not in err  # one (wrapped) line


def test_usage_mistakes_exit_2(check_runs, baseline_file, capsys, tmp_path) -> None:
    run = check_runs["measure"]
    for args, message in [
        ((run,), "check needs --baseline"),
        ((run, "--write-baseline"), "--write-baseline needs --output"),
        ((run, "--baseline", baseline_file, "--format", "xml"), "--format must be one of"),
        ((run, "--baseline", baseline_file, "--metrics", "meteor"), "meteor not in the baseline"),
        ((run, "--baseline", baseline_file, "--tolerance", "lots"), "--tolerance must be"),
        ((run, "--baseline", tmp_path / "missing.json"), "neither a run directory"),
        ((tmp_path, "--baseline", baseline_file), "has no scores.json"),
    ]:
        code, _, err = cli(capsys, "check", *args)
        assert code == 2 and message in " ".join(err.split()), (args, err)


def test_write_baseline_from_the_command_line(check_runs, capsys, tmp_path) -> None:
    out = tmp_path / "b.json"
    code, text, _ = cli(
        capsys, "check", "--write-baseline", check_runs["constant"], "--output", out
    )
    assert code == 0 and "baseline written to" in text
    code, _, _ = cli(capsys, "check", check_runs["measure"], "--baseline", out)
    assert code == 0  # measure is better than constant: no regression
    code, _, _ = cli(capsys, "check", check_runs["constant"], "--baseline", out, "--tolerance", "0")
    assert code == 0  # identical outputs: a drop of 0 is within any tolerance


@pytest.mark.parametrize(
    ("run", "base"),
    [
        ("measure", "measure"),
        ("constant", "measure"),
        ("perturbed", "measure"),
        ("measure", "constant"),
    ],
)
def test_compare_fail_if_worse_agrees_with_check(check_runs, capsys, run, base) -> None:
    a, b = check_runs[run], check_runs[base]
    checked, _, _ = cli(capsys, "check", a, "--baseline", b, "--n-trials", "2000")
    compared, out, _ = cli(capsys, "compare", a, b, "--fail-if-worse", "--n-trials", "2000")
    assert compared == checked and "rule of 'petar-bench check'" in " ".join(out.split())
    plain, _, _ = cli(capsys, "compare", a, b, "--n-trials", "500")
    assert plain == 0  # without the flag compare only reports
