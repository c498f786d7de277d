"""Greedy decoding: batched (left-padded) generation equals one row at a time."""

from __future__ import annotations

import functools

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("monai")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from petar_bench.baselines.lamed._generation import left_pad, positions  # noqa: E402
from petar_bench.baselines.lamed._prompts import PAPER_PROMPT, RELEASE_ORGAN_QUESTIONS  # noqa: E402

STEPS = 10
MARGIN = 1e-3  # top-2 logit gap required at every compared step (rounding is ~1e-6)


def _volumes(batch, seed=3):
    rng = np.random.default_rng(seed)
    out = {
        k: rng.random((batch, 1, 8, 32, 32), dtype=np.float32)
        for k in ("image", "ct", "image_focal", "ct_focal")
    }
    for k in ("mask", "mask_focal"):
        out[k] = (rng.random((batch, 1, 8, 32, 32)) > 0.9).astype(np.float32)
    return out


# Prompts of different lengths, so that the batch really is padded.
PROMPTS = [
    RELEASE_ORGAN_QUESTIONS[8],
    RELEASE_ORGAN_QUESTIONS[6],
    PAPER_PROMPT,
    RELEASE_ORGAN_QUESTIONS[12],
]


def test_positions_follow_the_attention_mask():
    ids, mask = left_pad([[1, 5, 6], [1, 7]], pad_id=3)
    assert ids.tolist() == [[1, 5, 6], [3, 1, 7]]
    assert positions(mask).tolist() == [[0, 1, 2], [0, 0, 1]]


def test_batch_equals_one_at_a_time(petar_runner):
    lengths = {len(petar_runner.prompt_ids(p)) for p in PROMPTS}
    assert len(lengths) == len(PROMPTS)  # all different: padding happens
    volumes = _volumes(len(PROMPTS))
    batch = petar_runner.generate_ids(volumes, PROMPTS, max_new_tokens=STEPS, return_logits=True)
    for i, prompt in enumerate(PROMPTS):
        one = {k: v[i : i + 1] for k, v in volumes.items()}
        alone = petar_runner.generate_ids(one, [prompt], max_new_tokens=STEPS, return_logits=True)
        logits = alone.logits[0]
        top2 = torch.topk(logits, 2).values
        assert (top2[:, 0] - top2[:, 1]).min() > MARGIN, "pick inputs with clear margins"
        assert alone.tokens[0] == batch.tokens[i]
        assert len(alone.tokens[0]) >= 3  # several steps compared, not just the first
        assert torch.allclose(logits, batch.logits[i], atol=1e-5, rtol=0)


def test_generation_is_deterministic_and_bounded(petar_runner):
    volumes = _volumes(2, seed=5)
    first = petar_runner.generate(volumes, PROMPTS[:2], max_new_tokens=6)
    again = petar_runner.generate(volumes, PROMPTS[:2], max_new_tokens=6)
    assert first == again and all(isinstance(t, str) for t in first)
    ids = petar_runner.generate_ids(volumes, PROMPTS[:2], max_new_tokens=6).tokens
    assert all(len(t) <= 6 for t in ids)
    assert not any(set(t) & petar_runner.eos_ids for t in ids)


def test_prompt_ids_put_placeholders_right_after_bos(petar_runner):
    ids = petar_runner.prompt_ids(PAPER_PROMPT)
    assert ids[0] == petar_runner.tokenizer.bos_token_id
    assert ids[1:9] == [petar_runner.image_token_id] * 8
    text = petar_runner.tokenizer.decode(ids[9:], skip_special_tokens=True)
    assert text.strip() == PAPER_PROMPT


def test_tokenizer_without_bos_splices_by_position_like_the_release(tiny_petar, tmp_path):
    import json

    from lamed_helpers import copy_checkpoint

    from petar_bench.baselines.lamed._runtime import LamedRunner

    folder = copy_checkpoint(tiny_petar, tmp_path / "nobos")
    tokenizer = json.loads((folder / "tokenizer.json").read_text())
    tokenizer["post_processor"] = None
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer))
    runner = LamedRunner(folder, device="cpu", dtype="float32")
    with pytest.warns(UserWarning, match="overwrite positions 1..N"):
        ids = runner.prompt_ids(PAPER_PROMPT)
    assert ids[:8] == [runner.image_token_id] * 8  # no BOS: positions 1..8 hit a prompt token
    texts = runner.generate(_volumes(1), [PAPER_PROMPT], max_new_tokens=3)  # warns only once
    assert len(texts) == 1


def test_decoding_reuses_the_kv_cache(petar_runner, monkeypatch):
    """The prompt (with the image) is encoded once; every later step feeds one new token per
    row and the cache the previous step returned, never the whole sequence again."""
    inner = petar_runner.model.model
    calls = []
    forward = type(inner).forward

    @functools.wraps(forward)  # keeps the signature the decoder inspects for its keyword
    def recording(self, *args, **kwargs):
        out = forward(self, *args, **kwargs)
        cache_in = kwargs.get("past_key_values", kwargs.get("cache"))
        calls.append((kwargs["inputs_embeds"].shape[1], kwargs.get("use_cache"), cache_in))
        calls[-1] += (getattr(out, "past_key_values", None) or getattr(out, "cache", None),)
        return out

    monkeypatch.setattr(type(inner), "forward", recording)
    volumes = _volumes(2, seed=5)
    petar_runner.generate_ids(volumes, PROMPTS[:2], max_new_tokens=6)
    assert len(calls) >= 3
    first_len, use_cache, cache_in, _ = calls[0]
    assert first_len > 8 and use_cache is True and cache_in is None  # prompt + image tokens
    for (length, use, given, _), (_, _, _, previous) in zip(calls[1:], calls, strict=False):
        assert length == 1 and use is True
        assert given is previous and given is not None


def test_static_cache_gives_the_same_tokens(petar_runner, monkeypatch):
    """A pre-allocated (static) KV cache changes shapes, not results: same tokens, logits
    equal to rounding, on a padded batch."""
    from petar_bench.baselines.lamed import _generation as generation

    volumes = _volumes(2, seed=5)
    dynamic = petar_runner.generate_ids(volumes, PROMPTS[:2], max_new_tokens=8, return_logits=True)
    greedy = generation.greedy_generate
    kinds = []

    def static(*args, **kwargs):
        out = greedy(*args, **kwargs, static_cache=True)
        kinds.append("static")
        return out

    monkeypatch.setattr("petar_bench.baselines.lamed._runtime.greedy_generate", static)
    fixed = petar_runner.generate_ids(volumes, PROMPTS[:2], max_new_tokens=8, return_logits=True)
    assert kinds == ["static"]
    assert fixed.tokens == dynamic.tokens and len(fixed.tokens[0]) >= 3
    for a, b in zip(fixed.logits, dynamic.logits, strict=True):
        assert torch.allclose(a, b, atol=1e-4, rtol=0)
