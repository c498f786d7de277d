"""The baseline file of `petar-bench check` (a file users keep and commit; schema 1), and the
one reader that turns a run directory or such a file into the same in-memory form.

A baseline holds what a paired test needs and nothing that can be recomputed: each metric's
per-sample statistics (rows in `sample_ids` order), its signature and options, the patient
of each sample, the split fingerprint, the harness version, and the baseline's predictions
(to show which samples changed). Reference texts are NOT stored: they may come from a gated
dataset, and a baseline is meant to be committed to a model's repository; `check` reads them
from the candidate run's dataset when it is available.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from petar_bench.errors import UserError

BASELINE_FORMAT: Literal["petar-bench-check-baseline"] = "petar-bench-check-baseline"
BASELINE_SCHEMA_VERSION: Literal[1] = 1


class BaselineMetric(BaseModel):
    """One metric of the baseline run."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="null")

    signature: str = Field(description="The metric's signature as scored (CI settings included).")
    higher_is_better: bool
    value: float | None = Field(description="Corpus value; None when undefined (e.g. 0/0).")
    options: dict[str, Any] = Field(
        default_factory=dict, description="Options the metric ran with (to rebuild it)."
    )
    stats: list[list[float | None]] = Field(
        description="Per-sample sufficient statistics, one row per sample id (null = NaN)."
    )

    def stats_array(self) -> np.ndarray:
        rows = [[np.nan if x is None else x for x in row] for row in self.stats]
        return np.array(rows, dtype=np.float64).reshape(len(self.stats), -1)


class CheckBaseline(BaseModel):
    """A scored run, frozen as the reference a later run is checked against."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="null")

    format: Literal["petar-bench-check-baseline"] = Field(
        BASELINE_FORMAT, description="Marks the file as a check baseline."
    )
    schema_version: Literal[1] = BASELINE_SCHEMA_VERSION
    harness_version: str = Field(description="petar-bench version that scored the run.")
    created_at: str = Field(description="When the baseline file was written (UTC, ISO 8601).")
    source: str = Field(description="Name of the run directory it was written from.")
    model: str | None = Field(None, description="Adapter name of the run, when known.")
    run_key: str | None = Field(None, description="Run key of the run, when known.")
    dataset: str | None = None
    split: str | None = None
    synthetic: bool = Field(False, description="True when the references are generated data.")
    split_fingerprint: str = Field(description="Fingerprint of the split the run is on.")
    full_split: bool = Field(True, description="False when the run covered a subset (--limit).")
    sample_ids: list[str] = Field(description="Row order of every statistics array.")
    patient_ids: list[str] | None = Field(None, description="Patient of each sample, if known.")
    metrics: dict[str, BaselineMetric]
    not_computed: dict[str, str] = Field(
        default_factory=dict, description="Metric id -> why it was not computed in the run."
    )
    predictions: dict[str, str] = Field(
        default_factory=dict, description="Sample id -> the run's prediction (for display)."
    )


# -- reading a run directory -------------------------------------------------------------------
def _run_metrics(report: Any) -> dict[str, BaselineMetric]:
    metrics: dict[str, BaselineMetric] = {}
    for metric_id, score in report.metrics.items():
        if metric_id not in report.stats:
            continue  # no statistics: cannot be paired, reported as not computed
        metrics[metric_id] = BaselineMetric(
            signature=score.signature,
            higher_is_better=score.higher_is_better,
            value=score.value,
            options=dict(report.metric_options.get(metric_id) or {}),
            stats=report.stats[metric_id],
        )
    return metrics


def _read_report(path: Path) -> Any:
    from petar_bench.metrics.scoring import ScoreReport

    try:
        return ScoreReport.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        first = str(exc).splitlines()[0]
        raise UserError(f"{str(path)!r} is not a valid scores file: {first}") from None


def _predictions(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from petar_bench.fileio import read_jsonl

    return {str(r["sample_id"]): str(r.get("prediction", "")) for r in read_jsonl(path)}


def baseline_from_run(run_dir: Path) -> CheckBaseline:
    """The baseline form of a scored run directory (config.json, scores.json, predictions)."""
    from petar_bench import __version__
    from petar_bench.engine._config import read_config
    from petar_bench.engine._layout import RunLayout

    layout = RunLayout(Path(run_dir))
    if not layout.scores.is_file():
        raise UserError(
            f"{str(run_dir)!r} has no scores.json: score the run first "
            "('petar-bench score' or rerun without --no-score)"
        )
    report = _read_report(layout.scores)
    if layout.config.is_file():
        from petar_bench.leaderboard._loaded import check_run_key

        check_run_key(report.run_key, layout.scores, layout.config)
    config = read_config(layout.config) if layout.config.is_file() else None
    fingerprint = report.split_fingerprint or (config.split_fingerprint if config else None)
    if not fingerprint:
        raise UserError(
            f"{str(run_dir)!r} has no split fingerprint; check needs runs on a dataset split "
            "(score with --dataset, not loose references)"
        )
    not_computed = dict(report.not_computed)
    for metric_id in report.metrics:
        if metric_id not in report.stats:
            not_computed[metric_id] = "the scores carry no per-sample statistics"
    return CheckBaseline(
        harness_version=_harness_version(layout, __version__),
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        source=Path(run_dir).resolve().name,
        model=config.model if config else None,
        run_key=config.run_key if config else None,
        dataset=report.dataset or (config.dataset if config else None),
        split=config.split if config else None,
        synthetic=report.synthetic,
        split_fingerprint=fingerprint,
        full_split=report.full_split,
        sample_ids=list(report.sample_ids),
        patient_ids=report.patient_ids,
        metrics=_run_metrics(report),
        not_computed=not_computed,
        predictions=_predictions(layout.predictions),
    )


def _harness_version(layout: Any, fallback: str) -> str:
    """The petar-bench version that made the run (its provenance), else the installed one."""
    if not layout.config.is_file():
        return fallback
    data = json.loads(layout.config.read_text(encoding="utf-8"))
    packages = (data.get("provenance") or {}).get("packages") or {}
    found = packages.get("petar-bench") or packages.get("petar_bench")
    return str(found) if found else fallback


# -- reading a baseline file -------------------------------------------------------------------
def read_baseline(path: Path) -> CheckBaseline:
    """A baseline file, validated; a wrong or newer schema is refused in one line."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"baseline {str(path)!r} not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UserError(f"{str(path)!r} is not JSON") from None
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise UserError(
            f"{str(path)!r} is not a check baseline (write one with 'petar-bench check "
            "--write-baseline RUN --output FILE', or pass a run directory)"
        )
    if data.get("schema_version") != BASELINE_SCHEMA_VERSION:
        raise UserError(
            f"{str(path)!r} has baseline schema {data.get('schema_version')!r}; this "
            f"petar-bench reads schema {BASELINE_SCHEMA_VERSION} (upgrade petar-bench or "
            "rewrite the baseline)"
        )
    try:
        baseline = CheckBaseline.model_validate(data)
    except ValidationError as exc:
        first = str(exc).splitlines()[0]
        raise UserError(f"{str(path)!r} is not a valid check baseline: {first}") from None
    _check_shapes(baseline, path)
    return baseline


def _check_shapes(baseline: CheckBaseline, path: Path) -> None:
    n = len(baseline.sample_ids)
    if baseline.patient_ids is not None and len(baseline.patient_ids) != n:
        raise UserError(f"{str(path)!r}: {len(baseline.patient_ids)} patient ids for {n} samples")
    for metric_id, metric in baseline.metrics.items():
        if len(metric.stats) != n:
            raise UserError(
                f"{str(path)!r}: {metric_id} has {len(metric.stats)} rows of statistics for "
                f"{n} samples"
            )


def load_side(path: Path) -> CheckBaseline:
    """A run directory or a baseline file, in baseline form."""
    path = Path(path)
    if path.is_dir():
        return baseline_from_run(path)
    if path.is_file():
        return read_baseline(path)
    raise UserError(f"{str(path)!r} is neither a run directory nor a check baseline file")


def write_baseline(run_dir: Path, output: Path) -> CheckBaseline:
    """Write the baseline file of a scored run directory (atomically) and return it."""
    from petar_bench.fileio import atomic_write_text

    if not Path(run_dir).is_dir():
        raise UserError(f"{str(run_dir)!r} is not a run directory")
    baseline = baseline_from_run(Path(run_dir))
    if not baseline.metrics:
        raise UserError(f"{str(run_dir)!r} has no metric with per-sample statistics to keep")
    atomic_write_text(Path(output), baseline.model_dump_json(indent=1) + "\n")
    return baseline


def references_of(run_dir: Path) -> dict[str, str]:
    """Reference texts of a run's samples, read from the dataset it ran on ({} if gone)."""
    config_path = Path(run_dir) / "config.json"
    if not config_path.is_file():
        return {}
    from petar_bench.records import read_manifest

    try:
        root = json.loads(config_path.read_text(encoding="utf-8")).get("dataset_root", "")
        manifest = read_manifest(Path(root))
    except (UserError, OSError, ValueError):
        return {}
    return {r.sample_id: r.reference for r in manifest.records}
