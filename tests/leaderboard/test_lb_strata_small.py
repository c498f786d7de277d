"""Strata with fewer than 5 patients are flagged too small on boards, without value or CI."""

from __future__ import annotations

from petar_bench.leaderboard._scored import MIN_STRATUM_PATIENTS, board_strata
from petar_bench.leaderboard.render._common import fmt_value
from petar_bench.leaderboard.render._strata import NO_VALUE, TOO_SMALL, strata_rows


def _cell(n: int, patients: int) -> dict:
    return {
        "n": n,
        "n_patients": patients,
        "metrics": {"rouge_l": {"value": 0.5, "ci95": [0.4, 0.6]}},
    }


STRATA = {"tracer": {"FDG": _cell(13, 5), "PSMA": _cell(9, 4), "DOTATATE": _cell(2, 1)}}


def test_small_strata_lose_values_and_intervals() -> None:
    out = board_strata(STRATA)
    assert MIN_STRATUM_PATIENTS == 5
    assert out["tracer"]["FDG"] == STRATA["tracer"]["FDG"]  # 5 patients: kept as it is
    for level, (n, patients) in {"PSMA": (9, 4), "DOTATATE": (2, 1)}.items():
        assert out["tracer"][level] == {
            "n": n,
            "n_patients": patients,
            "too_small": True,
            "metrics": {},
        }
    assert STRATA["tracer"]["PSMA"]["metrics"]  # the input is not modified


def test_small_strata_render_as_too_small() -> None:
    rows = {r.level: r for r in strata_rows(board_strata(STRATA))}
    assert rows["FDG"].cell("rouge_l", fmt_value) == "0.500"
    assert rows["PSMA"].too_small and rows["PSMA"].n_patients == 4
    assert rows["PSMA"].cell("rouge_l", fmt_value) == NO_VALUE
    assert rows["PSMA"].shown_level == f"PSMA ({TOO_SMALL}, 4 patients)"
    assert rows["FDG"].shown_level == "FDG"


def test_non_mapping_strata_pass_through() -> None:
    assert board_strata({"odd": [1, 2]}) == {"odd": [1, 2]}
    assert board_strata({}) == {}
