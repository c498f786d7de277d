"""COCO ROUGE-L against pycocoevalcap's Rouge (on our tokens, and end to end from text)."""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from petar_bench.metrics._lcs import lcs_length
from petar_bench.metrics._rouge import RougeL
from petar_bench.metrics._tokenize import ptb_tokenize

sys.path.insert(0, str(Path(__file__).parent))
from lexical_corpus import coco_reference, normalised_pairs, run_metric  # noqa: E402

PREDS, REFS = normalised_pairs()


def test_equals_pycocoevalcap_scorer_on_our_tokens() -> None:
    from pycocoevalcap.rouge.rouge import Rouge

    pred_tok, ref_tok = ptb_tokenize(PREDS), ptb_tokenize(REFS)
    gts = {i: [r] for i, r in enumerate(ref_tok)}
    res = {i: [p] for i, p in enumerate(pred_tok)}
    corpus, per_sample = Rouge().compute_score(gts, res)
    value, ours, _ = run_metric(RougeL(), PREDS, REFS)
    assert value == corpus
    np.testing.assert_array_equal(ours, per_sample)


@pytest.mark.java
@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime")
def test_equals_pycocoevalcap_pipeline_from_text() -> None:
    corpus, per_sample = coco_reference(tuple(PREDS), tuple(REFS))["rouge_l"]
    value, ours, _ = run_metric(RougeL(), PREDS, REFS)
    assert abs(value - corpus) <= 1e-9
    assert np.max(np.abs(ours - np.asarray(per_sample))) <= 1e-9


def _lcs_table(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a, 1):
        for j, y in enumerate(b, 1):
            table[i][j] = (
                table[i - 1][j - 1] + 1 if x == y else max(table[i - 1][j], table[i][j - 1])
            )
    return table[-1][-1]


def test_bit_parallel_lcs_equals_the_dynamic_programme() -> None:
    rng = random.Random(11)
    for _ in range(400):
        a = [rng.choice("abcde") for _ in range(rng.randint(0, 30))]
        b = [rng.choice("abcdef") for _ in range(rng.randint(0, 90))]
        assert lcs_length(a, b) == _lcs_table(a, b)


def test_degenerate_inputs() -> None:
    # pycocoevalcap splits on " ": two empty texts are one equal (empty) token each.
    _, ours, _ = run_metric(RougeL(), ["", "", "liver"], ["", "liver", ""])
    np.testing.assert_array_equal(ours, [1.0, 0.0, 0.0])
    value, _, stats = run_metric(RougeL(), [], [])
    assert value == 0.0 and stats.values.shape == (0, 1)


def test_signature() -> None:
    assert RougeL().signature() == (
        "rouge_l|impl:petar-bench-0.1.0|compat:pycocoevalcap-1.2|tok:ptb-corenlp-3.4.1|case:lc"
        "|beta:1.2|avg:sample-mean|nrefs:1"
    )
