"""In a generated dataset, test and val findings never reuse a training skeleton."""

from __future__ import annotations

import re

from petar_bench.datasets.phrasing import TEMPLATES, match_templates


def test_templates_by_split(small_dataset):
    _, manifest = small_dataset
    used: dict[str, set[str]] = {"train": set(), "val": set(), "test": set()}
    for r in manifest.records:
        ids = match_templates(r.fields.findings)
        assert len(ids) == 1, r.fields.findings
        used[r.split] |= ids
    assert used["train"] <= set(TEMPLATES["train"])
    assert used["test"] <= set(TEMPLATES["test"]) and used["test"]
    assert not used["train"] & (used["test"] | used["val"])


def test_no_test_sentence_shape_appears_in_train(small_dataset):
    """Numbers masked, no test sentence equals a train sentence."""
    _, manifest = small_dataset

    def shape(text: str) -> str:
        return re.sub(r"\d+(\.\d+)?", "#", text)

    train = {shape(r.fields.findings) for r in manifest.records if r.split == "train"}
    test = {shape(r.fields.findings) for r in manifest.records if r.split == "test"}
    assert not train & test
