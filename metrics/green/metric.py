"""GREEN as a Metric: per-sample judge verdicts as statistics, the mean as the corpus value.

Value: mean GREEN over all samples, with unreadable judge answers as 0 (counted, never
hidden: ``n_unparsed`` and ``mean_parsed`` in the extras). Empty candidates score 0 without
asking the judge (GREEN is 0 when nothing matches; a judge could hallucinate matches).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from petar_bench.metrics._signature import build_signature
from petar_bench.metrics.base import MeanMetric, SampleStats, ScoringContext
from petar_bench.metrics.green.backends import MAX_TOTAL_TOKENS, JudgeBackend, make_backend
from petar_bench.metrics.green.parser import JudgeParse, parse_judge_output
from petar_bench.metrics.green.prompt import (
    DEFAULT_CHAT_TEMPLATE,
    GREEN_VERSION,
    MAX_WORDS,
    make_prompt,
    render_judge_input,
    template_hash,
)

URL_ENV = "PETAR_BENCH_GREEN_URL"
MODEL_ENV = "PETAR_BENCH_GREEN_MODEL"

#: Columns of the per-sample statistics.
COLUMNS: tuple[str, ...] = (
    "green",  # the value used: GREEN when readable, else 0
    "parsed",  # 1 when the judge answer was readable (or the candidate empty)
    "green_upstream",  # what GREEN 0.0.12's own parser says
    "matched",
    "sig_a",
    "sig_b",
    "sig_c",
    "sig_d",
    "sig_e",
    "sig_f",
    "words_cut",  # reports cut to their first 300 words (0, 1 or 2)
    "tokens_truncated",  # prompt over the token budget, or answer stopped at its limit
)
_SERVER_OPTIONS = (
    "revision",
    "max_tokens",
    "concurrency",
    "retries",
    "backoff",
    "timeout",
    "api_key",
    "max_total_tokens",
)
_HF_OPTIONS = ("revision", "device", "dtype", "batch_size", "max_total_tokens", "trust_remote_code")


def judge_unavailable(message: str, metric_id: str = "green") -> Exception:
    """The suite's 'cannot run here' error (the scorer lists the metric as not computed)."""
    from petar_bench.metrics.errors import MetricUnavailable

    return MetricUnavailable(metric_id, message)


class GreenMetric(MeanMetric):
    id: ClassVar[str] = "green"
    higher_is_better: ClassVar[bool] = True
    description: ClassVar[str] = (
        "GREEN (LLM judge): matched / (matched + clinically significant errors)"
    )
    requires: ClassVar[tuple[str, ...]] = ("model",)

    def __init__(
        self,
        *,
        model: str | None = None,
        url: str | None = None,
        backend: str | None = None,
        server_model: str | None = None,
        chat_template: str = DEFAULT_CHAT_TEMPLATE,
        eos_token: str | None = None,
        max_total_tokens: int = MAX_TOTAL_TOKENS,
        judge: JudgeBackend | None = None,
        cache: bool | str = True,
        **engine_options: Any,
    ) -> None:
        """`model`: hub id or local folder (transformers); `url`: an OpenAI-compatible server.
        With neither (nor the PETAR_BENCH_GREEN_URL / _MODEL environment variables), GREEN is
        unavailable. `backend="transformers"` alone uses StanfordAIMI/GREEN-RadLlama2-7b."""
        self.model = model or os.environ.get(MODEL_ENV) or None
        self.url = url or os.environ.get(URL_ENV) or None
        self.backend_kind = backend
        self.server_model = server_model
        self.chat_template = chat_template
        self.eos_token = eos_token
        self.max_total_tokens = max_total_tokens
        self.engine_options = engine_options
        self._judge = judge
        # Judge answers are kept on disk so an interrupted pass resumes (metrics/green/cache.py).
        self.cache = str(cache).lower() not in ("0", "false", "no", "off")
        if self.url or backend == "server":
            self.requires = ("server",)  # type: ignore[misc]
        render_judge_input("", chat_template)  # unknown template -> UserError now, not later

    # -- judge ---------------------------------------------------------------------------
    def _backend(self) -> JudgeBackend:
        if self._judge is not None:
            return self._judge
        kind = self.backend_kind or (
            "server" if self.url else "transformers" if self.model else None
        )
        allowed = _SERVER_OPTIONS if kind == "server" else _HF_OPTIONS
        options = {k: v for k, v in self.engine_options.items() if k in allowed}
        unknown = sorted(set(self.engine_options) - set(_SERVER_OPTIONS) - set(_HF_OPTIONS))
        if unknown:
            from petar_bench.errors import UserError

            raise UserError(f"unknown GREEN option(s): {', '.join(unknown)}")
        options["max_total_tokens"] = self.max_total_tokens
        if kind == "server":
            options["model"] = self.server_model
            options["eos_token"] = self.eos_token or "</s>"
        judge = make_backend(
            model=self.model, url=self.url, backend=self.backend_kind, options=options
        )
        if judge is None:
            raise judge_unavailable(
                "GREEN needs a judge: give a model (hub id or folder) or the URL of an "
                f"OpenAI-compatible server (options 'model'/'url', or {URL_ENV})"
            )
        self._judge = judge
        return judge

    def _render(self, judge: JudgeBackend, prompts: Sequence[str]) -> list[str]:
        load = getattr(judge, "load", None)
        if callable(load):
            load()  # the judge's own end-of-sequence text is known only after loading
        eos = self.eos_token or judge.eos_token
        self._eos_used = eos
        return [render_judge_input(p, self.chat_template, eos) for p in prompts]

    # -- Metric --------------------------------------------------------------------------
    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        judge = self._backend()
        prompts = [make_prompt(r, p) for p, r in zip(predictions, references, strict=True)]
        ask = [i for i, p in enumerate(predictions) if p.strip()]
        texts = self._render(judge, [prompts[i].text for i in ask])
        replies, n_cached = self._ask(judge, texts)
        failed = [r for r in replies if r.error is not None and not r.prompt_truncated]
        if ask and len(failed) == len(ask):
            raise judge_unavailable(f"GREEN judge gave no answer ({failed[0].error})")
        rows = np.zeros((len(predictions), len(COLUMNS)))
        reasons: Counter[str] = Counter()
        examples: list[str] = []
        for row, prompt in zip(rows, prompts, strict=True):
            row[COLUMNS.index("parsed")] = 1.0  # empty candidates: a real 0
            row[COLUMNS.index("words_cut")] = prompt.n_cut
        for i, reply in zip(ask, replies, strict=True):
            parse = parse_judge_output(reply.text)
            if reply.prompt_truncated or reply.error is not None:
                why = "prompt over token budget" if reply.prompt_truncated else "request failed"
                parse = JudgeParse(0.0, 0.0, False, 0, (0,) * 6, why)
            _fill(rows[i], parse, reply.prompt_truncated or reply.output_truncated)
            if not parse.parsed:
                reasons[parse.problem or "unreadable"] += 1
                if len(examples) < 3:
                    examples.append(reply.text[:300])
        warnings = self._warnings(rows, replies, len(ask))
        extras = _extras(rows, reasons, examples, n_empty=len(predictions) - len(ask))
        extras["n_cached_answers"] = n_cached
        extras["judge_over_budget"] = sum(
            1 for r in replies if r.total_tokens and r.total_tokens > self.max_total_tokens
        )
        return SampleStats(values=rows, extras=extras, warnings=tuple(warnings))

    def _ask(self, judge: JudgeBackend, texts: Sequence[str]) -> tuple[list[Any], int]:
        """The judge's answers, from the on-disk cache where it already answered."""
        if not self.cache:
            return judge.generate(texts), 0
        from petar_bench.metrics.green.cache import AnswerCache

        judge.prepare()  # the cache key needs the judge's resolved identity
        return AnswerCache(judge).ask(judge.generate, texts)

    def _warnings(self, rows: np.ndarray, replies: Sequence[Any], n_asked: int) -> list[str]:
        out = []
        n_unparsed = int((rows[:, COLUMNS.index("parsed")] == 0).sum())
        if n_unparsed:
            out.append(f"GREEN: {n_unparsed} of {n_asked} judge answers were unreadable (scored 0)")
        n_tok = int(rows[:, COLUMNS.index("tokens_truncated")].sum())
        if n_tok:
            out.append(f"GREEN: {n_tok} samples hit the {self.max_total_tokens}-token budget")
        failed = sum(1 for r in replies if r.error and not r.prompt_truncated)
        if failed:
            out.append(f"GREEN: {failed} judge requests failed after retries (scored 0)")
        return out

    def signature(self) -> str:
        who = (
            self._judge.identity()
            if self._judge is not None
            else {
                "judge": self.model or self.server_model or "unset",
                "rev": self.engine_options.get("revision") or "unknown",
                "budget": f"total{self.max_total_tokens}",
            }
        )
        kind = (
            self._judge.name
            if self._judge is not None
            else (self.backend_kind or ("server" if self.url else "transformers"))
        )
        eos = getattr(self, "_eos_used", None) or self.eos_token or "</s>"
        return build_signature(
            "green",
            ("judge", who["judge"]),
            ("rev", who["rev"]),
            ("backend", kind),
            ("decode", "greedy"),
            ("budget", who["budget"]),
            ("prompt", template_hash(self.chat_template, eos)),
            ("chat", self.chat_template),
            ("green", GREEN_VERSION),
            ("words", MAX_WORDS),
            ("avg", "sample-mean"),
            ("unparsed", "as-0"),
        )


def _fill(row: np.ndarray, parse: JudgeParse, tokens_truncated: bool) -> None:
    row[COLUMNS.index("green")] = parse.score
    row[COLUMNS.index("parsed")] = float(parse.parsed)
    row[COLUMNS.index("green_upstream")] = parse.upstream_score
    row[COLUMNS.index("matched")] = parse.matched
    start = COLUMNS.index("sig_a")
    row[start : start + 6] = parse.significant
    row[COLUMNS.index("tokens_truncated")] = float(tokens_truncated)


def _extras(
    rows: np.ndarray, reasons: Counter[str], examples: list[str], n_empty: int
) -> dict[str, Any]:
    parsed = rows[:, COLUMNS.index("parsed")] == 1
    col = {name: rows[:, i] for i, name in enumerate(COLUMNS)}
    words = col["words_cut"] > 0
    tokens = col["tokens_truncated"] > 0
    start = COLUMNS.index("sig_a")
    return {
        "n_unparsed": int((~parsed).sum()),
        "mean_parsed": float(col["green"][parsed].mean()) if parsed.any() else None,
        "mean_upstream": float(col["green_upstream"].mean()) if len(rows) else None,
        "std": float(col["green"].std()) if len(rows) else None,
        "n_empty_candidates": n_empty,
        "n_truncated": int((words | tokens).sum()),
        "n_truncated_words": int(words.sum()),
        "n_truncated_tokens": int(tokens.sum()),
        "unparsed_reasons": dict(sorted(reasons.items())),
        "unparsed_examples": examples,
        "mean_significant_errors": {
            k: float(rows[:, start + j].mean()) if len(rows) else None
            for j, k in enumerate("abcdef")
        },
    }
