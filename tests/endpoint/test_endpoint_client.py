"""The shared client against the loopback server: retries, budget, key, pool, served model."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from loopback import Loopback, Received, serve

from petar_bench.endpoint import (
    EndpointClient,
    EndpointError,
    RequestBudgetExhausted,
    api_base,
    api_key_from_env,
    in_flight,
    served_model,
)
from petar_bench.errors import UserError


def _echo(request: Received) -> str:
    return "answer to " + request.text


@pytest.fixture()
def server() -> Iterator[Loopback]:
    with serve(Loopback(respond=_echo)) as state:
        yield state


def _body(prompt: str = "hello", **extra: object) -> dict[str, object]:
    return {"model": "loopback-model", "prompt": prompt, "temperature": 0, **extra}


def _client(url: str, **options: object) -> EndpointClient:
    options.setdefault("backoff", 0.001)
    return EndpointClient(url, **options)  # type: ignore[arg-type]


def test_api_base_accepts_the_usual_spellings() -> None:
    for url in ("http://h:8000", "http://h:8000/", "http://h:8000/v1", "http://h:8000/v1/"):
        assert api_base(url) == "http://h:8000/v1"
    assert api_base("http://h/v1/chat/completions") == "http://h/v1"
    with pytest.raises(UserError, match="http"):
        api_base("h:8000")


def test_retries_429_5xx_and_dropped_connections_then_answers(server: Loopback) -> None:
    server.faults.extend(["429", "500", "drop", "503"])
    with _client(server.url) as client:
        answer = client.post("/completions", _body(max_tokens=50))
    assert answer["choices"][0]["text"] == "answer to hello"
    assert server.injected == {"429": 1, "500": 1, "drop": 1, "503": 1}
    assert client.stats.retries == {"429": 1, "500": 1, "connection": 1, "503": 1}
    assert client.stats.attempts == 5 and client.stats.succeeded == 1


def test_a_timeout_is_retried(server: Loopback) -> None:
    server.stall_s = 1.0
    server.faults.append("stall")
    with _client(server.url, timeout=0.3) as client:
        client.post("/completions", _body(max_tokens=5))
    assert client.stats.retries == {"timeout": 1}


def test_gives_up_after_the_retries(server: Loopback) -> None:
    server.faults.extend(["503"] * 3)
    with _client(server.url, retries=2) as client, pytest.raises(EndpointError) as caught:
        client.post("/completions", _body(max_tokens=5))
    assert caught.value.status == 503 and client.stats.failed == 1
    assert client.stats.attempts == 3


def test_a_client_error_is_not_retried_and_says_why(server: Loopback) -> None:
    with _client(server.url) as client, pytest.raises(EndpointError) as caught:
        client.post("/completions", _body("word " * 3000, max_tokens=10))
    assert caught.value.status == 400 and "maximum context length is 2048" in str(caught.value)
    assert client.stats.attempts == 1


def test_the_server_cuts_answers_at_its_default_unless_asked(server: Loopback) -> None:
    server.respond = lambda r: " ".join(["w"] * 40)
    with _client(server.url) as client:
        short = client.post("/completions", _body())
        full = client.post("/completions", _body(max_tokens=100))
    assert short["choices"][0]["finish_reason"] == "length"
    assert short["usage"]["completion_tokens"] == 16
    assert full["choices"][0]["finish_reason"] == "stop"


def test_the_request_budget_counts_every_attempt(server: Loopback) -> None:
    server.faults.extend(["429", "429"])
    with _client(server.url, max_requests=2) as client:
        with pytest.raises(RequestBudgetExhausted):
            client.post("/completions", _body(max_tokens=5))
        with pytest.raises(RequestBudgetExhausted):
            client.post("/completions", _body(max_tokens=5))
    assert client.stats.attempts == 2 and len(server.requests) == 0


def test_api_key_from_the_environment(server: Loopback, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PETAR_BENCH_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fallback")
    assert api_key_from_env() == "sk-fallback"
    monkeypatch.setenv("PETAR_BENCH_API_KEY", "sk-first")
    assert api_key_from_env("UNSET_VARIABLE_FOR_TEST") == "sk-first"
    with _client(server.url) as client:
        client.post("/completions", _body(max_tokens=5))
    assert server.requests[-1].headers["Authorization"] == "Bearer sk-first"


def test_served_model_identity(server: Loopback) -> None:
    server.revision = "abc123"
    with _client(server.url) as client:
        model = served_model(client)
        assert (model.name, model.root, model.revision, model.context_length) == (
            "loopback-model",
            "org/loopback-7b",
            "abc123",
            2048,
        )
        with pytest.raises(UserError, match="lists: loopback-model"):
            served_model(client, "other")


def test_unreachable_server_is_a_user_error() -> None:
    with _client("http://127.0.0.1:9", retries=0) as client, pytest.raises(UserError):
        served_model(client)


def test_pool_keeps_requests_in_flight_and_pulls_lazily(server: Loopback) -> None:
    server.latency_s = 0.05
    pulled: list[int] = []

    def items() -> Iterator[int]:
        for i in range(40):
            pulled.append(i)
            yield i

    seen = []
    with _client(server.url) as client:

        def call(i: int) -> str:
            answer = client.post("/completions", _body(f"p{i}", max_tokens=5))
            return str(answer["choices"][0]["text"])

        for outcome in in_flight(call, items(), concurrency=8):
            # Never more than the pool's width pulled ahead of what came back.
            assert len(pulled) - len(seen) <= 8
            seen.append((outcome.index, outcome.result))
    assert sorted(seen) == [(i, f"answer to p{i}") for i in range(40)]
    assert server.max_in_flight == 8


def test_pool_reports_errors_as_outcomes() -> None:
    def call(i: int) -> int:
        if i == 2:
            raise ValueError("bad item")
        return i * 10

    outcomes = sorted(in_flight(call, range(4), concurrency=2), key=lambda o: o.index)
    assert [o.result for o in outcomes] == [0, 10, None, 30]
    assert isinstance(outcomes[2].error, ValueError)


def test_pool_has_no_batch_barrier() -> None:
    """One slow call does not hold back the others (no waiting for a batch's slowest)."""
    release = threading.Event()
    order: list[int] = []

    def call(i: int) -> int:
        if i == 0:
            release.wait(5)
        return i

    for outcome in in_flight(call, range(10), concurrency=3):
        order.append(outcome.index)
        if len(order) == 9:
            release.set()
    assert order[-1] == 0 and sorted(order) == list(range(10))
