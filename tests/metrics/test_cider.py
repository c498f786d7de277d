"""CIDEr-D against pycocoevalcap's Cider (on our tokens, and end to end from text)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from petar_bench.metrics._cider import SUBSET_WARNING, CiderD
from petar_bench.metrics._tokenize import ptb_tokenize

sys.path.insert(0, str(Path(__file__).parent))
from lexical_corpus import coco_reference, normalised_pairs, run_metric  # noqa: E402

PREDS, REFS = normalised_pairs()


def _coco_cider(pred_tok: list[str], ref_tok: list[str]) -> tuple[float, np.ndarray]:
    from pycocoevalcap.cider.cider import Cider

    gts = {i: [r] for i, r in enumerate(ref_tok)}
    res = {i: [p] for i, p in enumerate(pred_tok)}
    return Cider().compute_score(gts, res)


def test_equals_pycocoevalcap_scorer_on_our_tokens() -> None:
    corpus, per_sample = _coco_cider(list(ptb_tokenize(PREDS)), list(ptb_tokenize(REFS)))
    value, ours, stats = run_metric(CiderD(), PREDS, REFS)
    assert value == pytest.approx(corpus, abs=1e-12)
    np.testing.assert_allclose(ours, per_sample, rtol=0, atol=1e-12)
    assert stats.warnings == ()


@pytest.mark.java
@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime")
def test_equals_pycocoevalcap_pipeline_from_text() -> None:
    corpus, per_sample = coco_reference(tuple(PREDS), tuple(REFS))["cider"]
    value, ours, _ = run_metric(CiderD(), PREDS, REFS)
    assert abs(value - corpus) <= 1e-9
    assert np.max(np.abs(ours - np.asarray(per_sample))) <= 1e-9


def test_document_frequencies_come_from_the_scored_set() -> None:
    # A lone sample scores 0 (log N = 0); the same pair scores differently in other sets.
    value, _, _ = run_metric(CiderD(), ["focal uptake"], ["focal uptake"])
    assert value == 0.0
    pair = ("focal uptake in the liver", "mild uptake in the liver dome")
    in_a = run_metric(CiderD(), [pair[0], "bone lesion"], [pair[1], "bone lesion"])[1][0]
    in_b = run_metric(CiderD(), [pair[0], "liver"], [pair[1], "liver"])[1][0]
    assert in_a != in_b


def test_subset_warning_and_signature() -> None:
    _, _, stats = run_metric(CiderD(), PREDS[:20], REFS[:20], full_split=False)
    assert stats.warnings == (SUBSET_WARNING,)
    assert "|df:full-split|" in CiderD().signature()
    assert CiderD().signature() == (
        "cider|impl:petar-bench-0.1.0|compat:pycocoevalcap-1.2|tok:ptb-corenlp-3.4.1|case:lc"
        "|n:4|sigma:6.0|df:full-split|avg:sample-mean|nrefs:1"
    )


def test_degenerate_inputs() -> None:
    value, _, stats = run_metric(CiderD(), [], [])
    assert value == 0.0 and stats.values.shape == (0, 1)
    # All references empty: pycocoevalcap fails on max() of no document frequencies.
    value, ours, _ = run_metric(CiderD(), ["a", "b"], ["", ""])
    assert value == 0.0 and np.all(ours == 0.0)
