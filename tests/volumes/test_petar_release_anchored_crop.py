"""The one departure of the petar-release profile: where the release's head search (or its
1,050 mm slab) would leave no voxel of the lesion, the head crop is anchored at the lesion;
every other lesion keeps the release's own crop."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from petar_bench.volumes._lesion import LesionInput
from petar_bench.volumes._petar_release_wholebody import (
    head_crop_slices,
    lesion_anchored_head_crop,
)
from petar_bench.volumes.petar_release import preprocess_petar_release

SIZE = (32, 64, 64)
SHAPE = (40, 40, 120)  # 4 mm voxels: 480 mm of body, z toward the head


def _exam(lesion_z: slice) -> LesionInput:
    """A 'liver' at SUV 8 in the middle of the scan and no hot brain (fluciclovine-like):
    the release's head search stops at the liver's top slice (z = 69)."""
    affine = np.diag([4.0, 4.0, 4.0, 1.0])
    pet = np.full(SHAPE, 1.0, np.float32)
    pet[5:35, 5:35, :] = 1.5
    pet[12:28, 12:28, 50:70] = 8.0
    pet[14:26, 14:26, lesion_z] = 3.5
    ct = np.full(SHAPE, -1000, np.int16)
    ct[5:35, 5:35, :] = 40
    mask = np.zeros(SHAPE, bool)
    mask[14:26, 14:26, lesion_z] = True
    return LesionInput("s", "fluciclovine", pet, ct, mask, affine)


def test_a_lesion_above_the_found_head_top_gets_an_anchored_crop() -> None:
    lesion = _exam(slice(90, 94))
    assert head_crop_slices(lesion.pet, lesion.ct) == SHAPE[2] - 69 - 1  # drops the lesion
    x = preprocess_petar_release(lesion, size=SIZE)
    assert x.meta.head_crop == "lesion-anchored"
    # 240 mm above the lesion's top slice (93) is 60 slices up: past the top, so no crop.
    assert x.meta.head_crop_slices == 0
    assert x.mask.max() == 1.0 and x.mask_focal.max() == 1.0


def test_a_lesion_below_the_found_head_top_keeps_the_release_crop() -> None:
    lesion = _exam(slice(30, 34))
    x = preprocess_petar_release(lesion, size=SIZE)
    assert x.meta.head_crop == "release"
    assert x.meta.head_crop_slices == head_crop_slices(lesion.pet, lesion.ct) == 50


def test_anchored_crop_counts_slices_from_the_lesion_top() -> None:
    mask = np.zeros((4, 4, 400), bool)
    mask[1, 1, 100:104] = True
    affine = np.diag([3.0, 3.0, 2.0, 1.0])
    # top voxel 103, 240 mm = 120 slices of 2 mm above it: keep 0..223, drop 176
    assert lesion_anchored_head_crop(mask, affine, margin_mm=240.0) == 400 - 1 - 223
    assert lesion_anchored_head_crop(np.zeros_like(mask), affine, margin_mm=240.0) == 0


def test_the_petar_adapter_counts_anchored_lesions_and_says_so() -> None:
    from petar_bench.baselines.lamed._adapters import ANCHORED_KEY, PetarAdapter, PetarPreparer

    prepared = [PetarPreparer(SIZE)(_exam(z)) for z in (slice(90, 94), slice(30, 34))]
    assert prepared[0][ANCHORED_KEY] is True and ANCHORED_KEY not in prepared[1]

    seen: dict[str, tuple[int, ...]] = {}

    def generate(volumes, texts, max_new_tokens):
        seen.update({key: value.shape for key, value in volumes.items()})
        return ["finding"] * len(texts)

    adapter = object.__new__(PetarAdapter)  # no checkpoint: only the batching is exercised
    adapter._anchored = 0
    adapter._runner = SimpleNamespace(generate=generate)
    adapter.policy = SimpleNamespace(for_sample=lambda sample_id: "prompt")
    adapter.max_new_tokens = 4
    lesions = [_exam(slice(90, 94)), _exam(slice(30, 34))]
    assert adapter.generate_prepared(lesions, prepared) == ["finding", "finding"]
    assert ANCHORED_KEY not in seen and seen["image"] == (2, 1, *SIZE)
    (note,) = adapter.notes()
    assert note.startswith("1 lesion(s) lay outside the release preprocessing's head crop")
