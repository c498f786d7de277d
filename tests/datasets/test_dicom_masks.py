"""Lesion masks onto the PET grid: DICOM SEG, RTSTRUCT (written here with rt-utils), NIfTI."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("highdicom")
# rt-utils saves through attributes pydicom 3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

from dicom_helpers import export_small, world  # noqa: E402

from petar_bench.datasets.dicom import convert_exam, masks_from_rtstruct, rasterise  # noqa: E402
from petar_bench.datasets.dicom._series import (  # noqa: E402
    group_series,
    pick_series,
    read_series,
    scan_folder,
)
from petar_bench.errors import UserError  # noqa: E402

CENTRE_RAS = (-6.0, 2.0, 4.0)
RADIUS = 9.0


@pytest.fixture(scope="module")
def exam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("masks") / "exam"
    export_small(folder, mask_format="seg")
    return folder


def _read(folder: Path, modality: str):
    return read_series(pick_series(group_series(scan_folder(folder)), modality, folder), folder)


def _rtutils_ball(series_folder: Path, out: Path) -> None:
    """An RTSTRUCT with one ROI, a ball given in world mm, built with rt-utils on the series
    in `series_folder`; the mask is computed from the slices' own IPP/IOP here, so it does
    not depend on our reader."""
    rt_utils = pytest.importorskip("rt_utils")
    from rt_utils import image_helper

    builder = rt_utils.RTStructBuilder.create_new(dicom_series_path=str(series_folder))
    slices = image_helper.load_sorted_image_series(str(series_folder))
    rows, cols = int(slices[0].Rows), int(slices[0].Columns)
    mask = np.zeros((rows, cols, len(slices)), dtype=bool)
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    for k, ds in enumerate(slices):
        iop = np.array([float(v) for v in ds.ImageOrientationPatient])
        dr, dc = (float(v) for v in ds.PixelSpacing)
        ipp = np.array([float(v) for v in ds.ImagePositionPatient])
        lps = ipp + (c * dc)[..., None] * iop[:3] + (r * dr)[..., None] * iop[3:]
        ras = lps * np.array([-1.0, -1.0, 1.0])
        mask[:, :, k] = np.linalg.norm(ras - np.asarray(CENTRE_RAS), axis=-1) <= RADIUS
    builder.add_roi(mask=mask, name="Lesion 7")
    with contextlib.redirect_stdout(io.StringIO()):
        builder.save(str(out))


def _ball_on(pet) -> np.ndarray:
    return np.linalg.norm(world(pet.affine, pet.data.shape) - np.asarray(CENTRE_RAS), axis=-1) <= (
        RADIUS
    )


def test_seg_round_trip(exam: Path, tmp_path: Path) -> None:
    import nibabel as nib
    from dicom_helpers import phantom

    out = convert_exam(exam, tmp_path / "out")
    assert out.metadata["mask_format"] == "seg"
    pet = _read(exam, "PT")
    _, _, expected = phantom(pet.affine)  # the canonical grid is the export grid here
    for name, path in out.mask_paths.items():
        assert np.array_equal(np.asarray(nib.load(path).dataobj) > 0, expected[name])


def test_rtstruct_from_rtutils_on_the_pet(exam: Path, tmp_path: Path) -> None:
    _rtutils_ball(exam / "PT", tmp_path / "rs.dcm")
    pet = _read(exam, "PT")
    masks = masks_from_rtstruct(tmp_path / "rs.dcm", pet.data.shape, pet.affine)
    assert list(masks) == ["Lesion_7"]
    assert np.array_equal(masks["Lesion_7"], _ball_on(pet))


def test_rtstruct_drawn_on_the_ct_lands_on_the_pet(exam: Path, tmp_path: Path) -> None:
    """Contours on the CT's 3 mm slices, rasterised onto 4 mm PET slices: only boundary
    voxels may differ from the ball computed on the PET grid."""
    _rtutils_ball(exam / "CT", tmp_path / "rs.dcm")
    pet = _read(exam, "PT")
    got = masks_from_rtstruct(tmp_path / "rs.dcm", pet.data.shape, pet.affine)["Lesion_7"]
    want = _ball_on(pet)
    dice = 2 * (got & want).sum() / (got.sum() + want.sum())
    assert dice > 0.8
    from scipy.ndimage import binary_dilation, binary_erosion

    assert np.all(got[binary_erosion(want)]) and not np.any(got[~binary_dilation(want)])


def test_convert_with_rtstruct_and_nifti_on_the_ct_grid(exam: Path, tmp_path: Path) -> None:
    import nibabel as nib

    from petar_bench.datasets._imaging import nifti_gz_bytes

    folder = tmp_path / "exam"
    shutil.copytree(exam, folder)
    shutil.rmtree(folder / "SEG")
    _rtutils_ball(folder / "PT", folder / "rs.dcm")
    out = convert_exam(folder, tmp_path / "out-rs")
    assert out.metadata["mask_format"] == "rtstruct" and list(out.mask_paths) == ["Lesion_7"]
    # The same ball as NIfTI on the CT grid: nearest neighbour onto the PET grid.
    (folder / "rs.dcm").unlink()
    ct = _read(folder, "CT")
    ball_ct = np.linalg.norm(world(ct.affine, ct.data.shape) - np.asarray(CENTRE_RAS), axis=-1)
    (folder / "masks").mkdir()
    (folder / "masks" / "l07.nii.gz").write_bytes(
        nifti_gz_bytes((ball_ct <= RADIUS).astype(np.uint8), ct.affine, description="m")
    )
    nifti = convert_exam(folder, tmp_path / "out-nii")
    got = np.asarray(nib.load(nifti.mask_paths["l07"]).dataobj) > 0
    pet = _read(folder, "PT")
    want = _ball_on(pet)
    # Nearest neighbour moves a PET voxel centre by at most half a CT voxel (1-1.5 mm):
    # only voxels on the ball's boundary may change.
    from scipy.ndimage import binary_dilation, binary_erosion

    assert np.all(got[binary_erosion(want)]) and not np.any(got[~binary_dilation(want)])
    assert abs(int(got.sum()) - int(want.sum())) <= 0.3 * want.sum()


def test_two_mask_formats_are_refused(exam: Path, tmp_path: Path) -> None:
    folder = tmp_path / "exam"
    shutil.copytree(exam, folder)
    (folder / "masks").mkdir()
    (folder / "masks" / "x.nii.gz").write_bytes(b"")
    with pytest.raises(UserError, match="several formats"):
        convert_exam(folder, tmp_path / "out")


def test_rasterise_holes_and_edges() -> None:
    """A 7x7 square of voxel centres with a 3x3 hole (even-odd), contours through centres."""
    outer = np.array([[2, 2, 0], [8, 2, 0], [8, 8, 0], [2, 8, 0]], dtype=float)
    inner = np.array([[4, 4, 0], [6, 4, 0], [6, 6, 0], [4, 6, 0]], dtype=float)
    mask = rasterise([outer, inner], (11, 11, 1))[:, :, 0]
    want = np.zeros((11, 11), dtype=bool)
    want[2:9, 2:9] = True
    want[5, 5] = False  # strictly inside the hole; the hole's edge voxels stay in
    assert np.array_equal(mask, want)


def test_rasterise_picks_the_nearest_plane() -> None:
    square = np.array([[1, 1, 0], [3, 1, 0], [3, 3, 0], [1, 3, 0]], dtype=float)
    planes = [square + [0, 0, z] for z in (0.0, 0.75, 1.5, 2.25)]  # contours every 0.75 slice
    mask = rasterise(planes, (5, 5, 4))
    assert [bool(mask[:, :, k].any()) for k in range(4)] == [True, True, True, False]
