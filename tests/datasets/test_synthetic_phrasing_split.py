"""In a generated dataset, train, val and test findings each use their own skeletons."""

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
    for split, ids in used.items():
        assert ids <= set(TEMPLATES[split]), split
    assert used["train"] and used["test"]
    assert not used["train"] & (used["test"] | used["val"])


def test_val_and_test_share_no_template(demo_dataset):
    """A model tuned on val must not have seen the test phrasing (the validation leak)."""
    manifest = demo_dataset.manifest
    used: dict[str, set[str]] = {"val": set(), "test": set()}
    for r in manifest.records:
        if r.split in used:
            used[r.split] |= match_templates(r.fields.findings)
    assert used["val"] and used["test"] and not used["val"] & used["test"]


def test_no_test_sentence_shape_appears_in_train(small_dataset):
    """Numbers masked, no test sentence equals a train sentence."""
    _, manifest = small_dataset

    def shape(text: str) -> str:
        return re.sub(r"\d+(\.\d+)?", "#", text)

    train = {shape(r.fields.findings) for r in manifest.records if r.split == "train"}
    test = {shape(r.fields.findings) for r in manifest.records if r.split == "test"}
    assert not train & test
