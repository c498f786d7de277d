"""Writing an exam (SUV PET, HU CT, lesion masks) as DICOM, the way scanners store it.

- PET: Bq/mL as int16 with a RescaleSlope per slice (each slice scaled to its own maximum),
  Units BQML, DecayCorrection START, CorrectedImage ATTN/DECY, the injection a realistic
  delay before the series start, and the dose, half-life and weight that turn it back into
  the same SUV. Stored values are rounded, so a round trip is exact only to half a slope step:
  |SUV_back - SUV| <= (max SUV of that slice) / 65532.
- CT: resampled (trilinear) onto a finer grid of its own covering the same field of view,
  int16 with RescaleIntercept -1024.
- Masks: one DICOM SEG (highdicom) with a segment per lesion, one RTSTRUCT (rt-utils) with a
  ROI per lesion, or NIfTI files, all referencing the PET.

Slices are written in the standard axial orientation (rows toward posterior, columns toward
the patient's left) with instance numbers from the head down and file names that do not
follow slice order, so a reader must sort by position as real data require.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.datasets.dicom._series import LPS_TO_RAS, to_canonical
from petar_bench.datasets.dicom._suv import HALF_LIFE_S, decayed_dose_bq
from petar_bench.errors import UserError

MASK_FORMATS: tuple[str, ...] = ("seg", "rtstruct", "nifti")
DEFAULT_CT_SPACING = (1.5, 1.5, 3.0)
_INT16_MAX = 32767

# tracer -> (nuclide, radiopharmaceutical, dose per kg [Bq], delay range [min])
_TRACER_ACQUISITION = {
    "FDG": ("F-18", "Fludeoxyglucose F^18^", 3.7e6, (55, 70)),
    "PSMA": ("F-18", "Piflufolastat F^18^ (DCFPyL)", 4.3e6, (60, 90)),
    "fluciclovine": ("F-18", "Fluciclovine F^18^", 5.0e6, (3, 5)),
    "DOTATATE": ("Ga-68", "Ga^68^ DOTATATE", 2.6e6, (45, 60)),
}


@dataclass(frozen=True)
class Acquisition:
    """What the PET header states: patient weight, dose, nuclide and timing."""

    weight_kg: float
    nuclide: str
    radiopharmaceutical: str
    dose_bq: float
    injection: datetime
    delay_s: float

    @property
    def half_life_s(self) -> float:
        return HALF_LIFE_S[self.nuclide]

    @property
    def series_start(self) -> datetime:
        return self.injection + timedelta(seconds=self.delay_s)

    @property
    def bqml_per_suv(self) -> float:
        """C [Bq/mL] = SUV x decayed dose / weight [g] (decay to the series start)."""
        decayed = decayed_dose_bq(self.dose_bq, self.half_life_s, self.delay_s)
        return decayed / (self.weight_kg * 1000.0)


def acquisition_for(exam_id: str, tracer: str) -> Acquisition:
    """A plausible, deterministic acquisition for an exam (same id, same numbers)."""
    nuclide, name, per_kg, (low, high) = _TRACER_ACQUISITION.get(tracer, _TRACER_ACQUISITION["FDG"])
    digest = hashlib.sha256(f"{exam_id}|{tracer}".encode()).digest()
    u = [b / 255.0 for b in digest[:4]]
    weight = round(55.0 + 45.0 * u[0], 1)
    dose = round(per_kg * weight, -5)  # whole 0.1 MBq, as dose calibrators read
    delay = round(60 * (low + (high - low) * u[1]) + 59 * u[2])  # whole seconds
    day = datetime(2025, 3, 3) + timedelta(days=int(digest[4] % 200))
    injection = day + timedelta(hours=8, seconds=int(u[3] * 4 * 3600))
    return Acquisition(weight, nuclide, name, float(dose), injection, float(delay))


def _uid(*parts: object) -> str:
    from pydicom.uid import generate_uid

    return str(generate_uid(entropy_srcs=[str(p) for p in parts]))


def _da(value: datetime) -> str:
    return value.strftime("%Y%m%d")


def _tm(value: datetime) -> str:
    return value.strftime("%H%M%S.%f")


def _ds(value: float) -> str:
    from pydicom.valuerep import format_number_as_ds

    return str(format_number_as_ds(float(value)))


@dataclass(frozen=True)
class _Study:
    patient_id: str
    exam_id: str
    date: datetime
    study_uid: str
    frame_uid: str


def _base_dataset(study: _Study, sop_class: str, sop_uid: str) -> Any:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, ExplicitVRLittleEndian

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.PatientName = f"SYNTHETIC^{study.patient_id}"
    ds.PatientID = study.patient_id
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.StudyInstanceUID = study.study_uid
    ds.StudyID = study.exam_id[-16:]
    ds.AccessionNumber = ""
    ds.ReferringPhysicianName = ""
    ds.StudyDate = _da(study.date)
    ds.StudyTime = _tm(study.date)
    ds.FrameOfReferenceUID = study.frame_uid
    ds.PositionReferenceIndicator = ""
    ds.Manufacturer = "petar-bench synthetic"
    ds.ManufacturerModelName = "phantom"
    ds.DeviceSerialNumber = "0"
    ds.SoftwareVersions = "petar-bench"
    ds.BodyPartExamined = "WHOLEBODY"
    ds.PatientPosition = "FFS"
    return ds


def _lps_grid(data: np.ndarray, affine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The volume reoriented so voxel axes run toward L, P and S, with its LPS affine."""
    return to_canonical(data, LPS_TO_RAS @ affine)


def _slice_datasets(
    study: _Study,
    volume: np.ndarray,
    lps_affine: np.ndarray,
    *,
    modality: str,
    series_uid: str,
    series_number: int,
    description: str,
    per_slice: Any,
) -> list[tuple[int, Any]]:
    """(k, dataset) per axial slice with geometry filled in; `per_slice(ds, k)` adds pixels."""
    from pydicom.uid import CTImageStorage, PositronEmissionTomographyImageStorage

    sop_class = PositronEmissionTomographyImageStorage if modality == "PT" else CTImageStorage
    spacing = np.sqrt((lps_affine[:3, :3] ** 2).sum(axis=0))
    row_cos = lps_affine[:3, 0] / spacing[0]
    col_cos = lps_affine[:3, 1] / spacing[1]
    nx, ny, nz = volume.shape
    out = []
    for k in range(nz):
        ds = _base_dataset(study, sop_class, _uid(series_uid, k))
        ds.Modality = modality
        ds.SeriesInstanceUID = series_uid
        ds.SeriesNumber = series_number
        ds.SeriesDescription = description
        ds.InstanceNumber = nz - k  # numbered from the head down, as many scanners do
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.ImageOrientationPatient = [_ds(v) for v in (*row_cos, *col_cos)]
        ds.ImagePositionPatient = [_ds(v) for v in (lps_affine @ [0.0, 0.0, k, 1.0])[:3]]
        ds.PixelSpacing = [_ds(spacing[1]), _ds(spacing[0])]
        ds.SliceThickness = _ds(spacing[2])
        ds.Rows, ds.Columns = ny, nx
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
        ds.PixelRepresentation = 1
        per_slice(ds, k)
        out.append((k, ds))
    return out


def _save(ds: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(str(path), enforce_file_format=True)


def _file_name(ds: Any) -> str:
    # Named by a hash of the instance, so the directory order says nothing about slice order.
    return hashlib.sha1(str(ds.SOPInstanceUID).encode()).hexdigest()[:16] + ".dcm"


def pet_datasets(study: _Study, suv: np.ndarray, affine: np.ndarray, acq: Acquisition) -> list[Any]:
    """PET slices in Bq/mL (int16, slope per slice), ascending along the slice normal."""
    from pydicom.dataset import Dataset

    volume, lps_affine = _lps_grid(np.asarray(suv, dtype=np.float64), affine)
    bqml = volume * acq.bqml_per_suv
    start = acq.series_start
    bed_slices = max(1, int(round(160.0 / float(np.linalg.norm(lps_affine[:3, 2])))))
    series_uid = _uid(study.exam_id, "PT")

    def fill(ds: Any, k: int) -> None:
        plane = bqml[:, :, k].T
        peak = float(np.abs(plane).max())
        # One count of headroom: the DS-rounded slope may come out a hair small.
        slope = float(_ds(peak / (_INT16_MAX - 1))) if peak > 0 else 1.0
        stored = np.clip(np.rint(plane / slope), -_INT16_MAX - 1, _INT16_MAX).astype("<i2")
        ds.RescaleSlope = _ds(slope)
        ds.RescaleIntercept = "0"
        ds.RescaleType = "BQML"
        ds.PixelData = stored.tobytes()
        # Beds of ~16 cm from the feet up (FFS), two minutes each; the series starts first.
        bed = (volume.shape[2] - 1 - k) // bed_slices
        ds.AcquisitionDate = _da(start)
        ds.AcquisitionTime = _tm(start + timedelta(minutes=2 * bed))
        ds.SeriesDate, ds.SeriesTime = _da(start), _tm(start)
        ds.Units = "BQML"
        ds.DecayCorrection = "START"
        ds.CorrectedImage = ["ATTN", "DECY", "SCAT", "DTIM", "RAN", "NORM"]
        ds.SeriesType = ["WHOLE BODY", "IMAGE"]
        ds.NumberOfSlices = volume.shape[2]
        ds.ImageIndex = ds.InstanceNumber
        ds.FrameReferenceTime = "0"
        ds.PatientWeight = _ds(acq.weight_kg)
        item = Dataset()
        item.Radiopharmaceutical = acq.radiopharmaceutical
        item.RadionuclideTotalDose = _ds(acq.dose_bq)
        item.RadionuclideHalfLife = _ds(acq.half_life_s)
        item.RadiopharmaceuticalStartTime = _tm(acq.injection)
        item.RadiopharmaceuticalStartDateTime = acq.injection.strftime("%Y%m%d%H%M%S.%f")
        ds.RadiopharmaceuticalInformationSequence = [item]

    slices = _slice_datasets(
        study,
        volume,
        lps_affine,
        modality="PT",
        series_uid=series_uid,
        series_number=2,
        description="PET WB AC (synthetic)",
        per_slice=fill,
    )
    return [ds for _, ds in slices]


def fine_ct_grid(
    shape: Sequence[int], lps_affine: np.ndarray, spacing: Sequence[float]
) -> tuple[tuple[int, int, int], np.ndarray]:
    """A grid of `spacing` covering the same field of view (voxel edges aligned at the start)."""
    old = np.sqrt((lps_affine[:3, :3] ** 2).sum(axis=0))
    new = np.asarray(spacing, dtype=np.float64)
    counts = np.floor(np.asarray(shape) * old / new + 1e-6).astype(int)
    affine = lps_affine.copy()
    affine[:3, :3] = lps_affine[:3, :3] / old * new
    # Edge of voxel 0 stays put: centre moves by (new - old) / 2 along each axis.
    shift = lps_affine[:3, :3] / old @ ((new - old) / 2.0)
    affine[:3, 3] = lps_affine[:3, 3] + shift
    return (int(counts[0]), int(counts[1]), int(counts[2])), affine


def ct_datasets(
    study: _Study,
    hu: np.ndarray,
    ct_affine: np.ndarray,
    pet_grid: tuple[tuple[int, ...], np.ndarray],
    spacing: Sequence[float],
    when: datetime,
) -> list[Any]:
    """CT slices on a finer grid of their own covering the PET's field of view (trilinear
    from the input CT, wherever its grid is), int16 + intercept."""
    from scipy.ndimage import affine_transform

    _, pet_lps = _lps_grid(np.zeros(pet_grid[0], dtype=np.uint8), pet_grid[1])
    shape, fine_affine = fine_ct_grid(pet_grid[0], pet_lps, spacing)
    volume, lps_affine = _lps_grid(np.asarray(hu, dtype=np.float32), ct_affine)
    to_old = np.linalg.inv(lps_affine) @ fine_affine
    matrix = to_old[:3, :3]
    if np.allclose(matrix, np.diag(np.diag(matrix))):
        matrix = np.diag(matrix)  # scipy's separable fast path
    fine = affine_transform(
        volume,
        matrix,
        offset=to_old[:3, 3],
        output_shape=shape,
        order=1,
        mode="nearest",
    )
    hu_fine = np.clip(np.rint(fine), -1024, 3071).astype(np.int16)
    series_uid = _uid(study.exam_id, "CT")

    def fill(ds: Any, k: int) -> None:
        stored = (hu_fine[:, :, k].T.astype(np.int32) + 1024).astype("<i2")
        ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = "1", "-1024", "HU"
        ds.PixelData = stored.tobytes()
        ds.SeriesDate, ds.SeriesTime = _da(when), _tm(when)
        ds.AcquisitionDate, ds.AcquisitionTime = _da(when), _tm(when)
        ds.KVP = "120"

    slices = _slice_datasets(
        study,
        hu_fine,
        fine_affine,
        modality="CT",
        series_uid=series_uid,
        series_number=1,
        description="CT WB low dose (synthetic)",
        per_slice=fill,
    )
    return [ds for _, ds in slices]


@dataclass(frozen=True)
class ExportedExam:
    folder: Path
    acquisition: Acquisition
    lesions: tuple[str, ...]
    mask_format: str


def export_exam(
    folder: Path,
    *,
    pet_suv: np.ndarray,
    ct_hu: np.ndarray,
    affine: np.ndarray,
    masks: dict[str, np.ndarray],
    tracer: str,
    ct_affine: np.ndarray | None = None,
    patient_id: str,
    exam_id: str,
    mask_format: str = "seg",
    ct_spacing: Sequence[float] = DEFAULT_CT_SPACING,
    acquisition: Acquisition | None = None,
) -> ExportedExam:
    """Write one exam under `folder`: PT/, CT/ and SEG/, RTSTRUCT/ or masks/.

    `pet_suv` and every mask share one grid (`affine`, NIfTI RAS); `ct_hu` lies on
    `ct_affine` (default: the PET's). Mask keys are the lesion ids, kept as segment labels
    or ROI names.
    """
    if mask_format not in MASK_FORMATS:
        raise UserError(f"unknown mask format {mask_format!r}; choose one of {MASK_FORMATS}")
    acq = acquisition or acquisition_for(exam_id, tracer)
    study = _Study(
        patient_id=patient_id,
        exam_id=exam_id,
        date=acq.injection,
        study_uid=_uid(exam_id, "study"),
        frame_uid=_uid(exam_id, "frame"),
    )
    pet = pet_datasets(study, pet_suv, affine, acq)
    for ds in pet:
        _save(ds, folder / "PT" / _file_name(ds))
    when = acq.series_start - timedelta(minutes=2)  # CT just before the PET
    ct_grid = affine if ct_affine is None else ct_affine
    pet_grid = (tuple(pet_suv.shape), affine)
    for ds in ct_datasets(study, ct_hu, ct_grid, pet_grid, ct_spacing, when):
        _save(ds, folder / "CT" / _file_name(ds))
    if mask_format == "seg":
        _write_seg(folder / "SEG" / "lesions.dcm", pet, masks, affine, study)
    elif mask_format == "rtstruct":
        _write_rtstruct(folder / "RTSTRUCT" / "lesions.dcm", folder / "PT", masks, affine)
    else:
        _write_nifti_masks(folder / "masks", masks, affine)
    return ExportedExam(folder, acq, tuple(masks), mask_format)


def _lps_masks(masks: dict[str, np.ndarray], affine: np.ndarray) -> dict[str, np.ndarray]:
    return {name: _lps_grid(np.asarray(m, dtype=bool), affine)[0] for name, m in masks.items()}


def _write_seg(
    path: Path, pet: list[Any], masks: dict[str, np.ndarray], affine: np.ndarray, study: _Study
) -> None:
    import highdicom as hd
    from pydicom.sr.coding import Code

    lps = _lps_masks(masks, affine)
    # (frames, rows, columns, segments) in the order of `pet` (ascending along the normal)
    stack = np.stack([np.transpose(m, (2, 1, 0)) for m in lps.values()], axis=-1)
    category = Code("49755003", "SCT", "Morphologically Altered Structure")
    descriptions = [
        hd.seg.SegmentDescription(
            segment_number=n,
            segment_label=name,
            segmented_property_category=category,
            segmented_property_type=Code("52988006", "SCT", "Lesion"),
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
        )
        for n, name in enumerate(lps, start=1)
    ]
    seg = hd.seg.Segmentation(
        source_images=pet,
        pixel_array=stack.astype(np.uint8),
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=descriptions,
        series_instance_uid=_uid(study.exam_id, "SEG"),
        series_number=3,
        sop_instance_uid=_uid(study.exam_id, "SEG", 1),
        instance_number=1,
        manufacturer="petar-bench synthetic",
        manufacturer_model_name="phantom",
        software_versions="petar-bench",
        device_serial_number="0",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    seg.save_as(str(path))


def _write_rtstruct(
    path: Path, pet_folder: Path, masks: dict[str, np.ndarray], affine: np.ndarray
) -> None:
    from rt_utils import RTStructBuilder

    rtstruct = RTStructBuilder.create_new(dicom_series_path=str(pet_folder))
    for name, mask in _lps_masks(masks, affine).items():
        # rt-utils wants (rows, columns, slices), slices ascending along the normal.
        rtstruct.add_roi(mask=np.transpose(mask, (1, 0, 2)), name=name)
    path.parent.mkdir(parents=True, exist_ok=True)
    # rt-utils prints where it writes and saves through attributes pydicom 3 deprecates.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        rtstruct.save(str(path))


def _write_nifti_masks(folder: Path, masks: dict[str, np.ndarray], affine: np.ndarray) -> None:
    from petar_bench.datasets._imaging import nifti_gz_bytes

    folder.mkdir(parents=True, exist_ok=True)
    for name, mask in masks.items():
        data = np.asarray(mask, dtype=np.uint8)
        (folder / f"{name}.nii.gz").write_bytes(
            nifti_gz_bytes(data, affine, description="lesion mask")
        )
