"""Whole-body anatomical phantoms: body outline, organs, vessels, skeleton, named parts.

Positions are written in the body frame of a standard 175 cm adult (cm; u to the patient's
right, v anterior, w below the vertex), following standard adult vertebral levels and organ
extents (`anatomy.py`); each patient gets its own scales, habitus, fat thickness and
offsets (`draw_frame`). Painting order matters: later structures overwrite earlier ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from petar_bench.datasets.anatomy import PART_ID, VERTEBRAL_LEVELS, Tissue
from petar_bench.datasets.geometry import Canvas, Frame, Grid

T = Tissue

# Body outline of the torso: semi-axes (cm) of the axial ellipse by depth below the vertex.
_OUTLINE_W = (17.0, 21.0, 24.0, 26.5, 28.0, 32.0, 45.0, 58.0, 66.0, 76.0, 84.0, 92.0, 110.0)
_OUTLINE_A = (5.8, 5.8, 6.0, 11.0, 15.0, 16.2, 15.8, 15.0, 15.6, 16.4, 16.6, 16.4, 16.4)
_OUTLINE_B = (6.3, 6.3, 6.3, 8.0, 9.5, 10.3, 10.8, 11.0, 10.8, 10.5, 10.2, 9.8, 9.8)
# AP position of the vertebral bodies' centre (lordosis/kyphosis, sacral tilt).
_SPINE_W = (17.0, 27.0, 33.0, 50.0, 58.0, 66.0, 73.0, 80.0, 86.0)
_SPINE_V = (-1.0, -2.2, -4.2, -4.2, -3.2, -2.6, -3.5, -5.5, -7.0)
_MUSCLE_WALL = 1.3  # cm between subcutaneous fat and the body cavity


@dataclass(frozen=True)
class Habitus:
    """Per-patient body build (besides the frame's scales)."""

    width: float  # multiplies the standard outline
    fat: float  # subcutaneous fat thickness, cm
    bladder_fill: float  # multiplies the bladder's semi-axes
    has_prostate: bool


@dataclass
class Phantom:
    grid: Grid
    frame: Frame
    habitus: Habitus
    labels: np.ndarray  # uint8 Tissue
    parts: np.ndarray  # uint16 part id (0 = none)
    body: np.ndarray  # bool, inside the skin


def draw_frame(rng: np.random.Generator, grid: Grid) -> Frame:
    top = float(grid.world_axes()[2][-1])
    return Frame(
        off_x=float(rng.uniform(-8, 8)),
        off_y=float(rng.uniform(-10, 6)),
        z_vertex=top - float(rng.uniform(4, 16)),
        s_lat=float(rng.uniform(0.86, 0.96)),
        s_ap=float(rng.uniform(0.88, 1.0)),
        s_vert=float(rng.uniform(0.84, 0.92)),
    )


def draw_habitus(rng: np.random.Generator, *, has_prostate: bool) -> Habitus:
    width = float(rng.uniform(0.93, 1.08))
    return Habitus(
        width=width,
        fat=float(rng.uniform(0.8, 2.4)) * width,
        bladder_fill=float(rng.uniform(0.75, 1.25)),
        has_prostate=has_prostate,
    )


class _Painter:
    """Label and part volumes plus the body-frame canvas they are painted on."""

    def __init__(self, grid: Grid, frame: Frame) -> None:
        self.canvas = Canvas(frame.axes(grid))
        self.labels = np.zeros(grid.shape, dtype=np.uint8)
        self.parts = np.zeros(grid.shape, dtype=np.uint16)

    def paint(self, piece, tissue: Tissue, part: str | None = None, only=None) -> None:
        if piece is None:
            return
        box, inside = piece
        if only is not None:
            inside = inside & np.isin(self.labels[box], np.asarray(only, dtype=np.uint8))
        self.labels[box][inside] = tissue
        if part is not None:
            self.parts[box][inside] = PART_ID[part]

    def paint_all(self, pieces, tissue: Tissue, part: str | None = None, only=None) -> None:
        for piece in pieces:
            self.paint(piece, tissue, part, only)


def build_phantom(grid: Grid, frame: Frame, habitus: Habitus) -> Phantom:
    """Paint one patient's anatomy. Deterministic given its arguments."""
    p = _Painter(grid, frame)
    body, cavity = _paint_body(p, habitus)
    _paint_thorax(p, cavity)
    _paint_abdomen(p, cavity, habitus)
    _paint_skeleton(p, cavity, habitus)
    _paint_head_neck(p)
    p.labels[~body] = T.AIR  # bones and organs near the skin never stick out of it
    p.parts[~body] = 0
    return Phantom(grid, frame, habitus, p.labels, p.parts, body)


def spine_v(w: np.ndarray | float) -> np.ndarray:
    return np.asarray(np.interp(w, _SPINE_W, _SPINE_V))


def _outline(p: _Painter, habitus: Habitus, inset: float) -> np.ndarray:
    """Normalised squared radius of the torso ellipse shrunk by `inset` cm, (nx, ny, nz)."""
    c = p.canvas
    a = np.interp(c.a2, _OUTLINE_W, _OUTLINE_A) * habitus.width - inset
    b = np.interp(c.a2, _OUTLINE_W, _OUTLINE_B) * habitus.width - inset
    a, b = np.maximum(a, 0.5), np.maximum(b, 0.5)
    return (c.a0[:, None, None] / a) ** 2 + (c.a1[None, :, None] / b) ** 2


def _paint_body(p: _Painter, habitus: Habitus) -> tuple[np.ndarray, np.ndarray]:
    c = p.canvas
    w = c.a2[None, None, :]
    torso_w = (w >= 17.0) & (w <= 92.0)
    skin = (_outline(p, habitus, 0.0) <= 1.0) & torso_w
    inner = (_outline(p, habitus, habitus.fat) <= 1.0) & torso_w
    # Thighs below the perineum: two ellipses.
    thighs = np.zeros_like(skin)
    for side in (-1.0, 1.0):
        rho = ((c.a0[:, None, None] - side * 8.3) / (7.8 * habitus.width)) ** 2 + (
            (c.a1[None, :, None] - 0.3) / (8.6 * habitus.width)
        ) ** 2
        thighs |= (rho <= 1.0) & (w > 90.0)
    head = p.canvas.ellipsoid((0.0, 0.3, 10.5), (7.8, 9.6, 10.5))
    body = skin | thighs
    if head is not None:
        body[head[0]] |= head[1]
    p.labels[body] = T.FAT
    p.labels[inner | (thighs & ~_thigh_fat_ring(c, habitus))] = T.MUSCLE
    if head is not None:
        p.paint(head, T.MUSCLE)
    spine = spine_v(c.a2)[None, None, :]
    paraspinal = (np.abs(c.a0[:, None, None]) < 4.5) & (c.a1[None, :, None] < spine - 1.0)
    cavity = (
        (_outline(p, habitus, habitus.fat + _MUSCLE_WALL) <= 1.0)
        & (w >= 27.0)
        & (w <= 88.0)
        & ~paraspinal
    )
    p.labels[cavity] = T.FAT
    return body, cavity


def _thigh_fat_ring(c: Canvas, habitus: Habitus) -> np.ndarray:
    """Thigh voxels outside the muscle core (the subcutaneous fat ring, and beyond)."""
    out = np.zeros(c.shape, dtype=bool)
    w = c.a2[None, None, :]
    for side in (-1.0, 1.0):
        a = 7.8 * habitus.width - habitus.fat
        b = 8.6 * habitus.width - habitus.fat
        rho = ((c.a0[:, None, None] - side * 8.3) / a) ** 2 + ((c.a1[None, :, None] - 0.3) / b) ** 2
        out |= (rho > 1.0) & (w > 90.0)
    return out


def _paint_thorax(p: _Painter, cavity: np.ndarray) -> None:
    c = p.canvas
    for key_side, centre, semi in (
        (1.0, (7.3, -0.8, 39.0), (5.3, 7.5, 12.5)),
        (-1.0, (-7.5, -0.8, 39.5), (5.2, 7.5, 12.3)),
    ):
        piece = c.ellipsoid(centre, semi)
        if piece is None:
            continue
        box, inside = piece
        inside = inside & cavity[box]
        p.labels[box][inside] = T.LUNG
        p.parts[box][inside] = _lobes(c, box, key_side)[inside]
    p.paint(c.ellipsoid((-1.5, 2.3, 43.0), (4.8, 4.0, 4.8)), T.BLOOD)
    p.paint(c.shell((-3.0, 1.8, 44.0), (3.0, 2.8, 3.6), 1.2), T.MYOCARDIUM)
    aorta = (
        (0.5, 2.0, 38.5),
        (0.5, 2.0, 33.0),
        (-1.0, 0.8, 31.5),
        (-2.2, -1.4, 33.5),
        (-1.8, -1.6, 45.0),
        (-1.0, -0.2, 56.0),
        (-0.6, 0.4, 66.0),
    )
    p.paint_all(c.tube(aorta, 1.2), T.BLOOD)
    for side in (-1.0, 1.0):
        iliac = ((-0.6, 0.4, 66.0), (side * 4.5, 0.0, 76.0), (side * 7.0, 1.5, 84.0))
        p.paint_all(c.tube(iliac, 0.6), T.BLOOD)
    cava = (
        (1.8, 1.8, 31.0),
        (1.6, 2.0, 38.0),
        (2.0, 0.5, 46.0),
        (2.4, -1.5, 50.0),
        (2.2, -1.0, 58.0),
        (2.2, -0.2, 66.0),
    )
    p.paint_all(c.tube(cava, 0.9), T.BLOOD)
    p.paint_all(c.tube(((0.0, 1.6, 18.0), (0.0, 1.2, 30.0), (0.0, 0.5, 36.0)), 0.85), T.AIRWAY)
    for side in (-1.0, 1.0):
        p.paint_all(c.tube(((0.0, 0.5, 36.0), (side * 3.0, 0.0, 38.5)), 0.55), T.AIRWAY)


def _lobes(c: Canvas, box, side: float) -> np.ndarray:
    """Part ids of lung lobes in a box: oblique fissure from posterior T4/5 to the anterior
    diaphragm; right horizontal fissure at ~4th costal cartilage; lingula anterior-inferior."""
    v = c.a1[box[1]][None, :, None]
    w = c.a2[box[2]][None, None, :]
    shape = (c.a0[box[0]].size, v.shape[1], w.shape[2])
    lower = np.broadcast_to(w > 42.2 + 1.15 * v, shape)
    if side > 0:
        middle = np.broadcast_to(w > 40.0, shape) & ~lower
        ids = np.where(
            lower, PART_ID["lung_rll"], np.where(middle, PART_ID["lung_rml"], PART_ID["lung_rul"])
        )
    else:
        lingula = np.broadcast_to((w > 41.0) & (v > -1.0), shape) & ~lower
        ids = np.where(
            lower,
            PART_ID["lung_lll"],
            np.where(lingula, PART_ID["lung_lingula"], PART_ID["lung_lul"]),
        )
    return ids.astype(np.uint16)


def _paint_abdomen(p: _Painter, cavity: np.ndarray, habitus: Habitus) -> None:
    c = p.canvas
    soft = (T.FAT, T.MUSCLE, T.BOWEL)
    rho = _outline(p, habitus, habitus.fat + _MUSCLE_WALL)
    w = c.a2[None, None, :]
    bowel = cavity & (rho <= 0.85) & (w >= 56.0) & (w <= 86.0) & (p.labels == T.FAT)
    p.labels[bowel] = T.BOWEL
    p.paint(c.ellipsoid((-5.5, 3.0, 50.5), (3.5, 3.0, 4.3)), T.STOMACH)
    _paint_liver(p, cavity)
    p.paint(_clip(c.ellipsoid((-9.6, -3.3, 50.0), (2.8, 5.0, 5.2)), cavity), T.SPLEEN, "spleen")
    for code, side, w0 in (("l", -1.0, 56.0), ("r", 1.0, 58.0)):
        p.paint(c.ellipsoid((side * 6.8, -4.0, w0), (2.6, 2.4, 5.3)), T.KIDNEY, f"kidney_{code}")
        p.paint(c.ellipsoid((side * 5.0, -3.4, w0), (1.0, 0.9, 2.4)), T.URINE, f"kidney_{code}")
    p.paint(c.ellipsoid((-4.3, -2.6, 50.2), (0.6, 1.3, 1.9)), T.ADRENAL, "adrenal_l")
    p.paint(c.ellipsoid((3.9, -2.4, 51.2), (0.6, 1.3, 1.9)), T.ADRENAL, "adrenal_r")
    for key, centre, semi in (
        ("pancreas_head", (2.4, 0.6, 57.0), (1.8, 1.5, 2.0)),
        ("pancreas_uncinate", (1.4, -0.6, 58.8), (1.2, 1.0, 1.1)),
        ("pancreas_body", (-2.0, 1.6, 55.6), (2.8, 1.2, 1.3)),
        ("pancreas_tail", (-6.2, -0.8, 54.2), (2.0, 1.1, 1.2)),
    ):
        p.paint(c.ellipsoid(centre, semi), T.PANCREAS, key, only=soft + (T.STOMACH,))
    fill = habitus.bladder_fill
    p.paint(
        c.ellipsoid((0.0, 3.2, 86.0 - 3.5 * fill), (4.0 * fill, 3.4 * fill, 3.4 * fill)), T.BLADDER
    )
    p.paint_all(c.tube(((0.0, -3.6, 79.0), (0.0, -3.4, 91.0)), 1.3), T.BOWEL)
    if habitus.has_prostate:
        p.paint(c.ellipsoid((0.0, 1.6, 88.6), (1.9, 1.6, 1.7)), T.PROSTATE, "prostate")


def _clip(piece, mask: np.ndarray):
    if piece is None:
        return None
    box, inside = piece
    return box, inside & mask[box]


def _paint_liver(p: _Painter, cavity: np.ndarray) -> None:
    """Liver with Couinaud segments: the middle hepatic vein plane (u ~ +1) splits left from
    right, the falciform plane (u ~ -1) lateral from medial left, the portal plane (w ~ 51)
    upper from lower, and a coronal plane (v ~ 0.5) anterior from posterior right segments."""
    c = p.canvas
    piece = c.ellipsoid((4.3, 0.8, 50.8), (9.2, 7.0, 6.6))
    if piece is None:
        return
    box, inside = piece
    u = c.a0[box[0]][:, None, None]
    v = c.a1[box[1]][None, :, None]
    w = c.a2[box[2]][None, None, :]
    inside = inside & cavity[box] & ~((w > 53.5) & (u < 3.5))
    upper = w < 51.0
    ids = np.select(
        [
            ((u - 1.0) / 1.8) ** 2 + ((v + 2.5) / 1.5) ** 2 + ((w - 51.0) / 2.5) ** 2 <= 1.0,
            u < -1.0,
            u < 1.0,
            v >= 0.5,
        ],
        [
            PART_ID["liver_I"],
            np.where(upper, PART_ID["liver_II"], PART_ID["liver_III"]),
            np.where(upper, PART_ID["liver_IVa"], PART_ID["liver_IVb"]),
            np.where(upper, PART_ID["liver_VIII"], PART_ID["liver_V"]),
        ],
        default=np.where(upper, PART_ID["liver_VII"], PART_ID["liver_VI"]),
    )
    ids = np.broadcast_to(ids, inside.shape)
    p.labels[box][inside] = T.LIVER
    p.parts[box][inside] = ids[inside]


def _paint_skeleton(p: _Painter, cavity: np.ndarray, habitus: Habitus) -> None:
    _paint_spine(p)
    _paint_ribs(p, habitus)
    c = p.canvas
    for code, side in (("r", 1.0), ("l", -1.0)):
        clavicle = ((side * 2.0, 6.5, 28.5), (side * 8.0, 5.0, 27.8), (side * 13.0, 1.0, 27.2))
        p.paint_all(c.tube(clavicle, 0.7), T.BONE, f"clavicle_{code}")
        p.paint(c.ellipsoid((side * 8.5, -6.2, 33.5), (3.2, 0.6, 5.5)), T.BONE, f"scapula_{code}")
        _paint_pelvic_bones(p, code, side)
    sternum_v = np.interp(c.a2, _OUTLINE_W, _OUTLINE_B) * habitus.width - habitus.fat - 0.9
    w = c.a2[None, None, :]
    half_width = np.where(w < 33.0, 2.4, 1.5)
    sternum = (
        (np.abs(c.a0[:, None, None]) < half_width)
        & (np.abs(c.a1[None, :, None] - sternum_v[None, None, :]) < 0.55)
        & (w >= 29.5)
        & (w <= 46.0)
    )
    p.labels[sternum] = T.BONE
    p.parts[sternum] = PART_ID["sternum"]


def _paint_spine(p: _Painter) -> None:
    c = p.canvas
    u = c.a0[:, None, None]
    v = c.a1[None, :, None]
    for name, w0, w1 in VERTEBRAL_LEVELS:
        gap = min(0.8, 0.25 * (w1 - w0)) / 2
        ks = np.nonzero((c.a2 >= w0 + gap) & (c.a2 < w1 - gap))[0]
        if ks.size == 0:
            continue
        kz = slice(int(ks[0]), int(ks[-1]) + 1)
        r = 0.9 if name[0] == "C" else 1.4 if name[0] == "T" else 2.0
        vs = spine_v(c.a2[kz])[None, None, :]
        rho = np.sqrt(u**2 + (v - vs) ** 2)
        canal_v = vs - r - 0.75
        rho_canal = np.sqrt(u**2 + (v - canal_v) ** 2)
        arch = (
            (rho_canal <= 1.3)
            | ((np.abs(u) < 0.45) & (v < canal_v - 1.0) & (v > canal_v - 2.6))
            | ((np.abs(u) > 1.2) & (np.abs(u) < 3.0) & (np.abs(v - canal_v) < 0.45))
        )
        labels, parts = p.labels[:, :, kz], p.parts[:, :, kz]
        labels[arch] = T.CORTEX
        labels[rho_canal <= 0.7] = T.CSF
        vertebral_body = rho <= r
        labels[vertebral_body] = T.MARROW
        labels[vertebral_body & (rho > r - 0.45)] = T.CORTEX
        parts[vertebral_body] = PART_ID[f"vertebra_{name}"]
    ks = np.nonzero((c.a2 >= 73.0) & (c.a2 <= 85.0))[0]
    if ks.size:
        kz = slice(int(ks[0]), int(ks[-1]) + 1)
        half = (4.5 - 0.25 * (c.a2[kz] - 73.0))[None, None, :]
        sac = (u / half) ** 2 + ((v - spine_v(c.a2[kz])[None, None, :]) / 1.6) ** 2 <= 1.0
        p.labels[:, :, kz][sac] = T.MARROW
        p.parts[:, :, kz][sac] = PART_ID["sacrum"]


def _paint_ribs(p: _Painter, habitus: Habitus) -> None:
    """Ribs: bands just outside the body cavity that slope down anteriorly by ~3.5 cm from
    their vertebra; the anterior ends (costal cartilage) and the spine are left out."""
    c = p.canvas
    ks = np.nonzero((c.a2 >= 27.0) & (c.a2 <= 60.0))[0]
    if ks.size == 0:
        return
    kz = slice(int(ks[0]), int(ks[-1]) + 1)
    w = c.a2[kz][None, None, :]
    inset = habitus.fat + _MUSCLE_WALL
    a = (np.interp(c.a2[kz], _OUTLINE_W, _OUTLINE_A) * habitus.width - inset)[None, None, :]
    b = (np.interp(c.a2[kz], _OUTLINE_W, _OUTLINE_B) * habitus.width - inset)[None, None, :]
    u = c.a0[:, None, None]
    v = c.a1[None, :, None]
    rho = np.sqrt((u / a) ** 2 + (v / b) ** 2)
    ring = (rho >= 1.0) & (rho <= 1.0 + 0.9 / ((a + b) / 2)) & (np.abs(u) > 2.0)
    v_post = spine_v(c.a2[kz])[None, None, :]
    frac = np.clip((v - v_post) / (0.6 * b - v_post), 0.0, 1.0)
    labels, parts = p.labels[:, :, kz], p.parts[:, :, kz]
    thoracic = {name: (w0, w1) for name, w0, w1 in VERTEBRAL_LEVELS if name[0] == "T"}
    for n in range(1, 13):
        w0, w1 = thoracic[f"T{n}"]
        centre = (w0 + w1) / 2 + 3.5 * frac
        band = ring & (np.abs(w - centre) <= 0.55) & (v < 0.6 * b)
        if n >= 11:
            band &= v < v_post + 3.0
        for code, side in (("r", 1.0), ("l", -1.0)):
            rib = band & (side * u > 0)
            labels[rib] = T.BONE
            parts[rib] = PART_ID[f"rib_{code}{n}"]


def _paint_pelvic_bones(p: _Painter, code: str, side: float) -> None:
    c = p.canvas
    piece = c.shell((side * 6.5, -2.8, 73.5), (5.5, 5.0, 6.5), 0.9)
    if piece is not None:
        box, inside = piece
        u = c.a0[box[0]][:, None, None]
        v = c.a1[box[1]][None, :, None]
        w = c.a2[box[2]][None, None, :]
        p.paint((box, inside & (side * u > 4.0) & (w < 80.0) & (v < 3.0)), T.BONE, f"ilium_{code}")
    head = (side * 8.8, 0.8, 85.5)
    piece = c.shell(head, (3.0, 3.0, 3.0), 0.7)
    if piece is not None:
        box, inside = piece
        u = c.a0[box[0]][:, None, None]
        w = c.a2[box[2]][None, None, :]
        p.paint(
            (box, inside & (side * (u - head[0]) < 0.5) & (w < 86.5)), T.BONE, f"acetabulum_{code}"
        )
    femur = (head, (side * 11.0, 0.3, 89.0), (side * 11.2, 0.3, 110.0))
    p.paint_all(c.tube(femur, 1.5), T.CORTEX, f"femur_{code}")
    p.paint_all(c.tube(femur, 0.8), T.MARROW, f"femur_{code}")
    p.paint(c.ellipsoid(head, (2.3, 2.3, 2.3)), T.MARROW, f"femur_{code}")
    ramus = ((side * 1.0, 6.0, 86.5), (side * 5.5, 4.0, 85.0), (side * 8.0, 1.5, 85.0))
    p.paint_all(c.tube(ramus, 0.8), T.BONE, f"pubis_{code}")
    p.paint(c.ellipsoid((side * 5.5, -2.5, 89.5), (1.3, 1.8, 2.2)), T.BONE, f"ischium_{code}")


def _paint_head_neck(p: _Painter) -> None:
    c = p.canvas
    skull = c.shell((0.0, -0.3, 8.8), (7.0, 8.9, 8.0), 0.7)
    if skull is not None:
        box, inside = skull
        p.paint((box, inside & (c.a2[box[2]][None, None, :] < 13.5)), T.BONE, "calvarium")
    brain = c.ellipsoid((0.0, -0.3, 8.8), (6.3, 8.2, 7.3))
    if brain is not None:
        box, inside = brain
        p.paint((box, inside & (c.a2[box[2]][None, None, :] < 14.0)), T.GREY)
    p.paint(c.ellipsoid((0.0, -0.1, 8.6), (5.4, 7.3, 6.4)), T.WHITE, only=(T.GREY,))
    p.paint(c.ellipsoid((0.0, -4.2, 12.6), (4.3, 2.8, 2.2)), T.CEREBELLUM)
    p.paint(c.ellipsoid((0.0, 0.3, 7.5), (1.0, 2.5, 1.2)), T.CSF)
    p.paint(c.ellipsoid((0.0, -1.0, 14.5), (5.0, 5.5, 0.9)), T.BONE)
    p.paint(c.ellipsoid((0.0, 1.8, 12.3), (0.6, 0.6, 0.5)), T.PITUITARY)
    for code, side in (("r", 1.0), ("l", -1.0)):
        p.paint(c.ellipsoid((side * 3.2, 6.5, 11.3), (1.2, 1.2, 1.2)), T.CSF)
        p.paint(c.ellipsoid((side * 3.6, 7.2, 10.4), (0.8, 0.6, 0.5)), T.LACRIMAL)
        jaw = ((side * 4.5, -0.5, 15.0), (side * 4.0, 4.5, 19.5), (0.0, 6.5, 20.0))
        p.paint_all(c.tube(jaw, 0.6), T.BONE)
        p.paint(c.ellipsoid((side * 5.6, -0.2, 15.5), (1.3, 2.0, 2.2)), T.PAROTID)
        p.paint(c.ellipsoid((side * 3.6, 2.8, 19.2), (1.1, 1.1, 0.9)), T.SUBMANDIBULAR)
        p.paint(c.ellipsoid((side * 1.9, 2.0, 24.0), (0.9, 1.0, 2.2)), T.THYROID, f"thyroid_{code}")
    p.paint(c.ellipsoid((0.0, 2.8, 25.0), (1.0, 0.4, 0.5)), T.THYROID)
