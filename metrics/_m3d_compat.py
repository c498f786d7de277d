"""The metric variants the PETAR authors' scripts (and M3D-Bench) used, via Hugging Face
`evaluate`: BLEU-1 averaged per sample, and rouge-score's ROUGE-1 / ROUGE-L.

They are not the COCO metrics of the same names and give different numbers:

- `bleu1_m3d`: evaluate's "bleu" with max_order=1 on each pair, averaged. That is
  tensorflow-nmt's compute_bleu (clipped unigram precision, brevity penalty
  exp(1 - r/c) when c <= r, no smoothing) over sacrebleu's "13a" tokens, case kept.
  evaluate raises ZeroDivisionError on an empty prediction or reference; we score them 0.
- `rouge1`, `rougeL_rs`: rouge-score's F-measure with its tokenizer (lower-case, runs of
  [a-z0-9] only, so "12.3" is "12", "3" and accented letters vanish), no stemming by
  default (evaluate's default, `use_stemmer=False`). evaluate reports a bootstrap "mid"
  (an unseeded resampled median of the mean); we report the mean it estimates.

Every step (tokenisers, counts, LCS) is written here; the tests compare with sacrebleu's
13a tokenizer, nltk's BLEU and rouge-score itself.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import ClassVar

import numpy as np

from petar_bench.metrics._lcs import lcs_length
from petar_bench.metrics._signature import build_signature
from petar_bench.metrics.base import MeanMetric, SampleStats, ScoringContext
from petar_bench.metrics.errors import MetricUnavailable

# mteval-v13a as sacrebleu applies it (punctuation split off; "." and "," kept inside numbers).
_13A_RULES = (
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
)


def tokenize_13a(line: str) -> list[str]:
    """sacrebleu's "13a" tokens (as Hugging Face evaluate's BLEU uses them)."""
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&")
        line = line.replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    for pattern, repl in _13A_RULES:
        line = pattern.sub(repl, line)
    return line.split()


def nmt_bleu1(hypothesis: Sequence[str], reference: Sequence[str]) -> float:
    """tensorflow-nmt compute_bleu, max_order 1, one reference, no smoothing (0 if empty)."""
    if not hypothesis or not reference:
        return 0.0
    ref_counts = Counter(reference)
    matches = sum(min(c, ref_counts[g]) for g, c in Counter(hypothesis).items())
    precision = float(matches) / len(hypothesis)
    geo_mean = math.exp(1.0 * math.log(precision)) if precision > 0 else 0.0
    ratio = float(len(hypothesis)) / len(reference)
    bp = 1.0 if ratio > 1.0 else math.exp(1 - 1.0 / ratio)
    return geo_mean * bp


class Bleu1M3D(MeanMetric):
    """BLEU-1 per sample, averaged (HF evaluate 'bleu', max_order=1, 13a tokens)."""

    id = "bleu1_m3d"
    higher_is_better = True
    description = "BLEU-1 per sample, averaged (HF evaluate bleu, 13a; as M3D/PETAR scripts)"

    def signature(self) -> str:
        return build_signature(
            self.id,
            ("compat", "hf-evaluate-bleu"),
            ("tok", "13a"),
            ("case", "mixed"),
            ("n", 1),
            ("smooth", "no"),
            ("avg", "sample-mean"),
            ("empty", 0),
            ("nrefs", 1),
        )

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        rows = []
        for pred, ref in zip(predictions, references, strict=True):
            hyp_tok, ref_tok = tokenize_13a(pred), tokenize_13a(ref)
            rows.append([nmt_bleu1(hyp_tok, ref_tok), len(hyp_tok), len(ref_tok)])
        return SampleStats(values=np.asarray(rows, dtype=np.float64).reshape(-1, 3))


_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
_VALID = re.compile(r"^[a-z0-9]+$")


def rouge_score_tokens(text: str, stem: Callable[[str], str] | None = None) -> list[str]:
    """rouge-score's default tokenizer (optionally with its Porter stemmer)."""
    tokens = _SPACES.split(_NON_ALNUM.sub(" ", text.lower()))
    if stem is not None:
        tokens = [stem(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if _VALID.match(t)]


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def rouge_n_prf(target: Sequence[str], prediction: Sequence[str], n: int) -> tuple[float, ...]:
    """rouge-score's ROUGE-N (F, P, R) over token lists."""
    tgt = Counter(tuple(target[i : i + n]) for i in range(len(target) - n + 1))
    pred = Counter(tuple(prediction[i : i + n]) for i in range(len(prediction) - n + 1))
    overlap = sum(min(c, pred[g]) for g, c in tgt.items())
    precision = overlap / max(sum(pred.values()), 1)
    recall = overlap / max(sum(tgt.values()), 1)
    return _f1(precision, recall), precision, recall


def rouge_l_prf(target: Sequence[str], prediction: Sequence[str]) -> tuple[float, ...]:
    """rouge-score's ROUGE-L (F, P, R): sentence-level LCS (not ROUGE-Lsum)."""
    if not target or not prediction:
        return 0.0, 0.0, 0.0
    lcs = lcs_length(target, prediction)
    precision, recall = lcs / len(prediction), lcs / len(target)
    return _f1(precision, recall), precision, recall


def _porter() -> Callable[[str], str]:
    try:
        from nltk.stem import porter
    except ImportError:
        raise MetricUnavailable(
            "rouge", "stemming uses nltk's Porter stemmer (as rouge-score): pip install nltk"
        ) from None
    return porter.PorterStemmer().stem


class _RougeScore(MeanMetric):
    """rouge-score F-measure, per sample; corpus = mean."""

    higher_is_better = True
    kind: ClassVar[str]

    def __init__(self, use_stemmer: bool = False) -> None:
        self.use_stemmer = bool(use_stemmer)

    def signature(self) -> str:
        return build_signature(
            self.id,
            ("compat", "rouge-score-0.1.2"),
            ("tok", "rouge-score"),
            ("stem", self.use_stemmer),
            ("score", "f1"),
            ("avg", "sample-mean"),
            ("nrefs", 1),
        )

    def _score(self, target: list[str], prediction: list[str]) -> tuple[float, ...]:
        raise NotImplementedError

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        stem = _porter() if self.use_stemmer else None
        rows = [
            self._score(rouge_score_tokens(ref, stem), rouge_score_tokens(pred, stem))
            for pred, ref in zip(predictions, references, strict=True)
        ]
        return SampleStats(values=np.asarray(rows, dtype=np.float64).reshape(-1, 3))


class Rouge1(_RougeScore):
    id = "rouge1"
    kind = "rouge1"
    description = "ROUGE-1 F (rouge-score tokenizer, no stemming), mean over samples"

    def _score(self, target: list[str], prediction: list[str]) -> tuple[float, ...]:
        return rouge_n_prf(target, prediction, 1)


class RougeLRougeScore(_RougeScore):
    id = "rougeL_rs"
    kind = "rougeL"
    description = "ROUGE-L F (rouge-score's, LCS, no stemming), mean over samples"

    def _score(self, target: list[str], prediction: list[str]) -> tuple[float, ...]:
        return rouge_l_prf(target, prediction)
