"""Where synthetic lesions can sit: named sites, how reports phrase them, and how often
each tracer's patients have disease there.

A site is either a named part of the phantom (a lung lobe, a liver segment, a vertebra: the
lesion grows inside that part) or a point in the body frame (a nodal station, the prostate
bed: the lesion is placed in soft tissue near it). Nodal station names follow the
usual reporting schemes (neck levels, IASLC stations, abdominal and pelvic chains).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from petar_bench.datasets._anatomy import PARTS, Part

Point = tuple[float, float, float]


@dataclass(frozen=True)
class Site:
    key: str
    group: str  # weighting category, e.g. "lung", "pelvic_node"
    organ: str  # canonical (vocabulary.ORGANS)
    region: str  # canonical (vocabulary.REGIONS)
    sub_site: str
    laterality: str | None
    adj: tuple[str, ...]  # used before a noun: "a right upper lobe nodule"
    loc: tuple[str, ...]  # used after a preposition: "in the right upper lobe"
    part: str | None = None  # part key, for sites inside a named structure
    point: Point | None = None  # body-frame cm, for stations


def _part_site(
    part: Part, group: str, adj: tuple[str, ...] = (), loc: tuple[str, ...] = ()
) -> Site:
    name = part.sub_site[0].lower() + part.sub_site[1:]
    return Site(
        key=part.key,
        group=group,
        organ=part.organ,
        region=part.region,
        sub_site=part.sub_site,
        laterality=part.laterality,
        adj=adj or (name,),
        loc=loc or (f"the {name}",),
        part=part.key,
    )


def _lung(part: Part) -> Site:
    if part.key == "lung_lingula":
        return _part_site(part, "lung", ("lingular",), ("the lingula", "the lingular segment"))
    name = part.sub_site.lower()
    return _part_site(part, "lung", (name,), (f"the {name}", f"the {name} of the lung"))


def _liver(part: Part) -> Site:
    seg = part.sub_site.split()[1]
    lobe = "caudate" if seg == "I" else "left" if seg in ("II", "III", "IVa", "IVb") else "right"
    loc: tuple[str, ...] = (
        f"hepatic segment {seg}",
        f"segment {seg} of the liver",
        f"liver segment {seg}",
    )
    if lobe != "caudate":
        loc += (f"segment {seg} of the {lobe} hepatic lobe",)
    else:
        loc += ("the caudate lobe (segment I)",)
    return _part_site(part, "liver", (f"segment {seg} hepatic", f"hepatic segment {seg}"), loc)


def _bone(part: Part) -> Site:
    name = part.sub_site[0].lower() + part.sub_site[1:]
    group = "spine" if part.key.startswith(("vertebra_", "sacrum")) else "bone"
    if part.key.startswith("vertebra_"):
        level = part.sub_site.split()[0]
        return _part_site(
            part,
            group,
            (f"{level} vertebral body", f"{level}"),
            (f"the {level} vertebral body", f"the {level} vertebra"),
        )
    special = {"sacrum": ("sacral",), "sternum": ("sternal",), "calvarium": ("calvarial",)}
    if part.key in special:
        return _part_site(part, group, special[part.key], (f"the {name}",))
    if part.key.startswith("ilium_"):
        side = part.laterality
        return _part_site(
            part,
            group,
            (f"{side} iliac bone", f"{side} iliac"),
            (f"the {side} ilium", f"the {side} iliac bone"),
        )
    return _part_site(part, group, (name,), (f"the {name}",))


def _organ_site(part: Part) -> Site | None:
    if part.organ == "Lung":
        return _lung(part)
    if part.organ == "Liver":
        return _liver(part)
    if part.organ == "Bone":
        return _bone(part)
    if part.organ == "Adrenal gland":
        side = part.laterality
        return _part_site(
            part,
            "adrenal",
            (f"{side} adrenal",),
            (f"the {side} adrenal gland", f"the {side} adrenal"),
        )
    if part.organ == "Pancreas":
        what = part.sub_site.split()[-1].lower()
        if part.key == "pancreas_uncinate":
            return _part_site(
                part,
                "pancreas",
                ("uncinate process", "pancreatic uncinate"),
                ("the uncinate process of the pancreas", "the uncinate process"),
            )
        return _part_site(
            part,
            "pancreas",
            (f"pancreatic {what}",),
            (f"the pancreatic {what}", f"the {what} of the pancreas"),
        )
    if part.organ == "Spleen":
        return _part_site(part, "spleen", ("splenic",), ("the spleen",))
    if part.organ == "Thyroid":
        side = part.laterality
        return _part_site(
            part,
            "thyroid",
            (f"{side} thyroid",),
            (f"the {side} thyroid lobe", f"the {side} lobe of the thyroid"),
        )
    if part.organ == "Prostate":
        return _part_site(part, "prostate", ("prostatic",), ("the prostate gland", "the prostate"))
    return None  # kidneys: excreting organs are not used as lesion sites


def _node(
    key: str,
    group: str,
    region: str,
    sub_site: str,
    laterality: str | None,
    point: Point,
    adj: tuple[str, ...],
    loc: tuple[str, ...],
) -> Site:
    return Site(
        key=key,
        group=group,
        organ="Lymph node",
        region=region,
        sub_site=sub_site,
        laterality=laterality,
        adj=adj,
        loc=loc,
        point=point,
    )


def _sided_nodes() -> list[Site]:
    """Stations that exist on both sides: (key, group, region, name, point for the right)."""
    table = (
        ("neck_II", "neck_node", "Head and neck", "level II cervical", (4.6, 1.2, 19.5)),
        ("neck_III", "neck_node", "Head and neck", "level III cervical", (4.6, 1.0, 22.5)),
        ("neck_IV", "neck_node", "Head and neck", "level IV cervical", (4.3, 0.5, 25.5)),
        ("supraclavicular", "neck_node", "Head and neck", "supraclavicular", (6.5, 0.5, 27.3)),
        ("axillary", "axillary_node", "Thorax", "axillary", (13.2, -0.5, 30.0)),
        ("common_iliac", "pelvic_node", "Pelvis", "common iliac", (3.2, -0.5, 69.5)),
        ("external_iliac", "pelvic_node", "Pelvis", "external iliac", (6.8, 2.2, 79.5)),
        ("internal_iliac", "pelvic_node", "Pelvis", "internal iliac", (5.0, -3.0, 79.0)),
        ("obturator", "pelvic_node", "Pelvis", "obturator", (6.2, 0.8, 84.0)),
        ("perirectal", "pelvic_node", "Pelvis", "perirectal", (1.9, -3.6, 85.5)),
        ("inguinal", "pelvic_node", "Pelvis", "inguinal", (8.5, 6.5, 90.5)),
    )
    out = []
    for key, group, region, name, (u, v, w) in table:
        for code, side, sign in (("r", "right", 1.0), ("l", "left", -1.0)):
            full = f"{side} {name}"
            out.append(
                _node(
                    f"node_{key}_{code}",
                    group,
                    region,
                    full[0].upper() + full[1:],
                    side,
                    (sign * u, v, w),
                    (full,),
                    (f"the {full} region", f"the {full} chain"),
                )
            )
    return out


def _single_nodes() -> list[Site]:
    table = (
        (
            "2R",
            "Right upper paratracheal (2R)",
            "right",
            (1.8, 1.6, 30.0),
            ("right upper paratracheal (2R)", "right upper paratracheal"),
            ("the right upper paratracheal station (2R)", "station 2R"),
        ),
        (
            "2L",
            "Left upper paratracheal (2L)",
            "left",
            (-1.8, 1.6, 30.5),
            ("left upper paratracheal (2L)", "left upper paratracheal"),
            ("the left upper paratracheal station (2L)", "station 2L"),
        ),
        (
            "4R",
            "Right lower paratracheal (4R)",
            "right",
            (1.9, 0.9, 34.2),
            ("right lower paratracheal (4R)", "right lower paratracheal"),
            ("the right lower paratracheal station (4R)", "station 4R"),
        ),
        (
            "4L",
            "Left lower paratracheal (4L)",
            "left",
            (-2.3, 0.4, 34.8),
            ("left lower paratracheal (4L)", "left lower paratracheal"),
            ("the left lower paratracheal station (4L)", "station 4L"),
        ),
        (
            "5",
            "Subaortic (station 5)",
            None,
            (-2.6, 1.8, 35.2),
            ("subaortic (station 5)", "aortopulmonary window"),
            ("the aortopulmonary window (station 5)", "the subaortic station"),
        ),
        (
            "7",
            "Subcarinal (station 7)",
            "midline",
            (0.0, -0.9, 37.6),
            ("subcarinal (station 7)", "subcarinal"),
            ("the subcarinal station (7)", "the subcarinal region"),
        ),
        (
            "10R",
            "Right hilar (10R)",
            "right",
            (3.9, -0.6, 38.2),
            ("right hilar (10R)", "right hilar"),
            ("the right hilum (10R)", "the right hilum"),
        ),
        (
            "10L",
            "Left hilar (10L)",
            "left",
            (-3.9, -0.6, 38.8),
            ("left hilar (10L)", "left hilar"),
            ("the left hilum (10L)", "the left hilum"),
        ),
    )
    out = [
        _node(f"node_{code}", "mediastinal_node", "Thorax", sub, side, point, adj, loc)
        for code, sub, side, point, adj, loc in table
    ]
    abdominal = (
        (
            "node_paraaortic_l",
            "Left para-aortic",
            "left",
            (-3.0, -0.2, 61.0),
            ("left para-aortic",),
            ("the left para-aortic region", "the left para-aortic chain"),
        ),
        (
            "node_aortocaval",
            "Aortocaval",
            None,
            (0.8, -0.5, 60.0),
            ("aortocaval",),
            ("the aortocaval region", "the aortocaval space"),
        ),
        (
            "node_paracaval_r",
            "Right paracaval",
            "right",
            (3.8, -0.8, 62.0),
            ("right paracaval",),
            ("the right paracaval region",),
        ),
        (
            "node_celiac",
            "Celiac axis",
            None,
            (0.0, 1.0, 53.0),
            ("celiac axis", "celiac"),
            ("the celiac axis region",),
        ),
        (
            "node_mesenteric",
            "Mesenteric",
            None,
            (0.8, 3.8, 63.5),
            ("mesenteric",),
            ("the small bowel mesentery", "the mesentery"),
        ),
    )
    out += [
        _node(k, "abdominal_node", "Abdomen", sub, side, point, adj, loc)
        for k, sub, side, point, adj, loc in abdominal
    ]
    out.append(
        _node(
            "node_presacral",
            "pelvic_node",
            "Pelvis",
            "Presacral",
            "midline",
            (0.0, -3.0, 76.5),
            ("presacral",),
            ("the presacral space",),
        )
    )
    return out


def _prostate_bed() -> Site:
    return Site(
        key="prostate_bed",
        group="prostate_bed",
        organ="Prostate",
        region="Pelvis",
        sub_site="Prostate bed",
        laterality="midline",
        adj=("prostate bed", "prostatectomy bed"),
        loc=("the prostate bed", "the prostatectomy bed"),
        point=(0.0, 1.6, 88.8),
    )


def _mimic_sites() -> list[Site]:
    """Places of physiologic findings that a report may still describe (and mask): focal
    bowel activity and supraclavicular brown fat. Points are in the body frame (cm), on the
    bowel loops and in the fat that `phantom` paints."""
    out = [
        Site(
            "bowel_cecum",
            "physiologic",
            "Bowel",
            "Abdomen",
            "Cecum",
            "right",
            ("right-sided cecal", "right colonic"),
            ("the cecum on the right", "the right-sided cecal pole"),
            point=(6.5, 2.0, 70.0),
        ),
        Site(
            "bowel_sigmoid",
            "physiologic",
            "Bowel",
            "Pelvis",
            "Sigmoid colon",
            "left",
            ("left-sided sigmoid", "left sigmoid colonic"),
            ("the sigmoid colon on the left", "the left-sided sigmoid colon"),
            point=(-4.5, 2.5, 77.0),
        ),
        Site(
            "bowel_duodenum",
            "physiologic",
            "Bowel",
            "Abdomen",
            "Duodenum",
            None,
            ("duodenal",),
            ("the duodenum", "the second part of the duodenum"),
            point=(4.6, 0.8, 57.5),
        ),
    ]
    for code, side, sign in (("r", "right", 1.0), ("l", "left", -1.0)):
        out.append(
            Site(
                f"brown_fat_{code}",
                "physiologic",
                "Soft tissue",
                "Musculoskeletal",
                f"Soft tissue of the {side} supraclavicular fossa",
                side,
                (f"{side} supraclavicular fat", f"{side} supraclavicular soft tissue"),
                (
                    f"the {side} supraclavicular fat",
                    f"the soft tissue of the {side} supraclavicular fossa",
                ),
                point=(sign * 10.5, 0.5, 27.0),
            )
        )
    return out


def _all_sites() -> dict[str, Site]:
    sites: dict[str, Site] = {}
    for part in PARTS:
        site = _organ_site(part)
        if site is None or part.key in ("rib_r1", "rib_l1", "rib_r12", "rib_l12"):
            continue
        if part.key.startswith("vertebra_C") and part.key[-1] in "12":
            continue
        sites[site.key] = site
    for site in _sided_nodes() + _single_nodes() + [_prostate_bed()] + _mimic_sites():
        sites[site.key] = site
    return sites


SITES: Mapping[str, Site] = _all_sites()

# How often each tracer's patients have disease in each group (relative weights).
GROUP_WEIGHTS: Mapping[str, Mapping[str, float]] = {
    "FDG": {
        "lung": 3.0,
        "mediastinal_node": 2.5,
        "neck_node": 1.0,
        "axillary_node": 0.7,
        "abdominal_node": 1.0,
        "pelvic_node": 0.6,
        "liver": 2.0,
        "spine": 1.2,
        "bone": 1.0,
        "adrenal": 0.8,
        "pancreas": 0.6,
        "spleen": 0.3,
        "thyroid": 0.3,
    },
    "DOTATATE": {
        "liver": 4.0,
        "pancreas": 2.5,
        "abdominal_node": 2.0,
        "mediastinal_node": 0.3,
        "spine": 0.8,
        "bone": 0.7,
        "lung": 0.4,
    },
    "PSMA": {
        "prostate": 1.5,
        "prostate_bed": 1.5,
        "pelvic_node": 3.5,
        "abdominal_node": 1.5,
        "mediastinal_node": 0.4,
        "neck_node": 0.3,
        "spine": 1.5,
        "bone": 1.5,
        "lung": 0.3,
        "liver": 0.3,
    },
    "fluciclovine": {
        "prostate": 1.0,
        "prostate_bed": 2.0,
        "pelvic_node": 3.0,
        "abdominal_node": 1.0,
        "spine": 0.8,
        "bone": 0.8,
    },
}


# Target SUVmax (after blur and noise) by tracer and organ: a log-normal (median, sigma)
# truncated to [low, high]. The tails are real: PSMA nodes and bone
# reach ~100+ (relapse cohort medians 16.7 / 24.0, ranges 2.1-138 / 3.8-127, PMC10241018),
# DOTATATE NET lesions 6.9-50 (liver 28.7, pancreas 25.2, bone 18.3, nodes 12.6; Kuyumcu
# 2013, Mapelli 2014), FDG lymphoma and lung cancer up to ~22-30 (Hodgkin 2-22, aggressive
# NHL highest; Blood 2005), fluciclovine nodes 2.7-7.6. Lesions in a hot organ start above
# the organ (an FDG liver lesion above the liver, a DOTATATE liver lesion above ~9).
@dataclass(frozen=True)
class SuvTarget:
    median: float
    sigma: float  # of log SUV
    low: float
    high: float


SUV_TARGETS: Mapping[str, Mapping[str, SuvTarget]] = {
    "FDG": {
        "Lung": SuvTarget(6.5, 0.55, 2.5, 28.0),
        "Lymph node": SuvTarget(7.0, 0.6, 2.5, 30.0),
        "Liver": SuvTarget(7.5, 0.45, 4.0, 25.0),
        "Bone": SuvTarget(7.9, 0.5, 3.5, 25.0),
        "Adrenal gland": SuvTarget(6.5, 0.5, 3.0, 22.0),
        "Pancreas": SuvTarget(6.5, 0.45, 3.5, 20.0),
        "Spleen": SuvTarget(5.5, 0.4, 3.5, 15.0),
        "Thyroid": SuvTarget(6.0, 0.5, 3.0, 20.0),
    },
    "DOTATATE": {
        "Liver": SuvTarget(24.0, 0.45, 12.0, 80.0),
        "Pancreas": SuvTarget(22.0, 0.5, 7.0, 70.0),
        "Lymph node": SuvTarget(12.6, 0.55, 5.0, 60.0),
        "Bone": SuvTarget(16.0, 0.55, 5.0, 60.0),
        "Lung": SuvTarget(8.0, 0.5, 3.0, 30.0),
    },
    "PSMA": {
        "Prostate": SuvTarget(11.0, 0.6, 4.0, 60.0),
        "Lymph node": SuvTarget(15.0, 0.85, 3.0, 110.0),
        "Bone": SuvTarget(18.0, 0.85, 4.0, 110.0),
        "Lung": SuvTarget(7.0, 0.6, 2.5, 40.0),
        "Liver": SuvTarget(14.0, 0.5, 7.0, 60.0),
    },
    "fluciclovine": {
        "Prostate": SuvTarget(4.5, 0.35, 2.5, 10.0),
        "Lymph node": SuvTarget(4.2, 0.35, 2.5, 10.0),
        "Bone": SuvTarget(5.5, 0.35, 3.5, 12.0),
    },
}


def suv_from_uniform(target: SuvTarget, u: float) -> float:
    """The target SUVmax at quantile `u` (0..1) of the truncated log-normal: one uniform
    draw per lesion, so the stream's draw count does not depend on the distribution."""
    from scipy.special import ndtr, ndtri

    mu = np.log(target.median)
    lo = float(ndtr((np.log(target.low) - mu) / target.sigma))
    hi = float(ndtr((np.log(target.high) - mu) / target.sigma))
    q = min(max(lo + u * (hi - lo), 1e-12), 1.0 - 1e-12)
    value = float(np.exp(mu + target.sigma * ndtri(q)))
    return min(max(value, target.low), target.high)


# Lesion diameter ranges (mm), drawn log-uniformly: sub-centimetre to several cm.
DIAMETERS_MM: Mapping[str, tuple[float, float]] = {
    "Lung": (6.0, 35.0),
    "Lymph node": (7.0, 30.0),
    "Liver": (8.0, 45.0),
    "Bone": (8.0, 35.0),
    "Adrenal gland": (10.0, 35.0),
    "Pancreas": (10.0, 35.0),
    "Spleen": (10.0, 30.0),
    "Thyroid": (8.0, 25.0),
    "Prostate": (6.0, 20.0),
}


def sites_in_group(group: str) -> tuple[Site, ...]:
    return tuple(s for s in SITES.values() if s.group == group)


# What a finding describes: a cancer, a benign lesion or physiologic activity (hedged wording).
KINDS = ("malignant", "benign", "physiologic")


@dataclass(frozen=True)
class OtherFinding:
    """A finding that is not cancer but shows up on the PET and gets reported (and masked):
    a benign lesion or a focal physiologic activity. One per patient at most replaces a
    planned malignant lesion."""

    name: str
    kind: str  # "benign" or "physiologic"
    sites: tuple[str, ...]
    diameter_mm: tuple[float, float]
    suv: tuple[float, float]  # target SUVmax range (log-uniform)


_LUNG_LOBES = ("lung_rul", "lung_rml", "lung_rll", "lung_lul", "lung_lingula", "lung_lll")
_DEGENERATIVE = ("vertebra_L4", "vertebra_L5", "acetabulum_r", "acetabulum_l", "sternum")
_AXILLA = ("node_axillary_r", "node_axillary_l")

# (relative weight, finding) per tracer. FDG: calcified granulomas and lipid-rich adrenal
# adenomas take up little (usually below the liver), degenerative joints and reactive
# (e.g. post-vaccination) axillary nodes mildly; cecal/sigmoid activity reaches 4-8 and
# supraclavicular brown fat up to ~10-15 [est]. PSMA: degenerative bone is a known pitfall
# (low SUV), duodenal activity is intense (68Ga SUVmax 17.6 +- 8.9, Kurash 2020).
# DOTATATE: the uncinate process focus (mean SUVmax ~6-9, in ~70 % of patients; Mapelli
# 2014, Jacobsson 2012). Fluciclovine: degenerative bone and mild bowel [est].
OTHER_FINDINGS: Mapping[str, tuple[tuple[float, OtherFinding], ...]] = {
    "FDG": (
        (1.0, OtherFinding("granuloma", "benign", _LUNG_LOBES, (6.0, 12.0), (1.8, 4.0))),
        (
            0.8,
            OtherFinding("adenoma", "benign", ("adrenal_r", "adrenal_l"), (12.0, 25.0), (1.8, 3.2)),
        ),
        (1.0, OtherFinding("degenerative", "benign", _DEGENERATIVE, (8.0, 15.0), (2.2, 4.5))),
        (0.6, OtherFinding("reactive node", "benign", _AXILLA, (8.0, 15.0), (2.2, 4.5))),
        (
            1.0,
            OtherFinding(
                "bowel", "physiologic", ("bowel_cecum", "bowel_sigmoid"), (12.0, 25.0), (3.5, 9.0)
            ),
        ),
        (
            0.8,
            OtherFinding(
                "brown fat",
                "physiologic",
                ("brown_fat_r", "brown_fat_l"),
                (12.0, 25.0),
                (3.0, 12.0),
            ),
        ),
    ),
    "DOTATATE": (
        (
            1.2,
            OtherFinding(
                "uncinate", "physiologic", ("pancreas_uncinate",), (10.0, 20.0), (7.0, 14.0)
            ),
        ),
        (0.6, OtherFinding("degenerative", "benign", _DEGENERATIVE, (8.0, 15.0), (2.0, 5.0))),
    ),
    "PSMA": (
        (1.0, OtherFinding("degenerative", "benign", _DEGENERATIVE, (8.0, 15.0), (2.5, 6.0))),
        (1.0, OtherFinding("bowel", "physiologic", ("bowel_duodenum",), (12.0, 25.0), (8.0, 22.0))),
    ),
    "fluciclovine": (
        (1.0, OtherFinding("degenerative", "benign", _DEGENERATIVE, (8.0, 15.0), (2.8, 5.0))),
        (
            0.8,
            OtherFinding(
                "bowel", "physiologic", ("bowel_cecum", "bowel_sigmoid"), (12.0, 25.0), (2.8, 5.0)
            ),
        ),
    ),
}
