"""`leaderboard verify`: entries are re-scored from their stored predictions; forgeries fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lb_fixtures import fill_board
from rich.console import Console

from petar_bench.errors import UserError
from petar_bench.leaderboard import load_board, read_entry
from petar_bench.leaderboard._config import load_board_config
from petar_bench.leaderboard._entry import StoredPredictions
from petar_bench.leaderboard._scored import entry_metrics
from petar_bench.leaderboard._submission import score_predictions
from petar_bench.leaderboard._validate import Predictions
from petar_bench.leaderboard.verify import verify_board
from petar_bench.records import Manifest, write_manifest


@pytest.fixture()
def filled(board: Path, manifest: Manifest, tmp_path: Path) -> list[Path]:
    return fill_board(board, manifest, tmp_path)


def _statuses(report) -> dict[str, dict[str, str]]:
    return {
        c.label(): {m.metric: m.status for m in c.metrics} | {"problems": "; ".join(c.problems)}
        for c in report.entries
    }


def test_honest_entries_verify(board: Path, manifest: Manifest, filled: list[Path]) -> None:
    report = verify_board(board, dataset=manifest)
    assert report.ok and len(report.entries) == 3
    for checks in _statuses(report).values():
        assert checks == {
            "lbtest_f1": "verified",
            "lbtest_exact": "verified",
            "lbtest_dist": "verified",
            "problems": "",
        }


def _perfect_statistics(board: Path, manifest: Manifest) -> dict:
    """Metric blocks of a perfect system: consistent with each other, aggregate exactly."""
    records = manifest.split("test")
    perfect = Predictions(
        sample_ids=tuple(r.sample_id for r in records),
        texts=tuple(r.reference for r in records),
        sha256="0" * 64,
    )
    config = load_board_config(board)
    report = score_predictions(config, manifest, records, perfect)
    metrics, _, strata = entry_metrics(report, [r.sample_id for r in records])
    return {
        "metrics": {k: v.model_dump(mode="json") for k, v in metrics.items()},
        "strata": strata,
    }


def _forge(source: Path, target: Path, change) -> Path:
    data = json.loads(source.read_text())
    change(data)
    data["entry_id"] = target.stem
    target.write_text(json.dumps(data))
    return target


def test_hand_made_entries_rank_but_fail_verify(
    board: Path, manifest: Manifest, filled: list[Path]
) -> None:
    weak = filled[2]
    perfect = _perfect_statistics(board, manifest)
    weak_texts = read_entry(weak).predictions.texts()
    ids = read_entry(weak).sample_ids

    def no_predictions(d: dict) -> None:  # a schema 1 entry claiming perfect scores
        d.update(perfect, schema_version=1, predictions=None, predictions_sha256="1" * 64)

    def false_predictions(d: dict) -> None:  # perfect scores, the weak system's texts
        d.update(perfect, predictions_sha256="2" * 64)
        d["predictions"] = StoredPredictions.pack(ids, [*weak_texts[:-1], "x"]).model_dump()

    def bad_hash(d: dict) -> None:  # texts swapped without updating their hash
        d["predictions_sha256"] = "3" * 64
        fake = StoredPredictions.pack(ids, ["nothing"] * len(ids))
        d["predictions"] = {**fake.model_dump(), "content_sha256": "4" * 64}

    forged = {
        "forged-none": _forge(weak, board / "forged-none.json", no_predictions),
        "forged-false": _forge(weak, board / "forged-false.json", false_predictions),
        "forged-hash": _forge(weak, board / "forged-hash.json", bad_hash),
    }
    ranked = load_board(board).ranked
    # The statistics are consistent: the board alone cannot tell, and ranks them first.
    assert {r.entry.entry_id for r in ranked.rows[:2]} == {"forged-none", "forged-false"}
    report = verify_board(board, dataset=manifest)
    assert not report.ok
    statuses = _statuses(report)
    assert "carries no predictions" in statuses["forged-none"]["problems"]
    assert statuses["forged-false"]["lbtest_f1"] == "failed"
    assert "do not match their content hash" in statuses["forged-hash"]["problems"]
    failing = {c.label() for c in report.entries if not c.ok}
    assert failing == set(forged)
    detail = next(c for c in report.entries if c.label() == "forged-false").failures()
    assert any(f.startswith("lbtest_f1: stored value 1.0, re-scored 0.") for f in detail)


def test_tampered_statistics_name_the_metric(
    board: Path, manifest: Manifest, filled: list[Path]
) -> None:
    def bump(d: dict) -> None:
        d["metrics"]["lbtest_exact"]["stats"][3] = [1.0]
        d["metrics"]["lbtest_exact"]["value"] += 1 / d["n"]

    _forge(filled[0], filled[0], bump)
    report = verify_board(board, dataset=manifest)
    (bad,) = [c for c in report.entries if not c.ok]
    assert bad.entry_id == read_entry(filled[0]).entry_id
    assert [f.split(":")[0] for f in bad.failures()] == ["lbtest_exact"]


def test_unusable_stored_options_fail_the_entry_only(
    board: Path, manifest: Manifest, filled: list[Path]
) -> None:
    _forge(filled[0], filled[0], lambda d: d["metrics"]["lbtest_f1"].update(options={"x": 1}))
    report = verify_board(board, dataset=manifest)
    bad = [c for c in report.entries if not c.ok]
    assert len(bad) == 1 and "cannot be re-scored here" in bad[0].problems[0]
    assert sum(c.ok for c in report.entries) == 2


def test_metric_that_cannot_run_is_reported_not_reverified(
    board: Path, manifest: Manifest, filled: list[Path]
) -> None:
    from petar_bench import registry

    registry.metrics._entries.pop("lbtest_dist")  # stands for GREEN without its judge
    report = verify_board(board, dataset=manifest)
    assert report.ok
    for checks in _statuses(report).values():
        assert checks["lbtest_dist"] == "not re-verified"
        assert checks["lbtest_f1"] == "verified"


def test_cli_exit_codes(board: Path, manifest: Manifest, filled: list[Path], tmp_path) -> None:
    from petar_bench.cli import main

    data = tmp_path / "refs"
    write_manifest(manifest, data)
    argv = ["leaderboard", "verify", "--board", str(board), "--dataset", str(data)]
    with pytest.raises(SystemExit) as ok:
        main(argv)
    assert ok.value.code in (0, None)
    _forge(filled[1], filled[1], lambda d: d["metrics"]["lbtest_f1"].update(value=0.99))
    with pytest.raises(SystemExit) as failed:
        main(argv)
    assert failed.value.code == 1
    other = Manifest(dataset="x", synthetic=True, records=manifest.split("train"))
    write_manifest(other, tmp_path / "other")
    with pytest.raises(SystemExit) as refused:
        main([*argv[:-1], str(tmp_path / "other")])
    assert refused.value.code == 2


def test_commands_output(board: Path, manifest: Manifest, filled: list[Path], tmp_path) -> None:
    from petar_bench.commands._leaderboard_verify import verify

    data = tmp_path / "refs"
    write_manifest(manifest, data)
    console = Console(record=True, width=200)
    verify(board=board, dataset=str(data), extra=(), console=console)
    text = console.export_text()
    assert text.count("\nok ") + text.startswith("ok ") == 3
    assert "verified: lbtest_f1, lbtest_exact, lbtest_dist" in text and "no mismatch" in text
    _forge(filled[2], filled[2], lambda d: d["metrics"]["lbtest_f1"].update(value=0.99))
    with pytest.raises(UserError, match=r"1 of 3 entries .* entry weak-\w+: lbtest_f1: stored"):
        verify(board=board, dataset=str(data), extra=(), console=console)


@pytest.mark.slow
def test_shipped_synthetic_board_verifies(demo_dataset, capsys) -> None:
    """CI's check of the shipped board: every entry re-scores to its stored numbers."""
    from petar_bench.cli import main

    with pytest.raises(SystemExit) as done:
        main(["leaderboard", "verify", "--board", "synthetic-demo"])
    out = capsys.readouterr().out
    assert done.value.code in (0, None), out
    assert out.count("ok ") == 3 and "FAILED" not in out and "no mismatch" in out
    assert out.count("verified: rouge_l_masked, bleu4, cider, rouge_l, bleu1") == 3
