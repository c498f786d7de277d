"""Build a LaMed model from a checkpoint folder: layout check, then safetensors loading.

The model is built with empty (meta) parameters, its parameter names and shapes are compared
with the safetensors headers, and only then are tensors read. The comparison accepts exactly
the layouts of docs/models.md:

- canonical: the names our model has (the release, saved with MONAI 1.3);
- the same plus `norm_cross_attn.{weight,bias}` in every ViT block (saved with MONAI >= 1.6);
- the same plus `norm_cross_attn.*` and `cross_attn.{to_q,to_k,to_v,out_proj}.*` in every ViT
  block (saved with MONAI 1.4-1.5);
- for configs with a `segmentation_module` (M3D releases): anything under `model.seg_module.`
  and `model.seg_projector.`, which text generation does not use.

Those extra tensors are never read. Any other missing or unexpected name, or any shape that
differs from what config.json implies, is a UserError that lists them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from petar_bench.baselines.lamed._config import (
    LamedGeometry,
    geometry_from_config,
    read_checkpoint_config,
)
from petar_bench.baselines.lamed._weights import TensorInfo, tensor_table
from petar_bench.errors import UserError

_BLOCK = re.compile(r"^(model\.vision_tower\.(?:vision_tower|ct_tower)\.blocks\.\d+)\.(.+)$")
_SEGMENTATION_PREFIXES = ("model.seg_module.", "model.seg_projector.")
_SHOW = 6  # names listed per category in an error line


def cross_attention_extras(hidden: int, qkv_bias: bool) -> list[dict[str, tuple[int, ...]]]:
    """Per-block extra tensors of the accepted non-canonical layouts (name suffix -> shape)."""
    Shape = tuple[int, ...]
    norm: dict[str, Shape] = {
        "norm_cross_attn.weight": (hidden,),
        "norm_cross_attn.bias": (hidden,),
    }
    cross: dict[str, Shape] = {f"cross_attn.to_{x}.weight": (hidden, hidden) for x in "qkv"}
    if qkv_bias:
        cross.update({f"cross_attn.to_{x}.bias": (hidden,) for x in "qkv"})
    cross.update(
        {"cross_attn.out_proj.weight": (hidden, hidden), "cross_attn.out_proj.bias": (hidden,)}
    )
    return [norm, {**norm, **cross}]


def check_layout(
    expected: Mapping[str, tuple[int, ...]],
    found: Mapping[str, tuple[int, ...]],
    geometry: LamedGeometry,
    *,
    source: str,
) -> set[str]:
    """Raise a UserError unless `found` is an accepted layout; return the names to skip."""
    unexpected = sorted(set(found) - set(expected))
    skip, unexpected = _tolerated(unexpected, expected, found, geometry)
    missing = sorted(set(expected) - set(found))
    shapes = [
        f"{name}: file {list(found[name])} vs config {list(shape)}"
        for name, shape in sorted(expected.items())
        if name in found and tuple(found[name]) != tuple(shape)
    ]
    problems = [
        _listing("missing", missing),
        _listing("unexpected", unexpected),
        _listing("with another shape", shapes),
    ]
    problems = [p for p in problems if p]
    if problems:
        raise UserError(
            f"checkpoint {source} does not match its config.json: {'; '.join(problems)}; "
            "it is not a LaMed-Phi-3 checkpoint in an accepted layout (docs/models.md)"
        )
    return skip


def _tolerated(
    unexpected: list[str],
    expected: Mapping[str, tuple[int, ...]],
    found: Mapping[str, tuple[int, ...]],
    geometry: LamedGeometry,
) -> tuple[set[str], list[str]]:
    """Split unexpected names into accepted extras (same layout in every block) and the rest."""
    skip: set[str] = set()
    if geometry.has_segmentation_module:
        skip = {n for n in unexpected if n.startswith(_SEGMENTATION_PREFIXES)}
    per_block: dict[str, dict[str, tuple[int, ...]]] = {
        m.group(1): {} for m in map(_BLOCK.match, expected) if m
    }
    for name in unexpected:
        match = _BLOCK.match(name)
        if match and match.group(1) in per_block:
            per_block[match.group(1)][match.group(2)] = tuple(found[name])
    layouts = [{}, *cross_attention_extras(geometry.vit_hidden, geometry.qkv_bias)]
    extras = list(per_block.values())
    if extras and extras[0] in layouts and all(e == extras[0] for e in extras):
        skip |= {
            f"{block}.{suffix}" for block, found_here in per_block.items() for suffix in found_here
        }
    return skip, [n for n in unexpected if n not in skip]


def _listing(what: str, names: list[str]) -> str:
    if not names:
        return ""
    shown = ", ".join(names[:_SHOW])
    more = f" and {len(names) - _SHOW} more" if len(names) > _SHOW else ""
    return f"{len(names)} {what} ({shown}{more})"


def build_empty_model(config: dict[str, Any]) -> Any:
    """The model with meta parameters (real non-persistent buffers): nothing allocated."""
    from accelerate import init_empty_weights

    from petar_bench.baselines.lamed._model import LamedPhi3ForCausalLM, make_config

    hf_config = make_config(config)
    with init_empty_weights(include_buffers=False):
        return LamedPhi3ForCausalLM(hf_config)


def expected_layout(model: Any) -> dict[str, tuple[int, ...]]:
    return {name: tuple(t.shape) for name, t in model.state_dict().items()}


def load_model(directory: Path, *, device: str, dtype: Any) -> Any:
    """A ready (eval mode) model from a checkpoint folder, on `device` in `dtype`."""
    config = read_checkpoint_config(directory)
    geometry = geometry_from_config(config, source=str(directory / "config.json"))
    model = build_empty_model(config)
    table = tensor_table(directory)
    skip = check_layout(
        expected_layout(model),
        {n: i.shape for n, i in table.items()},
        geometry,
        source=repr(str(directory)),
    )
    state = _read_tensors({n: i for n, i in table.items() if n not in skip}, device, dtype)
    model.load_state_dict(state, strict=True, assign=True)
    model.to(device)  # the non-persistent rotary buffers; parameters are already there
    model.eval()
    return model


def _read_tensors(table: dict[str, TensorInfo], device: str, dtype: Any) -> dict[str, Any]:
    """Tensors file by file, cast to `dtype` (floating ones) and moved one at a time."""
    from safetensors import safe_open

    by_file: dict[Path, list[str]] = {}
    for name, info in table.items():
        by_file.setdefault(info.file, []).append(name)
    state: dict[str, Any] = {}
    for path, names in sorted(by_file.items()):
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            for name in names:
                tensor = handle.get_tensor(name)
                if tensor.is_floating_point():
                    tensor = tensor.to(dtype)
                state[name] = tensor.to(device)
    return state
