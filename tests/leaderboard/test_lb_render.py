"""Boards as terminal tables, Markdown and HTML: sections, labels, and escaping of user text."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lb_fixtures import EVIL, fill_board
from rich.console import Console

from petar_bench.leaderboard import load_board
from petar_bench.leaderboard._board import BoardView
from petar_bench.leaderboard.render import (
    board_report,
    entry_report,
    render_html,
    render_markdown,
)
from petar_bench.records import Manifest


@pytest.fixture()
def view(board: Path, manifest: Manifest, tmp_path: Path) -> BoardView:
    fill_board(board, manifest, tmp_path)
    return load_board(board)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_markdown_sections_and_escaping(view: BoardView) -> None:
    text = render_markdown(view)
    assert "SYNTHETIC DATA" in text
    assert "reported in the paper, not re-scored" in text
    assert "BLEU (variant not stated)" in text
    assert "<script>" not in text and "<img" not in text
    assert not re.search(r"(?<!\\)\]\(javascript", text), "a live Markdown link"
    assert "&lt;script&gt;" in text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    ranked = table[: 2 + 3]
    bars = {len(re.findall(r"(?<!\\)\|", line)) for line in ranked}
    assert len(bars) == 1, "an unescaped | in a cell breaks the table"
    paper_start = text.index("reported in the paper, not re-scored")
    paper = text[paper_start:]
    assert "MedGemma-4B FT" in paper and "0.495" in paper and "-4.36" in paper
    assert "[" not in "".join(line for line in paper.splitlines() if line.startswith("| "))
    assert "p vs group top" not in paper and "Holm" not in paper


def test_html_is_self_contained_and_escaped(view: BoardView) -> None:
    page = render_html(view)
    assert EVIL not in page and html.escape(EVIL, quote=True) in page
    parser = Tags()
    parser.feed(page)
    names = [t for t, _ in parser.tags]
    assert names.count("script") == 1 and "img" not in names and "link" not in names
    assert "iframe" not in names and "object" not in names
    for tag, attrs in parser.tags:
        assert "src" not in attrs, f"<{tag}> loads {attrs['src']}"
        assert not any(k.startswith("on") for k in attrs), f"<{tag}> has an event handler"
        if "href" in attrs:
            assert (attrs["href"] or "").startswith(("#", "https://")), attrs["href"]
    csp = [a for t, a in parser.tags if t == "meta" and a.get("http-equiv")]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")
    assert "@import" not in page and "url(" not in page


def test_html_has_table_charts_provenance_and_paper_section(view: BoardView) -> None:
    page = render_html(view)
    parser = Tags()
    parser.feed(page)
    rows = [a for t, a in parser.tags if t == "tr" and "data-entry" in a]
    assert len(rows) == 3
    charts = page[page.index('<div class="charts">') :]
    assert charts.count("<svg") == 3 and charts.count("<line") > 9  # bars with error bars
    legend = page[page.index('<ul class="legend"') : page.index('<div class="charts">')]
    groups = sorted({r.group for r in view.ranked.rows})
    assert [f"rank group {g}" in legend for g in groups] == [True] * len(groups)
    assert "95% CI" in legend
    for entry in (r.entry for r in view.ranked.rows):
        assert f'id="prov-{entry.entry_id}"' in page
        assert entry.predictions_sha256 in page
    assert "Strata" in page and "PSMA" in page
    paper = page[page.index('<section id="paper">') :]
    assert "Reported in the paper, not re-scored" in paper
    assert "BLEU (variant not stated)" in paper
    assert "[95% CI]" not in paper and "Holm" not in paper and "data-entry" not in paper


def test_terminal_board_prints_user_text_literally(view: BoardView) -> None:
    console = Console(record=True, width=400)
    console.print(board_report(view))
    out = console.export_text()
    assert "[red]rich[/red]" in out and "<script>" in out  # plain text, not markup
    assert "SYNTHETIC DATA" in out and "REPORTED IN THE PAPER, NOT RE-SCORED" in out
    assert "BLEU (variant not stated)" in out
    assert "good" in out and "weak" in out and "[0." in out


def test_terminal_entry_view_shows_provenance_and_strata(view: BoardView) -> None:
    console = Console(record=True, width=200)
    console.print(entry_report(view, "good"))
    out = console.export_text()
    assert "predictions sha256" in out and "training data" in out
    assert "tracer" in out and "FDG" in out and "PSMA" in out
