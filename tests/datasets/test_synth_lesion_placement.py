"""Every site can hold a lesion on small and large patients, inside the body and near its
station, and lesion activity reaches its target after blur."""

from __future__ import annotations

import numpy as np
import pytest

from petar_bench.datasets._anatomy import PART_ID
from petar_bench.datasets._geometry import Frame, Grid
from petar_bench.datasets._lesions import LesionSpec, paint_lesion_activity, place_lesion
from petar_bench.datasets._phantom import Habitus, build_phantom
from petar_bench.datasets._sites import SITES
from petar_bench.datasets._uptake import draw_uptake

GRID = Grid()
_TOP = float(GRID.world_axes()[2][-1])
EXTREMES = {
    "small": (Frame(-8.0, -10.0, _TOP - 4.0, 0.86, 0.88, 0.84), Habitus(0.93, 0.75, 0.75, True)),
    "large": (Frame(8.0, 6.0, _TOP - 16.0, 0.96, 1.0, 0.92), Habitus(1.08, 2.6, 1.25, True)),
}


@pytest.mark.parametrize("build", sorted(EXTREMES))
def test_every_site_places_a_lesion(build):
    frame, habitus = EXTREMES[build]
    phantom = build_phantom(GRID, frame, habitus)
    uptake = draw_uptake(np.random.default_rng(0), "PSMA")  # hot kidneys, bladder, glands
    affine = GRID.affine()
    for site in SITES.values():
        spec = LesionSpec(site.key, 15.0, 12.0, (1.1, 0.9, 1.0), 0.4, None, (3.0, -3.0, 3.0))
        occupied = np.zeros(GRID.shape, dtype=bool)
        lesion = place_lesion(phantom, spec, uptake, occupied, np.random.default_rng(1))
        mask = lesion.full_mask(GRID.shape) > 0
        assert mask.any() and phantom.body[mask].all(), site.key
        if site.part is not None:
            centre = tuple(int(round(c)) for c in np.argwhere(mask).mean(axis=0))
            assert (phantom.parts[mask] == PART_ID[site.part]).any(), site.key
            assert mask[centre] or mask.sum() < 30, site.key  # compact, not scattered
        else:
            centroid = np.argwhere(mask).mean(axis=0)
            world = affine[:3, 3] + np.diag(affine)[:3] * centroid
            station = np.asarray(frame.to_world(*site.point))
            assert np.linalg.norm(world - station) < 25.0, site.key


def test_activity_reaches_the_target_after_blur():
    from scipy.ndimage import gaussian_filter

    frame, habitus = EXTREMES["small"]
    phantom = build_phantom(GRID, frame, habitus)
    uptake = draw_uptake(np.random.default_rng(0), "FDG")
    activity = uptake.astype(np.float32)[phantom.labels]
    sigma = 6.0 / 2.3548 / GRID.spacing[0]
    for key, diameter in (("lung_rul", 8.0), ("liver_VII", 30.0), ("node_7", 14.0)):
        spec = LesionSpec(key, diameter, 9.0, (1.0, 1.0, 1.0), 0.0, None, (0.0, 0.0, 0.0))
        lesion = place_lesion(
            phantom, spec, uptake, np.zeros(GRID.shape, bool), np.random.default_rng(2)
        )
        local = activity.copy()
        paint_lesion_activity(local, lesion, sigma)
        blurred = gaussian_filter(local, sigma, mode="constant")
        peak = float(blurred[lesion.full_mask(GRID.shape) > 0].max())
        assert abs(peak - 9.0) < 0.9, key
