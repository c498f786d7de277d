"""Sanity checks on volumes and texts: ONE module, used by the importer, `data verify` and the
volume loader, so a file is judged the same way wherever it is read.

Each check returns `Problem`s (an error refuses the lesion; a warning is reported, and
`--strict` turns it into an error). Messages are one line and name the file or record.

Thresholds, and why:

- PET is expected in SUV (g/mL). Its 95th percentile lies in body tissue (SUV ~0.5-5); data in
  Bq/mL put it in the thousands. Above `PET_BQML_P95` the file "looks like Bq/mL".
- A PET maximum above `PET_ABSURD_MAX` SUV is beyond any physiology (bladder and the most avid
  PSMA lesions stay below ~150) and means a wrong scale factor; a maximum below
  `PET_TINY_MAX` (the whole body dimmer than blood pool) means the same.
- Reconstructions may leave small negative values; a voxel below `PET_NEGATIVE_MIN` or more
  than `PET_NEGATIVE_FRACTION` of voxels below -1 SUV is not noise.
- CT is expected in HU: air about -1000 and soft tissue 0-60. Padding (-1024 ... -3024) and
  metal are normal and ignored; a CT whose darkest non-padding values are far from -1000 or
  whose soft-tissue peak (the densest 10 HU bin between -60 and 200, above fat) lies far from
  0-60 HU is reported (a warning: cropped
  fields of view and odd scanners exist).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from petar_bench.errors import UserError
from petar_bench.grid import VolumeGrid

PET_BQML_P95 = 50.0
PET_ABSURD_MAX = 1000.0
PET_TINY_MAX = 0.05
PET_NEGATIVE_MIN = -5.0
PET_NEGATIVE_FRACTION = 0.005
CT_PADDING_BELOW = -1500.0
CT_AIR_RANGE = (-1150.0, -850.0)
CT_SOFT_TISSUE_RANGE = (-15.0, 95.0)
SOFT_WINDOW = (-60, 200)  # above fat: the densest 10 HU bin here is soft tissue
MIN_OVERLAP = 0.5
_SAMPLE_VOXELS = 250_000  # percentiles on a strided sample keep big volumes fast

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding of a check: `code` is stable (for reports), `message` is one line."""

    severity: Severity
    code: str
    message: str


def _sample(data: np.ndarray) -> np.ndarray:
    flat = np.asarray(data).reshape(-1, order="A")
    step = max(1, flat.size // _SAMPLE_VOXELS)
    return flat[::step]


def _nonfinite(data: np.ndarray, what: str, where: str) -> Problem | None:
    if np.asarray(data).dtype.kind != "f":
        return None
    bad = int(np.count_nonzero(~np.isfinite(data)))
    if not bad:
        return None
    return Problem(
        "error", f"{what}-nonfinite", f"{where}: {bad} NaN or inf voxel(s) in the {what.upper()}"
    )


def pet_problems(data: np.ndarray, where: str) -> list[Problem]:
    """Is this PET plausibly in SUV? (`where` names the file, e.g. its path.)"""
    bad = _nonfinite(data, "pet", where)
    if bad:
        return [bad]
    values = np.asarray(data)
    top, bottom = float(values.max()), float(values.min())
    p95 = float(np.percentile(_sample(values), 95))
    if p95 > PET_BQML_P95:
        return [
            Problem(
                "error",
                "pet-bqml",
                f"{where}: PET looks like Bq/mL, not SUV (95th percentile {p95:.6g}, "
                f"maximum {top:.6g}); convert to SUVbw first",
            )
        ]
    if top > PET_ABSURD_MAX:
        return [
            Problem(
                "error",
                "pet-absurd",
                f"{where}: PET maximum {top:.6g} SUV is beyond physiology (> {PET_ABSURD_MAX:g}); "
                "check the scale factor",
            )
        ]
    if top < PET_TINY_MAX:
        return [
            Problem(
                "error",
                "pet-tiny",
                f"{where}: PET maximum {top:.3g} SUV is implausibly low; check the scale factor "
                "(or the file is empty)",
            )
        ]
    negative = float(np.count_nonzero(_sample(values) < -1.0)) / max(_sample(values).size, 1)
    if bottom < PET_NEGATIVE_MIN or negative > PET_NEGATIVE_FRACTION:
        return [
            Problem(
                "error",
                "pet-negative",
                f"{where}: PET is strongly negative (minimum {bottom:.4g} SUV, "
                f"{100 * negative:.2f}% of voxels below -1)",
            )
        ]
    return []


def ct_problems(data: np.ndarray, where: str) -> list[Problem]:
    """Does this CT look like Hounsfield units?"""
    bad = _nonfinite(data, "ct", where)
    if bad:
        return [bad]
    values = _sample(np.asarray(data)).astype(np.float32)
    values = values[values > CT_PADDING_BELOW]
    if values.size == 0:
        return [Problem("error", "ct-padding", f"{where}: CT holds only padding values")]
    problems = []
    air = float(np.percentile(values, 0.5))
    if not CT_AIR_RANGE[0] <= air <= CT_AIR_RANGE[1]:
        problems.append(
            Problem(
                "warning",
                "ct-not-hu",
                f"{where}: CT does not look like HU (darkest values near {air:.0f}, "
                "air should be about -1000)",
            )
        )
        return problems
    soft = values[(values >= SOFT_WINDOW[0]) & (values < SOFT_WINDOW[1])]
    if soft.size > 0.01 * values.size:
        counts, edges = np.histogram(soft, bins=np.arange(SOFT_WINDOW[0], SOFT_WINDOW[1] + 1, 10))
        peak = float(edges[int(np.argmax(counts))] + 5)
        if not CT_SOFT_TISSUE_RANGE[0] <= peak <= CT_SOFT_TISSUE_RANGE[1]:
            problems.append(
                Problem(
                    "warning",
                    "ct-not-hu",
                    f"{where}: CT does not look like HU (soft-tissue peak at {peak:.0f}, "
                    "expected 0-60)",
                )
            )
    return problems


def mask_problems(
    data: np.ndarray, where: str, *, label: int | None = None, require_binary: bool = False
) -> list[Problem]:
    """Empty, non-finite or (where one label per file is expected) non-binary masks."""
    bad = _nonfinite(data, "mask", where)
    if bad:
        return [bad]
    values = np.asarray(data)
    selected = values > 0 if label is None else values == label
    if not selected.any():
        which = "" if label is None else f" (label {label})"
        return [Problem("error", "mask-empty", f"{where}: mask{which} is empty")]
    if require_binary:
        levels = np.unique(values)
        if levels.size > 2 or not set(levels.tolist()) <= {0, 1}:
            shown = ", ".join(f"{v:g}" for v in levels[:6].tolist())
            return [
                Problem(
                    "error",
                    "mask-not-binary",
                    f"{where}: mask is not binary (values {shown}); one lesion per mask file "
                    "is expected here (multi-label masks: --layout labelmap)",
                )
            ]
    return []


def overlap_problem(pet: VolumeGrid, other: VolumeGrid, what: str, where: str) -> Problem | None:
    """PET and the other volume must cover (mostly) the same part of the world."""
    fraction = pet.overlap_fraction(other)
    if fraction >= MIN_OVERLAP:
        return None
    return Problem(
        "error",
        f"{what}-no-overlap",
        f"{where}: PET and {what.upper()} do not overlap in world coordinates "
        f"({100 * fraction:.0f}% overlap; PET {pet.describe()}, {what.upper()} {other.describe()})",
    )


def decode_text(raw: bytes | str | None, what: str, where: str) -> tuple[str, Problem | None]:
    """A text as str, or a problem when it is missing, empty or not UTF-8."""
    if raw is None:
        return "", Problem("error", f"{what}-missing", f"{where}: no {what} text")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return "", Problem(
                "error",
                f"{what}-encoding",
                f"{where}: {what} text is not UTF-8 (byte {exc.start})",
            )
    text = raw.strip()
    if not text:
        return "", Problem("error", f"{what}-empty", f"{where}: {what} text is empty")
    return text, None


def errors(problems: Iterable[Problem], *, strict: bool = False) -> list[Problem]:
    return [p for p in problems if p.severity == "error" or strict]


def raise_first(problems: Sequence[Problem], *, strict: bool = False) -> None:
    """Raise the first error (or, with strict, the first warning) as a one-line UserError."""
    bad = errors(problems, strict=strict)
    if bad:
        raise UserError(bad[0].message)
