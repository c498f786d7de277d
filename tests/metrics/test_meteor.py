"""METEOR 1.5: our statistics and pooling against the jar's own EVAL, pycocoevalcap's Meteor,
and a published vector; plus the process helper's failure handling (no Java needed there).

Published vector: Java METEOR 1.5 (-l en -norm) on nltk's METEOR doctest hypothesis,
lower-cased, against its three references: 0.44736091739438233.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from petar_bench.metrics import _meteor as M
from petar_bench.metrics._java import LineProcess, LineProcessError
from petar_bench.metrics._tokenize import ptb_tokenize
from petar_bench.metrics.base import ScoringContext
from petar_bench.metrics.errors import MetricUnavailable

sys.path.insert(0, str(Path(__file__).parent))
from lexical_corpus import coco_reference, normalised_pairs, run_metric  # noqa: E402

PREDS, REFS = normalised_pairs()
java = pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime")


@pytest.fixture(scope="module")
def jvms(request: pytest.FixtureRequest) -> Iterator[dict[str, object]]:
    """Our METEOR JVM and, when the comparison test is selected, pycocoevalcap's: started
    together, as each takes ~8-10 s to load its paraphrase table."""
    M.Meteor(backend="jar")  # prestarts the shared process
    started: dict[str, object] = {}
    if any(
        item.name == "test_equals_pycocoevalcap_meteor_from_text" for item in request.session.items
    ):
        from pycocoevalcap.meteor.meteor import Meteor as CocoMeteor

        started["coco"] = CocoMeteor()
    yield started
    started.clear()
    M.close_process()


H1 = (
    "it is a guide to action which ensures that the military always obeys the commands of the party"
)
R1 = "it is a guide to action that ensures that the military will forever heed party commands"
R2 = (
    "it is the guiding principle which guarantees the military forces always being under the "
    "command of the party"
)
R3 = "it is the practical guide for the army always to heed the directions of the party"


@pytest.mark.java
@java
def test_published_vector_nltk_doctest_sentence(jvms: dict[str, object]) -> None:
    raw = M.segment_stats([H1], [[R1, R2, R3]])
    per_segment, pooled = M.java_eval(raw)
    assert per_segment == [0.44736091739438233] and pooled == 0.44736091739438233
    assert M.meteor_scores(raw)[0] == pytest.approx(0.44736091739438233, abs=1e-12)


@pytest.mark.java
@java
def test_python_scores_equal_the_jars_eval(jvms: dict[str, object]) -> None:
    pred_tok, ref_tok = ptb_tokenize(PREDS), ptb_tokenize(REFS)
    raw = M.segment_stats(pred_tok, [[r] for r in ref_tok])
    java_segments, java_pooled = M.java_eval(raw)
    metric = M.Meteor(prestart=False)
    stats = M.with_pooled_chunks(raw)
    np.testing.assert_allclose(metric.per_sample(stats), java_segments, rtol=0, atol=1e-12)
    assert metric.aggregate(stats) == pytest.approx(java_pooled, abs=1e-12)
    # Pooled is not the mean of the per-sample scores.
    assert abs(metric.aggregate(stats) - float(np.mean(java_segments))) > 1e-4
    # Any subset pools to the jar's EVAL of that subset.
    idx = list(range(0, len(raw), 7))
    assert metric.aggregate(stats[idx]) == pytest.approx(M.java_eval(raw[idx])[1], abs=1e-12)


@pytest.mark.java
@pytest.mark.slow  # a second JVM (pycocoevalcap's), ~10 s of CPU
@java
def test_equals_pycocoevalcap_meteor_from_text(jvms: dict[str, object]) -> None:
    assert len(PREDS) >= 500
    ref = coco_reference(tuple(PREDS), tuple(REFS))
    gts = {i: [t] for i, t in enumerate(ref["gts"])}
    res = {i: [t] for i, t in enumerate(ref["res"])}
    coco: Any = jvms["coco"]
    corpus, per_sample = coco.compute_score(gts, res)
    for backend in M.BACKENDS:
        value, ours, _ = run_metric(M.Meteor(backend=backend), PREDS, REFS)
        assert abs(value - corpus) <= 1e-9, backend
        assert np.max(np.abs(ours - np.asarray(per_sample))) <= 1e-9, backend


@pytest.mark.java
@java
def test_protocol_characters_and_degenerate_texts(jvms: dict[str, object]) -> None:
    preds = ["a ||| b", "line one\nline two", "", "SCORE ||| EVAL", "word " * 300, "中文 😀"]
    refs = ["a b", "line one line two", "", "score eval", "word " * 300, "中文"]
    for backend in M.BACKENDS:
        value, ours, stats = run_metric(M.Meteor(backend=backend), preds, refs)
        assert stats.values.shape == (6, len(M.COLUMNS))
        assert ours[2] == 0.0 and ours[0] > 0.2 and ours[1] > 0.9 and ours[4] > 0.9
        assert ours[5] > 0 and 0 < value <= 1
        assert run_metric(M.Meteor(backend=backend), [], [])[0] == 0.0


def test_missing_java_is_one_line_and_specific(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(M, "_process", None)
    monkeypatch.setattr(M, "java_executable", lambda: None)
    metric = M.Meteor(backend="jar")  # prestart swallows it ...
    with pytest.raises(MetricUnavailable) as info:  # ... statistics reports it
        metric.statistics(["a"], ["a"], _context(1))
    assert "\n" not in str(info.value) and "java" in str(info.value).lower()


def test_missing_jar_is_specific(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(M.JAR_ENV, str(tmp_path / "nope.jar"))
    with pytest.raises(MetricUnavailable, match="not a file"):
        M.meteor_jar()


def test_signature_names_the_backend() -> None:
    common = (
        "meteor|impl:petar-bench-0.1.0|compat:pycocoevalcap-1.2|tok:ptb-corenlp-3.4.1"
        "|jar:meteor-1.5|lang:en|norm:yes|params:0.85,0.2,0.6,0.75|weights:1.0,0.6,0.8,0.6"
        "|avg:corpus-pooled|nrefs:1"
    )
    assert M.Meteor().signature() == common + "|backend:native"
    assert M.Meteor(prestart=False, backend="jar").signature() == common + "|backend:jar"
    # Equal values: boards and verification do not tell the two backends apart.
    from petar_bench.leaderboard._scored import metric_identity

    assert metric_identity(common + "|backend:jar|ci:x") == common
    assert metric_identity(M.Meteor().signature()) == common


def test_unknown_backend_is_a_user_error() -> None:
    from petar_bench.errors import UserError

    with pytest.raises(UserError, match="backend 'java' is not one of native, jar"):
        M.Meteor(backend="java")


def _context(n: int) -> ScoringContext:
    return ScoringContext(sample_ids=[str(i) for i in range(n)])


def _python_process(tmp_path: Path, body: str, timeout_s: float = 10.0) -> LineProcess:
    script = tmp_path / "server.py"
    script.write_text(textwrap.dedent(body))
    return LineProcess(
        [sys.executable, "-u", str(script)], cwd=tmp_path, name="fake", timeout_s=timeout_s
    )


def test_line_process_batches_without_deadlock_and_drains_stderr(tmp_path: Path) -> None:
    proc = _python_process(
        tmp_path,
        """
        import sys
        for line in sys.stdin:
            sys.stderr.write("noise " * 2000 + "\\n")  # would fill an unread stderr pipe
            print(line.strip().upper(), flush=True)
        """,
    )
    lines = [f"line {i} " + "x" * 200 for i in range(5000)]
    assert proc.ask(lines, len(lines)) == [line.upper().strip() for line in lines]
    proc.close()


def test_line_process_timeout_and_death(tmp_path: Path) -> None:
    silent = _python_process(tmp_path, "import time\ntime.sleep(60)\n", timeout_s=0.5)
    start = time.monotonic()
    with pytest.raises(LineProcessError, match="no answer within"):
        silent.ask(["hello"], 1)
    assert time.monotonic() - start < 10
    dying = _python_process(tmp_path, "import sys\nsys.stderr.write('boom\\n')\nsys.exit(3)\n")
    with pytest.raises(LineProcessError, match="exited"):
        dying.ask(["hello"], 1)
    with pytest.raises(ValueError, match="line break"):
        dying.ask(["two\nlines"], 1)
