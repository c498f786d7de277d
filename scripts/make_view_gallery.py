"""Draw the lesion-view gallery of docs/views.md from the synthetic demo (or any dataset).

    python scripts/make_view_gallery.py                    # demo test split -> docs/
    python scripts/make_view_gallery.py --dataset DIR --split test --lesions 6

For a handful of lesions (one per tracer first) it writes, under docs/images/views/, the
three views of every recipe shown in the docs: the default fused views the 2D presets see,
CT and PET side by side, the contour overlay, and ViP-LLaVA's boxed 2 x 2 grid. It then
rewrites docs/views.md. The images are deterministic: the same data gives the same bytes.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# (file suffix, title, recipe changes, how the views are laid out)
RECIPES: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    ("fused", "Fused PET over CT (the 2D presets' default)", {}, "row"),
    ("side", "CT and PET side by side", {"layout": "side_by_side", "gap_px": 4}, "row"),
    ("contour", "Fused, with the mask contour", {"overlay": "contour"}, "row"),
    ("vip", "ViP-LLaVA's input: a boxed lesion, one 2 x 2 image", {"overlay": "box"}, "grid"),
)


def _pick(records: list, count: int) -> list:
    """One lesion per tracer first (in order of appearance), then the next ones."""
    chosen, tracers = [], set()
    for record in records:
        if record.tracer not in tracers:
            chosen.append(record)
            tracers.add(record.tracer)
    chosen += [r for r in records if r not in chosen]
    return chosen[:count]


def _dataset(name: str | None):
    from petar_bench.datasets._catalog import ensure_demo
    from petar_bench.records import read_manifest

    if name is None:
        os.environ.setdefault("PETAR_BENCH_CACHE", tempfile.mkdtemp(prefix="petar-gallery-"))
        handle = ensure_demo()
        return handle.root, handle.manifest
    root = Path(name)
    return root, read_manifest(root)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", help="dataset folder with manifest.json (default: demo)")
    parser.add_argument("--split", default="test", help="split to draw lesions from")
    parser.add_argument("--lesions", type=int, default=4, help="how many lesions")
    parser.add_argument("--size", type=int, default=256, help="panel side in pixels")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="docs folder")
    args = parser.parse_args(argv)

    from petar_bench.baselines.vlm2d._adapters import grid_image
    from petar_bench.volumes._lesion import VolumeLoader
    from petar_bench.volumes.views import ViewRecipe, montage, render_lesion, write_png

    root, manifest = _dataset(args.dataset)
    loader = VolumeLoader(root)
    out_dir = args.docs / "images" / "views"
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.png"):
        stale.unlink()
    base = ViewRecipe(size_px=args.size)
    lines = _header(base)
    for record in _pick(manifest.split(args.split), args.lesions):
        lesion = loader.load(record)
        lines += [f"## {record.sample_id} ({record.tracer})", ""]
        for suffix, title, changes, arrange in RECIPES:
            views = render_lesion(lesion, base.replace(**changes))
            image = grid_image(views) if arrange == "grid" else montage(views, gap_px=8)
            name = f"{record.sample_id}-{suffix}.png"
            write_png(out_dir / name, image)
            alt = f"{record.sample_id}: {title}"
            lines += [f"**{title}**", "", f"![{alt}](images/views/{name})", ""]
        centre = render_lesion(lesion, base)[0].centre_voxel
        lines += [f"Slices through voxel {centre} (SUVmax of the lesion).", ""]
    (args.docs / "views.md").write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    print(f"wrote {args.docs / 'views.md'} and {len(list(out_dir.glob('*.png')))} images")


def _header(recipe) -> list[str]:
    width, level = recipe.ct_window
    low, high = recipe.suv_window
    return [
        "# Lesion views (gallery)",
        "",
        "What the 2D vision-language baselines see: axial, coronal and sagittal slices",
        "through each lesion's hottest voxel, from `petar_bench.volumes.views`. Made by",
        "`python scripts/make_view_gallery.py` from the synthetic demo's test split",
        "(synthetic data: the anatomy is a phantom, not a patient).",
        "",
        f"- PET: SUV {low:g}-{high:g}, 'hot' colour map; CT: W{width:g}/L{level:g}.",
        "- Radiological orientation: the patient's right on the image's left (axial, coronal),",
        "  anterior up (axial), head up (coronal, sagittal), anterior left (sagittal).",
        "- Square field of view, isotropic pixels, widened to fit the lesion plus context.",
        "- Panels are drawn here at "
        f"{recipe.size_px} px; the presets use 448 px (ViP-LLaVA 336 px).",
        "",
    ]


if __name__ == "__main__":
    main()
