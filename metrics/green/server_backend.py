"""The GREEN judge behind an OpenAI-compatible server (vLLM, TGI, llama.cpp), over HTTP.

We send the client-rendered judge text to the plain ``/v1/completions`` endpoint, never to
``/v1/chat/completions``: a server's chat endpoint would wrap the prompt in ITS chat
template, not GREEN's, and the judge would read different text than through transformers.

GREEN's budget is 2,048 tokens for prompt plus answer. Start vLLM with
``--max-model-len 2048`` and leave ``max_tokens`` unset: the server then gives each answer
exactly the room the prompt leaves, as GREEN does, and refuses prompts that are too long
(counted here as truncated, never hidden).

Standard library only (urllib + threads): no client package to install.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from petar_bench.metrics.green.backends import MAX_TOTAL_TOKENS, JudgeBackend, JudgeReply

API_KEY_ENV = "PETAR_BENCH_JUDGE_API_KEY"
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
_CONTEXT_WORDS = ("context length", "maximum context", "max_model_len", "too long", "exceed")


class _HTTPFailure(Exception):
    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after: float | None = None


class ServerJudge(JudgeBackend):
    name = "server"

    def __init__(
        self,
        url: str,
        *,
        model: str | None = None,
        revision: str | None = None,
        max_tokens: int | None = None,
        max_total_tokens: int = MAX_TOTAL_TOKENS,
        concurrency: int = 8,
        retries: int = 4,
        backoff: float = 1.0,
        timeout: float = 600.0,
        api_key: str | None = None,
        eos_token: str = "</s>",
    ) -> None:
        self.base = _api_base(url)
        self.model = model
        self.revision = revision
        self.max_tokens = max_tokens
        self.max_total_tokens = max_total_tokens
        self.concurrency = max(1, int(concurrency))
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.timeout = float(timeout)
        self.api_key = api_key or os.environ.get(API_KEY_ENV)
        self.eos_token = eos_token

    # -- HTTP ---------------------------------------------------------------------------
    def _call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.base + path, data=data)
        request.add_header("Content-Type", "application/json")
        if self.api_key:
            request.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            failure = _HTTPFailure(exc.code, _error_text(exc))
            retry_after = exc.headers.get("Retry-After") if exc.headers else None
            if retry_after and retry_after.replace(".", "", 1).isdigit():
                failure.retry_after = float(retry_after)
            raise failure from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _HTTPFailure(None, f"{type(exc).__name__}: {reason}") from None
        except json.JSONDecodeError as exc:
            raise _HTTPFailure(None, f"server sent invalid JSON: {exc}") from None

    def _with_retries(self, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        for attempt in range(self.retries + 1):
            try:
                return self._call(path, body)
            except _HTTPFailure as failure:
                retryable = failure.status is None or failure.status in _RETRY_STATUS
                if not retryable or attempt == self.retries:
                    raise
                delay = self.backoff * (2**attempt)
                time.sleep(min(60.0, failure.retry_after or delay))
        raise AssertionError("unreachable")

    # -- judge --------------------------------------------------------------------------
    def _resolve_model(self) -> str:
        """The served model name (the server's first model when none was given)."""
        if self.model:
            return self.model
        from petar_bench.metrics.green.metric import judge_unavailable

        try:
            listing = self._with_retries("/models", None)
            self.model = str(listing["data"][0]["id"])
        except _HTTPFailure as failure:
            raise judge_unavailable(f"judge server {self.base} not reachable ({failure})") from None
        except (KeyError, IndexError, TypeError):
            raise judge_unavailable(
                f"judge server {self.base}/models lists no model; set the GREEN 'server_model'"
            ) from None
        return self.model

    def _complete(self, text: str) -> JudgeReply:
        body: dict[str, Any] = {
            "model": self.model,
            "prompt": text,
            "temperature": 0.0,
            "top_p": 1.0,
            "n": 1,
            "stream": False,
        }
        if self.max_tokens is not None:
            body["max_tokens"] = int(self.max_tokens)
        try:
            answer = self._with_retries("/completions", body)
        except _HTTPFailure as failure:
            message = str(failure)
            if failure.status == 400 and any(w in message.lower() for w in _CONTEXT_WORDS):
                return JudgeReply("", prompt_truncated=True, error=f"prompt over budget: {message}")
            return JudgeReply("", error=f"request failed: {message}")
        return _reply(answer)

    def prepare(self) -> None:
        self._resolve_model()

    def generate(self, texts: Sequence[str]) -> list[JudgeReply]:
        self._resolve_model()
        if not texts:
            return []
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(texts))) as pool:
            return list(pool.map(self._complete, texts))

    def identity(self) -> dict[str, str]:
        budget = f"new{self.max_tokens}" if self.max_tokens else "server-ctx"
        return {
            "judge": self.model or "unresolved",
            "rev": self.revision or "unknown",
            "budget": budget,
        }


def _api_base(url: str) -> str:
    """'http://host:8000', '.../v1' or '.../v1/completions' -> 'http://host:8000/v1'."""
    base = url.strip().rstrip("/")
    for suffix in ("/completions", "/chat/completions"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return base if base.endswith("/v1") else base + "/v1"


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read().decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - the body is only decoration for the message
        raw = ""
    try:
        detail = json.loads(raw)
        detail = detail.get("error", detail) if isinstance(detail, dict) else detail
        if isinstance(detail, dict):
            detail = detail.get("message", detail)
        raw = str(detail)
    except json.JSONDecodeError:
        pass
    return f"HTTP {exc.code}: {' '.join(raw.split())[:300]}"


def _reply(answer: dict[str, Any]) -> JudgeReply:
    try:
        choice = answer["choices"][0]
        text = str(choice.get("text") or "")
    except (KeyError, IndexError, TypeError, AttributeError):
        return JudgeReply("", error="server answer has no choices[0].text")
    usage = answer.get("usage") or {}
    total = usage.get("total_tokens")
    if total is None and "prompt_tokens" in usage:
        total = int(usage["prompt_tokens"]) + int(usage.get("completion_tokens") or 0)
    return JudgeReply(
        text=text,
        output_truncated=choice.get("finish_reason") == "length",
        total_tokens=None if total is None else int(total),
    )
