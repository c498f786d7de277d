"""The lexical suite (BLEU-1..4, ROUGE-L, METEOR, CIDEr-D) against pycocoevalcap's pipeline.

Both sides start cold and go from normalised text to every corpus and per-sample value:
pycocoevalcap runs its Java PTBTokenizer on references and predictions, then Bleu(4),
Rouge, Cider and Meteor (its own JVM); the suite creates its metrics from the registry,
runs its pure-Python PTB lexer once per side (shared by all metrics), then scores each
metric, METEOR last, with the native METEOR 1.5 (the default backend; no JVM). Values must
agree to 1e-9; the ratio printed is suite time / pycocoevalcap time (the claim: <= 0.5).
`--with-jar` also times the suite with METEOR's jar backend (the JVM started when the
metric is created, so the other metrics run inside its start-up).

    python benchmarks/lexical_suite.py [--n 2350] [--seed 0] [--repeat 1] [--with-jar]

The jar files are read once before timing so that neither side pays for a cold disk. The
native METEOR's paraphrase index is built before timing if the cache lacks it (a one-time
cost per machine, printed), and every in-memory table is dropped between runs (cold).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "metrics"))
from lexical_corpus import pairs  # noqa: E402

# The Java-backed metric last, and every metric created before any is scored: creating the
# METEOR metric starts its JVM, which then loads (~8 s) while the others compute.
SUITE = ("bleu1", "bleu2", "bleu3", "bleu4", "rouge_l", "cider", "meteor")


def run_pycocoevalcap(preds: list[str], refs: list[str]) -> dict[str, tuple[float, np.ndarray]]:
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize({i: [{"caption": r}] for i, r in enumerate(refs)})
    res = tokenizer.tokenize({i: [{"caption": p}] for i, p in enumerate(preds)})
    out: dict[str, tuple[float, np.ndarray]] = {}
    bleu, bleu_per = Bleu(4).compute_score(gts, res, verbose=0)
    for k in range(4):
        out[f"bleu{k + 1}"] = (bleu[k], np.asarray(bleu_per[k]))
    for name, scorer in (("rouge_l", Rouge()), ("cider", Cider()), ("meteor", Meteor())):
        value, per_sample = scorer.compute_score(gts, res)
        out[name] = (float(value), np.asarray(per_sample, dtype=np.float64))
    return out


def run_suite(
    preds: list[str], refs: list[str], backend: str = "native"
) -> dict[str, tuple[float, np.ndarray]]:
    from petar_bench.metrics.base import ScoringContext
    from petar_bench.registry import metrics

    context = ScoringContext(sample_ids=[str(i) for i in range(len(preds))])
    out: dict[str, tuple[float, np.ndarray]] = {}
    created = {
        name: metrics.create(name, backend=backend) if name == "meteor" else metrics.create(name)
        for name in SUITE
    }
    for name, metric in created.items():
        stats = metric.statistics(preds, refs, context).values
        out[name] = (metric.aggregate(stats), metric.per_sample(stats))
    return out


def _reset_suite() -> None:
    """Cold start: empty caches, no METEOR process, no METEOR tables in memory."""
    from petar_bench.metrics import _bleu as bleu
    from petar_bench.metrics import _coco, _meteor_data, _meteor_native
    from petar_bench.metrics import _meteor as meteor
    from petar_bench.metrics import _tokenize as tokenize

    tokenize._tokenize_stream.cache_clear()
    _coco.ngram_table.cache_clear()
    bleu._stats.cache_clear()
    meteor.close_process()
    for cached in (
        _meteor_data.function_words,
        _meteor_data.nonbreaking_prefixes,
        _meteor_data.synonym_tables,
        _meteor_data.paraphrase_index,
        _meteor_native.java_hash,
        _meteor_native.stem_key,
        _meteor_native.synset_ids,
        _meteor_native._stemmer,
    ):
        cached.cache_clear()


def _ensure_paraphrase_index() -> None:
    from petar_bench.metrics import _meteor_data

    if not _meteor_data.index_path().is_file():
        start = time.perf_counter()
        _meteor_data.paraphrase_index()
        print(f"built the paraphrase index once: {time.perf_counter() - start:.1f} s (not timed)")


def _warm_disk() -> None:
    spec = importlib.util.find_spec("pycocoevalcap")
    assert spec is not None and spec.submodule_search_locations
    root = Path(list(spec.submodule_search_locations)[0])
    for path in [*root.rglob("*.jar"), *root.rglob("*.gz")]:
        path.read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2350)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--with-jar", action="store_true", help="also time the jar backend")
    args = parser.parse_args()

    from petar_bench.metrics._normalize import normalize_text

    raw_preds, raw_refs = pairs(args.n, args.seed)
    preds = [normalize_text(t) for t in raw_preds]
    refs = [normalize_text(t) for t in raw_refs]
    _warm_disk()
    _ensure_paraphrase_index()
    _reset_suite()
    coco_times, suite_times, jar_times = [], [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        coco = run_pycocoevalcap(preds, refs)
        coco_times.append(time.perf_counter() - start)
        _reset_suite()
        start = time.perf_counter()
        ours = run_suite(preds, refs)
        suite_times.append(time.perf_counter() - start)
        _reset_suite()
        if args.with_jar:
            start = time.perf_counter()
            with_jar = run_suite(preds, refs, backend="jar")
            jar_times.append(time.perf_counter() - start)
            _reset_suite()
            assert all(np.array_equal(with_jar[k][1], ours[k][1]) for k in SUITE)

    worst = 0.0
    print(f"{args.n} synthetic findings; max |difference| per metric (corpus, per-sample):")
    for name in SUITE:
        corpus_diff = abs(ours[name][0] - coco[name][0])
        sample_diff = float(np.max(np.abs(ours[name][1] - coco[name][1])))
        worst = max(worst, corpus_diff, sample_diff)
        print(f"  {name:8s} {ours[name][0]:.6f}  {corpus_diff:.2e}  {sample_diff:.2e}")
    t_coco, t_suite = min(coco_times), min(suite_times)
    print(f"pycocoevalcap pipeline: {t_coco:6.2f} s")
    print(f"petar-bench suite:      {t_suite:6.2f} s (native METEOR)")
    if jar_times:
        t_jar = min(jar_times)
        print(f"petar-bench suite:      {t_jar:6.2f} s (METEOR's jar), ratio {t_jar / t_coco:.2f}")
    print(f"ratio suite / pycocoevalcap: {t_suite / t_coco:.2f} (claim: <= 0.50)")
    print(f"max abs diff: {worst:.2e} (claim: <= 1e-9)")
    if worst > 1e-9:
        raise SystemExit("values differ from pycocoevalcap")


if __name__ == "__main__":
    main()
