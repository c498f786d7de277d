"""METEOR 1.5 (the COCO caption evaluation's): natively in Python, or through the jar.

The default backend, "native" (`_meteor_native.py`), computes the jar's 23 statistics in
Python from the jar's own data files; they equal the jar's on every string the tests use.
The "jar" backend asks the jar itself: the one inside the installed pycocoevalcap package
(`meteor/meteor-1.5.jar`, WordNet synonyms and the English paraphrase table included), run
as pycocoevalcap runs it: `-stdio -l en -norm` with a 2 GB heap, on PTB-tokenised text. For
each pair we ask the jar for METEOR's sufficient statistics (`SCORE ||| reference |||
hypothesis` answers 23 numbers: lengths, function words, matches per module and word class,
chunks, word matches; we append the chunks that count when pooling). Per-sample and corpus
scores are computed here from those statistics with the jar's formula and English
parameters (alpha 0.85, beta 0.2, gamma 0.6, delta 0.75; module weights exact 1.0, stem 0.6,
synonym 0.8, paraphrase 0.6). The corpus score pools the statistics over samples (METEOR's
`EVAL`), so it is not the mean of per-sample scores; the tests check both against the jar's
own `EVAL` answers.

With the jar backend, one JVM (~8 s to load the paraphrase table) is started when the
metric is created (or on first use) and reused for the rest of the process; it is closed at
interpreter exit. Lines are sent in one batch by a writer thread, stderr is drained, and
each answer has a timeout (see _java.py).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from petar_bench.errors import UserError
from petar_bench.metrics._coco import COMPAT, TOKENIZER_FIELD, coco_tokens
from petar_bench.metrics._java import LineProcess, LineProcessError, java_executable
from petar_bench.metrics._signature import build_signature
from petar_bench.metrics.base import ColumnSumMetric, SampleStats, ScoringContext
from petar_bench.metrics.errors import MetricFailed, MetricUnavailable

JAR_ENV = "PETAR_BENCH_METEOR_JAR"
ALPHA, BETA, GAMMA, DELTA = 0.85, 0.2, 0.6, 0.75
MODULE_WEIGHTS = (1.0, 0.6, 0.8, 0.6)  # exact, stem, synonym, paraphrase
N_MODULES = 4
#: The jar's statistics line, in order (MeteorStats.toString of METEOR 1.5).
JAR_COLUMNS = (
    ("test_len", "ref_len", "test_function_words", "ref_function_words")
    + tuple(
        f"m{m}_{side}_{kind}"
        for m in range(1, N_MODULES + 1)
        for side, kind in (("test", "content"), ("ref", "content"), ("test", "function"),
                           ("ref", "function"))
    )
    + ("chunks", "test_word_matches", "ref_word_matches")
)  # fmt: skip
#: Our statistics: the jar's line, then the chunks that count when pooling. METEOR does not
#: add the chunks of a segment that matches its reference exactly (all words in one chunk).
COLUMNS = (*JAR_COLUMNS, "pooled_chunks")
_CHUNKS = JAR_COLUMNS.index("chunks")
DEFAULT_TIMEOUT_S = 120.0

_process: LineProcess | None = None
_process_lock = threading.Lock()


def meteor_jar() -> Path:
    """meteor-1.5.jar: $PETAR_BENCH_METEOR_JAR, else the one in the pycocoevalcap package."""
    override = os.environ.get(JAR_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise MetricUnavailable("meteor", f"{JAR_ENV}={override} is not a file")
        return path
    spec = importlib.util.find_spec("pycocoevalcap")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        jar = Path(location) / "meteor" / "meteor-1.5.jar"
        if jar.is_file():
            return jar
    raise MetricUnavailable(
        "meteor", "meteor-1.5.jar not found; pip install pycocoevalcap (it ships the jar)"
    )


def _get_process(timeout_s: float) -> LineProcess:
    """The run's METEOR process, started on first use (and again if it died)."""
    global _process
    with _process_lock:
        if _process is not None and _process.alive():
            _process.timeout_s = timeout_s
            return _process
        java = java_executable()
        if java is None:
            raise MetricUnavailable("meteor", "needs a Java runtime: 'java' not found on PATH")
        jar = meteor_jar()
        command = [java, "-Xmx2G", "-Dfile.encoding=UTF-8", "-jar", str(jar)]
        command += ["-", "-", "-stdio", "-l", "en", "-norm"]
        try:
            _process = LineProcess(command, cwd=jar.parent, name="meteor", timeout_s=timeout_s)
        except OSError as exc:
            raise MetricUnavailable("meteor", f"could not start {java}: {exc}") from None
        return _process


@atexit.register
def close_process() -> None:
    """Stop the METEOR JVM (also called at interpreter exit)."""
    global _process
    with _process_lock:
        if _process is not None:
            _process.close()
            _process = None


def _clean(text: str) -> str:
    # "|||" separates fields in the protocol and line breaks end a request; pycocoevalcap
    # strips the first from hypotheses only (we do both sides; tokenised text has neither).
    text = text.replace("\r", " ").replace("\n", " ")
    return text.replace("|||", "").replace("  ", " ")


def segment_stats(
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str]],
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> np.ndarray:
    """(n, 23) raw statistics lines from the jar, one per hypothesis (best of its references)."""
    requests = [
        " ||| ".join(["SCORE", *(_clean(r) for r in refs), _clean(hyp)])
        for hyp, refs in zip(hypotheses, references, strict=True)
    ]
    if not requests:
        return np.zeros((0, len(JAR_COLUMNS)))
    rows = _ask_with_one_restart(requests, timeout_s)
    if any(len(row) != len(JAR_COLUMNS) for row in rows):
        raise RuntimeError(f"METEOR answered a statistics line without {len(JAR_COLUMNS)} numbers")
    return np.asarray(rows, dtype=np.float64)


def _ask_with_one_restart(requests: list[str], timeout_s: float) -> list[list[float]]:
    """The jar's answer rows; a JVM that dies or stalls mid-batch is restarted once and the
    whole batch asked again (answers depend only on the request, so nothing is mixed)."""
    failure: Exception | None = None
    for _attempt in range(2):
        try:
            answers = _get_process(timeout_s).ask(requests, len(requests))
            return [[float(x) for x in line.split()] for line in answers]
        except (LineProcessError, ValueError) as exc:
            close_process()  # killed, stopped or confused: never reuse it
            failure = exc
    raise MetricFailed(
        "meteor", f"the METEOR Java process failed twice ({failure}); check memory and Java"
    )


def java_eval(stats: np.ndarray, timeout_s: float = DEFAULT_TIMEOUT_S) -> tuple[list[float], float]:
    """The jar's own per-segment and pooled scores for raw statistics rows (`EVAL`)."""
    line = " ||| ".join(["EVAL", *(" ".join(repr(float(x)) for x in row) for row in stats)])
    answers = _get_process(timeout_s).ask([line], len(stats) + 1)
    return [float(a) for a in answers[:-1]], float(answers[-1])


def _perfect(stats: np.ndarray) -> np.ndarray:
    """Rows where all words match in one chunk (METEOR: no fragmentation, chunks not pooled)."""
    test_total = stats[:, 4:20].reshape(-1, N_MODULES, 4)[:, :, [0, 2]].sum(axis=(1, 2))
    ref_total = stats[:, 4:20].reshape(-1, N_MODULES, 4)[:, :, [1, 3]].sum(axis=(1, 2))
    return (test_total == stats[:, 0]) & (ref_total == stats[:, 1]) & (stats[:, _CHUNKS] == 1)


def with_pooled_chunks(raw: np.ndarray) -> np.ndarray:
    """Raw jar statistics (n, 23) -> our statistics (n, 24): the pooled-chunks column added."""
    raw = np.asarray(raw, dtype=np.float64).reshape(-1, len(JAR_COLUMNS))
    pooled = np.where(_perfect(raw), 0.0, raw[:, _CHUNKS])
    return np.column_stack([raw, pooled])


def pooled_rows(sums: np.ndarray) -> np.ndarray:
    """Jar statistics rows from rows of our column sums: the pooled chunks replace the jar's."""
    sums = np.atleast_2d(np.asarray(sums, dtype=np.float64))
    rows = sums[:, : len(JAR_COLUMNS)].copy()
    rows[:, _CHUNKS] = sums[:, len(JAR_COLUMNS)]
    return rows


def meteor_scores(stats: np.ndarray) -> np.ndarray:
    """METEOR of each jar statistics row, as the jar computes it (IEEE division, NaN -> 0)."""
    s = np.atleast_2d(np.asarray(stats, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        test_wlen = DELTA * (s[:, 0] - s[:, 2]) + (1.0 - DELTA) * s[:, 2]
        ref_wlen = DELTA * (s[:, 1] - s[:, 3]) + (1.0 - DELTA) * s[:, 3]
        test_wm = np.zeros(len(s))
        ref_wm = np.zeros(len(s))
        for m, w in enumerate(MODULE_WEIGHTS):  # content matches first, as the jar sums
            test_wm += s[:, 4 + 4 * m] * w * DELTA
            ref_wm += s[:, 5 + 4 * m] * w * DELTA
        for m, w in enumerate(MODULE_WEIGHTS):
            test_wm += s[:, 6 + 4 * m] * w * (1.0 - DELTA)
            ref_wm += s[:, 7 + 4 * m] * w * (1.0 - DELTA)
        precision = test_wm / test_wlen
        recall = ref_wm / ref_wlen
        f_mean = 1.0 / (((1.0 - ALPHA) / precision) + (ALPHA / recall))
        frag = np.where(_perfect(s), 0.0, s[:, _CHUNKS] / ((s[:, 21] + s[:, 22]) / 2))
        score = f_mean * (1.0 - GAMMA * np.power(frag, BETA))
    return np.where(np.isnan(score), 0.0, np.maximum(score, 0.0))


BACKENDS = ("native", "jar")


class Meteor(ColumnSumMetric):
    """METEOR 1.5 as pycocoevalcap runs it; statistics pooled over the corpus.

    `backend="native"` (default) computes the jar's statistics in Python (`_meteor_native`,
    proven equal to the jar on the test corpus); `backend="jar"` asks the jar itself (Java).
    """

    id = "meteor"
    higher_is_better = True
    description = "METEOR 1.5 (pycocoevalcap's, -l en -norm), PTB tokens, pooled"

    def __init__(
        self, timeout_s: float = DEFAULT_TIMEOUT_S, prestart: bool = True, backend: str = "native"
    ) -> None:
        """`backend`: "native" or "jar". With the jar, `prestart` launches the JVM now (if
        Java and the jar are there), so that its ~8 s of loading overlaps tokenisation and the
        other metrics; nothing waits for it. `timeout_s` bounds each of the jar's answers."""
        if backend not in BACKENDS:
            raise UserError(f"meteor: backend {backend!r} is not one of {', '.join(BACKENDS)}")
        self.backend = backend
        self.timeout_s = float(timeout_s)
        if prestart and backend == "jar":
            with contextlib.suppress(MetricUnavailable, LineProcessError):
                _get_process(self.timeout_s)  # a failure is reported by statistics()

    @property
    def requires(self) -> tuple[str, ...]:
        return ("java",) if self.backend == "jar" else ()

    def signature(self) -> str:
        return build_signature(
            self.id,
            ("compat", COMPAT),
            TOKENIZER_FIELD,
            ("jar", "meteor-1.5"),
            ("lang", "en"),
            ("norm", True),
            ("params", f"{ALPHA},{BETA},{GAMMA},{DELTA}"),
            ("weights", ",".join(str(w) for w in MODULE_WEIGHTS)),
            ("avg", "corpus-pooled"),
            ("nrefs", 1),
            ("backend", self.backend),
        )

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        pred_tok, ref_tok = coco_tokens(predictions, references)
        if self.backend == "jar":
            raw = segment_stats(pred_tok, [[r] for r in ref_tok], self.timeout_s)
        else:
            from petar_bench.metrics import _meteor_native

            raw = _meteor_native.segment_stats(pred_tok, [[r] for r in ref_tok])
        return SampleStats(values=with_pooled_chunks(raw), extras={"columns": list(COLUMNS)})

    def score_sums(self, sums: np.ndarray) -> np.ndarray:
        return meteor_scores(pooled_rows(sums))

    def per_sample(self, stats: np.ndarray) -> np.ndarray:
        stats = np.asarray(stats, dtype=np.float64).reshape(-1, len(COLUMNS))
        return meteor_scores(stats[:, : len(JAR_COLUMNS)])
