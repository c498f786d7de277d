"""Allowed ranges of the numeric command-line options, checked where the library takes them.

A value outside its range is a one-line `UserError` naming the option, never a silently
different result (a negative number of permutation trials gave p = -0.25) nor a traceback
from deep inside numpy (a negative seed).
"""

from __future__ import annotations

from petar_bench.errors import UserError

#: numpy's default_rng and torch.manual_seed both accept this whole range.
SEED_RANGE = (0, 2**32 - 1)
#: Fewer than 1 resample gives no CI at all; beyond a million the CI no longer changes.
N_BOOTSTRAP_RANGE = (1, 1_000_000)
#: p is at least 1/(trials+1); ten million trials resolve p far below any alpha in use.
N_TRIALS_RANGE = (1, 10_000_000)
#: DataLoader worker processes: more than this only costs memory.
NUM_WORKERS_RANGE = (0, 256)
#: Import worker processes (each holds one exam in memory).
IMPORT_WORKERS_RANGE = (1, 64)
#: Synthetic-data worker processes (each renders one patient at a time).
GENERATE_WORKERS_RANGE = (1, 64)
#: How many patients, samples or lines a command is asked for.
COUNT_RANGE = (1, 10_000_000)
#: How many most-changed samples `check` shows per metric.
SHOW_SAMPLES_RANGE = (0, 1000)
#: BERTScore layer numbers count from 1 (0 is the embedding layer).
LAYER_RANGE = (0, 1000)


def check_range(option: str, value: int, bounds: tuple[int, int]) -> int:
    """`value` when low <= value <= high; else UserError 'OPTION must be ... not VALUE'."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserError(f"{option} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise UserError(f"{option} must be between {low} and {high}, not {value}")
    return value


def check_seed(value: int, option: str = "--seed") -> int:
    return check_range(option, value, SEED_RANGE)
