"""LaMed-Phi-3: transformers' Phi-3 causal LM with 3D image features spliced in after BOS.

Parameter names equal the released checkpoints: the Phi-3 model lives under `model.` with the
vision towers at `model.vision_tower.*` and the projector at `model.mm_projector.*`; `lm_head`
is separate (not tied). The image features overwrite the embeddings of the positions right
after each row's BOS, purely by position, as the released code does (whatever tokens sit
there; the prompt builder puts `<im_patch>` placeholders there).

This module imports torch, transformers and MONAI at the top; only the loader imports it.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
from transformers import Phi3Config, Phi3ForCausalLM, Phi3Model
from transformers.models.phi3.modeling_phi3 import Phi3PreTrainedModel

from petar_bench.baselines.lamed._config import LamedGeometry, geometry_from_config
from petar_bench.baselines.lamed._projector import SpatialPoolingProjector
from petar_bench.baselines.lamed._vision import VisionTowers


class LamedPhi3Config(Phi3Config):
    """Phi3Config plus the LaMed fields (image_size, patch_size, mm_*, proj_*, use_ct, ...)."""

    model_type = "lamed_phi3"


def make_config(config: dict[str, Any]) -> LamedPhi3Config:
    """A transformers config from a checkpoint's config.json (our own class: no remote code)."""
    fields = {k: v for k, v in config.items() if k not in ("auto_map", "model_type")}
    if fields.get("rope_scaling", 0) is None:  # the release writes null; newer transformers warn
        del fields["rope_scaling"]
    return LamedPhi3Config(**fields)


class LamedPhi3Model(Phi3Model):
    config_class = LamedPhi3Config

    def __init__(self, config: LamedPhi3Config):
        super().__init__(config)
        self.geometry: LamedGeometry = geometry_from_config(config.to_dict())
        self.vision_tower = VisionTowers(self.geometry)
        self.mm_projector = SpatialPoolingProjector(self.geometry)


class LamedPhi3ForCausalLM(Phi3ForCausalLM):
    config_class = LamedPhi3Config

    def __init__(self, config: LamedPhi3Config):
        # Skip Phi3ForCausalLM.__init__: it would build a plain Phi3Model first (4B wasted).
        Phi3PreTrainedModel.__init__(self, config)
        self.model = LamedPhi3Model(config)
        self.vocab_size = config.vocab_size
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.post_init()

    @property
    def geometry(self) -> LamedGeometry:
        return self.model.geometry

    def encode_images(
        self,
        image: torch.Tensor,
        mask: torch.Tensor | None = None,
        ct: torch.Tensor | None = None,
        *,
        focal: tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None] | None = None,
    ) -> torch.Tensor:
        """[B, 1, D, H, W] volumes -> [B, num_image_tokens, hidden] projected features.

        PETAR: `image` is the PET, `mask` the lesion mask, `ct` the CT of the global view, and
        `focal` the same three for the focal view; both views go through the same towers and
        their features are summed before the projector. M3D: `image` only.
        """
        towers = self.model.vision_tower
        features = towers(image, mask, ct)
        if focal is not None:
            features = features + towers(*focal)
        return self.model.mm_projector(features)

    def embed_with_images(
        self, input_ids: torch.Tensor, image_features: torch.Tensor, bos_index: torch.Tensor
    ) -> torch.Tensor:
        """Token embeddings with row r's positions bos_index[r]+1 .. +N replaced by its features."""
        embeds = self.model.embed_tokens(input_ids)
        batch, count = image_features.shape[:2]
        rows = torch.arange(batch, device=embeds.device)[:, None]
        columns = (
            bos_index.to(embeds.device)[:, None] + 1 + torch.arange(count, device=embeds.device)
        )
        embeds[rows, columns] = image_features.to(embeds.dtype)
        return embeds
