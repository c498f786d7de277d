"""Does each reference finding agree with its image? The import consistency report.

PETARSeg-11K's masks were grown from the SUVmax and slice stated in each finding, so on a
faithful import the PET maximum under the mask equals the stated SUVmax, and the stated slice
holds that maximum. The report compares them per lesion and finds the conventions that make
them agree: the slice numbering (0- or 1-based, counted from the head or the feet end), a mask
flipped along an axis, and a PET scale that differs from the findings' (Bq/mL data refused by
the value check are counted too).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from typing import Any

from petar_bench.datasets.importers._exam import CONVENTIONS

SUV_ABS_TOLERANCE = 0.15  # stated values have one decimal; PETARSeg grew masks at +-0.1
SUV_REL_TOLERANCE = 0.02
SCALE_RANGE = (0.9, 1.1)
OUR_CONVENTION = "1-based, counted from the head end"


def suv_agrees(stated: float | None, measured: float | None) -> bool:
    if stated is None or measured is None:
        return False
    return abs(stated - measured) <= max(SUV_ABS_TOLERANCE, SUV_REL_TOLERANCE * abs(stated))


def detect_convention(measures: Mapping[str, Mapping[str, Any]]) -> tuple[str | None, dict]:
    """The slice convention under which most stated slices hold the stated SUVmax."""
    counts = {
        name: sum(
            suv_agrees(m["stated_suv"], (m.get("on_stated_slice") or {}).get(name))
            for m in measures.values()
        )
        for name in CONVENTIONS
    }
    best = max(counts.values(), default=0)
    leaders = [n for n, c in counts.items() if c == best]
    if best == 0:
        return None, counts
    chosen = OUR_CONVENTION if OUR_CONVENTION in leaders else leaders[0]
    return chosen, counts


def build_report(
    measures: Mapping[str, Mapping[str, Any]], refused: Counter[str]
) -> dict[str, Any]:
    """The consistency section of import_report.json (plain JSON)."""
    convention, convention_counts = detect_convention(measures)
    lesions = []
    per_tracer: dict[str, Counter[str]] = {}
    for sample_id, m in measures.items():
        suv_ok = suv_agrees(m["stated_suv"], m["measured_suv"])
        slice_value = (m.get("on_stated_slice") or {}).get(convention or "")
        slice_ok = suv_agrees(m["stated_suv"], slice_value) if convention else False
        tally = per_tracer.setdefault(m["tracer"], Counter())
        tally["lesions"] += 1
        tally["stated"] += m["stated_suv"] is not None
        tally["suv_agrees"] += suv_ok
        tally["slice_agrees"] += slice_ok
        lesions.append(
            {
                "sample_id": sample_id,
                "stated_suv": m["stated_suv"],
                "measured_suv": round(m["measured_suv"], 4),
                "stated_slice": m["stated_slice"],
                "suv_agrees": suv_ok,
                "slice_agrees": slice_ok,
            }
        )
    return {
        "slice_convention": convention,
        "convention_votes": convention_counts,
        "convention_ties": [
            n
            for n, c in convention_counts.items()
            if convention and c == convention_counts[convention]
        ],
        "axis_flips": _flips(measures),
        "scale": _scale(measures, refused),
        "per_tracer": {t: dict(c) for t, c in sorted(per_tracer.items())},
        "disagreeing": [x for x in lesions if x["stated_suv"] is not None and not x["suv_agrees"]],
        "lesions": lesions,
    }


def _flips(measures: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """Lesions whose stated SUVmax is found only under the mask mirrored along an axis."""
    found: Counter[str] = Counter()
    for m in measures.values():
        if m["stated_suv"] is None or suv_agrees(m["stated_suv"], m["measured_suv"]):
            continue
        for axis, value in (m.get("flipped_suv") or {}).items():
            found[axis] += suv_agrees(m["stated_suv"], value)
    return {axis: found[axis] for axis in "xyz"}


def _scale(measures: Mapping[str, Mapping[str, Any]], refused: Counter[str]) -> dict[str, Any]:
    ratios = [
        m["measured_suv"] / m["stated_suv"]
        for m in measures.values()
        if m["stated_suv"] and m["stated_suv"] > 0
    ]
    median = statistics.median(ratios) if ratios else None
    return {
        "median_measured_over_stated": round(median, 4) if median is not None else None,
        "differs": median is not None and not SCALE_RANGE[0] <= median <= SCALE_RANGE[1],
        "refused_as_bqml": refused.get("pet-bqml", 0),
    }


def summary_lines(report: Mapping[str, Any]) -> list[str]:
    """Findings worth a line in the terminal (empty when everything agrees)."""
    lines = []
    convention = report["slice_convention"]
    if convention is None:
        lines.append("slice convention: not detected (no stated slice holds the stated SUVmax)")
    elif convention != OUR_CONVENTION:
        lines.append(f"slice convention of the findings: {convention} (recorded in the manifest)")
    for axis, count in report["axis_flips"].items():
        if count:
            lines.append(
                f"{count} lesion(s) agree only with the mask mirrored along {axis}: axis flip?"
            )
    scale = report["scale"]
    if scale["differs"]:
        lines.append(
            f"measured SUVmax is {scale['median_measured_over_stated']}x the stated value "
            "(median): PET scale or units differ from the findings'"
        )
    if scale["refused_as_bqml"]:
        lines.append(f"{scale['refused_as_bqml']} lesion(s) refused: PET looks like Bq/mL")
    return lines
