"""run_benchmark end to end on a tiny dataset with a fake adapter and a stand-in scorer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import engine_fakes as fakes
import pytest

from petar_bench.engine import RunRequest, read_config, read_store, run_benchmark
from petar_bench.engine._layout import RunLayout
from petar_bench.engine._lock import RunLock
from petar_bench.errors import UserError
from petar_bench.metrics.catalog import DEFAULT_METRICS
from petar_bench.records import read_manifest


def _request(dataset: Path, out: Path, **changes: object) -> RunRequest:
    base: dict = {"model": "engine-echo", "dataset": str(dataset), "output_dir": out}
    base.update(changes)
    return RunRequest(**base)


def _predictions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_run_writes_the_run_directory(tiny_dataset, tmp_path, captured):
    result = run_benchmark(
        _request(tiny_dataset, tmp_path / "run", batch_size=2, argv=("petar-bench", "run")),
        reporter=captured.reporter,
        scorer=fakes.fake_scorer,
    )
    manifest = read_manifest(tiny_dataset)
    test_ids = [r.sample_id for r in manifest.split("test")]
    assert result.complete and result.scored and result.n_generated == len(test_ids)
    # predictions in split (manifest) order, although generation went exam by exam
    rows = _predictions(result.predictions_path)
    assert [r["sample_id"] for r in rows] == test_ids
    assert set(rows[0]) == {"sample_id", "prediction"}
    config = read_config(result.config_path)
    assert config.schema_version == 1 and config.kind == "run"
    assert config.run_key == result.run_key and config.synthetic and config.full_split
    assert config.split_fingerprint == manifest.fingerprint("test")
    assert config.provenance.argv == ["petar-bench", "run"]
    assert "numpy" in config.provenance.packages and config.provenance.ended_at
    call = fakes.SCORER_CALLS[-1]
    assert call["full_split"] is True and call["synthetic"] is True
    assert call["dataset"] == "engine-tiny" and call["metric_ids"] == list(DEFAULT_METRICS)
    assert set(call["records"]) == set(test_ids) and call["patient_ids"]["s02-0"] == "p1"
    assert json.loads(result.scores_path.read_text())["n"] == len(test_ids)
    assert "SYNTHETIC DATA — not comparable to real results" in captured.text
    assert f"{len(test_ids)} of {len(test_ids)} samples done" in captured.text
    assert result.failures_path.read_text() == ""
    assert not RunLayout(result.run_dir).main_lock.exists()


def test_second_run_resumes_without_generating(tiny_dataset, tmp_path, captured):
    first = run_benchmark(
        _request(tiny_dataset, tmp_path), scorer=fakes.fake_scorer, reporter=captured.reporter
    )
    # batch size, workers and metrics do not change outputs: same key, all reused
    second = run_benchmark(
        _request(tiny_dataset, tmp_path, batch_size=4, metrics=("exact",)),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    assert second.run_key == first.run_key
    assert second.n_generated == 0 and second.n_reused == first.n_samples
    assert fakes.LAST_ADAPTERS[-1].batches == []  # the model was never called
    lines = first.store_path.read_text().splitlines()
    assert len(lines) == first.n_samples  # nothing appended twice


def test_output_changing_setting_gets_a_new_key(tiny_dataset, tmp_path, captured):
    a = run_benchmark(
        _request(tiny_dataset, tmp_path), scorer=fakes.fake_scorer, reporter=captured.reporter
    )
    b = run_benchmark(
        _request(tiny_dataset, tmp_path, model_options={"variant": "b"}),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    assert b.n_generated == b.n_samples  # nothing stale reused
    assert _predictions(b.predictions_path)[0]["prediction"].startswith("[b]")
    c = run_benchmark(
        _request(tiny_dataset, tmp_path, seed=1),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    assert len({a.run_key, b.run_key, c.run_key}) == 3
    # each key keeps its own store; config.json describes the latest run
    assert len(RunLayout(tmp_path).stores()) == 3
    assert read_config(tmp_path / "config.json").run_key == c.run_key


def test_limit_is_marked_not_comparable(tiny_dataset, tmp_path, monkeypatch, captured):
    monkeypatch.chdir(tmp_path)
    result = run_benchmark(
        RunRequest(model="engine-echo", dataset=str(tiny_dataset), limit=4),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    assert result.run_dir == Path("runs/engine-echo-engine-tiny-test-limit4")
    assert result.n_samples == 4 and len(_predictions(result.predictions_path)) == 4
    assert read_config(result.config_path).full_split is False
    assert fakes.SCORER_CALLS[-1]["full_split"] is False
    assert "NOT comparable" in captured.text


def test_failure_is_isolated_recorded_and_retried(tiny_dataset, tmp_path, monkeypatch, captured):
    monkeypatch.setenv(fakes.FAIL_ENV, "s03-1")
    result = run_benchmark(
        _request(tiny_dataset, tmp_path, batch_size=3, max_failures=1),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    assert result.n_failed == 1 and not result.scored and not result.complete
    assert not (tmp_path / "scores.json").exists() and fakes.SCORER_CALLS == []
    failures = _predictions(result.failures_path)
    assert failures == [{"sample_id": "s03-1", "error": "ValueError: cannot describe s03-1"}]
    ids = [r["sample_id"] for r in _predictions(result.predictions_path)]
    assert "s03-1" not in ids and len(ids) == result.n_samples - 1  # batch neighbours survived
    assert "NOT scored" in captured.text
    # without --retry-failed the failure stays a failure; with it, it is retried
    monkeypatch.delenv(fakes.FAIL_ENV)
    again = run_benchmark(
        _request(tiny_dataset, tmp_path, max_failures=1),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    assert again.n_failed == 1 and again.n_generated == 0
    fixed = run_benchmark(
        _request(tiny_dataset, tmp_path, retry_failed=True),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    assert fixed.n_generated == 1 and fixed.complete and fixed.scored
    assert fixed.failures_path.read_text() == ""


def test_error_budget_aborts_with_a_clear_message(tiny_dataset, tmp_path, monkeypatch, captured):
    monkeypatch.setenv(fakes.FAIL_ENV, "s02-0,s04-2")
    with pytest.raises(UserError, match=r"more than --max-failures 1.*--retry-failed"):
        run_benchmark(
            _request(tiny_dataset, tmp_path, max_failures=1),
            scorer=fakes.fake_scorer,
            reporter=captured.reporter,
        )
    store = RunLayout(tmp_path).stores()[0]
    scan = read_store(store, store.name[:16])
    assert {g.sample_id for g in scan.entries.values() if g.status == "error"} == {"s02-0", "s04-2"}
    # the earlier failures count against the budget of a plain rerun
    monkeypatch.delenv(fakes.FAIL_ENV)
    with pytest.raises(UserError, match="2 samples failed"):
        run_benchmark(
            _request(tiny_dataset, tmp_path), scorer=fakes.fake_scorer, reporter=captured.reporter
        )
    assert not RunLayout(tmp_path).main_lock.exists()  # released on error


def test_empty_mask_is_a_recorded_failure(tmp_path, captured):
    fakes.make_tiny_dataset(tmp_path / "ds", empty_masks=("s04-1",))
    result = run_benchmark(
        _request(tmp_path / "ds", tmp_path / "run", max_failures=5),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    failures = _predictions(result.failures_path)
    assert [f["sample_id"] for f in failures] == ["s04-1"]
    assert "is empty" in failures[0]["error"]


def test_fit_sees_only_the_train_split(tiny_dataset, tmp_path, captured):
    result = run_benchmark(
        RunRequest(model="engine-fit", dataset=str(tiny_dataset), output_dir=tmp_path),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    adapter = fakes.LAST_ADAPTERS[-1]
    n_train = len(read_manifest(tiny_dataset).split("train"))
    assert {ex.record.split for ex in adapter.seen} == {"train"}
    assert len(adapter.seen) == n_train
    assert all(ex.input.sample_id == ex.record.sample_id for ex in adapter.seen)
    assert _predictions(result.predictions_path)[0]["prediction"] == f"saw {n_train} train lesions"


def test_sample_ids_never_become_paths(tmp_path, captured):
    fakes.make_tiny_dataset(tmp_path / "ds", sample_id_of=lambda s: f"../../escape/{s}")
    result = run_benchmark(
        _request(tmp_path / "ds", tmp_path / "run"),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    assert result.complete
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "run"]
    assert not (tmp_path.parent / "escape").exists()


def test_a_second_run_in_the_same_directory_is_refused(tiny_dataset, tmp_path, captured):
    with (
        RunLock(RunLayout(tmp_path).main_lock, "another run"),
        pytest.raises(UserError, match="in use by another run"),
    ):
        run_benchmark(
            _request(tiny_dataset, tmp_path), scorer=fakes.fake_scorer, reporter=captured.reporter
        )


def test_dataloader_workers_give_identical_predictions(tiny_dataset, tmp_path, captured):
    plain = run_benchmark(
        _request(tiny_dataset, tmp_path / "a", batch_size=2),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    workers = run_benchmark(
        _request(tiny_dataset, tmp_path / "b", batch_size=2, num_workers=2),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    assert workers.predictions_path.read_text() == plain.predictions_path.read_text()


def test_no_score_writes_predictions_only(tiny_dataset, tmp_path, captured):
    result = run_benchmark(
        _request(tiny_dataset, tmp_path, score=False),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    assert result.complete and not result.scored and fakes.SCORER_CALLS == []
    assert result.predictions_path.is_file() and not (tmp_path / "scores.json").exists()


def test_cli_style_values_are_accepted(tiny_dataset, tmp_path, captured):
    """The CLI passes the shard as (I, N) and argv as a list."""
    result = run_benchmark(
        _request(tiny_dataset, tmp_path, shard=(1, 2), argv=["petar-bench", "run"]),
        scorer=fakes.fake_scorer,
        reporter=captured.reporter,
    )
    assert str(result.shard) == "1/2" and not result.finalized
    assert "petar-bench merge" in captured.text


def test_bad_options_are_user_errors(tiny_dataset, tmp_path, captured):
    for changes, pattern in [
        ({"batch_size": 0}, "batch-size"),
        ({"limit": 0}, "limit"),
        ({"split": "nope"}, "unknown or empty split"),
        ({"model": "no-such-model"}, "unknown model"),
    ]:
        with pytest.raises(UserError, match=pattern):
            run_benchmark(
                _request(tiny_dataset, tmp_path, **changes),
                scorer=fakes.fake_scorer,
                reporter=captured.reporter,
            )


class _Recorder:
    """A RunReporter that keeps what it is told (no console anywhere)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def message(self, text: str) -> None:
        self.events.append(("message", text))

    def warning(self, text: str) -> None:
        self.events.append(("warning", text))

    def synthetic_banner(self) -> None:
        self.events.append(("banner", None))

    def scores(self, label: str, report: object, *, synthetic: bool) -> None:
        self.events.append(("scores", (label, report)))

    @contextmanager
    def progress(self, total: int, label: str, *, enabled: bool = True) -> Iterator:
        advanced: list[int] = []
        yield advanced.append
        self.events.append(("progress", (total, sum(advanced))))


def test_the_run_reports_to_any_reporter(tiny_dataset, tmp_path, capsys):
    recorder = _Recorder()
    result = run_benchmark(
        _request(tiny_dataset, tmp_path / "run", batch_size=2),
        reporter=recorder,
        scorer=fakes.fake_scorer,
    )
    kinds = [kind for kind, _ in recorder.events]
    assert kinds[0] == "message" and "progress" in kinds and "scores" in kinds
    progress = dict(recorder.events)["progress"]
    assert progress == (result.n_samples, result.n_samples)  # every sample advanced once
    assert dict(recorder.events)["scores"] == ("engine-echo", result.scores)
    assert any(
        f"{result.n_samples} of {result.n_samples} samples done" in str(text)
        for kind, text in recorder.events
        if kind == "message"
    )
    assert capsys.readouterr().out == ""  # nothing went around the reporter
