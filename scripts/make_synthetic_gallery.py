"""Draw the synthetic-data gallery of docs/synthetic-data.md: MIPs and slices of the phantoms.

    python scripts/make_synthetic_gallery.py                  # the demo -> docs/
    python scripts/make_synthetic_gallery.py --dataset DIR --patients 8

Writes, under docs/images/synthetic/:

- ``gallery.png``: coronal PET maximum intensity projections (MIPs) of 8 patients (two per
  tracer where the dataset has them), lesion masks outlined;
- ``tracer-<TRACER>.png``: for one patient per tracer, the coronal PET MIP, a coronal CT slice,
  and axial CT and PET slices through the hottest lesion;
- ``protocol-<N>.png``: the same for one patient per scanner protocol, i.e. per distinct pair
  of PET and CT grids (voxel sizes and matrix);

then rewrites the block between the gallery markers in docs/synthetic-data.md. Images are
drawn in millimetres (anisotropic voxels keep their shape) in radiological orientation:
the patient's right on the image's left, head (coronal) or anterior (axial) up. matplotlib
is imported only here; the same data give the same image bytes.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
START = "<!-- synthetic-gallery:start (made by scripts/make_synthetic_gallery.py) -->"
END = "<!-- synthetic-gallery:end -->"
MIP_SUV = 10.0  # MIPs: inverted grey scale, SUV 0 (white) to this (black)
SLICE_SUV = 8.0  # PET slices: 'hot' colour map, SUV 0 to this
CT_WINDOW = (-160.0, 240.0)  # soft tissue, W400/L40
MAX_PROTOCOLS = 6


@dataclass
class Exam:
    """One exam of the dataset, its volumes in RAS+ voxel order (i: right, j: anterior,
    k: head), with their voxel sizes."""

    exam_id: str
    tracer: str
    pet: np.ndarray
    pet_affine: np.ndarray
    ct: np.ndarray
    ct_affine: np.ndarray
    masks: list[np.ndarray]  # on the PET grid (as the records' masks are)
    protocol: str

    @property
    def pet_spacing(self) -> np.ndarray:
        return np.abs(np.diag(self.pet_affine)[:3])

    @property
    def ct_spacing(self) -> np.ndarray:
        return np.abs(np.diag(self.ct_affine)[:3])


def _canonical(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import nibabel as nib

    image = nib.as_closest_canonical(nib.load(str(path)))
    return np.asarray(image.dataobj, dtype=np.float32), image.affine


def _grid_text(path: Path) -> str:
    """'4x4x4 mm, 96x72x224': voxel size and matrix, from the NIfTI header alone."""
    import nibabel as nib

    image: Any = nib.load(str(path))
    spacing = image.header.get_zooms()[:3]
    return f"{'x'.join(f'{float(s):g}' for s in spacing)} mm, {'x'.join(map(str, image.shape))}"


def _load_exam(root: Path, records: Sequence[Any]) -> Exam:
    first = records[0]
    pet, pet_affine = _canonical(root / first.pet_path)
    ct, ct_affine = _canonical(root / first.ct_path)
    masks = [_canonical(root / r.mask_path)[0] > 0 for r in records if r.mask_path]
    protocol = _protocol_of(root, records)
    return Exam(first.exam_id, first.tracer, pet, pet_affine, ct, ct_affine, masks, protocol)


def _exams(manifest: Any) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for record in manifest.records:
        grouped[record.exam_id].append(record)
    return dict(grouped)


def _coronal(volume: np.ndarray) -> np.ndarray:
    """(i, k) -> image rows head to feet, columns patient's right to left."""
    return volume.T[::-1, ::-1]


def _axial(volume: np.ndarray) -> np.ndarray:
    """(i, j) -> image rows anterior to posterior, columns patient's right to left."""
    return volume.T[::-1, ::-1]


def _hottest_voxel(exam: Exam) -> tuple[int, int, int]:
    """The SUVmax voxel of the exam's hottest lesion (or of the whole PET without masks)."""
    if exam.masks:
        union = np.any(np.stack(exam.masks), axis=0)
        masked = np.where(union, exam.pet, -np.inf)
        return tuple(int(v) for v in np.unravel_index(np.argmax(masked), exam.pet.shape))  # type: ignore[return-value]
    return tuple(int(v) for v in np.unravel_index(np.argmax(exam.pet), exam.pet.shape))  # type: ignore[return-value]


def _ct_index(exam: Exam, pet_voxel: tuple[int, int, int]) -> tuple[int, int, int]:
    """The CT voxel nearest to a PET voxel's centre (the grids may differ)."""
    world = exam.pet_affine @ np.array([*pet_voxel, 1.0])
    index = np.rint(np.linalg.solve(exam.ct_affine, world)[:3]).astype(int)
    return tuple(int(v) for v in np.clip(index, 0, np.array(exam.ct.shape) - 1))  # type: ignore[return-value]


def _show(ax: Any, image: np.ndarray, spacing: tuple[float, float], **style: Any) -> None:
    """Draw `image` with pixels of (row, column) size `spacing` in mm; no axes."""
    ax.imshow(image, aspect=spacing[0] / spacing[1], interpolation="nearest", **style)
    ax.set_xticks([])
    ax.set_yticks([])


def _draw_mip(ax: Any, exam: Exam, *, outline: bool = True) -> None:
    sx, _, sz = exam.pet_spacing
    _show(ax, _coronal(exam.pet.max(axis=1)), (sz, sx), cmap="gray_r", vmin=0.0, vmax=MIP_SUV)
    if outline and exam.masks:
        union = _coronal(np.any(np.stack(exam.masks), axis=0).max(axis=1)).astype(float)
        ax.contour(union, levels=[0.5], colors="tab:red", linewidths=0.6)


def _draw_views(axes: Sequence[Any], exam: Exam) -> str:
    """Coronal MIP, coronal CT, axial CT and axial PET through the hottest lesion."""
    i, j, k = _hottest_voxel(exam)
    ci, cj, ck = _ct_index(exam, (i, j, k))
    psx, psy, psz = exam.pet_spacing
    csx, csy, csz = exam.ct_spacing
    low, high = CT_WINDOW
    _draw_mip(axes[0], exam)
    axes[0].set_title("PET MIP (coronal)", fontsize=8)
    _show(axes[1], _coronal(exam.ct[:, cj, :]), (csz, csx), cmap="gray", vmin=low, vmax=high)
    axes[1].set_title("CT, coronal", fontsize=8)
    _show(axes[2], _axial(exam.ct[:, :, ck]), (csy, csx), cmap="gray", vmin=low, vmax=high)
    axes[2].set_title("CT, axial", fontsize=8)
    _show(axes[3], _axial(exam.pet[:, :, k]), (psy, psx), cmap="hot", vmin=0.0, vmax=SLICE_SUV)
    axes[3].set_title("PET, axial (SUV)", fontsize=8)
    return f"axial slices through voxel ({i}, {j}, {k}), SUV {exam.pet[i, j, k]:.1f}"


def _save(fig: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80, metadata={"Software": None})


def _views_figure(exam: Exam, title: str, path: Path) -> str:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(10, 4.2), width_ratios=(1, 1, 1.6, 1.6))
    note = _draw_views(axes, exam)
    fig.suptitle(f"SYNTHETIC {title}", fontsize=9)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
    return note


def _gallery_figure(exams: Sequence[Exam], path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(exams), figsize=(1.6 * len(exams), 4.6))
    for ax, exam in zip(np.atleast_1d(axes), exams, strict=True):
        _draw_mip(ax, exam)
        ax.set_title(f"{exam.exam_id}\n{exam.tracer}, {len(exam.masks)} lesions", fontsize=7)
    fig.suptitle("SYNTHETIC patients: coronal PET MIPs, lesion masks outlined", fontsize=9)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def _pick_by_tracer(by_exam: dict[str, list[Any]], per_tracer: int, total: int) -> list[str]:
    """Exam ids: `per_tracer` of each tracer in turn (order of appearance), then the next."""
    tracers: dict[str, list[str]] = defaultdict(list)
    for exam_id, records in by_exam.items():
        tracers[records[0].tracer].append(exam_id)
    chosen = [e for ids in tracers.values() for e in ids[:per_tracer]]
    chosen += [e for e in by_exam if e not in chosen]
    return chosen[:total]


def _dataset(name: str | None) -> tuple[Path, Any]:
    from petar_bench.datasets._catalog import ensure_demo
    from petar_bench.records import read_manifest

    if name is None:
        os.environ.setdefault("PETAR_BENCH_CACHE", tempfile.mkdtemp(prefix="petar-gallery-"))
        handle = ensure_demo()
        return handle.root, handle.manifest
    root = Path(name)
    return root, read_manifest(root)


def _write_docs(doc: Path, lines: list[str]) -> None:
    text = doc.read_text(encoding="utf-8")
    block = "\n".join([START, *lines, END])
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Gallery\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", help="dataset folder with manifest.json (default: demo)")
    parser.add_argument("--patients", type=int, default=8, help="patients in the gallery")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="docs folder")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "petar-bench"  # fixed ids, should SVG be used

    root, manifest = _dataset(args.dataset)
    out_dir = args.docs / "images" / "synthetic"
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.png"):
        stale.unlink()
    by_exam = _exams(manifest)
    cache: dict[str, Exam] = {}

    def exam(exam_id: str) -> Exam:
        if exam_id not in cache:
            cache[exam_id] = _load_exam(root, by_exam[exam_id])
        return cache[exam_id]

    gallery = [exam(e) for e in _pick_by_tracer(by_exam, 2, args.patients)]
    _gallery_figure(gallery, out_dir / "gallery.png")
    lines = [
        "",
        f"![{len(gallery)} synthetic patients, coronal PET MIPs](images/synthetic/gallery.png)",
        "",
        "### Per tracer",
        "",
    ]
    for exam_id in _pick_by_tracer(by_exam, 1, len(by_exam)):
        current = exam(exam_id)
        name = f"tracer-{current.tracer}.png"
        if (out_dir / name).exists():
            continue
        title = f"{current.tracer}: {current.exam_id} ({current.protocol})"
        note = _views_figure(current, title, out_dir / name)
        lines += [f"**{current.tracer}** ({current.exam_id}; {note})", ""]
        lines += [f"![{current.tracer}, {current.exam_id}](images/synthetic/{name})", ""]
    lines += ["### Per scanner protocol (PET and CT grids)", ""]
    protocols: dict[str, str] = {}
    for exam_id in by_exam:
        protocols.setdefault(_protocol_of(root, by_exam[exam_id]), exam_id)
        if len(protocols) >= MAX_PROTOCOLS:
            break
    for number, (protocol, exam_id) in enumerate(protocols.items(), start=1):
        name = f"protocol-{number}.png"
        note = _views_figure(exam(exam_id), f"{protocol}: {exam_id}", out_dir / name)
        lines += [f"**{protocol}** ({exam_id}, {exam(exam_id).tracer}; {note})", ""]
        lines += [f"![{protocol}](images/synthetic/{name})", ""]
    _write_docs(args.docs / "synthetic-data.md", lines)
    size = sum(p.stat().st_size for p in out_dir.glob("*.png"))
    print(f"wrote {len(list(out_dir.glob('*.png')))} images ({size / 1e3:.0f} kB) to {out_dir}")


def _protocol_of(root: Path, records: Sequence[Any]) -> str:
    """An exam's scanner protocol as its PET and CT grids (headers only, no voxels read)."""
    pet, ct = (_grid_text(root / p) for p in (records[0].pet_path, records[0].ct_path))
    return f"PET {pet}; CT {ct}"


if __name__ == "__main__":
    main()
