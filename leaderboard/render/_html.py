"""The board as one static, self-contained HTML page (`leaderboard render --format html`).

Self-contained: CSS and JS are inlined, charts are inline SVG, and a Content-Security-Policy
forbids loading anything else, so the page works offline and from file://. Every piece of
user-supplied text passes through `esc` (html.escape with quotes); links are emitted only for
http(s) URLs. Sorting is plain DOM work on `data-value` attributes; no data is embedded in
the script, so there is no JSON-in-<script> escaping to get wrong.
"""

from __future__ import annotations

import html
from pathlib import Path

from petar_bench.leaderboard._board import BoardView
from petar_bench.leaderboard._entry import BoardEntry
from petar_bench.leaderboard._paper import ReportedTable
from petar_bench.leaderboard._rank import RankedBoard, RankedRow
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
from petar_bench.leaderboard.render._svg import Bar, bar_chart, legend

_HERE = Path(__file__).resolve().parent
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def esc(text: object) -> str:
    return html.escape(safe_text(text), quote=True)


def _link(url: str, text: str) -> str:
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{esc(url)}" rel="noopener noreferrer nofollow">{esc(text)}</a>'
    return esc(text)


def _th(label: str, kind: str, extra: str = "", cls: str = "") -> str:
    """A sortable header; `label` is already-escaped HTML."""
    classes = " ".join(c for c in ("num" if kind == "num" else "", cls) if c)
    attr = f' class="{classes}"' if classes else ""
    return f'<th data-type="{kind}"{attr}{extra}><button type="button">{label}</button></th>'


def _num(value: float | int | None, text: str, cls: str = "num") -> str:
    raw = "" if value is None else repr(float(value))
    return f'<td class="{cls}" data-value="{raw}">{text}</td>'


def _ranked_row(ranked: RankedBoard, row: RankedRow) -> str:
    e, primary = row.entry, ranked.config.primary_metric
    name = f'<a href="#prov-{esc(e.entry_id)}">{esc(e.model.name)}</a>'
    if e.kind == "baseline":
        name += ' <small class="tag">baseline</small>'
    cells = [
        _num(row.group, str(row.group), "num group"),
        _num(row.position, str(row.position)),
        f"<td>{name}</td>",
        f"<td>{esc(e.model.organisation)}</td>",
        f"<td>{esc(e.model.parameters)}</td>",
    ]
    for metric_id in ranked.metrics:
        score = ranked.score(e, metric_id)
        cls = "num primary" if metric_id == primary else "num"
        if score is None:
            why = esc(ranked.missing_reason(e, metric_id))
            cells.append(f'<td class="{cls}" data-value="" title="{why}">n/a</td>')
        else:
            # The CI goes under the value: a column as wide as "0.523", not "0.523 [0.503,
            # 0.544]", is what lets eight metrics and the p column fit a 1400 px screen.
            text = f'{fmt_value(score.value)} <small class="ci">{esc(fmt_ci(score))}</small>'
            cells.append(_num(score.value, text, cls))
    cells.append(_num(row.p_adjusted, esc(fmt_p(row.p_adjusted))))
    parity = "odd" if row.group % 2 else "even"
    return f'<tr class="group-{parity}" data-entry="{esc(e.entry_id)}">{"".join(cells)}</tr>'


def _ranked_table(ranked: RankedBoard) -> str:
    primary = ranked.config.primary_metric
    heads = [
        _th("Group", "num"),
        _th("#", "num"),
        _th("Model", "text"),
        _th("Organisation", "text"),
        _th("Params", "text"),
    ]
    for metric_id in ranked.metrics:
        label = f'{esc(metric_label(metric_id))} <small class="ci">[95% CI]</small>'
        cls = "primary" if metric_id == primary else ""
        heads.append(_th(label, "num", f' data-metric="{esc(metric_id)}"', cls))
    heads.append(_th('p vs group top <small class="ci">(Holm)</small>', "num"))
    body = "".join(_ranked_row(ranked, row) for row in ranked.rows)
    return (
        f'<div class="scroll"><table class="sortable" id="board-table"><thead><tr>'
        f"{''.join(heads)}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _charts(ranked: RankedBoard) -> str:
    figures = []
    for metric_id in ranked.metrics:
        scored = [
            (r, s) for r in ranked.rows if (s := ranked.score(r.entry, metric_id)) is not None
        ]
        if not scored:
            continue
        bars = [Bar(r.entry.model.name, s.value, s.ci95, r.group) for r, s in scored]
        label = metric_label(metric_id)
        higher = scored[0][1].higher_is_better
        figures.append(
            f'<figure data-metric="{esc(metric_id)}"><figcaption>{esc(label)} '
            f"<small>({'higher' if higher else 'lower'} is better)</small></figcaption>"
            f"{bar_chart(label + ' with 95% CI', bars)}</figure>"
        )
    groups = sorted({r.group for r in ranked.rows})
    return legend(groups) + f'<div class="charts">{"".join(figures)}</div>'


def _dl(items: list[tuple[str, str]]) -> str:
    """Definition list; values are already-escaped HTML."""
    return "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items if v) + "</dl>"


def _strata(entry: BoardEntry) -> str:
    rows = strata_rows(entry.strata)
    if not rows:
        return '<p class="note">No strata in this entry.</p>'
    metrics = strata_metrics(rows)
    heads = "".join(
        f"<th>{esc(h)}</th>" for h in ("Stratum", "Level", "n", *map(metric_label, metrics))
    )
    body = "".join(
        f"<tr><td>{esc(r.stratum)}</td><td>{esc(r.shown_level)}</td>"
        f'<td class="num">{"" if r.n is None else r.n}</td>'
        + "".join(f'<td class="num">{esc(r.cell(m, fmt_value))}</td>' for m in metrics)
        + "</tr>"
        for r in rows
    )
    return f"<h4>Strata</h4><table><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>"


def _provenance(row: RankedRow, alpha: float) -> str:
    e, m = row.entry, row.entry.model
    items = [
        ("kind", esc(e.kind + (" (synthetic data)" if e.synthetic else ""))),
        ("rank group", esc(f"{row.group}: {group_note(row, alpha)}")),
        ("organisation", esc(m.organisation)),
        ("parameters", esc(m.parameters)),
        ("link", _link(m.link, m.link) if m.link else ""),
        ("checkpoint", esc(m.checkpoint)),
        ("decoding", esc(decoding_text(e))),
        ("training data", esc(training_text(e))),
        ("dataset / split", esc(f"{e.dataset} / {e.split} (n = {e.n})")),
        ("split fingerprint", f"<code>{esc(e.split_fingerprint)}</code>"),
        ("predictions sha256", f"<code>{esc(e.predictions_sha256)}</code>"),
        ("harness", esc(e.harness_version)),
        ("created", esc(e.created)),
    ]
    items += [
        (f"signature {metric_label(k)}", f"<code>{esc(s.signature)}</code>")
        for k, s in e.metrics.items()
    ]
    items += [(f"{metric_label(k)} not computed", esc(v)) for k, v in e.not_computed.items()]
    notes = f"<p>{esc(e.notes)}</p>" if e.notes else ""
    return (
        f'<details id="prov-{esc(e.entry_id)}"><summary>{esc(m.name)} '
        f"<small>({esc(e.entry_id)})</small></summary>{_dl(items)}{notes}{_strata(e)}"
        "</details>"
    )


def _lists(ranked: RankedBoard) -> str:
    sig = _dl([(metric_label(k), f"<code>{esc(v)}</code>") for k, v in ranked.signatures.items()])
    parts = [f"<h3>Metric signatures</h3>{sig}"]
    if ranked.not_computed:
        parts.append(
            "<h3>Not computed</h3>"
            + _dl([(metric_label(k), esc("; ".join(v))) for k, v in ranked.not_computed.items()])
        )
    if ranked.excluded:
        parts.append(
            '<h3>Not on this board</h3><ul id="excluded">'
            + "".join(f"<li>{esc(x.name)}: {esc(x.reason)}</li>" for x in ranked.excluded)
            + "</ul>"
        )
    return "".join(parts)


def _paper(paper: ReportedTable) -> str:
    heads = [_th("Category (paper)", "text"), _th("Model", "text")]
    heads += [_th(esc(c.label), "num", f' data-metric="{esc(c.id)}"') for c in paper.columns]
    body = "".join(
        f"<tr><td>{esc(r.group)}</td><td>{esc(r.model)}</td>"
        + "".join(_num(r.values.get(c.id), c.fmt(r.values.get(c.id))) for c in paper.columns)
        + "</tr>"
        for r in paper.rows
    )
    return (
        f'<section id="paper"><h2>{esc(paper.title)}</h2>'
        f'<div class="banner reported">{esc(PAPER_NOTE)}: no CI, p-value or rank group; '
        f"never ranked together with the re-scored entries above.</div>"
        f'<p class="note">{esc(paper.note)} Source: {_link(paper.source_url, paper.source)}.'
        f'</p><div class="scroll"><table class="sortable" id="paper-table"><thead><tr>'
        f"{''.join(heads)}</tr></thead><tbody>{body}</tbody></table></div></section>"
    )


def _asset(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


def render_html(view: BoardView) -> str:
    from petar_bench import __version__

    config, ranked = view.config, view.ranked
    banner = ""
    if config.synthetic:
        banner = f'<div class="banner synthetic">{esc(SYNTHETIC_NOTE)}</div>'
    if ranked.rows:
        board = (
            _ranked_table(ranked) + f'<p class="note">{esc(GROUP_NOTE)} alpha {config.alpha},'
            f" {config.n_trials} trials, seed {config.seed}.</p>"
        )
        extra = (
            "<h2>Scores with 95% CIs (patient-clustered bootstrap)</h2>"
            + _charts(ranked)
            + '<section id="provenance"><h2>Provenance and strata</h2>'
            + "".join(_provenance(r, config.alpha) for r in ranked.rows)
            + "</section>"
        )
    else:
        board, extra = "<p>No entries yet.</p>", ""
    paper = _paper(view.paper) if view.paper is not None else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(config.title)}</title><style>{_asset('board.css')}</style></head><body>"
        f"<header><h1>{esc(config.title)}</h1><p>{esc(config.description)}</p></header>{banner}"
        f'<section id="board"><h2>Ranked entries (primary: '
        f"{esc(metric_label(config.primary_metric))})</h2>{board}"
        f'<p class="note">Split {esc(config.split)} of {esc(config.dataset)}, fingerprint '
        f"<code>{esc(config.split_fingerprint)}</code>.</p>{_lists(ranked)}</section>{extra}"
        f"{paper}<footer>Rendered by petar-bench {esc(__version__)}.</footer>"
        f"<script>{_asset('board.js')}</script></body></html>\n"
    )
