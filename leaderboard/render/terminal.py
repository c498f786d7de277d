"""The board as rich tables in the terminal (`petar-bench leaderboard show`)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from petar_bench.errors import UserError
from petar_bench.leaderboard.board import BoardView
from petar_bench.leaderboard.entry import Entry
from petar_bench.leaderboard.paper import ReportedTable
from petar_bench.leaderboard.rank import RankedBoard
from petar_bench.leaderboard.render._common import (
    GROUP_NOTE,
    PAPER_NOTE,
    SYNTHETIC_NOTE,
    decoding_text,
    fmt_ci,
    fmt_p,
    fmt_value,
    metric_label,
    training_text,
)
from petar_bench.leaderboard.render._strata import strata_metrics, strata_rows


def _ranked_table(ranked: RankedBoard) -> Table:
    config = ranked.config
    table = Table(title=Text(f"{config.title} (primary: {metric_label(config.primary_metric)})"))
    for header in ("group", "#", "model", "organisation", "params"):
        table.add_column(header, no_wrap=header in ("group", "#"))
    for metric_id in ranked.metrics:
        style = "bold" if metric_id == config.primary_metric else None
        table.add_column(f"{metric_label(metric_id)}\n[95% CI]", justify="right", style=style)
    table.add_column("p vs group top\n(Holm)", justify="right")
    for row in ranked.rows:
        cells = [
            str(row.group),
            str(row.position),
            row.entry.model.name + (" (baseline)" if row.entry.kind == "baseline" else ""),
            row.entry.model.organisation,
            row.entry.model.parameters,
        ]
        for metric_id in ranked.metrics:
            score = ranked.score(row.entry, metric_id)
            cells.append("n/a" if score is None else f"{fmt_value(score.value)} {fmt_ci(score)}")
        cells.append(fmt_p(row.p_adjusted))
        # Text objects: a user-supplied name like "[red]x" must print literally.
        table.add_row(*(Text(c) for c in cells))
    return table


def _notes(ranked: RankedBoard) -> Text:
    config = ranked.config
    lines = [
        f"{GROUP_NOTE} alpha {config.alpha}, {config.n_trials} trials, seed {config.seed}.",
        f"Split {config.split} of {config.dataset}, fingerprint {config.split_fingerprint}.",
    ]
    lines += [f"signature {metric_label(m)}: {s}" for m, s in ranked.signatures.items()]
    lines += [
        f"not computed {metric_label(m)}: {'; '.join(r)}" for m, r in ranked.not_computed.items()
    ]
    for row in ranked.rows:
        lines += [
            f"{row.entry.model.name}: {metric_label(m)} not computed ({r})"
            for m, r in row.entry.not_computed.items()
            if m in config.scored_metrics and m not in ranked.not_computed
        ]
    lines += [f"excluded {x.name}: {x.reason}" for x in ranked.excluded]
    return Text("\n".join(lines))


def paper_table(paper: ReportedTable) -> Table:
    table = Table(
        title=Text(
            f"{paper.title}: {PAPER_NOTE.upper()} (n = {paper.n}; no CI, p-value or rank group)"
        )
    )
    table.add_column("category (paper)")
    table.add_column("model")
    for column in paper.columns:
        table.add_column(column.label, justify="right")
    for row in paper.rows:
        values = [c.fmt(row.values.get(c.id)) for c in paper.columns]
        table.add_row(Text(row.group), Text(row.model), *values)
    return table


def print_board(view: BoardView, console: Console) -> None:
    """Sections never ranked together: the re-scored board, then the paper's reported rows."""
    if view.config.synthetic:
        console.print(Panel(SYNTHETIC_NOTE, style="bold yellow", title="synthetic"))
    if view.ranked.rows:
        console.print(_ranked_table(view.ranked))
    else:
        console.print(Text(f"No entries on board {view.config.board_id!r} yet."))
    console.print(_notes(view.ranked), style="dim")
    if view.paper is not None:
        console.print(paper_table(view.paper))
        console.print(Text(view.paper.note + " Source: " + view.paper.source), style="dim")


def _provenance(entry: Entry) -> Table:
    table = Table(show_header=False, title=Text(f"{entry.model.name} ({entry.entry_id})"))
    fields = [
        ("kind", entry.kind + (" (synthetic data)" if entry.synthetic else "")),
        ("organisation", entry.model.organisation),
        ("parameters", entry.model.parameters),
        ("link", entry.model.link),
        ("checkpoint", entry.model.checkpoint),
        ("decoding", decoding_text(entry)),
        ("training data", training_text(entry)),
        ("dataset / split", f"{entry.dataset} / {entry.split} (n = {entry.n})"),
        ("split fingerprint", entry.split_fingerprint),
        ("predictions sha256", entry.predictions_sha256),
        ("harness", entry.harness_version),
        ("created", entry.created),
    ]
    fields += [(f"signature {m}", s.signature) for m, s in entry.metrics.items()]
    for key, value in fields:
        table.add_row(key, Text(value or ""))
    return table


def _strata_table(entry: Entry) -> Table | Text:
    rows = strata_rows(entry.strata)
    if not rows:
        return Text("No strata in this entry.")
    metrics = strata_metrics(rows)
    table = Table(title="Strata (corpus value within each stratum)")
    for header in ("stratum", "level", "n", *map(metric_label, metrics)):
        table.add_column(header)
    for row in rows:
        values = [fmt_value(row.values[m]) if m in row.values else "" for m in metrics]
        table.add_row(row.stratum, Text(row.level), "" if row.n is None else str(row.n), *values)
    return table


def print_entry(view: BoardView, entry_id: str, console: Console) -> None:
    """One entry's provenance and strata (`show --entry ID`; an id prefix or model name works)."""
    rows = [
        r
        for r in view.ranked.rows
        if r.entry.entry_id.startswith(entry_id) or r.entry.model.name == entry_id
    ]
    if len(rows) != 1:
        known = ", ".join(r.entry.entry_id for r in view.ranked.rows)
        raise UserError(f"{len(rows)} entries match {entry_id!r}; choose one of: {known}")
    console.print(Group(_provenance(rows[0].entry), _strata_table(rows[0].entry)))
