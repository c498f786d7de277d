"""The default dataset's shape, checked on the plan (no volumes needed, so it is fast)."""

from __future__ import annotations

from collections import Counter

import pytest

from petar_bench.datasets._sites import SITES
from petar_bench.datasets.synthetic import (
    DEFAULT_PATIENTS,
    generate_synthetic_dataset,
    plan_dataset,
)
from petar_bench.errors import UserError

TRACERS = {"FDG", "DOTATATE", "PSMA", "fluciclovine"}


def test_default_plan_is_big_enough_for_paired_bootstrap():
    plans = plan_dataset(0, DEFAULT_PATIENTS)
    test = [p for p in plans if p.split == "test"]
    assert len(test) >= 10
    assert sum(len(p.lesions) for p in test) >= 35
    for split in ("train", "val", "test"):
        assert {p.tracer for p in plans if p.split == split} == TRACERS
    assert Counter(p.tracer for p in plans) == {t: DEFAULT_PATIENTS // 4 for t in TRACERS}


def test_plan_is_deterministic_and_seeded():
    assert plan_dataset(0, 12) == plan_dataset(0, 12)
    assert plan_dataset(0, 12) != plan_dataset(1, 12)


def test_lesion_sites_fit_the_patient():
    for plan in plan_dataset(3, 40):
        sites = [SITES[spec.site] for spec in plan.lesions]
        assert 2 <= len(sites) <= 4
        assert len({s.key for s in sites}) == len(sites)  # distinct sites
        for site in sites:
            if site.key == "prostate":
                assert plan.has_prostate
            if site.key == "prostate_bed":
                assert not plan.has_prostate and plan.tracer in ("PSMA", "fluciclovine")
        for spec in plan.lesions:
            assert 1.8 <= spec.target_suv <= 110.0  # benign lows to PSMA's tail
            assert 6.0 <= spec.diameter_mm <= 45.0


def test_bad_arguments_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="seed"):
        generate_synthetic_dataset(tmp_path, seed=-1)
    with pytest.raises(UserError, match="n_patients"):
        generate_synthetic_dataset(tmp_path, n_patients=3)
