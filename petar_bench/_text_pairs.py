"""Files of (sample id, text) rows: predictions and references JSONL, read through the
bounded reader; a missing id, a non-text value or a duplicated id is one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from petar_bench.errors import UserError
from petar_bench.fileio import read_jsonl


def read_prediction_texts(path: Path) -> dict[str, str]:
    """sample_id -> prediction; duplicates and non-text predictions are errors."""
    return read_text_pairs(read_jsonl(path, what="predictions file"), path, "prediction")


def read_text_pairs(rows: list[dict[str, Any]], path: Path, field: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    duplicated: list[str] = []
    for number, row in enumerate(rows, start=1):
        sample_id, text = row.get("sample_id"), row.get(field)
        if not isinstance(sample_id, str) or not sample_id:
            raise UserError(f"{path}: row {number} has no string 'sample_id'")
        if not isinstance(text, str):
            raise UserError(f"{path}: row {number} ({sample_id!r}) has no string {field!r}")
        if sample_id in pairs:
            duplicated.append(sample_id)
        pairs[sample_id] = text
    if duplicated:
        shown = ", ".join(duplicated[:5]) + (" ..." if len(duplicated) > 5 else "")
        raise UserError(f"{path}: {len(duplicated)} duplicated sample id(s): {shown}")
    return pairs
