"""Richer synthetic findings: every skeleton parses, prior-exam comparisons, Deauville scores,
negations and hedged wording."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from petar_bench.datasets._priors import (
    CHANGES,
    PriorLesion,
    change_class,
    draw_prior_exam,
    resolved_candidates,
)
from petar_bench.datasets._sites import SITES
from petar_bench.datasets.phrasing import (
    HEDGES,
    TEMPLATES,
    FindingFacts,
    _negations,
    deauville_score,
    match_templates,
    render_findings,
)
from petar_bench.metrics._numbers import MASK, mask_numbers
from petar_bench.metrics._pet_fields import parse_finding
from petar_bench.vocabulary import canonical_organ, find_laterality

BACKGROUND = {"liver": 2.4, "blood": 1.6, "spleen": 2.0, "parotid": 9.0, "marrow": 2.0}
SITE_KEYS = ("lung_rul", "node_4R", "liver_VII", "vertebra_L3", "node_celiac", "rib_r6")


def _facts(**changes: Any) -> FindingFacts:
    values: dict[str, Any] = dict(
        tracer="FDG",
        site=SITES["node_4R"],
        suv_max=7.3,
        slice=112,
        long_mm=14,
        short_mm=11,
        bone_pattern=None,
        background=BACKGROUND,
    )
    values.update(changes)
    return FindingFacts(**values)


def _skeleton(template_id: str) -> str:
    return next(pool[template_id] for pool in TEMPLATES.values() if template_id in pool)


ALL_IDS = sorted(i for pool in TEMPLATES.values() for i in pool)


def test_pool_sizes_and_disjoint_texts():
    assert {split: len(pool) for split, pool in TEMPLATES.items()} == {
        "train": 42,
        "val": 42,
        "test": 42,
    }
    texts = [t for pool in TEMPLATES.values() for t in pool.values()]
    assert len(set(texts)) == len(texts)


def test_every_skeleton_states_the_current_suvmax():
    for pool in TEMPLATES.values():
        for template_id, template in pool.items():
            assert "{suv}" in template, template_id


@pytest.mark.parametrize("template_id", ALL_IDS)
def test_every_skeleton_round_trips_through_the_field_parser(template_id):
    """The measure baseline's and the field metrics' parser reads back the current SUVmax,
    slice and size, whatever comparison sentence follows (its prior numbers come later)."""
    split = next(s for s, pool in TEMPLATES.items() if template_id in pool)
    skeleton = _skeleton(template_id)
    rng = np.random.default_rng(int(template_id[1:]))
    for i, site in enumerate(SITE_KEYS):
        prior = PriorLesion(CHANGES[i % 4], None, None) if i % 4 == 0 else None
        if i % 4:
            prior = PriorLesion(CHANGES[i % 4], 3.1, 21)
        facts = _facts(
            site=SITES[site],
            suv_max=4.2 + i,
            slice=80 + i,
            long_mm=9 + 3 * i,
            short_mm=7,
            prior=prior,
            diagnosis="lymphoma" if i % 2 else None,
            bone_pattern="sclerotic" if site in ("vertebra_L3", "rib_r6") else None,
        )
        text, got = render_findings(facts, split, rng, template_id=template_id)
        assert got == template_id
        assert match_templates(text) == {template_id}, text
        parsed = parse_finding(text)
        assert parsed.suv_max == facts.suv_max, text
        if "{slice}" in skeleton:
            assert parsed.slice == facts.slice, text
        if "{size}" in skeleton:
            assert parsed.sizes_mm[0] == facts.long_mm, text
        # never another organ (a station named without "node" may leave it unstated)
        assert canonical_organ(text) in (facts.site.organ, None), text
        if facts.site.laterality in ("left", "right"):
            assert find_laterality(text) == facts.site.laterality, text
        # the prior's numbers are SUVmax / size mentions too, so masked text metrics hide them
        if prior is not None and prior.suv_max is not None:
            assert "3.1" not in mask_numbers(text) and mask_numbers(text).count(MASK) >= 2


def test_the_first_sentence_carries_no_prior_number():
    rng = np.random.default_rng(3)
    for _ in range(200):
        prior = PriorLesion("decreased", 19.9, 33)
        text, _ = render_findings(_facts(prior=prior), "test", rng)
        values = [float(v) for v in re.findall(r"\d+\.\d", text)]
        assert values.index(7.3) < values.index(19.9), text


@pytest.mark.parametrize(
    "suv, change, score",
    [
        (1.5, None, 2),
        (1.6, None, 2),  # at most blood pool
        (1.7, None, 3),
        (2.4, None, 3),  # at most liver
        (2.5, None, 4),
        (7.1, None, 4),  # at most 3 x liver
        (7.3, None, 5),
        (2.0, "new", 5),  # a new lesion is 5 whatever its uptake
        (2.0, "stable", 3),
    ],
)
def test_deauville_rule(suv, change, score):
    prior = None if change is None else PriorLesion(change, None if change == "new" else 2.0, 9)
    facts = _facts(suv_max=suv, diagnosis="lymphoma", prior=prior)
    assert deauville_score(facts) == score


def test_deauville_only_for_fdg_lymphoma():
    assert deauville_score(_facts(diagnosis=None)) is None
    assert deauville_score(_facts(tracer="PSMA", diagnosis="lymphoma")) is None
    rng = np.random.default_rng(0)
    for _ in range(50):
        text, _ = render_findings(_facts(diagnosis="lymphoma"), "train", rng)
        assert "Deauville score 5" in text  # 7.3 > 3 x 2.4
        assert not re.search(r"metasta|prostate|neuroendocrine", text, re.I), text
        text, _ = render_findings(_facts(), "train", rng)
        assert "Deauville" not in text


@pytest.mark.parametrize("kind", ["benign", "physiologic"])
def test_lesions_that_are_not_malignant_get_hedged_wording(kind):
    rng = np.random.default_rng(5)
    for split in ("train", "val", "test"):
        for _ in range(80):
            text, _ = render_findings(_facts(kind=kind, suv_max=12.0), split, rng)
            assert any(h in text.lower() for h in HEDGES[kind]), text
            assert not re.search(r"metasta|malignan|suspicious|concerning|tumou?r", text, re.I)


def test_unknown_kind_and_foreign_template_are_refused():
    with pytest.raises(ValueError, match="kind"):
        _facts(kind="cancerous")
    with pytest.raises(ValueError, match="not in the 'test' pool"):
        render_findings(_facts(), "test", np.random.default_rng(0), template_id="t01")


def test_negations_hold_for_the_facts():
    node = _negations(_facts(organ_count=2), "FDG-avid")
    assert node == ["no other FDG-avid nodes in this station"]
    assert "no other nodal disease" in _negations(_facts(), "FDG-avid")
    lung = _facts(site=SITES["lung_rul"])
    assert "no other pulmonary nodules" in _negations(lung, "FDG-avid")
    assert "no other pulmonary nodules" not in _negations(
        _facts(site=SITES["lung_rul"], organ_count=2), "FDG-avid"
    )
    lytic = _facts(site=SITES["rib_r6"], bone_pattern="lytic", organ_count=2)
    assert _negations(lytic, "FDG-avid") == ["no pathologic fracture"]
    sclerotic = _facts(site=SITES["rib_r6"], bone_pattern="sclerotic")
    assert "sclerotic, without cortical destruction" in _negations(sclerotic, "FDG-avid")
    rng = np.random.default_rng(2)
    texts = [render_findings(_facts(), "val", rng)[0] for _ in range(100)]
    stated = [t for t in texts if "no other" in t.lower()]
    assert 15 <= len(stated) <= 70  # a negation is added to about 40 % of findings


@pytest.mark.parametrize("seed", range(30))
def test_prior_values_support_their_change_class(seed):
    rng = np.random.default_rng(seed)
    current = [(float(np.round(rng.uniform(2.0, 30.0), 1)), int(rng.integers(4, 50)))] * 4
    kinds = ["malignant", "malignant", "benign", "physiologic"]
    prior = draw_prior_exam(rng, tracer="FDG", current=current, kinds=kinds, used_sites=[])
    if prior is None:
        return
    for (suv, size), lesion, kind in zip(current, prior.lesions, kinds, strict=True):
        assert change_class(suv, lesion) == lesion.change
        if lesion.change == "new":
            assert lesion.suv_max is None and lesion.size_mm is None
        else:
            assert lesion.size_mm is not None and lesion.size_mm >= 3
            if lesion.change == "increased":
                assert lesion.size_mm <= size
            if lesion.change == "decreased":
                assert lesion.size_mm >= size
        if kind != "malignant":
            assert lesion.change in ("stable", "new")
    if prior.resolved_site is not None:
        assert prior.resolved_host in (0, 1)
        assert prior.resolved_site.laterality not in ("left", "right")


def test_prior_exam_draws_are_reproducible_and_cover_every_class():
    seen = set()
    for seed in range(40):
        args = dict(tracer="PSMA", current=[(8.0, 12), (3.0, 6)], kinds=["malignant"] * 2)
        a = draw_prior_exam(np.random.default_rng(seed), used_sites=["node_4R"], **args)
        b = draw_prior_exam(np.random.default_rng(seed), used_sites=["node_4R"], **args)
        assert a == b
        if a is not None:
            seen |= {lesion.change for lesion in a.lesions}
    assert seen == set(CHANGES)


def test_resolved_sites_name_no_side_and_no_prostate():
    for tracer in ("FDG", "DOTATATE", "PSMA", "fluciclovine"):
        sites = resolved_candidates(tracer, used_sites=["vertebra_L3"])
        assert sites and all(s.key != "vertebra_L3" for s in sites)
        for site in sites:
            assert find_laterality(site.adj[0]) is None
            assert site.organ != "Prostate"


def test_a_resolved_lesion_is_mentioned_without_changing_the_host_fields():
    rng = np.random.default_rng(4)
    gone = SITES["vertebra_L3"]
    for split in ("train", "val", "test"):
        for _ in range(30):
            facts = _facts(resolved_site=gone, prior=PriorLesion("stable", 7.0, 14))
            text, template_id = render_findings(facts, split, rng)
            assert re.search(r"resolved|no longer seen|resolution", text, re.I), text
            assert "L3" in text
            parsed = parse_finding(text)
            assert parsed.organ == "Lymph node" and parsed.laterality == "right", text
            assert parsed.suv_max == 7.3 and match_templates(text) == {template_id}
