"""Reading DICOM series: geometry (LPS -> RAS), per-slice rescale, sorting, and refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

from dicom_helpers import MARKER_RAS, export_small  # noqa: E402

from petar_bench.datasets.dicom import convert_exam  # noqa: E402
from petar_bench.datasets.dicom._series import (  # noqa: E402
    group_series,
    pick_series,
    read_series,
    scan_folder,
)
from petar_bench.errors import UserError  # noqa: E402


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple]:
    folder = tmp_path_factory.mktemp("dicom") / "exam"
    return folder, export_small(folder)


def _copy(exported: tuple[Path, tuple], tmp_path: Path) -> Path:
    target = tmp_path / "exam"
    shutil.copytree(exported[0], target)
    return target


def _series(folder: Path, modality: str = "PT"):
    return read_series(pick_series(group_series(scan_folder(folder)), modality, folder), folder)


def _pet_files(folder: Path) -> list[tuple[float, Path]]:
    """(z of ImagePositionPatient, path) of the PET slices, sorted by z."""
    found = []
    for path in (folder / "PT").iterdir():
        ds = pydicom.dcmread(str(path), stop_before_pixels=True)
        found.append((float(ds.ImagePositionPatient[2]), path))
    return sorted(found)


def test_marker_lands_where_the_textbook_formula_puts_it(exported: tuple[Path, tuple]) -> None:
    """Independent of our reader: find the hot pixel in the files and place it with
    P = IPP + column * dc * row_cosine + row * dr * column_cosine (DICOM PS3.3 C.7.6.2.1.1)."""
    slices = [pydicom.dcmread(str(path)) for _, path in _pet_files(exported[0])]
    values = [ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept) for ds in slices]
    hottest = int(np.argmax([v.max() for v in values]))  # the marker is the global maximum
    ds = slices[hottest]
    r, c = np.unravel_index(np.argmax(values[hottest]), values[hottest].shape)
    iop = np.array([float(v) for v in ds.ImageOrientationPatient])
    dr, dc = (float(v) for v in ds.PixelSpacing)
    lps = np.array([float(v) for v in ds.ImagePositionPatient])
    lps = lps + c * dc * iop[:3] + r * dr * iop[3:]
    assert np.allclose(lps, (-MARKER_RAS[0], -MARKER_RAS[1], MARKER_RAS[2]))


@pytest.mark.parametrize("flip", [(False, False, False), (True, False, True)])
def test_round_trip_geometry_and_values(tmp_path: Path, flip: tuple[bool, bool, bool]) -> None:
    suv, _, _, affine = export_small(tmp_path / "exam", flip=flip)
    pet = _series(tmp_path / "exam")
    # The reader returns RAS-canonical axes: positive diagonal, k toward the head.
    assert np.all(np.diag(pet.affine)[:3] > 0)
    marker = np.unravel_index(np.argmax(pet.data), pet.data.shape)
    assert np.allclose(pet.affine @ [*marker, 1], [*MARKER_RAS, 1])
    # Same voxels as the input, up to the axis flips: compare through world coordinates.
    canonical = suv[tuple(slice(None, None, -1) if f else slice(None) for f in flip)]
    expected_affine = affine.copy()
    for axis, f in enumerate(flip):
        if f:
            expected_affine[:3, axis] *= -1
            expected_affine[:3, 3] += affine[:3, axis] * (suv.shape[axis] - 1)
    assert np.allclose(pet.affine, expected_affine, atol=1e-4)
    header = pet.header
    bqml_per_suv = pet.data.max() / canonical.max()
    back = pet.data / bqml_per_suv
    # int16 with one slope per slice: error <= half a step = slice max / 65532.
    bound = canonical.max(axis=(0, 1)) / 65532 * 1.001 + 1e-6
    assert np.all(np.abs(back - canonical).max(axis=(0, 1)) <= bound)
    assert header.Units == "BQML"


def test_slopes_differ_per_slice(exported: tuple[Path, tuple]) -> None:
    slopes = {
        pydicom.dcmread(str(p), stop_before_pixels=True).RescaleSlope
        for _, p in _pet_files(exported[0])
    }
    assert len(slopes) > 1


def test_ct_has_its_own_finer_grid(exported: tuple[Path, tuple]) -> None:
    folder = exported[0]
    ct = _series(folder, "CT")
    pet = _series(folder)
    assert ct.spacing == pytest.approx((2.0, 2.0, 3.0))
    assert ct.data.shape != pet.data.shape
    assert ct.data.min() == -1000 and ct.data.max() == 40


def test_convert_exam_writes_suv_and_reuses(exported: tuple[Path, tuple], tmp_path: Path) -> None:
    import nibabel as nib

    suv = exported[1][0]
    out = convert_exam(exported[0], tmp_path / "nifti")
    pet = np.asarray(nib.load(out.pet_path).dataobj)
    assert np.abs(pet - suv).max() <= suv.max() / 65532 * 1.001
    assert out.metadata["suv"]["decay_correction"] == "START"
    assert out.metadata["tracer"] == "FDG" and sorted(out.mask_paths) == ["l01", "l02"]
    before = out.pet_path.stat().st_mtime_ns
    again = convert_exam(exported[0], tmp_path / "nifti")
    assert again.pet_path.stat().st_mtime_ns == before  # reused, not rewritten


def test_gap_is_refused_naming_the_folder(exported: tuple[Path, tuple], tmp_path: Path) -> None:
    folder = _copy(exported, tmp_path)
    _pet_files(folder)[4][1].unlink()
    with pytest.raises(UserError, match="slice gap") as info:
        _series(folder)
    assert str(folder) in str(info.value) and "\n" not in str(info.value)


def test_duplicate_slice_is_refused(exported: tuple[Path, tuple], tmp_path: Path) -> None:
    folder = _copy(exported, tmp_path)
    path = _pet_files(folder)[3][1]
    shutil.copy(path, path.with_name("copy.dcm"))
    with pytest.raises(UserError, match="duplicates"):
        _series(folder)


def test_two_pet_series_are_refused_but_nac_is_set_aside(
    exported: tuple[Path, tuple], tmp_path: Path
) -> None:
    folder = _copy(exported, tmp_path)
    for path in (folder / "PT").iterdir():
        ds = pydicom.dcmread(str(path))
        ds.SeriesInstanceUID = "1.2.3.4.5"
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
        ds.SeriesDescription = "PET NAC"
        ds.CorrectedImage = ["DECY"]
        ds.save_as(str(folder / "PT" / ("nac-" + path.name)))
    assert _series(folder).series_uid != "1.2.3.4.5"  # the non-AC series is set aside
    for path in (folder / "PT").glob("nac-*"):
        ds = pydicom.dcmread(str(path))
        ds.CorrectedImage = ["ATTN", "DECY"]
        ds.SeriesDescription = "PET AC copy"
        ds.save_as(str(path))
    with pytest.raises(UserError, match="2 PET series"):
        _series(folder)


def test_mixed_modalities_in_one_series_are_refused(
    exported: tuple[Path, tuple], tmp_path: Path
) -> None:
    folder = _copy(exported, tmp_path)
    pet_uid = pydicom.dcmread(str(_pet_files(folder)[0][1])).SeriesInstanceUID
    path = next((folder / "CT").iterdir())
    ds = pydicom.dcmread(str(path))
    ds.SeriesInstanceUID = pet_uid
    ds.save_as(str(path))
    with pytest.raises(UserError, match="mixed series") as info:
        _series(folder)
    assert str(folder) in str(info.value) and "\n" not in str(info.value)


def test_mixed_orientation_is_refused(exported: tuple[Path, tuple], tmp_path: Path) -> None:
    folder = _copy(exported, tmp_path)
    path = _pet_files(folder)[2][1]
    ds = pydicom.dcmread(str(path))
    ds.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]
    ds.save_as(str(path))
    with pytest.raises(UserError, match="different orientations"):
        _series(folder)


def test_truncated_file_is_refused(exported: tuple[Path, tuple], tmp_path: Path) -> None:
    folder = _copy(exported, tmp_path)
    path = _pet_files(folder)[5][1]
    path.write_bytes(path.read_bytes()[:900])
    with pytest.raises(UserError, match=str(path.name)):
        _series(folder)


def test_missing_ct_is_refused(exported: tuple[Path, tuple], tmp_path: Path) -> None:
    folder = _copy(exported, tmp_path)
    shutil.rmtree(folder / "CT")
    with pytest.raises(UserError, match="no CT series"):
        convert_exam(folder, tmp_path / "out")


def test_localizer_is_ignored(exported: tuple[Path, tuple], tmp_path: Path) -> None:
    folder = _copy(exported, tmp_path)
    ds = pydicom.dcmread(str(next((folder / "CT").iterdir())))
    ds.SeriesInstanceUID = "1.2.3.4.6"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
    ds.save_as(str(folder / "scout.dcm"))
    assert _series(folder, "CT").series_uid != "1.2.3.4.6"


def test_package_imports_no_dicom_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, petar_bench.datasets.dicom; "
        "print([m for m in ('pydicom', 'highdicom', 'rt_utils') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("modality", ["PT", "CT"])
def test_agrees_with_highdicom_voxel_for_voxel(exported: tuple[Path, tuple], modality: str) -> None:
    """An independent reader: highdicom stacks the same files (its own sorting, rescale and
    LPS affine); every one of our voxels, placed in the world, holds highdicom's value there."""
    hd = pytest.importorskip("highdicom")
    folder = exported[0] / modality
    reference = hd.get_volume_from_series([pydicom.dcmread(str(p)) for p in folder.iterdir()])
    ours = _series(exported[0], modality)
    index = np.stack(np.meshgrid(*map(np.arange, ours.data.shape), indexing="ij"), -1)
    ras = index.reshape(-1, 3) @ ours.affine[:3, :3].T + ours.affine[:3, 3]
    lps = ras * np.array([-1.0, -1.0, 1.0])
    to_index = np.linalg.inv(np.asarray(reference.affine))
    theirs = lps @ to_index[:3, :3].T + to_index[:3, 3]
    rounded = np.rint(theirs).astype(int)
    assert np.allclose(theirs, rounded, atol=1e-3)  # voxel centres coincide
    values = np.asarray(reference.array)[tuple(rounded.T)]
    assert np.allclose(values, ours.data.reshape(-1), rtol=1e-6, atol=1e-6)
