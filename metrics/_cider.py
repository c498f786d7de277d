"""CIDEr-D as the COCO caption evaluation (pycocoevalcap 1.2) computes it.

TF-IDF vectors of 1..4-grams over PTB tokens; document frequencies from the references
being scored (one reference per sample: the number of samples whose reference contains
the n-gram), IDF = log(N) - log(max(1, df)). Per order: clipped cosine
sum(min(h, r) * r) / (|h| |r|), times a Gaussian length penalty exp(-d^2 / 2 sigma^2),
sigma 6, where d is the difference of the two texts' *bigram* counts (pycocoevalcap's
quirk, kept). Score = 10 x mean over the four orders.

The document frequencies make a sample's score depend on the whole evaluated set: a lone
sample scores 0, and the same pair scores differently in different sets. The per-sample
statistic is the score with DF fixed on the full evaluated set; the corpus value is their
mean; a subset's mean is not the CIDEr-D of that subset scored alone. Scoring a subset of a
split (ScoringContext.full_split False) therefore carries a warning.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from petar_bench.metrics._coco import (
    COMPAT,
    MAX_ORDER,
    TOKENIZER_FIELD,
    NgramCounts,
    coco_tokens,
    ngram_table,
)
from petar_bench.metrics._signature import build_signature
from petar_bench.metrics.base import MeanMetric, SampleStats, ScoringContext

SIGMA = 6.0
SUBSET_WARNING = (
    "cider: document frequencies come from the texts scored; on a subset of a split the "
    "value is not comparable with the full split's"
)

_Vector = tuple[list[dict[tuple[str, ...], float]], list[float], int]


def _tfidf(counts: NgramCounts, df: Counter[tuple[str, ...]], log_n: float) -> _Vector:
    """Per-order TF-IDF weights, their norms and the bigram count (pycocoevalcap's length)."""
    vec: list[dict[tuple[str, ...], float]] = [{} for _ in range(MAX_ORDER)]
    norm = [0.0] * MAX_ORDER
    length = 0
    for gram, tf in counts.items():
        k = len(gram) - 1
        weight = float(tf) * (log_n - math.log(max(1.0, df.get(gram, 0.0))))
        vec[k][gram] = weight
        norm[k] += weight**2
        if k == 1:
            length += tf
    return vec, [math.sqrt(x) for x in norm], length


def _similarity(hyp: _Vector, ref: _Vector, sigma: float) -> float:
    """Mean over orders of the clipped, length-penalised cosine (before the x10)."""
    (vh, nh, lh), (vr, nr, lr) = hyp, ref
    penalty = math.e ** (-(float(lh - lr) ** 2) / (2 * sigma**2))
    total = 0.0
    for k in range(MAX_ORDER):
        val = 0.0
        ref_k = vr[k]
        for gram, weight in vh[k].items():
            r = ref_k.get(gram, 0.0)
            val += min(weight, r) * r
        if nh[k] != 0 and nr[k] != 0:
            val /= nh[k] * nr[k]
        total += val * penalty
    return total / MAX_ORDER


def cider_d_scores(
    pred_counts: Sequence[NgramCounts], ref_counts: Sequence[NgramCounts], sigma: float = SIGMA
) -> np.ndarray:
    """Per-sample CIDEr-D with document frequencies from all of `ref_counts`."""
    df: Counter[tuple[str, ...]] = Counter()
    for counts in ref_counts:
        df.update(counts.keys())
    log_n = math.log(float(len(ref_counts))) if ref_counts else 0.0
    scores = [
        _similarity(_tfidf(h, df, log_n), _tfidf(r, df, log_n), sigma) * 10.0
        for h, r in zip(pred_counts, ref_counts, strict=True)
    ]
    return np.asarray(scores, dtype=np.float64)


class CiderD(MeanMetric):
    """CIDEr-D (pycocoevalcap), DF from the full evaluated reference set; corpus = mean."""

    id = "cider"
    higher_is_better = True
    description = "CIDEr-D (x10, sigma 6), PTB tokens, DF from the evaluated references"

    def resample_note(self) -> str:
        return "-fixed-df"  # document frequencies come from the full set, not each resample

    def signature(self) -> str:
        return build_signature(
            self.id,
            ("compat", COMPAT),
            TOKENIZER_FIELD,
            ("case", "lc"),
            ("n", MAX_ORDER),
            ("sigma", SIGMA),
            ("df", "full-split"),
            ("avg", "sample-mean"),
            ("nrefs", 1),
        )

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        pred_tok, ref_tok = coco_tokens(predictions, references)
        if not pred_tok:
            return SampleStats(values=np.zeros((0, 1)))
        scores = cider_d_scores(ngram_table(pred_tok), ngram_table(ref_tok))
        warnings = () if context.full_split else (SUBSET_WARNING,)
        return SampleStats(
            values=scores.reshape(-1, 1),
            extras={"df_samples": len(ref_tok), "split_fingerprint": context.split_fingerprint},
            warnings=warnings,
        )
