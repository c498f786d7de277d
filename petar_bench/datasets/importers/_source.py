"""What a layout hands to the import engine: per-lesion sources, skips and volume readers.

See the package docstring (`petar_bench.datasets.importers`) for the protocol.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.errors import UserError

NIFTI_READER = "nifti"


@dataclass(frozen=True)
class VolumeSource:
    """One volume to bring in, described without reading it (the workers read it).

    `reader` is "nifti" (the file at `path`) or "package.module:function", a function called
    as ``function(path, **options)`` that returns a `LoadedVolume`: this is how a layout
    converts what it reads (a DICOM series, a labelled component of a mask). `options` must
    be JSON-able (they travel to worker processes and into the import report).
    """

    path: Path
    reader: str = NIFTI_READER
    options: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """Identifies the volume within an import (a series read once per exam)."""
        opts = ",".join(f"{k}={self.options[k]}" for k in sorted(self.options))
        return f"{self.reader}|{self.path}|{opts}"


@dataclass(frozen=True)
class LoadedVolume:
    """A volume in memory: the array, its voxel -> world affine and what was done to it.

    `notes` are short phrases recorded in the manifest for this volume (e.g. "converted from
    Bq/mL to SUVbw, decay correction START"). `source_file` is set when the array is exactly
    the content of a NIfTI file that may be linked instead of rewritten.
    """

    data: np.ndarray
    affine: np.ndarray
    notes: tuple[str, ...] = ()
    source_file: Path | None = None


@dataclass(frozen=True)
class LesionSource:
    """One lesion as a layout found it.

    `split` is None when the layout does not know it (then --split-file, --split-column or
    the seeded patient-level split decides). `origin` names where the lesion came from in
    messages (a folder, "table.csv row 12"). `fields` holds the structured finding's fields
    by name (region, organ, sub_site, laterality, suv_max, slice, size_mm, findings), and
    `extra` any other columns the user mapped (kept in the import report).
    """

    patient_id: str
    exam_id: str
    lesion_id: str
    tracer: str
    reference: str
    pet: VolumeSource
    ct: VolumeSource
    mask: VolumeSource
    origin: str
    sample_id: str | None = None
    mask_label: int | None = None
    split: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    require_binary_mask: bool = False

    @property
    def id(self) -> str:
        return self.sample_id or f"{self.exam_id}-{self.lesion_id}"


@dataclass(frozen=True)
class Skip:
    """A lesion the layout could not describe, with the reason (one line naming it)."""

    origin: str
    reason: str
    code: str = "unreadable"


@dataclass(frozen=True)
class ScanOptions:
    """What the user told the importer about the source (layouts read what they need).

    `mapping`: FIELD -> column name from --map (table and labelmap layouts);
    `split_column`: the column holding each lesion's split;
    `components`: label connected components of a binary mask (labelmap layout);
    `settings`: layout-specific KEY=VALUE settings (e.g. a DICOM PET scale factor).
    """

    mapping: Mapping[str, str] = field(default_factory=dict)
    split_column: str | None = None
    components: bool = False
    settings: Mapping[str, str] = field(default_factory=dict)
    tracer: str | None = None


def read_volume(source: VolumeSource) -> LoadedVolume:
    """Read one volume through its reader; any failure is a UserError naming the source."""
    if source.reader == NIFTI_READER:
        return read_nifti(source.path)
    module_name, _, function_name = source.reader.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError):
        raise UserError(f"volume reader {source.reader!r} is not available") from None
    result = function(source.path, **dict(source.options))
    if not isinstance(result, LoadedVolume):
        raise TypeError(f"reader {source.reader} returned {type(result).__name__}")
    return result


def read_nifti(path: Path) -> LoadedVolume:
    from petar_bench.volumes._lesion import load_nifti

    data, affine, _ = load_nifti(Path(path))
    return LoadedVolume(data=data, affine=affine, source_file=Path(path))
