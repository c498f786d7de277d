"""The `dicom` layout: PET and CT DICOM series per exam, masks as NIfTI, DICOM SEG or RTSTRUCT.

The implementation lives in `petar_bench.datasets.dicom` (series reading, SUV conversion, SEG
and RTSTRUCT masks, the DICOM exporter). That package exposes the layout protocol of
`petar_bench.datasets.importers` (`detect`, `scan`, optionally `describe`) and `export`; this
module only forwards to it, so the importer engine treats DICOM like any other layout.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from petar_bench.datasets.importers._source import LesionSource, ScanOptions, Skip
from petar_bench.errors import UserError

NAME = "dicom"
BACKEND = "petar_bench.datasets.dicom"


def backend(*, required: bool = True) -> ModuleType | None:
    """The DICOM package; when this installation lacks it: None, or (required) a one-line
    UserError."""
    try:
        return importlib.import_module(BACKEND)
    except ModuleNotFoundError as exc:
        if exc.name != BACKEND:
            raise  # the package exists but something it imports is missing: a real bug or extra
        if not required:
            return None
        raise UserError(
            "the dicom layout is not available in this version of petar-bench "
            "(petar_bench.datasets.dicom is missing); convert to NIfTI and use --layout folders "
            "or table"
        ) from None


def detect(src: Path) -> bool:
    module = backend(required=False)
    return bool(module is not None and module.detect(src))


def scan(src: Path, options: ScanOptions) -> Iterator[LesionSource | Skip]:
    module = backend()
    assert module is not None
    yield from module.scan(src, options)


def describe(src: Path, options: ScanOptions) -> list[str]:
    module = backend()
    assert module is not None
    describe_fn: Any = getattr(module, "describe", None)
    return list(describe_fn(src, options)) if describe_fn else []


def export(job: Any) -> None:
    """`petar-bench data export --layout dicom`: forwarded to the DICOM package."""
    module = backend()
    assert module is not None
    module.export(job)
