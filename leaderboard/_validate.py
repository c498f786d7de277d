"""Checking a predictions JSONL against a split, collecting EVERY problem before refusing.

A submitter fixes a file faster from one message that names all offending ids and lines
("3 sample ids missing: a, b, c; 1 duplicated: d (lines 4, 9)") than from one error per try.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from petar_bench.errors import UserError
from petar_bench.fileio import JsonInputError, decode_json_bytes, jsonl_file_problem
from petar_bench.leaderboard._config import SubmissionLimits

#: How many ids or lines one message names before it says "(+N more)".
MAX_NAMED = 10


@dataclass(frozen=True)
class Predictions:
    """A validated predictions file: texts in split order, and the file's sha256."""

    sample_ids: tuple[str, ...]
    texts: tuple[str, ...]
    sha256: str


def name_some(items: Sequence[str], limit: int = MAX_NAMED) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def _check_row(row: object, limits: SubmissionLimits) -> tuple[str | None, str | None, str]:
    """(sample_id, prediction, problem) of one parsed line; problem '' when fine."""
    if not isinstance(row, dict):
        return None, None, "not a JSON object"
    sample_id, text = row.get("sample_id"), row.get("prediction")
    if not isinstance(sample_id, str) or not sample_id.strip():
        return None, None, "'sample_id' missing or not a non-empty string"
    if "prediction" not in row:
        return sample_id, None, f"'prediction' missing for {sample_id!r}"
    if not isinstance(text, str):
        kind = type(text).__name__
        return sample_id, None, f"prediction for {sample_id!r} is {kind}, not text"
    if not text.strip():
        return sample_id, None, f"prediction for {sample_id!r} is empty"
    if len(text) > limits.max_prediction_chars:
        return (
            sample_id,
            None,
            (
                f"prediction for {sample_id!r} has {len(text)} characters "
                f"(limit {limits.max_prediction_chars})"
            ),
        )
    return sample_id, text, ""


def _parse_line(raw: bytes, limits: SubmissionLimits) -> tuple[str | None, str | None, str]:
    if len(raw) > limits.max_line_bytes:
        return None, None, f"{len(raw)} bytes long (limit {limits.max_line_bytes})"
    try:
        row = decode_json_bytes(raw, allow_nan=False)
    except JsonInputError as exc:
        return None, None, str(exc).removeprefix("is ")
    return _check_row(row, limits)


def _read_lines(path: Path, limits: SubmissionLimits) -> tuple[bytes, list[bytes]]:
    if not path.is_file():
        raise UserError(f"predictions file {str(path)!r} does not exist")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UserError(
            f"{path.name} refused: {size} bytes exceeds the limit of {limits.max_file_bytes}"
        )
    data = path.read_bytes()
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data  # tolerate a UTF-8 BOM
    return data, body.split(b"\n")


def _coverage_problems(
    found: dict[str, list[int]], expected: Sequence[str], where: str
) -> list[str]:
    expected_set = set(expected)
    missing = [s for s in expected if s not in found]
    duplicated = [
        f"{s} (lines {', '.join(map(str, lines))})" for s, lines in found.items() if len(lines) > 1
    ]
    unknown = [s for s in found if s not in expected_set]
    problems = []
    if missing:
        problems.append(f"{len(missing)} sample ids missing: {name_some(missing)}")
    if duplicated:
        problems.append(f"{len(duplicated)} duplicated: {name_some(duplicated)}")
    if unknown:
        problems.append(f"{len(unknown)} not in {where}: {name_some(unknown)}")
    return problems


def read_predictions(
    path: Path, expected_ids: Sequence[str], limits: SubmissionLimits, *, where: str = "the split"
) -> Predictions:
    """Parse and check a predictions JSONL; one UserError lists every problem found.

    `expected_ids` is the split's sample ids in order; `where` names the split in messages.
    """
    path = Path(path)
    data, lines = _read_lines(path, limits)
    whole = jsonl_file_problem(data)
    if whole:
        raise UserError(f"{path.name} refused, nothing written: the file {whole}")
    found: dict[str, list[int]] = {}
    texts: dict[str, str] = {}
    bad_lines: list[str] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        sample_id, text, problem = _parse_line(raw.rstrip(b"\r"), limits)
        if sample_id is not None:
            found.setdefault(sample_id, []).append(number)
        if problem:
            bad_lines.append(f"line {number}: {problem}")
        elif sample_id is not None and text is not None:
            texts.setdefault(sample_id, text)
    problems = _coverage_problems(found, expected_ids, where) + bad_lines[:MAX_NAMED]
    if len(bad_lines) > MAX_NAMED:
        problems.append(f"(+{len(bad_lines) - MAX_NAMED} more bad lines)")
    if problems:
        raise UserError(f"{path.name} refused, nothing written: " + "; ".join(problems))
    return Predictions(
        sample_ids=tuple(expected_ids),
        texts=tuple(texts[s] for s in expected_ids),
        sha256=hashlib.sha256(data).hexdigest(),
    )
