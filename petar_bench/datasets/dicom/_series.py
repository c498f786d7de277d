"""Finding the PET and CT series of one exam folder and stacking them into volumes.

Every file below the exam folder is read as DICOM (files that are not DICOM, such as NIfTI
masks or notes, are skipped); a file that starts like DICOM but cannot be read is an error.
Slices are sorted by ImagePositionPatient projected on the slice normal (never by
InstanceNumber or file name), rescaled per slice (RescaleSlope/RescaleIntercept differ per
slice in PET), and placed with a 4x4 affine. DICOM patient coordinates are LPS; the project's
volumes are NIfTI RAS, so the affine is flipped in x and y and the volume is then reoriented
to the closest canonical RAS axes (k increasing toward the head, as PETARSeg ships them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.datasets.dicom._suv import combine, parse_dt
from petar_bench.errors import UserError

LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
_ORIENTATION_TOL = 1e-4  # direction cosines of two slices of one series
_SPACING_TOL = 0.01  # relative: slice steps of one series may differ by this much
_SKIPPED_IMAGE_TYPES = {"LOCALIZER"}  # CT scout views share the CT modality


def _pydicom() -> Any:
    try:
        import pydicom
    except ImportError:  # pragma: no cover - depends on the environment
        raise UserError("reading DICOM needs pydicom: pip install 'petar-bench[dicom]'") from None
    return pydicom


@dataclass
class SeriesFiles:
    """The files of one series (headers only, pixels not read yet)."""

    modality: str
    series_uid: str
    headers: list[Any] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)

    @property
    def description(self) -> str:
        first = self.headers[0]
        return str(getattr(first, "SeriesDescription", "") or self.series_uid)


@dataclass(frozen=True)
class SeriesVolume:
    """One image series stacked into a volume on its own grid."""

    modality: str
    series_uid: str
    data: np.ndarray  # rescaled values (int16 when integral, else float32), RAS-canonical axes
    affine: np.ndarray  # voxel -> world, RAS mm
    header: Any  # the first slice's header (shared attributes: units, patient, ...)
    acquisition_times: tuple[datetime | None, ...]
    frame_of_reference_uid: str

    @property
    def spacing(self) -> tuple[float, float, float]:
        zooms = np.sqrt((self.affine[:3, :3] ** 2).sum(axis=0))
        return (float(zooms[0]), float(zooms[1]), float(zooms[2]))


def scan_folder(folder: Path) -> list[tuple[Path, Any]]:
    """(path, header) of every DICOM file below `folder`, pixels not read."""
    pydicom = _pydicom()
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            header = pydicom.dcmread(str(path), stop_before_pixels=True)
        except pydicom.errors.InvalidDicomError as exc:
            if has_preamble(path):
                raise UserError(f"{path}: unreadable DICOM file ({_reason(exc)})") from None
            continue  # not DICOM: NIfTI masks, notes, DICOMDIR-less extras
        except Exception as exc:  # truncated or corrupt files raise many types
            raise UserError(f"{path}: unreadable DICOM file ({_reason(exc)})") from None
        if path.name == "DICOMDIR" or ("SOPClassUID" not in header and "Modality" not in header):
            continue  # a media directory, not an image
        # pydicom stops quietly where a file is cut short: the identifying tags then lack.
        lacking = [k for k in ("SOPInstanceUID", "SeriesInstanceUID") if k not in header]
        if lacking:
            raise UserError(f"{path}: truncated or incomplete DICOM file (no {lacking[0]})")
        found.append((path, header))
    return found


def has_preamble(path: Path) -> bool:
    """True for a file in the DICOM file format (128-byte preamble, then "DICM")."""
    try:
        with open(path, "rb") as handle:
            handle.seek(128)
            return handle.read(4) == b"DICM"
    except OSError:
        return False


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text or type(exc).__name__


def group_series(files: Iterable[tuple[Path, Any]]) -> dict[str, SeriesFiles]:
    """Files grouped by SeriesInstanceUID."""
    groups: dict[str, SeriesFiles] = {}
    for path, header in files:
        uid = str(getattr(header, "SeriesInstanceUID", "") or "")
        modality = str(getattr(header, "Modality", "") or "").upper()
        series = groups.setdefault(uid, SeriesFiles(modality, uid))
        if modality != series.modality:
            raise UserError(
                f"{path}: Modality {modality} in series {uid} whose other files are "
                f"{series.modality} (mixed series)"
            )
        series.headers.append(header)
        series.paths.append(path)
    return groups


def _is_localizer(series: SeriesFiles) -> bool:
    kinds = {str(v).upper() for v in (getattr(series.headers[0], "ImageType", None) or [])}
    return bool(kinds & _SKIPPED_IMAGE_TYPES)


def pick_series(
    groups: dict[str, SeriesFiles], modality: str, folder: Path, *, frame_of_reference: str = ""
) -> SeriesFiles:
    """The one image series of `modality` in an exam folder.

    PET: series that are not attenuation corrected are set aside (scanners often export a
    NAC series next to the AC one). CT: scout views (ImageType LOCALIZER) are set aside, and
    a CT in the PET's frame of reference is preferred. Anything still ambiguous is refused.
    """
    name = {"PT": "PET", "CT": "CT"}[modality]
    candidates = [s for s in groups.values() if s.modality == modality]
    if modality == "PT":
        corrected = [s for s in candidates if _attenuation_corrected(s)]
        candidates = corrected or candidates
    else:
        candidates = [s for s in candidates if not _is_localizer(s)]
        same_frame = [s for s in candidates if _frame_uid(s.headers[0]) == frame_of_reference]
        candidates = same_frame or candidates
    if not candidates:
        raise UserError(f"{folder}: no {name} series (Modality {modality}) found")
    if len(candidates) > 1:
        names = ", ".join(repr(s.description) for s in candidates)
        raise UserError(
            f"{folder}: {len(candidates)} {name} series ({names}); keep one {name} series "
            "per exam folder"
        )
    return candidates[0]


def _attenuation_corrected(series: SeriesFiles) -> bool:
    corrected = getattr(series.headers[0], "CorrectedImage", None) or []
    return "ATTN" in {str(v).upper() for v in corrected}


def _frame_uid(header: Any) -> str:
    return str(getattr(header, "FrameOfReferenceUID", "") or "")


def _direction_cosines(header: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    iop = getattr(header, "ImageOrientationPatient", None)
    if iop is None or len(iop) != 6:
        raise UserError(f"{where}: ImageOrientationPatient is missing")
    row = np.array([float(v) for v in iop[:3]])
    col = np.array([float(v) for v in iop[3:]])
    return row / np.linalg.norm(row), col / np.linalg.norm(col)


def slice_geometry(series: SeriesFiles, folder: Path) -> tuple[list[int], np.ndarray]:
    """Slice order (indices into series.headers) and the LPS affine of the stacked volume.

    Refuses, naming the folder: mixed orientation, matrix or pixel spacing; duplicate
    positions; missing slices (a gap); sheared stacks (gantry tilt).
    """
    where = f"{folder}: {series.modality} series {series.description!r}"
    first = series.headers[0]
    row, col = _direction_cosines(first, where)
    normal = np.cross(row, col)
    keys = set()
    positions = []
    for header in series.headers:
        r, c = _direction_cosines(header, where)
        if not (np.allclose(r, row, atol=_ORIENTATION_TOL) and np.allclose(c, col, atol=1e-4)):
            raise UserError(f"{where}: slices with different orientations (mixed series)")
        spacing = tuple(float(v) for v in getattr(header, "PixelSpacing", None) or ())
        keys.add((int(header.Rows), int(header.Columns), spacing))
        ipp = getattr(header, "ImagePositionPatient", None)
        if ipp is None or len(ipp) != 3:
            raise UserError(f"{where}: a slice has no ImagePositionPatient")
        positions.append(np.array([float(v) for v in ipp]))
    if len(keys) > 1 or not next(iter(keys))[2]:
        raise UserError(f"{where}: slices with different matrix sizes or pixel spacings")
    if len(positions) < 2:
        raise UserError(f"{where}: a volume needs at least 2 slices, found {len(positions)}")
    along = np.array([float(normal @ p) for p in positions])
    order = [int(i) for i in np.argsort(along, kind="stable")]
    steps = np.diff(along[order])
    _check_steps(steps, along[order], where)
    step = float(np.median(steps))
    start, end = positions[order[0]], positions[order[-1]]
    drift = (end - start) - normal * (along[order[-1]] - along[order[0]])
    if np.linalg.norm(drift) > 0.01 * step * len(order):
        raise UserError(f"{where}: slices are not stacked along the normal (gantry tilt?)")
    dr, dc = next(iter(keys))[2]  # PixelSpacing = (between rows, between columns)
    affine = np.eye(4)
    affine[:3, 0] = row * dc  # voxel axis 0 runs along a row (column index)
    affine[:3, 1] = col * dr
    affine[:3, 2] = (end - start) / (len(order) - 1)
    affine[:3, 3] = start
    return order, affine


def _check_steps(steps: np.ndarray, along: np.ndarray, where: str) -> None:
    step = float(np.median(steps))
    if steps.min() < 1e-3 or step <= 0:
        at = float(along[int(np.argmin(steps))])
        raise UserError(f"{where}: two slices at the same position ({at:.2f} mm): duplicates")
    bad = np.nonzero(np.abs(steps - step) > _SPACING_TOL * step + 1e-3)[0]
    if bad.size:
        i = int(bad[0])
        raise UserError(
            f"{where}: slice gap between {along[i]:.2f} and {along[i + 1]:.2f} mm "
            f"(step {steps[i]:.2f} mm, the series steps {step:.2f} mm): missing slices?"
        )


def read_series(series: SeriesFiles, folder: Path) -> SeriesVolume:
    """Stack, rescale per slice and place one series; RAS-canonical axes out."""
    pydicom = _pydicom()
    order, lps_affine = slice_geometry(series, folder)
    first = series.headers[order[0]]
    rows, cols = int(first.Rows), int(first.Columns)
    rescale = [_rescale(series.headers[i]) for i in order]
    # Integral rescales (CT: slope 1, intercept -1024) stay integers; PET becomes float32.
    integral = all(float(v).is_integer() for pair in rescale for v in pair)
    stored = np.empty((cols, rows, len(order)), dtype=np.int32 if integral else np.float32)
    for k, index in enumerate(order):
        path = series.paths[index]
        try:
            pixels = pydicom.dcmread(str(path)).pixel_array
        except Exception as exc:
            raise UserError(f"{path}: unreadable DICOM pixel data ({_reason(exc)})") from None
        if pixels.shape != (rows, cols):
            raise UserError(
                f"{path}: pixel data of shape {pixels.shape}, expected ({rows}, {cols}); "
                "multi-frame (enhanced) images are not supported"
            )
        slope, intercept = rescale[k]
        stored[:, :, k] = pixels.T.astype(np.float64) * slope + intercept
    if integral and stored.size and stored.min() >= -32768 and stored.max() <= 32767:
        stored = stored.astype(np.int16)
    data, affine = to_canonical(stored, LPS_TO_RAS @ lps_affine)
    times = tuple(_acquisition_time(h) for h in series.headers)
    return SeriesVolume(
        modality=series.modality,
        series_uid=series.series_uid,
        data=data,
        affine=affine,
        header=first,
        acquisition_times=times,
        frame_of_reference_uid=_frame_uid(first),
    )


def _rescale(header: Any) -> tuple[float, float]:
    slope = getattr(header, "RescaleSlope", None)
    intercept = getattr(header, "RescaleIntercept", None)
    return (
        1.0 if slope in (None, "") else float(slope),
        0.0 if intercept in (None, "") else float(intercept),
    )


def _acquisition_time(header: Any) -> datetime | None:
    full = parse_dt(getattr(header, "AcquisitionDateTime", None))
    if full is not None:
        return full
    day = getattr(header, "AcquisitionDate", None)
    return combine(day, getattr(header, "AcquisitionTime", None))


def to_canonical(data: np.ndarray, affine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flip/permute axes so the affine is closest to RAS (k toward the head)."""
    import nibabel as nib

    current = nib.orientations.io_orientation(affine)
    target = nib.orientations.axcodes2ornt(("R", "A", "S"))
    transform = nib.orientations.ornt_transform(current, target)
    out = nib.orientations.apply_orientation(data, transform)
    new_affine = affine @ nib.orientations.inv_ornt_aff(transform, data.shape)
    return np.ascontiguousarray(out), new_affine
