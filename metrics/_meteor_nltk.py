"""`meteor_nltk`: the METEOR that M3D's and PETAR's development scripts report.

Those scripts call Hugging Face `evaluate.load("meteor")`, which for one reference per sample
computes nltk's `single_meteor_score(word_tokenize(ref), word_tokenize(pred), alpha=0.9,
beta=3, gamma=0.5)` per sample and averages. This is a different metric from METEOR 1.5
(`meteor`: Java, pooled statistics, paraphrase tables), so the two are never interchangeable.

Here: nltk's own `single_meteor_score` (exact, Porter-stem and WordNet-synonym matching,
lower-cased), WordNet 3.0 from Debian's files (metrics/_wordnet.py), and nltk's
`word_tokenize` rebuilt without nltk data (metrics/_nltk_words.py). Both are named in the
signature. Per-sample statistic: the score; corpus value: the mean.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence

import numpy as np

from petar_bench.metrics._nltk_words import tokenizer_name, word_tokenize
from petar_bench.metrics._signature import build_signature
from petar_bench.metrics._wordnet import load_wordnet
from petar_bench.metrics.base import MeanMetric, SampleStats, ScoringContext
from petar_bench.metrics.errors import MetricUnavailable

ALPHA, BETA, GAMMA = 0.9, 3.0, 0.5  # evaluate's defaults (and nltk's)


def _nltk_version() -> str:
    try:
        return importlib.metadata.version("nltk")
    except importlib.metadata.PackageNotFoundError:
        raise MetricUnavailable("meteor_nltk", "needs nltk: pip install nltk") from None


class MeteorNltk(MeanMetric):
    """nltk METEOR per sample, mean over samples (HF evaluate's `meteor`)."""

    id = "meteor_nltk"
    higher_is_better = True
    description = "METEOR (nltk, as HF evaluate / M3D scripts), WordNet 3.0, mean over samples"
    requires = ("wordnet",)

    def signature(self) -> str:
        return build_signature(
            self.id,
            ("compat", f"nltk-{_nltk_version()}"),
            ("tok", tokenizer_name()),
            ("wordnet", "3.0"),
            ("alpha", ALPHA),
            ("beta", BETA),
            ("gamma", GAMMA),
            ("case", "lc"),
            ("avg", "sample-mean"),
            ("nrefs", 1),
        )

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        from nltk.translate.meteor_score import single_meteor_score

        wordnet = load_wordnet()
        scores = [
            single_meteor_score(
                word_tokenize(ref),
                word_tokenize(pred),
                alpha=ALPHA,
                beta=BETA,
                gamma=GAMMA,
                wordnet=wordnet,
            )
            for pred, ref in zip(predictions, references, strict=True)
        ]
        return SampleStats(values=np.asarray(scores, dtype=np.float64).reshape(-1, 1))
