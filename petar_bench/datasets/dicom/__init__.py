"""DICOM PET/CT in and out: series reading, SUVbw from Bq/mL, lesion masks, and an exporter.

This package is also the `dicom` layout of `petar-bench data import` (`detect`, `scan`,
`describe`, the volume readers `read_pet`, `read_ct`, `read_mask`) and of `petar-bench data
export` (`export`); `convert_exam` converts one exam folder to NIfTI on its own.

pydicom, highdicom and rt-utils (the ``dicom`` extra) are imported inside the functions that
need them, so importing this package costs nothing. docs/dicom.md describes the formula, the
attributes read and the vendor caveats.
"""

from petar_bench.datasets.dicom._convert import ConvertedExam, convert_exam, tracer_name
from petar_bench.datasets.dicom._exam import PetSuv, exam_ct, exam_masks, exam_pet
from petar_bench.datasets.dicom._export import (
    MASK_FORMATS,
    Acquisition,
    ExportedExam,
    acquisition_for,
    export_exam,
)
from petar_bench.datasets.dicom._layout import (
    NAME,
    describe,
    detect,
    export,
    read_ct,
    read_mask,
    read_pet,
    scan,
)
from petar_bench.datasets.dicom._masks import (
    masks_from_nifti,
    masks_from_rtstruct,
    masks_from_seg,
    nearest_onto,
    rasterise,
)
from petar_bench.datasets.dicom._series import SeriesVolume, group_series, pick_series, read_series
from petar_bench.datasets.dicom._suv import (
    HALF_LIFE_S,
    SuvParameters,
    decayed_dose_bq,
    suv_bw_factor,
    suv_parameters,
)

__all__ = [
    "HALF_LIFE_S",
    "MASK_FORMATS",
    "NAME",
    "Acquisition",
    "ConvertedExam",
    "ExportedExam",
    "PetSuv",
    "SeriesVolume",
    "SuvParameters",
    "acquisition_for",
    "convert_exam",
    "decayed_dose_bq",
    "describe",
    "detect",
    "export",
    "export_exam",
    "group_series",
    "masks_from_nifti",
    "masks_from_rtstruct",
    "masks_from_seg",
    "nearest_onto",
    "exam_ct",
    "exam_masks",
    "exam_pet",
    "pick_series",
    "rasterise",
    "read_ct",
    "read_mask",
    "read_pet",
    "read_series",
    "scan",
    "suv_bw_factor",
    "suv_parameters",
    "tracer_name",
]
