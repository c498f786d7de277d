"""Whole-body anatomical phantoms: body outline, organs, vessels, skeleton, named parts.

Positions are written in the body frame of a standard 175 cm adult (cm; u to the patient's
right, v anterior, w below the vertex), following standard adult vertebral levels and organ
extents (`_anatomy.py`); each patient gets its own height, weight, body shape, arm
position, fat thickness and placement (`draw_patient`, `draw_habitus`, `place_frame`). The
phantom is defined in world coordinates, so the same patient can be rasterised on the PET
grid and on the CT's own finer grid. Painting order matters: later structures overwrite
earlier ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from petar_bench.datasets._anatomy import PART_ID, VERTEBRAL_LEVELS, Tissue
from petar_bench.datasets._geometry import Canvas, Frame, Grid

T = Tissue

# Body outline of the torso: semi-axes (cm) of the axial ellipse by depth below the vertex.
_OUTLINE_W = (17.0, 21.0, 24.0, 26.5, 28.0, 32.0, 45.0, 58.0, 66.0, 76.0, 84.0, 92.0, 110.0)
_OUTLINE_A = (5.8, 5.8, 6.0, 11.0, 15.0, 16.2, 15.8, 15.0, 15.6, 16.4, 16.6, 16.4, 16.4)
_OUTLINE_B = (6.3, 6.3, 6.3, 8.0, 9.5, 10.3, 10.8, 11.0, 10.8, 10.5, 10.2, 9.8, 9.8)
# AP position of the vertebral bodies' centre (lordosis/kyphosis, sacral tilt).
_SPINE_W = (17.0, 27.0, 33.0, 50.0, 58.0, 66.0, 73.0, 80.0, 86.0)
_SPINE_V = (-1.0, -2.2, -4.2, -4.2, -3.2, -2.6, -3.5, -5.5, -7.0)
_MUSCLE_WALL = 1.3  # cm between subcutaneous fat and the body cavity
# Legs below the perineum: centre (u), semi-axes (u, v) of the axial ellipse by w (cm).
_LEG_W = (90.0, 100.0, 112.0, 124.0, 130.0, 140.0, 152.0, 164.0, 170.0)
_LEG_U = (8.3, 8.5, 8.8, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0)
_LEG_A = (7.8, 7.2, 6.2, 5.0, 5.0, 5.3, 4.4, 3.0, 2.8)
_LEG_B = (8.6, 8.0, 6.8, 5.3, 5.4, 5.8, 4.6, 3.2, 3.0)
_SOLE_W = 175.0
# Extra girth by body shape: (w of the centre, half-width in w, gain per unit of excess
# width) of a smooth bump on the outline; android puts fat on the abdomen, gynoid on the
# hips and thighs.
_SHAPE_BUMP = {"android": (64.0, 14.0, 0.5), "gynoid": (90.0, 12.0, 0.5), "even": (0.0, 1.0, 0.0)}
BODY_SHAPES = tuple(_SHAPE_BUMP)


@dataclass(frozen=True)
class Patient:
    """What the request form says about the patient (drawn per patient)."""

    height_cm: float
    weight_kg: float
    shape: str  # one of BODY_SHAPES
    arms: str  # "up" (above the head) or "down" (along the body, inside the field of view)

    @property
    def bmi(self) -> float:
        return self.weight_kg / (self.height_cm / 100.0) ** 2


@dataclass(frozen=True)
class Habitus:
    """Per-patient body build (besides the frame's scales)."""

    width: float  # multiplies the standard outline
    fat: float  # subcutaneous fat thickness, cm
    bladder_fill: float  # multiplies the bladder's semi-axes
    has_prostate: bool
    shape: str = "even"  # one of BODY_SHAPES
    arms: str = "up"


@dataclass(frozen=True)
class BowelLayout:
    """Where the bowel loops run (body-frame cm): the colon frame and a serpentine of small
    bowel rows in the mid-abdomen and upper pelvis, each patient with its own layout."""

    colon_radius: float = 2.2
    small_radius: float = 1.3
    row_gap: float = 3.1  # cm between small-bowel rows
    shift: tuple[float, float] = (0.0, 0.0)  # (u, w) of the small-bowel block
    wiggle: tuple[float, ...] = (2.5, 1.5, 3.5, 2.0, 3.0, 1.8, 2.8)  # AP position per row
    sigmoid: float = 0.0  # how far the sigmoid loop swings to the right (cm)


def draw_bowel(rng: np.random.Generator) -> BowelLayout:
    return BowelLayout(
        colon_radius=float(rng.uniform(1.9, 2.5)),
        small_radius=float(rng.uniform(1.1, 1.45)),
        row_gap=float(rng.uniform(2.8, 3.4)),
        shift=(float(rng.uniform(-1.5, 1.5)), float(rng.uniform(-1.5, 1.0))),
        wiggle=tuple(float(x) for x in rng.uniform(1.0, 4.0, size=7)),
        sigmoid=float(rng.uniform(-1.0, 3.0)),
    )


@dataclass
class Phantom:
    grid: Grid
    frame: Frame
    habitus: Habitus
    labels: np.ndarray  # uint8 Tissue
    parts: np.ndarray  # uint16 part id (0 = none)
    body: np.ndarray  # bool, inside the skin
    _part_boxes: list | None = None

    def part_box(self, part_id: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(lo, hi) voxel corners of a part's bounding box, hi exclusive; None if absent.
        One pass over the grid finds every part's box."""
        if self._part_boxes is None:
            from scipy.ndimage import find_objects

            self._part_boxes = find_objects(self.parts)
        boxes = self._part_boxes
        if part_id < 1 or part_id > len(boxes) or boxes[part_id - 1] is None:
            return None
        box = boxes[part_id - 1]
        return np.array([s.start for s in box]), np.array([s.stop for s in box])


def draw_patient(rng: np.random.Generator) -> Patient:
    """Height (adult, 152-195 cm), weight from a body-mass index of 18-42 (median 26),
    body shape and arm position."""
    height = float(np.clip(rng.normal(171.0, 9.0), 152.0, 195.0))
    bmi = float(np.clip(np.exp(rng.normal(np.log(26.0), 0.17)), 18.0, 42.0))
    shape = BODY_SHAPES[int(rng.choice(len(BODY_SHAPES), p=[0.35, 0.25, 0.40]))]
    arms = "down" if rng.random() < 0.3 else "up"
    return Patient(round(height, 1), round(bmi * (height / 100.0) ** 2, 1), shape, arms)


def place_frame(rng: np.random.Generator, z_vertex: float, height_cm: float) -> Frame:
    """The patient's placement on the table: the vertex at world `z_vertex` (mm), a few cm
    off the scanner's axis, scaled by height."""
    s_vert = height_cm / 175.0
    size = np.sqrt(s_vert / 0.88)
    return Frame(
        off_x=float(rng.uniform(-8, 8)),
        off_y=float(rng.uniform(-10, 6)),
        z_vertex=z_vertex,
        s_lat=float(rng.uniform(0.86, 0.96) * size),
        s_ap=float(rng.uniform(0.88, 1.0) * size),
        s_vert=s_vert,
    )


def draw_habitus(
    rng: np.random.Generator, *, has_prostate: bool, patient: Patient | None = None
) -> Habitus:
    """Body build; with a `patient`, girth and fat follow the body-mass index."""
    if patient is None:
        width = float(rng.uniform(0.93, 1.08))
        fat = float(rng.uniform(0.8, 2.4)) * width
        shape, arms = "even", "up"
    else:
        width = float(np.clip(np.sqrt(patient.bmi / 26.0) * rng.uniform(0.97, 1.03), 0.85, 1.3))
        fat = float(np.clip(0.35 + 0.16 * (patient.bmi - 18.0), 0.4, 4.5) * rng.uniform(0.85, 1.15))
        shape, arms = patient.shape, patient.arms
    return Habitus(
        width=width,
        fat=fat,
        bladder_fill=float(rng.uniform(0.75, 1.25)),
        has_prostate=has_prostate,
        shape=shape,
        arms=arms,
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


def build_phantom(
    grid: Grid, frame: Frame, habitus: Habitus, bowel: BowelLayout | None = None
) -> Phantom:
    """Paint one patient's anatomy. Deterministic given its arguments."""
    p = _Painter(grid, frame)
    body, cavity = _paint_body(p, habitus)
    _paint_thorax(p, cavity)
    _paint_abdomen(p, cavity, habitus, bowel or BowelLayout())
    _paint_skeleton(p, cavity, habitus)
    _paint_head_neck(p)
    p.labels[~body] = T.AIR  # bones and organs near the skin never stick out of it
    p.parts[~body] = 0
    return Phantom(grid, frame, habitus, p.labels, p.parts, body)


def spine_v(w: np.ndarray | float) -> np.ndarray:
    return np.asarray(np.interp(w, _SPINE_W, _SPINE_V))


def _shape_extra(w: np.ndarray, habitus: Habitus) -> np.ndarray:
    """Extra subcutaneous fat (cm) of the body shape along w: it widens the skin outline
    only, so organs and the body cavity keep their place."""
    centre, half, gain = _SHAPE_BUMP[habitus.shape]
    return (gain * habitus.fat * np.exp(-(((w - centre) / half) ** 2))).astype(np.float32)


def _w_slices(c: Canvas, w0: float, w1: float) -> slice | None:
    """The axial slices whose depth w lies in [w0, w1] (None if none)."""
    ks = np.nonzero((c.a2 >= w0) & (c.a2 <= w1))[0]
    return slice(int(ks[0]), int(ks[-1]) + 1) if ks.size else None


def _outline(
    p: _Painter, habitus: Habitus, inset: float, kz: slice, *, skin: bool = False
) -> np.ndarray:
    """Normalised squared radius of the torso ellipse shrunk by `inset` cm on slices `kz`,
    (nx, ny, nk); with `skin`, widened by the body shape's extra fat."""
    c = p.canvas
    w = c.a2[kz]
    extra = _shape_extra(w, habitus) if skin else 0.0
    a_mm = np.interp(w, _OUTLINE_W, _OUTLINE_A) * habitus.width + extra - inset
    b_mm = np.interp(w, _OUTLINE_W, _OUTLINE_B) * habitus.width + 0.7 * extra - inset
    a = np.maximum(a_mm, 0.5).astype(np.float32)[None, None, :]
    b = np.maximum(b_mm, 0.5).astype(np.float32)[None, None, :]
    return (c.a0[:, None, None] / a) ** 2 + (c.a1[None, :, None] / b) ** 2


def _paint_body(p: _Painter, habitus: Habitus) -> tuple[np.ndarray, np.ndarray]:
    c = p.canvas
    body = np.zeros(c.shape, dtype=bool)
    inner = np.zeros(c.shape, dtype=bool)
    torso = _w_slices(c, 17.0, 92.0)
    if torso is not None:
        body[:, :, torso] = _outline(p, habitus, 0.0, torso, skin=True) <= 1.0
        inner[:, :, torso] = _outline(p, habitus, habitus.fat, torso) <= 1.0
    legs, leg_muscle = _legs(c, habitus)
    head = p.canvas.ellipsoid((0.0, 0.3, 10.5), (7.8, 9.6, 10.5))
    body |= legs
    if head is not None:
        body[head[0]] |= head[1]
    p.labels[body] = T.FAT
    p.labels[inner | leg_muscle] = T.MUSCLE
    if head is not None:
        p.paint(head, T.MUSCLE)
    body |= _paint_arms(p, habitus, body)
    cavity = np.zeros(c.shape, dtype=bool)
    kz = _w_slices(c, 27.0, 88.0)
    if kz is not None:
        spine = spine_v(c.a2[kz])[None, None, :]
        paraspinal = (np.abs(c.a0[:, None, None]) < 4.5) & (c.a1[None, :, None] < spine - 1.0)
        inside = _outline(p, habitus, habitus.fat + _MUSCLE_WALL, kz) <= 1.0
        cavity[:, :, kz] = inside & ~paraspinal
    p.labels[cavity] = T.FAT
    return body, cavity


def _legs(c: Canvas, habitus: Habitus) -> tuple[np.ndarray, np.ndarray]:
    """(skin, muscle core) of both legs below the perineum: thighs tapering to the knees,
    calves, ankles, and feet pointing up (anterior) with the sole at w = 175."""
    ks = np.nonzero(c.a2 > _LEG_W[0])[0]
    legs = np.zeros(c.shape, dtype=bool)
    muscle = np.zeros(c.shape, dtype=bool)
    if ks.size == 0:
        return legs, muscle
    kz = slice(int(ks[0]), int(ks[-1]) + 1)
    w = c.a2[kz]
    extra = _shape_extra(w, habitus)
    taper = np.interp(w, (_LEG_W[0], _LEG_W[3]), (habitus.width, np.sqrt(habitus.width)))
    a = (np.interp(w, _LEG_W, _LEG_A) * taper + extra)[None, None, :]
    b = (np.interp(w, _LEG_W, _LEG_B) * taper + 0.7 * extra)[None, None, :]
    centre = np.interp(w, _LEG_W, _LEG_U)[None, None, :]
    fat = (habitus.fat * np.interp(w, (_LEG_W[0], _LEG_W[-1]), (1.0, 0.35)))[None, None, :]
    fat = fat + extra[None, None, :]
    above_ankle = (w <= _LEG_W[-1])[None, None, :]
    u, v = c.a0[:, None, None], c.a1[None, :, None]
    for side in (-1.0, 1.0):
        du, dv = u - side * centre, v - 0.3
        legs[:, :, kz] |= ((du / a) ** 2 + (dv / b) ** 2 <= 1.0) & above_ankle
        am, bm = np.maximum(a - fat, 0.5), np.maximum(b - fat, 0.5)
        muscle[:, :, kz] |= ((du / am) ** 2 + (dv / bm) ** 2 <= 1.0) & above_ankle
        foot = c.ellipsoid((side * 9.0, 5.5, _SOLE_W - 4.0), (4.2, 11.0, 4.0))
        if foot is not None:
            legs[foot[0]] |= foot[1]
    return legs, muscle


def _arm_path(habitus: Habitus, side: float) -> list[tuple[float, float, float]]:
    """Centre line of one arm (shoulder, elbow, wrist, fingertips) in the body frame."""
    if habitus.arms == "up":  # raised beside the head, hands above the vertex
        return [(side * 14.0, -1.5, 31.0), (side * 13.5, -1.0, 4.0), (side * 8.0, 0.5, -20.0),
                (side * 5.0, 0.5, -29.0)]  # fmt: skip
    points = []
    for w, v in ((30.0, -1.5), (58.0, 0.0), (84.0, 2.0), (96.0, 2.5)):
        a = float(np.interp(w, _OUTLINE_W, _OUTLINE_A)) * habitus.width
        a += float(_shape_extra(np.array([w]), habitus)[0])
        radius = 4.2 if w < 60 else 3.2
        points.append((side * (a + radius * np.sqrt(habitus.width) + 0.4), v, w))
    return points


def _paint_arms(p: _Painter, habitus: Habitus, torso: np.ndarray) -> np.ndarray:
    """Both arms (fat, muscle, humerus and forearm bones) outside the `torso` mask; returns
    the arms' skin mask."""
    c = p.canvas
    arms = np.zeros(c.shape, dtype=bool)
    scale = np.sqrt(habitus.width)
    fat = min(0.6 * habitus.fat, 2.0)
    for side in (-1.0, 1.0):
        path = _arm_path(habitus, side)
        segments = list(zip(path[:-1], path[1:], strict=True))
        for (start, end), radius in zip(segments, (4.2, 3.2, 2.4), strict=True):
            r = radius * scale
            for box, inside in c.tube((start, end), r):
                arms[box] |= inside & ~torso[box]
        layers = [(max(radius * scale - fat, 0.8), T.MUSCLE) for radius in (4.2, 3.2, 2.4)]
        for (start, end), (radius, tissue) in zip(segments, layers, strict=True):
            _paint_in(p, c.tube((start, end), radius), tissue, arms)
        for (start, end), bone in zip(segments[:2], (1.2, 0.9), strict=True):
            _paint_in(p, c.tube((start, end), bone), T.CORTEX, arms)
            _paint_in(p, c.tube((start, end), bone / 2), T.MARROW, arms)
    p.labels[arms & (p.labels == T.AIR)] = T.FAT
    return arms


def _paint_in(p: _Painter, pieces, tissue: Tissue, region: np.ndarray) -> None:
    for box, inside in pieces:
        p.labels[box][inside & region[box]] = tissue


def body_mask(grid: Grid, frame: Frame, habitus: Habitus) -> np.ndarray:
    """Inside-the-skin mask alone (cheap on a coarse grid: used to size the field of view)."""
    return _paint_body(_Painter(grid, frame), habitus)[0]


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


def _paint_bowel(p: _Painter, cavity: np.ndarray, layout: BowelLayout) -> None:
    """Colon frame (cecum, ascending, transverse, descending, sigmoid, rectum) and looped
    small bowel, as tubes in the abdominal fat; organs painted later overwrite them."""
    c = p.canvas
    s = layout.sigmoid
    colon = (
        (6.5, 2.0, 71.0),
        (7.5, 0.5, 64.0),
        (7.5, 1.5, 58.5),
        (4.0, 5.0, 60.0),
        (0.0, 6.0, 62.5),
        (-4.0, 5.0, 59.5),
        (-7.8, 0.5, 55.5),
        (-8.2, -0.5, 63.0),
        (-7.5, 0.0, 72.0),
        (-5.0, 2.5, 77.0),
        (-1.0 + s, 3.5, 78.5),
        (1.0 + s, 1.0, 77.5),
        (0.0, -3.0, 79.5),
    )
    for piece in c.tube(colon, layout.colon_radius):
        p.paint(_clip(piece, cavity), T.BOWEL, only=(T.FAT,))
    du, dw = layout.shift
    duodenum = ((-3.0, 3.5, 52.5), (1.5, 3.0, 53.5), (4.5, 1.0, 55.5), (4.6, 0.8, 59.0))
    loops = [(1.0, 0.2, 61.0)]
    w, row, direction = 61.0 + dw, 0, -1.0
    while w <= 79.0 and row < len(layout.wiggle):
        v = layout.wiggle[row]
        half = 5.0 if w < 72.0 else 3.5  # narrower in the pelvis, between the iliac vessels
        for u in (-half, -half / 3, half / 3, half)[:: int(direction)]:
            loops.append((u + du, v, w))
        w, row, direction = w + layout.row_gap, row + 1, -direction
    for path in (duodenum, loops):
        for piece in c.tube(path, layout.small_radius):
            p.paint(_clip(piece, cavity), T.BOWEL, only=(T.FAT,))
    p.paint_all(c.tube(((0.0, -3.6, 79.0), (0.0, -3.4, 91.0)), 1.3), T.BOWEL)  # rectum


def _paint_ureters(p: _Painter) -> None:
    """Ureters from the renal pelves along the psoas to the bladder base: thin urine-filled
    tubes (their activity is made intermittent, as peristalsis does, in `imaging`)."""
    c = p.canvas
    for side, w0 in ((-1.0, 56.0), (1.0, 58.0)):
        path = (
            (side * 5.0, -3.0, w0 + 1.5),
            (side * 4.2, -2.2, 66.0),
            (side * 4.6, -1.6, 74.0),
            (side * 4.8, -0.5, 80.0),
            (side * 2.5, 1.8, 84.5),
        )
        p.paint_all(c.tube(path, 0.4), T.URINE, only=(T.FAT, T.MUSCLE, T.BOWEL))


def _paint_abdomen(p: _Painter, cavity: np.ndarray, habitus: Habitus, bowel: BowelLayout) -> None:
    c = p.canvas
    soft = (T.FAT, T.MUSCLE, T.BOWEL)
    _paint_bowel(p, cavity, bowel)
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
    _paint_ureters(p)
    fill = habitus.bladder_fill
    p.paint(
        c.ellipsoid((0.0, 3.2, 86.0 - 3.5 * fill), (4.0 * fill, 3.4 * fill, 3.4 * fill)), T.BLADDER
    )
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
    kz = _w_slices(c, 29.5, 46.0)
    if kz is None:
        return
    w = c.a2[kz]
    sternum_v = np.interp(w, _OUTLINE_W, _OUTLINE_B) * habitus.width - habitus.fat - 0.9
    half_width = np.where(w < 33.0, 2.4, 1.5)[None, None, :]
    sternum = (np.abs(c.a0[:, None, None]) < half_width) & (
        np.abs(c.a1[None, :, None] - sternum_v[None, None, :]) < 0.55
    )
    p.labels[:, :, kz][sternum] = T.BONE
    p.parts[:, :, kz][sternum] = PART_ID["sternum"]


def _paint_spine(p: _Painter) -> None:
    c = p.canvas
    # Work in a u/v window around the spine only (posterior arch to the sacrum's width).
    xs = np.nonzero(np.abs(c.a0) <= 4.6)[0]
    ys = np.nonzero((c.a1 >= min(_SPINE_V) - 6.5) & (c.a1 <= max(_SPINE_V) + 2.5))[0]
    if xs.size == 0 or ys.size == 0:
        return
    window = (slice(int(xs[0]), int(xs[-1]) + 1), slice(int(ys[0]), int(ys[-1]) + 1))
    u = c.a0[window[0]][:, None, None]
    v = c.a1[window[1]][None, :, None]
    labels_all, parts_all = p.labels[window], p.parts[window]
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
        labels, parts = labels_all[:, :, kz], parts_all[:, :, kz]
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
        labels_all[:, :, kz][sac] = T.MARROW
        parts_all[:, :, kz][sac] = PART_ID["sacrum"]


def _paint_ribs(p: _Painter, habitus: Habitus) -> None:
    """Ribs: bands just outside the body cavity that slope down anteriorly by ~3.5 cm from
    their vertebra; the anterior ends (costal cartilage) and the spine are left out."""
    c = p.canvas
    ks = np.nonzero((c.a2 >= 27.0) & (c.a2 <= 60.0))[0]
    if ks.size == 0:
        return
    kz = slice(int(ks[0]), int(ks[-1]) + 1)
    inset = habitus.fat + _MUSCLE_WALL
    a = (np.interp(c.a2[kz], _OUTLINE_W, _OUTLINE_A) * habitus.width - inset).astype(np.float32)
    b = (np.interp(c.a2[kz], _OUTLINE_W, _OUTLINE_B) * habitus.width - inset).astype(np.float32)
    a, b = a[None, None, :], b[None, None, :]
    u = c.a0[:, None, None]
    v = c.a1[None, :, None]
    rho = np.sqrt((u / a) ** 2 + (v / b) ** 2)
    ring = (rho >= 1.0) & (rho <= 1.0 + 0.9 / ((a + b) / 2)) & (np.abs(u) > 2.0) & (v < 0.6 * b)
    i, j, k = np.nonzero(ring)
    if i.size == 0:
        return
    v_post = spine_v(c.a2[kz])[k]
    b_k = b[0, 0, k]
    frac = np.clip((c.a1[j] - v_post) / (0.6 * b_k - v_post), 0.0, 1.0)
    thoracic = [(w0 + w1) / 2 for name, w0, w1 in VERTEBRAL_LEVELS if name[0] == "T"]
    # Which rib's band (1.1 cm thick, 3.5 cm lower anteriorly) holds each ring voxel.
    offset = (c.a2[kz][k] - 3.5 * frac)[:, None] - np.asarray(thoracic)[None, :]
    n = np.argmin(np.abs(offset), axis=1)
    keep = np.abs(offset[np.arange(n.size), n]) <= 0.55
    keep &= (n < 10) | (c.a1[j] < v_post + 3.0)  # ribs 11-12 are short (floating)
    i, j, k, n = i[keep], j[keep], k[keep], n[keep]
    labels, parts = p.labels[:, :, kz], p.parts[:, :, kz]
    labels[i, j, k] = T.BONE
    right = np.array([PART_ID[f"rib_r{m}"] for m in range(1, 13)], dtype=np.uint16)
    left = np.array([PART_ID[f"rib_l{m}"] for m in range(1, 13)], dtype=np.uint16)
    parts[i, j, k] = np.where(c.a0[i] > 0, right[n], left[n])


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
    femur = (head, (side * 11.0, 0.3, 89.0), (side * 10.0, 0.3, 110.0), (side * 9.0, 0.0, 124.0))
    p.paint_all(c.tube(femur, 1.5), T.CORTEX, f"femur_{code}")
    p.paint_all(c.tube(femur, 0.8), T.MARROW, f"femur_{code}")
    tibia = ((side * 9.0, 0.3, 126.0), (side * 9.0, 0.8, 166.0))
    p.paint_all(c.tube(tibia, 1.3), T.CORTEX)
    p.paint_all(c.tube(tibia, 0.6), T.MARROW)
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
