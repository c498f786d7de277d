"""Scanner protocols and per-patient acquisition geometry of the synthetic exams.

Every synthetic patient is scanned with one protocol drawn from `PROTOCOLS`, a table of
clinical PET/CT reconstructions of real scanner models (written "like <model>": values as
commonly reported for that model, not a vendor's specification). Sources, also listed in
docs/synthetic-data.md:

- PET voxel and matrix: PMC9403224, Table 1 (4.69 x 4.69 x 3.27 mm at 128^2 and
  3.65 x 3.65 x 3.27 mm at 192^2, GE Discovery); Sachpekidis et al., Cancers 2020 (Biograph
  mCT: 200^2 at 4.07 mm, 400^2 at 2.04 mm); bio-protocol r8756285 (3.3 x 3.3 x 3.0 mm);
  4 x 4 x 4 mm on 144^2 and 144-169^2 matrices (PMC9403224). The GE Discovery MI, Biograph
  TruePoint and Philips Vereos rows use their usual published reconstructions (256^2 at
  2.73 mm and 2.79 mm slices; 168^2 at 4.07 mm and 5 mm slices; 2 mm voxels) and are
  estimates in the same sense.
- Resolution of clinical images: 4.9-5.4 mm FWHM for current TOF(+PSF) systems after a
  4 mm filter (bio-protocol r8756285); NEMA 3.3-5 mm (EJNMMI Phys 2015, PubMed 26501827;
  Sci Rep s41598-019-51898-z, Table 6). Older systems with large pixels and filters:
  7-8.5 mm (estimate).
- CT: 512^2 at 0.8-1.5 mm pixels, 2-5 mm slices for attenuation-correction CT
  (bio-protocol r8756285).

Storage budget (the synthetic datasets must stay small): PET is stored on at most
200 x 200 voxels in-plane and CT on at most 256 x 256, both cropped in-plane to the patient's
body plus a 5-20 mm margin (a real image is a square 500-700 mm field of view). CT is
stored coarser than a real 512^2 CT: its in-plane pixel is the native one, the body's width
over 256, or `CT_PIXEL_PER_PET_PIXEL` of the PET pixel, whichever is largest, so it stays
finer than the PET in-plane. The draw weights favour the coarser, cheaper protocols (about
one patient in 30 gets a 2.0-2.7 mm PET pixel), and the CT of most protocols has 5 mm
slices, as attenuation-correction CTs often do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from petar_bench.datasets._geometry import Frame, Grid
from petar_bench.datasets._phantom import (
    Habitus,
    Patient,
    body_mask,
    draw_habitus,
    draw_patient,
    place_frame,
)

#: Largest stored in-plane matrices.
PET_MAX_MATRIX = 200
CT_MAX_MATRIX = 256
#: The stored CT pixel is at least this fraction of the PET pixel (storage budget).
CT_PIXEL_PER_PET_PIXEL = 0.8


@dataclass(frozen=True)
class Protocol:
    """One PET/CT reconstruction protocol."""

    key: str
    like: str  # "like <model>": typical published settings of that model
    pet_pixel_mm: float  # PET in-plane voxel size
    pet_slice_mm: float  # PET slice spacing
    pet_matrix: int  # the scanner's native reconstruction matrix
    fwhm_mm: tuple[float, float]  # effective resolution of the reconstructed image (range)
    ct_pixel_mm: float  # native CT in-plane pixel (512^2 matrix)
    ct_slice_mm: float  # CT slice spacing
    weight: float  # relative draw weight (favours coarse protocols: storage budget)

    @property
    def pet_fov_mm(self) -> float:
        """Widest in-plane field of view that fits the stored PET matrix."""
        return self.pet_pixel_mm * min(self.pet_matrix, PET_MAX_MATRIX)


# The protocol table. Columns: key | model ("like ...") | PET pixel mm | PET slice mm | native
# PET matrix | resolution FWHM mm (range) | native CT pixel mm | CT slice mm | draw weight.
_TABLE = """
d710-128      | GE Discovery 710, 128^2          | 5.47 | 3.27 | 128 | 7.0-8.5 | 1.37 | 3.75 | 3.0
d710-192      | GE Discovery 710, 192^2          | 3.65 | 3.27 | 192 | 6.0-7.0 | 1.37 | 3.75 | 1.0
dmi-256       | GE Discovery MI, 256^2           | 2.73 | 2.79 | 256 | 5.0-6.0 | 0.98 | 2.5  | 0.3
mct-200       | Siemens Biograph mCT, 200^2      | 4.07 | 2.03 | 200 | 6.0-7.0 | 0.98 | 5.0  | 1.5
mct-200-3mm   | Siemens Biograph mCT, 200^2      | 4.07 | 3.0  | 200 | 6.0-7.0 | 0.98 | 5.0  | 1.5
mct-400       | Siemens Biograph mCT, 400^2      | 2.04 | 2.03 | 400 | 4.5-5.5 | 0.98 | 2.0  | 0.1
truepoint-168 | Siemens Biograph TruePoint, 168^2 | 4.07 | 5.0  | 168 | 7.0-8.0 | 0.98 | 5.0  | 3.0
vision-220    | Siemens Biograph Vision, 220^2   | 3.3  | 3.0  | 220 | 4.9-5.5 | 0.98 | 5.0  | 0.7
gemini-144    | Philips Gemini TF, 144^2         | 4.0  | 4.0  | 144 | 6.5-7.5 | 1.17 | 5.0  | 3.0
vereos-2mm    | Philips Vereos, 2 mm voxels      | 2.0  | 2.0  | 288 | 4.5-5.5 | 1.17 | 2.0  | 0.1
"""


def _parse(table: str) -> tuple[Protocol, ...]:
    rows = []
    for line in table.strip().splitlines():
        key, model, px, dz, matrix, fwhm, ct_px, ct_dz, weight = (
            c.strip() for c in line.split("|")
        )
        lo, hi = (float(x) for x in fwhm.split("-"))
        rows.append(
            Protocol(key, f"like {model}", float(px), float(dz), int(matrix), (lo, hi),
                     float(ct_px), float(ct_dz), float(weight))
        )  # fmt: skip
    return tuple(rows)


PROTOCOLS: tuple[Protocol, ...] = _parse(_TABLE)
PROTOCOL_BY_KEY = {p.key: p for p in PROTOCOLS}


def draw_protocol(rng: np.random.Generator, min_fov_mm: float) -> Protocol:
    """A protocol by weight among those whose stored PET field of view holds the body
    (`min_fov_mm` wide): a wide patient is not reconstructed on a small field of view."""
    fitting = [p for p in PROTOCOLS if p.pet_fov_mm >= min_fov_mm]
    if not fitting:  # wider than every field of view: the widest one, arms cropped
        fitting = [max(PROTOCOLS, key=lambda p: p.pet_fov_mm)]
    weights = np.array([p.weight for p in fitting])
    return fitting[int(rng.choice(len(fitting), p=weights / weights.sum()))]


@dataclass(frozen=True)
class AxisGrid:
    """One axis of a stored grid: first voxel centre (world mm), spacing and count."""

    start: float
    step: float
    count: int


def axis_over(lo: float, hi: float, step: float, max_count: int | None = None) -> AxisGrid:
    """Voxel centres covering the world interval [lo, hi], centred on it; at most
    `max_count` voxels (then the interval's middle is kept)."""
    count = int(np.ceil((hi - lo) / step))
    if max_count is not None:
        count = min(count, max_count)
    count = max(count, 1)
    centre = (lo + hi) / 2
    return AxisGrid(float(centre - (count - 1) * step / 2), float(step), count)


def ct_pixel_mm(protocol: Protocol, width_mm: float) -> float:
    """Stored CT in-plane pixel for a field of view `width_mm` wide (see the module doc)."""
    return round(
        float(
            max(
                protocol.ct_pixel_mm,
                width_mm / CT_MAX_MATRIX,
                CT_PIXEL_PER_PET_PIXEL * protocol.pet_pixel_mm,
            )
        ),
        3,
    )


# Fields of view: (name, probability, range of the top and of the bottom edge as depth
# below the vertex in the standard frame, cm). Skull base (or orbits) to upper or mid-thigh
# is the usual oncology scan; many sites start at the vertex (brain included); vertex to
# toes is for melanoma, myeloma and sarcoma.
FIELDS_OF_VIEW = (
    ("skull base to thigh", 0.6, (5.0, 10.0), (94.0, 112.0)),
    ("vertex to thigh", 0.25, (-6.0, -1.0), (94.0, 112.0)),
    ("vertex to toes", 0.15, (-6.0, -1.0), (176.0, 180.0)),
)
_COARSE_MM = (8.0, 8.0, 20.0)  # grid on which the body's extent is measured


@dataclass(frozen=True)
class ExamGeometry:
    """Who lies on the table and how the exam was acquired and reconstructed."""

    patient: Patient
    habitus: Habitus
    frame: Frame
    protocol: Protocol
    field_of_view: str
    fwhm_mm: float  # this exam's effective PET resolution
    pet_grid: Grid
    ct_grid: Grid


def draw_exam_geometry(rng: np.random.Generator, *, has_prostate: bool) -> ExamGeometry:
    """Patient, table position, field of view, protocol and both grids of one exam.

    The world z of the field of view's top is random (table position) and the field of view
    starts anywhere from the vertex to the skull base, so a slice index alone does not say
    which body region it shows; slice spacings differ between protocols too.
    """
    patient = draw_patient(rng)
    habitus = draw_habitus(rng, has_prostate=has_prostate, patient=patient)
    probs = np.array([f[1] for f in FIELDS_OF_VIEW])
    fov_name, _, top_range, bottom_range = FIELDS_OF_VIEW[int(rng.choice(len(probs), p=probs))]
    w_top, w_bottom = float(rng.uniform(*top_range)), float(rng.uniform(*bottom_range))
    s_vert = patient.height_cm / 175.0
    z_top = float(rng.uniform(-300.0, 300.0))
    frame = place_frame(rng, z_top + 10.0 * s_vert * w_top, patient.height_cm)
    z_bottom = frame.z_vertex - 10.0 * s_vert * w_bottom
    lo, hi = _body_box(frame, habitus, z_bottom, z_top)
    margin = rng.uniform(5.0, 20.0, size=4)
    x_span = (lo[0] - margin[0], hi[0] + margin[1])
    y_span = (lo[1] - margin[2], hi[1] + margin[3])
    protocol = draw_protocol(rng, x_span[1] - x_span[0])
    fwhm = float(rng.uniform(*protocol.fwhm_mm))
    step, dz = protocol.pet_pixel_mm, protocol.pet_slice_mm
    pet = _grid(
        axis_over(*x_span, step, PET_MAX_MATRIX),
        axis_over(*y_span, step, PET_MAX_MATRIX),
        axis_over(z_bottom, z_top, dz),
    )
    ct_step = ct_pixel_mm(protocol, max(x_span[1] - x_span[0], y_span[1] - y_span[0]))
    ct = _grid(
        axis_over(*x_span, ct_step, CT_MAX_MATRIX),
        axis_over(*y_span, ct_step, CT_MAX_MATRIX),
        axis_over(z_bottom, z_top, protocol.ct_slice_mm),
    )
    return ExamGeometry(patient, habitus, frame, protocol, fov_name, fwhm, pet, ct)


def _grid(x: AxisGrid, y: AxisGrid, z: AxisGrid) -> Grid:
    return Grid(
        shape=(x.count, y.count, z.count),
        spacing=(x.step, y.step, z.step),
        origin=(round(x.start, 4), round(y.start, 4), round(z.start, 4)),
    )


def _body_box(
    frame: Frame, habitus: Habitus, z_bottom: float, z_top: float
) -> tuple[np.ndarray, np.ndarray]:
    """World (min, max) corners (mm) of the body between two axial planes, measured on a
    coarse grid (one coarse voxel added on each side)."""
    dx, dy, dz = _COARSE_MM
    coarse = _grid(
        axis_over(frame.off_x - 450.0, frame.off_x + 450.0, dx),
        axis_over(frame.off_y - 300.0, frame.off_y + 300.0, dy),
        axis_over(z_bottom, z_top, dz),
    )
    body = body_mask(coarse, frame, habitus)
    if not body.any():
        raise RuntimeError("the field of view misses the body")
    x, y, _ = coarse.world_axes()
    xs, ys = np.nonzero(body.any(axis=(1, 2)))[0], np.nonzero(body.any(axis=(0, 2)))[0]
    lo = np.array([x[xs[0]] - dx, y[ys[0]] - dy])
    hi = np.array([x[xs[-1]] + dx, y[ys[-1]] + dy])
    return lo, hi
