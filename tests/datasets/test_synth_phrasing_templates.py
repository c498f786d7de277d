"""Findings sentences: slots from the image, articles, and disjoint template pools."""

from __future__ import annotations

import numpy as np
import pytest

from petar_bench.datasets._sites import SITES
from petar_bench.datasets.phrasing import (
    TEMPLATES,
    FindingFacts,
    _tidy,
    intensity,
    match_templates,
    pool_for_split,
    render_findings,
    score_clause,
)

BACKGROUND = {"liver": 5.0, "blood": 1.5, "spleen": 4.0, "parotid": 9.0, "marrow": 2.0}


def _facts(site="lung_rul", suv=7.3, tracer="PSMA", long_mm=14, short_mm=11):
    return FindingFacts(
        tracer=tracer,
        site=SITES[site],
        suv_max=suv,
        slice=112,
        long_mm=long_mm,
        short_mm=short_mm,
        bone_pattern=None,
        background=BACKGROUND,
    )


def test_pools_are_disjoint():
    assert set(TEMPLATES) == {"train", "val", "test"}
    assert all(len(pool) >= 40 for pool in TEMPLATES.values())
    for a, b in (("train", "val"), ("train", "test"), ("val", "test")):
        assert not set(TEMPLATES[a]) & set(TEMPLATES[b]), (a, b)
        assert not set(TEMPLATES[a].values()) & set(TEMPLATES[b].values()), (a, b)


@pytest.mark.parametrize("split", ["train", "val", "test", "holdout"])
def test_each_split_has_its_own_pool(split):
    assert pool_for_split(split) == {"holdout": "test"}.get(split, split)


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_every_sentence_matches_only_its_pool(split):
    pool = set(TEMPLATES[split])
    rng = np.random.default_rng(0)
    for site in (
        "lung_rul",
        "node_4R",
        "liver_VII",
        "vertebra_L3",
        "prostate_bed",
        "node_obturator_l",
        "adrenal_r",
        "pancreas_uncinate",
        "rib_r6",
    ):
        for tracer in ("FDG", "DOTATATE", "PSMA", "fluciclovine"):
            for suv in (2.1, 7.3, 19.8):
                sentence, template_id = render_findings(_facts(site, suv, tracer), split, rng)
                assert match_templates(sentence) == {template_id}
                assert template_id in pool
                assert f"{suv:.1f}" in sentence


def test_intensity_is_relative_to_the_reference_background():
    assert intensity(_facts(suv=6.0)) == "mild"  # 1.2 x liver
    assert intensity(_facts(suv=10.0)) == "moderate"
    assert intensity(_facts(suv=13.0)) == "intense"
    assert intensity(_facts(suv=6.0, tracer="fluciclovine")) == "intense"  # 3 x marrow


def test_scores_follow_their_definitions():
    assert score_clause(_facts(suv=1.0)) == "miPSMA score 0"
    assert score_clause(_facts(suv=3.0)) == "miPSMA score 1"
    assert score_clause(_facts(suv=7.0)) == "miPSMA score 2"
    assert score_clause(_facts(suv=12.0)) == "miPSMA score 3"
    assert score_clause(_facts(suv=4.5, tracer="DOTATATE")) == "Krenning score 4"
    assert score_clause(_facts(suv=3.2, tracer="DOTATATE")) == "Krenning score 1"
    assert score_clause(_facts(suv=4.0, tracer="DOTATATE")) == "Krenning score 2"
    assert score_clause(_facts(suv=6.0, tracer="FDG")) == "uptake above the liver"


@pytest.mark.parametrize(
    "raw, tidy",
    [
        ("a FDG-avid node", "An FDG-avid node"),
        ("there is a intense focus", "There is an intense focus"),
        ("a 8 x 6 mm node. indeterminate.", "An 8 x 6 mm node. Indeterminate."),
        ("a 14 mm node", "A 14 mm node"),
        ("a 18 mm node", "An 18 mm node"),
        ("a PSMA-avid node", "A PSMA-avid node"),
        ("a L3 lesion and a T8 lesion", "An L3 lesion and a T8 lesion"),
        ("an moderately avid node", "A moderately avid node"),
    ],
)
def test_articles(raw, tidy):
    assert _tidy(raw) == tidy


def test_size_words_use_the_measured_size():
    rng = np.random.default_rng(1)
    texts = [render_findings(_facts(long_mm=14, short_mm=11), "train", rng)[0] for _ in range(60)]
    sizes = [t for t in texts if "mm" in t or " cm" in t]
    assert sizes and all(("14" in t) or ("1.4 x 1.1 cm" in t) for t in sizes)
