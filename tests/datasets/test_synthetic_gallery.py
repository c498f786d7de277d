"""The synthetic-data gallery script: images per tracer and protocol, a page block that links
them, the same bytes on a rerun, and radiological orientation."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "make_synthetic_gallery.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_synthetic_gallery", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_gallery_on_a_small_dataset(small_dataset, tmp_path: Path) -> None:
    from PIL import Image

    root, manifest = small_dataset
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(REPO / "docs" / "synthetic-data.md", docs / "synthetic-data.md")
    module = _script()
    args = ["--dataset", str(root), "--docs", str(docs), "--patients", "5"]
    module.main(args)
    page = (docs / "synthetic-data.md").read_text(encoding="utf-8")
    assert page.count(module.START) == 1 and page.count(module.END) == 1
    links = re.findall(r"\]\((images/synthetic/[^)]+\.png)\)", page)
    tracers = {r.tracer for r in manifest.records}
    assert {f"images/synthetic/tracer-{t}.png" for t in tracers} <= set(links)
    assert "images/synthetic/gallery.png" in links
    assert "images/synthetic/protocol-1.png" in links
    drawn = sorted((docs / "images" / "synthetic").glob("*.png"))
    assert sorted(docs / link for link in links) == drawn
    for path in drawn:
        image = np.asarray(Image.open(path).convert("L"))
        assert image.std() > 10  # not a blank canvas
    first = {p.name: p.read_bytes() for p in drawn}
    module.main(args)
    assert (docs / "synthetic-data.md").read_text(encoding="utf-8") == page
    assert {p.name: p.read_bytes() for p in drawn} == first


def test_views_are_radiological() -> None:
    module = _script()
    volume = np.zeros((5, 4, 6))  # (i: toward the right, j: anterior, k: head)
    volume[4, 0, 5] = 1.0  # most right, most posterior, most cranial
    coronal = module._coronal(volume[:, 0, :])
    assert coronal.shape == (6, 5) and coronal[0, 0] == 1.0  # top row, left column
    axial = module._axial(volume[:, :, 5])
    assert axial.shape == (4, 5) and axial[-1, 0] == 1.0  # bottom row (posterior), left
