"""ROUGE-L as the COCO caption evaluation (pycocoevalcap 1.2) computes it.

Per sample: the LCS of PTB tokens split on single spaces, precision = LCS / hypothesis
length, recall = LCS / reference length, F = (1 + b^2) P R / (R + b^2 P) with b = 1.2
(0 when P or R is 0); corpus = mean over samples. Splitting on " " means an empty text is
one empty token, so an empty prediction against an empty reference scores 1, as in
pycocoevalcap. This is not rouge-score's ROUGE-L (see _m3d_compat.py for that one).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from petar_bench.metrics._coco import COMPAT, TOKENIZER_FIELD, coco_tokens
from petar_bench.metrics._lcs import lcs_length
from petar_bench.metrics._signature import build_signature
from petar_bench.metrics.base import MeanMetric, SampleStats, ScoringContext

BETA = 1.2


def rouge_l_coco(candidate: str, reference: str, beta: float = BETA) -> float:
    """pycocoevalcap's ROUGE-L F of one tokenised candidate against one reference."""
    cand, ref = candidate.split(" "), reference.split(" ")
    lcs = lcs_length(ref, cand)
    prec, rec = lcs / float(len(cand)), lcs / float(len(ref))
    if prec == 0 or rec == 0:
        return 0.0
    return ((1 + beta**2) * prec * rec) / float(rec + beta**2 * prec)


class RougeL(MeanMetric):
    """COCO ROUGE-L (LCS F-measure, beta 1.2), per sample; corpus = mean."""

    id = "rouge_l"
    higher_is_better = True
    description = "ROUGE-L (LCS F, beta 1.2), PTB tokens, mean over samples (pycocoevalcap)"

    def signature(self) -> str:
        return build_signature(
            self.id,
            ("compat", COMPAT),
            TOKENIZER_FIELD,
            ("case", "lc"),
            ("beta", BETA),
            ("avg", "sample-mean"),
            ("nrefs", 1),
        )

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        pred_tok, ref_tok = coco_tokens(predictions, references)
        scores = [rouge_l_coco(p, r) for p, r in zip(pred_tok, ref_tok, strict=True)]
        return SampleStats(values=np.asarray(scores, dtype=np.float64).reshape(-1, 1))
