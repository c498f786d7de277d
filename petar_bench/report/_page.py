"""The report's HTML: one self-contained file (inline CSS and JS, images as relative files),
every text escaped. The page loads nothing from anywhere else, and its Content Security
Policy forbids it to."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

from petar_bench.report._texts import FieldAgreement

CSP = (
    "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'"
)

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222;max-width:1400px}
h1{font-size:1.4rem} h2{font-size:1.15rem;margin-top:2rem} table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.25rem .45rem;vertical-align:top;font-size:.85rem}
th{background:#f3f3f3} .num{text-align:right;font-variant-numeric:tabular-nums}
.banner{background:#fff3cd;border:1px solid #e0c060;padding:.5rem;margin:.5rem 0}
.controls{display:flex;gap:1rem;flex-wrap:wrap;align-items:end;margin:1rem 0;
 position:sticky;top:0;background:#fff;padding:.5rem 0;border-bottom:1px solid #ddd}
.controls label{display:flex;flex-direction:column;font-size:.8rem}
.sample{border:1px solid #ccc;border-radius:6px;padding:.75rem;margin:1rem 0}
.sample header{font-weight:600;margin-bottom:.5rem} .meta{color:#555;font-weight:400}
.pictures{display:flex;gap:.75rem;flex-wrap:wrap;align-items:flex-start}
.pictures img{border:1px solid #999;image-rendering:pixelated}
.finding{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:.8rem;max-width:40rem}
del.diff{background:#fdd;text-decoration:line-through}
ins.diff{background:#dfd;text-decoration:none}
.yes{color:#1a7f37} .no{color:#c62828} .na{color:#888}
.figures img{max-width:100%;border:1px solid #ddd;margin:.5rem 0}
"""

SCRIPT = """
(function(){
  const box = document.getElementById('samples');
  const items = Array.from(box.querySelectorAll('article.sample'));
  const key = document.getElementById('sort-key'), order = document.getElementById('sort-order');
  const tracer = document.getElementById('filter-tracer');
  const region = document.getElementById('filter-region');
  const low = document.getElementById('filter-min');
  const count = document.getElementById('shown');
  function value(item){
    if (key.value === '') return null;
    if (key.value.charAt(0) === '@') return item.dataset[key.value.slice(1)];
    const v = JSON.parse(item.dataset.values)[key.value];
    return (typeof v === 'number' && isFinite(v)) ? v : null;
  }
  function compare(x, y){
    return typeof x === 'string' ? x.localeCompare(y) : x - y;
  }
  function update(){
    const sign = order.value === 'asc' ? 1 : -1;
    const sorted = items.slice().sort(function(a, b){
      const x = value(a), y = value(b);
      if (x === null && y === null) return Number(a.dataset.index) - Number(b.dataset.index);
      if (x === null) return 1;
      if (y === null) return -1;
      return x === y ? Number(a.dataset.index) - Number(b.dataset.index) : sign * compare(x, y);
    });
    const floor = low.value === '' ? null : Number(low.value);
    let shown = 0;
    for (const item of sorted){
      const v = value(item);
      const keep = (tracer.value === '' || item.dataset.tracer === tracer.value)
        && (region.value === '' || item.dataset.region === region.value)
        && (floor === null || (typeof v === 'number' && v >= floor));
      item.hidden = !keep;
      if (keep) shown += 1;
      box.appendChild(item);
    }
    count.textContent = String(shown);
  }
  for (const el of [key, order, tracer, region]) el.addEventListener('change', update);
  low.addEventListener('input', update);
  update();
})();
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def number(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


@dataclass(frozen=True)
class RunFinding:
    """One run's finding of one sample, ready to show."""

    label: str
    reference_html: str
    prediction_html: str
    metrics: dict[str, float | None]
    fields: list[FieldAgreement]


@dataclass(frozen=True)
class SampleCard:
    index: int
    sample_id: str
    patient_id: str
    tracer: str
    region: str
    mip_src: str
    views_src: str
    findings: list[RunFinding]


def _select(element_id: str, label: str, options: Sequence[tuple[str, str]]) -> str:
    items = "".join(f'<option value="{esc(v)}">{esc(t)}</option>' for v, t in options)
    return f'<label>{esc(label)}<select id="{element_id}">{items}</select></label>'


def controls(cards: Sequence[SampleCard], sort_keys: Sequence[tuple[str, str]]) -> str:
    tracers = sorted({c.tracer for c in cards})
    regions = sorted({c.region for c in cards})
    parts = [
        _select(
            "sort-key",
            "sort by",
            [("", "sample order"), ("@tracer", "tracer"), ("@region", "region"), *sort_keys],
        ),
        _select("sort-order", "order", [("desc", "highest first"), ("asc", "lowest first")]),
        _select("filter-tracer", "tracer", [("", "all"), *[(t, t) for t in tracers]]),
        _select("filter-region", "region", [("", "all"), *[(r, r) for r in regions]]),
        '<label>sort metric at least<input id="filter-min" type="number" step="any"></label>',
        f'<span><b id="shown">{len(cards)}</b> of {len(cards)} samples shown</span>',
    ]
    return f'<div class="controls">{"".join(parts)}</div>'


def _field_cell(field: FieldAgreement) -> str:
    css, mark = {True: ("yes", "agree"), False: ("no", "differ"), None: ("na", "n/a")}[field.agrees]
    shown = f"{field.reference or '-'} / {field.prediction or '-'}"
    return f'<td class="{css}" title="reference / prediction">{esc(mark)}: {esc(shown)}</td>'


def _finding_rows(card: SampleCard, metric_ids: Sequence[str]) -> str:
    rows = []
    for finding in card.findings:
        values = "".join(
            f'<td class="num">{number(finding.metrics.get(m))}</td>' for m in metric_ids
        )
        fields = "".join(_field_cell(f) for f in finding.fields)
        rows.append(
            f"<tr><th>{esc(finding.label)}</th>"
            f'<td class="finding ref">{finding.reference_html}</td>'
            f'<td class="finding pred">{finding.prediction_html}</td>{values}{fields}</tr>'
        )
    return "".join(rows)


def sample_article(card: SampleCard, metric_ids: Sequence[str], values: dict[str, float]) -> str:
    head = "".join(f"<th>{esc(m)}</th>" for m in metric_ids)
    fields = "".join(f"<th>{esc(f)}</th>" for f in ("region", "laterality", "SUVmax", "slice"))
    attributes = (
        f'data-index="{card.index}" data-tracer="{esc(card.tracer)}" '
        f'data-region="{esc(card.region)}" data-values="{esc(json.dumps(values))}"'
    )
    return (
        f'<article class="sample" {attributes}><header>{esc(card.sample_id)} '
        f'<span class="meta">patient {esc(card.patient_id)} · {esc(card.tracer)} · '
        f"{esc(card.region)}</span></header>"
        f'<div class="pictures"><img src="{esc(card.mip_src)}" alt="PET MIP, lesion boxed" '
        f'height="320"><img src="{esc(card.views_src)}" '
        'alt="axial, coronal and sagittal PET/CT through the lesion, mask contour"></div>'
        '<table class="findings"><thead><tr><th>run</th><th>reference (words not in the '
        "prediction struck)</th><th>prediction (words not in the reference marked)</th>"
        f"{head}{fields}</tr></thead><tbody>{_finding_rows(card, metric_ids)}</tbody></table>"
        "</article>"
    )


def document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )
