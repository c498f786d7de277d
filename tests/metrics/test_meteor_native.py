"""The native METEOR 1.5 against the jar it reproduces (the jar stays the reference).

Every string the metric tests use goes through both: the lexical test corpus (findings,
adversarial strings: punctuation, numbers, hyphens, casing, repeated words, empty-ish texts)
PTB-tokenised as the metric sends it and also raw (the normaliser then sees quotes, dots,
dashes and contractions unsplit), the ROUGE vectors in tests/data/rouge, and the demo
dataset's findings. The 23 statistics must be identical, hence every per-segment score and
the pooled corpus score too (checked to 1e-9 through the metric).
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest

from petar_bench.metrics import _meteor as M
from petar_bench.metrics import _meteor_data as D
from petar_bench.metrics import _meteor_native as N
from petar_bench.metrics._tokenize import ptb_tokenize

sys.path.insert(0, str(Path(__file__).parent))
from lexical_corpus import evaluation_pairs, normalised_pairs, run_metric  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"
java = pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime")

H1 = (
    "it is a guide to action which ensures that the military always obeys the commands of the party"
)
R1 = "it is a guide to action that ensures that the military will forever heed party commands"
R2 = (
    "it is the guiding principle which guarantees the military forces always being under the "
    "command of the party"
)
R3 = "it is the practical guide for the army always to heed the directions of the party"


def _rouge_vectors() -> tuple[list[str], list[str]]:
    preds = (DATA / "rouge" / "prediction.txt").read_text(encoding="utf-8").splitlines()
    refs = (DATA / "rouge" / "target.txt").read_text(encoding="utf-8").splitlines()
    return preds, refs


def _repeat_a_word(text: str) -> str:
    words = text.lower().split()
    if len(words) > 3:
        words.insert(3, words[3])
    return " ".join(words)


def _demo_pairs(references: list[str]) -> tuple[list[str], list[str]]:
    """Each demo finding against the next one, and against itself lower-cased with a word
    repeated (paraphrase, stem and synonym matches, repeated words, fragmentation)."""
    n = len(references)
    preds = [references[(i + 1) % n] for i in range(n)]
    preds += [_repeat_a_word(r) for r in references]
    return preds, references + references


@pytest.fixture(scope="module")
def all_pairs(demo_dataset: object) -> dict[str, tuple[list[str], list[str]]]:
    preds, refs = normalised_pairs()
    raw_preds, raw_refs = evaluation_pairs()
    demo_refs = [r.reference for r in demo_dataset.manifest.records]  # type: ignore[attr-defined]
    sets = {
        "corpus, PTB tokens": (list(ptb_tokenize(preds)), list(ptb_tokenize(refs))),
        "corpus, raw": (raw_preds, raw_refs),
        "rouge vectors": _rouge_vectors(),
        "demo findings": _demo_pairs(demo_refs),
    }
    demo_p, demo_r = sets["demo findings"]
    sets["demo findings, PTB tokens"] = (list(ptb_tokenize(demo_p)), list(ptb_tokenize(demo_r)))
    return sets


@pytest.mark.java
@pytest.mark.slow  # the jar's JVM and ~3,000 pairs through both (~1 min on 2 busy cores)
@java
def test_native_statistics_equal_the_jars_on_every_test_string(
    all_pairs: dict[str, tuple[list[str], list[str]]],
) -> None:
    try:
        total = 0
        for name, (preds, refs) in all_pairs.items():
            jar = M.segment_stats(preds, [[r] for r in refs])
            native = N.segment_stats(preds, [[r] for r in refs])
            different = np.flatnonzero(np.any(jar != native, axis=1))
            assert different.size == 0, (name, [(preds[i], refs[i]) for i in different[:3]])
            total += len(preds)
        assert total >= 2000
        # Several references: the best one is kept, as the jar keeps it.
        many = [[R1, R2, R3], [R3, R1], [R2]]
        hyps = [H1, H1, H1.upper()]
        assert np.array_equal(M.segment_stats(hyps, many), N.segment_stats(hyps, many))
    finally:
        M.close_process()


@pytest.mark.java
@pytest.mark.slow  # a second JVM start
@java
def test_native_metric_scores_equal_the_jar_metric(
    all_pairs: dict[str, tuple[list[str], list[str]]],
) -> None:
    preds, refs = normalised_pairs()  # what the metric receives
    demo_p, demo_r = all_pairs["demo findings"]
    preds, refs = preds + demo_p, refs + demo_r
    try:
        jar_value, jar_samples, _ = run_metric(M.Meteor(backend="jar"), preds, refs)
        value, samples, _ = run_metric(M.Meteor(), preds, refs)
    finally:
        M.close_process()
    assert abs(value - jar_value) <= 1e-9
    assert np.max(np.abs(samples - jar_samples)) <= 1e-9
    assert len(preds) >= 500 and 0.05 < value < 0.95


def test_published_vector_without_java() -> None:
    """Java METEOR 1.5 (-l en -norm) on nltk's METEOR doctest sentence, three references."""
    raw = N.segment_stats([H1], [[R1, R2, R3]])
    assert M.meteor_scores(raw)[0] == pytest.approx(0.44736091739438233, abs=1e-12)


@pytest.mark.parametrize(
    ("line", "expected"),
    [  # the jar's Normalizer (English, punctuation kept), lower-cased
        ("Dr. Smith's note, e.g. U.S.A. -- ok...", "dr. smith 's note , eg usa - ok ..."),
        ("“Curly” ‘single’ don't 1990's", "\" curly \" ' single ' don 't 1990 's"),
        ("T12-L1 3,5 1,000 a,b (x)", "t12 l1 3,5 1,000 a , b ( x )"),
        ("No. 5 and no. x. End.", "no. 5 and no. x . end ."),
    ],
)
def test_normaliser_vectors(line: str, expected: str) -> None:
    assert N.normalize(line) == expected


def test_java_hash_and_stems() -> None:
    assert N.java_hash("hello") == 99162322  # "hello".hashCode()
    assert N.java_hash("😀") == (0xD83D * 31 + 0xDE00)  # UTF-16 code units
    stem = N._stemmer().stemWord  # type: ignore[attr-defined]
    assert [stem(w) for w in ("realization", "nodes", "hypermetabolic")] == [
        "realiz",
        "node",
        "hypermetabol",
    ]


def test_paraphrase_index_keeps_the_tables_order_and_prefix_states(tmp_path: Path) -> None:
    import gzip

    table = tmp_path / "para.gz"
    records = ["0.5\nlymph node\nnode\n", "0.4\nlymph\nnodal\n", "0.3\nlymph node\nlymphatic\n"]
    with gzip.open(table, "wt", encoding="utf-8") as out:
        out.write("".join(records))
    index = D.ParaphraseIndex(D.build_index(table, tmp_path / "index.db"))
    assert index.state("lymph") == (True, ("nodal",))
    assert index.state("lymph node") == (True, ("node", "lymphatic"))
    assert index.state("node") == (False, ())
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically
    with sqlite3.connect(tmp_path / "index.db") as db:
        assert db.execute("SELECT count(*) FROM state").fetchone() == (2,)


def test_unwritable_cache_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from petar_bench.metrics.errors import MetricUnavailable

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setattr(D, "index_path", lambda: blocker / "meteor" / "index.db")
    D.paraphrase_index.cache_clear()
    try:
        with pytest.raises(MetricUnavailable, match="PETAR_BENCH_CACHE") as info:
            D.paraphrase_index()
        assert "\n" not in str(info.value)
    finally:
        D.paraphrase_index.cache_clear()
