"""What the COCO-caption metrics share: PTB tokens and n-gram counts, computed once.

BLEU-1..4, ROUGE-L, CIDEr-D and METEOR of one scoring call all start from the same
PTB-tokenised predictions and references (pycocoevalcap tokenises predictions and
references in two separate tokenizer calls, so do we). BLEU and CIDEr count the same
1..4-grams over whitespace tokens. Both steps are cached on the tuple of texts.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence

from petar_bench.metrics._tokenize import TOKENIZER_ID, ptb_tokenize

COMPAT = "pycocoevalcap-1.2"
TOKENIZER_FIELD = ("tok", TOKENIZER_ID)
MAX_ORDER = 4

NgramCounts = Counter[tuple[str, ...]]


def coco_tokens(
    predictions: Sequence[str], references: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tokenised predictions, tokenised references), space-joined, as pycocoevalcap has them."""
    if len(predictions) != len(references):
        raise ValueError(
            f"got {len(predictions)} predictions but {len(references)} references; "
            "they must be aligned one to one"
        )
    return ptb_tokenize(predictions), ptb_tokenize(references)


def _ngrams(text: str, n: int = MAX_ORDER) -> NgramCounts:
    """1..n-gram counts over whitespace tokens (pycocoevalcap's `precook`)."""
    words = text.split()
    counts: NgramCounts = Counter()
    for k in range(1, n + 1):
        counts.update(tuple(words[i : i + k]) for i in range(len(words) - k + 1))
    return counts


@functools.lru_cache(maxsize=4)
def ngram_table(texts: tuple[str, ...]) -> tuple[NgramCounts, ...]:
    """1..4-gram counts of each text (cached per tuple: BLEU and CIDEr share them)."""
    cache: dict[str, NgramCounts] = {}
    out = []
    for text in texts:
        counts = cache.get(text)
        if counts is None:
            counts = cache[text] = _ngrams(text)
        out.append(counts)
    return tuple(out)
