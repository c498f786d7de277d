"""The suite runner: texts in, a ScoreReport (versioned JSON) out.

``score_texts`` validates the ids, normalises the texts once, computes every requested
metric's per-sample statistics, and derives from those statistics (never from the texts
again) each metric's corpus value, its patient-clustered bootstrap 95% CI, and the same by
stratum (tracer, lesion size, SUVmax, body region) when records are given. A metric that
cannot run here (no Java, no judge) is listed in ``not_computed`` with the reason; the
others still run.

The report keeps every metric's raw statistics, so paired tests and leaderboards can
aggregate any subset later: ``corpus_value(report, metric_id, rows)`` rebuilds the metric
from the registry (with the options it ran with) and calls its ``aggregate``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from petar_bench.errors import UserError
from petar_bench.jsontypes import JsonObject
from petar_bench.metrics._normalize import normalize_text
from petar_bench.metrics.base import Metric, SampleStats, ScoringContext
from petar_bench.metrics.errors import MetricUnavailable
from petar_bench.records import LesionRecord
from petar_bench.stats import BootstrapCI, clustered_bootstrap_ci

#: The version of the scores file (ScoreReport) this code writes and reads.
SCORES_SCHEMA_VERSION: Literal[1] = 1

_SECRET = re.compile(r"key|token|secret|password", re.IGNORECASE)
TextsIn = Mapping[str, str] | Sequence[tuple[str, str]]

#: Stratum bins (lower bound inclusive): label -> [low, high).
SIZE_BINS_MM: tuple[tuple[str, float, float], ...] = (
    ("<10 mm", 0.0, 10.0),
    ("10-20 mm", 10.0, 20.0),
    (">=20 mm", 20.0, float("inf")),
)
SUV_BINS: tuple[tuple[str, float, float], ...] = (
    ("<5", float("-inf"), 5.0),
    ("5-10", 5.0, 10.0),
    (">=10", 10.0, float("inf")),
)


class ScoredMetric(BaseModel):
    """One metric's result over the scored set."""

    model_config = ConfigDict(ser_json_inf_nan="null")

    value: float | None = Field(description="Corpus value (None when undefined, e.g. 0/0).")
    ci95: tuple[float | None, float | None] = Field(description="Bootstrap 95% interval.")
    signature: str = Field(description="Settings that ran, ending in the CI settings.")
    higher_is_better: bool
    n: int = Field(description="Samples scored.")
    extras: dict[str, Any] = Field(default_factory=dict, description="Metric-specific counts.")
    warnings: list[str] = Field(default_factory=list)


class StratumMetric(BaseModel):
    model_config = ConfigDict(ser_json_inf_nan="null")

    value: float | None
    ci95: tuple[float | None, float | None]


class Stratum(BaseModel):
    """The metrics restricted to the samples of one stratum."""

    n: int
    n_patients: int
    metrics: dict[str, StratumMetric]


class BootstrapSettings(BaseModel):
    n_resamples: int
    seed: int
    unit: str = Field(description="'patient' (clustered) or 'sample' (no patient ids).")
    level: float = 0.95


class ScoreReport(BaseModel):
    """Scores of one set of predictions (a file users keep; schema_version 1)."""

    model_config = ConfigDict(ser_json_inf_nan="null")

    schema_version: Literal[1] = SCORES_SCHEMA_VERSION
    run_key: str | None = Field(
        None, description="Run key of the run whose predictions these are (set by 'run')."
    )
    n: int = Field(description="Number of samples.")
    dataset: str | None = None
    synthetic: bool = Field(False, description="True when the references are generated data.")
    split_fingerprint: str | None = None
    full_split: bool = True
    bootstrap: BootstrapSettings
    metrics: dict[str, ScoredMetric] = Field(default_factory=dict)
    not_computed: dict[str, str] = Field(default_factory=dict, description="id -> reason.")
    sample_ids: list[str] = Field(default_factory=list, description="Row order of all arrays.")
    patient_ids: list[str] | None = Field(None, description="Cluster of each row, if known.")
    per_sample: dict[str, list[float | None]] = Field(default_factory=dict)
    stats: dict[str, list[list[float | None]]] = Field(
        default_factory=dict, description="Raw per-sample statistics, rows as sample_ids."
    )
    metric_options: dict[str, JsonObject] = Field(
        default_factory=dict, description="Options each metric ran with (secrets left out)."
    )
    strata: dict[str, dict[str, Stratum]] = Field(
        default_factory=dict, description="axis (tracer, size_mm, suv_max, region) -> stratum."
    )

    def stats_array(self, metric_id: str) -> np.ndarray:
        """A metric's statistics as a float array (None -> NaN)."""
        rows = self.stats[metric_id]
        return np.array([[np.nan if x is None else x for x in row] for row in rows], dtype=float)


def read_scores(path: Path) -> ScoreReport:
    """A scores file (scores.json) as a ScoreReport; a wrong schema version is a UserError."""
    from petar_bench.fileio import read_json_file

    return parse_scores(read_json_file(path, what="scores file"), repr(str(path)))


def parse_scores(data: object, where: str) -> ScoreReport:
    """A ScoreReport from parsed JSON, checked against the schema version this code reads."""
    if not isinstance(data, dict):
        raise UserError(f"{where} is not a scores file (a JSON object was expected)")
    version = data.get("schema_version")
    if version != SCORES_SCHEMA_VERSION:
        raise UserError(
            f"{where} has scores schema_version {version!r}; this petar-bench reads version "
            f"{SCORES_SCHEMA_VERSION}: score the predictions again ('petar-bench score')"
        )
    try:
        return ScoreReport.model_validate(data)
    except ValidationError as exc:
        first = str(exc).splitlines()
        detail = f"{first[1].strip()}: {first[2].strip()}" if len(first) > 2 else first[0]
        raise UserError(f"{where} is not a valid scores file: {detail}") from None


# -- inputs ------------------------------------------------------------------------------
def _listing(ids: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(i) for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def as_mapping(items: TextsIn, what: str) -> dict[str, str]:
    """Texts by sample id; a sequence of (id, text) pairs must not repeat an id."""
    if isinstance(items, Mapping):
        pairs: Iterable[tuple[str, Any]] = items.items()
    else:
        pairs = items
    out: dict[str, str] = {}
    duplicates: list[str] = []
    for sample_id, text in pairs:
        if sample_id in out:
            duplicates.append(str(sample_id))
        if not isinstance(text, str):
            raise UserError(
                f"{what} for sample {sample_id!r} is not text (got {type(text).__name__}); "
                "write an empty string for an empty output"
            )
        out[str(sample_id)] = text
    if duplicates:
        raise UserError(
            f"{len(duplicates)} duplicated sample id(s) in {what}: {_listing(duplicates)}"
        )
    return out


def _check_ids(preds: dict[str, str], refs: dict[str, str]) -> list[str]:
    missing = [i for i in refs if i not in preds]
    extra = [i for i in preds if i not in refs]
    problems = []
    if missing:
        problems.append(
            f"{len(missing)} sample id(s) missing from predictions: {_listing(missing)}"
        )
    if extra:
        problems.append(f"{len(extra)} prediction id(s) not in the references: {_listing(extra)}")
    if problems:
        raise UserError("; ".join(problems) + " (every reference needs exactly one prediction)")
    return list(refs)


def _aligned(what: str, ids: list[str], table: Mapping[str, Any] | None) -> list[Any] | None:
    if table is None:
        return None
    missing = [i for i in ids if i not in table]
    if missing:
        raise UserError(f"{len(missing)} sample id(s) have no {what}: {_listing(missing)}")
    return [table[i] for i in ids]


def _patients(
    ids: list[str], patient_ids: Mapping[str, str] | None, records: list[LesionRecord] | None
) -> list[str] | None:
    if patient_ids is not None:
        return [str(p) for p in _aligned("patient id", ids, patient_ids) or []]
    if records is not None:
        return [r.patient_id for r in records]
    return None


# -- scoring -----------------------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    """Extras as plain JSON values (numpy scalars and arrays, tuples, NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in list(value)]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _none(float(value))
    return value


def _none(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _ci(ci: BootstrapCI) -> tuple[float | None, float | None]:
    return (_none(ci.low), _none(ci.high))


def _create(metric_id: str, options: Mapping[str, Any]) -> Metric:
    from petar_bench.registry import metrics

    try:
        return metrics.create(metric_id, **options)
    except TypeError as exc:
        raise UserError(f"bad options for metric {metric_id!r}: {exc}") from None


def _public_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options worth recording: JSON-able, no secrets."""
    keep: dict[str, Any] = {}
    for key, value in options.items():
        if _SECRET.search(key):
            continue
        if value is None or isinstance(value, (str, int, float, bool)):
            keep[key] = value
    return keep


def score_texts(
    predictions: TextsIn,
    references: TextsIn,
    metric_ids: Sequence[str],
    *,
    patient_ids: Mapping[str, str] | None = None,
    records: Mapping[str, LesionRecord] | None = None,
    measurements: Mapping[str, Mapping[str, float]] | None = None,
    full_split: bool = True,
    split_fingerprint: str | None = None,
    dataset: str | None = None,
    synthetic: bool = False,
    seed: int = 12345,
    n_bootstrap: int = 1000,
    metric_options: Mapping[str, dict] | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScoreReport:
    """Score predictions against references with every metric in `metric_ids`.

    Missing, extra or duplicated sample ids are a UserError; empty predictions score as
    they are (0 for most metrics), never dropped. Without patient ids (nor records) the
    bootstrap resamples single lesions and says so (unit 'sample').
    """
    refs = as_mapping(references, "references")
    preds = as_mapping(predictions, "predictions")
    ids = _check_ids(preds, refs)
    record_list = _aligned("record", ids, records)
    patients = _patients(ids, patient_ids, record_list)
    measured = None
    if measurements is not None:
        measured = [dict(measurements.get(i) or {}) for i in ids]
    context = ScoringContext(
        sample_ids=ids,
        patient_ids=patients,
        records=record_list,
        measurements=measured,
        full_split=full_split,
        split_fingerprint=split_fingerprint,
    )
    pred_texts = [normalize_text(preds[i]) for i in ids]
    ref_texts = [normalize_text(refs[i]) for i in ids]
    report = ScoreReport(
        n=len(ids),
        dataset=dataset,
        synthetic=synthetic,
        split_fingerprint=split_fingerprint,
        full_split=full_split,
        sample_ids=ids,
        patient_ids=patients,
        bootstrap=BootstrapSettings(
            n_resamples=n_bootstrap, seed=seed, unit="patient" if patients else "sample"
        ),
    )
    options = metric_options or {}
    computed: dict[str, tuple[Metric, np.ndarray]] = {}
    wanted = list(dict.fromkeys(metric_ids))
    # Create every metric first: a Java-backed metric starts its JVM on creation, and scoring
    # it last lets those seconds of start-up overlap the other metrics.
    created = {m: _create(m, options.get(m, {})) for m in wanted}
    order = sorted(wanted, key=lambda m: "java" in getattr(created[m], "requires", ()))
    for metric_id in order:
        metric = created[metric_id]
        if progress is not None:
            progress(f"scoring {metric_id}")
        try:
            result = metric.statistics(pred_texts, ref_texts, context)
        except MetricUnavailable as exc:
            reason = str(getattr(exc, "reason", exc)).strip()
            report.not_computed[metric_id] = reason.splitlines()[0] if reason else repr(exc)
            continue
        values = _record(report, metric_id, metric, result, patients, n_bootstrap, seed)
        report.metric_options[metric_id] = _public_options(options.get(metric_id, {}))
        computed[metric_id] = (metric, values)
    _restore_order(report, wanted)
    computed = {m: computed[m] for m in wanted if m in computed}
    if record_list is not None:
        report.strata = _strata(record_list, patients, computed, n_bootstrap, seed)
    return report


def _restore_order(report: ScoreReport, wanted: list[str]) -> None:
    """Report metrics in the order they were asked for, whatever order they ran in."""
    tables: tuple[dict[str, Any], ...] = (
        report.metrics,
        report.per_sample,
        report.stats,
        report.metric_options,
    )
    for table in tables:
        ordered = {m: table[m] for m in wanted if m in table}
        table.clear()
        table.update(ordered)


def _record(
    report: ScoreReport,
    metric_id: str,
    metric: Metric,
    result: SampleStats,
    patients: list[str] | None,
    n_bootstrap: int,
    seed: int,
) -> np.ndarray:
    """Put one metric's value, CI, per-sample scores and statistics into the report."""
    values = np.asarray(result.values, dtype=np.float64)
    if values.ndim != 2 or len(values) != report.n:
        raise ValueError(
            f"metric {metric_id!r} returned statistics of shape {values.shape} "
            f"for {report.n} samples"
        )
    ci = clustered_bootstrap_ci(metric, values, patients, n=n_bootstrap, seed=seed)
    signature = metric.signature()
    report.metrics[metric_id] = ScoredMetric(
        value=_none(ci.value),
        ci95=_ci(ci),
        signature=f"{signature}|{ci.tag()}{metric.resample_note()}",
        higher_is_better=bool(metric.higher_is_better),
        n=report.n,
        extras=_jsonable(dict(result.extras)),
        warnings=[str(w) for w in result.warnings],
    )
    report.per_sample[metric_id] = [_none(x) for x in metric.per_sample(values)]
    report.stats[metric_id] = [[_none(x) for x in row] for row in values.tolist()]
    return values


# -- strata ------------------------------------------------------------------------------
def _bin(value: float | None, bins: Sequence[tuple[str, float, float]]) -> str | None:
    if value is None:
        return None
    return next((label for label, low, high in bins if low <= value < high), None)


def stratum_labels(record: LesionRecord) -> dict[str, str | None]:
    """The stratum of a record on each axis (None when the record does not say)."""
    from petar_bench.vocabulary import canonical_region

    f = record.fields
    region = canonical_region(f.region) or f.region if f.region else None
    return {
        "tracer": record.tracer or None,
        "size_mm": _bin(f.size_mm, SIZE_BINS_MM),
        "suv_max": _bin(f.suv_max, SUV_BINS),
        "region": region,
    }


def _strata(
    records: list[LesionRecord],
    patients: list[str] | None,
    computed: Mapping[str, tuple[Metric, np.ndarray]],
    n_bootstrap: int,
    seed: int,
) -> dict[str, dict[str, Stratum]]:
    labels = [stratum_labels(r) for r in records]
    out: dict[str, dict[str, Stratum]] = {}
    for axis in ("tracer", "size_mm", "suv_max", "region"):
        groups: dict[str, list[int]] = {}
        for row, lab in enumerate(labels):
            if lab[axis] is not None:
                groups.setdefault(str(lab[axis]), []).append(row)
        if not groups:
            continue
        out[axis] = {}
        for name, rows in sorted(groups.items()):
            sub_patients = None if patients is None else [patients[r] for r in rows]
            scores = {}
            for metric_id, (metric, values) in computed.items():
                ci = clustered_bootstrap_ci(
                    metric, values[rows], sub_patients, n=n_bootstrap, seed=seed
                )
                scores[metric_id] = StratumMetric(value=_none(ci.value), ci95=_ci(ci))
            n_patients = len(set(sub_patients)) if sub_patients is not None else len(rows)
            out[axis][name] = Stratum(n=len(rows), n_patients=n_patients, metrics=scores)
    return out


# -- later aggregation -------------------------------------------------------------------
def rebuild_metric(report: ScoreReport, metric_id: str) -> Metric:
    """The metric object a report's statistics came from (registry + recorded options);
    only its aggregation is needed, so no model or judge is loaded."""
    if metric_id not in report.stats:
        raise UserError(f"metric {metric_id!r} is not in this score report")
    return _create(metric_id, report.metric_options.get(metric_id, {}))


def corpus_value(
    report: ScoreReport, metric_id: str, rows: Sequence[int] | Sequence[str] | None = None
) -> float:
    """A metric's corpus value over some rows of a report (indices or sample ids)."""
    stats = report.stats_array(metric_id)
    if rows is not None:
        index = {s: i for i, s in enumerate(report.sample_ids)}
        picked = [index[r] if isinstance(r, str) else int(r) for r in rows]
        stats = stats[picked]
    return float(rebuild_metric(report, metric_id).aggregate(stats))


__all__ = [
    "SIZE_BINS_MM",
    "SUV_BINS",
    "ScoredMetric",
    "ScoreReport",
    "Stratum",
    "as_mapping",
    "corpus_value",
    "rebuild_metric",
    "score_texts",
    "stratum_labels",
]
