"""Ranking one board: eligibility, order by the primary metric, and rank groups.

Rank groups follow the WMT practice with patient-clustered tests: the best remaining entry
opens a group; every entry below it is tested against it (paired approximate randomization
on the primary metric, whole patients swapped), the p-values are Holm-corrected, and the
group runs down the order until the first entry that is significantly worse; that entry opens
the next group. Groups are contiguous, so a rank group reads as "not distinguishable from
the group's top entry at the board's alpha".
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from petar_bench.errors import UserError
from petar_bench.leaderboard._config import BoardConfig
from petar_bench.leaderboard._entry import BoardEntry, BoardMetricScore
from petar_bench.leaderboard._rank_cache import (
    RankCache,
    paired_test_key,
    reaggregate_key,
    stats_key,
)
from petar_bench.leaderboard._scored import metric_identity
from petar_bench.leaderboard._stats import paired_test
from petar_bench.stats import holm

if TYPE_CHECKING:
    from petar_bench.metrics.base import Metric


@dataclass(frozen=True)
class RankedRow:
    entry: BoardEntry
    position: int  # 1-based place in the order of the primary metric
    group: int  # 1-based rank group
    compared_with: str | None = None  # entry_id of the group top this row was tested against
    p_value: float | None = None  # raw paired-test p-value against `compared_with`
    p_adjusted: float | None = None  # Holm-adjusted over that group's comparisons


@dataclass(frozen=True)
class Excluded:
    """An entry found in the board's folders that cannot share this board, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class RankedBoard:
    config: BoardConfig
    rows: list[RankedRow]
    excluded: list[Excluded] = field(default_factory=list)
    #: The signature each shown metric has on this board (without the CI tag).
    signatures: dict[str, str] = field(default_factory=dict)
    #: Metrics shown as columns: required ones, then optional ones some entry has.
    metrics: list[str] = field(default_factory=list)
    #: Metrics no ranked entry could compute, with the reasons given.
    not_computed: dict[str, list[str]] = field(default_factory=dict)

    def score(self, entry: BoardEntry, metric_id: str) -> BoardMetricScore | None:
        """The entry's score when it has one with the board's signature, else None."""
        score = entry.metrics.get(metric_id)
        if score is None or metric_identity(score.signature) != self.signatures.get(metric_id):
            return None
        return score

    def missing_reason(self, entry: BoardEntry, metric_id: str) -> str:
        """Why `score` gave None: the entry's not-computed reason or a signature mismatch."""
        if metric_id in entry.metrics:
            return f"signature differs from the board's ({entry.metrics[metric_id].signature})"
        return entry.not_computed.get(metric_id, "not computed")


def metric_for(metric_id: str, options: Mapping[str, object] | None = None) -> Metric:
    """The installed metric, built with the options it ran with (only `aggregate` and
    `per_sample` are used: no model or judge is loaded)."""
    return _metric(metric_id, json.dumps(options or {}, sort_keys=True))


@lru_cache(maxsize=64)
def _metric(metric_id: str, options_json: str) -> Metric:
    from petar_bench import registry

    try:
        return registry.metrics.create(metric_id, **json.loads(options_json))
    except TypeError as exc:
        raise UserError(f"cannot rebuild metric {metric_id!r}: {exc}") from None


def _board_signatures(config: BoardConfig, entries: Sequence[BoardEntry]) -> dict[str, str]:
    """Pinned signatures, else the one most entries carry (ties: the alphabetically first)."""
    chosen = {k: metric_identity(v) for k, v in config.metric_signatures.items()}
    for metric_id in config.scored_metrics:
        if metric_id in chosen:
            continue
        counts = Counter(
            metric_identity(e.metrics[metric_id].signature)
            for e in entries
            if metric_id in e.metrics
        )
        if counts:
            chosen[metric_id] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return chosen


def _reaggregates(entry: BoardEntry, metric_id: str, cache: RankCache) -> str:
    """'' when the installed metric reproduces the stored value from the stored statistics."""
    score = entry.metrics[metric_id]
    key = reaggregate_key(
        metric_id=metric_id,
        options=score.options,
        signature=score.signature,
        value=score.value,
        stats=stats_key(score.stats),
    )
    return cache.reaggregates(key, lambda: _reaggregation_problem(entry, metric_id))


def _reaggregation_problem(entry: BoardEntry, metric_id: str) -> str:
    score = entry.metrics[metric_id]
    stats = score.stats_array()
    if stats.shape[0] != entry.n or len(entry.sample_ids) != entry.n:
        return f"{metric_id} statistics have {stats.shape[0]} rows for n = {entry.n}"
    try:
        value = float(metric_for(metric_id, score.options).aggregate(stats))
    except UserError as exc:
        return f"{metric_id} is not installed here ({exc})"
    if not np.isclose(value, score.value, rtol=1e-9, atol=1e-12):
        return (
            f"stored {metric_id} statistics give {value:.6g}, not the stored {score.value:.6g} "
            "(scored by an incompatible harness version?)"
        )
    return ""


def _why_excluded(
    entry: BoardEntry, config: BoardConfig, signatures: dict[str, str], cache: RankCache
) -> str:
    if entry.board_id != config.board_id:
        return f"entry belongs to board {entry.board_id!r}"
    if config.split_fingerprint is None:
        return "this board has no pinned split fingerprint yet"
    if entry.split_fingerprint != config.split_fingerprint:
        return f"scored on split fingerprint {entry.split_fingerprint[:19]}..., not the board's"
    for metric_id in config.required_metrics:
        if metric_id not in entry.metrics:
            reason = entry.not_computed.get(metric_id, "absent")
            return f"lacks required metric {metric_id} ({reason})"
        if metric_identity(entry.metrics[metric_id].signature) != signatures.get(metric_id):
            return (
                f"{metric_id} signature {entry.metrics[metric_id].signature!r} differs from the "
                f"board's {signatures.get(metric_id)!r}"
            )
    return _reaggregates(entry, config.primary_metric, cache)


def _same_samples(entries: list[BoardEntry]) -> tuple[list[BoardEntry], list[Excluded]]:
    """Keep entries whose sample ids and patient grouping match the most common ones."""
    if not entries:
        return [], []
    key = Counter((tuple(e.sample_ids), tuple(e.patient_index)) for e in entries).most_common(1)[0][
        0
    ]
    kept = [e for e in entries if (tuple(e.sample_ids), tuple(e.patient_index)) == key]
    dropped = [
        Excluded(e.entry_id, "sample ids or patient grouping differ from the board's")
        for e in entries
        if e not in kept
    ]
    return kept, dropped


def _created(entry: BoardEntry) -> datetime:
    """When the entry was written (an unreadable time sorts last: it cannot claim priority)."""
    try:
        when = datetime.fromisoformat(entry.created)
    except ValueError:
        return datetime.max.replace(tzinfo=timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _unique_predictions(entries: list[BoardEntry]) -> tuple[list[BoardEntry], list[Excluded]]:
    """One row per set of predictions: a re-submission under another name is not a new
    system, whether it repeats the file's bytes or only its content (the same texts with
    other line endings, blank lines, key order or escaping: see `BoardEntry.duplicate_keys`).
    The earliest entry (by `created`; then load order: shipped folder first) keeps the row,
    and the later copies are listed as excluded, wherever they sort by name."""
    first: dict[str, str] = {}
    kept: list[int] = []
    dropped: list[Excluded] = []
    for i in sorted(range(len(entries)), key=lambda i: (_created(entries[i]), i)):
        keys = entries[i].duplicate_keys()
        seen = next((first[k] for k in sorted(keys) if k in first), None)
        if seen is not None:
            dropped.append(Excluded(entries[i].entry_id, f"same predictions as {seen}"))
            continue
        first.update(dict.fromkeys(keys, entries[i].entry_id))
        kept.append(i)
    return [entries[i] for i in sorted(kept)], dropped


def _order(entries: list[BoardEntry], metric_id: str) -> list[BoardEntry]:
    sign = -1.0 if entries and entries[0].metrics[metric_id].higher_is_better else 1.0
    return sorted(entries, key=lambda e: (sign * e.metrics[metric_id].value, e.entry_id))


def _groups(ordered: list[BoardEntry], config: BoardConfig, cache: RankCache) -> list[RankedRow]:
    if not ordered:
        return []
    # One metric instance for every test: the one the first entry was scored with.
    options = ordered[0].metrics[config.primary_metric].options
    rows: list[RankedRow] = []
    start, group = 0, 1
    opened_by: tuple[str | None, float | None, float | None] = (None, None, None)
    while start < len(ordered):
        top = ordered[start]
        rows.append(RankedRow(top, start + 1, group, *opened_by))
        rest = ordered[start + 1 :]
        raw = [_test(config, options, top, other, cache) for other in rest]
        adjusted = holm(raw) if raw else []
        cut = next((i for i, q in enumerate(adjusted) if q < config.alpha), len(rest))
        for i in range(cut):
            rows.append(RankedRow(rest[i], start + 2 + i, group, top.entry_id, raw[i], adjusted[i]))
        if cut < len(rest):
            opened_by = (top.entry_id, raw[cut], adjusted[cut])
        start, group = start + 1 + cut, group + 1
    return rows


def _test(
    config: BoardConfig, options: dict[str, Any], a: BoardEntry, b: BoardEntry, cache: RankCache
) -> float:
    """The paired test's p-value, from the cache when the same test was run before."""
    score_a, score_b = a.metrics[config.primary_metric], b.metrics[config.primary_metric]
    patients = [str(i) for i in a.patient_index]
    key = paired_test_key(
        metric_id=config.primary_metric,
        options=options,
        signatures=(score_a.signature, score_b.signature),
        stats=(stats_key(score_a.stats), stats_key(score_b.stats)),
        patients=patients,
        n_trials=config.n_trials,
        seed=config.seed,
    )

    def run() -> float:
        metric = metric_for(config.primary_metric, options)
        result = paired_test(
            metric,
            score_a.stats_array(),
            score_b.stats_array(),
            patients,
            n_trials=config.n_trials,
            seed=config.seed,
        )
        return float(result.p_value)

    return cache.p_value(key, run)


def _columns(config: BoardConfig, entries: list[BoardEntry]) -> list[str]:
    optional = [m for m in config.optional_metrics if any(m in e.metrics for e in entries)]
    return list(config.required_metrics) + [m for m in optional if m not in config.required_metrics]


def _not_computed(config: BoardConfig, entries: list[BoardEntry]) -> dict[str, list[str]]:
    reasons: dict[str, list[str]] = {}
    if not entries:
        return reasons
    for metric_id in config.scored_metrics:
        if any(metric_id in e.metrics for e in entries):
            continue
        found = sorted({e.not_computed[metric_id] for e in entries if metric_id in e.not_computed})
        reasons[metric_id] = found or ["no entry has it"]
    return reasons


def rank_board(
    config: BoardConfig,
    entries: Sequence[BoardEntry],
    *,
    sources: Sequence[Path] | None = None,
    cache: RankCache | None = None,
) -> RankedBoard:
    """Rank the entries that may share this board; list the others with the reason.

    `cache` supplies (and collects) paired-test p-values and re-aggregation checks; without
    one, everything is computed.
    """
    cache = cache if cache is not None else RankCache()
    names = [str(p) for p in sources] if sources is not None else [e.entry_id for e in entries]
    signatures = _board_signatures(
        config, [e for e in entries if e.split_fingerprint == config.split_fingerprint]
    )
    eligible: list[BoardEntry] = []
    excluded: list[Excluded] = []
    for name, entry in zip(names, entries, strict=True):
        reason = _why_excluded(entry, config, signatures, cache)
        if reason:
            excluded.append(Excluded(name, reason))
        else:
            eligible.append(entry)
    source = {e.entry_id: name for name, e in zip(names, entries, strict=True)}
    eligible, dropped = _same_samples(eligible)
    eligible, duplicates = _unique_predictions(eligible)
    excluded += [Excluded(source.get(x.name, x.name), x.reason) for x in dropped + duplicates]
    rows = _groups(_order(eligible, config.primary_metric), config, cache)
    return RankedBoard(
        config=config,
        rows=rows,
        excluded=excluded,
        signatures={m: s for m, s in signatures.items() if m in _columns(config, eligible)},
        metrics=_columns(config, eligible),
        not_computed=_not_computed(config, eligible),
    )
