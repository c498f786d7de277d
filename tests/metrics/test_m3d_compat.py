"""The M3D / PETAR-script variants: BLEU-1 per sample (HF evaluate) and rouge-score's ROUGE.

Independent implementations and vectors: sacrebleu's 13a tokenizer; nltk's sentence_bleu
(BLEU-1, no smoothing: the same formula as tensorflow-nmt's for one reference); rouge-score
itself; rouge-score's published test vectors in tests/data/rouge (line 0:
ROUGE-1 and ROUGE-L F 0.51163, ROUGE-2 F 0.39024; line 1: ROUGE-1 F 0.50000 without
stemming, 0.52941 with).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from petar_bench.metrics._m3d_compat import (
    Bleu1M3D,
    Rouge1,
    RougeLRougeScore,
    rouge_n_prf,
    rouge_score_tokens,
    tokenize_13a,
)

sys.path.insert(0, str(Path(__file__).parent))
from lexical_corpus import normalised_pairs, run_metric  # noqa: E402

PREDS, REFS = normalised_pairs()
DATA = Path(__file__).resolve().parents[1] / "data"

ROUGE_DATA = DATA / "rouge"


def test_13a_tokens_equal_sacrebleu() -> None:
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    sacre = Tokenizer13a()
    for text in PREDS + REFS + ["a&quot;b &amp; &lt;c&gt; <skipped> x-\ny"]:
        assert tokenize_13a(text) == sacre(text).split()


def test_bleu1_equals_nltk_sentence_bleu_per_sample() -> None:
    from nltk.translate.bleu_score import sentence_bleu

    value, ours, _ = run_metric(Bleu1M3D(), PREDS, REFS)
    expected = []
    for pred, ref in zip(PREDS, REFS, strict=True):
        hyp, refs = tokenize_13a(pred), [tokenize_13a(ref)]
        expected.append(sentence_bleu(refs, hyp, weights=(1.0,)) if hyp and refs[0] else 0.0)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-12)
    assert value == pytest.approx(float(np.mean(expected)), abs=1e-12)
    assert ours[PREDS.index("")] == 0.0  # evaluate divides by zero here


def _rouge_vectors() -> tuple[list[str], list[str]]:
    targets = (ROUGE_DATA / "target.txt").read_text().splitlines()
    predictions = (ROUGE_DATA / "prediction.txt").read_text().splitlines()
    return targets, predictions


def test_rouge_score_published_vectors() -> None:
    targets, predictions = _rouge_vectors()
    t0, p0 = rouge_score_tokens(targets[0]), rouge_score_tokens(predictions[0])
    assert round(rouge_n_prf(t0, p0, 1)[0], 5) == 0.51163
    assert round(rouge_n_prf(t0, p0, 2)[0], 5) == 0.39024
    _, rouge_l, _ = run_metric(RougeLRougeScore(), [predictions[0]], [targets[0]])
    assert round(rouge_l[0], 5) == 0.51163
    _, plain, _ = run_metric(Rouge1(), [predictions[1]], [targets[1]])
    _, stemmed, _ = run_metric(Rouge1(use_stemmer=True), [predictions[1]], [targets[1]])
    assert round(plain[0], 5) == 0.5 and round(stemmed[0], 5) == 0.52941


@pytest.mark.parametrize("stem", [False, True])
def test_equals_rouge_score_library(stem: bool) -> None:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=stem)
    expected = [scorer.score(ref, pred) for pred, ref in zip(PREDS, REFS, strict=True)]
    _, r1, stats1 = run_metric(Rouge1(use_stemmer=stem), PREDS, REFS)
    _, rl, statsl = run_metric(RougeLRougeScore(use_stemmer=stem), PREDS, REFS)
    np.testing.assert_allclose(r1, [e["rouge1"].fmeasure for e in expected], rtol=0, atol=1e-12)
    np.testing.assert_allclose(rl, [e["rougeL"].fmeasure for e in expected], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        statsl.values[:, 1], [e["rougeL"].precision for e in expected], rtol=0, atol=1e-12
    )
    assert stats1.values.shape == (len(PREDS), 3)


def test_signatures_record_the_stemming_default() -> None:
    assert "|stem:no|" in Rouge1().signature()
    assert "|stem:yes|" in Rouge1(use_stemmer=True).signature()
    assert RougeLRougeScore().signature().startswith("rougeL_rs|")
    assert Bleu1M3D().signature() == (
        "bleu1_m3d|impl:petar-bench-0.1.0|compat:hf-evaluate-bleu|tok:13a|case:mixed|n:1"
        "|smooth:no|avg:sample-mean|empty:0|nrefs:1"
    )
