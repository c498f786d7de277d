"""PETAR-Bench: benchmark and evaluation suite for 3D PET/CT lesion-findings generation."""

from petar_bench.errors import UserError
from petar_bench.records import LesionRecord, Manifest, StructuredFinding

__version__ = "0.1.0"

__all__ = ["LesionRecord", "Manifest", "StructuredFinding", "UserError", "__version__"]
