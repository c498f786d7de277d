"""The "spp" projector: pool the patch grid, then a small MLP into the LLM's width.

[B, num_patches, feature_dim] -> reshape to the patch grid (depth-major token order, as
MONAI's perceptron patch embedding emits it) -> average pool -> [B, num_image_tokens,
feature_dim] -> Linear (-> GELU -> Linear ...) -> [B, num_image_tokens, llm_hidden].
Parameter names follow the release: `projector.0` and `projector.2` (index 1 is the GELU).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from petar_bench.baselines.lamed._config import LamedGeometry


class SpatialPoolingProjector(nn.Module):
    def __init__(self, geometry: LamedGeometry):
        super().__init__()
        self.grid = geometry.patch_grid
        self.pooling_type = geometry.proj_pooling_type
        self.pool = geometry.proj_pooling_size
        width_in, width_out = geometry.feature_dim, geometry.llm_hidden
        layers: list[nn.Module] = [nn.Linear(width_in, width_out)]
        for _ in range(1, geometry.proj_layer_num):
            if geometry.proj_layer_type == "mlp":
                layers.append(nn.GELU())
            layers.append(nn.Linear(width_out, width_out))
        self.projector = nn.Sequential(*layers)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        batch, tokens, width = features.shape
        if self.pooling_type == "spatial":
            grid = features.transpose(1, 2).reshape(batch, width, *self.grid)
            pooled = _avg_pool3d(grid, self.pool)
            features = pooled.flatten(2).transpose(1, 2)
        else:  # "sequence": pool runs of pool**3 consecutive tokens
            pooled = F.avg_pool1d(features.transpose(1, 2), self.pool**3, self.pool**3)
            features = pooled.transpose(1, 2)
        return self.projector(features)


def _avg_pool3d(grid: torch.Tensor, pool: int) -> torch.Tensor:
    """avg_pool3d, computed in float32 on CPU where PyTorch has no half-precision kernel
    (bfloat16/float16 would raise NotImplementedError); on GPU in the tensor's own dtype, as
    the release runs it."""
    if grid.device.type == "cpu" and grid.dtype in (torch.bfloat16, torch.float16):
        return F.avg_pool3d(grid.float(), kernel_size=pool, stride=pool).to(grid.dtype)
    return F.avg_pool3d(grid, kernel_size=pool, stride=pool)
