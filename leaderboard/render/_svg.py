"""Inline SVG bar charts with 95% CI error bars (no plotting library, no external assets)."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from petar_bench.leaderboard._text import safe_text

LABEL_W, PLOT_W, VALUE_W, BAR_H, GAP, PAD = 190, 320, 64, 18, 8, 6
#: One colour per rank group (Okabe-Ito, distinguishable with colour-vision deficiency),
#: reused from the start when a board has more groups than colours.
GROUP_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
CI_COLOUR = "#1d2125"


def group_colour(group: int) -> str:
    return GROUP_COLOURS[(group - 1) % len(GROUP_COLOURS)]


def _swatch(body: str) -> str:
    return f'<svg width="22" height="12" viewBox="0 0 22 12" aria-hidden="true">{body}</svg>'


def legend(groups: list[int]) -> str:
    """What the bars' colours and whiskers mean (one key for every chart of the board)."""
    items = [
        f'<li data-group="{g}">'
        + _swatch(f'<rect x="1" y="1" width="20" height="10" fill="{group_colour(g)}"/>')
        + f" rank group {g}</li>"
        for g in groups
    ]
    whisker = (
        f'<line x1="2" x2="20" y1="6" y2="6" stroke="{CI_COLOUR}"/>'
        f'<line x1="2" x2="2" y1="2" y2="10" stroke="{CI_COLOUR}"/>'
        f'<line x1="20" x2="20" y1="2" y2="10" stroke="{CI_COLOUR}"/>'
    )
    items.append(f"<li>{_swatch(whisker)} 95% CI (patient-clustered bootstrap)</li>")
    zero = '<line x1="11" x2="11" y1="0" y2="12" stroke="#8c959f"/>'
    items.append(f"<li>{_swatch(zero)} zero</li>")
    items.append("<li>number after the bar: the entry's value</li>")
    return f'<ul class="legend" aria-label="Chart legend">{"".join(items)}</ul>'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    ci95: tuple[float, float] | None
    group: int


def _scale(bars: list[Bar]) -> tuple[float, float]:
    lows = [min(b.value, *(b.ci95 or (b.value,))) for b in bars]
    highs = [max(b.value, *(b.ci95 or (b.value,))) for b in bars]
    low, high = min(0.0, *lows), max(0.0, *highs)
    return (low, high) if high > low else (low, low + 1.0)


def _shorten(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _bar(bar: Bar, y: float, to_x: Callable[[float], float], zero: float) -> list[str]:
    left, right = sorted((zero, to_x(bar.value)))
    mid = y + BAR_H / 2
    tip = html.escape(
        f"{safe_text(bar.label)}: {bar.value:.4f}"
        + (f" [{bar.ci95[0]:.4f}, {bar.ci95[1]:.4f}]" if bar.ci95 else "")
    )
    parts = [
        f'<g class="bar group-{bar.group}"><title>{tip}</title>',
        f'<text x="{LABEL_W - 6}" y="{mid + 4:.1f}" text-anchor="end">'
        f"{html.escape(_shorten(safe_text(bar.label)))}</text>",
        f'<rect x="{left:.1f}" y="{y:.1f}" width="{max(right - left, 0.5):.1f}" '
        f'height="{BAR_H}" fill="{group_colour(bar.group)}"/>',
    ]
    if bar.ci95 is not None:
        lo, hi = to_x(bar.ci95[0]), to_x(bar.ci95[1])
        parts += [
            f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{mid:.1f}" y2="{mid:.1f}" '
            f'stroke="{CI_COLOUR}"/>',
            f'<line x1="{lo:.1f}" x2="{lo:.1f}" y1="{y + 3:.1f}" y2="{y + BAR_H - 3:.1f}" '
            f'stroke="{CI_COLOUR}"/>',
            f'<line x1="{hi:.1f}" x2="{hi:.1f}" y1="{y + 3:.1f}" y2="{y + BAR_H - 3:.1f}" '
            f'stroke="{CI_COLOUR}"/>',
        ]
    parts.append(f'<text x="{LABEL_W + PLOT_W + 6}" y="{mid + 4:.1f}">{bar.value:.3f}</text></g>')
    return parts


def bar_chart(title: str, bars: list[Bar]) -> str:
    """One metric: a horizontal bar per entry, the 95% CI as an error bar, value at the end."""
    low, high = _scale(bars)

    def x_of(value: float) -> float:
        return LABEL_W + (value - low) / (high - low) * PLOT_W

    height = PAD * 2 + len(bars) * (BAR_H + GAP)
    width = LABEL_W + PLOT_W + VALUE_W
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="12" font-family="system-ui, sans-serif">',
        f"<title>{html.escape(safe_text(title))}</title>",
        f'<line x1="{x_of(0.0):.1f}" x2="{x_of(0.0):.1f}" y1="0" y2="{height}" stroke="#8c959f"/>',
    ]
    for i, bar in enumerate(bars):
        parts += _bar(bar, PAD + i * (BAR_H + GAP), x_of, x_of(0.0))
    parts.append("</svg>")
    return "".join(parts)
