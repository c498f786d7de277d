"""The m3d-ct profile: orientation, [0, 1] range, foreground crop, lesion window."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("monai")

from petar_bench.baselines.lamed._m3d_preprocess import (  # noqa: E402
    lesion_window,
    preprocess_m3d_ct,
    to_display_order,
)
from petar_bench.errors import UserError  # noqa: E402
from petar_bench.volumes._lesion import LesionInput  # noqa: E402


def _lesion(ct, mask, spacing=4.0):
    return LesionInput("s", "FDG", np.zeros_like(ct), ct, mask, np.diag([spacing] * 3 + [1.0]))


def test_display_order_is_z_y_x_with_y_and_z_flipped():
    volume = np.zeros((3, 4, 5))
    volume[0, 0, 4] = 1  # x=0, y=0, top slice
    out = to_display_order(volume)
    assert out.shape == (5, 4, 3)
    assert out[0, 3, 0] == 1  # top slice first, y flipped, x kept


def test_output_is_normalised_and_cropped_to_the_foreground():
    ct = np.full((20, 20, 30), -1000.0, dtype=np.float32)
    ct[5:15, 4:16, 3:27] = 40.0
    mask = np.zeros(ct.shape, bool)
    mask[10, 10, 12] = True
    out = preprocess_m3d_ct(_lesion(ct, mask), size=(8, 16, 16))
    assert out.shape == (1, 8, 16, 16) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    assert np.allclose(out, 1.0)  # the -1000 HU air was cropped away entirely
    flat = preprocess_m3d_ct(_lesion(np.zeros_like(ct), mask), size=(8, 16, 16))
    assert np.all(flat == 0)  # a constant volume has no foreground and is not cropped


def test_lesion_window_is_240_mm_each_side():
    ct = np.zeros((4, 4, 200), np.float32)
    mask = np.zeros(ct.shape, bool)
    mask[1, 1, 100:104] = True
    window = lesion_window(_lesion(ct, mask, spacing=4.0))
    assert (window.start, window.stop) == (101 - 60, 101 + 61)
    with pytest.raises(UserError, match="crop 'ring'"):
        preprocess_m3d_ct(_lesion(ct, mask), size=(8, 16, 16), crop="ring")
