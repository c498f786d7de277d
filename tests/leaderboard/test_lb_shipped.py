"""The shipped board data: the paper's Table 2 as published, the board configs, the entries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from petar_bench.leaderboard import load_board_config, load_paper_table, read_entry
from petar_bench.leaderboard._config import SHIPPED_DIR, shipped_board_ids
from petar_bench.leaderboard._rank_cache import CACHE_FILE

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data"

FACTS = DATA / "paper/petar_table2.md"


def _facts_rows() -> dict[str, list[float]]:
    text = FACTS.read_text(encoding="utf-8")
    section = text[text.index("## Table 2") :]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 10 and re.fullmatch(r"-?\d+\.\d+", cells[2]):
            rows[cells[1]] = [float(c) for c in cells[2:]]
    return rows


def test_paper_table_is_table_2_as_published() -> None:
    table = load_paper_table()
    assert table.n == 1175 and len(table.rows) == 15
    assert [c.id for c in table.columns] == [
        "bleu",
        "rouge_l",
        "meteor",
        "cider",
        "bertscore",
        "bartscore",
        "ratescore",
        "green",
    ]
    assert table.columns[0].label == "BLEU (variant not stated)"
    assert "not re-scored" in table.note
    by_model = {r.model: r for r in table.rows}
    petar = by_model["PETAR-4B"]
    assert petar.group == "reference" and petar.values["bleu"] == 0.535
    assert petar.values["cider"] == 0.457 and petar.values["green"] == 0.257
    assert by_model["Med3DVLM"].values["bartscore"] == -5.70
    facts = _facts_rows()
    assert set(facts) == set(by_model)
    for model, values in facts.items():
        assert [by_model[model].values[c.id] for c in table.columns] == values, model


def test_shipped_boards_are_valid() -> None:
    ids = shipped_board_ids()
    assert {"synthetic-demo", "petarseg-11k-test"} <= set(ids)
    demo = load_board_config("synthetic-demo")
    assert demo.synthetic and demo.dataset == "demo"
    real = load_board_config("petarseg-11k-test")
    assert not real.synthetic


@pytest.mark.parametrize("board_id", ["synthetic-demo", "petarseg-11k-test"])
def test_shipped_boards_rank_on_what_matters(board_id: str) -> None:
    """Paper table on real data only; GREEN when a judge is pinned, else masked ROUGE-L;
    strict field accuracies only (an omission is an error)."""
    config = load_board_config(board_id)
    assert config.show_paper_table is (not config.synthetic)
    expected = "green" if "green" in config.metric_signatures else "rouge_l_masked"
    assert config.primary_metric == expected
    fields = [m for m in config.scored_metrics if m.startswith("pet_") and m.endswith("_acc")]
    strict = [m for m in config.scored_metrics if m.endswith("_acc_strict")]
    assert not fields and len(strict) == 3


def test_shipped_entries_parse_and_match_their_board() -> None:
    for board_id in shipped_board_ids():
        config = load_board_config(board_id)
        for path in sorted((SHIPPED_DIR / board_id).glob("*.json")):
            if path.name in ("board.json", CACHE_FILE):
                continue
            entry = read_entry(path)
            assert entry.board_id == board_id and entry.entry_id == path.stem
            assert entry.split_fingerprint == config.split_fingerprint
            assert entry.synthetic == config.synthetic
            assert set(config.required_metrics) <= set(entry.metrics)
            assert "reference" not in json.dumps(json.loads(path.read_text())["metrics"])
            # Schema 2: the predictions travel with the entry (leaderboard verify re-scores).
            assert entry.schema_version == 2 and entry.predictions is not None
            assert len(entry.predictions.texts()) == entry.n


def test_board_data_is_packaged() -> None:
    # (text checks: tomllib is not in Python 3.10, which the project supports)
    text = (ROOT / "pyproject.toml").read_text()
    assert '"petar_bench.leaderboard.render"' in text
    assert '"petar_bench.leaderboard" = ["entries/*.json", "entries/*/*.json"]' in text


@pytest.mark.parametrize("asset", ["board.css", "board.js"])
def test_render_assets_reference_nothing_external(asset: str) -> None:
    text = (ROOT / "leaderboard" / "render" / asset).read_text()
    assert "http" not in text and "@import" not in text and "url(" not in text
