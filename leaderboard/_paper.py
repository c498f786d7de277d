"""Numbers reported in a paper (the PETAR paper's Table 2): shown, never re-scored or ranked.

They carry no CI, p-value, signature or rank group, because none can be computed from a
table of published means; keeping them in their own schema (not `BoardEntry`) makes it
impossible to rank them together with re-scored entries by accident.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from petar_bench.leaderboard._config import PAPER_TABLE_FILE


class ReportedColumn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    label: str = Field(description="Column header, e.g. 'BLEU (variant not stated)'.")
    higher_is_better: bool = True
    decimals: int = Field(3, ge=0, le=6, description="Digits as published.")

    def fmt(self, value: float | None) -> str:
        return "n/a" if value is None else f"{value:.{self.decimals}f}"


class ReportedRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    group: str = Field(description="The paper's grouping, e.g. '2D zero-shot'.")
    model: str
    values: dict[str, float]


class ReportedTable(BaseModel):
    """A published results table, kept as data (`leaderboard/entries/paper_table2.json`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    kind: Literal["reported"] = "reported"
    title: str
    source: str
    source_url: str = ""
    dataset: str
    split: str
    n: int
    note: str
    columns: list[ReportedColumn]
    rows: list[ReportedRow]


def load_paper_table(path: Path = PAPER_TABLE_FILE) -> ReportedTable:
    from petar_bench.fileio import read_json_model

    return read_json_model(Path(path), ReportedTable, what="reported table")
