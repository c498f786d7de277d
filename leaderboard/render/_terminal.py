"""The board as rich tables in the terminal (`petar-bench leaderboard show`).

Ordinary terminals are 80-120 columns wide, so each table is built in a few layouts, from
roomy to compact, and the first whose natural width fits the console is printed (chosen when
rich renders it, so these functions return renderables and never see a console). Number
columns never wrap and text columns fold instead of being cut with "...", so a narrow
terminal may wrap a model name but never drops digits. The ranked table holds the required
metrics only (value, CI below it); optional metrics, signatures and reasons for metrics not
computed follow in their own compact sections, and provenance is in `show --entry ID`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.styled import Styled
from rich.table import Table
from rich.text import Text

from petar_bench.errors import UserError
from petar_bench.leaderboard._board import BoardView
from petar_bench.leaderboard._entry import BoardEntry, BoardMetricScore
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
    metric_label,
    training_text,
)
from petar_bench.leaderboard.render._strata import StratumRow, strata_metrics, strata_rows

#: Column headers that fit a terminal, where the shared label is an id or too long.
SHORT_LABELS = {
    "pet_region_acc": "region acc",
    "pet_organ_acc": "organ acc",
    "pet_laterality_acc": "laterality acc",
    "pet_region_acc_strict": "region strict",
    "pet_organ_acc_strict": "organ strict",
    "pet_laterality_acc_strict": "side strict",
    "rouge_l_masked": "ROUGE-L [#]",
}
ENTRY_HINT = (
    "Organisation, parameters, CIs of every metric and strata of one entry: "
    "petar-bench leaderboard show --entry ID (an entry id prefix or the model name)."
)


def short_label(metric_id: str) -> str:
    return SHORT_LABELS.get(metric_id) or metric_label(metric_id)


@dataclass(frozen=True)
class _Layout:
    compact: bool = False  # light box, no outer edge, two spaces between columns
    split_headers: bool = False  # multi-word headers on one line per word


_LAYOUTS = (_Layout(), _Layout(split_headers=True), _Layout(compact=True), _Layout(True, True))


def _table(layout: _Layout, title: str) -> Table:
    if layout.compact:
        return Table(
            title=Text(title),
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            collapse_padding=True,
        )
    return Table(title=Text(title))


def _header(label: str, layout: _Layout) -> str:
    """'laterality acc' -> 'laterality\\nacc' and 'BERTScore' -> 'BERT\\nScore' when splitting."""
    if not layout.split_headers:
        return label
    if " " in label:
        return "\n".join(label.split())
    if label.endswith("Score") and len(label) > len("Score"):
        return label[: -len("Score")] + "\nScore"
    return label


@dataclass(frozen=True)
class _Fit:
    """A table in the first layout whose natural width fits where it is printed (else the
    most compact one, where rich folds the text columns: numbers are no_wrap, so they stay
    whole)."""

    build: Callable[[_Layout], Table]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Table]:
        unlimited = options.update_width(1_000_000)
        for layout in _LAYOUTS:
            table = self.build(layout)
            if Measurement.get(console, unlimited, table).maximum <= options.max_width:
                break
        yield table


def _model_cell(entry: BoardEntry) -> Text:
    # Text, never markup: a user-supplied name like "[red]x" must print literally.
    cell = Text(safe_text(entry.model.name))
    if entry.kind == "baseline":
        cell.append("\n(baseline)", style="dim")
    return cell


def _score_cell(score: BoardMetricScore | None, with_ci: bool) -> Text:
    if score is None:
        return Text("n/a", style="dim")
    cell = Text(fmt_value(score.value))
    if with_ci and score.ci95 is not None:
        cell.append("\n" + fmt_ci(score), style="dim")
    return cell


def _ranked_table(ranked: RankedBoard, layout: _Layout) -> Table:
    config = ranked.config
    title = f"{safe_text(config.title)} (primary: {short_label(config.primary_metric)})"
    table = _table(layout, title)
    table.add_column(Text("group"), no_wrap=True)
    table.add_column(Text("#"), justify="right", no_wrap=True)
    table.add_column(Text("model"), overflow="fold")
    for metric_id in config.required_metrics:
        bold = "bold" if metric_id == config.primary_metric else None
        header = Text(_header(short_label(metric_id), layout) + "\n[95% CI]")
        table.add_column(header, justify="right", no_wrap=True, style=bold)
    table.add_column(Text("p vs top\n(Holm)"), justify="right", no_wrap=True)
    for i, row in enumerate(ranked.rows):
        if i and row.group != ranked.rows[i - 1].group:
            table.add_section()  # a line between rank groups
        scores = [
            _score_cell(ranked.score(row.entry, m), with_ci=True) for m in config.required_metrics
        ]
        cells = [Text(str(row.group)), Text(str(row.position)), _model_cell(row.entry)]
        table.add_row(*cells, *scores, Text(fmt_p(row.p_adjusted)))
    return table


def _optional_metrics(ranked: RankedBoard) -> list[str]:
    return [m for m in ranked.metrics if m not in ranked.config.required_metrics]


def _optional_table(ranked: RankedBoard, layout: _Layout) -> Table:
    optional = _optional_metrics(ranked)
    table = _table(layout, "Optional metrics (values; CIs with --entry ID)")
    table.add_column(Text("#"), justify="right", no_wrap=True)
    table.add_column(Text("model"), overflow="fold")
    for metric_id in optional:
        table.add_column(
            Text(_header(short_label(metric_id), layout)), justify="right", no_wrap=True
        )
    for row in ranked.rows:
        values = [_score_cell(ranked.score(row.entry, m), with_ci=False) for m in optional]
        table.add_row(Text(str(row.position)), Text(safe_text(row.entry.model.name)), *values)
    return table


def _break_at_pipes(signature: str, width: int) -> str:
    """Line breaks between '|' fields, so a signature wraps between fields, never inside one."""
    parts = signature.split("|")
    fields = [p + "|" for p in parts[:-1]] + parts[-1:]
    lines = [""]
    for field in fields:
        if lines[-1] and len(lines[-1]) + len(field) > width:
            lines.append("")
        lines[-1] += field
    return "\n".join(lines)


@dataclass(frozen=True)
class _Section:
    """A dim heading and an indented label / text grid; the text wraps under itself (signature
    pipes are broken to the width it is printed at)."""

    title: str
    items: list[tuple[str, str]]
    pipes: bool = False

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[RenderableType]:
        if not self.items:
            return
        items = [(safe_text(label), safe_text(text)) for label, text in self.items]
        label_width = max(cell_len(label) for label, _ in items)
        text_width = max(20, options.max_width - 2 - label_width - 2)
        grid = Table.grid(padding=(0, 2, 0, 0))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for label, text in items:
            shown = _break_at_pipes(text, text_width) if self.pipes else text
            grid.add_row(Text(label), Text(shown))
        yield Styled(Text(self.title, style="bold"), "dim")
        yield Styled(Padding(grid, (0, 0, 0, 2)), "dim")


def _not_computed(ranked: RankedBoard) -> list[tuple[str, str]]:
    items = [(short_label(m), "; ".join(r)) for m, r in ranked.not_computed.items()]
    for row in ranked.rows:
        items += [
            (short_label(m), f"{row.entry.model.name}: {reason}")
            for m, reason in row.entry.not_computed.items()
            if m in ranked.config.scored_metrics and m not in ranked.not_computed
        ]
    return items


def _board_notes(ranked: RankedBoard) -> Text:
    config = ranked.config
    lines = [
        f"{GROUP_NOTE} alpha {config.alpha}, {config.n_trials} trials, seed {config.seed}.",
        safe_text(
            f"Split {config.split} of {config.dataset}, fingerprint {config.split_fingerprint}."
        ),
    ]
    if ranked.rows:
        lines.append(ENTRY_HINT)
    lines += [safe_text(f"excluded {x.name}: {x.reason}") for x in ranked.excluded]
    return Text("\n".join(lines))


def _paper_label(label: str) -> str:
    """'BLEU (variant not stated)' -> 'BLEU*'; the full label goes in a footnote."""
    return label.split(" (")[0] + "*" if " (" in label else label


def _paper_table(paper: ReportedTable, layout: _Layout) -> Table:
    """The paper's grouping as heading rows (not a column), so the model names fit whole."""
    title = f"{paper.title}\n{PAPER_NOTE.upper()} (n = {paper.n}; no CI, p-value or rank group)"
    table = _table(layout, title)
    names = [r.model for r in paper.rows] + [w for r in paper.rows for w in r.group.split()]
    table.add_column(Text("model"), width=max(map(cell_len, names), default=5), overflow="fold")
    for column in paper.columns:
        header = Text(_header(_paper_label(column.label), layout))
        table.add_column(header, justify="right", no_wrap=True)
    for i, row in enumerate(paper.rows):
        if not i or row.group != paper.rows[i - 1].group:
            if i:
                table.add_section()
            table.add_row(Text(row.group, style="bold italic"))
        table.add_row(Text(row.model), *(Text(c.fmt(row.values.get(c.id))) for c in paper.columns))
    return table


def _paper_notes(paper: ReportedTable) -> Text:
    notes = [f"{_paper_label(c.label)} = {c.label}" for c in paper.columns if " (" in c.label]
    return Text("\n".join([*notes, paper.note + " Source: " + paper.source]))


def board_report(view: BoardView) -> Group:
    """Sections never ranked together: the re-scored board, then the paper's reported rows."""
    ranked = view.ranked
    parts: list[RenderableType] = []
    if view.config.synthetic:
        parts.append(Panel(SYNTHETIC_NOTE, style="bold yellow", title="synthetic"))
    if ranked.rows:
        parts.append(_Fit(lambda layout: _ranked_table(ranked, layout)))
    else:
        parts.append(Text(f"No entries on board {view.config.board_id!r} yet."))
    parts.append(Styled(_board_notes(ranked), "dim"))
    if ranked.rows and _optional_metrics(ranked):
        parts.append(_Fit(lambda layout: _optional_table(ranked, layout)))
    parts.append(_Section("Not computed", _not_computed(ranked)))
    signatures = [(short_label(m), s) for m, s in ranked.signatures.items()]
    parts.append(_Section("Signatures (one per metric on this board)", signatures, pipes=True))
    if view.paper is not None:
        paper = view.paper
        parts.append(_Fit(lambda layout: _paper_table(paper, layout)))
        parts.append(Styled(_paper_notes(paper), "dim"))
    return Group(*parts)


def _provenance(entry: BoardEntry) -> Table:
    title = safe_text(f"{entry.model.name} ({entry.entry_id})")
    table = Table(show_header=False, title=Text(title))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")  # hashes fold, never cut
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
    for key, value in fields:
        table.add_row(key, Text(safe_text(value or "")))
    return table


def _scores_table(entry: BoardEntry) -> Table:
    table = Table(title=Text("Scores"))
    table.add_column(Text("metric"), no_wrap=True)
    table.add_column(Text("value"), justify="right", no_wrap=True)
    table.add_column(Text("95% CI"), no_wrap=True)
    for metric_id, score in entry.metrics.items():
        table.add_row(
            Text(safe_text(short_label(metric_id))),
            Text(fmt_value(score.value)),
            Text(fmt_ci(score)),
        )
    return table


def _strata_table(rows: list[StratumRow], layout: _Layout) -> Table:
    metrics = strata_metrics(rows)
    table = _table(layout, "Strata (corpus value within each stratum)")
    table.add_column(Text("stratum"), overflow="fold")
    table.add_column(Text("level"), overflow="fold")
    table.add_column(Text("n"), justify="right", no_wrap=True)
    for metric_id in metrics:
        table.add_column(
            Text(_header(short_label(metric_id), layout)), justify="right", no_wrap=True
        )
    for i, row in enumerate(rows):
        first = not i or row.stratum != rows[i - 1].stratum
        if i and first:
            table.add_section()
        values = [row.cell(m, fmt_value) for m in metrics]
        n = "" if row.n is None else str(row.n)
        stratum = Text(safe_text(row.stratum) if first else "")
        table.add_row(stratum, Text(safe_text(row.shown_level)), n, *values)
    return table


def entry_report(view: BoardView, entry_id: str) -> Group:
    """One entry's provenance, scores and strata (`show --entry ID`; an id prefix or model
    name works)."""
    rows = [
        r
        for r in view.ranked.rows
        if r.entry.entry_id.startswith(entry_id) or r.entry.model.name == entry_id
    ]
    if len(rows) != 1:
        known = ", ".join(r.entry.entry_id for r in view.ranked.rows)
        raise UserError(
            safe_text(f"{len(rows)} entries match {entry_id!r}; choose one of: {known}")
        )
    entry = rows[0].entry
    not_computed = [(short_label(m), reason) for m, reason in entry.not_computed.items()]
    signatures = [(short_label(m), s.signature) for m, s in entry.metrics.items()]
    strata = strata_rows(entry.strata)
    return Group(
        _provenance(entry),
        _scores_table(entry),
        _Section("Not computed", not_computed),
        _Section("Signatures", signatures, pipes=True),
        _Fit(lambda layout: _strata_table(strata, layout))
        if strata
        else Text("No strata in this entry."),
    )
