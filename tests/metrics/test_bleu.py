"""BLEU-1..4 against pycocoevalcap (its scorer and its whole pipeline) and published vectors.

Independent implementations: pycocoevalcap 1.2's Bleu scorer (pure Python on tokens, so
it runs without Java on our tokens) and, end to end, its Java PTBTokenizer + Bleu; nltk's
corpus_bleu and the nltk doctest's published values (Papineni example: sentence 0.5045,
corpus 0.5920).
"""

from __future__ import annotations

import random
import shutil
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from petar_bench.metrics._bleu import Bleu1, Bleu2, Bleu3, Bleu4, bleu_from_counts
from petar_bench.metrics._tokenize import ptb_tokenize

sys.path.insert(0, str(Path(__file__).parent))
from lexical_corpus import coco_reference, normalised_pairs, run_metric  # noqa: E402

METRICS = [Bleu1(), Bleu2(), Bleu3(), Bleu4()]
PREDS, REFS = normalised_pairs()


def _coco_bleu(pred_tok: list[str], ref_tok: list[str]) -> tuple[list[float], list[list[float]]]:
    from pycocoevalcap.bleu.bleu import Bleu

    gts = {i: [r] for i, r in enumerate(ref_tok)}
    res = {i: [p] for i, p in enumerate(pred_tok)}
    return Bleu(4).compute_score(gts, res, verbose=0)


def test_equals_pycocoevalcap_scorer_on_our_tokens() -> None:
    assert len(PREDS) >= 500
    corpus, per_sample = _coco_bleu(list(ptb_tokenize(PREDS)), list(ptb_tokenize(REFS)))
    for k, metric in enumerate(METRICS):
        value, ours, _ = run_metric(metric, PREDS, REFS)
        assert value == pytest.approx(corpus[k], abs=1e-12)
        np.testing.assert_allclose(ours, per_sample[k], rtol=0, atol=1e-12)


@pytest.mark.java
@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime")
def test_equals_pycocoevalcap_pipeline_from_text() -> None:
    ref = coco_reference(tuple(PREDS), tuple(REFS))
    corpus, per_sample = ref["bleu"]
    for k, metric in enumerate(METRICS):
        value, ours, _ = run_metric(metric, PREDS, REFS)
        assert abs(value - corpus[k]) <= 1e-9
        assert np.max(np.abs(ours - np.asarray(per_sample[k]))) <= 1e-9


def test_aggregate_of_any_subset_is_corpus_bleu_of_that_subset() -> None:
    pred_tok, ref_tok = list(ptb_tokenize(PREDS)), list(ptb_tokenize(REFS))
    rng = random.Random(3)
    for size in (1, 7, 120):
        idx = sorted(rng.sample(range(len(PREDS)), size))
        corpus, _ = _coco_bleu([pred_tok[i] for i in idx], [ref_tok[i] for i in idx])
        for k, metric in enumerate(METRICS):
            _, _, stats = run_metric(metric, PREDS, REFS)
            assert metric.aggregate(stats.values[idx]) == pytest.approx(corpus[k], abs=1e-12)


def test_tiny_constants_of_per_sample_scores() -> None:
    # No bigram matches: pycocoevalcap gives a tiny positive BLEU-4, not 0.
    preds, refs = ["a b c d e"], ["a x b y c"]
    _, ours, _ = run_metric(Bleu4(), preds, refs)
    _, per_sample = _coco_bleu(preds, refs)
    assert 0 < ours[0] < 1e-9
    assert ours[0] == per_sample[3][0]
    # Only the 4-grams miss: about 1e-5.
    _, ours, _ = run_metric(Bleu4(), ["a b c x d e f"], ["a b c y d e f"])
    assert 1e-6 < ours[0] < 1e-4


def _words(text: str) -> list[str]:
    return text.split(" ")


def test_nltk_doctest_vectors() -> None:
    """The Papineni example of nltk's BLEU doctest (multi-reference, closest length)."""
    from nltk.translate.bleu_score import corpus_bleu, sentence_bleu

    hyp1 = _words(
        "It is a guide to action which ensures that the military always obeys the commands "
        "of the party"
    )
    ref1 = [
        _words(
            "It is a guide to action that ensures that the military will forever heed Party "
            "commands"
        ),
        _words(
            "It is the guiding principle which guarantees the military forces always being "
            "under the command of the Party"
        ),
        _words("It is the practical guide for the army always to heed the directions of the party"),
    ]
    hyp2 = _words("he read the book because he was interested in world history")
    ref2 = [_words("he was interested in world history because he read the book")]

    def counts(hyp: list[str], refs: list[list[str]]) -> tuple[list[int], list[int], int, int]:
        matches = []
        for n in range(1, 5):
            grams = Counter(tuple(hyp[i : i + n]) for i in range(len(hyp) - n + 1))
            best: Counter[tuple[str, ...]] = Counter()
            for ref in refs:
                best |= Counter(tuple(ref[i : i + n]) for i in range(len(ref) - n + 1))
            matches.append(sum(min(c, best[g]) for g, c in grams.items()))
        guesses = [max(0, len(hyp) - k) for k in range(4)]
        closest = min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]
        return matches, guesses, len(hyp), closest

    m1, g1, h1, r1 = counts(hyp1, ref1)
    m2, g2, h2, r2 = counts(hyp2, ref2)
    sentence = bleu_from_counts(m1, g1, h1, r1, 4)
    corpus = bleu_from_counts(
        [a + b for a, b in zip(m1, m2, strict=True)],
        [a + b for a, b in zip(g1, g2, strict=True)],
        h1 + h2,
        r1 + r2,
        4,
    )
    # Published to four decimals (the doctest prints 0.5045... and 0.5920...).
    assert int(sentence * 1e4) == 5045 and int(corpus * 1e4) == 5920
    assert sentence == pytest.approx(sentence_bleu(ref1, hyp1), abs=1e-9)
    assert corpus == pytest.approx(corpus_bleu([ref1, ref2], [hyp1, hyp2]), abs=1e-9)


def test_degenerate_inputs() -> None:
    metric = Bleu4()
    value, per_sample, stats = run_metric(metric, [], [])
    assert value == 0.0 and per_sample.shape == (0,) and stats.values.shape == (0, 10)
    value, per_sample, _ = run_metric(metric, ["", ""], ["a finding", ""])
    assert value == 0.0 and np.all(per_sample == 0.0)
    long_text = "focal uptake in the liver " * 500
    value, _, _ = run_metric(metric, [long_text, "中文 😀 naïve"], [long_text, "naïve 中文"])
    assert 0.9 < value <= 1.0
    with pytest.raises(ValueError, match="aligned"):
        run_metric(metric, ["a"], ["a", "b"])


def test_signatures() -> None:
    assert Bleu4().signature() == (
        "bleu4|impl:petar-bench-0.1.0|compat:pycocoevalcap-1.2|tok:ptb-corenlp-3.4.1|case:lc"
        "|n:4|avg:corpus|ref:closest|nrefs:1"
    )
    assert Bleu1().signature().startswith("bleu1|") and "|n:1|" in Bleu1().signature()
    assert all(m.higher_is_better for m in METRICS)
