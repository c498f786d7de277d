"""Pictures of the report: the lesion's PET MIP and tri-planar views (plain numpy, PNG via
volumes/views.py), and the summary plots (matplotlib, Agg backend, imported when used)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from petar_bench.volumes.views import ViewRecipe, montage, render_lesion

if TYPE_CHECKING:
    from petar_bench.metrics.scoring import Stratum
    from petar_bench.volumes._lesion import LesionInput

#: The views of the report and the packets: fused PET/CT with the mask contour.
REPORT_RECIPE = ViewRecipe(overlay="contour", size_px=192, gap_px=0)
MIP_SUV_WINDOW = (0.0, 10.0)
MARK_RGB = np.array([0, 200, 0], dtype=np.uint8)


def triplanar(lesion: LesionInput, recipe: ViewRecipe = REPORT_RECIPE) -> np.ndarray:
    """Axial, coronal and sagittal views through the lesion, side by side."""
    return montage(render_lesion(lesion, recipe), gap_px=4)


def _ras(lesion: LesionInput, volume: np.ndarray) -> tuple[np.ndarray, tuple[float, ...]]:
    """The volume in RAS axis order (the same reordering the views use) and its spacing."""
    from petar_bench.volumes.views import _RasGrid

    grid = _RasGrid.from_affine(lesion.affine)
    return grid.to_ras(np.asarray(volume)), grid.spacing


def _outline(mask: np.ndarray) -> np.ndarray:
    padded = np.pad(mask, 1, constant_values=False)
    inner = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    return mask & ~inner


def _square_pixels(image: np.ndarray, row_mm: float, col_mm: float) -> np.ndarray:
    """Repeat rows or columns (nearest) so a pixel is about as tall as it is wide."""
    ratio = row_mm / col_mm
    if ratio >= 1:
        return np.repeat(image, max(1, round(ratio)), axis=0)
    return np.repeat(image, max(1, round(1 / ratio)), axis=1)


def pet_mip(lesion: LesionInput, *, height_px: int = 384) -> np.ndarray:
    """Coronal maximum-intensity projection of the PET (inverted grey, head at the top,
    patient's right on the image's left) with the lesion's projection outlined and boxed."""
    pet, spacing = _ras(lesion, lesion.pet)
    mask, _ = _ras(lesion, lesion.mask)
    low, high = MIP_SUV_WINDOW
    # RAS axes: 0 = x (to the left), 1 = y (anterior), 2 = z (superior). Project along y.
    mip = np.clip((pet.max(axis=1).astype(np.float64) - low) / (high - low), 0.0, 1.0)
    lesion_2d = np.asarray(mask.any(axis=1), dtype=bool)
    # Rows: z descending (head up); columns: x descending (patient's right on the left).
    mip, lesion_2d = mip.T[::-1, ::-1], lesion_2d.T[::-1, ::-1]
    grey = np.rint((1.0 - mip) * 255).astype(np.uint8)
    rgb = np.repeat(grey[..., None], 3, axis=-1)
    rgb = _square_pixels(rgb, spacing[2], spacing[0])
    lesion_2d = _square_pixels(lesion_2d, spacing[2], spacing[0])
    scale = max(1, height_px // rgb.shape[0])
    rgb = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
    lesion_2d = np.repeat(np.repeat(lesion_2d, scale, axis=0), scale, axis=1)
    rgb[_outline(lesion_2d)] = MARK_RGB
    return _box(rgb, lesion_2d, margin=6 * scale)


def _box(rgb: np.ndarray, area: np.ndarray, margin: int) -> np.ndarray:
    rows, cols = np.nonzero(area)
    if rows.size == 0:
        return rgb
    h, w = area.shape
    top, bottom = max(int(rows.min()) - margin, 0), min(int(rows.max()) + margin, h - 1)
    left, right = max(int(cols.min()) - margin, 0), min(int(cols.max()) + margin, w - 1)
    rgb[top, left : right + 1] = MARK_RGB
    rgb[bottom, left : right + 1] = MARK_RGB
    rgb[top : bottom + 1, left] = MARK_RGB
    rgb[top : bottom + 1, right] = MARK_RGB
    return rgb


# ---- summary plots ----------------------------------------------------------------------


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        from petar_bench.errors import UserError

        raise UserError(
            "the report's summary plots need matplotlib: pip install 'petar-bench[report]'"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grid(plt: Any, n: int, width: float, height: float) -> tuple[Any, list[Any]]:
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, list(axes.ravel()[:n])


def _save(plt: Any, fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=90)
    plt.close(fig)
    return path


def distribution_plot(path: Path, values: Mapping[str, Mapping[str, Sequence[float]]]) -> Path:
    """Per metric (one panel each): a box per run with its per-sample values as points."""
    plt = _pyplot()
    fig, axes = _grid(plt, len(values), 1.6 + 1.1 * max(len(v) for v in values.values()), 2.8)
    for ax, (metric_id, by_run) in zip(axes, values.items(), strict=True):
        labels = list(by_run)
        data = [np.asarray(by_run[label], dtype=float) for label in labels]
        ax.boxplot(data, showfliers=False)
        for index, points in enumerate(data, start=1):
            jitter = (
                np.linspace(-0.15, 0.15, len(points)) if len(points) > 1 else np.zeros(len(points))
            )
            ax.scatter(index + jitter, points, s=8, alpha=0.6, color="#1f77b4")
        ax.set_xticks(range(1, len(labels) + 1), labels, rotation=20, ha="right", fontsize=7)
        ax.set_title(metric_id, fontsize=9)
    fig.suptitle("Per-sample metric values", fontsize=10)
    return _save(plt, fig, path)


def _bars(ax: Any, metric_id: str, strata: Mapping[str, Mapping[str, Stratum]]) -> None:
    runs = list(strata)
    groups = sorted({g for by_group in strata.values() for g in by_group})
    width = 0.8 / max(1, len(runs))
    for offset, run in enumerate(runs):
        xs, ys, below, above = [], [], [], []
        for position, group in enumerate(groups):
            stratum = strata[run].get(group)
            score = None if stratum is None else stratum.metrics.get(metric_id)
            if score is None or score.value is None:
                continue
            low, high = score.ci95
            xs.append(position + offset * width)
            ys.append(score.value)
            below.append(max(0.0, score.value - (low if low is not None else score.value)))
            above.append(max(0.0, (high if high is not None else score.value) - score.value))
        ax.bar(xs, ys, width=width, label=run, yerr=[below, above], capsize=2)
    ax.set_xticks(np.arange(len(groups)) + width * (len(runs) - 1) / 2, groups, fontsize=7)
    ax.tick_params(axis="x", labelrotation=25)
    ax.set_title(metric_id, fontsize=9)


def strata_plot(
    path: Path, axis: str, metric_ids: Sequence[str], strata: Mapping[str, Mapping[str, Stratum]]
) -> Path:
    """Scores by the strata of one axis (tracer, region, size or SUV bin): per metric a
    panel, per run a bar with its 95% patient-bootstrap CI as whiskers."""
    plt = _pyplot()
    n_groups = len({g for by_group in strata.values() for g in by_group})
    fig, axes = _grid(plt, len(metric_ids), 1.4 + 0.45 * n_groups * len(strata) ** 0.5, 2.8)
    for ax, metric_id in zip(axes, metric_ids, strict=True):
        _bars(ax, metric_id, strata)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Scores by {axis} (95% CI, patient bootstrap)", fontsize=10)
    return _save(plt, fig, path)
