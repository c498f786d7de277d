"""The text form of a structured finding (the PETARSeg-11K schema).

A structured finding is written as labelled lines, in this order, leaving out unknown fields:

    Region: Thorax
    Organ: Lung
    Sub-site: Right upper lobe
    SUVmax: 7.3
    Slice: 112
    Findings: Focal intensely FDG-avid nodule in the right upper lobe, ...

Reference findings, baseline outputs and the clinical-measure parser all use this module, so
the schema is defined once. (It is neutral: baselines may import it; it knows no labels of
the synthetic generator.)
"""

from __future__ import annotations

import re

from petar_bench.records import StructuredFinding

# (label in text, field name)
FIELD_LABELS: tuple[tuple[str, str], ...] = (
    ("Region", "region"),
    ("Organ", "organ"),
    ("Sub-site", "sub_site"),
    ("SUVmax", "suv_max"),
    ("Slice", "slice"),
    ("Findings", "findings"),
)

_LABEL_PATTERN = re.compile(
    r"(?im)^\s*(region|organ|sub-?site|suv\s*max|slice|findings?)\s*:\s*(.*?)\s*$"
)
_CANONICAL = {
    "region": "region",
    "organ": "organ",
    "subsite": "sub_site",
    "sub-site": "sub_site",
    "suvmax": "suv_max",
    "suv max": "suv_max",
    "slice": "slice",
    "finding": "findings",
    "findings": "findings",
}


def format_suv(value: float) -> str:
    """SUVmax with one decimal, the convention of the manifests."""
    return f"{value:.1f}"


def render_structured(finding: StructuredFinding) -> str:
    """The labelled-lines text of a structured finding (unknown fields left out)."""
    lines = []
    for label, name in FIELD_LABELS:
        value = getattr(finding, name)
        if value is None or value == "":
            continue
        text = format_suv(value) if name == "suv_max" else str(value)
        lines.append(f"{label}: {text}")
    return "\n".join(lines)


def split_labelled_fields(text: str) -> dict[str, str]:
    """Raw labelled values found in a text, by field name (no type conversion).

    Works on the labelled-lines form; after whitespace normalisation (one line) the labels
    are still found because the pattern is re-run on a version with breaks before labels.
    """
    broken = re.sub(
        r"\s+(?=(Region|Organ|Sub-?site|SUV\s*max|Slice|Findings?)\s*:)", "\n", text, flags=re.I
    )
    found: dict[str, str] = {}
    for match in _LABEL_PATTERN.finditer(broken):
        key = re.sub(r"\s+", " ", match.group(1).lower())
        name = _CANONICAL.get(key) or _CANONICAL.get(key.replace(" ", ""))
        if name and name not in found:
            found[name] = match.group(2)
    return found
