"""One scored system, whatever file it came from: a run directory, a scores.json, an entry.

`compare` works on these, so it does not care whether a side was produced by
`petar-bench run`, `petar-bench score --dataset ...` or `leaderboard submit`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.errors import UserError
from petar_bench.fileio import read_json_object, type_name
from petar_bench.leaderboard._scored import raw_stats
from petar_bench.leaderboard.entry import Entry, read_entry

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


def _run_config(config_path: Path | None) -> dict[str, Any]:
    """A run's config.json as a dict ({} when there is none)."""
    if config_path is None or not config_path.is_file():
        return {}
    return read_json_object(config_path, what="run configuration")


def _patients_from_run(config: Mapping[str, Any], sample_ids: list[str]) -> list[str] | None:
    """Patient ids of a run's samples, read from the dataset the run was made on."""
    from petar_bench.records import read_manifest

    root = config.get("dataset_root")
    if not isinstance(root, str) or not root:
        return None
    try:
        manifest = read_manifest(Path(root))
    except UserError:
        return None
    patients = {r.sample_id: r.patient_id for r in manifest.records}
    if not all(s in patients for s in sample_ids):
        return None
    return [patients[s] for s in sample_ids]


def _report_patients(data: Mapping[str, Any], sample_ids: list[str]) -> list[str] | None:
    found = data.get("patient_ids")
    if isinstance(found, Mapping):
        return [str(found[s]) for s in sample_ids] if all(s in found for s in sample_ids) else None
    if isinstance(found, list) and len(found) == len(sample_ids):
        return [str(p) for p in found]
    return None


def _section(data: Mapping[str, Any], key: str, kind: type, label: str) -> Any:
    """data[key] when it has the expected JSON type (absent = empty); else one line."""
    value = data.get(key)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise UserError(
            f"{label}: {key!r} holds {type_name(value)}, not {type_name(kind())}; "
            "the scores file is damaged (re-score with 'petar-bench score')"
        )
    return value


def _loaded_metric(
    data: Mapping[str, Any], metric_id: str, block: Any, n: int, options: Mapping[str, Any]
) -> LoadedMetric | None:
    """One metric of a scores file; None when it has no statistics or no defined value."""
    if not isinstance(block, Mapping):
        raise ValueError(f"holds {type_name(block)}, not a metric block {{value, signature, ...}}")
    stats = raw_stats(data, metric_id, n=n)
    if stats is None or block.get("value") is None:
        return None
    value, signature = block.get("value"), block.get("signature")
    better = block.get("higher_is_better")
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"value is {type_name(value)}, not a number")
    if not isinstance(signature, str) or not isinstance(better, bool):
        raise ValueError("needs a string 'signature' and a true/false 'higher_is_better'")
    metric_options = options.get(metric_id) or {}
    if not isinstance(metric_options, Mapping):
        raise ValueError("its metric_options entry is not an object")
    return LoadedMetric(signature, better, float(value), stats, dict(metric_options))


def _from_report(data: Mapping[str, Any], label: str, config_path: Path | None) -> ScoredSet:
    sample_ids = [str(s) for s in _section(data, "sample_ids", list, label)]
    if not sample_ids:
        raise UserError(f"{label}: the scores carry no sample ids, so they cannot be paired")
    metrics: dict[str, LoadedMetric] = {}
    not_computed = {str(k): str(v) for k, v in _section(data, "not_computed", dict, label).items()}
    options = _section(data, "metric_options", dict, label)
    for metric_id, block in _section(data, "metrics", dict, label).items():
        try:
            loaded = _loaded_metric(data, metric_id, block, len(sample_ids), options)
        except ValueError as exc:
            raise UserError(
                f"{label}: metric {metric_id!r} {exc}; the scores file is damaged "
                "(re-score with 'petar-bench score')"
            ) from None
        if loaded is None:
            not_computed[metric_id] = "no per-sample statistics or no defined value"
        else:
            metrics[metric_id] = loaded
    config = _run_config(config_path)
    patients = _report_patients(data, sample_ids)
    if patients is None and config:
        patients = _patients_from_run(config, sample_ids)
    fingerprint = data.get("split_fingerprint") or config.get("split_fingerprint")
    if fingerprint is not None and not isinstance(fingerprint, str):
        raise UserError(f"{label}: 'split_fingerprint' is not a string; the file is damaged")
    return ScoredSet(
        label, fingerprint, bool(data.get("synthetic")), sample_ids, patients, metrics, not_computed
    )


def check_run_key(data: Mapping[str, Any], scores: Path, config_path: Path) -> None:
    """A run directory's scores.json must carry the run key of the run directory's config
    (UserError otherwise). Every reader of a run's scores.json should call this.

    A run re-using a directory replaces predictions.jsonl and config.json before it scores;
    a crash in between once left the previous model's scores.json beside the new
    predictions, where it was reported as the new model's.
    """
    if not config_path.is_file():
        return
    try:
        config: Mapping[str, Any] | None = read_json_object(config_path, what="run configuration")
    except UserError:
        config = None
    expected = config.get("run_key") if isinstance(config, dict) else None
    found = data.get("run_key")
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
        data = read_json_object(scores, what="scores file")
        check_run_key(data, scores, path / CONFIG_NAME)
        return _from_report(data, label, path / CONFIG_NAME)
    if not path.is_file():
        raise UserError(f"{str(path)!r} is neither a run directory nor a scores/entry JSON file")
    data = read_json_object(path, what="scores or entry file")
    if "entry_id" in data:
        return _from_entry(read_entry(path), label)
    if path.name == SCORES_NAME:  # a run directory's scores, named by its file
        check_run_key(data, path, path.parent / CONFIG_NAME)
    return _from_report(data, label, path.parent / CONFIG_NAME)
