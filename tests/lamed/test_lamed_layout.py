"""Parameter names and shapes: our full-size build equals the PETAR-4B checkpoint layout.

The reference layout (tests/data/lamed) was rebuilt from the public release code at full
size. The build happens on the meta device: about 4B parameters, nothing allocated.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("monai")

from lamed_helpers import vit_blocks  # noqa: E402

from petar_bench.baselines.lamed._config import geometry_from_config  # noqa: E402
from petar_bench.baselines.lamed._loading import (  # noqa: E402
    build_empty_model,
    check_layout,
    cross_attention_extras,
    expected_layout,
)
from petar_bench.errors import UserError  # noqa: E402


@pytest.fixture(scope="module")
def full_size(reference_config):
    return build_empty_model(reference_config)


def test_full_size_build_equals_the_checkpoint_layout(full_size, reference_layout):
    ours = expected_layout(full_size)
    assert set(ours) == set(reference_layout)
    assert {n: s for n, s in ours.items() if reference_layout[n] != s} == {}
    assert len(ours) == 477
    assert sum(p.numel() for p in full_size.parameters()) == 4_012_078_080
    assert all(p.is_meta for p in full_size.parameters())  # nothing allocated
    assert not list(full_size.buffers()) or all(  # only the small rotary tables are real
        b.numel() <= 96 for b in full_size.buffers()
    )


def test_full_size_image_path_gives_256_tokens_on_the_meta_device(full_size):
    import torch

    volume = torch.empty(2, 1, 32, 256, 256, device="meta")
    with torch.inference_mode():
        features = full_size.model.vision_tower(volume, volume, volume)
        tokens = full_size.encode_images(volume, volume, volume, focal=(volume, volume, volume))
    assert features.shape == (2, 2048, 1536)  # PET (cls dropped) + CT features per patch
    assert tokens.shape == (2, 256, 3072)  # pooled 4x8x8 grid in the LLM's width


def test_vocabulary_and_image_tokens_come_from_the_config(reference_config):
    g = geometry_from_config(reference_config)
    assert g.num_image_tokens == 256
    model = build_empty_model({**reference_config, "vocab_size": 32064})
    layout = expected_layout(model)
    assert layout["model.embed_tokens.weight"] == (32064, 3072)
    assert layout["lm_head.weight"] == (32064, 3072)


def test_m3d_layout_has_one_tower_and_a_narrower_projector(reference_config):
    m3d = {**reference_config, "use_ct": False, "use_mask": False}
    layout = expected_layout(build_empty_model(m3d))
    assert not any(".ct_tower." in n or "patch_embedding_mask" in n for n in layout)
    assert layout["model.mm_projector.projector.0.weight"] == (3072, 768)
    assert "model.vision_tower.vision_tower.cls_token" in layout


def _with_extras(layout, layout_index, blocks=None):
    extras = cross_attention_extras(768, qkv_bias=False)[layout_index]
    found = dict(layout)
    for block in blocks if blocks is not None else vit_blocks(layout):
        found.update({f"{block}.{suffix}": shape for suffix, shape in extras.items()})
    return found


@pytest.mark.parametrize(
    ("index", "tensors", "parameters"), [(0, 525, 4_012_114_944), (1, 645, 4_068_756_480)]
)
def test_monai_14_to_16_layouts_are_accepted(
    reference_layout, reference_config, index, tensors, parameters
):
    g = geometry_from_config(reference_config)
    found = _with_extras(reference_layout, index)
    assert len(found) == tensors  # the totals of the layout document
    assert sum(_numel(s) for s in found.values()) == parameters
    skip = check_layout(reference_layout, found, g, source="x")
    assert skip == set(found) - set(reference_layout)
    assert check_layout(reference_layout, reference_layout, g, source="x") == set()


def test_partial_or_foreign_extras_are_refused(reference_layout, reference_config):
    g = geometry_from_config(reference_config)
    blocks = vit_blocks(reference_layout)
    partial = _with_extras(reference_layout, 0, blocks[:3])
    with pytest.raises(UserError, match="6 unexpected"):
        check_layout(reference_layout, partial, g, source="x")
    foreign = {
        **reference_layout,
        "model.vision_tower.vision_tower.classification_head.weight": (2, 768),
    }
    with pytest.raises(UserError, match="1 unexpected .*classification_head"):
        check_layout(reference_layout, foreign, g, source="x")
    seg = {**reference_layout, "model.seg_module.image_encoder.weight": (4, 4)}
    with pytest.raises(UserError, match="seg_module"):  # only with a segmentation_module config
        check_layout(reference_layout, seg, g, source="x")
    g_seg = geometry_from_config({**reference_config, "segmentation_module": "segvol"})
    assert check_layout(reference_layout, seg, g_seg, source="x") == {
        "model.seg_module.image_encoder.weight"
    }


def test_missing_and_reshaped_tensors_are_listed(reference_layout, reference_config):
    g = geometry_from_config(reference_config)
    found = dict(reference_layout)
    del found["lm_head.weight"]
    found["model.norm.weight"] = (1024,)
    with pytest.raises(UserError) as info:
        check_layout(reference_layout, found, g, source="'ckpt'")
    message = str(info.value)
    assert "1 missing (lm_head.weight)" in message
    assert "model.norm.weight: file [1024] vs config [3072]" in message
    assert "\n" not in message


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n
