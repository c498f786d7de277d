"""Board renderers: terminal (rich), Markdown and a self-contained static HTML page."""

from petar_bench.leaderboard.render.html import render_html
from petar_bench.leaderboard.render.md import render_markdown
from petar_bench.leaderboard.render.terminal import print_board, print_entry

__all__ = ["print_board", "print_entry", "render_html", "render_markdown"]
