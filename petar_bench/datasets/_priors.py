"""A simulated prior exam, for the comparison statements of synthetic findings.

No prior images exist. Each patient has, with probability `PRIOR_EXAM_PROBABILITY`, an
earlier exam of the same tracer; for it, every current lesion gets a change class and, unless
it is new, the SUVmax and size that the prior exam reported. Those prior values are drawn
here from the *measured* current values (so "increased" really means the prior value was
lower) and are stored in the record's fields (`StructuredFinding.prior_suv_max`,
`prior_size_mm`); a sentence that quotes a prior number takes it from there. Every number
about the current exam is still measured on the stored image.

Change classes follow PERCIST-like rules on SUVmax (facts sheet, section 5):

- increased: prior SUVmax 0.4-0.75x the current one and at least 0.8 lower; prior size
  at most the current size;
- decreased: prior SUVmax 1.4-2x the current one and at least 0.8 higher; prior size
  at least the current size;
- stable: prior SUVmax within 10 % of the current one, prior size within 10 % (at most 1 mm
  when the lesion is small);
- new: not seen on the prior exam (no prior values).

Lesions that are not malignant (``kind`` "benign" or "physiologic") are only ever stable or
new. With probability `RESOLVED_PROBABILITY`, the prior exam also had a lesion that is gone
now ("resolved"); one current lesion's finding mentions it, and that record stores the
resolved lesion's sub-site (`StructuredFinding.resolved_sub_site`).

All draws come from the one generator passed in (the generator's own "prior exam" stream), so
the other streams do not shift when this module changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from petar_bench.datasets._sites import GROUP_WEIGHTS, SITES, Site
from petar_bench.vocabulary import find_laterality

CHANGES = ("new", "increased", "decreased", "stable")
PRIOR_EXAM_PROBABILITY = 0.75
CHANGE_WEIGHTS: Mapping[str, float] = {
    "new": 0.2,
    "increased": 0.3,
    "decreased": 0.2,
    "stable": 0.3,
}
RESOLVED_PROBABILITY = 0.35
# Groups whose sites never host a resolved lesion: the prostate (absent or present depends on
# surgery, so "resolved" would contradict the patient's history).
_NO_RESOLVED_GROUPS = ("prostate", "prostate_bed")


@dataclass(frozen=True)
class PriorLesion:
    """What the prior exam showed at a current lesion's site."""

    change: str  # one of CHANGES
    suv_max: float | None  # as the prior exam reported it (one decimal); None when new
    size_mm: int | None  # longest axial diameter on the prior exam; None when new


@dataclass(frozen=True)
class PriorExam:
    """The prior exam of one patient, as far as the current findings refer to it."""

    lesions: tuple[PriorLesion, ...]  # one per current lesion, in the same order
    resolved_site: Site | None  # a lesion of the prior exam that is gone now
    resolved_host: int | None  # index of the current lesion whose finding mentions it


def _prior_values(
    rng: np.random.Generator, change: str, suv: float, size_mm: int
) -> tuple[float | None, int | None]:
    if change == "new":
        return None, None
    if change == "increased":
        prior_suv = min(suv * rng.uniform(0.4, 0.75), suv - 0.8)
        prior_size = min(size_mm, int(round(size_mm * rng.uniform(0.6, 1.0))))
    elif change == "decreased":
        prior_suv = max(suv * rng.uniform(1.4, 2.0), suv + 0.8)
        prior_size = max(size_mm, int(round(size_mm * rng.uniform(1.0, 1.6))))
    else:  # stable
        prior_suv = suv * rng.uniform(0.9, 1.1)
        spread = max(1, int(0.1 * size_mm))
        prior_size = size_mm + int(rng.integers(-spread, spread + 1))
    prior_suv = max(round(float(prior_suv), 1), 0.5)
    return prior_suv, max(prior_size, 3)


def change_class(current_suv: float, prior: PriorLesion) -> str:
    """The change class that the stored prior values support: the rules above read back,
    with room for the one-decimal rounding of the prior SUVmax."""
    if prior.suv_max is None:
        return "new"
    ratio, delta = current_suv / prior.suv_max, current_suv - prior.suv_max
    if ratio >= 1.3 and delta >= 0.75:
        return "increased"
    if ratio <= 0.72 and delta <= -0.75:
        return "decreased"
    if abs(ratio - 1) <= 0.15:
        return "stable"
    return "unclassified"


def resolved_candidates(tracer: str, used_sites: Sequence[str]) -> list[Site]:
    """Sites where the tracer's patients have disease, not used now, whose wording names no
    side (so a mention cannot change the side that the host finding states)."""
    groups = set(GROUP_WEIGHTS[tracer]) - set(_NO_RESOLVED_GROUPS)
    return [
        s
        for s in SITES.values()
        if s.group in groups
        and s.key not in used_sites
        and s.laterality not in ("left", "right")
        and find_laterality(s.adj[0]) is None
    ]


def draw_prior_exam(
    rng: np.random.Generator,
    *,
    tracer: str,
    current: Sequence[tuple[float, int]],
    kinds: Sequence[str],
    used_sites: Sequence[str],
) -> PriorExam | None:
    """The prior exam of one patient, or None (a baseline exam: nothing to compare with).

    `current` holds each lesion's measured (SUVmax, size in mm); `kinds` its kind.
    """
    if rng.random() >= PRIOR_EXAM_PROBABILITY:
        return None
    names = list(CHANGE_WEIGHTS)
    probs = np.array([CHANGE_WEIGHTS[c] for c in names])
    lesions = []
    for (suv, size_mm), kind in zip(current, kinds, strict=True):
        if kind == "malignant":
            change = names[int(rng.choice(len(names), p=probs / probs.sum()))]
        else:
            change = "stable" if rng.random() < 0.8 else "new"
        prior_suv, prior_size = _prior_values(rng, change, suv, size_mm)
        lesions.append(PriorLesion(change, prior_suv, prior_size))
    resolved_site, host = None, None
    malignant = [i for i, k in enumerate(kinds) if k == "malignant"]
    if malignant and rng.random() < RESOLVED_PROBABILITY:
        candidates = resolved_candidates(tracer, used_sites)
        if candidates:
            resolved_site = candidates[int(rng.integers(len(candidates)))]
            host = malignant[int(rng.integers(len(malignant)))]
    return PriorExam(tuple(lesions), resolved_site, host)
