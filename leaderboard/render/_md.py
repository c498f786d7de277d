"""The board as Markdown (`petar-bench leaderboard render --format md`).

All user-supplied text goes through `md_escape`: HTML-escaped (Markdown renderers pass raw
HTML through) and with Markdown's own specials backslash-escaped, so a model name can
neither break the table nor inject markup or links.
"""

from __future__ import annotations

import html
import re

from petar_bench.leaderboard._board import BoardView
from petar_bench.leaderboard._entry import BoardEntry
from petar_bench.leaderboard._paper import ReportedTable
from petar_bench.leaderboard._rank import RankedBoard
from petar_bench.leaderboard._text import safe_text
from petar_bench.leaderboard.render._common import (
    GROUP_NOTE,
    PAPER_NOTE,
    SYNTHETIC_NOTE,
    decoding_text,
    fmt_ci,
    fmt_p,
    fmt_value,
    group_note,
    metric_label,
    training_text,
)
from petar_bench.leaderboard.render._strata import strata_metrics, strata_rows

_MD_SPECIAL = re.compile(r"([\\`*_\[\]!|~])")


def md_escape(text: object) -> str:
    flat = " ".join(safe_text(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def _table(headers: list[str], rows: list[list[str]], right_from: int) -> list[str]:
    align = ["---" if i < right_from else "---:" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _ranked(ranked: RankedBoard) -> list[str]:
    config = ranked.config
    headers = ["Group", "#", "Model", "Organisation", "Params"]
    headers += [
        f"{metric_label(m)} [95% CI]" + (" (primary)" if m == config.primary_metric else "")
        for m in ranked.metrics
    ]
    headers.append("p vs group top (Holm)")
    rows = []
    for row in ranked.rows:
        e = row.entry
        cells = [
            str(row.group),
            str(row.position),
            md_escape(e.model.name) + (" (baseline)" if e.kind == "baseline" else ""),
            md_escape(e.model.organisation),
            md_escape(e.model.parameters),
        ]
        for metric_id in ranked.metrics:
            score = ranked.score(e, metric_id)
            cells.append(
                "n/a" if score is None else f"{fmt_value(score.value)} {md_escape(fmt_ci(score))}"
            )
        cells.append(md_escape(fmt_p(row.p_adjusted)))
        rows.append(cells)
    return _table(headers, rows, right_from=5)


def _notes(ranked: RankedBoard) -> list[str]:
    config = ranked.config
    lines = [
        "",
        md_escape(
            f"{GROUP_NOTE} alpha {config.alpha}, {config.n_trials} trials, seed {config.seed}."
        ),
        "",
    ]
    lines.append(
        f"Split {md_escape(config.split)} of {md_escape(config.dataset)}, "
        f"fingerprint {md_escape(config.split_fingerprint)}."
    )
    lines += ["", "### Signatures", ""]
    lines += [f"- {metric_label(m)}: {md_escape(s)}" for m, s in ranked.signatures.items()]
    if ranked.not_computed:
        lines += ["", "### Not computed", ""]
        lines += [
            f"- {metric_label(m)}: {md_escape('; '.join(r))}"
            for m, r in ranked.not_computed.items()
        ]
    if ranked.excluded:
        lines += ["", "### Not on this board", ""]
        lines += [f"- {md_escape(x.name)}: {md_escape(x.reason)}" for x in ranked.excluded]
    return lines


def _provenance(entry: BoardEntry, note: str) -> list[str]:
    m = entry.model
    lines = ["", f"#### {md_escape(m.name)} ({md_escape(entry.entry_id)})", ""]
    items = [
        ("kind", entry.kind + (" (synthetic data)" if entry.synthetic else "")),
        ("rank", note),
        ("organisation", m.organisation),
        ("parameters", m.parameters),
        ("link", m.link),
        ("checkpoint", m.checkpoint),
        ("decoding", decoding_text(entry)),
        ("training data", training_text(entry)),
        ("predictions sha256", entry.predictions_sha256),
        ("harness", entry.harness_version),
        ("created", entry.created),
    ]
    items += [(f"{metric_label(k)} not computed", v) for k, v in entry.not_computed.items()]
    lines += [f"- {key}: {md_escape(value)}" for key, value in items if value]
    lines += _strata(entry)
    return lines


def _strata(entry: BoardEntry) -> list[str]:
    rows = strata_rows(entry.strata)
    if not rows:
        return []
    metrics = strata_metrics(rows)
    headers = ["Stratum", "Level", "n", *map(metric_label, metrics)]
    body = [
        [md_escape(r.stratum), md_escape(r.shown_level), "" if r.n is None else str(r.n)]
        + [r.cell(m, fmt_value) for m in metrics]
        for r in rows
    ]
    return ["", "Strata:", "", *_table(headers, body, right_from=2)]


def _paper(paper: ReportedTable) -> list[str]:
    lines = [
        "",
        f"## {md_escape(paper.title)}: {PAPER_NOTE.lower()}",
        "",
        f"> {md_escape(paper.note)} Source: {md_escape(paper.source)}.",
        "",
    ]
    headers = ["Category (paper)", "Model", *[md_escape(c.label) for c in paper.columns]]
    rows = [
        [md_escape(r.group), md_escape(r.model)]
        + [c.fmt(r.values.get(c.id)) for c in paper.columns]
        for r in paper.rows
    ]
    return lines + _table(headers, rows, right_from=2)


def render_markdown(view: BoardView) -> str:
    config, ranked = view.config, view.ranked
    lines = [f"# {md_escape(config.title)}", ""]
    if config.description:
        lines += [md_escape(config.description), ""]
    if config.synthetic:
        lines += [f"> **{md_escape(SYNTHETIC_NOTE)}**", ""]
    lines += [f"## Ranked entries (primary: {metric_label(config.primary_metric)})", ""]
    lines += _ranked(ranked) if ranked.rows else ["No entries yet."]
    lines += _notes(ranked)
    if ranked.rows:
        lines += ["", "### Provenance and strata"]
        for row in ranked.rows:
            lines += _provenance(row.entry, group_note(row, config.alpha))
    if view.paper is not None:
        lines += _paper(view.paper)
    return "\n".join(lines) + "\n"
