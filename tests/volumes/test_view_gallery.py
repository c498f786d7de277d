"""The docs gallery script draws every recipe and writes a page that links existing PNGs."""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_view_gallery.py"


def test_gallery_script_on_the_demo(demo_dataset, tmp_path):
    from PIL import Image

    spec = importlib.util.spec_from_file_location("make_view_gallery", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--docs", str(tmp_path), "--lesions", "2", "--size", "32"])

    page = (tmp_path / "views.md").read_text()
    links = re.findall(r"\]\((images/views/[^)]+\.png)\)", page)
    assert len(links) == 2 * len(module.RECIPES)
    for link in links:
        image = np.asarray(Image.open(io.BytesIO((tmp_path / link).read_bytes())))
        assert image.dtype == np.uint8 and image.shape[2] == 3
        assert image.max() > 0  # something was drawn
    vip = [link for link in links if link.endswith("-vip.png")]
    assert np.asarray(Image.open(tmp_path / vip[0])).shape[:2] == (64, 64)  # 2 x 2 grid
