"""Judge backends: one interface, two engines (transformers in-process; an OpenAI-compatible
server such as vLLM, TGI or llama.cpp over HTTP).

A backend turns fully rendered judge input texts (see prompt.render_judge_input) into the
judge's raw answers, greedily, within GREEN's token budget (2,048 tokens for prompt plus
output). It never cuts anything silently: every reply says whether the prompt was over the
budget or the answer hit its token limit.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

#: GREEN's published judge model.
DEFAULT_JUDGE = "StanfordAIMI/GREEN-RadLlama2-7b"
#: GREEN's token budget: prompt and answer together.
MAX_TOTAL_TOKENS = 2048
#: Inputs per `generate` call when a batch engine streams its answers.
STREAM_CHUNK = 16


@dataclass(frozen=True)
class JudgeReply:
    """One raw judge answer and what happened on the way."""

    text: str
    #: The prompt alone filled the token budget: nothing was generated.
    prompt_truncated: bool = False
    #: The answer stopped at its token limit instead of an end-of-sequence token.
    output_truncated: bool = False
    #: Prompt + answer tokens when the engine reports them.
    total_tokens: int | None = None
    #: Prompt tokens when the engine reports them.
    prompt_tokens: int | None = None
    #: Why no answer came back (request failed after retries); None when it did.
    error: str | None = None


class JudgeBackend(ABC):
    """An engine that runs the judge. Subclasses fill in `generate`."""

    #: Short name for the signature ("transformers", "server").
    name: str = "backend"
    #: End-of-sequence text the chat rendering uses (the judge tokenizer's own, when known).
    eos_token: str = "</s>"

    @abstractmethod
    def generate(self, texts: Sequence[str]) -> list[JudgeReply]:
        """Greedy answers to rendered judge inputs, in order."""

    def generate_stream(self, texts: Sequence[str]) -> Iterator[tuple[int, JudgeReply]]:
        """(index, reply) pairs as answers become ready. This default asks `generate` in
        chunks (each chunk can be stored before the next is asked); engines that keep
        requests in flight override it so each answer is stored the moment it arrives."""
        for start in range(0, len(texts), STREAM_CHUNK):
            replies = self.generate(texts[start : start + STREAM_CHUNK])
            yield from enumerate(replies, start=start)

    def identity(self) -> dict[str, str]:
        """Judge id, revision and budget as they ran (complete after `prepare`)."""
        return {"judge": "unknown", "rev": "unknown", "budget": "unknown"}

    def prepare(self) -> None:
        """Resolve what `identity` reports (load the model, ask the server its name)."""
        load = getattr(self, "load", None)
        if callable(load):
            load()


def make_backend(
    *,
    model: str | None,
    url: str | None,
    backend: str | None,
    options: dict,
) -> JudgeBackend | None:
    """The configured backend, or None when neither a judge model nor a URL is set."""
    from petar_bench.errors import UserError

    kind = backend or ("server" if url else "transformers" if model else None)
    if kind is None:
        return None
    if kind == "server":
        if not url:
            raise UserError("GREEN backend 'server' needs a URL: set the 'url' option")
        from petar_bench.metrics.green._server_backend import ServerJudge

        return ServerJudge(url, **options)
    if kind == "transformers":
        from petar_bench.metrics.green._hf_backend import TransformersJudge

        return TransformersJudge(model or DEFAULT_JUDGE, **options)
    raise UserError(f"unknown GREEN backend {kind!r}; choose 'transformers' or 'server'")
