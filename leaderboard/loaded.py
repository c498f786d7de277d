"""One scored system, whatever file it came from: a run directory, a scores.json, an entry.

`compare` works on these, so it does not care whether a side was produced by
`petar-bench run`, `petar-bench score --dataset ...` or `leaderboard submit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.engine.config import RunConfig
from petar_bench.errors import UserError
from petar_bench.fileio import read_json
from petar_bench.leaderboard._scored import raw_stats
from petar_bench.leaderboard.entry import Entry, read_entry
from petar_bench.metrics.scoring import ScoreReport, parse_scores, read_scores

SCORES_NAME = "scores.json"
CONFIG_NAME = "config.json"


@dataclass(frozen=True)
class LoadedMetric:
    signature: str
    higher_is_better: bool
    value: float
    stats: np.ndarray
    options: dict[str, Any]


@dataclass(frozen=True)
class ScoredSet:
    label: str
    split_fingerprint: str | None
    synthetic: bool
    sample_ids: list[str]
    patient_ids: list[str] | None
    metrics: dict[str, LoadedMetric]
    not_computed: dict[str, str]


def _from_entry(entry: Entry, label: str) -> ScoredSet:
    return ScoredSet(
        label=label,
        split_fingerprint=entry.split_fingerprint,
        synthetic=entry.synthetic,
        sample_ids=list(entry.sample_ids),
        patient_ids=[str(i) for i in entry.patient_index],
        metrics={
            k: LoadedMetric(s.signature, s.higher_is_better, s.value, s.stats_array(), s.options)
            for k, s in entry.metrics.items()
        },
        not_computed=dict(entry.not_computed),
    )


def _run_config(path: Path) -> RunConfig | None:
    """The config.json of the run beside a scores file, when there is one."""
    if not path.is_file():
        return None
    from petar_bench.engine.config import read_config

    return read_config(path)


def _patients_from_run(config: RunConfig, sample_ids: list[str]) -> list[str] | None:
    """Patient ids of a run's samples, read from the dataset the run was made on."""
    from petar_bench.records import read_manifest

    try:
        manifest = read_manifest(Path(config.dataset_root))
    except UserError:
        return None
    patients = {r.sample_id: r.patient_id for r in manifest.records}
    if not all(s in patients for s in sample_ids):
        return None
    return [patients[s] for s in sample_ids]


def _from_report(report: ScoreReport, label: str, config_path: Path | None) -> ScoredSet:
    sample_ids = list(report.sample_ids)
    if not sample_ids:
        raise UserError(f"{label}: the scores carry no sample ids, so they cannot be paired")
    metrics: dict[str, LoadedMetric] = {}
    not_computed = dict(report.not_computed)
    for metric_id, block in report.metrics.items():
        stats = raw_stats(report, metric_id)
        if stats is None or block.value is None:
            not_computed[metric_id] = "no per-sample statistics or no defined value"
            continue
        metrics[metric_id] = LoadedMetric(
            block.signature,
            block.higher_is_better,
            float(block.value),
            stats,
            dict(report.metric_options.get(metric_id) or {}),
        )
    config = _run_config(config_path) if config_path is not None else None
    patients = report.patient_ids
    if patients is not None and len(patients) != len(sample_ids):
        patients = None
    if patients is None and config is not None:
        patients = _patients_from_run(config, sample_ids)
    fingerprint = report.split_fingerprint
    if fingerprint is None and config is not None:
        fingerprint = config.split_fingerprint
    return ScoredSet(
        label, fingerprint, report.synthetic, sample_ids, patients, metrics, not_computed
    )


def load_scored(path: Path) -> ScoredSet:
    """A run directory, a scores JSON or a leaderboard entry JSON."""
    path = Path(path)
    label = path.name or str(path)
    if path.is_dir():
        scores = path / SCORES_NAME
        if not scores.is_file():
            raise UserError(
                f"{str(path)!r} has no {SCORES_NAME}: score the run first "
                "('petar-bench score' or rerun without --no-score)"
            )
        return _from_report(read_scores(scores), label, path / CONFIG_NAME)
    if not path.is_file():
        raise UserError(f"{str(path)!r} is neither a run directory nor a scores/entry JSON file")
    data = read_json(path)
    if isinstance(data, dict) and "entry_id" in data:
        return _from_entry(read_entry(path), label)
    if not isinstance(data, dict):
        raise UserError(f"{str(path)!r} is not a scores or entry JSON object")
    report = parse_scores(data, repr(str(path)))
    return _from_report(report, label, path.parent / CONFIG_NAME)
