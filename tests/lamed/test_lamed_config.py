"""Geometry read from config.json: the released PETAR-4B values and clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from petar_bench.baselines.lamed._config import geometry_from_config, read_checkpoint_config
from petar_bench.errors import UserError

CONFIG = json.loads(
    (
        Path(__file__).resolve().parents[1] / "data" / "lamed" / "petar4b_config_reconstructed.json"
    ).read_text()
)


def test_released_config_gives_the_paper_geometry():
    g = geometry_from_config(CONFIG)
    assert g.image_size == (32, 256, 256) and g.patch_size == (4, 16, 16)
    assert g.patch_grid == (8, 16, 16) and g.num_patches == 2048
    assert g.num_image_tokens == 256  # 2x2x2 pooling of the 8x16x16 grid
    assert g.feature_dim == 1536  # PET 768 + CT 768
    assert (g.vit_layers, g.vit_heads, g.vit_mlp) == (12, 12, 3072)  # ViT-B defaults
    assert g.use_mask and g.use_ct and not g.has_segmentation_module


def test_geometry_follows_the_config_not_constants():
    small = {
        **CONFIG,
        "image_size": [8, 32, 32],
        "patch_size": [2, 8, 8],
        "mm_hidden_size": 32,
        "vision_num_heads": 4,
    }
    g = geometry_from_config(small)
    assert g.patch_grid == (4, 4, 4) and g.num_image_tokens == 8 and g.feature_dim == 64
    sequence = geometry_from_config({**small, "proj_pooling_type": "sequence"})
    assert sequence.num_image_tokens == 64 // 8


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"image_size": [32, 256]}, "image_size must be three positive integers"),
        ({"patch_size": [5, 16, 16]}, "not divisible by patch_size"),
        ({"mm_projector_type": "linear"}, "mm_projector_type='linear' is not supported"),
        ({"vision_tower": "clip"}, "vision_tower='clip' is not supported"),
        ({"vision_select_layer": -2}, "vision_select_layer=-2 is not supported"),
        ({"classification": False}, "classification=false is not supported"),
        ({"proj_pooling_size": 3}, "not divisible by proj_pooling_size"),
        ({"vision_num_heads": 7}, "not divisible by vision_num_heads"),
    ],
)
def test_unsupported_or_inconsistent_configs_are_refused(change, message):
    with pytest.raises(UserError, match=message):
        geometry_from_config({**CONFIG, **change})


def test_missing_fields_are_named():
    config = {k: v for k, v in CONFIG.items() if k not in ("image_size", "mm_hidden_size")}
    with pytest.raises(UserError, match="lacks image_size, mm_hidden_size"):
        geometry_from_config(config)


def test_read_config_errors(tmp_path):
    with pytest.raises(UserError, match="has no config.json"):
        read_checkpoint_config(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(UserError, match="is not valid JSON"):
        read_checkpoint_config(tmp_path)
