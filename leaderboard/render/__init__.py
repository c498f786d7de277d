"""Board renderers: terminal (rich), Markdown and a self-contained static HTML page.

Each renderer is imported on first use (PEP 562): `leaderboard show` needs only the
terminal one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "print_board": "petar_bench.leaderboard.render._terminal",
    "print_entry": "petar_bench.leaderboard.render._terminal",
    "render_html": "petar_bench.leaderboard.render._html",
    "render_markdown": "petar_bench.leaderboard.render._md",
}

if TYPE_CHECKING:
    from petar_bench.leaderboard.render._html import render_html
    from petar_bench.leaderboard.render._md import render_markdown
    from petar_bench.leaderboard.render._terminal import print_board, print_entry


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = ["print_board", "print_entry", "render_html", "render_markdown"]
