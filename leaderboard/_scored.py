"""Reading a ScoreReport (object or its JSON) into the entry's per-metric scores.

The report is the scoring helper's contract (`petar_bench.metrics.scoring.ScoreReport`); this
module is the one place that knows its field names, so a change there is a change here only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from petar_bench.leaderboard.entry import MetricScore, stats_matrix


def report_dict(report: Any) -> dict[str, Any]:
    if hasattr(report, "model_dump"):
        return dict(report.model_dump(mode="json"))
    return dict(report)


def raw_stats(data: Mapping[str, Any], metric_id: str, n: int | None = None) -> np.ndarray | None:
    """The (n, k) statistics of one metric (the report's "stats" section; null = NaN).

    ValueError (from `stats_matrix`) when they are not a rectangle of numbers with `n` rows.
    """
    section = data.get("stats") or {}
    if not isinstance(section, Mapping):
        raise ValueError("'stats' must map metric ids to per-sample statistics")
    rows = section.get(metric_id)
    if rows is None:
        return None
    return stats_matrix(rows, n=n)


def _reorder(values: np.ndarray, have: Sequence[str], want: Sequence[str]) -> np.ndarray:
    if list(have) == list(want):
        return values
    where = {s: i for i, s in enumerate(have)}
    return values[[where[s] for s in want]]


#: A stratum with fewer patients than this is flagged as too small on boards: its patient
#: bootstrap would resample 1-4 clusters, so its interval says nothing.
MIN_STRATUM_PATIENTS = 5


def board_strata(strata: Mapping[str, Any]) -> dict[str, Any]:
    """A report's strata as a board keeps them: a level with fewer than
    MIN_STRATUM_PATIENTS patients keeps its counts and is flagged `too_small`, without values
    or intervals; every other level is kept as it is."""
    out: dict[str, Any] = {}
    for axis, levels in strata.items():
        if not isinstance(levels, Mapping):
            out[str(axis)] = levels
            continue
        out[str(axis)] = {
            str(level): _flag_small(cell) if isinstance(cell, Mapping) else cell
            for level, cell in levels.items()
        }
    return out


def _flag_small(cell: Mapping[str, Any]) -> dict[str, Any]:
    patients = cell.get("n_patients")
    if isinstance(patients, int) and patients < MIN_STRATUM_PATIENTS:
        return {"n": cell.get("n"), "n_patients": patients, "too_small": True, "metrics": {}}
    return dict(cell)


def entry_metrics(
    report: Any, sample_ids: Sequence[str]
) -> tuple[dict[str, MetricScore], dict[str, str], dict[str, Any]]:
    """(scores with statistics, not-computed reasons, strata) of a report, in `sample_ids` order.

    A metric whose statistics are missing from the report moves to not-computed: without
    them no paired test can be run, so it cannot be ranked.
    """
    data = report_dict(report)
    have = data.get("sample_ids") or list(sample_ids)
    scores: dict[str, MetricScore] = {}
    not_computed = {str(k): str(v) for k, v in (data.get("not_computed") or {}).items()}
    options = data.get("metric_options") or {}
    for metric_id, block in (data.get("metrics") or {}).items():
        stats = raw_stats(data, metric_id)
        if stats is None:
            not_computed[metric_id] = "the score report carries no per-sample statistics"
            continue
        if block.get("value") is None:
            not_computed[metric_id] = "undefined on this split (e.g. 0/0)"
            continue
        ci = block.get("ci95")
        has_ci = ci is not None and None not in ci
        ordered = _reorder(stats, have, sample_ids)
        scores[metric_id] = MetricScore(
            value=float(block["value"]),
            ci95=(float(ci[0]), float(ci[1])) if has_ci else None,
            signature=str(block["signature"]),
            higher_is_better=bool(block["higher_is_better"]),
            n=int(block.get("n", len(sample_ids))),
            extras=dict(block.get("extras") or {}),
            warnings=[str(w) for w in block.get("warnings") or []],
            stats=[[None if np.isnan(x) else float(x) for x in row] for row in ordered],
            options=dict(options.get(metric_id) or {}),
        )
    return scores, not_computed, board_strata(data.get("strata") or {})


def metric_identity(signature: str) -> str:
    """The part of a signature that fixes the metric's values: everything but the CI tag.

    score_texts appends '|ci:boot-patient-1000-seed12345[-fixed-df]' to each signature; the
    resampling settings change the CI, not the statistics, so two runs that differ only there
    may still be compared and share a board.
    """
    parts = signature.split("|")
    return "|".join(p for p in parts if not p.startswith("ci:"))
