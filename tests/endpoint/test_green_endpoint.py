"""GREEN's server backend against the loopback server: budgets, faults, not-judged, the CLI.

The loopback server answers with the judge outputs the GREEN project recorded (found by the
candidate text inside the prompt), so every path must still give GREEN's published scores.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from loopback import Loopback, Received, count_tokens, serve

from petar_bench.cli import main
from petar_bench.metrics.base import ScoringContext
from petar_bench.metrics.errors import MetricUnavailable
from petar_bench.metrics.green._metric import COLUMNS, GreenMetric
from petar_bench.metrics.green._prompt import make_prompt, render_judge_input

DATA = Path(__file__).resolve().parents[1] / "data" / "green"
CASES = json.loads((DATA / "green_repro_cases.json").read_text(encoding="utf-8"))["cases"]
REFS = [c["reference"] for c in CASES]
CANDS = [c["candidate"] for c in CASES]
EXPECTED = [c["expected"]["green"] for c in CASES]


def recorded_judge(request: Received) -> str:
    for case in CASES:
        if " ".join(case["candidate"].split()) in request.text:
            return str(case["judge_output"])
    return "I cannot follow the format."


@pytest.fixture()
def judge() -> Iterator[Loopback]:
    with serve(Loopback(respond=recorded_judge, name="green-judge")) as state:
        yield state


def _ctx(n: int) -> ScoringContext:
    return ScoringContext(sample_ids=[f"s{i}" for i in range(n)])


def _metric(url: str, **options: object) -> GreenMetric:
    options.setdefault("backoff", 0.001)
    return GreenMetric(url=url, **options)  # type: ignore[arg-type]


def _judge_inputs() -> list[str]:
    return [render_judge_input(make_prompt(r, c).text) for r, c in zip(REFS, CANDS, strict=True)]


def test_reproduces_green_and_always_sends_the_remaining_budget(judge: Loopback) -> None:
    metric = _metric(judge.url, concurrency=3)
    stats = metric.statistics(CANDS, REFS, _ctx(len(CASES)))
    assert stats.values[:, COLUMNS.index("green")].tolist() == EXPECTED
    assert metric.aggregate(stats.values) == 0.25
    assert stats.extras["n_not_judged"] == 0 and stats.extras["n_unparsed"] == 0
    assert stats.warnings == ()
    # GREEN's exact text, to the plain completions endpoint, greedy, with the room it leaves.
    sent = {r.body["prompt"]: r.body for r in judge.requests}
    assert set(sent) == set(_judge_inputs())
    for text, body in sent.items():
        assert body["max_tokens"] == 2048 - count_tokens(text)
        assert body["temperature"] == 0 and body["model"] == "green-judge"
    assert judge.violations == []
    sig = metric.signature()
    for part in ("judge:green-judge", "weights:org/loopback-7b", "rev:unknown", "backend:server"):
        assert part in sig
    assert "budget:total2048" in sig and "unparsed:as-upstream" in sig and "empty:0" in sig


def test_a_smaller_server_context_is_the_budget(judge: Loopback) -> None:
    judge.context = 1024
    judge.revision = "rev-7"
    metric = _metric(judge.url)
    stats = metric.statistics(CANDS, REFS, _ctx(len(CASES)))
    assert stats.values[:, 0].tolist() == EXPECTED
    assert all(r.body["max_tokens"] == 1024 - r.prompt_tokens for r in judge.requests)
    assert "budget:total1024" in metric.signature() and "rev:rev-7" in metric.signature()


def test_without_a_tokenize_endpoint_the_prompt_is_measured_by_a_probe(judge: Loopback) -> None:
    judge.tokenize = False
    stats = _metric(judge.url, concurrency=2).statistics(CANDS, REFS, _ctx(len(CASES)))
    assert stats.values[:, 0].tolist() == EXPECTED
    limits = sorted(r.body["max_tokens"] for r in judge.requests)
    assert limits[:5] == [1] * 5  # one-token probes read usage.prompt_tokens
    assert all(r.body["max_tokens"] in (1, 2048 - r.prompt_tokens) for r in judge.requests)


def test_max_tokens_override_and_cut_answers_are_warned(judge: Loopback) -> None:
    metric = _metric(judge.url, max_tokens=50)
    stats = metric.statistics(CANDS, REFS, _ctx(len(CASES)))
    assert {r.body["max_tokens"] for r in judge.requests} == {50}
    assert stats.extras["n_truncated_tokens"] == 5
    assert any("5 judge answers were cut at max_tokens 50" in w for w in stats.warnings)
    assert "budget:new50" in metric.signature()


def test_a_max_tokens_over_the_server_context_is_not_judged(judge: Loopback) -> None:
    stats = _metric(judge.url, max_tokens=1700).statistics(CANDS, REFS, _ctx(len(CASES)))
    assert stats.extras["n_not_judged"] == 2  # the two prompts over 348 tokens do not fit
    (reason,) = stats.extras["not_judged_reasons"]
    assert "lower --green-max-tokens" in reason


def test_over_budget_prompts_and_cut_reports_are_warned_with_counts(judge: Loopback) -> None:
    judge.context = 560  # the budget: GREEN's prompt of two 300-word reports does not fit
    long_ref = " ".join(["uptake"] * 320)
    refs = [REFS[0], long_ref]
    cands = [CANDS[0], "lesion"]
    stats = _metric(judge.url).statistics(cands, refs, _ctx(2))
    assert stats.values[:, COLUMNS.index("prompt_over_budget")].tolist() == [0.0, 1.0]
    assert stats.values[:, 0].tolist() == [EXPECTED[0], 0.0]  # 0 as upstream GREEN
    assert stats.extras["n_truncated_words"] == 1
    assert any("1 prompts filled the judge's 560-token budget" in w for w in stats.warnings)
    assert any("1 samples had a report cut to its first 300 words" in w for w in stats.warnings)
    assert len(judge.requests) == 1  # the over-budget prompt was never sent


def test_faults_are_retried_and_nothing_is_lost(judge: Loopback) -> None:
    judge.stall_s = 1.0
    judge.faults.extend(["429", "500", "drop", "503", "stall"])
    metric = _metric(judge.url, concurrency=2, timeout=0.4)
    stats = metric.statistics(CANDS, REFS, _ctx(len(CASES)))
    assert stats.values[:, 0].tolist() == EXPECTED
    assert judge.injected == {"429": 1, "500": 1, "drop": 1, "503": 1, "stall": 1}
    assert " 0 failed" in stats.extras["judge_requests"]
    assert "connection: 1" in stats.extras["judge_requests"]
    assert stats.extras["n_not_judged"] == 0


def test_failed_requests_are_not_judged_never_zero_and_resume(judge: Loopback) -> None:
    judge.faults.extend(["503"] * 2)  # the first request fails twice: out of retries
    metric = _metric(judge.url, concurrency=1, retries=1)
    stats = metric.statistics(CANDS, REFS, _ctx(len(CASES)))
    judged = stats.values[:, COLUMNS.index("judged")]
    assert judged.sum() == 4 and stats.extras["n_not_judged"] == 1
    missing = int(np.flatnonzero(judged == 0)[0])
    assert np.isnan(metric.per_sample(stats.values)[missing])
    others = [e for i, e in enumerate(EXPECTED) if i != missing]
    assert metric.aggregate(stats.values) == pytest.approx(sum(others) / 4)
    assert any("1 of 5 samples not judged" in w for w in stats.warnings)
    # Bootstrap resamples leave the unjudged sample out too.
    weights = np.ones((1, 5))
    assert metric.aggregate_batch(stats.values, weights)[0] == pytest.approx(sum(others) / 4)
    # The rerun asks only the missing one (answers are cached) and completes.
    before = len(judge.requests)
    again = _metric(judge.url).statistics(CANDS, REFS, _ctx(len(CASES)))
    assert again.values[:, 0].tolist() == EXPECTED and again.extras["n_not_judged"] == 0
    assert len(judge.requests) - before == 1 and again.extras["n_cached_answers"] == 4


def test_requests_stay_in_flight_through_the_answer_cache(judge: Loopback) -> None:
    judge.latency_s = 0.3
    refs = [f"{REFS[i % 5]} variant {i}" for i in range(48)]
    cands = [CANDS[i % 5] for i in range(48)]
    _metric(judge.url, concurrency=24).statistics(cands, refs, _ctx(48))
    # More than a chunk of 16 at once: answers are cached one by one, no chunk barrier.
    assert judge.max_in_flight > 16


def test_nothing_listening_is_unavailable() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    metric = _metric(f"http://127.0.0.1:{port}", retries=1, timeout=5)
    with pytest.raises(MetricUnavailable, match="not reachable"):
        metric.statistics(["a"], ["b"], _ctx(1))


# -- petar-bench score ---------------------------------------------------------------------
def _files(tmp_path: Path) -> tuple[Path, Path]:
    preds = tmp_path / "preds.jsonl"
    refs = tmp_path / "refs.jsonl"
    preds.write_text(
        "".join(
            json.dumps({"sample_id": f"s{i}", "prediction": c}) + "\n" for i, c in enumerate(CANDS)
        )
    )
    refs.write_text(
        "".join(
            json.dumps({"sample_id": f"s{i}", "reference": r}) + "\n" for i, r in enumerate(REFS)
        )
    )
    return preds, refs


def _score(tmp_path: Path, *extra: str) -> int:
    preds, refs = _files(tmp_path)
    args = ["score", str(preds), "--references", str(refs), "--metrics", "green", *extra]
    with pytest.raises(SystemExit) as done:
        main([*args, "--output", str(tmp_path / "scores.json"), "--n-bootstrap", "10"])
    return int(done.value.code or 0)


def test_score_exits_1_when_samples_are_not_judged(
    judge: Loopback, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    judge.faults.extend(["503"] * 6)  # more than the client's 5 retries for one request
    code = _score(tmp_path, "--green-url", judge.url, "--green-concurrency", "1")
    err = capsys.readouterr().err
    assert code == 1
    assert "1 of 5 samples not judged" in err and "rerun the same command" in err
    scores = json.loads((tmp_path / "scores.json").read_text())  # still written
    assert scores["metrics"]["green"]["extras"]["n_not_judged"] == 1
    # Allowed by --max-judge-failures: exit 0.
    judge.faults.extend(["503"] * 6)
    code = _score(tmp_path, "--green-url", judge.url, "--max-judge-failures", "1")
    assert code == 0  # the rerun asked only the missing sample, and the server answered


def test_score_exits_1_when_a_named_metric_is_not_computed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    # The retries against a closed port still happen; only their waits are skipped.
    monkeypatch.setattr("petar_bench.endpoint._client.EndpointClient._delay", lambda *a: 0.0)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = _score(tmp_path, "--green-url", f"http://127.0.0.1:{port}")
    assert code == 1 and "green was not computed" in capsys.readouterr().err


def test_score_passes_the_green_options(judge: Loopback, tmp_path: Path) -> None:
    code = _score(
        tmp_path, "--green-url", judge.url, "--green-max-tokens", "400", "--green-concurrency", "2"
    )
    assert code == 0 and {r.body["max_tokens"] for r in judge.requests} == {400}
    assert judge.max_in_flight <= 2


def test_green_options_need_a_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _score(tmp_path, "--green-max-tokens", "5") == 2
    assert "need --green-url" in capsys.readouterr().err
