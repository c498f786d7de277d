"""Edits of a copied tiny checkpoint folder: tensors added or dropped, config fields changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def copy_checkpoint(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def rewrite_tensors(folder: Path, *, add: dict | None = None, drop: tuple[str, ...] = ()) -> None:
    """Re-save model.safetensors with tensors added (name -> shape, zeros) or dropped."""
    import torch
    from safetensors.torch import load_file, save_file

    path = folder / "model.safetensors"
    state = {k: v for k, v in load_file(str(path)).items() if k not in drop}
    for name, shape in (add or {}).items():
        state[name] = torch.zeros(shape)
    save_file(state, str(path), metadata={"format": "pt"})


def edit_config(folder: Path, **changes) -> None:
    path = folder / "config.json"
    config = json.loads(path.read_text())
    config.update(changes)
    path.write_text(json.dumps(config))


def vit_blocks(names) -> list[str]:
    """'model.vision_tower.<tower>.blocks.<i>' prefixes present in `names`."""
    prefixes = set()
    for name in names:
        if ".blocks." in name and name.startswith("model.vision_tower."):
            head, _, rest = name.partition(".blocks.")
            prefixes.add(f"{head}.blocks.{rest.split('.')[0]}")
    return sorted(prefixes)


def shard_checkpoint(folder: Path, parts: int = 2) -> None:
    """Split model.safetensors into shards with an index, as large hub checkpoints are stored."""
    from safetensors.torch import load_file, save_file

    state = load_file(str(folder / "model.safetensors"))
    (folder / "model.safetensors").unlink()
    names = sorted(state)
    weight_map = {}
    for part in range(parts):
        shard = f"model-{part + 1:05d}-of-{parts:05d}.safetensors"
        chunk = {n: state[n] for n in names[part::parts]}
        save_file(chunk, str(folder / shard), metadata={"format": "pt"})
        weight_map.update({n: shard for n in chunk})
    index = {"metadata": {"total_size": 0}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
