"""`petar-bench report`: runs -> DIR/index.html + DIR/images/*.png + DIR/figures/*.png.

The page reads its pictures from the files beside it (relative links), so the folder can
be zipped, mailed or served as it is; nothing is fetched from anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from petar_bench.fileio import atomic_write_text, ensure_output_dir
from petar_bench.report import _page as page
from petar_bench.report._runs import RunSet, load_runs
from petar_bench.report._texts import field_agreement, word_diff

if TYPE_CHECKING:
    from petar_bench.volumes._lesion import VolumeLoader

STRATA_AXES = (
    ("tracer", "tracer"),
    ("region", "region"),
    ("size_mm", "lesion size (mm)"),
    ("suv_max", "SUVmax"),
)
REPORT_NAME = "index.html"


@dataclass(frozen=True)
class ReportResult:
    page: Path
    n_samples: int
    n_runs: int
    figures: tuple[Path, ...]


def _card(runs: RunSet, index: int, images: Path, loader: VolumeLoader) -> page.SampleCard:
    """One sample: pictures written to `images`, texts diffed, fields compared."""
    from petar_bench.report._figures import pet_mip, triplanar
    from petar_bench.volumes.views import write_png

    record = runs.records[index]
    lesion = loader.load(record)
    mip, views = f"{index:05d}-mip.png", f"{index:05d}-views.png"
    write_png(images / mip, pet_mip(lesion))
    write_png(images / views, triplanar(lesion))
    findings = []
    for run in runs.runs:
        prediction = run.predictions.get(record.sample_id, "")
        ref_html, pred_html = word_diff(record.reference, prediction)
        values = {m: run.metric_values(m).get(record.sample_id) for m in runs.metric_ids}
        findings.append(
            page.RunFinding(
                run.label, ref_html, pred_html, values, field_agreement(record, prediction)
            )
        )
    region = record.fields.region or "unknown"
    return page.SampleCard(
        index,
        record.sample_id,
        record.patient_id,
        record.tracer,
        region,
        f"images/{mip}",
        f"images/{views}",
        findings,
    )


def _sort_keys(runs: RunSet) -> list[tuple[str, str]]:
    return [
        (f"{i}|{m}", f"{run.label}: {m}")
        for m in runs.metric_ids
        for i, run in enumerate(runs.runs)
    ]


def _card_values(card: page.SampleCard) -> dict[str, float]:
    return {
        f"{i}|{m}": v
        for i, finding in enumerate(card.findings)
        for m, v in finding.metrics.items()
        if v is not None
    }


def _summary_table(runs: RunSet) -> str:
    head = "".join(f"<th>{page.esc(r.label)}</th>" for r in runs.runs)
    rows = []
    for metric_id in runs.metric_ids:
        cells = []
        for run in runs.runs:
            score = run.scores.metrics.get(metric_id)
            if score is None or score.value is None:
                cells.append('<td class="num">-</td>')
                continue
            low, high = score.ci95 if score.ci95 is not None else (None, None)
            cells.append(
                f'<td class="num">{page.number(score.value)} '
                f"[{page.number(low)}, {page.number(high)}]</td>"
            )
        rows.append(f"<tr><th>{page.esc(metric_id)}</th>{''.join(cells)}</tr>")
    return (
        '<table id="summary-table"><thead><tr><th>metric: value [95% CI]</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _figures(runs: RunSet, folder: Path) -> list[Path]:
    from petar_bench.report._figures import distribution_plot, strata_plot

    metric_ids = runs.metric_ids
    if not metric_ids:
        return []
    values = {
        m: {r.label: list(r.metric_values(m).values()) for r in runs.runs} for m in metric_ids
    }
    made = [distribution_plot(folder / "distributions.png", values)]
    for axis, _title in STRATA_AXES:
        strata = {r.label: r.scores.strata.get(axis, {}) for r in runs.runs}
        if any(strata.values()):
            made.append(strata_plot(folder / f"by-{axis}.png", axis, metric_ids, strata))
    return made


def _header(runs: RunSet) -> str:
    first = runs.runs[0].config
    banner = ""
    if any(r.config.synthetic for r in runs.runs):
        from petar_bench.console import SYNTHETIC_BANNER, SYNTHETIC_EXPLANATION

        banner = (
            f'<p class="banner"><b>{page.esc(SYNTHETIC_BANNER)}</b>. '
            f"{page.esc(SYNTHETIC_EXPLANATION)}</p>"
        )
    return (
        f"<h1>PETAR-Bench report: {page.esc(', '.join(r.label for r in runs.runs))}</h1>"
        f"<p>Dataset {page.esc(first.dataset)}, split {page.esc(first.split)}, "
        f"{len(runs.records)} samples; split fingerprint "
        f"<code>{page.esc(first.split_fingerprint)}</code>.</p>{banner}"
    )


def build_report(
    run_dirs: Sequence[Path] | RunSet,
    output: Path,
    *,
    extra_sections: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
) -> ReportResult:
    """Write the report of `run_dirs` (paths, or runs already loaded) into `output`;
    `extra_sections` are trusted HTML fragments (the reader-study tables) placed after the
    summary."""
    runs = run_dirs if isinstance(run_dirs, RunSet) else load_runs(run_dirs)
    output = ensure_output_dir(Path(output), what="report folder")
    images = ensure_output_dir(output / "images", what="report images folder")
    figures_dir = ensure_output_dir(output / "figures", what="report figures folder")
    figures = _figures(runs, figures_dir)
    from petar_bench.volumes._lesion import VolumeLoader

    loader = VolumeLoader(runs.dataset_root)  # lesions of one exam read its volumes once
    cards = []
    for index in range(len(runs.records)):
        cards.append(_card(runs, index, images, loader))
        if progress is not None:
            progress(1)
    articles = "".join(page.sample_article(c, runs.metric_ids, _card_values(c)) for c in cards)
    figure_html = "".join(
        f'<img src="figures/{page.esc(f.name)}" alt="{page.esc(f.stem)}">' for f in figures
    )
    body = (
        _header(runs)
        + f"<h2>Summary</h2>{_summary_table(runs)}"
        + f'<div class="figures">{figure_html}</div>'
        + "".join(extra_sections)
        + "<h2>Samples</h2>"
        + page.controls(cards, _sort_keys(runs))
        + f'<div id="samples">{articles}</div>'
        + f"<script>{page.SCRIPT}</script>"
    )
    path = atomic_write_text(output / REPORT_NAME, page.document("PETAR-Bench report", body))
    return ReportResult(path, len(cards), len(runs.runs), tuple(figures))
