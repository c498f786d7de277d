"""One scored system, whatever file it came from: a run directory, a scores.json, an entry.

`compare` works on these, so it does not care whether a side was produced by
`petar-bench run`, `petar-bench score --dataset ...` or `leaderboard submit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.engine._config import RunConfig
from petar_bench.errors import UserError
from petar_bench.fileio import read_json_file, read_json_object
from petar_bench.leaderboard._entry import BoardEntry, read_entry
from petar_bench.leaderboard._scored import raw_stats
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


def _from_entry(entry: BoardEntry, label: str) -> ScoredSet:
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
    from petar_bench.engine._config import read_config

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
        try:
            stats = raw_stats(report, metric_id, n=len(sample_ids))
        except ValueError as exc:
            raise UserError(
                f"{label}: metric {metric_id!r} {exc}; the scores file is damaged "
                "(re-score with 'petar-bench score')"
            ) from None
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


def check_run_key(found: str | None, scores: Path, config_path: Path) -> None:
    """A run directory's scores.json must carry the run key of the run directory's config
    (UserError otherwise); `found` is the run key the scores file carries. Every reader of a
    run's scores.json should call this.

    A run re-using a directory replaces predictions.jsonl and config.json before it scores;
    a crash in between once left the previous model's scores.json beside the new
    predictions, where it was reported as the new model's.
    """
    if not config_path.is_file():
        return
    config = read_json_object(config_path, what="run configuration")
    expected = config.get("run_key")
    if expected is not None and found == expected:
        return
    if expected is None:
        why = f"{CONFIG_NAME} beside it names no run key"
    elif found is None:
        why = "it does not say which run it scores"
    else:
        why = f"it was written by run {found}, but the directory now holds run {expected}"
    raise UserError(
        f"{str(scores)!r} does not belong to the run in {str(scores.parent)!r}: {why} "
        "(a re-run that stopped before scoring?); rerun the same 'petar-bench run' command "
        "to score the predictions that are there"
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
        report = read_scores(scores)
        check_run_key(report.run_key, scores, path / CONFIG_NAME)
        return _from_report(report, label, path / CONFIG_NAME)
    if not path.is_file():
        raise UserError(f"{str(path)!r} is neither a run directory nor a scores/entry JSON file")
    data = read_json_file(path, what="scores or entry file")
    if isinstance(data, dict) and "entry_id" in data:
        return _from_entry(read_entry(path), label)
    if not isinstance(data, dict):
        raise UserError(f"{str(path)!r} is not a scores or entry JSON object")
    report = parse_scores(data, repr(str(path)))
    if path.name == SCORES_NAME:  # a run directory's scores, named by its file
        check_run_key(report.run_key, path, path.parent / CONFIG_NAME)
    return _from_report(report, label, path.parent / CONFIG_NAME)
