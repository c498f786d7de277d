"""Forward pieces of the tiny model: towers, projector, image splicing."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("monai")

import numpy as np  # noqa: E402
import torch  # noqa: E402


@pytest.fixture(scope="module")
def model(petar_runner):
    return petar_runner.model


def _volumes(batch, seed=0):
    rng = np.random.default_rng(seed)
    image = torch.as_tensor(rng.random((batch, 1, 8, 32, 32), dtype=np.float32))
    mask = (torch.as_tensor(rng.random((batch, 1, 8, 32, 32))) > 0.9).float()
    ct = torch.as_tensor(rng.random((batch, 1, 8, 32, 32), dtype=np.float32))
    return image, mask, ct


@torch.inference_mode()
def test_tower_and_projector_shapes(model):
    image, mask, ct = _volumes(3)
    features = model.model.vision_tower(image, mask, ct)
    assert features.shape == (3, 64, 64)  # 4x4x4 patches, PET 32 + CT 32 features
    projected = model.encode_images(image, mask, ct, focal=(image, mask, ct))
    assert projected.shape == (3, 8, 64)  # 2x2x2 pooled tokens, LLM width 64
    assert torch.isfinite(projected).all()


@torch.inference_mode()
def test_mask_ct_and_focal_view_all_change_the_features(model):
    image, mask, ct = _volumes(1)
    base = model.encode_images(image, mask, ct)
    assert not torch.allclose(base, model.encode_images(image, torch.zeros_like(mask), ct))
    assert not torch.allclose(base, model.encode_images(image, mask, ct * 0.5))
    summed = model.encode_images(image, mask, ct, focal=(image, mask, ct))
    towers = model.model.vision_tower
    expected = model.model.mm_projector(2 * towers(image, mask, ct))  # same towers, summed
    assert torch.allclose(summed, expected, atol=1e-5)


@torch.inference_mode()
def test_projector_pools_the_depth_major_patch_grid(model):
    projector = model.model.mm_projector
    features = torch.randn(2, 64, 64)
    grid = features.numpy().reshape(2, 4, 4, 4, 64)  # (d, h, w) depth-major token order
    pooled = grid.reshape(2, 2, 2, 2, 2, 2, 2, 64).mean(axis=(2, 4, 6)).reshape(2, 8, 64)
    expected = projector.projector(torch.as_tensor(pooled))
    assert torch.allclose(projector(features), expected, atol=1e-5)
    assert [type(m).__name__ for m in projector.projector] == ["Linear", "GELU", "Linear"]


@torch.inference_mode()
def test_image_features_overwrite_the_positions_after_each_rows_bos(model):
    ids = torch.tensor(
        [[3, 3, 1, 9, 9, 9, 9, 9, 9, 9, 9, 20], [1, 9, 9, 9, 9, 9, 9, 9, 9, 21, 22, 23]]
    )
    features = torch.randn(2, 8, 64)
    embeds = model.embed_with_images(ids, features, torch.tensor([2, 0]))
    plain = model.model.embed_tokens(ids)
    assert torch.equal(embeds[0, 3:11], features[0]) and torch.equal(embeds[1, 1:9], features[1])
    assert torch.equal(embeds[0, :3], plain[0, :3]) and torch.equal(embeds[0, 11:], plain[0, 11:])
    assert torch.equal(embeds[1, :1], plain[1, :1]) and torch.equal(embeds[1, 9:], plain[1, 9:])
