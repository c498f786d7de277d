"""Board renderers: terminal (rich), Markdown and a self-contained static HTML page.

Each renderer is imported on first use (PEP 562): `leaderboard show` needs only the
terminal one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "board_report": "petar_bench.leaderboard.render._terminal",
    "entry_report": "petar_bench.leaderboard.render._terminal",
    "render_html": "petar_bench.leaderboard.render._html",
    "render_markdown": "petar_bench.leaderboard.render._md",
}

if TYPE_CHECKING:
    from petar_bench.leaderboard.render._html import render_html
    from petar_bench.leaderboard.render._md import render_markdown
    from petar_bench.leaderboard.render._terminal import board_report, entry_report


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = ["board_report", "entry_report", "render_html", "render_markdown"]
