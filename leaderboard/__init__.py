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

#: Public name -> the module that defines it (dotted in full, so renames find it).
_WHERE = {
    "BoardView": "petar_bench.leaderboard._board",
    "load_board": "petar_bench.leaderboard._board",
    "Comparison": "petar_bench.leaderboard._compare",
    "MetricComparison": "petar_bench.leaderboard._compare",
    "compare_runs": "petar_bench.leaderboard._compare",
    "BoardConfig": "petar_bench.leaderboard._config",
    "SubmissionLimits": "petar_bench.leaderboard._config",
    "load_board_config": "petar_bench.leaderboard._config",
    "TrainingSplit": "petar_bench.leaderboard._entry",
    "BoardEntry": "petar_bench.leaderboard._entry",
    "BoardMetricScore": "petar_bench.leaderboard._entry",
    "ModelInfo": "petar_bench.leaderboard._entry",
    "StoredPredictions": "petar_bench.leaderboard._entry",
    "TrainingDeclaration": "petar_bench.leaderboard._entry",
    "read_entry": "petar_bench.leaderboard._entry",
    "submit_run": "petar_bench.leaderboard.from_run",
    "ReportedTable": "petar_bench.leaderboard._paper",
    "load_paper_table": "petar_bench.leaderboard._paper",
    "RankedBoard": "petar_bench.leaderboard._rank",
    "RankedRow": "petar_bench.leaderboard._rank",
    "rank_board": "petar_bench.leaderboard._rank",
    "SubmissionMetadata": "petar_bench.leaderboard._submission",
    "SubmitResult": "petar_bench.leaderboard._submission",
    "TrainingData": "petar_bench.leaderboard._submission",
    "load_metadata": "petar_bench.leaderboard._submission",
    "submit": "petar_bench.leaderboard._submission",
    "VerifyReport": "petar_bench.leaderboard.verify",
    "verify_board": "petar_bench.leaderboard.verify",
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
    value = getattr(importlib.import_module(module), name)
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
