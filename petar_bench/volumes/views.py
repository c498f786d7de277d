"""Tri-planar lesion views: PET/CT arrays in, deterministic RGB images and PNG bytes out.

The 2D vision-language baselines of the PETAR paper see three slices through a lesion
(axial, coronal, sagittal). This module makes those slices from plain arrays, with no
model, file or plotting library involved, so the same pictures feed the 2D adapters, the
visual report and the reader-study packets.

Public API (stable):

- `ViewRecipe`: frozen dataclass, everything that changes the pixels (planes, centre,
  layout, windows, overlay, crop, size); `ViewRecipe.as_dict()` goes into run keys, with
  `VIEWS_VERSION` (bumped whenever the same recipe would give other pixels).
- `LesionView`: one rendered plane (`plane`, `rgb` uint8 array (H, W, 3), `pixel_mm`,
  `centre_voxel`).
- `lesion_centre(pet, mask, mode)`: the voxel the slices pass through.
- `render_views(pet, ct, mask, affine, recipe)`: one `LesionView` per recipe plane.
- `render_lesion(lesion, recipe)`: the same for a `LesionInput`.
- `montage(views, gap_px)`: the views side by side in one RGB array.
- `encode_png(rgb)`, `png_data_url(rgb)`, `write_png(path, rgb)`: PNG without extra
  dependencies (zlib + struct), byte-identical for identical arrays.

Conventions (documented in docs/models.md as well):

- Orientation: arrays are first reordered to RAS by the affine (nearest axes; an oblique
  affine is displayed as if it were not oblique). Radiological display: axial and coronal
  show the patient's right on the image's left; axial has anterior at the top; coronal and
  sagittal have the head at the top; sagittal has anterior on the left.
- Spacing: every image is sampled on a square grid in millimetres (isotropic display
  spacing), so a 3 x 3 x 5 mm volume gives a coronal view with true proportions. The
  slice itself is the voxel plane through the centre (no interpolation across slices); in
  plane, PET and CT are interpolated bilinearly and the mask by nearest neighbour.
- Crop: a square field of view centred on the centre voxel, `fov_mm` wide, widened when
  the lesion plus `context_mm` on each side would not fit. Outside the volume PET is 0 SUV
  and CT -1000 HU (air).
- Windows: PET from `suv_window` (default 0-10 SUV, a usual whole-body display window:
  anything hotter saturates) through the "hot" colour map (black, red, yellow, white) or
  inverted grey; CT soft tissue W400/L40 (-160 to 240 HU) in grey.
- Fused: CT grey with PET colour blended in, opacity `pet_alpha` x windowed SUV, so cold
  tissue shows plain CT. Side by side: CT on the left, PET on the right, per plane.
- Overlay (for prompt-aware models): "contour" colours the 1-pixel inner boundary of the
  displayed mask (mask pixels with a 4-neighbour outside it); "box" draws the bounding box
  of the displayed mask, `box_margin_px` larger, `line_px` thick.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from petar_bench.errors import UserError
from petar_bench.jsontypes import JsonObject

if TYPE_CHECKING:
    from petar_bench.volumes._lesion import LesionInput

# Bump when the pixels a recipe gives change (adapters put it in their run keys).
VIEWS_VERSION = 1
PLANES: tuple[str, ...] = ("axial", "coronal", "sagittal")
CENTRES = ("suvmax", "centroid")
LAYOUTS = ("fused", "side_by_side", "pet", "ct")
OVERLAYS = ("none", "contour", "box")
PET_COLORMAPS = ("hot", "gray_inverted")

CT_AIR_HU = -1000.0

# Per plane: (fixed RAS axis, row axis, row direction, column axis, column direction).
# Direction -1 means "moving down / right in the image goes toward lower RAS coordinates":
# rows run anterior->posterior (axial) or superior->inferior; columns run from the
# patient's right to left (axial, coronal) or anterior->posterior (sagittal).
_PLANE_AXES: dict[str, tuple[int, int, int, int, int]] = {
    "axial": (2, 1, -1, 0, -1),
    "coronal": (1, 2, -1, 0, -1),
    "sagittal": (0, 2, -1, 1, -1),
}


@dataclass(frozen=True)
class ViewRecipe:
    """How lesion views are drawn; every field changes pixels, so all go into run keys."""

    planes: tuple[str, ...] = PLANES
    centre: str = "suvmax"  # "suvmax": hottest lesion voxel; "centroid": mask centre
    layout: str = "fused"  # "fused", "side_by_side", "pet" or "ct"
    overlay: str = "none"  # "none", "contour" or "box"
    size_px: int = 448  # side of each square panel
    fov_mm: float = 160.0  # field of view, widened to fit the lesion plus context
    context_mm: float = 30.0  # minimum margin around the lesion
    suv_window: tuple[float, float] = (0.0, 10.0)
    ct_window: tuple[float, float] = (400.0, 40.0)  # (width, level) in HU
    pet_colormap: str = "hot"
    pet_alpha: float = 0.7  # opacity of PET at the top of its window (fused layout)
    overlay_rgb: tuple[int, int, int] = (0, 255, 0)
    box_margin_px: int = 4
    line_px: int = 2
    gap_px: int = 0  # gap between CT and PET panels in the side-by-side layout

    def __post_init__(self) -> None:
        if isinstance(self.planes, str):
            raise UserError(f"view recipe: planes must be a list of names, not {self.planes!r}")
        _check_choice("planes", self.planes, PLANES, many=True)
        _check_choice("centre", self.centre, CENTRES)
        _check_choice("layout", self.layout, LAYOUTS)
        _check_choice("overlay", self.overlay, OVERLAYS)
        _check_choice("pet_colormap", self.pet_colormap, PET_COLORMAPS)
        if not self.planes:
            raise UserError("view recipe: planes is empty; give at least one of " + str(PLANES))
        if self.size_px < 8 or self.fov_mm <= 0 or self.context_mm < 0:
            raise UserError(
                f"view recipe: size_px={self.size_px}, fov_mm={self.fov_mm}, "
                f"context_mm={self.context_mm}; need size_px >= 8, fov_mm > 0, context_mm >= 0"
            )
        low, high = self.suv_window
        if not high > low:
            raise UserError(f"view recipe: suv_window {self.suv_window} must be (low, high)")
        if self.ct_window[0] <= 0:
            raise UserError(f"view recipe: ct_window width {self.ct_window[0]} must be > 0")
        if self.line_px < 1 or self.box_margin_px < 0 or self.gap_px < 0:
            raise UserError(
                f"view recipe: line_px={self.line_px}, box_margin_px={self.box_margin_px}, "
                f"gap_px={self.gap_px}; need line_px >= 1 and the others >= 0"
            )
        if not 0.0 <= self.pet_alpha <= 1.0:
            raise UserError(f"view recipe: pet_alpha {self.pet_alpha} must be in [0, 1]")

    def as_dict(self) -> JsonObject:
        """Plain JSON-able settings (for run keys and adapter cards)."""
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ViewRecipe:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserError(f"view recipe: unknown setting(s) {unknown}; known: {sorted(known)}")
        values: dict[str, Any] = {  # checked by __post_init__
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items()
        }
        return cls(**values)

    def replace(self, **changes: object) -> ViewRecipe:
        return ViewRecipe.from_dict({**self.as_dict(), **changes})


def _check_choice(name: str, value: Any, allowed: tuple[str, ...], *, many: bool = False) -> None:
    values = value if many else (value,)
    for item in values:
        if item not in allowed:
            raise UserError(f"view recipe: {name}={item!r} is not one of {list(allowed)}")


@dataclass(frozen=True, eq=False)
class LesionView:
    """One rendered plane."""

    plane: str
    rgb: np.ndarray  # uint8, (H, W, 3)
    pixel_mm: float  # display spacing (both directions)
    centre_voxel: tuple[int, int, int]  # in the input array's own index order

    def png(self) -> bytes:
        return encode_png(self.rgb)


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class _RasGrid:
    """How the input arrays map onto RAS-ordered arrays."""

    order: tuple[int, int, int]  # input axis feeding RAS axis 0, 1, 2
    flip: tuple[bool, bool, bool]  # per RAS axis: input runs toward lower RAS coordinates
    spacing: tuple[float, float, float]  # mm per voxel along RAS axes 0, 1, 2

    @classmethod
    def from_affine(cls, affine: np.ndarray) -> _RasGrid:
        linear = np.asarray(affine, dtype=np.float64)[:3, :3]
        if not np.all(np.isfinite(linear)) or abs(np.linalg.det(linear)) < 1e-12:
            raise UserError("lesion views: the affine is singular or not finite")
        order = [-1, -1, -1]
        flip = [False, False, False]
        spacing = [0.0, 0.0, 0.0]
        # Assign the most dominant voxel/world pairs first, so oblique grids stay unique.
        strengths = np.abs(linear)
        for _ in range(3):
            world, voxel = np.unravel_index(int(np.argmax(strengths)), (3, 3))
            order[world] = int(voxel)
            flip[world] = bool(linear[world, voxel] < 0)
            spacing[world] = float(np.linalg.norm(linear[:, voxel]))
            strengths[world, :] = -1.0
            strengths[:, voxel] = -1.0
        return cls(tuple(order), tuple(flip), tuple(spacing))  # type: ignore[arg-type]

    def to_ras(self, volume: np.ndarray) -> np.ndarray:
        out = np.transpose(volume, self.order)
        for axis, flipped in enumerate(self.flip):
            if flipped:
                out = np.flip(out, axis=axis)
        return out

    def index_to_input(self, ras_index: tuple[int, ...], shape: tuple[int, ...]) -> tuple:
        result = [0, 0, 0]
        for axis, value in enumerate(ras_index):
            source = self.order[axis]
            result[source] = shape[source] - 1 - value if self.flip[axis] else value
        return tuple(int(v) for v in result)


def lesion_centre(pet: np.ndarray, mask: np.ndarray, mode: str = "suvmax") -> tuple[int, int, int]:
    """The voxel the three slices pass through, in the arrays' own index order.

    "suvmax": the hottest PET voxel inside the mask (the first in C order on ties);
    "centroid": the mask's centre of mass, rounded to the nearest voxel.
    """
    _check_choice("centre", mode, CENTRES)
    inside = np.asarray(mask, dtype=bool)
    if inside.shape != pet.shape:
        raise UserError(f"lesion views: mask shape {inside.shape} != PET shape {pet.shape}")
    if not inside.any():
        raise UserError("lesion views: the mask is empty; a view needs at least one voxel")
    points = np.argwhere(inside)
    if mode == "suvmax":
        values = np.asarray(pet)[inside]
        best = points[int(np.argmax(values))]
    else:
        best = np.rint(points.mean(axis=0)).astype(int)
    return (int(best[0]), int(best[1]), int(best[2]))


def _interp_matrix(coords: np.ndarray, n: int, *, nearest: bool) -> np.ndarray:
    """Weights (len(coords), n) sampling a 1D signal at fractional indices; 0 outside."""
    weights = np.zeros((coords.size, n), dtype=np.float64)
    rows = np.arange(coords.size)
    inside = (coords >= -1e-9) & (coords <= n - 1 + 1e-9)
    c = np.clip(coords, 0, n - 1)
    if nearest:
        weights[rows[inside], np.floor(c[inside] + 0.5).astype(int)] = 1.0
        return weights
    low = np.floor(c).astype(int)
    high = np.minimum(low + 1, n - 1)
    frac = c - low
    weights[rows[inside], low[inside]] += 1.0 - frac[inside]
    weights[rows[inside], high[inside]] += frac[inside]
    return weights


@dataclass(frozen=True)
class _Panel:
    """Float images of one plane, before colouring."""

    pet: np.ndarray
    ct: np.ndarray
    mask: np.ndarray


def _sample_plane(
    volumes: tuple[np.ndarray, np.ndarray, np.ndarray],
    centre: tuple[int, int, int],
    spacing: tuple[float, float, float],
    plane: str,
    size: int,
    pixel_mm: float,
) -> _Panel:
    fixed, row_axis, row_dir, col_axis, col_dir = _PLANE_AXES[plane]
    # The middle pixel (size // 2) lands exactly on the centre voxel.
    offsets_mm = (np.arange(size) - size // 2) * pixel_mm
    row_coords = centre[row_axis] + row_dir * offsets_mm / spacing[row_axis]
    col_coords = centre[col_axis] + col_dir * offsets_mm / spacing[col_axis]
    shape = volumes[0].shape
    images = []
    for volume, nearest, outside in zip(
        volumes, (False, False, True), (0.0, CT_AIR_HU, 0.0), strict=True
    ):
        section = np.take(volume, centre[fixed], axis=fixed).astype(np.float64)
        if row_axis > col_axis:  # np.take keeps the remaining axes in ascending order
            section = section.T
        w_rows = _interp_matrix(row_coords, shape[row_axis], nearest=nearest)
        w_cols = _interp_matrix(col_coords, shape[col_axis], nearest=nearest)
        image = w_rows @ section @ w_cols.T
        covered = np.outer(w_rows.sum(axis=1), w_cols.sum(axis=1)) > 0.5
        images.append(np.where(covered, image, outside))
    return _Panel(pet=images[0], ct=images[1], mask=images[2] > 0.5)


def _field_of_view_mm(
    mask_ras: np.ndarray,
    centre: tuple[int, int, int],
    spacing: tuple[float, float, float],
    recipe: ViewRecipe,
) -> float:
    """Square FOV side: fov_mm, or wider so the whole lesion plus context fits every plane."""
    points = np.argwhere(mask_ras)
    reach = np.abs(points - np.asarray(centre)).max(axis=0) + 0.5
    reach_mm = float((reach * np.asarray(spacing)).max())
    return max(recipe.fov_mm, 2.0 * (reach_mm + recipe.context_mm))


# --------------------------------------------------------------------------- colour


def _window(values: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.clip((values - low) / (high - low), 0.0, 1.0)


def _hot(t: np.ndarray) -> np.ndarray:
    """Black -> red -> yellow -> white, piecewise linear (like matplotlib's "hot")."""
    return np.stack(
        [np.clip(3 * t, 0, 1), np.clip(3 * t - 1, 0, 1), np.clip(3 * t - 2, 0, 1)], axis=-1
    )


def _to_uint8(rgb: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def _ct_rgb(ct: np.ndarray, recipe: ViewRecipe) -> np.ndarray:
    width, level = recipe.ct_window
    grey = _window(ct, level - width / 2.0, level + width / 2.0)
    return np.repeat(grey[..., None], 3, axis=-1)


def _pet_t(pet: np.ndarray, recipe: ViewRecipe) -> np.ndarray:
    return _window(pet, *recipe.suv_window)


def _pet_rgb(pet: np.ndarray, recipe: ViewRecipe) -> np.ndarray:
    t = _pet_t(pet, recipe)
    if recipe.pet_colormap == "hot":
        return _hot(t)
    return np.repeat((1.0 - t)[..., None], 3, axis=-1)


def _fused_rgb(panel: _Panel, recipe: ViewRecipe) -> np.ndarray:
    alpha = (recipe.pet_alpha * _pet_t(panel.pet, recipe))[..., None]
    return (1.0 - alpha) * _ct_rgb(panel.ct, recipe) + alpha * _pet_rgb(panel.pet, recipe)


def _mask_boundary(mask: np.ndarray) -> np.ndarray:
    """Mask pixels with a 4-neighbour outside the mask (the image border counts as outside)."""
    padded = np.pad(mask, 1, constant_values=False)
    interior = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:] & mask
    return mask & ~interior


def _draw_overlay(rgb: np.ndarray, mask: np.ndarray, recipe: ViewRecipe) -> np.ndarray:
    if recipe.overlay == "none" or not mask.any():
        return rgb
    out = rgb.copy()
    colour = np.asarray(recipe.overlay_rgb, dtype=np.uint8)
    if recipe.overlay == "contour":
        out[_mask_boundary(mask)] = colour
        return out
    rows, cols = np.nonzero(mask)
    h, w = mask.shape
    top = max(int(rows.min()) - recipe.box_margin_px, 0)
    bottom = min(int(rows.max()) + recipe.box_margin_px, h - 1)
    left = max(int(cols.min()) - recipe.box_margin_px, 0)
    right = min(int(cols.max()) + recipe.box_margin_px, w - 1)
    line = recipe.line_px
    out[top : top + line, left : right + 1] = colour
    out[max(bottom - line + 1, 0) : bottom + 1, left : right + 1] = colour
    out[top : bottom + 1, left : left + line] = colour
    out[top : bottom + 1, max(right - line + 1, 0) : right + 1] = colour
    return out


def _compose(panel: _Panel, recipe: ViewRecipe) -> np.ndarray:
    if recipe.layout == "fused":
        return _draw_overlay(_to_uint8(_fused_rgb(panel, recipe)), panel.mask, recipe)
    if recipe.layout == "pet":
        return _draw_overlay(_to_uint8(_pet_rgb(panel.pet, recipe)), panel.mask, recipe)
    ct = _draw_overlay(_to_uint8(_ct_rgb(panel.ct, recipe)), panel.mask, recipe)
    if recipe.layout == "ct":
        return ct
    pet = _draw_overlay(_to_uint8(_pet_rgb(panel.pet, recipe)), panel.mask, recipe)
    gap = np.zeros((ct.shape[0], recipe.gap_px, 3), dtype=np.uint8)
    return np.concatenate([ct, gap, pet], axis=1)


# --------------------------------------------------------------------------- public


def render_views(
    pet: np.ndarray,
    ct: np.ndarray,
    mask: np.ndarray,
    affine: np.ndarray,
    recipe: ViewRecipe | None = None,
) -> tuple[LesionView, ...]:
    """One `LesionView` per plane of `recipe`, all through the same centre voxel."""
    recipe = recipe or ViewRecipe()
    pet = np.asarray(pet)
    if pet.ndim != 3 or np.shape(ct) != pet.shape or np.shape(mask) != pet.shape:
        raise UserError(
            f"lesion views: PET {pet.shape}, CT {np.shape(ct)} and mask {np.shape(mask)} "
            "must be 3D arrays on the same grid"
        )
    grid = _RasGrid.from_affine(affine)
    volumes = (grid.to_ras(pet), grid.to_ras(np.asarray(ct)), grid.to_ras(np.asarray(mask) > 0))
    centre = lesion_centre(volumes[0], volumes[2], recipe.centre)
    fov = _field_of_view_mm(volumes[2], centre, grid.spacing, recipe)
    pixel_mm = fov / recipe.size_px
    centre_input = grid.index_to_input(centre, pet.shape)
    views = []
    for plane in recipe.planes:
        panel = _sample_plane(volumes, centre, grid.spacing, plane, recipe.size_px, pixel_mm)
        views.append(LesionView(plane, _compose(panel, recipe), pixel_mm, centre_input))
    return tuple(views)


def render_lesion(lesion: LesionInput, recipe: ViewRecipe | None = None) -> tuple[LesionView, ...]:
    """`render_views` for what a model sees (a `LesionInput`)."""
    return render_views(lesion.pet, lesion.ct, lesion.mask, lesion.affine, recipe)


def montage(views: tuple[LesionView, ...] | list[LesionView], gap_px: int = 0) -> np.ndarray:
    """The views left to right in one RGB array (black gaps of `gap_px`)."""
    if not views:
        raise UserError("montage: no views given")
    height = max(v.rgb.shape[0] for v in views)
    parts: list[np.ndarray] = []
    for index, view in enumerate(views):
        if index and gap_px:
            parts.append(np.zeros((height, gap_px, 3), dtype=np.uint8))
        pad = height - view.rgb.shape[0]
        parts.append(np.pad(view.rgb, ((0, pad), (0, 0), (0, 0))))
    return np.concatenate(parts, axis=1)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def encode_png(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of a (H, W, 3) uint8 array; same array, same bytes."""
    array = np.asarray(rgb)
    if array.ndim != 3 or array.shape[2] != 3 or array.dtype != np.uint8:
        raise UserError(
            f"encode_png: need a (H, W, 3) uint8 array, got {array.shape} {array.dtype}"
        )
    height, width = array.shape[:2]
    # Filter type 0 ("none") on every row: simple and deterministic.
    raw = np.concatenate(
        [np.zeros((height, 1), dtype=np.uint8), array.reshape(height, width * 3)], axis=1
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)),
            _png_chunk(b"IEND", b""),
        ]
    )


def png_data_url(rgb: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URL (the form OpenAI-compatible servers accept)."""
    return "data:image/png;base64," + base64.b64encode(encode_png(rgb)).decode("ascii")


def write_png(path: Path, rgb: np.ndarray) -> Path:
    """Write a PNG atomically (temp file, fsync, rename)."""
    from petar_bench.fileio import atomic_write_bytes

    return atomic_write_bytes(Path(path), encode_png(rgb))
