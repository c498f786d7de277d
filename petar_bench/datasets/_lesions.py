"""Synthetic lesions: plan them, place them in a phantom, paint them, segment and measure them.

A lesion is painted with a lobulated shape (an ellipsoid with one to three lobes) and its
stored mask is made the way real masks are: grown from the lesion's seed voxel (its hottest
painted voxel) on the final stored PET by a threshold, inside a bounding region around the
painted shape that keeps it out of other organs and other lesions (`grow_mask`). Masks are
therefore irregular and include partial volume. Besides cancers, a patient may have one
benign lesion (granuloma, adrenal adenoma, degenerative joint, reactive node) or one focal
physiologic activity that a report describes (bowel, brown fat, uncinate process); their
`LesionSpec.kind` says which.

The measurement is what the reference finding reports, so it is taken from the final stored
PET (after blur, noise and float32 storage), never from the planned values:

- SUVmax: maximum SUV under the mask, as written with one decimal (`findings.format_suv`);
- Slice: 1-based axial index counted from the head end, ``nz - k`` for the 0-based index k of
  the SUVmax voxel (z grows toward the head); if several voxels share the maximum, the most
  cranial one counts;
- size: longest axial diameter of the mask: the largest distance between two voxel centres in
  one axial slice plus one in-plane voxel width (a single voxel measures one voxel width).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from petar_bench.datasets._anatomy import PART_ID, Tissue
from petar_bench.datasets._geometry import Box
from petar_bench.datasets._phantom import Phantom
from petar_bench.datasets._sites import (
    DIAMETERS_MM,
    GROUP_WEIGHTS,
    OTHER_FINDINGS,
    SITES,
    SUV_TARGETS,
    OtherFinding,
    Site,
    sites_in_group,
    suv_from_uniform,
)
from petar_bench.findings import format_suv

T = Tissue
SOFT = (T.FAT, T.MUSCLE, T.BOWEL)
# How far (voxels) a lesion may grow beyond its host part into surrounding soft tissue.
_GROW = {"Adrenal gland": 2, "Thyroid": 1, "Pancreas": 1, "Bone": 1}
# Stations whose nodes sit in the lung root: lung tissue may host them too.
_EXTRA_HOSTS = {"node_10R": (T.LUNG,), "node_10L": (T.LUNG,)}
# Station-like sites that live in one tissue only (by key prefix): bowel foci in the bowel,
# brown fat in fat.
_ONLY_HOSTS = {"bowel_": (T.BOWEL,), "brown_fat_": (T.FAT,)}
# Chance that a patient's last planned lesion is a benign or physiologic finding instead.
P_OTHER_FINDING = 0.4
# Mask thresholds (see `grow_mask`).
RELATIVE_THRESHOLD = 0.41
FIXED_THRESHOLD = 2.5


@dataclass(frozen=True)
class LesionSpec:
    """A planned lesion: what the generator aims for (the image decides what is reported)."""

    site: str
    diameter_mm: float
    target_suv: float
    elongation: tuple[float, float, float]
    angle: float  # rotation in the axial plane, radians
    bone_pattern: str | None  # "lytic" / "sclerotic" for bone lesions
    jitter_mm: tuple[float, float, float]  # offset of a station lesion from its station
    kind: str = "malignant"  # "malignant", "benign" or "physiologic"
    finding: str | None = None  # what a non-malignant one is: "granuloma", "bowel", ...


@dataclass
class PlacedLesion:
    spec: LesionSpec
    site: Site
    box: Box
    mask: np.ndarray  # bool, inside box: the painted shape until `grow_mask` replaces it
    painted: np.ndarray | None = None  # bool, inside box: where activity was painted
    fence: np.ndarray | None = None  # bool, inside box: where the grown mask may go
    threshold: float | None = None  # SUV threshold of the grown mask
    threshold_rule: str | None = None  # "41% SUVmax", "SUV 2.5" or "50% above background"

    def full_mask(self, shape: tuple[int, int, int]) -> np.ndarray:
        full = np.zeros(shape, dtype=np.uint8)
        full[self.box][self.mask] = 1
        return full


@dataclass(frozen=True)
class Measurement:
    suv_max: float  # one decimal, as reported
    slice: int  # 1-based from the head end
    long_mm: float
    short_mm: float
    voxels: int


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def plan_lesions(
    rng: np.random.Generator, tracer: str, count: int, *, has_prostate: bool
) -> list[LesionSpec]:
    """Distinct sites drawn by the tracer's group weights, with size and target SUVmax."""
    weights = dict(GROUP_WEIGHTS[tracer])
    weights.pop("prostate_bed" if has_prostate else "prostate", None)
    groups = sorted(weights)
    probs = np.array([weights[g] for g in groups])
    probs /= probs.sum()
    used: set[str] = set()
    specs: list[LesionSpec] = []
    while len(specs) < count:
        group = groups[int(rng.choice(len(groups), p=probs))]
        free = [s for s in sites_in_group(group) if s.key not in used]
        if not free:
            continue
        site = free[int(rng.integers(len(free)))]
        used.add(site.key)
        specs.append(_spec(rng, tracer, site))
    return specs


def _spec(rng: np.random.Generator, tracer: str, site: Site) -> LesionSpec:
    target = SUV_TARGETS[tracer][site.organ]
    d_lo, d_hi = DIAMETERS_MM[site.organ]
    pattern = None
    if site.organ == "Bone":
        p_lytic = 0.7 if tracer == "FDG" else 0.3
        pattern = "lytic" if rng.random() < p_lytic else "sclerotic"
    return LesionSpec(
        site=site.key,
        diameter_mm=round(_log_uniform(rng, d_lo, d_hi), 2),
        target_suv=round(suv_from_uniform(target, float(rng.uniform())), 2),
        elongation=tuple(float(x) for x in rng.uniform(0.75, 1.25, size=3)),  # type: ignore[arg-type]
        angle=float(rng.uniform(0, np.pi)),
        bone_pattern=pattern,
        jitter_mm=tuple(float(x) for x in rng.uniform(-4.0, 4.0, size=3)),  # type: ignore[arg-type]
    )


def plan_other_finding(
    rng: np.random.Generator, tracer: str, specs: list[LesionSpec]
) -> list[LesionSpec]:
    """With probability `P_OTHER_FINDING`, replace the last planned lesion by a benign or
    physiologic finding at a site no other lesion of the patient uses. `rng` is a stream of
    its own, so the malignant plan draws the same numbers with or without this step."""
    if not specs or rng.random() >= P_OTHER_FINDING:
        return specs
    options = OTHER_FINDINGS[tracer]
    weights = np.array([w for w, _ in options])
    finding = options[int(rng.choice(len(options), p=weights / weights.sum()))][1]
    used = {s.site for s in specs[:-1]}
    free = [key for key in finding.sites if key not in used]
    if not free:
        return specs
    site = SITES[free[int(rng.integers(len(free)))]]
    return specs[:-1] + [_other_spec(rng, finding, site)]


def _other_spec(rng: np.random.Generator, finding: OtherFinding, site: Site) -> LesionSpec:
    return LesionSpec(
        site=site.key,
        diameter_mm=round(_log_uniform(rng, *finding.diameter_mm), 2),
        target_suv=round(_log_uniform(rng, *finding.suv), 2),
        elongation=tuple(float(x) for x in rng.uniform(0.75, 1.25, size=3)),  # type: ignore[arg-type]
        angle=float(rng.uniform(0, np.pi)),
        bone_pattern=None,
        jitter_mm=tuple(float(x) for x in rng.uniform(-4.0, 4.0, size=3)),  # type: ignore[arg-type]
        kind=finding.kind,
        finding=finding.name,
    )


def place_lesion(
    phantom: Phantom,
    spec: LesionSpec,
    uptake: np.ndarray,
    occupied: np.ndarray,
    rng: np.random.Generator,
    *,
    fwhm_mm: float = 6.0,
) -> PlacedLesion:
    """Choose a centre at the site and grow a lobulated shape there, kept off hot organs and
    off other lesions so that the SUVmax under the mask is the lesion's own. `fwhm_mm` (the
    scanner's resolution) sets how far the partial-volume fence reaches beyond the shape."""
    from scipy.ndimage import binary_dilation, distance_transform_edt

    site = SITES[spec.site]
    spacing = np.asarray(phantom.grid.spacing, dtype=np.float64)
    r_mm = spec.diameter_mm / 2
    box, target = _work_box(phantom, site, spec, r_mm)
    labels, body = phantom.labels[box], phantom.body[box]
    if site.part is not None:
        host = phantom.parts[box] == PART_ID[site.part]
        host_tissues = set(np.unique(labels[host]).tolist())
    else:
        host = _station_host(site.key, labels) & body
        host_tissues = set()
    grow = _GROW.get(site.organ, 0) if not site.key.startswith("vertebra_") else 0
    allowed = host
    if grow:
        allowed = binary_dilation(host, iterations=grow) & (host | np.isin(labels, SOFT))
    hot_tissues = [t for t in Tissue if uptake[t] > 0.5 * spec.target_suv and t not in host_tissues]
    hot = np.isin(labels, hot_tissues)
    taken = occupied[box]
    avoid = hot | taken
    cand = allowed & ~taken if (allowed & ~taken).any() else allowed
    # The widest margin (in voxels) from hot organs that still leaves room in the host itself:
    # on coarse grids a small host (the uncinate process) may lie entirely within two voxels of
    # a hot organ, and the lesion must not move into the surrounding fat instead. Without
    # room in the host: the widest margin with any room; without any: `cand` as it is.
    # Margins are tried widest first and stop at the first with room in the host (usually the
    # first: one dilation per lesion).
    with_room = None
    for margin in (2, 1, 0):
        keep = allowed & ~(binary_dilation(avoid, iterations=margin) if margin else avoid)
        if (keep & host).any():
            cand = keep
            break
        if with_room is None and keep.any():
            with_room = keep
    else:
        cand = with_room if with_room is not None else cand
    edt = distance_transform_edt(cand, sampling=spacing)
    centre = _choose_centre(
        edt, target, r_mm, spacing, rng, station=site.part is None, host=host & cand
    )
    shape = _lobulated(cand.shape, centre, spec, r_mm, spacing, rng) & cand
    shape[centre] = True
    shape = _component(shape, centre)
    reach = max(1, int(round(fwhm_mm / (2.0 * float(spacing.min())))))
    fence = (binary_dilation(shape, iterations=reach) & body & ~hot & ~taken) | shape
    return PlacedLesion(spec, site, box, shape.copy(), painted=shape, fence=fence)


def _station_host(key: str, labels: np.ndarray) -> np.ndarray:
    for prefix, tissues in _ONLY_HOSTS.items():
        if key.startswith(prefix):
            only = np.isin(labels, tissues)
            if only.any():
                return only
    return np.isin(labels, SOFT + _EXTRA_HOSTS.get(key, ()))


def _lobulated(shape, centre, spec: LesionSpec, r_mm: float, spacing, rng) -> np.ndarray:
    """The planned ellipsoid plus one to three smaller lobes on its surface: real lesions are
    lobulated, and a threshold mask of an ellipsoid would be an ellipsoid again."""
    out = _ellipsoid(shape, centre, spec, r_mm, spacing)
    for _ in range(int(rng.integers(1, 4))):
        direction = rng.standard_normal(3)
        direction /= max(float(np.linalg.norm(direction)), 1e-9)
        offset_mm = direction * r_mm * float(rng.uniform(0.55, 0.9))
        lobe_centre = np.asarray(centre, dtype=np.float64) + offset_mm / spacing
        lobe_r = r_mm * float(rng.uniform(0.4, 0.7))
        d = [(np.arange(n) - c) * sp for n, c, sp in zip(shape, lobe_centre, spacing, strict=True)]
        out |= d[0][:, None, None] ** 2 + d[1][None, :, None] ** 2 + d[2][None, None, :] ** 2 <= (
            lobe_r**2
        )
    return out


def _work_box(phantom: Phantom, site: Site, spec: LesionSpec, r_mm: float):
    grid = phantom.grid
    spacing = np.asarray(grid.spacing)
    pad = int(np.ceil(r_mm / spacing.min())) + 4
    if site.part is not None:
        found = phantom.part_box(PART_ID[site.part])
        if found is None:
            raise RuntimeError(f"part {site.part!r} is missing from the phantom")
        lo, hi = found[0] - pad, found[1] + pad
        target = None
    else:
        assert site.point is not None
        world = np.asarray(phantom.frame.to_world(*site.point)) + np.asarray(spec.jitter_mm)
        affine = grid.affine()
        voxel = (world - affine[:3, 3]) / np.diag(affine)[:3]
        lo = np.floor(voxel).astype(int) - pad - 2
        hi = np.ceil(voxel).astype(int) + pad + 3
        target = voxel
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, grid.shape)
    box = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi, strict=True))
    if target is not None:
        target = target - lo
    return box, target


def _choose_centre(
    edt, target, r_mm, spacing, rng, *, station: bool, host=None
) -> tuple[int, int, int]:
    if not station:
        threshold = min(r_mm, 0.7 * float(edt.max()))
        deep = edt >= threshold
        # The centre lies in the host organ itself when it can (`edt` also covers the margin
        # a lesion may grow into).
        if host is not None and (deep & host).any():
            deep &= host
        choices = np.argwhere(deep)
        return tuple(int(x) for x in choices[int(rng.integers(len(choices)))])  # type: ignore[return-value]
    grid_idx = np.indices(edt.shape, dtype=np.float64)
    offset = (grid_idx - np.asarray(target)[:, None, None, None]) * spacing[:, None, None, None]
    distance = np.sqrt((offset**2).sum(axis=0))
    score = np.where(edt > 0, np.minimum(edt, r_mm) - 0.35 * distance, -np.inf)
    return tuple(int(x) for x in np.unravel_index(int(np.argmax(score)), edt.shape))  # type: ignore[return-value]


def _ellipsoid(shape, centre, spec: LesionSpec, r_mm: float, spacing) -> np.ndarray:
    d = [(np.arange(n) - c) * s for n, c, s in zip(shape, centre, spacing, strict=True)]
    dx, dy, dz = d[0][:, None, None], d[1][None, :, None], d[2][None, None, :]
    cos, sin = np.cos(spec.angle), np.sin(spec.angle)
    rx, ry = cos * dx + sin * dy, -sin * dx + cos * dy
    a, b, c = (r_mm * e for e in spec.elongation)
    return (rx / a) ** 2 + (ry / b) ** 2 + (dz / c) ** 2 <= 1.0


def _component(mask: np.ndarray, centre) -> np.ndarray:
    from scipy.ndimage import label

    labelled, _ = label(mask)
    return labelled == labelled[centre]


def lesion_hounsfield(
    lesion: PlacedLesion, hu: np.ndarray, rng: np.random.Generator
) -> float | None:
    """CT value of the lesion tissue: soft-tissue nodules and nodes, hypodense liver and
    pancreas lesions, lytic or sclerotic bone lesions; calcified granulomas, lipid-rich
    adrenal adenomas (< 10 HU) and sclerotic degenerative bone. None for physiologic
    activity, which has no CT correlate of its own."""
    organ, finding = lesion.site.organ, lesion.spec.finding
    if lesion.spec.kind == "physiologic":
        return None
    if finding == "granuloma":
        return float(rng.uniform(150, 450))
    if finding == "adenoma":
        return float(rng.uniform(-5, 10))
    if finding == "degenerative":
        return float(rng.uniform(450, 800))
    if organ == "Bone":
        return float(
            rng.uniform(60, 160) if lesion.spec.bone_pattern == "lytic" else rng.uniform(650, 1000)
        )
    if organ == "Liver":
        return float(hu[T.LIVER] - rng.uniform(12, 28))
    if organ == "Pancreas":
        return float(hu[T.PANCREAS] - rng.uniform(5, 15))
    if organ == "Adrenal gland":
        return float(rng.uniform(8, 30))
    if organ == "Thyroid":
        return float(rng.uniform(40, 65))
    return float(rng.uniform(28, 45))


def paint_lesion_activity(
    activity: np.ndarray, lesion: PlacedLesion, sigma_vox: float | Sequence[float]
) -> float:
    """Set the lesion's activity so that, after the scanner blur, its peak is near the
    target SUVmax (small lesions need more activity: partial-volume recovery). Returns the
    activity used."""
    from scipy.ndimage import gaussian_filter

    pad = int(np.ceil(4 * float(np.max(sigma_vox)))) + 1
    outer = tuple(
        slice(max(s.start - pad, 0), min(s.stop + pad, n))
        for s, n in zip(lesion.box, activity.shape, strict=True)
    )
    inner = tuple(
        slice(s.start - o.start, s.stop - o.start) for s, o in zip(lesion.box, outer, strict=True)
    )
    indicator = np.zeros(activity[outer].shape, dtype=np.float64)
    painted = lesion.mask if lesion.painted is None else lesion.painted
    indicator[inner][painted] = 1.0
    background = activity[outer].astype(np.float64)
    blurred_ind = gaussian_filter(indicator, sigma_vox, mode="constant")
    blurred_bg = gaussian_filter(background, sigma_vox, mode="nearest")
    peak = np.unravel_index(
        int(np.argmax(np.where(indicator > 0, blurred_ind, -1.0))), indicator.shape
    )
    recovery = float(blurred_ind[peak])
    bg_mean = float(background[indicator > 0].mean())
    level = bg_mean + (lesion.spec.target_suv - float(blurred_bg[peak])) / recovery
    level = max(level, 1.15 * bg_mean + 0.3)
    activity[lesion.box][painted] = level
    return level


def grow_mask(pet: np.ndarray, lesion: PlacedLesion, claimed: np.ndarray) -> None:
    """Replace the lesion's mask by one grown on the stored PET, as a reader's tool does.

    Seed: the hottest painted voxel not claimed by another lesion. Threshold, per lesion:
    - ``SUV 2.5`` (fixed) for a low-uptake lesion in a cold background (seed SUV 3-6, local
      background below 1.5: an FDG lung nodule or small node), where 41 % would fall into the
      background noise;
    - ``41% SUVmax`` otherwise (the usual relative threshold);
    - ``50% above background`` (background + half of SUVmax minus background) when the chosen
      threshold is not clearly above the local background (below 1.4 times it: a lesion in
      the liver or another active organ).
    The mask is the connected component (face neighbours) of voxels at or above the
    threshold that contains the seed, inside the lesion's fence (the painted shape dilated by
    about half the scanner FWHM, without hot organs or other lesions) and outside `claimed`
    (full grid: other lesions' painted shapes and earlier masks), so masks never overlap.
    """
    from scipy.ndimage import binary_dilation, label

    assert lesion.painted is not None and lesion.fence is not None
    values = pet[lesion.box]
    free = ~claimed[lesion.box]
    painted, fence = lesion.painted & free, lesion.fence & free
    if not painted.any():  # fully claimed (cannot happen with placement's margins): keep one
        painted = lesion.painted
        fence = painted
    seed = np.unravel_index(int(np.argmax(np.where(painted, values, -np.inf))), values.shape)
    suv_max = float(values[seed])
    ring = binary_dilation(lesion.fence, iterations=2) & ~binary_dilation(lesion.fence)
    ring_values = values[ring & (values > 0)]
    background = float(np.median(ring_values)) if ring_values.size else 0.0
    if 3.0 <= suv_max <= 6.0 and background < 1.5:
        threshold, rule = FIXED_THRESHOLD, "SUV 2.5"
    else:
        threshold, rule = RELATIVE_THRESHOLD * suv_max, "41% SUVmax"
    if threshold < 1.4 * background:
        threshold, rule = background + 0.5 * (suv_max - background), "50% above background"
    threshold = min(threshold, suv_max)
    labelled, _ = label((values >= threshold) & fence)
    mask = labelled == labelled[seed]
    lesion.mask = mask
    lesion.threshold = threshold
    lesion.threshold_rule = rule


def measure_lesion(pet: np.ndarray, lesion: PlacedLesion, spacing) -> Measurement:
    values = pet[lesion.box]
    inside = np.where(lesion.mask, values, -np.inf)
    top = float(inside.max())
    ks = np.nonzero((inside == top).any(axis=(0, 1)))[0]
    k = int(ks.max()) + lesion.box[2].start
    long_mm, short_mm = axial_diameters(lesion.mask, spacing)
    return Measurement(
        suv_max=float(format_suv(top)),
        slice=pet.shape[2] - k,
        long_mm=long_mm,
        short_mm=short_mm,
        voxels=int(lesion.mask.sum()),
    )


def axial_diameters(mask: np.ndarray, spacing) -> tuple[float, float]:
    """(longest axial diameter, perpendicular extent on that slice), in mm: distances between
    voxel centres plus one in-plane voxel width."""
    sx, sy = float(spacing[0]), float(spacing[1])
    width = (sx + sy) / 2
    best = (-1.0, 0.0)
    for k in np.nonzero(mask.any(axis=(0, 1)))[0]:
        pts = np.argwhere(mask[:, :, k]).astype(np.float64) * (sx, sy)
        diff = pts[:, None, :] - pts[None, :, :]
        dist = np.sqrt((diff**2).sum(axis=-1))
        i, j = np.unravel_index(int(np.argmax(dist)), dist.shape)
        longest = float(dist[i, j])
        if longest <= best[0]:
            continue
        if longest > 0:
            axis = (pts[j] - pts[i]) / longest
            normal = np.array([-axis[1], axis[0]])
            proj = pts @ normal
            short = float(proj.max() - proj.min())
        else:
            short = 0.0
        best = (longest, short)
    return best[0] + width, best[1] + width
