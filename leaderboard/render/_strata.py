"""Flattening an entry's strata section (tracer, lesion size, SUVmax, region) into table rows.

The score report's strata section is read leniently: per stratum, per level, either
{"n": .., "metrics": {id: value | {"value": ..}}} or the metric values next to "n". A level a
board flagged `too_small` (fewer than 5 patients) has no values and is shown as too small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StratumRow:
    stratum: str
    level: str
    n: int | None
    values: dict[str, float]
    n_patients: int | None = None
    too_small: bool = False

    @property
    def shown_level(self) -> str:
        """The level as tables show it: flagged when the stratum is too small to score."""
        if not self.too_small:
            return self.level
        patients = "" if self.n_patients is None else f", {self.n_patients} patients"
        return f"{self.level} ({TOO_SMALL}{patients})"

    def cell(self, metric_id: str, fmt: Callable[[float], str]) -> str:
        """What a table shows for one metric: the value, or a dash for a too-small stratum."""
        if self.too_small:
            return NO_VALUE
        return fmt(self.values[metric_id]) if metric_id in self.values else ""


#: The flag of a stratum of fewer than 5 patients, shown instead of its values and CIs.
TOO_SMALL = "too small"
NO_VALUE = "-"


def _value(raw: Any) -> float | None:
    if isinstance(raw, dict):
        raw = raw.get("value")
    return float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None


def _level_row(stratum: str, level: str, block: Any) -> StratumRow | None:
    if not isinstance(block, dict):
        return None
    n = block.get("n")
    nested = block.get("metrics")
    source: dict[str, Any] = nested if isinstance(nested, dict) else block
    values = {
        str(k): v
        for k, raw in source.items()
        if k not in ("n", "metrics", "label") and (v := _value(raw)) is not None
    }
    patients = block.get("n_patients")
    return StratumRow(
        stratum,
        str(block.get("label", level)),
        n if isinstance(n, int) else None,
        values,
        patients if isinstance(patients, int) else None,
        block.get("too_small") is True,
    )


def strata_rows(strata: dict[str, Any]) -> list[StratumRow]:
    rows: list[StratumRow] = []
    for stratum, levels in strata.items():
        if isinstance(levels, dict) and isinstance(levels.get("levels"), dict):
            levels = levels["levels"]
        if not isinstance(levels, dict):
            continue
        for level, block in levels.items():
            row = _level_row(str(stratum), str(level), block)
            if row is not None:
                rows.append(row)
    return rows


def strata_metrics(rows: list[StratumRow]) -> list[str]:
    seen: list[str] = []
    for row in rows:
        seen += [m for m in row.values if m not in seen]
    return seen
