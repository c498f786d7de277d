"""Helpers of the leaderboard tests: a tiny dataset, three tiny metrics, board configs.

The two metrics are registered under test-only ids so these tests depend on the contracts
(Metric, score_texts, stats) but not on any particular real metric being installed yet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench import registry
from petar_bench.metrics.base import ColumnSumMetric, Metric, SampleStats, ScoringContext
from petar_bench.records import Conventions, LesionRecord, Manifest, split_fingerprint
from petar_bench.registry import Registration

#: A marker put in every reference text: it must never appear in an entry or a board.
CANARY = "CANARYREF"


class TokenF1(ColumnSumMetric):
    """Corpus token-overlap F1 from summed counts (stats: matches, |pred|, |ref|)."""

    id = "lbtest_f1"
    higher_is_better = True

    def signature(self) -> str:
        return "impl:lbtest|tok:space|avg:corpus|v:1"

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        rows = []
        for p, r in zip(predictions, references, strict=True):
            ptoks, rtoks = p.split(), r.split()
            match = sum(min(ptoks.count(t), rtoks.count(t)) for t in set(ptoks))
            rows.append([match, len(ptoks), len(rtoks)])
        return SampleStats(np.asarray(rows, dtype=np.float64))

    def score_sums(self, sums: np.ndarray) -> np.ndarray:
        m, p, r = np.asarray(sums).T
        return np.where(p + r > 0, 2 * m / np.maximum(p + r, 1), 0.0)


class ExactMatch(Metric):
    """Mean exact match (stats: one 0/1 column)."""

    id = "lbtest_exact"
    higher_is_better = True

    def signature(self) -> str:
        return "impl:lbtest|exact|avg:mean|v:1"

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        rows = [[float(p == r)] for p, r in zip(predictions, references, strict=True)]
        return SampleStats(np.asarray(rows, dtype=np.float64))

    def aggregate(self, stats: np.ndarray) -> float:
        return float(np.mean(np.asarray(stats)[:, 0])) if len(stats) else 0.0


class Distance(ExactMatch):
    """A lower-is-better metric: mean word-count difference."""

    id = "lbtest_dist"
    higher_is_better = False

    def signature(self) -> str:
        return "impl:lbtest|lendiff|avg:mean|v:1"

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        rows = [
            [abs(len(p.split()) - len(r.split()))]
            for p, r in zip(predictions, references, strict=True)
        ]
        return SampleStats(np.asarray(rows, dtype=np.float64))


def _make_f1() -> Metric:
    return TokenF1()


def _make_exact() -> Metric:
    return ExactMatch()


def _make_dist() -> Metric:
    return Distance()


TEST_METRICS = {"lbtest_f1": _make_f1, "lbtest_exact": _make_exact, "lbtest_dist": _make_dist}


@contextmanager
def registered_test_metrics() -> Iterator[None]:
    """Register the test metrics for one test, then remove them again, so that no other
    area's tests (say, one listing every metric) ever see them. The registry has no public
    removal: popping its private table is the test's business alone."""
    registry.metrics.names()  # load the built-ins first
    for name, factory in TEST_METRICS.items():
        registry.metrics.add(Registration(name, factory, "leaderboard test metric"))
    try:
        yield
    finally:
        for name in TEST_METRICS:
            registry.metrics._entries.pop(name, None)


WORDS = [
    "liver",
    "lesion",
    "focal",
    "uptake",
    "right",
    "upper",
    "lobe",
    "node",
    "hilar",
    "intense",
    "mild",
    "osseous",
]


def make_records(
    n_patients: int = 8, per_patient: int = 3, split: str = "test", offset: int = 0
) -> list[LesionRecord]:
    rng = np.random.default_rng(7 + offset)
    records = []
    for p in range(n_patients):
        for k in range(per_patient):
            words = " ".join(rng.choice(WORDS, size=8))
            records.append(
                LesionRecord(
                    sample_id=f"p{p + offset:03d}_01_{k}",
                    patient_id=f"P{p + offset:03d}",
                    exam_id=f"p{p + offset:03d}_01",
                    lesion_id=str(k),
                    tracer="FDG" if p % 2 else "PSMA",
                    split=split,
                    pet_path=f"p{p}/pet.nii.gz",
                    ct_path=f"p{p}/ct.nii.gz",
                    mask_path=f"p{p}/mask_{k}.nii.gz",
                    reference=f"Findings: {words} {CANARY}{p:03d}x{k} end of finding",
                )
            )
    return records


def make_manifest(synthetic: bool = True, dataset: str = "lbtest-data") -> Manifest:
    records = make_records() + make_records(4, 2, split="train", offset=100)
    fingerprints = {
        s: split_fingerprint([r for r in records if r.split == s], {}, Conventions())
        for s in ("test", "train")
    }
    return Manifest(
        dataset=dataset, synthetic=synthetic, records=records, split_fingerprints=fingerprints
    )


def board_config(manifest: Manifest, **overrides: Any) -> dict[str, Any]:
    config = {
        "board_id": "lbtest",
        "title": "Test board",
        "description": "A board for the tests.",
        "dataset": manifest.dataset,
        "split": "test",
        "split_fingerprint": manifest.split_fingerprints["test"],
        "synthetic": manifest.synthetic,
        "required_metrics": ["lbtest_f1", "lbtest_exact"],
        "optional_metrics": ["lbtest_dist"],
        "primary_metric": "lbtest_f1",
        "n_trials": 999,
        "n_bootstrap": 200,
        "show_paper_table": True,
    }
    config.update(overrides)
    return config


def perturb(text: str, rng: np.random.Generator, drop: float) -> str:
    """Drop each word with probability `drop` (a worse system drops more)."""
    kept = [w for w in text.split() if rng.random() >= drop]
    return " ".join(kept) or "nothing"


def write_predictions(path: Path, rows: Sequence[dict[str, Any] | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


#: A model name that would run script, break tables or inject links if not escaped.
EVIL = (
    '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    " | [click](javascript:alert(1)) *bold* [red]rich[/red] & 'q'"
)


def fill_board(board: Path, manifest: Manifest, tmp: Path) -> list[Path]:
    """Three entries: 'good' and EVIL alike, 'weak' clearly worse (returns entry paths)."""
    from petar_bench.leaderboard import ModelInfo, SubmissionMetadata, TrainingData, submit

    paths = []
    for name, drop, seed in (("good", 0.1, 0), (EVIL, 0.1, 1), ("weak", 0.7, 2)):
        rng = np.random.default_rng(seed)
        rows = [
            {"sample_id": r.sample_id, "prediction": perturb(r.reference, rng, drop)}
            for r in manifest.split("test")
        ]
        preds = write_predictions(tmp / f"preds-{seed}.jsonl", rows)
        meta = SubmissionMetadata(
            model=ModelInfo(
                name=name,
                organisation=f"Org of {name}",
                parameters="1B",
                link='https://example.org/?a=1&b="x"',
            ),
            training=TrainingData(description=f"none; {name}"),
        )
        paths.append(submit(preds, meta, board=board, out_dir=board, dataset=manifest).path)
    return paths
