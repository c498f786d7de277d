"""The image-measurement cache is keyed on the volume files as read, not on the manifest."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from engine_fakes import make_tiny_dataset  # noqa: E402

from petar_bench.errors import UserError  # noqa: E402
from petar_bench.records import read_manifest  # noqa: E402
from petar_bench.volumes._split_measurements import measure_records  # noqa: E402


@pytest.fixture()
def intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PETAR_BENCH_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "intact"
    make_tiny_dataset(root)
    return root


def _measure(root: Path) -> dict[str, dict[str, float]]:
    manifest = read_manifest(root)
    return measure_records(root, manifest, manifest.split("test"))


def _copy(intact: Path, tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(intact, tmp_path / name))


def test_cache_hits_only_for_the_same_bytes(intact: Path, tmp_path: Path) -> None:
    first = _measure(intact)
    assert len(list((tmp_path / "cache" / "measurements").iterdir())) == 1
    assert _measure(_copy(intact, tmp_path, "same")) == first  # same bytes: a hit
    assert len(list((tmp_path / "cache" / "measurements").iterdir())) == 1

    # Same manifest (stored checksums and all), brighter PET: measured again, not the cache.
    bright = _copy(intact, tmp_path, "bright")
    image = nib.load(bright / "pet_2.nii")
    data = np.asarray(image.get_fdata(), dtype=np.float32) * 10
    nib.save(nib.Nifti1Image(data, image.affine), str(bright / "pet_2.nii"))
    changed = _measure(bright)
    # (measurements are rounded to 0.1, hence the loose tolerance)
    assert changed["s02-0"]["suv_max"] == pytest.approx(10 * first["s02-0"]["suv_max"], rel=0.05)
    assert changed["s03-0"] == first["s03-0"]


def test_deleted_or_emptied_volume_is_not_served_from_the_cache(
    intact: Path, tmp_path: Path
) -> None:
    _measure(intact)
    deleted = _copy(intact, tmp_path, "deleted")
    (deleted / "pet_3.nii").unlink()
    with pytest.raises(UserError, match="pet_3.nii.* does not exist"):
        _measure(deleted)
    emptied = _copy(intact, tmp_path, "emptied")
    mask = nib.load(emptied / "mask_2_1.nii")
    nib.save(
        nib.Nifti1Image(np.zeros(mask.shape, dtype=np.uint8), mask.affine),
        str(emptied / "mask_2_1.nii"),
    )
    with pytest.raises(UserError, match="is empty"):
        _measure(emptied)
