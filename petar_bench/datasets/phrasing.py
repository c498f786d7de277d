"""The free-text "Findings" sentence of a synthetic reference, in varied clinical phrasing.

A sentence is a skeleton (a template) filled with slots whose values come from the image:
the intensity word (mild / moderate / intense, from SUVmax against the tracer's reference
background), the tracer-avid wording, a noun that fits organ and size, the site (with its
laterality), the size ("measuring 14 x 11 mm"), SUVmax, sometimes the slice, a score where
the tracer has one (miPSMA, Krenning) and an impression phrase.

Skeletons come in three disjoint pools of 42, one per split, so a model that copies training
sentences verbatim gets no free credit on the test split, and a model tuned on the val split
(early stopping, retrieval over train+val) gains nothing from having seen the test phrasing,
while the slot vocabulary (the clinical content) is shared. Each pool mixes structures:
lesion first, location first, measurement first, impression first, and two sentences.

After the skeleton come optional sentences, shared by all splits, each true of the phantom:
a hedge for lesions that are not malignant ("likely physiologic", "favoured benign") when the
skeleton has no impression slot, a negation ("No other FDG-avid nodes in this station."), the
comparison with the simulated prior exam (`petar_bench.datasets._priors`: new, increased,
decreased, stable, with the prior's SUVmax and size from the stored prior values), a Deauville
score for FDG lymphoma patients when the skeleton has no score slot, and a prior lesion that
has resolved. The skeleton always states the current SUVmax first, so a reader that takes the
first SUVmax of a text gets the current one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from petar_bench.datasets._priors import PriorLesion
from petar_bench.datasets._sites import KINDS, Site
from petar_bench.findings import format_suv

TEMPLATES: Mapping[str, Mapping[str, str]] = {
    "train": {
        # lesion first
        "t01": "{int_adv} {avid} {adj_site} {noun}, measuring {size}, SUVmax {suv}, {impr}.",
        "t02": "{adj_site} {noun} ({size}) with {int_adj} {tracer} uptake, SUVmax {suv}, axial "
        "slice {slice}, {impr}.",
        "t03": "{adj_site} {noun} demonstrating {int_adj} radiotracer uptake with SUVmax {suv}, "
        "measuring {size}; {impr}.",
        "t04": "{noun} in {loc_site} with {int_adj} {tracer} avidity, {size}, SUVmax {suv}, "
        "{score}.",
        "t05": "{int_adj} {avid} {noun} in {loc_site} (SUVmax {suv}, {score}), {impr}.",
        "t06": "A {size} {int_adv} {avid} {noun} is seen in {loc_site} with SUVmax {suv}, {impr}.",
        "t07": "{adj_site} {noun} showing {int_adj} uptake, SUVmax {suv} on axial slice "
        "{slice}; its size is {size}.",
        "t08": "{noun} of {loc_site}, {int_adv} {avid}, measures {size} and has an SUVmax of "
        "{suv}; {score}.",
        "t09": "{avid} {noun}, {adj_site}, {size}, SUVmax {suv}, {int_adj} grade, {impr}.",
        "t10": "Solitary-appearing {int_adv} {avid} {noun} in {loc_site} with max SUV {suv} "
        "and dimensions of {size}.",
        # location first
        "t11": "There is a {int_adv} {avid} {noun} in {loc_site} measuring {size}, with SUVmax "
        "{suv}; {impr}.",
        "t12": "Focal {int_adj} uptake in a {size} {noun} in {loc_site}, SUV max {suv}, {impr}.",
        "t13": "{int_adv} {avid} focus involving {loc_site}, SUVmax {suv}, PET/CT axial slice "
        "{slice}, {impr}.",
        "t14": "In {loc_site}, a {int_adv} {avid} {noun} measures {size} (SUVmax {suv}), {impr}.",
        "t15": "At {loc_site} there is {int_adj} {tracer} uptake in a {noun}, SUVmax {suv}, "
        "{score}.",
        "t16": "Involving {loc_site}: {noun}, {size}, {int_adj} uptake with SUVmax {suv}, {impr}.",
        "t17": "Attention is drawn to {loc_site}, where a {noun} of {size} shows {int_adj} "
        "uptake (SUVmax {suv}); {impr}.",
        "t18": "Turning to {loc_site}, the {noun} there is {int_adv} {avid} with SUVmax {suv} "
        "on slice {slice}.",
        # measurement first
        "t19": "SUVmax {suv}: {int_adv} {avid} {adj_site} {noun}, {size}, {impr}.",
        "t20": "Measuring {size}, the {adj_site} {noun} is {int_adv} {avid} with SUVmax {suv}, "
        "{score}.",
        "t21": "{size} {adj_site} {noun}, SUVmax {suv} (axial slice {slice}), {int_adj} "
        "uptake, {impr}.",
        "t22": "Maximum SUV of {suv} in a {int_adv} {avid} {noun} in {loc_site} measuring "
        "{size}; {impr}.",
        "t23": "With an SUVmax of {suv}, a {size} {noun} in {loc_site} is {int_adv} {avid}; "
        "{score}.",
        "t24": "SUVmax {suv} and size {size} for the {int_adv} {avid} {adj_site} {noun}, {impr}.",
        "t25": "Size {size}, SUVmax {suv}, slice {slice} - {adj_site} {noun} with {int_adj} "
        "{tracer} uptake.",
        "t26": "At SUVmax {suv}, the {size} {noun} in {loc_site} counts as {int_adj}; {score}.",
        # impression first
        "t27": "{impr}: {int_adv} {avid} {adj_site} {noun} ({size}, SUVmax {suv}).",
        "t28": "{impr} - {noun} in {loc_site}, SUVmax {suv}, axial slice {slice}, {int_adj} "
        "uptake.",
        "t29": "{impr} ({adj_site} {noun}; {int_adj} uptake, SUVmax {suv}; {score}).",
        "t30": "{impr}. {int_adv} {avid} {noun} in {loc_site}, {size}, SUVmax {suv}.",
        "t31": "{impr}; this refers to the {size} {int_adv} {avid} {noun} of {loc_site} "
        "(SUVmax {suv}).",
        # two sentences
        "t32": "{adj_site} {noun}, {size}. It shows {int_adj} {tracer} uptake with SUVmax "
        "{suv}; {impr}.",
        "t33": "There is {int_adj} uptake in {loc_site}. The corresponding {noun} measures "
        "{size}, SUVmax {suv}, {score}.",
        "t34": "{int_adv} {avid} {noun} in {loc_site}. SUVmax {suv}, axial slice {slice}. {impr}.",
        "t35": "A {noun} is present in {loc_site}. It is {int_adv} {avid} (SUVmax {suv}) and "
        "measures {size}, {impr}.",
        "t36": "Focal {int_adj} activity, SUVmax {suv}. Anatomic correlate: {size} {noun} in "
        "{loc_site}, {impr}.",
        "t37": "{adj_site} {noun} measuring {size}. SUVmax is {suv} ({score}). {impr}.",
        "t38": "The {adj_site} {noun} is {int_adv} {avid}. Its SUVmax is {suv} on image "
        "{slice}; {impr}.",
        "t39": "{int_adj} {tracer} uptake localizes to {loc_site} (SUVmax {suv}). The {noun} "
        "spans {size}. {score}.",
        "t40": "{noun} ({adj_site}) of {size}. Max SUV {suv}; {int_adj} uptake; {score}.",
        "t41": "On axial slice {slice}, a {int_adv} {avid} {noun} in {loc_site} measures "
        "{size}. SUVmax {suv}.",
        "t42": "{int_adj} tracer-avid {noun} seen in {loc_site}. SUVmax {suv}, {size}; {impr}.",
    },
    "val": {
        # lesion first
        "v01": "{adj_site} {noun} with {int_adj} {tracer} uptake, {size}, maximum SUV {suv}; "
        "{impr}.",
        "v02": "{int_adj} {avid} {noun} of {loc_site} on slice {slice}, size {size}, SUVmax "
        "{suv}, {score}.",
        "v03": "{adj_site} {noun} is {int_adv} {avid} (SUVmax {suv}; {score}), {size}.",
        "v04": "One {int_adv} {avid} {noun} within {loc_site}, {size} in size, SUVmax of {suv}, "
        "{impr}.",
        "v05": "{noun}, {loc_site}: {int_adv} {avid}, SUVmax {suv}, {size}; {impr}.",
        "v06": "{adj_site} {noun} exhibiting {int_adj} {tracer} accumulation, SUVmax {suv}, "
        "measured at {size}, {impr}.",
        "v07": "{int_adv} {avid} {noun} of {size} lying in {loc_site}, SUVmax {suv} at image "
        "{slice}.",
        "v08": "{noun} ({size}) in {loc_site}, {int_adv} {avid}, its SUVmax {suv}; {score}.",
        "v09": "{avid} {adj_site} {noun} with SUVmax {suv}, size {size}, grade of uptake "
        "{int_adj}, {impr}.",
        "v10": "{int_adj}-intensity {avid} {noun} in {loc_site}, about {size}, SUVmax {suv}, "
        "{impr}.",
        # location first
        "v11": "Demonstrated in {loc_site} is a {int_adv} {avid} {noun} ({size}), SUVmax {suv}, "
        "{impr}.",
        "v12": "PET shows a {noun} in {loc_site}, {size}, whose SUVmax is {suv}, {impr}.",
        "v13": "Identified: {noun} in {loc_site}, {int_adj} avidity, SUVmax {suv}, image "
        "{slice}; {impr}.",
        "v14": "Within {loc_site}, PET/CT depicts a {size} {noun} of {int_adj} avidity, "
        "SUVmax {suv}, {score}.",
        "v15": "From {loc_site} arises a {int_adv} {avid} {noun}, {size}, SUVmax {suv}; {impr}.",
        "v16": "Regarding {loc_site}: a {noun} with {int_adj} {tracer} uptake, SUVmax {suv}, "
        "slice {slice}, {impr}.",
        "v17": "Located in {loc_site}, a {int_adv} {avid} {noun} reaches an SUVmax of {suv} "
        "and measures {size}.",
        "v18": "Evaluation of {loc_site} reveals a {noun} ({size}) with {int_adj} uptake, "
        "SUVmax {suv}, {score}.",
        # measurement first
        "v19": "{size}, SUVmax {suv}: {adj_site} {noun}, {int_adv} {avid}, {impr}.",
        "v20": "Maximum SUV {suv} within a {size} {int_adv} {avid} {noun} of {loc_site}, {score}.",
        "v21": "SUVmax of {suv} (slice {slice}) is recorded in a {adj_site} {noun} of {size}; "
        "{impr}.",
        "v22": "Sized {size} and with an SUVmax of {suv}, the {adj_site} {noun} is {int_adv} "
        "{avid}, {impr}.",
        "v23": "Measurements for the {adj_site} {noun}: {size}, SUVmax {suv}, {int_adj} "
        "uptake; {score}.",
        "v24": "A maximum SUV of {suv} marks the {int_adv} {avid} {noun} in {loc_site} ({size}).",
        "v25": "SUVmax {suv} on image {slice} corresponds to a {size} {noun} in {loc_site}, "
        "{int_adj} in grade.",
        "v26": "Up to SUVmax {suv} in the {adj_site} {noun}, which measures {size}; {impr}.",
        # impression first
        "v27": "{impr} - {int_adv} {avid} {noun} within {loc_site}, SUVmax {suv}, {size}.",
        "v28": "{impr}: the {adj_site} {noun} with {int_adj} {tracer} uptake (SUVmax {suv}, "
        "{size}).",
        "v29": "{impr}, namely a {size} {noun} in {loc_site} with SUVmax {suv} ({score}).",
        "v30": "{impr}. The {noun} in {loc_site} measures {size} with SUVmax {suv} on slice "
        "{slice}.",
        "v31": "{impr} ({int_adv} {avid} {adj_site} {noun} of {size}, maximum SUV {suv}).",
        # two sentences
        "v32": "{int_adv} {avid} {adj_site} {noun}. It measures {size} with SUVmax {suv}; {impr}.",
        "v33": "{noun} in {loc_site}, {size}. Uptake is {int_adj} with SUVmax {suv} ({score}).",
        "v34": "A {adj_site} {noun} is noted. It is {int_adv} {avid}, SUVmax {suv}, {size}. "
        "{impr}.",
        "v35": "{int_adj} uptake in {loc_site}, SUVmax {suv}. This corresponds to a {noun} of "
        "{size}; {impr}.",
        "v36": "PET/CT image {slice} shows the {adj_site} {noun}. SUVmax {suv}, size {size}, "
        "{int_adj} uptake.",
        "v37": "The {noun} in {loc_site} measures {size}. It has {int_adj} {tracer} avidity "
        "(SUVmax {suv}), {impr}.",
        "v38": "{int_adv} {avid} {noun}, {loc_site}. Maximum SUV {suv}; {score}. {impr}.",
        "v39": "{adj_site} {noun}. {int_adj} {tracer} uptake, SUVmax {suv}, size {size}, {impr}.",
        "v40": "Uptake of {int_adj} degree in a {adj_site} {noun}. Peak SUVmax {suv}, size "
        "{size}; {impr}.",
        "v41": "Tracer accumulation is {int_adj} in {loc_site} (SUVmax {suv}). A {noun} "
        "measuring {size} underlies it.",
        "v42": "See {loc_site}: {int_adv} {avid} {noun}. SUVmax {suv} at slice {slice}, "
        "{size}, {impr}.",
    },
    "test": {
        # lesion first
        "s01": "A {size} {adj_site} {noun} demonstrates {int_adj} {tracer} avidity with an "
        "SUVmax of {suv}, {impr}.",
        "s02": "Noted is a {int_adv} {avid} {adj_site} {noun} measuring {size}, maximum SUV "
        "{suv}, {score}.",
        "s03": "The {adj_site} {noun} measures {size} and shows {int_adj} tracer accumulation "
        "(SUVmax {suv}), {impr}.",
        "s04": "{int_adj} {avid} activity localizes to a {adj_site} {noun} ({size}; SUVmax "
        "{suv}; {score}).",
        "s05": "A {avid} {noun} is present in {loc_site}, SUVmax {suv} at image {slice}, "
        "{int_adj} in intensity and {impr}.",
        "s06": "{noun} in {loc_site} displaying {int_adj} {tracer} uptake, SUVmax {suv}, "
        "dimension {size}; {impr}.",
        "s07": "{adj_site} {noun}: {size}, SUVmax {suv}, {int_adj} avidity, {score}.",
        "s08": "{int_adv} {avid} {noun} situated in {loc_site} with SUVmax {suv} and a size of "
        "{size}, {impr}.",
        "s09": "{avid} {noun} ({adj_site}), SUVmax {suv}, slice {slice}, measuring {size}, "
        "{int_adj} uptake.",
        "s10": "A {int_adv} {avid} {noun} sits in {loc_site}; SUVmax {suv}, {size}, {impr}.",
        # location first
        "s11": "Within {loc_site} there is a {noun} measuring {size} with {int_adj} uptake up "
        "to SUVmax {suv}, {impr}.",
        "s12": "{adj_site}: {int_adv} {avid} {noun}, {size}, SUVmax {suv} (slice {slice}), {impr}.",
        "s13": "Seen in {loc_site} is a {size} {noun} with {int_adj} {tracer} uptake, SUVmax "
        "{suv}; {score}.",
        "s14": "Inspection of {loc_site} shows a {int_adv} {avid} {noun} (SUVmax {suv}, "
        "{size}), {impr}.",
        "s15": "In the region of {loc_site}, a {noun} takes up tracer with {int_adj} "
        "avidity, SUVmax {suv}, {score}.",
        "s16": "Across {loc_site} a {int_adv} {avid} {noun} of {size} is visible, SUVmax "
        "{suv}, axial image {slice}.",
        "s17": "Localized to {loc_site}: {int_adj} uptake in a {noun}, size {size}, SUVmax "
        "{suv}, {impr}.",
        "s18": "Involvement of {loc_site} by a {int_adv} {avid} {noun}, {size}, with SUVmax "
        "{suv}; {impr}.",
        # measurement first
        "s19": "{int_adj} uptake (SUVmax {suv}) is seen in a {size} {noun} of {loc_site}, {impr}.",
        "s20": "SUVmax {suv}, {size}, {int_adj} uptake: {adj_site} {noun}, {score}.",
        "s21": "An SUVmax of {suv} is measured in the {size} {adj_site} {noun}, which is "
        "{int_adv} {avid}; {impr}.",
        "s22": "Measuring {size} with SUVmax {suv} at slice {slice}, a {adj_site} {noun} "
        "shows {int_adj} uptake.",
        "s23": "Max SUV {suv} and {size}: {int_adv} {avid} {noun} in {loc_site}, {impr}.",
        "s24": "{size} across, SUVmax {suv}: the {noun} in {loc_site} is {int_adv} {avid}, "
        "{score}.",
        "s25": "At an SUVmax of {suv}, the {adj_site} {noun} ({size}) is {int_adv} {avid}, {impr}.",
        "s26": "SUVmax {suv}, image {slice}, in a {noun} of {loc_site} measuring {size}; {impr}.",
        # impression first
        "s27": "{impr}: {noun} in {loc_site} with {int_adj} {tracer} uptake, SUVmax {suv}, "
        "measuring {size}.",
        "s28": "{impr} - the {int_adv} {avid} {adj_site} {noun} ({size}), SUVmax {suv}, {score}.",
        "s29": "{impr}; there is a {adj_site} {noun} of {size} with SUVmax {suv} at slice {slice}.",
        "s30": "{impr}. A {int_adv} {avid} {adj_site} {noun}, {size}, shows SUVmax {suv}.",
        "s31": "{impr}, as the {noun} in {loc_site} ({size}) has {int_adj} uptake with SUVmax "
        "{suv}.",
        # two sentences
        "s32": "A {noun} occupies {loc_site}. It measures {size} and is {int_adv} {avid} with "
        "SUVmax {suv}; {impr}.",
        "s33": "{adj_site} {noun} of {size}. {int_adj} {tracer} avidity, SUVmax {suv}, {score}.",
        "s34": "{int_adj} focal uptake in {loc_site}, SUVmax {suv}. A {size} {noun} "
        "corresponds; {impr}.",
        "s35": "The {adj_site} {noun} shows {int_adj} uptake. SUVmax {suv} on slice {slice}; "
        "{impr}.",
        "s36": "{noun} within {loc_site}, measuring {size}. SUVmax {suv}, {int_adj} grade; "
        "{score}.",
        "s37": "PET/CT: {int_adv} {avid} {adj_site} {noun}. Its size is {size} and its SUVmax "
        "{suv}. {impr}.",
        "s38": "{int_adv} {avid} {noun} identified in {loc_site}. Measures {size}; SUVmax "
        "{suv}; {impr}.",
        "s39": "There is {int_adj} {tracer} uptake in a {adj_site} {noun}. SUVmax {suv}, "
        "slice {slice}, {size}.",
        "s40": "A {size} {noun} lies in {loc_site}. Uptake: {int_adj}, SUVmax {suv}, {impr}.",
        "s41": "{adj_site} {noun} with {int_adj} {tracer} avidity. SUVmax {suv}; size "
        "{size}; {score}.",
        "s42": "Tracer uptake in {loc_site} is {int_adj} (SUVmax {suv}). The {noun} there "
        "measures {size}, {impr}.",
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
    "warranting attention on follow-up",
)
# FDG patients with lymphoma: the disease is lymphoma, not metastasis.
_IMPRESSIONS_LYMPHOMA = (
    "consistent with lymphomatous involvement",
    "in keeping with active lymphoma",
    "compatible with lymphoma",
)
# Hedged impressions for lesions that are not malignant (FindingFacts.kind).
HEDGES: Mapping[str, tuple[str, ...]] = {
    "benign": (
        "favoured benign",
        "indeterminate, favoured benign",
        "likely benign",
        "probably inflammatory",
    ),
    "physiologic": (
        "likely physiologic",
        "most likely physiologic uptake",
        "favoured physiologic",
        "in keeping with physiologic activity",
    ),
}


@dataclass(frozen=True)
class FindingFacts:
    """Everything a sentence may state: measured on the image, or from the site, the patient's
    plan (diagnosis, lesion kind) and the simulated prior exam (stored prior values)."""

    tracer: str
    site: Site
    suv_max: float
    slice: int
    long_mm: int
    short_mm: int
    bone_pattern: str | None
    background: Mapping[str, float]  # patient's mean SUV: liver, blood, spleen, parotid, marrow
    kind: str = "malignant"  # "malignant", "benign" or "physiologic" (hedged wording)
    diagnosis: str | None = None  # "lymphoma" for FDG lymphoma patients (Deauville scores)
    prior: PriorLesion | None = None  # the simulated prior exam at this site (None: no prior)
    resolved_site: Site | None = None  # a prior lesion, gone now, that this finding mentions
    # Lesions of the patient in this organ, this one included (decides which negations hold).
    organ_count: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")


def intensity(facts: FindingFacts) -> str:
    """mild <= 1.3x, moderate <= 2.5x, intense > 2.5x the reference background (the liver;
    bone marrow for fluciclovine)."""
    ref = facts.background["marrow" if facts.tracer == "fluciclovine" else "liver"]
    ratio = facts.suv_max / ref
    return "mild" if ratio <= 1.3 else "moderate" if ratio <= 2.5 else "intense"


# Deauville "markedly above liver": SUVmax above this multiple of the liver (the upper end of
# the 2-3x that is commonly used to make the visual grade quantitative).
DEAUVILLE_MARKED = 3.0


def deauville_score(facts: FindingFacts) -> int | None:
    """Deauville 5-point score of an FDG lymphoma lesion (None for other patients).

    From the measured SUVmax against the patient's mediastinal blood pool and liver (the
    `background` values): 2 = at most blood pool; 3 = above blood pool, at most liver;
    4 = above liver, at most DEAUVILLE_MARKED x liver; 5 = above that, or a lesion that is new
    since the prior exam. Score 1 (no uptake) never applies to a reported lesion.
    """
    if facts.tracer != "FDG" or facts.diagnosis != "lymphoma":
        return None
    bg, suv = facts.background, facts.suv_max
    if facts.prior is not None and facts.prior.change == "new":
        return 5
    if suv <= bg["blood"]:
        return 2
    if suv <= bg["liver"]:
        return 3
    return 4 if suv <= DEAUVILLE_MARKED * bg["liver"] else 5


def score_clause(facts: FindingFacts) -> str:
    bg, suv = facts.background, facts.suv_max
    deauville = deauville_score(facts)
    if deauville is not None:
        return f"Deauville score {deauville}"
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
    if facts.kind != "malignant":
        options = list(HEDGES[facts.kind])
    elif level == "mild":
        options = list(_IMPRESSIONS_MILD)
        if facts.site.organ == "Lymph node":
            options.append("likely reactive")
    elif facts.diagnosis == "lymphoma":
        options = list(_IMPRESSIONS_LYMPHOMA)
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


def _pick(options: Sequence[str], rng: np.random.Generator) -> str:
    return options[int(rng.integers(len(options)))]


# Negations: each is true of every phantom it is used for. Sites are distinct within a
# patient (so no other lesion shares a nodal station); the phantoms have no effusions,
# cavitation, fractures or cortical destruction; `organ_count` says whether the patient has
# another lesion in the same organ.
def _negations(facts: FindingFacts, avid: str) -> list[str]:
    organ, alone = facts.site.organ, facts.organ_count == 1
    found = []
    if organ == "Lymph node":
        found.append(f"no other {avid} nodes in this station")
        if alone:
            found.append("no other nodal disease")
    elif organ == "Lung":
        found += ["no pleural effusion", "no cavitation"]
        if alone:
            found.append("no other pulmonary nodules")
    elif organ == "Liver" and alone:
        found.append("no other focal hepatic lesions")
    elif organ == "Bone":
        found.append("no pathologic fracture")
        if facts.bone_pattern == "sclerotic":
            found.append("sclerotic, without cortical destruction")
        if alone:
            found.append("no other osseous lesions")
    elif organ in ("Adrenal gland", "Pancreas", "Spleen", "Thyroid") and alone:
        found.append("no other lesion in this organ")
    return found


_COMPARISONS: Mapping[str, tuple[str, ...]] = {
    "new": (
        "new since the prior exam",
        "not seen on the prior study",
        "this is new compared with the prior examination",
    ),
    "increased": (
        "increased since the prior exam (previously SUVmax {p_suv}, {p_size})",
        "interval increase from SUVmax {p_suv} and {p_size} on the prior study",
        "previously SUVmax {p_suv} and {p_size}, now larger and more avid",
    ),
    "decreased": (
        "decreased since the prior exam (previously SUVmax {p_suv}, {p_size})",
        "interval decrease from SUVmax {p_suv} and {p_size} on the prior study",
        "smaller and less avid than on the prior exam (SUVmax {p_suv}, {p_size})",
    ),
    "stable": (
        "stable compared with the prior exam (SUVmax {p_suv}, {p_size})",
        "unchanged from the prior study, when it measured {p_size} with SUVmax {p_suv}",
        "no significant interval change (prior SUVmax {p_suv})",
    ),
}


def _comparison(prior: PriorLesion, rng: np.random.Generator) -> str:
    phrase = _pick(_COMPARISONS[prior.change], rng)
    if prior.suv_max is None or prior.size_mm is None:
        return phrase
    return phrase.format(p_suv=format_suv(prior.suv_max), p_size=f"{prior.size_mm} mm")


_RESOLVED = (
    "the previously seen {what} has resolved",
    "the {what} described on the prior exam is no longer seen",
    "resolution of the previously noted {what}",
)


def _resolved(facts: FindingFacts, rng: np.random.Generator) -> str:
    assert facts.resolved_site is not None
    gone = FindingFacts(
        tracer=facts.tracer,
        site=facts.resolved_site,
        suv_max=facts.suv_max,
        slice=facts.slice,
        long_mm=10,
        short_mm=10,
        bone_pattern=None,
        background=facts.background,
    )
    what = f"{_pick(facts.resolved_site.adj, rng)} {_pick(_nouns(gone), rng)}"
    return _pick(_RESOLVED, rng).format(what=what)


def _extras(
    facts: FindingFacts,
    template: str,
    slots: Mapping[str, str],
    rng: np.random.Generator,
) -> list[str]:
    """The sentences after the skeleton (see the module docstring), in a fixed order."""
    extra = []
    if facts.kind != "malignant" and "{impr}" not in template:
        extra.append(slots["impr"])
    negations = _negations(facts, slots["avid"])
    if negations and rng.random() < 0.4:
        extra.append(_pick(negations, rng))
    if facts.prior is not None:
        extra.append(_comparison(facts.prior, rng))
    if deauville_score(facts) is not None and "{score}" not in template:
        extra.append(slots["score"])
    if facts.resolved_site is not None:
        extra.append(_resolved(facts, rng))
    return extra


def render_findings(
    facts: FindingFacts, split: str, rng: np.random.Generator, *, template_id: str | None = None
) -> tuple[str, str]:
    """(sentence, template id) for one lesion; draws only from `rng`. `template_id` picks the
    skeleton (it must be in the split's pool) instead of drawing one."""
    pool = TEMPLATES[pool_for_split(split)]
    if template_id is None:
        template_id = sorted(pool)[int(rng.integers(len(pool)))]
    elif template_id not in pool:
        raise ValueError(f"template {template_id!r} is not in the {split!r} pool")
    level = intensity(facts)
    slots = {
        "int_adj": level,
        "int_adv": level + "ly" if level != "intense" else "intensely",
        "avid": _pick(AVID_WORDS[facts.tracer], rng),
        "tracer": facts.tracer,
        "noun": _pick(_nouns(facts), rng),
        "adj_site": _pick(facts.site.adj, rng),
        "loc_site": _pick(facts.site.loc, rng),
        "size": _size_phrase(facts, rng),
        "suv": format_suv(facts.suv_max),
        "slice": str(facts.slice),
        "score": score_clause(facts),
        "impr": _impression(facts, level, rng),
    }
    template = pool[template_id]
    sentences = [template.format(**slots)]
    sentences += [e + "." for e in _extras(facts, template, slots, rng)]
    return _tidy(" ".join(sentences)), template_id


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


# What each slot can hold, so that a skeleton's pattern cannot stretch a free slot over a
# sentence end or over another skeleton's literal words.
_FREE = r"[^.;:]+?"


def _slot_patterns() -> dict[str, str]:
    def any_of(words: Iterable[str]) -> str:
        longest_first = sorted(set(words), key=len, reverse=True)
        return "(?:" + "|".join(re.escape(w) for w in longest_first) + ")"

    return {
        "int_adj": any_of(("mild", "moderate", "intense")),
        "int_adv": any_of(("mildly", "moderately", "intensely")),
        "avid": any_of(w for words in AVID_WORDS.values() for w in words),
        "tracer": any_of(AVID_WORDS),
        "suv": r"\d+\.\d",
        "slice": r"\d+",
        "size": r"\d+(?:\.\d)?(?: x \d+(?:\.\d)?)? (?:mm|cm)",
        "score": r"[^.;:()]+?",
        "impr": r"[^.;:()]+?",
        "noun": _FREE,
        "adj_site": _FREE,
        "loc_site": _FREE,
    }


@cache
def _template_regex(template: str) -> re.Pattern[str]:
    """A skeleton as a pattern: literal text, slots by what they hold, and any sentences
    after it (the optional ones shared by all splits)."""
    patterns = _slot_patterns()
    parts = re.split(r"\{([a-z_]+)\}", template)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"(?:{patterns[part]})")
            continue
        escaped = re.escape(part)
        escaped = re.sub(r"(^|(?<=\\ ))([Aa])\\ ", r"\1\2n?\\ ", escaped)
        out.append(escaped)
    return re.compile("^" + "".join(out) + r"(?:\s.*)?$", re.IGNORECASE | re.DOTALL)


def match_templates(sentence: str) -> set[str]:
    """Ids of the templates a finding could have come from (tests check pool disjointness)."""
    found = set()
    for pool in TEMPLATES.values():
        for template_id, template in pool.items():
            if _template_regex(template).match(sentence):
                found.add(template_id)
    return found
