"""Loading a checkpoint folder through the same path a real one takes, and its failures."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("monai")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from lamed_helpers import (  # noqa: E402
    copy_checkpoint,
    edit_config,
    rewrite_tensors,
    shard_checkpoint,
    vit_blocks,
)

from petar_bench.baselines.lamed._loading import cross_attention_extras, load_model  # noqa: E402
from petar_bench.baselines.lamed._weights import checkpoint_identity, tensor_table  # noqa: E402
from petar_bench.errors import UserError  # noqa: E402


def _features(model, seed=0):
    rng = np.random.default_rng(seed)
    volume = torch.as_tensor(rng.random((1, 1, 8, 32, 32), dtype=np.float32))
    mask = (volume > 0.8).float()
    return model.encode_images(volume, mask, volume, focal=(volume, mask, volume))


def test_tiny_checkpoint_loads_with_equal_weights(tiny_petar):
    from safetensors.torch import load_file

    model = load_model(tiny_petar, device="cpu", dtype=torch.float32)
    stored = load_file(str(tiny_petar / "model.safetensors"))
    state = model.state_dict()
    assert set(state) == set(stored)
    assert all(torch.equal(state[k], stored[k]) for k in stored)
    assert not model.training
    assert model.model.rotary_emb.inv_freq.device.type == "cpu"


def test_sharded_checkpoint_with_index_loads(tiny_petar, tmp_path):
    folder = copy_checkpoint(tiny_petar, tmp_path / "sharded")
    shard_checkpoint(folder, parts=3)
    model = load_model(folder, device="cpu", dtype=torch.float32)
    reference = load_model(tiny_petar, device="cpu", dtype=torch.float32)
    assert torch.equal(_features(model), _features(reference))
    (folder / "model-00002-of-00003.safetensors").unlink()
    with pytest.raises(UserError, match="lacks shard"):
        load_model(folder, device="cpu", dtype=torch.float32)


def test_monai_15_save_with_cross_attention_extras_loads(tiny_petar, tmp_path):
    folder = copy_checkpoint(tiny_petar, tmp_path / "monai15")
    names = tensor_table(folder)
    extras = cross_attention_extras(32, qkv_bias=False)[1]
    add = {f"{b}.{s}": shape for b in vit_blocks(names) for s, shape in extras.items()}
    rewrite_tensors(folder, add=add)
    model = load_model(folder, device="cpu", dtype=torch.float32)
    reference = load_model(tiny_petar, device="cpu", dtype=torch.float32)
    assert torch.equal(_features(model), _features(reference))


def test_unexpected_and_missing_tensors_are_errors(tiny_petar, tmp_path):
    folder = copy_checkpoint(tiny_petar, tmp_path / "odd")
    rewrite_tensors(folder, add={"model.extra_head.weight": (2, 2)}, drop=("lm_head.weight",))
    with pytest.raises(UserError) as info:
        load_model(folder, device="cpu", dtype=torch.float32)
    assert "1 missing (lm_head.weight)" in str(info.value)
    assert "1 unexpected (model.extra_head.weight)" in str(info.value)


def test_config_that_does_not_fit_the_weights_is_an_error(tiny_petar, tmp_path):
    folder = copy_checkpoint(tiny_petar, tmp_path / "mismatch")
    edit_config(folder, mm_hidden_size=64, vision_num_heads=4)
    with pytest.raises(UserError, match="does not match its config.json: .* with another shape"):
        load_model(folder, device="cpu", dtype=torch.float32)
    edit_config(folder, mm_hidden_size=32, vision_num_layers=2)
    with pytest.raises(UserError, match=r"missing \(model\.vision_tower\..*blocks\.1\."):
        load_model(folder, device="cpu", dtype=torch.float32)


def test_pickled_or_absent_weights_are_refused(tiny_petar, tmp_path):
    folder = copy_checkpoint(tiny_petar, tmp_path / "bin")
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    with pytest.raises(UserError, match="no \\*.safetensors weights .*pytorch_model.bin"):
        load_model(folder, device="cpu", dtype=torch.float32)


def test_bfloat16_load_casts_parameters_only(tiny_petar):
    model = load_model(tiny_petar, device="cpu", dtype=torch.bfloat16)
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}
    assert model.model.rotary_emb.inv_freq.dtype == torch.float32


def test_identity_covers_config_tokenizer_and_weights(tiny_petar, tmp_path):
    base = checkpoint_identity(tiny_petar)
    assert base.startswith("sha256:") and base == checkpoint_identity(tiny_petar)
    changed = copy_checkpoint(tiny_petar, tmp_path / "id1")
    assert checkpoint_identity(changed) == base  # the folder's path is not part of it
    edit_config(changed, rms_norm_eps=1e-6)
    assert checkpoint_identity(changed) != base
    other = copy_checkpoint(tiny_petar, tmp_path / "id2")
    (other / "tokenizer.json").write_text((other / "tokenizer.json").read_text() + " ")
    assert checkpoint_identity(other) != base
    weights = copy_checkpoint(tiny_petar, tmp_path / "id3")
    rewrite_tensors(weights, drop=("model.norm.weight",))
    assert checkpoint_identity(weights) != base
