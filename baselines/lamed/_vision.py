"""The 3D ViT towers (MONAI blocks), named as in the released checkpoints.

`ViT3D` is MONAI's ViT without its classification head: a perceptron patch embedding, an
optional cls token, pre-norm transformer blocks and a final LayerNorm. The PET tower adds a
second patch embedding for the lesion mask (zero-initialised weights), whose output is added to
the PET patch embedding. `VisionTowers` runs the PET tower (cls token dropped) and, when the
config says so, a separate CT tower, and concatenates their features.

This module imports torch and MONAI at the top: only `loading.build_model` imports it, never
the registry (tests/lamed/test_lamed_adapters.py checks that).
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
import torch.nn as nn
from monai.networks.blocks import PatchEmbeddingBlock, TransformerBlock

from petar_bench.baselines.lamed._config import LamedGeometry


def _patch_embedding(geometry: LamedGeometry) -> PatchEmbeddingBlock:
    """MONAI's PatchEmbeddingBlock; its projection argument was renamed in MONAI 1.4."""
    kwargs: dict[str, Any] = dict(
        in_channels=geometry.image_channel,
        img_size=geometry.image_size,
        patch_size=geometry.patch_size,
        hidden_size=geometry.vit_hidden,
        num_heads=geometry.vit_heads,
        dropout_rate=0.0,
        spatial_dims=3,
    )
    parameters = inspect.signature(PatchEmbeddingBlock.__init__).parameters
    kwargs["proj_type" if "proj_type" in parameters else "pos_embed"] = geometry.pos_embed
    return PatchEmbeddingBlock(**kwargs)


def _transformer_block(geometry: LamedGeometry) -> TransformerBlock:
    """MONAI's TransformerBlock with the unused cross-attention parts removed.

    MONAI >= 1.4 builds `norm_cross_attn` (and 1.4-1.5 also `cross_attn`) in every block even
    when cross-attention is off; the released checkpoints were saved with MONAI 1.3 and lack
    them. Replacing the unused modules by parameter-free identities keeps our parameter names
    equal to the release on every MONAI version (forward never calls them).
    """
    kwargs: dict[str, Any] = {}
    if "use_flash_attention" in inspect.signature(TransformerBlock.__init__).parameters:
        kwargs["use_flash_attention"] = True  # same math through torch's fused attention
    block = TransformerBlock(
        geometry.vit_hidden,
        geometry.vit_mlp,
        geometry.vit_heads,
        0.0,
        geometry.qkv_bias,
        False,
        **kwargs,
    )
    if not getattr(block, "with_cross_attention", False):
        for name in ("norm_cross_attn", "cross_attn"):
            if hasattr(block, name):
                setattr(block, name, nn.Identity())
    return block


class ViT3D(nn.Module):
    """One tower: [B, C, D, H, W] -> [B, (1 +) num_patches, hidden] after the final norm."""

    def __init__(self, geometry: LamedGeometry, *, cls_token: bool, mask_embedding: bool):
        super().__init__()
        self.has_cls_token = cls_token
        self.has_mask_embedding = mask_embedding
        self.patch_embedding = _patch_embedding(geometry)
        if mask_embedding:
            self.patch_embedding_mask = _patch_embedding(geometry)
            for name, param in self.patch_embedding_mask.named_parameters():
                if name.endswith(("weight", "bias")):  # as released: its position table is kept
                    nn.init.zeros_(param)
        self.blocks = nn.ModuleList(
            [_transformer_block(geometry) for _ in range(geometry.vit_layers)]
        )
        self.norm = nn.LayerNorm(geometry.vit_hidden)
        if cls_token:
            self.cls_token = nn.Parameter(torch.zeros(1, 1, geometry.vit_hidden))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.patch_embedding(x)
        if self.has_mask_embedding:
            if mask is None:
                raise ValueError("this tower needs the lesion mask")
            x = x + self.patch_embedding_mask(mask)
        if self.has_cls_token:
            x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)


class VisionTowers(nn.Module):
    """`model.vision_tower`: `.vision_tower` (PET, or M3D's only image) and optional `.ct_tower`."""

    def __init__(self, geometry: LamedGeometry):
        super().__init__()
        self.use_ct = geometry.use_ct
        self.vision_tower = ViT3D(geometry, cls_token=True, mask_embedding=geometry.use_mask)
        if geometry.use_ct:
            self.ct_tower = ViT3D(geometry, cls_token=False, mask_embedding=False)

    def forward(
        self, image: torch.Tensor, mask: torch.Tensor | None = None, ct: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Volumes -> [B, num_patches, feature_dim]: image features (cls dropped), then CT."""
        features = self.vision_tower(image, mask)[:, 1:]
        if self.use_ct:
            if ct is None:
                raise ValueError("this model needs the CT volume")
            features = torch.cat([features, self.ct_tower(ct)], dim=-1)
        return features
