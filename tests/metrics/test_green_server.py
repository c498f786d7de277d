"""GREEN end to end through an OpenAI-compatible stub server on 127.0.0.1.

The stub answers /v1/completions with the judge outputs the GREEN project recorded, found by
the candidate text inside the prompt, so the whole path (prompt, rendering, HTTP, retries,
parsing, statistics) is exercised offline and must give GREEN's published scores.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from petar_bench.metrics.base import ScoringContext
from petar_bench.metrics.errors import MetricUnavailable
from petar_bench.metrics.green.metric import COLUMNS, GreenMetric
from petar_bench.metrics.green.prompt import make_prompt, render_judge_input

DATA = Path(__file__).resolve().parents[1] / "data"

CASES = json.loads((DATA / "green/green_repro_cases.json").read_text(encoding="utf-8"))["cases"]
REFS = [c["reference"] for c in CASES]
CANDS = [c["candidate"] for c in CASES]


class Stub:
    """Server state: recorded answers, failures to inject, what it received."""

    def __init__(self) -> None:
        self.prompts: list[str] = []
        self.bodies: list[dict[str, Any]] = []
        self.fail_next = 0
        self.too_long_marker = "TOO-LONG-REPORT"
        self.lock = threading.Lock()

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.bodies.append(body)
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"error": {"message": "busy"}}
        prompt = body["prompt"]
        if self.too_long_marker in prompt:
            return 400, {"error": {"message": "This model's maximum context length is 2048"}}
        with self.lock:
            self.prompts.append(prompt)
        for case in CASES:
            if " ".join(case["candidate"].split()) in prompt:
                text = case["judge_output"]
                break
        else:
            text = "I cannot follow the format."
        usage = {"prompt_tokens": 900, "completion_tokens": 300, "total_tokens": 1200}
        choice = {"index": 0, "text": text, "finish_reason": "stop"}
        return 200, {"object": "text_completion", "choices": [choice], "usage": usage}


@pytest.fixture()
def server() -> Iterator[tuple[str, Stub]]:
    stub = Stub()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._send(200, {"data": [{"id": "stub-green-judge"}]})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length))
            assert self.path == "/v1/completions"
            self._send(*stub.answer(body))

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", stub
    finally:
        httpd.shutdown()
        httpd.server_close()


def _ctx(n: int) -> ScoringContext:
    return ScoringContext(sample_ids=[f"s{i}" for i in range(n)])


def test_server_backend_reproduces_green(server: tuple[str, Stub]) -> None:
    url, stub = server
    metric = GreenMetric(url=url, concurrency=3, backoff=0.001)
    stats = metric.statistics(CANDS, REFS, _ctx(len(CASES)))
    scores = stats.values[:, COLUMNS.index("green")]
    assert scores.tolist() == [c["expected"]["green"] for c in CASES]
    assert metric.aggregate(stats.values) == 0.25
    assert stats.extras["n_unparsed"] == 0 and stats.extras["mean_parsed"] == 0.25
    assert stats.extras["n_truncated"] == 0
    # Exactly GREEN's rendered text went to the plain completions endpoint, greedily.
    expected = {
        render_judge_input(make_prompt(r, c).text) for r, c in zip(REFS, CANDS, strict=True)
    }
    assert set(stub.prompts) == expected
    assert all(b["temperature"] == 0.0 and b["model"] == "stub-green-judge" for b in stub.bodies)
    assert "max_tokens" not in stub.bodies[0]
    sig = metric.signature()
    assert "judge:stub-green-judge" in sig and "backend:server" in sig and "green:0.0.12" in sig
    assert "words:300" in sig and "chat:green-0.0.12" in sig


def test_retries_then_unparsed_and_truncated_are_counted(server: tuple[str, Stub]) -> None:
    url, stub = server
    stub.fail_next = 2  # two 503s: retried with backoff
    refs = [REFS[0], "a reference", "TOO-LONG-REPORT " + "word " * 400, REFS[3]]
    cands = [CANDS[0], "something unexpected", "cand", ""]
    metric = GreenMetric(url=url + "/v1", server_model="judge-x", concurrency=1, backoff=0.001)
    stats = metric.statistics(cands, refs, _ctx(4))
    extras = stats.extras
    assert extras["n_unparsed"] == 2  # the odd answer and the over-budget prompt
    assert extras["unparsed_reasons"] == {
        "no [Matched Findings] section": 1,
        "prompt over token budget": 1,
    }
    assert extras["n_truncated_words"] == 1 and extras["n_truncated_tokens"] == 1
    assert extras["n_truncated"] == 1  # the same sample: counted once overall
    assert extras["n_empty_candidates"] == 1
    np.testing.assert_array_equal(stats.values[:, 0], [0.0, 0.0, 0.0, 0.0])
    assert extras["mean_parsed"] == 0.0
    assert any("unreadable" in w for w in stats.warnings)
    assert all(b["model"] == "judge-x" for b in stub.bodies)


def test_no_judge_configured_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PETAR_BENCH_GREEN_URL", raising=False)
    monkeypatch.delenv("PETAR_BENCH_GREEN_MODEL", raising=False)
    with pytest.raises(MetricUnavailable, match="GREEN needs a judge"):
        GreenMetric().statistics(["a"], ["b"], _ctx(1))


def test_unreachable_server_is_unavailable() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    metric = GreenMetric(url=f"http://127.0.0.1:{port}", retries=1, backoff=0.001, timeout=5)
    with pytest.raises(MetricUnavailable, match="not reachable"):
        metric.statistics(["a"], ["b"], _ctx(1))


def test_score_texts_runs_green_through_the_registry(server: tuple[str, Stub]) -> None:
    from petar_bench.metrics.scoring import score_texts

    url, _ = server
    ids = [f"s{i}" for i in range(len(CASES))]
    report = score_texts(
        dict(zip(ids, CANDS, strict=True)),
        dict(zip(ids, REFS, strict=True)),
        ["green"],
        metric_options={"green": {"url": url, "api_key": "secret", "backoff": 0.001}},
        n_bootstrap=100,
    )
    green = report.metrics["green"]
    assert green.value == 0.25 and green.extras["n_unparsed"] == 0
    assert green.signature.endswith("|ci:boot-sample-100-seed12345")
    assert report.per_sample["green"] == [c["expected"]["green"] for c in CASES]
    assert report.metric_options["green"] == {"url": url, "backoff": 0.001}  # no secrets
