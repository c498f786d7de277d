"""The reader-study kit end to end: export (blinded, reproducible), import (every row
validated), correlate (planted metric ordering and reader agreement recovered)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from petar_bench.cli import main
from petar_bench.errors import UserError
from petar_bench.report._study import RATING_COLUMNS, export_packet, read_key
from petar_bench.report._study_correlate import correlate, html_section, markdown
from petar_bench.report._study_ratings import import_ratings, read_ratings, write_ratings

PLANTED = {"planted_strong": 0.15, "planted_weak": 1.0}  # metric -> noise around the truth


def _plant(run: Path, truth: dict[str, float], rng: np.random.Generator) -> None:
    """Add metrics whose per-sample values are the planted truth plus known noise, and one
    unrelated to it, to a run's scores.json."""
    scores = json.loads((run / "scores.json").read_text())
    ids = scores["sample_ids"]
    columns = {m: [truth[s] + rng.normal(0, sd) for s in ids] for m, sd in PLANTED.items()}
    columns["planted_none"] = list(rng.normal(0, 1, len(ids)))
    for metric_id, values in columns.items():
        scores["metrics"][metric_id] = {
            "value": float(np.mean(values)),
            "ci95": [None, None],
            "signature": metric_id,
            "higher_is_better": True,
            "n": len(ids),
        }
        scores["per_sample"][metric_id] = values
    (run / "scores.json").write_text(json.dumps(scores))


@pytest.fixture(scope="module")
def study(report_runs: list[Path], tmp_path_factory: pytest.TempPathFactory):
    """Copies of the runs with planted metrics, exported with the reference as control."""
    root = tmp_path_factory.mktemp("study")
    rng = np.random.default_rng(5)
    runs, truth = [], {}
    for run in report_runs:
        copy = root / run.name
        shutil.copytree(run, copy)
        ids = json.loads((copy / "scores.json").read_text())["sample_ids"]
        truth[copy.name] = {s: float(rng.normal()) for s in ids}
        _plant(copy, truth[copy.name], rng)
        runs.append(copy)
    made = export_packet(runs, root / "out", seed=11, include_reference=True)
    return made, truth


def _labels(key) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.label: Path(r.run_dir).name for r in key.runs}


def _simulate(study, folder: Path, noise: float, n_readers: int = 4) -> list[Path]:  # type: ignore[no-untyped-def]
    """Readers whose 1-5 scores are the planted truth plus their own noise (the reference
    case scores high); each prefers the finding with the higher truth."""
    made, truth = study
    key = read_key(made.key)
    run_of = _labels(key)
    latent = {
        c.case_id: 1.5 if c.kind == "reference" else truth[run_of[c.system]][c.sample_id]
        for c in key.cases
    }
    rng = np.random.default_rng(int(noise * 100))
    files = []
    for reader in range(n_readers):
        path = folder / f"reader{reader}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(RATING_COLUMNS)
            for case in key.cases:
                score = [
                    int(np.clip(np.rint(3 + latent[case.case_id] + rng.normal(0, noise)), 1, 5))
                    for _ in range(3)
                ]
                writer.writerow([f"dr{reader}", case.case_id, *score, ""])
            for pair in key.pairs:
                a, b = latent[pair.a], latent[pair.b]
                writer.writerow([f"dr{reader}", pair.pair_id, "", "", "", "A" if a > b else "B"])
        files.append(path)
    return files


def test_packet_is_blinded_and_the_key_apart(study) -> None:  # type: ignore[no-untyped-def]
    made, _ = study
    assert made.key.parent == made.packet.parent and made.key.name == "key.json"
    assert not (made.packet / "key.json").exists()
    key = read_key(made.key)
    assert made.n_cases == 8 * 3 and made.n_pairs == 8 * 3 and made.n_lesions == 8
    secrets = {"measure", "constant", "run-measure", "run-constant", "reference"}
    secrets |= {c.sample_id for c in key.cases} | {c.patient_id for c in key.cases}
    for path in made.packet.rglob("*"):
        if path.suffix in {".html", ".csv"}:
            text = path.read_text().lower()
            found = [s for s in secrets if re.search(rf"\b{re.escape(s.lower())}\b", text)]
            assert not found, (path.name, found)
        assert not any(s in path.name for s in secrets)
    for name in ("cases.csv", "ratings-template.csv"):
        assert not re.search(r"\d", (made.packet / name).read_text()), name
    page = (made.packet / "index.html").read_text()
    findings = re.findall(r'<p class="finding">(.*?)</p>', page, flags=re.S)
    assert len(findings) == 24 + 2 * 24 and all(not re.search(r"\d", f) for f in findings)
    assert "[#]" in page and "http://" not in page and "https://" not in page
    assert len({c.case_id for c in key.cases}) == 24
    assert {c.kind for c in key.cases} == {"model", "reference"}


def test_export_is_reproducible_with_the_seed(study, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made, _ = study
    runs = [Path(r.run_dir) for r in read_key(made.key).runs]
    again = export_packet(runs, tmp_path / "again", seed=11, include_reference=True)
    other = export_packet(runs, tmp_path / "other", seed=12, include_reference=True)
    for name in ("index.html", "cases.csv", "ratings-template.csv"):
        assert (again.packet / name).read_bytes() == (made.packet / name).read_bytes()
    assert again.key.read_bytes() == made.key.read_bytes()
    assert (other.packet / "cases.csv").read_bytes() != (made.packet / "cases.csv").read_bytes()
    images = sorted(p.name for p in (made.packet / "images").iterdir())
    assert images == sorted(p.name for p in (again.packet / "images").iterdir())
    # Re-exported into the same folder with another seed: no picture of the old one stays.
    export_packet(runs, tmp_path / "again", seed=12, include_reference=True)
    left = {p.name for p in (again.packet / "images").iterdir()}
    assert left == {p.name for p in (other.packet / "images").iterdir()} and len(left) == 16


def test_round_trip_recovers_planted_ordering_and_agreement(study, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made, _ = study
    close = import_ratings(_simulate(study, tmp_path, noise=0.3), made.key)
    path = write_ratings(close, tmp_path / "ratings.json")
    result = correlate(read_ratings(path), n_bootstrap=200, seed=1)
    rho = {c.metric_id: c for c in result.correlations}
    order = [c.metric_id for c in result.correlations if c.metric_id.startswith("planted")]
    assert order == ["planted_strong", "planted_weak", "planted_none"]
    strong = rho["planted_strong"]
    assert strong.rho > 0.8 and strong.ci95[0] <= strong.rho <= strong.ci95[1]
    none = rho["planted_none"]  # unrelated: its CI keeps 0 (16 cases of 3 patients)
    assert strong.n_cases == 16 and none.ci95[0] <= 0.0 <= none.ci95[1]
    assert strong.tau_b > 0.6
    noisy = correlate(
        import_ratings(
            _simulate(study, tmp_path / "noisy", noise=2.5)
            if (tmp_path / "noisy").mkdir() is None
            else [],
            made.key,
        ),
        n_bootstrap=50,
    )
    for tight, loose in zip(result.agreement, noisy.agreement, strict=True):
        assert tight.icc_cases == 24 and tight.n_raters == 4
        assert tight.icc_single > 0.7 and tight.alpha > 0.6
        assert loose.icc_single < 0.45 and loose.icc_single < tight.icc_single
        assert tight.icc_average > tight.icc_single
    # Every reader prefers the higher truth: counts follow from the key alone.
    prefs = {(p.first, p.second): p for p in result.preferences}
    reference_pairs = [p for (f, s), p in prefs.items() if s == "reference"]
    assert reference_pairs and all(p.first_wins + p.ties == 0 for p in reference_pairs)
    assert sum(p.first_wins + p.ties + p.second_wins for p in prefs.values()) == 4 * 24
    text = markdown(result)
    assert "| planted_strong |" in text and "ICC(2,1)" in text and "Table 5" in text
    assert "<table" in html_section(result)


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([list(RATING_COLUMNS), *rows])
    return path


def test_import_refuses_bad_rows_naming_file_and_row(study, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made, _ = study
    key = read_key(made.key)
    case, pair = key.cases[0].case_id, key.pairs[0].pair_id
    good = _write(
        tmp_path / "good.csv", [["dr", case, "4", "4", "5", ""], ["dr", pair, "", "", "", "tie"]]
    )
    assert len(import_ratings([good], made.key).ratings) == 1
    bad = {
        "unknown case 'C-nope'": [["dr", "C-nope", "4", "4", "4", ""]],
        "outside the scale 1-5": [["dr", case, "4", "6", "4", ""]],
        "overall_utility is empty": [["dr", case, "4", "4", "", ""]],
        "write A, B or tie": [["dr", pair, "", "", "", "C"]],
        "already rated": [["dr", case, "4", "4", "4", ""], ["dr", case, "3", "3", "3", ""]],
    }
    for message, rows in bad.items():
        path = _write(tmp_path / "bad.csv", rows)
        with pytest.raises(UserError, match=re.escape(message)) as info:
            import_ratings([path], made.key)
        assert "bad.csv: row" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(UserError, match="good.csv: row 2: rater 'dr' already rated"):
        import_ratings([good, good], made.key)  # across files too


def _cli(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0


def test_cli_round_trip(study, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:  # type: ignore[no-untyped-def]
    made, _ = study
    files = [str(p) for p in _simulate(study, tmp_path, noise=0.5, n_readers=2)]
    ratings = tmp_path / "ratings.json"
    _cli(["reader-study", "import", *files, "--key", str(made.key), "--output", str(ratings)])
    table = tmp_path / "tables.md"
    _cli(
        ["reader-study", "correlate", str(ratings), "--n-bootstrap", "50", "--markdown", str(table)]
    )
    out = capsys.readouterr().out
    assert "Spearman rho" in out and "Krippendorff" in out and "planted_strong" in out
    assert "| planted_strong |" in table.read_text()
    runs = [r.run_dir for r in read_key(made.key).runs]
    out = tmp_path / "report"
    _cli(
        [
            "report",
            *runs,
            "--output",
            str(out),
            "--reader-study",
            str(ratings),
            "--n-bootstrap",
            "50",
        ]
    )
    page = (out / "index.html").read_text()
    assert 'id="reader-table-0"' in page and "planted_strong" in page and "ICC(2,k)" in page
    with pytest.raises(SystemExit) as info:
        main(["reader-study", "correlate", str(ratings), "--axis", "speed"])
    assert info.value.code == 2 and capsys.readouterr().err.startswith("error: --axis")


def test_form_in_chromium_makes_a_csv_that_imports(study, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The packet's form, filled in headless Chromium: its CSV imports as it is."""
    from lb_cdp import Browser, chromium_or_skip

    made, _ = study
    browser = Browser(chromium_or_skip(), tmp_path / "profile")
    try:
        browser.open((made.packet / "index.html").as_uri())
        case = browser.evaluate("document.querySelector('[data-kind=case]').dataset.item")
        pair = browser.evaluate("document.querySelector('[data-kind=pair]').dataset.item")
        browser.evaluate(
            "(() => { document.getElementById('rater').value = 'dr, \"x\"';"
            f" for (const axis of {json.dumps(list(RATING_COLUMNS[2:5]))})"
            f"  document.querySelector(`input[name='{case}:${{axis}}'][value='4']`).checked = true;"
            f" document.querySelector(\"input[name='{pair}:preference'][value='tie']\")"
            ".checked = true; })()"
        )
        text = browser.evaluate("window.ratingsCsv()")
        assert browser.requests and all(u.startswith("file://") for u in browser.requests)
        images = browser.evaluate("[...document.images].every(i => i.complete && i.naturalWidth)")
        assert images
    finally:
        browser.close()
    path = tmp_path / "form.csv"
    path.write_text(text)
    imported = import_ratings([path], made.key)
    assert [(r.rater, r.case_id, r.overall_utility) for r in imported.ratings] == [
        ('dr, "x"', case, 4)
    ]
    assert [(p.pair_id, p.choice) for p in imported.preferences] == [(pair, "tie")]
