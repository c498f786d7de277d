"""One HTTP client for OpenAI-compatible servers: retries, backoff, a request budget.

Real servers fail in ordinary ways: 429 when their queue is full, 5xx while a replica restarts,
a connection dropped by a load balancer, an answer slower than the timeout. Each of those is
retried with exponential backoff (honouring ``Retry-After``); other 4xx answers are the
caller's mistake and are raised at once. Every attempt counts against an optional request
budget, so a misconfigured run cannot spend without bound on a paid API.

httpx is imported when a client is created (the ``serve`` extra), never at package import.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from petar_bench.errors import UserError
from petar_bench.jsontypes import JsonObject

#: API key variables, first found wins. The key is sent as a bearer token and never stored.
API_KEY_ENVS = ("PETAR_BENCH_API_KEY", "OPENAI_API_KEY")
#: Statuses worth another try: throttling, conflicts and server-side failures.
RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class EndpointError(Exception):
    """A request that failed for good (after retries, or not retryable)."""

    def __init__(self, message: str, *, status: int | None = None, kind: str = "http") -> None:
        super().__init__(message)
        self.status = status
        #: "http" (an error status), "timeout", "connection", "invalid" (not JSON), "budget".
        self.kind = kind


class RequestBudgetExhausted(EndpointError):
    """The request budget is spent; nothing more is sent."""


@dataclass
class EndpointStats:
    """What the client did, for messages and tests (thread-safe through the client's lock)."""

    attempts: int = 0
    succeeded: int = 0
    failed: int = 0
    #: Retries by reason: "429", "503", "timeout", "connection", ...
    retries: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        retried = ", ".join(f"{k}: {v}" for k, v in sorted(self.retries.items()))
        return f"{self.attempts} requests, {self.succeeded} answered, {self.failed} failed" + (
            f", retried ({retried})" if retried else ""
        )


def api_key_from_env(*names: str) -> str | None:
    """The first non-empty key among `names`, then PETAR_BENCH_API_KEY, OPENAI_API_KEY."""
    for name in (*names, *API_KEY_ENVS):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def api_base(url: str) -> str:
    """'http://host:8000', '.../v1' or '.../v1/chat/completions' -> 'http://host:8000/v1'."""
    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise UserError(f"endpoint URL must start with http:// or https://, got {url!r}")
    for suffix in ("/chat/completions", "/completions", "/models"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return base if base.endswith("/v1") else base + "/v1"


class EndpointClient:
    """A thread-safe client of one OpenAI-compatible server (share it across worker threads)."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        timeout: float = 600.0,
        retries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_requests: int | None = None,
        connections: int = 32,
    ) -> None:
        try:
            import httpx
        except ImportError:
            raise UserError(
                "talking to a model server needs httpx: pip install 'petar-bench[serve]'"
            ) from None
        self.base = api_base(url)
        #: The server root: vLLM and llama.cpp serve /tokenize there, not under /v1.
        self.root = self.base[: -len("/v1")]
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.max_requests = max_requests
        self.stats = EndpointStats()
        self._lock = threading.Lock()
        headers = {"Content-Type": "application/json"}
        key = api_key or api_key_from_env()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 30.0)),
            limits=limits,
        )
        self._httpx = httpx

    # -- public ------------------------------------------------------------------------
    def get(self, path: str) -> JsonObject:
        """GET `path` under /v1 (or an absolute URL), with retries."""
        return self.request("GET", self._url(path))

    def post(self, path: str, body: Mapping[str, object]) -> JsonObject:
        """POST a JSON body to `path` under /v1 (or an absolute URL), with retries."""
        return self.request("POST", self._url(path), body)

    def request(
        self, method: str, url: str, body: Mapping[str, object] | None = None
    ) -> JsonObject:
        for attempt in range(self.retries + 1):
            self._spend()
            try:
                answer = self._once(method, url, body)
            except EndpointError as error:
                reason = _retry_reason(error)
                if reason is None or attempt == self.retries:
                    self._count(failed=True)
                    raise
                self._count(retry=reason)
                time.sleep(self._delay(attempt, getattr(error, "retry_after", None)))
                continue
            self._count()
            return answer
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EndpointClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base + path

    def _spend(self) -> None:
        with self._lock:
            if self.max_requests is not None and self.stats.attempts >= self.max_requests:
                raise RequestBudgetExhausted(
                    f"request budget of {self.max_requests} spent", kind="budget"
                )
            self.stats.attempts += 1

    def _count(self, *, failed: bool = False, retry: str | None = None) -> None:
        with self._lock:
            if retry is not None:
                self.stats.retries[retry] += 1
            elif failed:
                self.stats.failed += 1
            else:
                self.stats.succeeded += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(self.max_backoff, retry_after)
        # Full jitter: many workers retrying together must not hit the server in lockstep.
        return random.uniform(0.5, 1.0) * min(self.max_backoff, self.backoff * 2**attempt)

    def _once(self, method: str, url: str, body: Mapping[str, object] | None) -> JsonObject:
        httpx = self._httpx
        try:
            response = self._http.request(method, url, json=body)
        except httpx.TimeoutException as exc:
            raise EndpointError(f"timed out ({type(exc).__name__})", kind="timeout") from None
        except httpx.TransportError as exc:
            # Includes a connection dropped before any answer (RemoteProtocolError).
            raise EndpointError(
                f"connection failed ({type(exc).__name__}: {exc})", kind="connection"
            ) from None
        if response.status_code >= 400:
            error = EndpointError(
                f"HTTP {response.status_code}: {_error_text(response.text)}",
                status=response.status_code,
            )
            error.retry_after = _seconds(response.headers.get("Retry-After"))  # type: ignore[attr-defined]
            raise error
        try:
            answer = response.json()
        except (json.JSONDecodeError, ValueError):
            raise EndpointError("server sent invalid JSON", kind="invalid") from None
        if not isinstance(answer, dict):
            raise EndpointError("server sent JSON that is not an object", kind="invalid")
        return answer


def _retry_reason(error: EndpointError) -> str | None:
    if isinstance(error, RequestBudgetExhausted):
        return None
    if error.kind in ("timeout", "connection"):
        return error.kind
    if error.status is not None and (error.status in RETRY_STATUS or error.status >= 500):
        return str(error.status)
    return None


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _error_text(raw: str) -> str:
    """The server's error message (OpenAI, vLLM and llama.cpp shapes), one short line."""
    try:
        detail: Any = json.loads(raw)
        if isinstance(detail, dict):
            detail = detail.get("error", detail.get("message", detail))
        if isinstance(detail, dict):
            detail = detail.get("message", detail)
        raw = str(detail)
    except (json.JSONDecodeError, ValueError):
        pass
    return " ".join(raw.split())[:300]
