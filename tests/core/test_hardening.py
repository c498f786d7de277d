"""Hardening fixes that are not a row of the bad-input table: entry text kept exactly,
entry shape checks, option checks for metrics. (Ctrl-C saying how to resume is tested
against a slow endpoint in tests/endpoint/test_openai_vlm.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from petar_bench import registry
from petar_bench.errors import UserError
from petar_bench.leaderboard._entry import BoardEntry, entry_json, stats_matrix

ROOT = Path(__file__).resolve().parents[2]


def _shipped_entry() -> dict[str, Any]:
    folder = ROOT / "leaderboard" / "entries" / "synthetic-demo"
    path = next(p for p in sorted(folder.glob("*.json")) if p.name != "board.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_entry_json_keeps_user_text_that_looks_like_a_row() -> None:
    data = _shipped_entry()
    data["notes"] = "[  1,   2  ] and [\n 3,\n 4\n]"
    data["model"]["organisation"] = "[ 0.5,  null ]"
    entry = BoardEntry.model_validate(data)
    text = entry_json(entry)
    again = BoardEntry.model_validate(json.loads(text))
    assert again.notes == data["notes"] and again.model.organisation == "[ 0.5,  null ]"
    # ...while the statistics rows are still compacted onto one line each
    first_metric = next(iter(entry.metrics))
    row = entry.metrics[first_metric].stats[0]
    assert "[" + ", ".join(json.dumps(x) for x in row) + "]" in text


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda d, m: d["metrics"][m]["stats"].__setitem__(0, [1.0, 2.0, 3.0, 4.0, 5.0]), "ragged"),
        (lambda d, m: d["metrics"][m]["stats"].pop(), "rows for"),
        (lambda d, m: d["patient_index"].pop(), "patient_index has"),
    ],
)
def test_entries_with_misaligned_statistics_are_refused_at_read(edit: Any, problem: str) -> None:
    data = _shipped_entry()
    edit(data, next(iter(data["metrics"])))
    with pytest.raises(ValidationError, match=problem):
        BoardEntry.model_validate(data)


def test_stats_matrix_names_what_is_wrong() -> None:
    assert stats_matrix([[1, None], [2.5, 3]]).shape == (2, 2)
    for rows, problem in (
        ({"a": 1}, "list of rows"),
        ([[1], [1, 2]], "ragged"),
        ([["x"]], "not a number"),
        ([[True]], "not a number"),
        ([[1]], "1 rows of per-sample statistics for 2 samples"),
    ):
        with pytest.raises(ValueError, match=problem):
            stats_matrix(rows, n=2 if problem.startswith("1 rows") else None)


def test_metric_options_are_checked_like_model_options() -> None:
    with pytest.raises(UserError, match="metric 'rouge_l' has no option 'bogus'"):
        registry.metrics.create("rouge_l", bogus=1)
    with pytest.raises(UserError, match="model 'measure' has no option 'temperature'"):
        registry.models.create("measure", temperature="2")


def test_a_type_error_inside_a_factory_stays_a_bug() -> None:
    def factory(**options: Any) -> None:
        raise TypeError("a bug inside the factory")

    registry.models.add(registry.Registration("buggy-test-model", factory, "test"))
    try:
        with pytest.raises(TypeError, match="a bug inside"):
            registry.models.create("buggy-test-model", anything=1)
    finally:
        registry.models._entries.pop("buggy-test-model", None)
