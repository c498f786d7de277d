"""The free-text "Findings" sentence of a synthetic reference, in varied clinical phrasing.

A sentence is a skeleton (a template) filled with slots whose values come from the image:
the intensity word (mild / moderate / intense, from SUVmax against the tracer's reference
background), the tracer-avid wording, a noun that fits organ and size, the site (with its
laterality), the size ("measuring 14 x 11 mm"), SUVmax, sometimes the slice, a score where
the tracer has one (miPSMA, Krenning) and an impression phrase.

Skeletons come in three disjoint pools, one per split, so a model that copies training
sentences verbatim gets no free credit on the test split, and a model tuned on the val split
(early stopping, retrieval over train+val) gains nothing from having seen the test phrasing,
while the slot vocabulary (the clinical content) is shared.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from petar_bench.datasets.sites import Site
from petar_bench.findings import format_suv

TEMPLATES: Mapping[str, Mapping[str, str]] = {
    "train": {
        "t1": "{int_adv} {avid} {adj_site} {noun}, measuring {size}, SUVmax {suv}, {impr}.",
        "t2": "There is a {int_adv} {avid} {noun} in {loc_site} measuring {size}, with SUVmax "
        "{suv}; {impr}.",
        "t3": "{adj_site} {noun} ({size}) with {int_adj} {tracer} uptake, SUVmax {suv}, axial "
        "slice {slice}, {impr}.",
        "t4": "Focal {int_adj} uptake in a {size} {noun} in {loc_site}, SUV max {suv}, {impr}.",
        "t5": "{int_adj} {avid} {noun} in {loc_site} (SUVmax {suv}, {score}), {impr}.",
        "t6": "{adj_site} {noun} demonstrating {int_adj} radiotracer uptake with SUVmax {suv}, "
        "measuring {size}; {impr}.",
        "t7": "{int_adv} {avid} focus involving {loc_site}, SUVmax {suv}, PET/CT axial slice "
        "{slice}, {impr}.",
        "t8": "{noun} in {loc_site} with {int_adj} {tracer} avidity, {size}, SUVmax {suv}, "
        "{score}.",
    },
    "val": {
        "v1": "{adj_site} {noun} with {int_adj} {tracer} uptake, {size}, maximal SUV {suv}; "
        "{impr}.",
        "v2": "Demonstrated in {loc_site} is a {int_adv} {avid} {noun} ({size}), SUVmax {suv}, "
        "{impr}.",
        "v3": "{int_adj} {avid} {noun} of {loc_site} on slice {slice}, size {size}, SUVmax "
        "{suv}, {score}.",
        "v4": "PET shows a {noun} in {loc_site}, {size}, whose SUVmax reaches {suv}, {impr}.",
        "v5": "Abnormal {int_adj} uptake in a {adj_site} {noun}, peak SUVmax {suv}, size "
        "{size}, {impr}.",
        "v6": "{adj_site} {noun} is {int_adv} {avid} (SUVmax {suv}; {score}), {size}.",
        "v7": "Identified: {noun} in {loc_site}, {int_adj} avidity, SUVmax {suv}, image "
        "{slice}; {impr}.",
        "v8": "One {int_adv} {avid} {noun} within {loc_site}, {size} in size, SUVmax of "
        "{suv}, {impr}.",
    },
    "test": {
        "s1": "{int_adj} uptake (SUVmax {suv}) is seen in a {size} {noun} of {loc_site}, {impr}.",
        "s2": "A {size} {adj_site} {noun} demonstrates {int_adj} {tracer} avidity with an "
        "SUVmax of {suv}, {impr}.",
        "s3": "{adj_site}: {int_adv} {avid} {noun}, {size}, SUVmax {suv} (slice {slice}). {impr}.",
        "s4": "Noted is a {int_adv} {avid} {adj_site} {noun} measuring {size}, maximum SUV "
        "{suv}, {score}.",
        "s5": "The {adj_site} {noun} measures {size} and shows {int_adj} tracer accumulation "
        "(SUVmax {suv}), {impr}.",
        "s6": "Within {loc_site} there is a {noun} measuring {size} with {int_adj} uptake up to "
        "SUVmax {suv}, {impr}.",
        "s7": "{int_adj} {avid} activity localizes to a {adj_site} {noun} ({size}; SUVmax "
        "{suv}; {score}).",
        "s8": "A {avid} {noun} is present in {loc_site}, SUVmax {suv} at image {slice}, "
        "{int_adj} in intensity and {impr}.",
    },
}

AVID_WORDS: Mapping[str, tuple[str, ...]] = {
    "FDG": ("FDG-avid", "hypermetabolic"),
    "DOTATATE": ("DOTATATE-avid", "somatostatin receptor-avid"),
    "PSMA": ("PSMA-avid", "PSMA-expressing"),
    "fluciclovine": ("fluciclovine-avid",),
}

_IMPRESSIONS_POSITIVE: Mapping[str, tuple[str, ...]] = {
    "any": (
        "suspicious for metastasis",
        "consistent with metastatic disease",
        "concerning for malignancy",
        "compatible with tumor involvement",
    ),
    "Lymph node": ("compatible with nodal metastasis", "suspicious for nodal disease"),
    "Bone": ("consistent with osseous metastasis",),
    "Lung": ("suspicious for malignancy",),
    "FDG": ("likely malignant",),
    "DOTATATE": (
        "consistent with somatostatin receptor-positive disease",
        "in keeping with neuroendocrine tumor",
    ),
    "PSMA": (
        "consistent with prostate cancer involvement",
        "compatible with PSMA-positive disease",
    ),
    "fluciclovine": ("suspicious for recurrent prostate cancer",),
    "Prostate bed": ("suspicious for local recurrence",),
}
_IMPRESSIONS_MILD = (
    "indeterminate",
    "of uncertain significance",
    "recommend attention on follow-up",
)


@dataclass(frozen=True)
class FindingFacts:
    """Everything a sentence may state, all taken from the image or the site."""

    tracer: str
    site: Site
    suv_max: float
    slice: int
    long_mm: int
    short_mm: int
    bone_pattern: str | None
    background: Mapping[str, float]  # patient's mean SUV: liver, blood, spleen, parotid, marrow


def intensity(facts: FindingFacts) -> str:
    """mild <= 1.3x, moderate <= 2.5x, intense > 2.5x the reference background (the liver;
    bone marrow for fluciclovine)."""
    ref = facts.background["marrow" if facts.tracer == "fluciclovine" else "liver"]
    ratio = facts.suv_max / ref
    return "mild" if ratio <= 1.3 else "moderate" if ratio <= 2.5 else "intense"


def score_clause(facts: FindingFacts) -> str:
    bg, suv = facts.background, facts.suv_max
    if facts.tracer == "PSMA":  # PROMISE miPSMA expression score
        score = (
            0 if suv < bg["blood"] else 1 if suv < bg["liver"] else 2 if suv < bg["parotid"] else 3
        )
        return f"miPSMA score {score}"
    if facts.tracer == "DOTATATE":  # Krenning score
        ratio = suv / bg["liver"]
        score = 4 if suv > bg["spleen"] else 3 if ratio > 1.1 else 2 if ratio >= 0.7 else 1
        return f"Krenning score {score}"
    if facts.tracer == "fluciclovine":
        return (
            "uptake greater than bone marrow"
            if suv > bg["marrow"]
            else ("uptake below bone marrow")
        )
    if suv > bg["liver"]:
        return "uptake above the liver"
    if suv > bg["blood"]:
        return "uptake above blood pool but below the liver"
    return "uptake below blood pool"


def _nouns(facts: FindingFacts) -> tuple[str, ...]:
    organ, large = facts.site.organ, facts.long_mm >= 30
    if organ == "Lung":
        return ("mass", "pulmonary mass") if large else ("nodule", "pulmonary nodule")
    if organ == "Lymph node":
        return ("lymph node", "node")
    if organ == "Bone":
        pattern = facts.bone_pattern or "osseous"
        return (f"{pattern} lesion", f"{pattern} focus", "osseous lesion")
    if organ == "Thyroid":
        return ("nodule",)
    if facts.site.key == "prostate_bed":
        return ("focus", "soft-tissue nodule")
    if organ in ("Adrenal gland",):
        return ("mass",) if large else ("nodule", "lesion")
    return ("mass", "lesion") if large else ("lesion", "focus")


def _size_phrase(facts: FindingFacts, rng: np.random.Generator) -> str:
    long, short = facts.long_mm, facts.short_mm
    options = [f"{long} x {short} mm", f"{long} x {short} mm", f"{long} mm"]
    if long >= 10:
        options.append(f"{long / 10:.1f} x {short / 10:.1f} cm")
    return options[int(rng.integers(len(options)))]


def _impression(facts: FindingFacts, level: str, rng: np.random.Generator) -> str:
    if level == "mild":
        options = list(_IMPRESSIONS_MILD)
        if facts.site.organ == "Lymph node":
            options.append("likely reactive")
    else:
        options = list(_IMPRESSIONS_POSITIVE["any"]) + list(_IMPRESSIONS_POSITIVE[facts.tracer])
        for key in (facts.site.organ, facts.site.sub_site):
            options += list(_IMPRESSIONS_POSITIVE.get(key, ()))
    return options[int(rng.integers(len(options)))]


def pool_for_split(split: str) -> str:
    """The skeleton pool of a split: each split has its own (train, val, test).

    Any other split name (a user's custom one) uses the test pool, the one no model is tuned
    on."""
    return split if split in ("train", "val") else "test"


def render_findings(facts: FindingFacts, split: str, rng: np.random.Generator) -> tuple[str, str]:
    """(sentence, template id) for one lesion; draws only from `rng`."""
    pool = TEMPLATES[pool_for_split(split)]
    template_id = sorted(pool)[int(rng.integers(len(pool)))]
    level = intensity(facts)

    def pick(options) -> str:
        return options[int(rng.integers(len(options)))]

    slots = {
        "int_adj": level,
        "int_adv": level + "ly" if level != "intense" else "intensely",
        "avid": pick(AVID_WORDS[facts.tracer]),
        "tracer": facts.tracer,
        "noun": pick(_nouns(facts)),
        "adj_site": pick(facts.site.adj),
        "loc_site": pick(facts.site.loc),
        "size": _size_phrase(facts, rng),
        "suv": format_suv(facts.suv_max),
        "slice": str(facts.slice),
        "score": score_clause(facts),
        "impr": _impression(facts, level, rng),
    }
    text = pool[template_id].format(**slots)
    return _tidy(text), template_id


_ARTICLE = re.compile(r"\b([Aa])n? (?=(\S+))")


def _article_for(word: str) -> str:
    if word[0].isdigit():
        number = re.match(r"\d+", word)
        digits = number.group(0) if number else word
        return "an" if digits.startswith("8") or digits in ("11", "18") else "a"
    if word[0].isupper() and len(word) > 1 and (word[1].isupper() or word[1].isdigit()):
        return "an" if word[0] in "AEFHILMNORSX" else "a"  # letters read by name: "an FDG"
    return "an" if word[0].lower() in "aeiou" else "a"


def _tidy(text: str) -> str:
    """Articles that fit the next word, and capitals at sentence starts."""

    def fix(match: re.Match[str]) -> str:
        article = _article_for(match.group(2))
        return (article.capitalize() if match.group(1) == "A" else article) + " "

    text = _ARTICLE.sub(fix, text)
    text = re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    return text


def _template_regex(template: str) -> re.Pattern[str]:
    pieces = re.split(r"\{[a-z_]+\}", template)
    literals = []
    for piece in pieces:
        escaped = re.escape(piece)
        escaped = re.sub(r"(^|(?<=\\ ))([Aa])\\ ", r"\1\2n?\\ ", escaped)
        literals.append(escaped)
    return re.compile("^" + "(.+?)".join(literals) + "$", re.IGNORECASE | re.DOTALL)


def match_templates(sentence: str) -> set[str]:
    """Ids of the templates a sentence could have come from (tests check pool disjointness)."""
    found = set()
    for pool in TEMPLATES.values():
        for template_id, template in pool.items():
            if _template_regex(template).match(sentence):
                found.add(template_id)
    return found
