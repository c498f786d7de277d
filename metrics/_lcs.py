"""Length of the longest common subsequence of two token lists, bit-parallel.

The textbook dynamic programme is O(n*m) Python steps (pycocoevalcap and rouge-score both
build the full table). The bit-vector recurrence of Allison-Dix / Hyyro keeps one row as a
Python integer and costs O(n) big-integer operations, with exactly the same result.
"""

from __future__ import annotations

from collections.abc import Sequence


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """|LCS(a, b)| over tokens compared for equality."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    masks: dict[str, int] = {}
    for j, tok in enumerate(b):
        masks[tok] = masks.get(tok, 0) | (1 << j)
    full = (1 << len(b)) - 1
    row = full  # bit j set: column j not yet used by the LCS
    for tok in a:
        match = masks.get(tok)
        if match:
            u = row & match
            row = ((row + u) | (row - u)) & full
    return len(b) - row.bit_count()
