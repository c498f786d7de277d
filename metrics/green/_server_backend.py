"""The GREEN judge behind an OpenAI-compatible server (vLLM, SGLang, llama.cpp), over HTTP.

The client renders GREEN's judge text and sends it to the plain ``/v1/completions`` endpoint,
never to ``/v1/chat/completions``: a server's chat endpoint would wrap the prompt in ITS chat
template, not GREEN's, and the judge would read different text than through transformers.

``max_tokens`` is always sent, because servers cut an answer at their own small default
otherwise (16 tokens on llama.cpp and vLLM's completions endpoints). GREEN's budget is 2,048
tokens for prompt plus answer, so each answer gets the budget minus its prompt's tokens,
counted by the server's ``/tokenize`` (vLLM, llama.cpp) or, where a server has none, read
from the ``usage`` of a one-token request. The budget is the smaller of GREEN's and the
server's context length when the server reports one; the ``max_tokens`` option overrides it
all. A prompt that fills the budget is not sent: upstream GREEN cuts such a prompt and the
judge has no room to answer, which scores 0; it is counted and warned about here.

Requests go through the shared client (``petar_bench.endpoint``): retries with backoff on 429,
5xx, timeouts and dropped connections, and a pool that keeps `concurrency` requests in flight.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from petar_bench.metrics.green._backends import MAX_TOTAL_TOKENS, JudgeBackend, JudgeReply

#: A key for the judge's server alone; the shared PETAR_BENCH_API_KEY / OPENAI_API_KEY follow.
API_KEY_ENV = "PETAR_BENCH_JUDGE_API_KEY"
_CONTEXT_WORDS = ("context length", "maximum context", "max_model_len", "too long", "exceed")


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
        retries: int = 5,
        backoff: float = 1.0,
        timeout: float = 600.0,
        max_requests: int | None = None,
        api_key: str | None = None,
        eos_token: str = "</s>",
    ) -> None:
        from petar_bench.endpoint import api_base, api_key_from_env

        self.base = api_base(url)
        self.url = url
        self.model = model
        self.revision = revision
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        self.max_total_tokens = int(max_total_tokens)
        self.concurrency = max(1, int(concurrency))
        self.client_options: dict[str, Any] = {
            "retries": int(retries),
            "backoff": float(backoff),
            "timeout": float(timeout),
            "max_requests": None if max_requests is None else int(max_requests),
            "connections": self.concurrency,
            "api_key": api_key or api_key_from_env(API_KEY_ENV),
        }
        self.eos_token = eos_token
        self.budget = self.max_total_tokens
        self.root: str | None = None
        self._client: Any = None
        self._tokenize: bool | None = None  # unknown until the first try

    # -- setup ---------------------------------------------------------------------------
    def prepare(self) -> None:
        """Connect and learn the served model: name, loaded weights, revision, context."""
        if self._client is not None:
            return
        from petar_bench.endpoint import EndpointClient, served_model
        from petar_bench.errors import UserError
        from petar_bench.metrics.green._metric import judge_unavailable

        client = EndpointClient(self.url, **self.client_options)
        try:
            served = served_model(client, self.model)
        except UserError as error:
            client.close()
            raise judge_unavailable(f"GREEN judge: {error}") from None
        self._client = client
        self.model = served.name
        self.root = served.root
        self.revision = self.revision or served.revision
        if served.context_length:
            self.budget = min(self.max_total_tokens, served.context_length)

    @property
    def stats(self) -> Any:
        """The client's request counts (None before `prepare`)."""
        return None if self._client is None else self._client.stats

    # -- one judgement -------------------------------------------------------------------
    def complete(self, text: str) -> JudgeReply:
        """The judge's answer to one rendered input (errors become the reply's `error`)."""
        from petar_bench.endpoint import EndpointError

        try:
            prompt_tokens = None if self.max_tokens else self._prompt_tokens(text)
            if prompt_tokens is not None and prompt_tokens >= self.budget:
                return JudgeReply("", prompt_truncated=True, prompt_tokens=prompt_tokens)
            limit = self.max_tokens or self.budget - int(prompt_tokens or 0)
            answer = self._client.post("/completions", self._body(text, limit))
        except EndpointError as error:
            message = str(error)
            if error.status == 400 and any(w in message.lower() for w in _CONTEXT_WORDS):
                # Only a max_tokens set by hand gets here (the default fits by construction).
                return JudgeReply(
                    "",
                    error="server refused prompt + max_tokens over its context "
                    f"(lower --green-max-tokens): {message}",
                )
            return JudgeReply("", error=f"request failed: {message}")
        return _reply(answer)

    def _body(self, text: str, max_tokens: int) -> dict[str, Any]:
        return {
            "model": self.model,
            "prompt": text,
            "max_tokens": int(max_tokens),
            "temperature": 0,
            "top_p": 1.0,
            "n": 1,
            "stream": False,
        }

    def _prompt_tokens(self, text: str) -> int:
        """Tokens of `text` as the judge counts them (with its beginning-of-sequence token)."""
        from petar_bench.endpoint import EndpointError

        if self._tokenize is not False:
            # One body that vLLM ('prompt', 'add_special_tokens') and llama.cpp ('content',
            # 'add_special') both read; each ignores the other's fields.
            body = {
                "model": self.model,
                "prompt": text,
                "content": text,
                "add_special_tokens": True,
                "add_special": True,
            }
            try:
                answer = self._client.post(self._client.root + "/tokenize", body)
                count = answer.get("count")
                if count is None and isinstance(answer.get("tokens"), list):
                    count = len(answer["tokens"])
                if count is not None:
                    self._tokenize = True
                    return int(count)
            except EndpointError as error:
                if error.status not in (404, 405) or self._tokenize:
                    raise
            self._tokenize = False
        probe = self._client.post("/completions", self._body(text, 1))
        usage = probe.get("usage") or {}
        if "prompt_tokens" not in usage:
            raise EndpointError(
                "the server neither tokenizes nor reports usage: set --green-max-tokens",
                kind="invalid",
            )
        return int(usage["prompt_tokens"])

    # -- many ----------------------------------------------------------------------------
    def generate_stream(self, texts: Sequence[str]) -> Iterator[tuple[int, JudgeReply]]:
        """(index, reply) pairs as answers arrive, `concurrency` requests in flight."""
        from petar_bench.endpoint import in_flight

        self.prepare()
        for outcome in in_flight(self.complete, texts, concurrency=self.concurrency):
            if outcome.error is not None:
                reply = JudgeReply("", error=f"{type(outcome.error).__name__}: {outcome.error}")
            else:
                assert outcome.result is not None
                reply = outcome.result
            yield outcome.index, reply

    def generate(self, texts: Sequence[str]) -> list[JudgeReply]:
        replies: list[JudgeReply] = [JudgeReply("", error="no answer")] * len(texts)
        for index, reply in self.generate_stream(texts):
            replies[index] = reply
        return replies

    def identity(self) -> dict[str, str]:
        budget = f"new{self.max_tokens}" if self.max_tokens else f"total{self.budget}"
        return {
            "judge": self.model or "unresolved",
            "rev": self.revision or "unknown",
            "weights": self.root or "unknown",
            "budget": budget,
        }


def _reply(answer: dict[str, Any]) -> JudgeReply:
    try:
        choice = answer["choices"][0]
        text = str(choice.get("text") or "")
    except (KeyError, IndexError, TypeError, AttributeError):
        return JudgeReply("", error="server answer has no choices[0].text")
    usage = answer.get("usage") or {}
    prompt = usage.get("prompt_tokens")
    total = usage.get("total_tokens")
    if total is None and prompt is not None:
        total = int(prompt) + int(usage.get("completion_tokens") or 0)
    return JudgeReply(
        text=text,
        output_truncated=choice.get("finish_reason") == "length",
        total_tokens=None if total is None else int(total),
        prompt_tokens=None if prompt is None else int(prompt),
    )
