"""Importing PET/CT lesions from a layout on disk into a PETAR-Bench dataset.

`petar-bench data import SRC --output DIR --layout L` finds the lesions in SRC with the layout
module `L`, reads and checks their volumes in worker processes, writes the volumes (linked when
they can be kept as they are, converted otherwise) and finally, atomically, `DIR/manifest.json`
(schema 2) and `DIR/import_report.json`.

Layouts (one module each): `folders` (the PETARSeg per-lesion folders), `table` (CSV, Parquet
or JSONL, one row per lesion), `labelmap` (one multi-label mask per exam plus a findings
table) and `dicom` (PET and CT series per exam; implemented in `petar_bench.datasets.dicom`).

The layout protocol
-------------------
A layout module exposes:

``NAME: str``
    The `--layout` name.
``detect(src: Path) -> bool``
    A cheap test used by `--layout auto`; it reads no voxel data.
``scan(src: Path, options: ScanOptions) -> Iterator[LesionSource | Skip]``
    Yields one `LesionSource` per lesion, in a deterministic order, all lesions of one exam
    one after another (the engine reads each exam's PET and CT once per run of lesions). A
    lesion that cannot be described (a missing file, a text that is not UTF-8, a row without
    a path) is yielded as a `Skip` with a one-line reason naming it. Scanning reads files
    lists and texts, never voxels: volumes are `VolumeSource`s (a path plus a reader).
``describe(src: Path, options: ScanOptions) -> list[str]`` (optional)
    Lines that `--dry-run` prints (the column mapping in use, the first rows).
``export(job: ExportJob) -> None`` (optional)
    Writes `job.records` of a dataset into `job.output` in this layout, for
    `petar-bench data export` (`importers/_export.py` holds `ExportJob` and its helpers: the
    records grouped by exam, volume loading, the CT on a finer grid on request).

A `VolumeSource` names a reader: "nifti", or "package.module:function" called in a worker as
``function(path, **options) -> LoadedVolume`` (array, affine, notes). The DICOM layout uses
this for series reading and SUV conversion; the labelmap layout for connected components.

Everything after the scan is shared: checks (`petar_bench.volumes._checks`), grids and
overlap, resampling a mask given on the CT grid to the PET grid (nearest neighbour, recorded),
splits, duplicate ids, the consistency report, fingerprints, the atomic manifest and resuming.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from petar_bench.datasets.importers._source import (
    LesionSource,
    LoadedVolume,
    ScanOptions,
    Skip,
    VolumeSource,
    read_volume,
)
from petar_bench.errors import UserError, did_you_mean

# layout name -> the module implementing it (full paths, so renaming a module renames them)
_LAYOUT_MODULES = {
    "folders": "petar_bench.datasets.importers._folders",
    "table": "petar_bench.datasets.importers._table",
    "labelmap": "petar_bench.datasets.importers._labelmap",
    "dicom": "petar_bench.datasets.importers._dicom",
}
LAYOUTS = tuple(_LAYOUT_MODULES)

__all__ = [
    "LAYOUTS",
    "LesionSource",
    "LoadedVolume",
    "ScanOptions",
    "Skip",
    "VolumeSource",
    "detect_layout",
    "layout_module",
    "read_volume",
]


def layout_module(name: str) -> ModuleType:
    """The module implementing layout `name`."""
    if name not in LAYOUTS:
        raise UserError(
            f"unknown layout {name!r}; choose one of: auto, {', '.join(LAYOUTS)}"
            + did_you_mean(name, list(LAYOUTS))
        )
    return importlib.import_module(_LAYOUT_MODULES[name])


def detect_layout(src: Path) -> str:
    """The first layout whose `detect` accepts `src` (tried: table, labelmap, folders, dicom)."""
    for name in ("table", "labelmap", "folders", "dicom"):
        if layout_module(name).detect(src):
            return name
    raise UserError(
        f"could not tell the layout of {str(src)!r} (no lesion folders with pet.nii.gz, no "
        "CSV/Parquet/JSONL table, no labelmap findings table, no DICOM files); give --layout"
    )
