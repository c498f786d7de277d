"""Leaderboard: submissions, ranking and boards (imported as ``petar_bench.leaderboard``).

Public API: `submit` (validate + re-score a predictions file into a `BoardEntry`), `load_board`
(a board's config, entries, ranking and the paper's reported rows), `rank_board`,
`compare_runs` (paired tests between two runs or entries), `submit_run` (a run directory
as an entry: how baseline entries are made), `verify_board` (re-score every entry from its
stored predictions), and the renderers in
`petar_bench.leaderboard.render`. The CLI calls the thin wrappers in
`petar_bench.commands.leaderboard`.
"""

from petar_bench.leaderboard.board import BoardView, load_board
from petar_bench.leaderboard.compare import Comparison, MetricComparison, compare_runs
from petar_bench.leaderboard.config import BoardConfig, SubmissionLimits, load_board_config
from petar_bench.leaderboard.entry import (
    BoardEntry,
    BoardMetricScore,
    ModelInfo,
    StoredPredictions,
    TrainingDeclaration,
    TrainingSplit,
    read_entry,
)
from petar_bench.leaderboard.from_run import submit_run
from petar_bench.leaderboard.paper import ReportedTable, load_paper_table
from petar_bench.leaderboard.rank import RankedBoard, RankedRow, rank_board
from petar_bench.leaderboard.submit import (
    SubmissionMetadata,
    SubmitResult,
    TrainingData,
    load_metadata,
    submit,
)
from petar_bench.leaderboard.verify import VerifyReport, verify_board

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
