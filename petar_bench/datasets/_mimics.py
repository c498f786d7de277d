"""Physiological mimics painted into a patient's activity (and CT where they show on CT).

These are the things a reader must not call cancer, and they stay background (no mask, no
finding): brown fat, muscle uptake, focal bowel activity and inflammatory foci. The always
present physiology (bladder, ureters, kidneys, bowel loops) comes from the tissue labels
(`phantom`, `uptake`) instead. Which mimics a patient has, and how strong they are, depends
on the tracer (facts sheet, section 1; rows marked [est] there are estimates):

- brown fat (FDG only): supraclavicular and paravertebral fat, patchy, SUV 2.5-10 [est]; on CT
  it is denser than white fat (about -60 instead of -100 HU), so +25 to +45 HU;
- muscle (FDG after exercise or talking: neck, paraspinal or shoulder-girdle muscle 2-4 times
  its rest value; fluciclovine, whose muscle uptake rises with time: 1.3-1.8 times) [est];
- focal bowel activity (all tracers; cecum and flexures most often): one to three segments
  1.4-3.5 times the tracer's bowel value (FDG foci up to ~6-8, PSMA duodenum/colon up to
  ~10-18) [est];
- an inflammatory focus (any tracer, strongest with FDG: SUV 2.5-6; DOTATATE 2-4 via SSTR2 on
  macrophages; PSMA and fluciclovine 1.5-3.5) [est]: a dependent lung consolidation (CT -150 to
  +20 HU) or an intramuscular focus (e.g. an injection site).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from petar_bench.datasets._anatomy import Tissue
from petar_bench.datasets._geometry import Box, Canvas, smooth_field
from petar_bench.datasets._phantom import Phantom, spine_v

T = Tissue

# Chance that a patient shows each mimic, by tracer.
P_BROWN_FAT = {"FDG": 0.3}
P_MUSCLE = {"FDG": 0.3, "fluciclovine": 0.35}
MUSCLE_FACTOR = {"FDG": (2.0, 4.0), "fluciclovine": (1.3, 1.8)}
BOWEL_FOCI = {"FDG": (1, 3), "PSMA": (1, 3), "DOTATATE": (0, 2), "fluciclovine": (0, 2)}
BOWEL_FACTOR = {
    "FDG": (1.8, 3.5),
    "PSMA": (1.6, 3.0),
    "DOTATATE": (1.4, 2.2),
    "fluciclovine": (1.3, 2.0),
}
P_INFLAMMATION = 0.3
INFLAMMATION_SUV = {
    "FDG": (2.5, 6.0),
    "DOTATATE": (2.0, 4.0),
    "PSMA": (1.5, 3.0),
    "fluciclovine": (1.5, 3.5),
}


def paint_mimics(
    phantom: Phantom,
    activity: np.ndarray,
    ct: np.ndarray,
    tracer: str,
    rng: np.random.Generator,
) -> list[str]:
    """Paint this patient's mimics into `activity` (SUV) and `ct` (HU, before noise), in place.
    Returns the names of those painted ("brown fat", "muscle", "bowel", "inflammation")."""
    canvas = Canvas(phantom.frame.axes(phantom.grid))
    painted: list[str] = []
    if rng.random() < P_BROWN_FAT.get(tracer, 0.0) and _brown_fat(
        phantom, canvas, activity, ct, rng
    ):
        painted.append("brown fat")
    if rng.random() < P_MUSCLE.get(tracer, 0.0) and _muscle(
        phantom, canvas, activity, MUSCLE_FACTOR[tracer], rng
    ):
        painted.append("muscle")
    lo, hi = BOWEL_FOCI[tracer]
    if _bowel_foci(phantom, activity, int(rng.integers(lo, hi + 1)), BOWEL_FACTOR[tracer], rng):
        painted.append("bowel")
    if rng.random() < P_INFLAMMATION and _inflammation(
        phantom, canvas, activity, ct, INFLAMMATION_SUV[tracer], rng
    ):
        painted.append("inflammation")
    return painted


def _region(canvas: Canvas, u: Sequence[float], v: Sequence[float], w: Sequence[float]):
    """Box of a body-frame cuboid (cm), or None when it is off the grid."""
    centre = [(a + b) / 2 for a, b in (u, v, w)]
    half = [(b - a) / 2 for a, b in (u, v, w)]
    return canvas.box(centre, half)


def _patchy(rng: np.random.Generator, box: Box) -> np.ndarray:
    shape = [s.stop - s.start for s in box]
    field = smooth_field(rng, shape, cell=2)
    return field / max(float(field.std()), 1e-6)


def _brown_fat(phantom, canvas, activity, ct, rng) -> bool:
    """Supraclavicular fat on both sides, and with some patients paravertebral fat too."""
    suv = float(rng.uniform(2.5, 10.0))
    hu_rise = float(rng.uniform(25.0, 45.0))
    regions = [((-12.0, 12.0), (-4.0, 3.0), (23.0, 30.0))]
    if rng.random() < 0.6:
        regions.append(((-6.0, 6.0), (-8.0, 0.0), (30.5, 50.0)))  # apart from the first
    done = False
    for u, v, w in regions:
        box = _region(canvas, u, v, w)
        if box is None:
            continue
        fat = (phantom.labels[box] == T.FAT) & phantom.body[box]
        uu = np.abs(canvas.a0[box[0]])[:, None, None]
        fat &= uu > 2.0  # not in the midline (trachea, spine)
        patch = fat & (_patchy(rng, box) > 0.2)
        if not patch.any():
            continue
        local = activity[box]
        local[patch] = suv * rng.uniform(0.7, 1.0, size=int(patch.sum()))
        ct[box][patch] += hu_rise
        done = True
    return done


def _muscle(phantom, canvas, activity, factor, rng) -> bool:
    """One muscle group: neck, paraspinal or shoulder girdle."""
    group = int(rng.integers(3))
    if group == 0:
        box = _region(canvas, (-7.0, 7.0), (-4.0, 4.0), (17.0, 27.0))
    elif group == 1:
        box = _region(canvas, (-5.0, 5.0), (-14.0, -2.0), (30.0, 75.0))
    else:
        box = _region(canvas, (-20.0, 20.0), (-10.0, 6.0), (26.0, 34.0))
    if box is None:
        return False
    muscle = phantom.labels[box] == T.MUSCLE
    if group == 1:  # behind the vertebral bodies
        v = canvas.a1[box[1]][None, :, None]
        muscle &= v < spine_v(canvas.a2[box[2]])[None, None, :] - 1.0
    elif group == 0:
        muscle &= np.abs(canvas.a0[box[0]])[:, None, None] > 2.5
    else:
        muscle &= np.abs(canvas.a0[box[0]])[:, None, None] > 9.0
    if not muscle.any():
        return False
    local = activity[box]
    local[muscle] *= float(rng.uniform(*factor))
    return True


def _bowel_foci(phantom, activity, count, factor, rng) -> bool:
    """Segments of bowel 1.5-2.5 cm long with raised activity."""
    idx = np.argwhere(phantom.labels == T.BOWEL)
    if count == 0 or idx.size == 0:
        return False
    spacing = np.asarray(phantom.grid.spacing, dtype=np.float64)
    for _ in range(count):
        centre = idx[int(rng.integers(len(idx)))]
        radius_mm = float(rng.uniform(10.0, 20.0))
        box, ball = _ball(phantom.grid.shape, centre, radius_mm, spacing)
        segment = ball & (phantom.labels[box] == T.BOWEL)
        local = activity[box]
        local[segment] *= float(rng.uniform(*factor))
    return True


def _inflammation(phantom, canvas, activity, ct, suv_range, rng) -> bool:
    """A dependent lung consolidation or an intramuscular focus (an injection site)."""
    spacing = np.asarray(phantom.grid.spacing, dtype=np.float64)
    suv = float(rng.uniform(*suv_range))
    if rng.random() < 0.5:
        tissue, hu = T.LUNG, (-150.0, 20.0)
        where = phantom.labels == T.LUNG
        v = canvas.a1[None, :, None]
        where &= np.broadcast_to(v < -2.0, where.shape)  # dependent (posterior) lung
    else:
        tissue, hu = T.MUSCLE, (45.0, 60.0)
        w = canvas.a2[None, None, :]
        where = (phantom.labels == T.MUSCLE) & np.broadcast_to(
            (w > 28.0) & (w < 95.0), phantom.labels.shape
        )
    idx = np.argwhere(where)
    if idx.size == 0:
        return False
    centre = idx[int(rng.integers(len(idx)))]
    box, ball = _ball(phantom.grid.shape, centre, float(rng.uniform(8.0, 18.0)), spacing)
    focus = ball & (phantom.labels[box] == tissue)
    activity[box][focus] = suv
    ct[box][focus] = float(rng.uniform(*hu))
    return True


def _ball(shape, centre, radius_mm: float, spacing: np.ndarray) -> tuple[Box, np.ndarray]:
    reach = np.ceil(radius_mm / spacing).astype(int)
    lo = np.maximum(np.asarray(centre) - reach, 0)
    hi = np.minimum(np.asarray(centre) + reach + 1, shape)
    box = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi, strict=True))
    d = [(np.arange(a, b) - c) * s for a, b, c, s in zip(lo, hi, centre, spacing, strict=True)]
    ball = d[0][:, None, None] ** 2 + d[1][None, :, None] ** 2 + d[2][None, None, :] ** 2 <= (
        radius_mm**2
    )
    return box, ball  # type: ignore[return-value]
