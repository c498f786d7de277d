"""Prompt policies: the paper's query by default, seeded release questions, M3D formats."""

from __future__ import annotations

from collections import Counter

import pytest

from petar_bench.baselines.lamed import _prompts as prompts
from petar_bench.errors import UserError


def test_default_is_the_papers_fixed_query():
    policy = prompts.petar_policy(None, None)
    assert policy.for_sample("a") == policy.for_sample("b") == prompts.PAPER_PROMPT
    assert prompts.PAPER_PROMPT == "Please describe the region highlighted in the PET image."
    assert policy.describe() == prompts.PAPER_PROMPT
    assert prompts.petar_policy("paper", None) == policy


def test_release_questions_are_seeded_per_sample():
    assert len(prompts.RELEASE_ORGAN_QUESTIONS) == 15
    assert len(set(prompts.RELEASE_ORGAN_QUESTIONS)) == 15
    policy = prompts.petar_policy("release-questions", 3)
    ids = [f"s{i}" for i in range(300)]
    chosen = [policy.for_sample(i) for i in ids]
    assert chosen == [policy.for_sample(i) for i in ids]  # reproducible, order-free
    assert set(chosen) == set(prompts.RELEASE_ORGAN_QUESTIONS)  # every template is reachable
    assert max(Counter(chosen).values()) < 45  # roughly uniform (expected 20 each)
    other = prompts.petar_policy("release-questions", 4)
    assert sum(a != other.for_sample(i) for a, i in zip(chosen, ids, strict=True)) > 200
    assert "seed=3" in policy.describe() and "15" in policy.describe()
    assert prompts.petar_policy("release-questions", None).seed == 0


def test_seed_only_goes_with_the_release_questions():
    with pytest.raises(UserError, match="prompt_seed does not apply"):
        prompts.petar_policy(None, 1)
    with pytest.raises(UserError, match="prompt_seed does not apply"):
        prompts.petar_policy("Describe it.", 1)
    with pytest.raises(UserError, match="prompt is empty"):
        prompts.petar_policy("  ", None)
    assert prompts.petar_policy("Describe it.", None).for_sample("x") == "Describe it."


def test_m3d_prompts():
    m3d = prompts.m3d_policy(None, None, vqa_format=False)
    assert m3d.for_sample("x") == prompts.M3D_CAPTION_PROMPT
    rad = prompts.m3d_policy("What is seen?", None, vqa_format=True)
    assert rad.for_sample("x") == " What is seen?\nAnswer:"  # 3D-RAD's eval format
    assert rad.describe() == " What is seen?\nAnswer:"
