"""Leaderboard: submissions, ranking and boards (imported as ``petar_bench.leaderboard``).

Public API: `submit` (validate + re-score a predictions file into a `BoardEntry`), `load_board`
(a board's config, entries, ranking and the paper's reported rows), `rank_board`,
`compare_runs` (paired tests between two runs or entries), `submit_run` (a run directory
as an entry: how baseline entries are made), `verify_board` (re-score every entry from its
stored predictions), and the renderers in
`petar_bench.leaderboard.render`. The CLI calls the thin wrappers in
`petar_bench.commands._leaderboard`.

Names are imported on first use (PEP 562), so `leaderboard show` does not pay for the
submission and verification code. No submodule shares a name with a public function
(submission code lives in `submission`, not `submit`): a submodule of the same name would
replace the function on the package once imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the submodule that defines it.
_WHERE = {
    "BoardView": "board",
    "load_board": "board",
    "Comparison": "compare",
    "MetricComparison": "compare",
    "compare_runs": "compare",
    "BoardConfig": "config",
    "SubmissionLimits": "config",
    "load_board_config": "config",
    "TrainingSplit": "entry",
    "BoardEntry": "entry",
    "BoardMetricScore": "entry",
    "ModelInfo": "entry",
    "StoredPredictions": "entry",
    "TrainingDeclaration": "entry",
    "read_entry": "entry",
    "submit_run": "from_run",
    "ReportedTable": "paper",
    "load_paper_table": "paper",
    "RankedBoard": "rank",
    "RankedRow": "rank",
    "rank_board": "rank",
    "SubmissionMetadata": "submission",
    "SubmitResult": "submission",
    "TrainingData": "submission",
    "load_metadata": "submission",
    "submit": "submission",
    "VerifyReport": "verify",
    "verify_board": "verify",
}

if TYPE_CHECKING:
    from petar_bench.leaderboard._board import BoardView, load_board
    from petar_bench.leaderboard._compare import Comparison, MetricComparison, compare_runs
    from petar_bench.leaderboard._config import BoardConfig, SubmissionLimits, load_board_config
    from petar_bench.leaderboard._entry import (
        BoardEntry,
        BoardMetricScore,
        ModelInfo,
        StoredPredictions,
        TrainingDeclaration,
        TrainingSplit,
        read_entry,
    )
    from petar_bench.leaderboard._paper import ReportedTable, load_paper_table
    from petar_bench.leaderboard._rank import RankedBoard, RankedRow, rank_board
    from petar_bench.leaderboard._submission import (
        SubmissionMetadata,
        SubmitResult,
        TrainingData,
        load_metadata,
        submit,
    )
    from petar_bench.leaderboard.from_run import submit_run
    from petar_bench.leaderboard.verify import VerifyReport, verify_board


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = [
    "BoardConfig",
    "BoardEntry",
    "BoardMetricScore",
    "BoardView",
    "Comparison",
    "MetricComparison",
    "ModelInfo",
    "RankedBoard",
    "RankedRow",
    "ReportedTable",
    "StoredPredictions",
    "SubmissionLimits",
    "SubmissionMetadata",
    "SubmitResult",
    "TrainingData",
    "TrainingDeclaration",
    "TrainingSplit",
    "VerifyReport",
    "compare_runs",
    "load_board",
    "load_board_config",
    "load_metadata",
    "load_paper_table",
    "rank_board",
    "read_entry",
    "submit",
    "submit_run",
    "verify_board",
]
