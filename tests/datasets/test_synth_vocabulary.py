"""The closed vocabulary: canonical regions/organs/laterality from free wording."""

from __future__ import annotations

import pytest

from petar_bench.datasets._sites import SITES
from petar_bench.vocabulary import (
    ORGAN_SYNONYMS,
    ORGANS,
    REGION_SYNONYMS,
    REGIONS,
    canonical_organ,
    canonical_region,
    find_laterality,
)


@pytest.mark.parametrize(
    "text, region, organ, side",
    [
        ("Right hilar lymph node", "Thorax", "Lymph node", "right"),
        ("hepatic segment VII lesion", "Abdomen", "Liver", None),
        ("L3 vertebral body", "Musculoskeletal", "Bone", None),
        ("osseous lesion of the left iliac crest", "Musculoskeletal", "Bone", "left"),
        ("Focal uptake in a RUL nodule", "Thorax", "Lung", "right"),
        ("left external iliac node", "Pelvis", "Lymph node", "left"),
        ("thoracic spine", "Musculoskeletal", "Bone", None),
        ("head of the pancreas", "Abdomen", "Pancreas", None),
        ("femoral neck", "Musculoskeletal", "Bone", None),
        ("Neck", "Head and neck", None, None),
        ("4R node", None, "Lymph node", "right"),
        ("station 10L", None, "Lymph node", "left"),
        ("bilateral hilar nodes, right larger", "Thorax", "Lymph node", "bilateral"),
        ("Para-aortic adenopathy", "Abdomen", "Lymph node", None),
        ("prostate bed", "Pelvis", "Prostate", None),
        ("the lingula", "Thorax", "Lung", "left"),
        ("splenic lesion", "Abdomen", "Spleen", None),
        ("nothing relevant here", None, None, None),
        ("", None, None, None),
    ],
)
def test_lookups(text, region, organ, side):
    assert canonical_region(text) == region
    assert canonical_organ(text) == organ
    assert find_laterality(text) == side


def test_canonical_names_map_to_themselves():
    for organ in ORGANS:
        assert canonical_organ(organ) == organ
    for region in REGIONS:
        assert canonical_region(region) == region
    assert set(REGION_SYNONYMS) == set(REGIONS) and set(ORGAN_SYNONYMS) == set(ORGANS)


def test_every_site_phrase_names_its_organ_and_side():
    """What the synthetic generator writes, the vocabulary reads back."""
    for site in SITES.values():
        assert site.organ in ORGANS and site.region in REGIONS
        assert canonical_organ(site.sub_site) == site.organ or site.organ == "Lymph node"
        for phrase in site.adj + site.loc:
            if site.laterality in ("left", "right"):
                assert find_laterality(phrase) == site.laterality, phrase


def test_words_inside_other_words_do_not_match():
    assert canonical_organ("renovascular") is None  # "renal" is not a prefix match
    assert find_laterality("leftover bright spot") is None
    assert canonical_organ("Thyroidectomy") is None
