"""BLEU-1..4 as the COCO caption evaluation (pycocoevalcap 1.2) computes them.

Corpus BLEU over PTB tokens: clipped n-gram matches, the closest reference length (one
reference per sample here, so simply its length), geometric mean and brevity penalty over
the corpus sums. Per-sample statistics are the sufficient statistics (matched and guessed
n-grams per order, hypothesis and reference length), so `aggregate` over any subset is
exactly pycocoevalcap's corpus BLEU of that subset.

pycocoevalcap adds tiny constants before the geometric mean (1e-15 to matches, 1e-9 to
guesses and lengths): a sample with no 4-gram match scores ~1e-5 rather than 0. We keep
them, in the same order of operations, so per-sample and corpus values match it to the last
bits rather than just to 1e-9.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from petar_bench.metrics._coco import COMPAT, MAX_ORDER, TOKENIZER_FIELD, coco_tokens, ngram_table
from petar_bench.metrics._signature import build_signature
from petar_bench.metrics.base import ColumnSumMetric, SampleStats, ScoringContext

_TINY = 1e-15  # added to matches (pycocoevalcap's "tiny")
_SMALL = 1e-9  # added to guesses and to the reference length (its "small")

#: Columns of the statistics matrix (shared by bleu1..bleu4).
COLUMNS = tuple(
    [f"match{k}" for k in range(1, MAX_ORDER + 1)]
    + [f"guess{k}" for k in range(1, MAX_ORDER + 1)]
    + ["hyp_len", "ref_len"]
)


@functools.lru_cache(maxsize=4)
def _stats(pred_tok: tuple[str, ...], ref_tok: tuple[str, ...]) -> np.ndarray:
    """(n, 10) sufficient statistics; cached so the four BLEU orders count n-grams once."""
    pred_counts, ref_counts = ngram_table(pred_tok), ngram_table(ref_tok)
    rows = np.zeros((len(pred_tok), len(COLUMNS)), dtype=np.float64)
    for i, (hyp, ref) in enumerate(zip(pred_counts, ref_counts, strict=True)):
        hyp_len = sum(c for g, c in hyp.items() if len(g) == 1)
        ref_len = sum(c for g, c in ref.items() if len(g) == 1)
        row = rows[i]
        for gram, count in hyp.items():
            row[len(gram) - 1] += min(ref.get(gram, 0), count)
        for k in range(MAX_ORDER):
            row[MAX_ORDER + k] = max(0, hyp_len - k)
        row[2 * MAX_ORDER] = hyp_len
        row[2 * MAX_ORDER + 1] = ref_len
    rows.flags.writeable = False
    return rows


def bleu_from_counts(
    matches: Sequence[float], guesses: Sequence[float], hyp_len: float, ref_len: float, n: int
) -> float:
    """BLEU-n from (summed) counts, with pycocoevalcap's constants and operation order."""
    score = 1.0
    for k in range(n):
        score *= (float(matches[k]) + _TINY) / (float(guesses[k]) + _SMALL)
    score = score ** (1.0 / n)
    ratio = (hyp_len + _TINY) / (ref_len + _SMALL)
    if ratio < 1:
        score *= math.exp(1 - 1 / ratio)
    return score


class _Bleu(ColumnSumMetric):
    """BLEU-n, corpus-level, COCO style (see the module docstring)."""

    order: ClassVar[int]
    higher_is_better = True
    empty_value = 0.0

    def signature(self) -> str:
        return build_signature(
            self.id,
            ("compat", COMPAT),
            TOKENIZER_FIELD,
            ("case", "lc"),
            ("n", self.order),
            ("avg", "corpus"),
            ("ref", "closest"),
            ("nrefs", 1),
        )

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        pred_tok, ref_tok = coco_tokens(predictions, references)
        stats = _stats(pred_tok, ref_tok).copy() if pred_tok else np.zeros((0, len(COLUMNS)))
        return SampleStats(values=stats, extras={"columns": list(COLUMNS)})

    def score_sums(self, sums: np.ndarray) -> np.ndarray:
        return np.array([self._score_row(row) for row in sums], dtype=np.float64)

    def _score_row(self, row: np.ndarray) -> float:
        values = [float(v) for v in row]
        return bleu_from_counts(
            values[:MAX_ORDER],
            values[MAX_ORDER : 2 * MAX_ORDER],
            values[2 * MAX_ORDER],
            values[2 * MAX_ORDER + 1],
            self.order,
        )


class Bleu1(_Bleu):
    id = "bleu1"
    order = 1
    description = "BLEU-1, corpus-level, PTB tokens (pycocoevalcap-compatible)"


class Bleu2(_Bleu):
    id = "bleu2"
    order = 2
    description = "BLEU-2, corpus-level, PTB tokens (pycocoevalcap-compatible)"


class Bleu3(_Bleu):
    id = "bleu3"
    order = 3
    description = "BLEU-3, corpus-level, PTB tokens (pycocoevalcap-compatible)"


class Bleu4(_Bleu):
    id = "bleu4"
    order = 4
    description = "BLEU-4, corpus-level, PTB tokens (pycocoevalcap-compatible)"
