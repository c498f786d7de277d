"""The exam cache: lesions of one exam share the whole-body stage, with identical results."""

from __future__ import annotations

import numpy as np
import pytest
from petar_phantom import ExamSpec, Lesion, make_exam

from petar_bench.volumes import petar_release
from petar_bench.volumes._lesion import LesionInput
from petar_bench.volumes.exam_cache import ExamCache

SPEC = ExamSpec(
    shape=(64, 56, 90),
    spacing=(4.0, 4.0, 4.0),
    lesions=(Lesion((0.4, 0.5, 0.5), 12.0, 8.0), Lesion((0.6, 0.45, 0.3), 10.0, 6.0)),
    seed=7,
)


@pytest.fixture(scope="module")
def exam():
    pet, ct, masks, affine = make_exam(SPEC)
    return pet, np.rint(ct).astype(np.int16), masks, affine


@pytest.fixture
def counted(monkeypatch):
    """Counts calls of the whole-body stage as the profile makes them."""
    calls = []
    real = petar_release.whole_body_stage

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(petar_release, "whole_body_stage", counting)
    return calls


def _lesions(pet, ct, masks, affine) -> list[LesionInput]:
    return [LesionInput(f"l{i}", "FDG", pet, ct, m, affine) for i, m in enumerate(masks)]


def test_two_lesions_share_one_whole_body_stage(exam, counted) -> None:
    lesions = _lesions(*exam)
    plain = [petar_release.preprocess_petar_release(les) for les in lesions]
    assert len(counted) == 2
    cache = ExamCache()
    cached = [petar_release.preprocess_petar_release(les, cache=cache) for les in lesions]
    assert len(counted) == 3  # one more call for both lesions
    assert (cache.misses, cache.hits) == (1, 1)
    for a, b in zip(plain, cached, strict=True):
        for key, array in a.arrays().items():
            np.testing.assert_array_equal(array, getattr(b, key), err_msg=key)
        assert a.meta == b.meta
    assert not np.array_equal(cached[0].mask_focal, cached[1].mask_focal)  # per-lesion parts differ


def test_exam_recognised_by_content_or_exam_key(exam, counted) -> None:
    pet, ct, masks, affine = exam
    first = LesionInput("a", "FDG", pet, ct, masks[0], affine)
    # As lesions arrive from DataLoader workers: equal arrays, other objects.
    copy = LesionInput("b", "FDG", pet.copy(), ct.copy(), masks[1], affine)
    changed_pet = pet.copy()
    changed_pet[10, 10, 10] += 1.0
    changed = LesionInput("c", "FDG", changed_pet, ct, masks[1], affine)
    cache = ExamCache()
    for lesion in (first, copy, changed):
        petar_release.preprocess_petar_release(lesion, cache=cache)
    assert len(counted) == 2 and (cache.misses, cache.hits) == (2, 1)
    keyed = ExamCache()
    petar_release.preprocess_petar_release(first, cache=keyed, exam_key="p1_e1")
    petar_release.preprocess_petar_release(changed, cache=keyed, exam_key="p1_e1")  # trusted
    assert len(counted) == 3
    petar_release.preprocess_petar_release(copy, cache=keyed, exam_key="p1_e2")
    assert len(counted) == 4


def test_on_disk_dtype_is_part_of_the_key(exam, counted) -> None:
    """Same voxels, but a CT stored as float32 is not re-quantised like an int16 one."""
    import nibabel as nib

    pet, ct, masks, affine = exam
    float_header = nib.Nifti1Header()
    float_header.set_data_dtype(np.float32)
    cache = ExamCache()
    petar_release.preprocess_petar_release(
        LesionInput("a", "FDG", pet, ct, masks[0], affine), cache=cache
    )
    petar_release.preprocess_petar_release(
        LesionInput("b", "FDG", pet, ct, masks[0], affine, None, float_header), cache=cache
    )
    assert len(counted) == 2


def test_lru_eviction_and_fingerprint_memo() -> None:
    cache = ExamCache(max_exams=1)
    made = []
    cache.get_or_compute("a", lambda: made.append("a") or "A")
    cache.get_or_compute("b", lambda: made.append("b") or "B")
    assert cache.get_or_compute("a", lambda: made.append("a") or "A") == "A"
    assert made == ["a", "b", "a"] and len(cache) == 1
    array = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    fortran = np.asfortranarray(array)
    assert cache.fingerprint(array) == cache.fingerprint(array.copy())
    assert cache.fingerprint(fortran) == cache.fingerprint(np.asfortranarray(array))
    assert cache.fingerprint(array) != cache.fingerprint(array + 1)
    assert cache.fingerprint(array[:, :, ::2]) == cache.fingerprint(array[:, :, ::2].copy())
    assert cache.fingerprint(array.astype(">i2")) != cache.fingerprint(array)


def test_an_array_changed_in_place_is_never_served_from_the_memo() -> None:
    cache = ExamCache()
    array = np.arange(24, dtype=np.float32).reshape(2, 3, 4).copy()
    before = cache.fingerprint(array)
    with pytest.raises(ValueError, match="read-only"):
        array[0, 0, 0] = 99.0  # remembered arrays are locked
    # A view of writable memory cannot be locked: it is hashed again on every call.
    base = np.arange(24, dtype=np.float32)
    view = base.reshape(2, 3, 4)
    first = cache.fingerprint(view)
    base[0] = 99.0
    assert cache.fingerprint(view) != first
    assert cache.fingerprint(array) == before


def test_in_place_change_of_a_lesion_input_changes_the_result(exam, counted) -> None:
    pet, ct, masks, affine = exam
    pet, ct = pet.copy(), ct.copy()
    cache = ExamCache()
    lesion = LesionInput("l0", "FDG", pet, ct, masks[0], affine)
    petar_release.preprocess_petar_release(lesion, cache=cache)
    with pytest.raises(ValueError, match="read-only"):
        pet *= 2.0
