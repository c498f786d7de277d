"""Pixel checks of the tri-planar lesion views on small synthetic volumes."""

from __future__ import annotations

import io

import numpy as np
import pytest

from petar_bench.errors import UserError
from petar_bench.volumes.views import (
    ViewRecipe,
    encode_png,
    lesion_centre,
    montage,
    png_data_url,
    render_views,
    write_png,
)

SHAPE = (40, 44, 30)  # x (toward the patient's right), y (anterior), z (head)
SPACING = (2.0, 2.0, 4.0)  # anisotropic on purpose
CENTRE = (20, 22, 15)


def _affine(spacing=SPACING) -> np.ndarray:
    return np.diag([*spacing, 1.0])


def _volumes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pet = np.full(SHAPE, 1.0, dtype=np.float32)
    ct = np.full(SHAPE, 40.0, dtype=np.float32)
    mask = np.zeros(SHAPE, dtype=bool)
    return pet, ct, mask


# 1 mm per pixel (fov 64 mm over 64 px) so voxel offsets map to whole pixels.
ONE_MM = dict(size_px=64, fov_mm=64.0, context_mm=0.0)


def _by_plane(views):
    return {view.plane: view.rgb for view in views}


def _argmax2d(image: np.ndarray) -> tuple[int, int]:
    row, col = np.unravel_index(int(np.argmax(image)), image.shape)
    return int(row), int(col)


def test_hottest_pixel_lands_where_the_hottest_voxel_is():
    """Centroid-centred views: a hot voxel off-centre shows up at the right offset."""
    pet, ct, mask = _volumes()
    mask[16:25, 18:27, 12:19] = True  # centroid (20, 22, 15)
    pet[mask] = 4.0
    dx, dy, dz = 3, -2, 2  # voxels toward the right, the back, the head
    # One hot voxel in each slice through the centroid.
    pet[20 + dx, 22 + dy, 15] = 9.0  # axial slice z = 15
    pet[20 + dx, 22, 15 + dz] = 8.0  # coronal slice y = 22
    pet[20, 22 + dy, 15 + dz] = 7.0  # sagittal slice x = 20
    recipe = ViewRecipe(layout="pet", centre="centroid", suv_window=(0.0, 10.0), **ONE_MM)
    views = render_views(pet, ct, mask, _affine(), recipe)
    assert views[0].centre_voxel == CENTRE
    brightness = {v.plane: v.rgb.astype(int).sum(axis=2) for v in views}
    mid = 32
    right, front, head = dx * SPACING[0], dy * SPACING[1], dz * SPACING[2]  # mm = pixels
    # Axial: patient's right on the image left, anterior at the top.
    assert _argmax2d(brightness["axial"]) == (mid - front, mid - right)
    # Coronal: head at the top, patient's right on the image left.
    assert _argmax2d(brightness["coronal"]) == (mid - head, mid - right)
    # Sagittal: head at the top, anterior on the image left.
    assert _argmax2d(brightness["sagittal"]) == (mid - head, mid - front)


def test_suvmax_centre_puts_the_hottest_voxel_in_the_middle_of_every_plane():
    pet, ct, mask = _volumes()
    mask[10:20, 30:36, 5:9] = True
    pet[mask] = 3.0
    pet[12, 33, 7] = 8.5
    pet[30, 10, 20] = 50.0  # hotter, but outside the lesion: not the centre
    assert lesion_centre(pet, mask, "suvmax") == (12, 33, 7)
    recipe = ViewRecipe(layout="pet", **ONE_MM)
    for view in render_views(pet, ct, mask, _affine(), recipe):
        assert view.centre_voxel == (12, 33, 7)
        assert _argmax2d(view.rgb.astype(int).sum(axis=2)) == (32, 32), view.plane


def _ct_with_halves() -> np.ndarray:
    """Bone (1000 HU) in the patient's right, anterior and superior halves: 3 bits per voxel."""
    x, y, z = np.meshgrid(*(np.arange(n) for n in SHAPE), indexing="ij")
    return np.stack([x > CENTRE[0], y > CENTRE[1], z > CENTRE[2]])


def _bright_halves(image: np.ndarray) -> dict[str, bool]:
    grey = image[..., 0].astype(int)
    h, w = grey.shape
    return {
        "top": bool(grey[: h // 2 - 2].mean() > grey[h // 2 + 2 :].mean()),
        "left": bool(grey[:, : w // 2 - 2].mean() > grey[:, w // 2 + 2 :].mean()),
    }


@pytest.mark.parametrize(
    ("half", "expected"),
    [
        # Right half bright: radiological display puts it on the image left (axial, coronal).
        (0, {"axial": {"left": True}, "coronal": {"left": True}}),
        # Anterior half bright: top of the axial view, left of the sagittal view.
        (1, {"axial": {"top": True}, "sagittal": {"left": True}}),
        # Superior half bright: top of the coronal and sagittal views.
        (2, {"coronal": {"top": True}, "sagittal": {"top": True}}),
    ],
)
def test_orientation_right_anterior_superior(half, expected):
    pet, _, mask = _volumes()
    mask[CENTRE] = True
    ct = np.where(_ct_with_halves()[half], 1000.0, -100.0).astype(np.float32)
    recipe = ViewRecipe(layout="ct", size_px=48, fov_mm=48.0)
    images = _by_plane(render_views(pet, ct, mask, _affine(), recipe))
    for plane, sides in expected.items():
        found = _bright_halves(images[plane])
        for side, value in sides.items():
            assert found[side] is value, (plane, side)


def test_flipped_and_permuted_grids_give_the_same_pictures():
    pet, ct, mask = _volumes()
    mask[16:22, 20:25, 13:17] = True
    rng = np.random.default_rng(0)
    pet[:] = rng.random(SHAPE) * 6
    ct[:] = rng.normal(0, 200, SHAPE)
    recipe = ViewRecipe(size_px=40, fov_mm=50.0, overlay="contour")
    reference = render_views(pet, ct, mask, _affine(), recipe)

    # Same patient stored with x running toward the left (LAS) and axes in (z, x, y) order.
    flip = np.diag([-1.0, 1.0, 1.0, 1.0]) @ _affine()
    flipped = [a[::-1] for a in (pet, ct, mask)]
    order = (2, 0, 1)
    permuted = [np.transpose(a, order) for a in flipped]
    affine = np.eye(4)
    affine[:3, :3] = flip[:3, :3][:, list(order)]
    again = render_views(*permuted, affine, recipe)
    for one, other in zip(reference, again, strict=True):
        np.testing.assert_array_equal(one.rgb, other.rgb)
    # The centre is reported in the stored arrays' own index order.
    x, y, z = reference[0].centre_voxel
    assert again[0].centre_voxel == (z, SHAPE[0] - 1 - x, y)


def test_display_spacing_is_isotropic_for_anisotropic_voxels():
    """A 20 mm ball in 2 x 2 x 4 mm voxels is as tall as it is wide in the coronal view."""
    pet, ct, mask = _volumes()
    x, y, z = np.meshgrid(
        *(np.arange(n) * s for n, s in zip(SHAPE, SPACING, strict=True)), indexing="ij"
    )
    centre_mm = [c * s for c, s in zip(CENTRE, SPACING, strict=True)]
    mask[:] = (x - centre_mm[0]) ** 2 + (y - centre_mm[1]) ** 2 + (z - centre_mm[2]) ** 2 <= 100
    pet[mask] = 5.0
    recipe = ViewRecipe(
        layout="ct", overlay="box", centre="centroid", box_margin_px=0, line_px=1, **ONE_MM
    )
    views = _by_plane(render_views(pet, ct, mask, _affine(), recipe))
    for plane in ("coronal", "sagittal"):
        green = np.all(views[plane] == (0, 255, 0), axis=-1)
        rows, cols = np.nonzero(green)
        height, width = rows.max() - rows.min(), cols.max() - cols.min()
        # Voxel-sized steps: within one voxel (4 mm) of square, far from the 2x squash.
        assert abs(height - width) <= 4, (plane, height, width)
        assert 16 <= width <= 24


def _expected_display_mask(mask: np.ndarray, size: int, plane: str) -> np.ndarray:
    """Nearest-voxel mask of a plane at 1 mm per pixel, written out pixel by pixel."""
    out = np.zeros((size, size), dtype=bool)
    for r in range(size):
        for c in range(size):
            dr, dc = r - size // 2, c - size // 2
            # Image rows run downward (-z or -y); columns run toward -x (or -y, sagittal).
            if plane == "axial":
                voxel = (CENTRE[0] - dc / SPACING[0], CENTRE[1] - dr / SPACING[1], CENTRE[2])
            elif plane == "coronal":
                voxel = (CENTRE[0] - dc / SPACING[0], CENTRE[1], CENTRE[2] - dr / SPACING[2])
            else:
                voxel = (CENTRE[0], CENTRE[1] - dc / SPACING[1], CENTRE[2] - dr / SPACING[2])
            index = tuple(int(np.floor(v + 0.5)) for v in voxel)
            if all(0 <= i < n for i, n in zip(index, SHAPE, strict=True)):
                out[r, c] = mask[index]
    return out


@pytest.mark.parametrize("plane", ["axial", "coronal", "sagittal"])
def test_contour_pixels_are_exactly_the_mask_boundary(plane):
    pet, ct, mask = _volumes()
    mask[15:24, 19:24, 13:18] = True
    mask[15:18, 24:27, 15] = True  # an irregular bump
    pet[CENTRE] = 6.0
    pet[mask] = np.maximum(pet[mask], 2.0)
    recipe = ViewRecipe(layout="ct", overlay="contour", planes=(plane,), **ONE_MM)
    (view,) = render_views(pet, ct, mask, _affine(), recipe)
    assert view.centre_voxel == CENTRE
    shown = _expected_display_mask(mask, 64, plane)
    boundary = np.zeros_like(shown)
    for r, c in zip(*np.nonzero(shown), strict=True):
        neighbours = [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)]
        boundary[r, c] = any(
            not (0 <= rr < 64 and 0 <= cc < 64) or not shown[rr, cc] for rr, cc in neighbours
        )
    green = np.all(view.rgb == (0, 255, 0), axis=-1)
    assert boundary.sum() > 10
    np.testing.assert_array_equal(green, boundary)
    # Inside the contour the CT grey is untouched (40 HU at W400/L40 = 50% grey).
    assert np.all(view.rgb[shown & ~boundary] == 128)


def test_box_overlay_encloses_the_lesion_with_margin():
    pet, ct, mask = _volumes()
    mask[18:23, 20:25, 14:17] = True
    pet[mask] = 3.0
    pet[CENTRE] = 7.0
    recipe = ViewRecipe(layout="ct", overlay="box", box_margin_px=3, line_px=1, **ONE_MM)
    for view in render_views(pet, ct, mask, _affine(), recipe):
        green = np.all(view.rgb == (0, 255, 0), axis=-1)
        rows, cols = np.nonzero(green)
        grey_inside = view.rgb[rows.min() + 1 : rows.max(), cols.min() + 1 : cols.max()]
        assert np.all(grey_inside == 128)  # the box does not cover the lesion
        # Lesion half-width in voxels -> mm -> px, plus margin: the box is that far out.
        assert rows.max() - rows.min() >= 8


def test_fused_cold_tissue_is_plain_ct_and_hot_tissue_is_coloured():
    pet, ct, mask = _volumes()
    pet[:] = 0.0
    mask[19:22, 21:24, 14:17] = True
    pet[mask] = 10.0
    (view,) = render_views(pet, ct, mask, _affine(), ViewRecipe(planes=("axial",), **ONE_MM))
    assert tuple(view.rgb[0, 0]) == (128, 128, 128)
    red, green, blue = (int(v) for v in view.rgb[32, 32])
    # 70% "hot" white over 50% grey.
    assert (red, green, blue) == (217, 217, 217)
    pet[mask] = 10.0 / 3  # a third of the window: pure red in "hot"
    (view,) = render_views(pet, ct, mask, _affine(), ViewRecipe(planes=("axial",), **ONE_MM))
    red, green, blue = (int(v) for v in view.rgb[32, 32])
    assert red > green == blue


def test_side_by_side_and_montage_shapes_and_outside_is_air():
    pet, ct, mask = _volumes()
    mask[1:3, 1:3, 1:3] = True  # at the edge: the crop reaches outside the volume
    recipe = ViewRecipe(layout="side_by_side", size_px=32, fov_mm=64.0, gap_px=2)
    views = render_views(pet, ct, mask, _affine(), recipe)
    assert [v.rgb.shape for v in views] == [(32, 66, 3)] * 3
    # Axial CT panel, bottom right: behind and left of the volume, shown as air (-1000 HU).
    assert tuple(views[0].rgb[-1, 31]) == (0, 0, 0)
    assert tuple(views[0].rgb[0, 0]) == (128, 128, 128)
    assert montage(views, gap_px=4).shape == (32, 66 * 3 + 8, 3)


def test_field_of_view_widens_to_fit_a_large_lesion():
    pet, ct, mask = _volumes()
    mask[5:35, 20:24, 14:16] = True  # 60 mm wide
    recipe = ViewRecipe(size_px=64, fov_mm=40.0, context_mm=10.0)
    (view, *_) = render_views(pet, ct, mask, _affine(), recipe)
    assert view.pixel_mm * 64 >= 60 + 20


def test_png_round_trip_and_determinism(tmp_path):
    from PIL import Image

    pet, ct, mask = _volumes()
    mask[18:22, 20:24, 14:16] = True
    pet[mask] = 6.0
    views = render_views(pet, ct, mask, _affine(), ViewRecipe(size_px=24, fov_mm=48.0))
    data = encode_png(views[1].rgb)
    decoded = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    np.testing.assert_array_equal(decoded, views[1].rgb)
    again = render_views(pet, ct, mask, _affine(), ViewRecipe(size_px=24, fov_mm=48.0))
    assert again[1].png() == data
    assert png_data_url(views[1].rgb).startswith("data:image/png;base64,iVBORw0KGgo")
    path = write_png(tmp_path / "sub" / "view.png", views[0].rgb)
    assert path.read_bytes() == encode_png(views[0].rgb)


def test_recipe_checks_and_round_trip():
    recipe = ViewRecipe(layout="side_by_side", overlay="box", planes=("axial",))
    assert ViewRecipe.from_dict(recipe.as_dict()) == recipe
    assert recipe.replace(size_px=100).size_px == 100
    with pytest.raises(UserError, match="layout='overlay'"):
        ViewRecipe(layout="overlay")
    with pytest.raises(UserError, match="planes='transverse'"):
        ViewRecipe(planes=("transverse",))
    with pytest.raises(UserError, match="unknown setting"):
        ViewRecipe.from_dict({"colour": "red"})
    with pytest.raises(UserError, match="suv_window"):
        ViewRecipe(suv_window=(5.0, 1.0))
    with pytest.raises(UserError, match="list of names"):
        ViewRecipe(planes="axial")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="line_px"):
        ViewRecipe(line_px=0)


def test_empty_mask_and_bad_shapes_are_user_errors():
    pet, ct, mask = _volumes()
    with pytest.raises(UserError, match="mask is empty"):
        render_views(pet, ct, mask, _affine())
    with pytest.raises(UserError, match="same grid"):
        render_views(pet, ct[:-1], mask, _affine())
