"""The run key changes with every output-affecting setting, and with nothing else."""

from __future__ import annotations

import dataclasses

import pytest

from petar_bench.baselines.base import OUTPUT_NEUTRAL_FIELDS, AdapterCard
from petar_bench.engine import KEYED_SETTINGS, OUTPUT_NEUTRAL_SETTINGS, RunRequest
from petar_bench.engine._runkey import compute_run_key

CARD = AdapterCard(
    name="m",
    description="d",
    checkpoint="sha256:abc",
    prompt="Describe.",
    preprocessing="petar-v1",
    decoding={"max_new_tokens": 64, "num_beams": 1},
    settings={"dtype": "bfloat16"},
    homepage="https://example.org",
)
FP = "sha256:fingerprint"


def _key(card=CARD, fingerprint=FP, seed=0):
    return compute_run_key(card, fingerprint, seed=seed)


def test_every_request_field_is_classified_once():
    fields = {f.name for f in dataclasses.fields(RunRequest)}
    assert set(OUTPUT_NEUTRAL_SETTINGS).isdisjoint(KEYED_SETTINGS)
    assert fields == set(OUTPUT_NEUTRAL_SETTINGS) | set(KEYED_SETTINGS)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "other"},
        {"version": "2"},
        {"checkpoint": "sha256:def"},
        {"prompt": "Describe the lesion."},
        {"preprocessing": "petar-v2"},
        {"decoding": {"max_new_tokens": 65, "num_beams": 1}},
        {"decoding": {"max_new_tokens": 64, "num_beams": 1, "temperature": 0.7}},
        {"settings": {"dtype": "float32"}},
    ],
)
def test_output_affecting_card_fields_change_the_key(change):
    assert _key(CARD.model_copy(update=change)) != _key()


def test_fingerprint_and_seed_change_the_key():
    assert _key(fingerprint="sha256:other") != _key()
    assert _key(seed=1) != _key()


@pytest.mark.parametrize("name", OUTPUT_NEUTRAL_FIELDS)
def test_neutral_card_fields_do_not_change_the_key(name):
    assert _key(CARD.model_copy(update={name: "something else"})) == _key()


def test_key_ignores_dict_order_and_is_a_safe_name():
    reordered = CARD.model_copy(update={"decoding": {"num_beams": 1, "max_new_tokens": 64}})
    assert _key(reordered) == _key()
    assert len(_key()) == 16 and all(c in "0123456789abcdef" for c in _key())
