"""Signature strings in the sacrebleu style: `id|impl:...|key:value|...`.

Built from the settings that actually ran, in a fixed order, so that two scores with the
same signature were computed the same way.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from petar_bench import __version__

IMPLEMENTATION = f"petar-bench-{__version__}"


def build_signature(metric_id: str, *fields: tuple[str, object]) -> str:
    """'bleu4|impl:petar-bench-0.1.0|tok:...' from (key, value) pairs, in the given order."""
    parts = [metric_id, f"impl:{IMPLEMENTATION}"]
    parts += [f"{key}:{_fmt(value)}" for key, value in fields]
    return "|".join(parts)


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("|", "/")


def model_tag(name: str) -> str:
    """How a model appears in a signature: a hub id as it is; a local folder as
    `<folder name>@<8 hex digits over its config bytes and weight file names and sizes>`."""
    folder = Path(name)
    if not folder.is_dir():
        return name
    digest = hashlib.sha256()
    config = folder / "config.json"
    if config.is_file():
        digest.update(config.read_bytes())
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return f"{folder.name}@{digest.hexdigest()[:8]}"
