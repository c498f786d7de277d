"""DICOM PET/CT in and out: series reading, SUVbw from Bq/mL, lesion masks, and an exporter.

pydicom, highdicom and rt-utils (the ``dicom`` extra) are imported inside the functions that
need them, so importing this package costs nothing. docs/dicom.md describes the formula, the
attributes read and the vendor caveats.
"""

from petar_bench.datasets.dicom._convert import ConvertedExam, convert_exam, tracer_name
from petar_bench.datasets.dicom._export import (
    MASK_FORMATS,
    Acquisition,
    ExportedExam,
    acquisition_for,
    export_exam,
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
    "Acquisition",
    "ConvertedExam",
    "ExportedExam",
    "SeriesVolume",
    "SuvParameters",
    "acquisition_for",
    "convert_exam",
    "decayed_dose_bq",
    "export_exam",
    "group_series",
    "masks_from_nifti",
    "masks_from_rtstruct",
    "masks_from_seg",
    "nearest_onto",
    "pick_series",
    "rasterise",
    "read_series",
    "suv_bw_factor",
    "suv_parameters",
    "tracer_name",
]
