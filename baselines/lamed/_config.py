"""What a LaMed checkpoint's config.json says about its geometry (pure Python, no torch).

Everything that shapes the model input (image and patch size, token counts, which towers
exist) is read from the checkpoint's own config.json, never from constants, so a tiny test
checkpoint and the released 4B model take the same code path.

The 3D ViT's depth, head count and MLP width are not in the released configs: the public
code hard-codes MONAI's ViT-B (12 layers, 12 heads, MLP 3072). We read them from the optional
keys ``vision_num_layers``, ``vision_num_heads`` and ``vision_mlp_dim`` (our extension, used by
tiny test checkpoints) and fall back to ViT-B when they are absent.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petar_bench.errors import UserError

# MONAI ViT-B, hard-coded by M3D's and PETAR's ViT3DTower.
VIT_B_LAYERS, VIT_B_HEADS, VIT_B_MLP = 12, 12, 3072

_REQUIRED = (
    "hidden_size",
    "num_hidden_layers",
    "vocab_size",
    "image_size",
    "patch_size",
    "mm_hidden_size",
    "mm_projector_type",
    "vision_tower",
)


@dataclass(frozen=True)
class LamedGeometry:
    """The vision side of a LaMed model and its image-token count."""

    image_size: tuple[int, int, int]
    patch_size: tuple[int, int, int]
    image_channel: int
    vit_hidden: int
    vit_layers: int
    vit_heads: int
    vit_mlp: int
    pos_embed: str
    qkv_bias: bool
    use_mask: bool  # PET tower has a zero-initialised mask patch embedding
    use_ct: bool  # a second, CT tower whose features are concatenated
    proj_layer_type: str
    proj_layer_num: int
    proj_pooling_type: str
    proj_pooling_size: int
    llm_hidden: int
    has_segmentation_module: bool  # M3D releases carry SegVol weights we do not use

    @property
    def patch_grid(self) -> tuple[int, int, int]:
        return tuple(i // p for i, p in zip(self.image_size, self.patch_size, strict=True))  # type: ignore[return-value]

    @property
    def num_patches(self) -> int:
        return math.prod(self.patch_grid)

    @property
    def feature_dim(self) -> int:
        """Width of the tower output: PET (or image) features, then CT features."""
        return self.vit_hidden * (2 if self.use_ct else 1)

    @property
    def num_image_tokens(self) -> int:
        """How many `<im_patch>` positions the projected features overwrite after BOS."""
        if self.proj_pooling_type == "spatial":
            return math.prod(g // self.proj_pooling_size for g in self.patch_grid)
        return self.num_patches // self.proj_pooling_size**3


def read_checkpoint_config(directory: Path) -> dict[str, Any]:
    """config.json of a checkpoint directory, as a dict; unreadable is a UserError."""
    path = Path(directory) / "config.json"
    if not path.is_file():
        raise UserError(
            f"{str(directory)!r} has no config.json; it is not a model checkpoint folder"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(
            f"{str(path)!r} is not valid JSON ({exc}); re-download the checkpoint"
        ) from None
    if not isinstance(data, dict):
        raise UserError(f"{str(path)!r} does not hold a JSON object; re-download the checkpoint")
    return data


def geometry_from_config(config: dict[str, Any], *, source: str = "config.json") -> LamedGeometry:
    """Validate the fields the model code reads and return the geometry they describe."""
    missing = [key for key in _REQUIRED if key not in config]
    if missing:
        raise UserError(
            f"{source} lacks {', '.join(missing)}; it is not a LaMed (M3D/PETAR) config"
        )
    _check_supported(config, source)
    geometry = LamedGeometry(
        image_size=_triple(config, "image_size", source),
        patch_size=_triple(config, "patch_size", source),
        image_channel=int(config.get("image_channel", 1)),
        vit_hidden=int(config["mm_hidden_size"]),
        vit_layers=int(config.get("vision_num_layers", VIT_B_LAYERS)),
        vit_heads=int(config.get("vision_num_heads", VIT_B_HEADS)),
        vit_mlp=int(config.get("vision_mlp_dim", VIT_B_MLP)),
        pos_embed=str(config.get("pos_embed", "perceptron")),
        qkv_bias=bool(config.get("qkv_bias", False)),
        use_mask=bool(config.get("use_mask", False)),
        use_ct=bool(config.get("use_ct", False)),
        proj_layer_type=str(config.get("proj_layer_type", "mlp")),
        proj_layer_num=int(config.get("proj_layer_num", 2)),
        proj_pooling_type=str(config.get("proj_pooling_type", "spatial")),
        proj_pooling_size=int(config.get("proj_pooling_size", 2)),
        llm_hidden=int(config["hidden_size"]),
        has_segmentation_module=config.get("segmentation_module") is not None,
    )
    _check_divisible(geometry, source)
    return geometry


def _triple(config: dict[str, Any], key: str, source: str) -> tuple[int, int, int]:
    value = config[key]
    if not (
        isinstance(value, list | tuple)
        and len(value) == 3
        and all(isinstance(v, int) and v > 0 for v in value)
    ):
        raise UserError(f"{source}: {key} must be three positive integers (D, H, W), got {value!r}")
    return (int(value[0]), int(value[1]), int(value[2]))


def _check_supported(config: dict[str, Any], source: str) -> None:
    """Refuse settings whose code paths the released models never used (and we did not build)."""
    if "vit3d" not in str(config.get("vision_tower", "")).lower():
        raise UserError(
            f"{source}: vision_tower={config.get('vision_tower')!r} is not supported "
            "(expected a 'vit3d' tower)"
        )
    checks: dict[str, tuple[set[Any], Any]] = {
        "mm_projector_type": ({"spp"}, config.get("mm_projector_type")),
        "vision_select_layer": ({-1}, config.get("vision_select_layer", -1)),
        "vision_select_feature": ({"patch"}, config.get("vision_select_feature", "patch")),
        "proj_layer_type": ({"mlp", "linear"}, config.get("proj_layer_type", "mlp")),
        "proj_pooling_type": ({"spatial", "sequence"}, config.get("proj_pooling_type", "spatial")),
    }
    for key, (allowed, value) in checks.items():
        if value not in allowed:
            raise UserError(
                f"{source}: {key}={value!r} is not supported (expected one of {sorted(allowed)})"
            )
    if not config.get("classification", True):
        # The released tower code drops the first output token unconditionally ("patch"
        # features), which is only right when that token is a cls token.
        raise UserError(f"{source}: classification=false is not supported (cls-token towers only)")


def _check_divisible(geometry: LamedGeometry, source: str) -> None:
    for image, patch in zip(geometry.image_size, geometry.patch_size, strict=True):
        if image % patch:
            raise UserError(
                f"{source}: image_size {list(geometry.image_size)} is not divisible by "
                f"patch_size {list(geometry.patch_size)}"
            )
    if geometry.vit_hidden % geometry.vit_heads:
        raise UserError(
            f"{source}: mm_hidden_size {geometry.vit_hidden} is not divisible by "
            f"vision_num_heads {geometry.vit_heads}"
        )
    if geometry.proj_pooling_type == "spatial" and any(
        g % geometry.proj_pooling_size for g in geometry.patch_grid
    ):
        raise UserError(
            f"{source}: patch grid {list(geometry.patch_grid)} is not divisible by "
            f"proj_pooling_size {geometry.proj_pooling_size}"
        )
