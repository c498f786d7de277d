"""Board configurations: what a board ranks on, and where its entries live.

A board is a folder holding `board.json` (a `BoardConfig`) and one `<entry_id>.json` per
entry. The shipped boards are the sub-folders of `leaderboard/entries/`; a user's own
submissions go to `$PETAR_BENCH_HOME/leaderboard/<board_id>/` (default `~/.petar-bench`),
which `show` and `render` read as well. Any other folder with a board.json works too.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from petar_bench.errors import UserError
from petar_bench.fileio import read_json_model

BOARD_FILE = "board.json"
HOME_ENV = "PETAR_BENCH_HOME"
SHIPPED_DIR = Path(__file__).resolve().parent / "entries"
PAPER_TABLE_FILE = SHIPPED_DIR / "paper_table2.json"
DEFAULT_BOARD = "synthetic-demo"


class SubmissionLimits(BaseModel):
    """Size limits on a predictions file (the real findings are a few hundred characters)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_file_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    max_line_bytes: int = Field(default=64 * 1024, gt=0)
    max_prediction_chars: int = Field(default=10_000, gt=0)


class BoardConfig(BaseModel):
    """What a board fixes: the split (by fingerprint), the required metrics, the primary one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1
    board_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str
    description: str = ""
    dataset: str = Field(description="Name or folder given to resolve_dataset, e.g. 'demo'.")
    split: str = "test"
    split_fingerprint: str | None = Field(
        description="The pinned split fingerprint; null = not pinned yet (submissions refused)."
    )
    synthetic: bool
    required_metrics: list[str] = Field(min_length=1)
    optional_metrics: list[str] = Field(
        default_factory=list, description="Scored when they can be; listed with a reason if not."
    )
    primary_metric: str
    metric_signatures: dict[str, str] = Field(
        default_factory=dict,
        description="Pinned signatures; a metric not pinned takes the most common one.",
    )
    min_harness_version: str = "0.1.0"
    alpha: float = Field(0.05, gt=0, lt=1)
    n_trials: int = Field(10_000, ge=99, description="Paired approximate-randomization trials.")
    n_bootstrap: int = Field(1000, ge=99)
    seed: int = 12345
    show_paper_table: bool = Field(False, description="Show the paper's Table 2 section.")
    limits: SubmissionLimits = SubmissionLimits()

    @model_validator(mode="after")
    def _primary_is_required(self) -> BoardConfig:
        if self.primary_metric not in self.required_metrics:
            raise ValueError(f"primary_metric {self.primary_metric!r} is not in required_metrics")
        return self

    @property
    def scored_metrics(self) -> list[str]:
        return self.required_metrics + [
            m for m in self.optional_metrics if m not in self.required_metrics
        ]


def user_boards_dir() -> Path:
    return Path(os.environ.get(HOME_ENV) or "~/.petar-bench").expanduser() / "leaderboard"


def shipped_board_ids() -> list[str]:
    return sorted(p.parent.name for p in SHIPPED_DIR.glob(f"*/{BOARD_FILE}"))


def board_dir(board: str | Path) -> Path:
    """A board id of a shipped board, or a folder holding a board.json."""
    path = Path(board).expanduser()
    if (path / BOARD_FILE).is_file():
        return path
    shipped = SHIPPED_DIR / str(board)
    if (shipped / BOARD_FILE).is_file():
        return shipped
    known = ", ".join(shipped_board_ids())
    raise UserError(
        f"unknown board {str(board)!r}: neither a shipped board ({known}) nor a folder "
        "holding a board.json"
    )


def load_board_config(board: str | Path) -> BoardConfig:
    path = board_dir(board) / BOARD_FILE
    return read_json_model(path, BoardConfig, what="board configuration")
