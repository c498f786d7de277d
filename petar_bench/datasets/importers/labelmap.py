"""The `labelmap` layout (see the package docstring for the protocol)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from petar_bench.datasets.importers.source import LesionSource, ScanOptions, Skip
from petar_bench.errors import UserError

NAME = "labelmap"


def detect(src: Path) -> bool:
    return False


def scan(src: Path, options: ScanOptions) -> Iterator[LesionSource | Skip]:
    raise UserError("the labelmap layout is not implemented yet")
    yield
