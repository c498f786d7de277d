"""The reader-study form: one static HTML page; ratings leave it only as a CSV the reader
downloads ("Download ratings"), with the columns `reader-study import` reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from petar_bench.report._page import document, esc

FORM_STYLE = """
.case,.pair{border:1px solid #ccc;border-radius:6px;padding:.75rem;margin:1rem 0}
.axis{margin:.25rem 0} .axis span{display:inline-block;width:13rem}
.side{display:flex;gap:1rem} .side>div{flex:1}
#download{font-size:1rem;padding:.4rem 1rem}
"""

FORM_SCRIPT = """
(function(){
  const columns = COLUMNS;
  function quote(v){ return /[",\\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
  function checked(name){
    const el = document.querySelector('input[name="' + name + '"]:checked');
    return el ? el.value : '';
  }
  function rows(rater){
    const out = [columns.join(',')];
    for (const box of document.querySelectorAll('[data-item]')){
      const id = box.dataset.item, kind = box.dataset.kind;
      const values = kind === 'case'
        ? [checked(id + ':anatomical_accuracy'), checked(id + ':interpretation_accuracy'),
           checked(id + ':overall_utility'), '']
        : ['', '', '', checked(id + ':preference')];
      if (values.every(v => v === '')) continue;
      out.push([rater, id].concat(values).map(quote).join(','));
    }
    return out.join('\\n') + '\\n';
  }
  window.ratingsCsv = function(){ return rows(document.getElementById('rater').value.trim()); };
  document.getElementById('download').addEventListener('click', function(){
    const rater = document.getElementById('rater').value.trim();
    const note = document.getElementById('note');
    if (!rater){ note.textContent = 'Enter your reader name first.'; return; }
    const blob = new Blob([rows(rater)], {type: 'text/csv'});
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'ratings-' + rater.replace(/[^A-Za-z0-9_-]/g, '_') + '.csv';
    document.body.appendChild(link); link.click(); link.remove();
    note.textContent = 'Saved. Send the downloaded CSV file to the study organiser.';
  });
})();
"""

INSTRUCTIONS = (
    "Each case shows one lesion (PET maximum-intensity projection with the lesion boxed; "
    "axial, coronal and sagittal PET/CT with the lesion outlined) and one finding written "
    "for it. Numbers (SUVmax, sizes, slices) are hidden as [#]: judge the wording. Rate "
    "each case from 1 (wrong or useless) to 5 (correct and useful) on the three axes. For "
    "each pair, say which of two findings of the same lesion you prefer, or 'tie'. Then "
    "press 'Download ratings' and send the file."
)


def _pictures(image: str) -> str:
    return (
        f'<div class="pictures"><img src="images/{esc(image)}-mip.png" height="320" '
        'alt="PET maximum-intensity projection, lesion boxed">'
        f'<img src="images/{esc(image)}-views.png" '
        'alt="axial, coronal and sagittal PET/CT, lesion outlined"></div>'
    )


def _radios(name: str, values: Sequence[str]) -> str:
    return "".join(
        f'<label><input type="radio" name="{esc(name)}" value="{esc(v)}"> {esc(v)}</label> '
        for v in values
    )


def _case(case_id: str, image: str, text: str) -> str:
    from petar_bench.report._study import AXES, AXIS_TITLES

    axes = "".join(
        f'<div class="axis"><span>{esc(AXIS_TITLES[axis])}</span>'
        f"{_radios(f'{case_id}:{axis}', ['1', '2', '3', '4', '5'])}</div>"
        for axis in AXES
    )
    return (
        f'<section class="case" data-item="{esc(case_id)}" data-kind="case">'
        f"<h3>Case {esc(case_id)}</h3>{_pictures(image)}"
        f'<p class="finding">{esc(text)}</p>{axes}</section>'
    )


def _pair(pair_id: str, image: str, text_a: str, text_b: str) -> str:
    return (
        f'<section class="pair" data-item="{esc(pair_id)}" data-kind="pair">'
        f"<h3>Pair {esc(pair_id)}</h3>{_pictures(image)}"
        f'<div class="side"><div><b>A</b><p class="finding">{esc(text_a)}</p></div>'
        f'<div><b>B</b><p class="finding">{esc(text_b)}</p></div></div>'
        f'<div class="axis"><span>Preferred finding</span>'
        f"{_radios(f'{pair_id}:preference', ['A', 'B', 'tie'])}</div></section>"
    )


def form_html(
    cases: Sequence[Any], pairs: Sequence[Any], images: Mapping[str, str], shown: Mapping[str, str]
) -> str:
    """The packet's index.html: cases (by their random order), then pairs."""
    import json

    from petar_bench.report._study import RATING_COLUMNS

    parts = [
        "<h1>Reader study</h1>",
        f"<p>{esc(INSTRUCTIONS)}</p>",
        '<p><label>Reader name <input id="rater" autocomplete="off"></label></p>',
        "<h2>Cases</h2>",
        *[_case(c.case_id, images[c.sample_id], shown[c.case_id]) for c in cases],
    ]
    if pairs:
        parts.append("<h2>Pairs</h2>")
        parts += [_pair(p.pair_id, images[p.sample_id], shown[p.a], shown[p.b]) for p in pairs]
    parts.append(
        '<p><button id="download" type="button">Download ratings</button> '
        '<span id="note" role="status"></span></p>'
    )
    script = FORM_SCRIPT.replace("COLUMNS", json.dumps(list(RATING_COLUMNS)))
    body = "".join(parts) + f"<script>{script}</script>"
    return document("Reader study", body).replace("</style>", FORM_STYLE + "</style>", 1)
