"""GREEN as a Metric: per-sample judge verdicts as statistics, the mean as the corpus value.

Value: mean GREEN over the judged samples. Each answer is read the way upstream GREEN reads it
(unreadable answers included: counted in ``n_unparsed`` and warned about, never hidden). A
sample the judge never answered (the request failed after retries) is "not judged": it is
left out of the mean, never scored 0, and counted (``n_not_judged``); `petar-bench score`
fails when there are more than ``--max-judge-failures`` of them. Empty candidates score 0
without asking the judge (GREEN is 0 when nothing matches; a judge could hallucinate matches).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from petar_bench.metrics._signature import build_signature
from petar_bench.metrics.base import MeanMetric, SampleStats, ScoringContext
from petar_bench.metrics.green._backends import MAX_TOTAL_TOKENS, JudgeBackend, make_backend
from petar_bench.metrics.green._parser import JudgeParse, parse_judge_output
from petar_bench.metrics.green._prompt import (
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
    "judged",  # 0 when the judge gave no answer (request failed): left out of the mean
    "prompt_over_budget",  # the prompt alone filled the judge's token budget (scored 0)
)
_SERVER_OPTIONS = (
    "revision",
    "max_tokens",
    "concurrency",
    "retries",
    "backoff",
    "timeout",
    "max_requests",
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
        # Judge answers are kept on disk so an interrupted pass resumes (metrics/green/_cache.py).
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
        failed = [r for r in replies if r.error is not None]
        if ask and len(failed) == len(ask):
            raise judge_unavailable(f"GREEN judge gave no answer ({failed[0].error})")
        rows = np.zeros((len(predictions), len(COLUMNS)))
        col = COLUMNS.index
        rows[:, col("parsed")] = 1.0  # empty candidates: a real 0, judged
        rows[:, col("judged")] = 1.0
        rows[:, col("words_cut")] = [p.n_cut for p in prompts]
        reasons: Counter[str] = Counter()
        not_judged: Counter[str] = Counter()
        examples: list[str] = []
        for i, reply in zip(ask, replies, strict=True):
            if reply.error is not None:
                rows[i, col("judged")] = 0.0
                rows[i, col("parsed")] = 0.0
                not_judged[_short(reply.error)] += 1
                continue
            parse = parse_judge_output(reply.text)
            if reply.prompt_truncated:
                # Upstream GREEN cuts such a prompt and the judge has no room left: 0.
                parse = JudgeParse(0.0, 0.0, False, 0, (0,) * 6, "prompt over token budget")
                rows[i, col("prompt_over_budget")] = 1.0
            _fill(rows[i], parse, reply.prompt_truncated or reply.output_truncated)
            if not parse.parsed:
                reasons[parse.problem or "unreadable"] += 1
                if len(examples) < 3:
                    examples.append(reply.text[:300])
        extras = _extras(rows, reasons, examples, n_empty=len(predictions) - len(ask))
        extras["n_cached_answers"] = n_cached
        extras["not_judged_reasons"] = dict(sorted(not_judged.items()))
        extras["judge_over_budget"] = sum(
            1 for r in replies if r.error is None and (r.prompt_tokens or 0) >= self._budget(judge)
        )
        stats = getattr(judge, "stats", None)
        if stats is not None:
            extras["judge_requests"] = stats.summary()
        warnings = self._warnings(rows, judge, extras, len(ask))
        return SampleStats(values=rows, extras=extras, warnings=tuple(warnings))

    def _budget(self, judge: JudgeBackend) -> int:
        return int(getattr(judge, "budget", self.max_total_tokens))

    def _ask(self, judge: JudgeBackend, texts: Sequence[str]) -> tuple[list[Any], int]:
        """The judge's answers, from the on-disk cache where it already answered."""
        if not self.cache:
            judge.prepare()
            replies: list[Any] = [None] * len(texts)
            for index, reply in judge.generate_stream(texts):
                replies[index] = reply
            return replies, 0
        from petar_bench.metrics.green._cache import AnswerCache

        judge.prepare()  # the cache key needs the judge's resolved identity
        return AnswerCache(judge).ask(judge, texts)

    def _warnings(
        self, rows: np.ndarray, judge: JudgeBackend, extras: dict[str, Any], n_asked: int
    ) -> list[str]:
        col = COLUMNS.index
        budget = self._budget(judge)
        out = []
        n_not = int((rows[:, col("judged")] == 0).sum())
        if n_not:
            why = "; ".join(f"{k} ({v})" for k, v in extras["not_judged_reasons"].items())
            out.append(
                f"GREEN: {n_not} of {n_asked} samples not judged (left out of the mean): {why}"
            )
        n_unparsed = int(((rows[:, col("parsed")] == 0) & (rows[:, col("judged")] == 1)).sum())
        if n_unparsed:
            out.append(
                f"GREEN: {n_unparsed} of {n_asked} judge answers were unreadable "
                "(scored as upstream GREEN reads them)"
            )
        n_over = int(rows[:, col("prompt_over_budget")].sum())
        if n_over:
            out.append(
                f"GREEN: {n_over} prompts filled the judge's {budget}-token budget "
                "(not sent; scored 0, as upstream GREEN, which cuts them)"
            )
        n_long = int(extras["judge_over_budget"]) - n_over
        if n_long > 0:
            out.append(
                f"GREEN: {n_long} prompts were longer than the {budget}-token budget "
                "but judged (max_tokens set by hand)"
            )
        n_cut = int(
            (
                (rows[:, col("tokens_truncated")] == 1) & (rows[:, col("prompt_over_budget")] == 0)
            ).sum()
        )
        if n_cut:
            limit = getattr(judge, "max_tokens", None)
            what = f"max_tokens {limit}" if limit else f"the {budget}-token budget"
            out.append(f"GREEN: {n_cut} judge answers were cut at {what}")
        n_words = int(extras["n_truncated_words"])
        if n_words:
            out.append(
                f"GREEN: {n_words} samples had a report cut to its first {MAX_WORDS} words "
                "(as upstream GREEN)"
            )
        return out

    def aggregate(self, stats: np.ndarray) -> float:
        stats = np.asarray(stats, dtype=np.float64)
        judged = _judged(stats)
        if not judged.sum():
            return float("nan")
        return float((stats[:, 0] * judged).sum() / judged.sum())

    def aggregate_batch(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        stats = np.asarray(stats, dtype=np.float64)
        weights = np.asarray(weights, dtype=np.float64)
        judged = _judged(stats)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (weights @ (stats[:, 0] * judged)) / (weights @ judged)

    def per_sample(self, stats: np.ndarray) -> np.ndarray:
        stats = np.asarray(stats, dtype=np.float64)
        return np.where(_judged(stats) == 1, stats[:, 0], np.nan)

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
            ("weights", who.get("weights", "n/a")),
            ("avg", "judged-mean"),
            ("unparsed", "as-upstream"),
            # Deliberate differences from upstream GREEN (docs/metrics.md):
            ("empty", "0-unasked"),
            ("think", "stripped"),
        )


def _judged(stats: np.ndarray) -> np.ndarray:
    """1 for judged rows; statistics written before the 'judged' column count all as judged."""
    index = COLUMNS.index("judged")
    if stats.ndim != 2 or stats.shape[1] <= index:
        return np.ones(len(stats))
    return stats[:, index]


def _short(error: str) -> str:
    """An error message without request-specific detail, to count alike failures together."""
    return error.split(". ")[0][:200]


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
    judged = col["judged"] == 1
    words = col["words_cut"] > 0
    tokens = col["tokens_truncated"] > 0
    start = COLUMNS.index("sig_a")
    return {
        "n_judged": int(judged.sum()),
        "n_not_judged": int((~judged).sum()),
        "n_unparsed": int((~parsed & judged).sum()),
        "mean_parsed": float(col["green"][parsed].mean()) if parsed.any() else None,
        "std": float(col["green"][judged].std()) if judged.any() else None,
        "n_prompt_over_budget": int(col["prompt_over_budget"].sum()),
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
