"""Texts of a finding: reading them safely and pulling out the structured fields and numbers.

PETARSeg-11K keeps the raw report sentence ("... SUV max 6.7, PET/CT axial slice 238.") as the
reference and a structured version (Region / Organ / Sub-site / SUVmax / Slice / Findings, or
the earlier Region / Anatomy / Finding / SUV Max / Axial Slice) as fields.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from petar_bench.findings import split_labelled_fields
from petar_bench.volumes._checks import Problem, decode_text

_NUMBER = r"([-+]?\d+(?:\.\d+)?)"
_SUV_IN_TEXT = re.compile(r"(?i)\bSUV\s*[-_ ]?\s*max\b\s*(?:of|is|was|=|:)?\s*" + _NUMBER)
_SLICE_IN_TEXT = re.compile(r"(?i)\b(?:axial\s+)?(?:slice|image)\s*(?:no\.?|number|#|:)?\s*(\d+)")
_OLD_LABELS = re.compile(r"(?im)^\s*(suv\s*max|axial\s*slice|region|finding)\s*:\s*(.*?)\s*$")


def read_text(path: Path, what: str, origin: str) -> tuple[str, Problem | None]:
    """The text of a file (UTF-8, stripped) or a problem naming `origin`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return "", Problem("error", f"{what}-missing", f"{origin}: {path.name} is missing")
    except OSError as exc:
        return "", Problem("error", "unreadable", f"{origin}: cannot read {path.name} ({exc})")
    return decode_text(raw, what, origin)


def _float(text: str | None) -> float | None:
    match = re.search(_NUMBER, text or "")
    return float(match.group(1)) if match else None


def _int(text: str | None) -> int | None:
    match = re.search(r"\d+", text or "")
    return int(match.group(0)) if match else None


def parse_struct(text: str) -> dict[str, Any]:
    """Structured fields from a labelled-lines text (both PETARSeg schemas)."""
    found = split_labelled_fields(text)
    fields: dict[str, Any] = {
        k: v for k, v in found.items() if k in ("region", "organ", "sub_site", "findings") and v
    }
    for match in _OLD_LABELS.finditer(text):
        label = re.sub(r"\s+", "", match.group(1).lower())
        if label == "suvmax":
            found.setdefault("suv_max", match.group(2))
        elif label == "axialslice":
            found.setdefault("slice", match.group(2))
        elif label == "finding":
            fields.setdefault("findings", match.group(2))
    if (suv := _float(found.get("suv_max"))) is not None:
        fields["suv_max"] = suv
    if (index := _int(found.get("slice"))) is not None:
        fields["slice"] = index
    return fields


def stated_numbers(reference: str, fields: dict[str, Any]) -> tuple[float | None, int | None]:
    """SUVmax and slice that a finding states: from its fields, else from its text."""
    suv = fields.get("suv_max")
    index = fields.get("slice")
    if suv is None or index is None:
        parsed = parse_struct(reference)
        suv = suv if suv is not None else parsed.get("suv_max")
        index = index if index is not None else parsed.get("slice")
    if suv is None and (match := _SUV_IN_TEXT.search(reference)):
        suv = float(match.group(1))
    if index is None and (match := _SLICE_IN_TEXT.search(reference)):
        index = int(match.group(1))
    return (float(suv) if suv is not None else None, int(index) if index is not None else None)
