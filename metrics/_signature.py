"""Signature strings in the sacrebleu style: `id|impl:...|key:value|...`.

Built from the settings that actually ran, in a fixed order, so that two scores with the
same signature were computed the same way.
"""

from __future__ import annotations

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
