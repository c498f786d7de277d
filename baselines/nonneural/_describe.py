"""From image measurements to a structured finding: a rule-based reader.

It places the lesion from the body-relative height, side and CT density only, which is
exactly the information the `measure` baseline has; its vocabulary is the neutral closed set
of `petar_bench.vocabulary`.
"""

from __future__ import annotations

from petar_bench.baselines.nonneural._image_features import LesionMeasurements, tissue_class
from petar_bench.records import StructuredFinding

# Body-height fractions (0 = lowest slice of the body, 1 = top of the head) between regions
# of a vertex-to-thigh scan.
_NECK_BOTTOM = 0.80
_THORAX_BOTTOM = 0.60
_ABDOMEN_BOTTOM = 0.36

_TRACER_WORDS = {
    "fdg": "FDG-avid",
    "dotatate": "DOTATATE-avid",
    "psma": "PSMA-avid",
    "dcfpyl": "PSMA-avid",
    "fluciclovine": "fluciclovine-avid",
}


def tracer_word(tracer: str) -> str:
    return _TRACER_WORDS.get(tracer.lower(), "tracer-avid")


def intensity_word(suv_max: float) -> str:
    if suv_max < 4.0:
        return "mildly"
    if suv_max < 8.0:
        return "moderately"
    return "intensely"


def _sided(side: str, site: str) -> str:
    return site if side == "midline" else f"{side} {site}"


def place_lesion(m: LesionMeasurements) -> tuple[str, str, str]:
    """(region, organ, sub-site) guessed from position and density."""
    tissue = tissue_class(m)
    h = m.height_fraction
    if tissue == "bone":
        if h > _NECK_BOTTOM:
            site = "cervical spine" if m.laterality == "midline" else "skull"
        elif h > _THORAX_BOTTOM:
            site = "thoracic spine" if m.laterality == "midline" else _sided(m.laterality, "rib")
        elif h > _ABDOMEN_BOTTOM:
            site = "lumbar spine" if m.laterality == "midline" else _sided(m.laterality, "ilium")
        else:
            site = _sided(m.laterality, "proximal femur" if h < 0.2 else "acetabulum")
        return "Musculoskeletal", "Bone", site
    if tissue == "lung" or (_THORAX_BOTTOM < h <= _NECK_BOTTOM and abs(m.lateral_offset) > 0.3):
        lobe = "upper lobe" if h > (_THORAX_BOTTOM + _NECK_BOTTOM) / 2 else "lower lobe"
        return "Thorax", "Lung", _sided(m.laterality, lobe)
    if h > _NECK_BOTTOM:
        return "Head and neck", "Lymph node", _sided(m.laterality, "cervical lymph node")
    if h > _THORAX_BOTTOM:
        return "Thorax", "Lymph node", _sided(m.laterality, "mediastinal lymph node")
    if h > _ABDOMEN_BOTTOM:
        if m.laterality == "right" and m.anterior_offset > -0.3:
            return "Abdomen", "Liver", "right hepatic lobe"
        if m.laterality == "left" and m.lateral_offset > 0.45:
            return "Abdomen", "Spleen", "spleen"
        return "Abdomen", "Lymph node", _sided(m.laterality, "retroperitoneal lymph node")
    if m.laterality == "midline":
        return "Pelvis", "Prostate", "prostate bed"
    return "Pelvis", "Lymph node", _sided(m.laterality, "external iliac lymph node")


def describe(m: LesionMeasurements, tracer: str) -> StructuredFinding:
    region, organ, sub_site = place_lesion(m)
    noun = "lesion" if organ in ("Bone", "Liver", "Spleen", "Prostate") else "focus"
    if organ == "Lung":
        noun = "nodule"
    elif organ == "Lymph node":
        noun = "node"
    sentence = (
        f"{intensity_word(m.suv_max).capitalize()} {tracer_word(tracer)} {noun} in the "
        f"{sub_site}, measuring {m.size_mm:.0f} mm, with SUVmax {m.suv_max:.1f} "
        f"(slice {m.slice})."
    )
    return StructuredFinding(
        region=region,
        organ=organ,
        sub_site=sub_site[0].upper() + sub_site[1:],
        laterality=m.laterality if m.laterality in ("left", "right", "midline") else None,
        suv_max=m.suv_max,
        slice=m.slice,
        size_mm=m.size_mm,
        findings=sentence,
    )
