"""Run directories read through the typed readers, for the report and the reader study.

A run directory holds config.json (`RunConfig`), predictions.jsonl and scores.json
(`ScoreReport`, whose run key must be the config's). All runs given together must cover the
same samples of the same split; the records (reference text, fields, volumes) come from the
dataset the first run was made on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from petar_bench.errors import UserError

if TYPE_CHECKING:
    from petar_bench.engine._config import RunConfig
    from petar_bench.metrics.scoring import ScoreReport
    from petar_bench.records import LesionRecord


@dataclass(frozen=True)
class ReportRun:
    """One scored run: its label (model name, made unique), settings, scores, texts."""

    label: str
    run_dir: Path
    config: RunConfig
    scores: ScoreReport
    predictions: dict[str, str]

    def metric_values(self, metric_id: str) -> dict[str, float]:
        """sample id -> the metric's own per-sample value (undefined samples left out)."""
        values = self.scores.per_sample.get(metric_id) or []
        return {
            s: float(v)
            for s, v in zip(self.scores.sample_ids, values, strict=False)
            if v is not None and np.isfinite(v)
        }


@dataclass(frozen=True)
class RunSet:
    """Runs over the same samples, with the records of those samples in run order."""

    runs: tuple[ReportRun, ...]
    records: tuple[LesionRecord, ...]
    dataset_root: Path

    @property
    def metric_ids(self) -> list[str]:
        seen: list[str] = []
        for run in self.runs:
            seen += [m for m in run.scores.metrics if m not in seen and m in run.scores.per_sample]
        return seen


def load_run(path: Path) -> tuple[RunConfig, ScoreReport, dict[str, str]]:
    from petar_bench._text_pairs import read_prediction_texts
    from petar_bench.engine._config import read_config
    from petar_bench.engine._layout import RunLayout
    from petar_bench.leaderboard._loaded import check_run_key
    from petar_bench.metrics.scoring import read_scores

    layout = RunLayout(Path(path))
    if not layout.root.is_dir():
        raise UserError(f"{str(path)!r} is not a run directory")
    if not layout.scores.is_file():
        raise UserError(
            f"{str(path)!r} has no scores.json: score the run first (rerun 'petar-bench run' "
            "without --no-score, or 'petar-bench score')"
        )
    config = read_config(layout.config)
    scores = read_scores(layout.scores)
    check_run_key(scores.run_key, layout.scores, layout.config)
    return config, scores, read_prediction_texts(layout.predictions)


def _labels(configs: Sequence[RunConfig], paths: Sequence[Path]) -> list[str]:
    """The model name; the directory name added where two runs share a model."""
    names = [c.model for c in configs]
    labels = [
        name if names.count(name) == 1 else f"{name} ({Path(p).name})"
        for name, p in zip(names, paths, strict=True)
    ]
    if len(set(labels)) != len(labels):
        raise UserError(f"two runs have the same model and directory name: {labels}")
    return labels


def load_runs(paths: Sequence[Path]) -> RunSet:
    """Runs over the same split and samples (one line naming the first that differs)."""
    from petar_bench.records import read_manifest

    if not paths:
        raise UserError("give at least one run directory")
    loaded = [load_run(Path(p)) for p in paths]
    first_config, first_scores, _ = loaded[0]
    for path, (config, scores, _texts) in zip(paths[1:], loaded[1:], strict=True):
        if config.split_fingerprint != first_config.split_fingerprint:
            raise UserError(
                f"{str(path)!r} was run on another split or dataset than {str(paths[0])!r} "
                f"(fingerprint {config.split_fingerprint} vs {first_config.split_fingerprint})"
            )
        if scores.sample_ids != first_scores.sample_ids:
            raise UserError(
                f"{str(path)!r} scores other samples than {str(paths[0])!r} "
                "(a different --limit?); report runs over the same samples"
            )
    root = Path(first_config.dataset_root)
    manifest = read_manifest(root)
    by_id = {r.sample_id: r for r in manifest.records}
    missing = [s for s in first_scores.sample_ids if s not in by_id]
    if missing:
        raise UserError(
            f"dataset {str(root)!r} no longer holds sample {missing[0]!r} of {str(paths[0])!r}"
        )
    labels = _labels([c for c, _, _ in loaded], paths)
    runs = tuple(
        ReportRun(label, Path(path), config, scores, predictions)
        for label, path, (config, scores, predictions) in zip(labels, paths, loaded, strict=True)
    )
    return RunSet(runs, tuple(by_id[s] for s in first_scores.sample_ids), root)
