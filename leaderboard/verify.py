"""`petar-bench leaderboard verify`: re-score every entry of a board from its own predictions.

An entry's numbers are only as good as the predictions behind them. Schema 2 entries keep the
submitted texts, so whoever holds the board's references can score them again with the
installed suite and compare everything the entry claims: per metric the value, CI,
signature, direction and every per-sample statistic, and the strata. Any difference fails
the entry, naming it and the metric. A metric that cannot run here (GREEN without a judge,
BERTScore without its local model, METEOR without Java) is reported "not re-verified" with
the reason, except a metric the board requires, which must be re-verified. An entry without
predictions (schema 1, or a hand-made file) or whose predictions do not match their content
hash fails: statistics that are merely consistent with each other prove nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from petar_bench.errors import UserError
from petar_bench.leaderboard._board import entry_folders, load_entries
from petar_bench.leaderboard._config import DEFAULT_BOARD, BoardConfig, load_board_config
from petar_bench.leaderboard._entry import BoardEntry, BoardMetricScore, predictions_content_sha256
from petar_bench.leaderboard._scored import board_strata, metric_identity
from petar_bench.leaderboard._submission import patient_index
from petar_bench.records import LesionRecord, Manifest

#: Re-scored numbers must agree to this (relative, absolute) tolerance: the same code on the
#: same inputs gives the same numbers; the slack only absorbs summation order across builds.
RTOL, ATOL = 1e-6, 1e-9

Status = Literal["verified", "not re-verified", "failed"]


@dataclass(frozen=True)
class MetricCheck:
    metric: str
    status: Status
    detail: str = ""


@dataclass(frozen=True)
class EntryCheck:
    """One entry file: problems that stop any re-scoring, then one check per metric."""

    source: str
    entry_id: str | None
    problems: list[str] = field(default_factory=list)
    metrics: list[MetricCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures()

    def failures(self) -> list[str]:
        return self.problems + [
            f"{m.metric}: {m.detail}" for m in self.metrics if m.status == "failed"
        ]

    def label(self) -> str:
        return self.entry_id or self.source


@dataclass(frozen=True)
class VerifyReport:
    config: BoardConfig
    dataset: str
    entries: list[EntryCheck]

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entries)


@dataclass(frozen=True)
class _Split:
    manifest: Manifest
    records: list[LesionRecord]
    root: Path | None


def _split(config: BoardConfig, dataset: Manifest | str | Path | None) -> _Split:
    if isinstance(dataset, Manifest):
        manifest, root = dataset, None
    else:
        from petar_bench.datasets._catalog import resolve_dataset

        handle = resolve_dataset(dataset if dataset is not None else config.dataset)
        manifest, root = handle.manifest, handle.root
    fingerprint = manifest.fingerprint(config.split)
    if config.split_fingerprint is None or fingerprint != config.split_fingerprint:
        raise UserError(
            f"the references at hand (dataset {manifest.dataset!r}, split {config.split!r}, "
            f"fingerprint {fingerprint}) are not board {config.board_id!r}'s split "
            f"({config.split_fingerprint}): verify needs the board's own references; pass "
            "your copy with --dataset DIR"
        )
    return _Split(manifest, manifest.split(config.split), root)


def _close(a: Any, b: Any) -> bool:
    """Equal up to RTOL/ATOL for numbers (None = NaN), recursively for dicts and lists."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        return bool(np.isclose(float(a), float(b), rtol=RTOL, atol=ATOL, equal_nan=True))
    return bool(a == b)


def _stats_problem(
    stored: BoardMetricScore, rescored: np.ndarray, sample_ids: Sequence[str]
) -> str:
    try:
        mine = stored.stats_array()
    except ValueError:
        return "stored per-sample statistics are ragged"
    if mine.shape != rescored.shape:
        return f"per-sample statistics have shape {mine.shape}, re-scored {rescored.shape}"
    same = np.isclose(mine, rescored, rtol=RTOL, atol=ATOL, equal_nan=True).all(axis=1)
    if same.all():
        return ""
    bad = np.flatnonzero(~same)
    return (
        f"per-sample statistics differ at {len(bad)} of {len(same)} samples "
        f"(first: {sample_ids[bad[0]]})"
    )


def _check_metric(
    metric_id: str, stored: BoardMetricScore, report: Any, data: Mapping[str, Any], required: bool
) -> MetricCheck:
    block = report.metrics.get(metric_id)
    if block is None or metric_id not in data.get("stats", {}):
        reason = report.not_computed.get(metric_id, "not installed in this petar-bench")
        if required:
            return MetricCheck(
                metric_id, "failed", f"the board requires it, but it cannot run here ({reason})"
            )
        return MetricCheck(metric_id, "not re-verified", reason)
    if metric_identity(block.signature) != metric_identity(stored.signature):
        return MetricCheck(
            metric_id,
            "failed",
            f"stored signature {stored.signature!r}, re-scored {block.signature!r}",
        )
    if block.value is None or not _close(stored.value, block.value):
        return MetricCheck(
            metric_id, "failed", f"stored value {stored.value!r}, re-scored {block.value!r}"
        )
    stats = report.stats_array(metric_id)
    problem = _stats_problem(stored, stats, data["sample_ids"])
    if problem:
        return MetricCheck(metric_id, "failed", problem)
    rescored_ci = None if block.ci95 is None or None in block.ci95 else list(block.ci95)
    stored_ci = None if stored.ci95 is None else list(stored.ci95)
    if not _close(stored_ci, rescored_ci):
        return MetricCheck(metric_id, "failed", f"stored CI {stored_ci}, re-scored {rescored_ci}")
    if stored.higher_is_better != block.higher_is_better or stored.n != block.n:
        return MetricCheck(metric_id, "failed", "stored direction or n differs from the metric's")
    return MetricCheck(metric_id, "verified")


def _entry_problems(entry: BoardEntry, config: BoardConfig, split: _Split) -> list[str]:
    """Problems that make re-scoring meaningless (checked before any metric runs)."""
    problems = []
    if entry.board_id != config.board_id:
        problems.append(f"belongs to board {entry.board_id!r}")
    if entry.split_fingerprint != config.split_fingerprint:
        problems.append(f"scored on split fingerprint {entry.split_fingerprint}, not the board's")
    ids = [r.sample_id for r in split.records]
    if entry.sample_ids != ids or entry.n != len(ids):
        problems.append("its sample ids are not the board split's, in the split's order")
    elif entry.patient_index != patient_index([r.patient_id for r in split.records]):
        problems.append("its patient grouping is not the board split's")
    if entry.predictions is None:
        problems.append(
            "carries no predictions (a schema 1 entry), so its scores cannot be re-checked; "
            "submit the predictions again to get a schema 2 entry"
        )
    return problems


def _rescore(
    entry: BoardEntry, texts: list[str], config: BoardConfig, split: _Split
) -> tuple[Any, list[str]]:
    """The official scoring of the stored texts with the entry's metrics and options."""
    from petar_bench import registry
    from petar_bench.metrics._inputs import dataset_inputs, score_inputs

    installed = set(registry.metrics.names())
    wanted = [m for m in entry.metrics if m in installed]
    inputs = dataset_inputs(
        dict(zip(entry.sample_ids, texts, strict=True)),
        split.records,
        wanted,
        root=split.root,
        manifest=split.manifest,
        dataset=split.manifest.dataset,
        synthetic=split.manifest.synthetic,
        split_fingerprint=config.split_fingerprint,
    )
    report = score_inputs(
        inputs,
        wanted,
        seed=config.seed,
        n_bootstrap=config.n_bootstrap,
        metric_options={m: dict(entry.metrics[m].options) for m in wanted},
    )
    return report, wanted


def verify_entry(entry: BoardEntry, config: BoardConfig, split: _Split, source: str) -> EntryCheck:
    problems = _entry_problems(entry, config, split)
    if problems or entry.predictions is None:
        return EntryCheck(source, entry.entry_id, problems)
    try:
        texts = entry.predictions.texts()
    except UserError as exc:
        return EntryCheck(source, entry.entry_id, [str(exc)])
    if len(texts) != entry.n:
        problems.append(f"stores {len(texts)} predictions for {entry.n} samples")
    elif predictions_content_sha256(entry.sample_ids, texts) != entry.predictions.content_sha256:
        problems.append("its stored predictions do not match their content hash")
    if problems:
        return EntryCheck(source, entry.entry_id, problems)
    try:
        report, _ = _rescore(entry, texts, config, split)
    except UserError as exc:  # e.g. stored metric options the installed metric refuses
        return EntryCheck(source, entry.entry_id, [f"cannot be re-scored here: {exc}"])
    data = report.model_dump(mode="json")
    checks = [
        _check_metric(m, score, report, data, m in config.required_metrics)
        for m, score in entry.metrics.items()
    ]
    verified = {c.metric for c in checks if c.status == "verified"}
    rescored_strata = board_strata(data.get("strata") or {})
    stored, rescored = (_strata_of(x, verified) for x in (entry.strata, rescored_strata))
    if not _close(stored, rescored):
        checks.append(MetricCheck("strata", "failed", "stored strata differ from re-scored"))
    return EntryCheck(source, entry.entry_id, [], checks)


def _strata_of(strata: Any, metrics: set[str]) -> Any:
    """Strata restricted to `metrics` (axis -> level -> {n, n_patients, metrics: {...}}), so
    a metric that could not run here does not fail the strata of the others."""
    if not isinstance(strata, Mapping):
        return strata
    out: dict[str, Any] = {}
    for axis, levels in strata.items():
        if not isinstance(levels, Mapping):
            out[axis] = levels
            continue
        out[axis] = {}
        for level, cell in levels.items():
            if isinstance(cell, Mapping) and isinstance(cell.get("metrics"), Mapping):
                kept = {m: v for m, v in cell["metrics"].items() if m in metrics}
                cell = {**cell, "metrics": kept}
            out[axis][level] = cell
    return out


def verify_board(
    board: str | Path = DEFAULT_BOARD,
    *,
    extra: Sequence[Path] = (),
    dataset: Manifest | str | Path | None = None,
) -> VerifyReport:
    """Re-score every entry in the board's folders (shipped, the user's, `extra`) against
    the references of `dataset` (default: the board's own dataset)."""
    config = load_board_config(board)
    split = _split(config, dataset)
    entries, sources, broken = load_entries(entry_folders(board, extra))
    checks = [
        verify_entry(entry, config, split, str(source))
        for entry, source in zip(entries, sources, strict=True)
    ]
    checks += [EntryCheck(x.name, None, [x.reason]) for x in broken]
    return VerifyReport(config=config, dataset=split.manifest.dataset, entries=checks)
