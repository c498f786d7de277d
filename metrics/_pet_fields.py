"""PET clinical measures: did the finding name the right place and the right numbers?

Each finding (reference and prediction) is read into region, organ, laterality, SUVmax and
slice: from the labelled lines of the structured schema (petar_bench.findings) when present,
else from free text (metrics/_numbers.py for numbers, petar_bench.vocabulary for places).
Regions and organs map onto the closed vocabulary; a stated name outside it is "unmapped".
With dataset records, the reference side comes from the record's structured fields.

Every measure is scored over lesions where BOTH sides state the field, reported with its
coverage (share of reference-stated lesions where the prediction states it too); the
``_strict`` variants count an omission as an error, so a model cannot win by never stating
laterality. Statistics are counts per sample, so any subset aggregates exactly.

Numeric fidelity compares the numbers a prediction states about the current exam with the
values measured in the image under the lesion mask (ScoringContext.measurements), within a
stated tolerance; numbers about a prior exam ("previously SUVmax 5.2", metrics/_numbers.py) are
neither checked nor parsed as fields.
Masked text metrics (``rouge_l_masked`` ...) score any registered text metric after
replacing SUVmax, slice and size numbers by "[#]" in both texts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from petar_bench.findings import split_labelled_fields
from petar_bench.metrics._numbers import mask_numbers, values_of
from petar_bench.metrics._signature import build_signature
from petar_bench.metrics.base import (
    CountRatioMetric,
    Metric,
    SampleStats,
    ScoringContext,
    count_ratio,
)
from petar_bench.records import LesionRecord
from petar_bench.registry import metrics
from petar_bench.vocabulary import canonical_organ, canonical_region, find_laterality

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class ParsedFinding:
    """What one finding states (None = not stated)."""

    region: str | None = None
    organ: str | None = None
    laterality: str | None = None
    suv_max: float | None = None
    slice: int | None = None
    #: Longest dimension of each stated size, mm.
    sizes_mm: tuple[float, ...] = ()
    #: Every SUVmax value stated (the first one is `suv_max`).
    suv_values: tuple[float, ...] = ()
    #: A region / organ was stated but is not in the closed vocabulary.
    region_unmapped: bool = False
    organ_unmapped: bool = False


def _first_number(text: str | None) -> float | None:
    match = _NUMBER.search(text or "")
    return float(match.group()) if match else None


def _place(label: str | None, free_text: str, lookup: Any) -> tuple[str | None, bool]:
    """(canonical name, unmapped) from a labelled value, else from the free text."""
    if label is not None and label.strip():
        name = lookup(label)
        return name, name is None
    return lookup(free_text), False


def parse_finding(text: str) -> ParsedFinding:
    """Read one finding text (structured labelled lines or free text)."""
    labels = split_labelled_fields(text)
    body = labels.get("findings") or text
    region, region_unmapped = _place(labels.get("region"), body, canonical_region)
    organ_label = labels.get("organ") or labels.get("sub_site")
    organ, organ_unmapped = _place(organ_label, body, canonical_organ)
    suv_values = values_of(text, "suv_max")
    suv = _first_number(labels.get("suv_max")) if "suv_max" in labels else None
    if suv is None and suv_values:
        suv = suv_values[0]
    slice_value = _first_number(labels.get("slice")) if "slice" in labels else None
    if slice_value is None:
        slices = values_of(text, "slice")
        slice_value = slices[0] if slices else None
    side_text = " ".join(labels.get(k, "") for k in ("sub_site", "organ", "region")) + " " + body
    return ParsedFinding(
        region=region,
        organ=organ,
        laterality=find_laterality(side_text),
        suv_max=suv,
        slice=None if slice_value is None else int(round(slice_value)),
        sizes_mm=tuple(values_of(text, "size_mm")),
        suv_values=tuple(suv_values),
        region_unmapped=region_unmapped,
        organ_unmapped=organ_unmapped,
    )


def reference_finding(text: str, record: LesionRecord | None = None) -> ParsedFinding:
    """The reference side: the record's structured fields first, the text for the rest."""
    parsed = parse_finding(text)
    if record is None:
        return parsed
    f = record.fields
    region, region_unmapped = parsed.region, parsed.region_unmapped
    if f.region:
        region = canonical_region(f.region)
        region_unmapped = region is None
    organ, organ_unmapped = parsed.organ, parsed.organ_unmapped
    if f.organ:
        organ = canonical_organ(f.organ)
        organ_unmapped = organ is None
    return ParsedFinding(
        region=region,
        organ=organ,
        laterality=f.laterality or parsed.laterality,
        suv_max=f.suv_max if f.suv_max is not None else parsed.suv_max,
        slice=f.slice if f.slice is not None else parsed.slice,
        sizes_mm=(f.size_mm,) if f.size_mm is not None else parsed.sizes_mm,
        suv_values=parsed.suv_values,
        region_unmapped=region_unmapped,
        organ_unmapped=organ_unmapped,
    )


def _pairs(
    predictions: Sequence[str], references: Sequence[str], context: ScoringContext
) -> list[tuple[ParsedFinding, ParsedFinding]]:
    records = context.records or [None] * len(references)
    return [
        (parse_finding(p), reference_finding(r, rec))
        for p, r, rec in zip(predictions, references, records, strict=True)
    ]


class _FieldMetric(CountRatioMetric):
    """A PET field metric: counts per sample, value = a ratio of two summed counts."""

    columns: ClassVar[tuple[str, ...]] = ()

    def aggregate(self, stats: np.ndarray) -> float:
        return super().aggregate(np.asarray(stats, dtype=np.float64).reshape(-1, len(self.columns)))

    # Field metrics compare the parsed prediction with the parsed reference, row by row;
    # subclasses give `_row` (one sample's statistics) and `details` (extras from sums).
    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        rows = np.array(
            [self._row(p, r) for p, r in _pairs(predictions, references, context)], dtype=float
        ).reshape(-1, len(self.columns))
        return SampleStats(values=rows, extras=self.details(rows))

    def _row(self, pred: Any, ref: Any) -> list[float]:
        raise NotImplementedError

    def details(self, stats: np.ndarray) -> dict[str, Any]:
        return {}


class FieldAccuracy(_FieldMetric):
    """Region / organ / laterality agreement between prediction and reference."""

    higher_is_better: ClassVar[bool] = True
    columns: ClassVar[tuple[str, ...]] = (
        "correct",
        "stated_both",
        "stated_ref",
        "stated_pred",
        "unmapped_pred",
        "unmapped_ref",
    )

    def __init__(self, field: str, *, strict: bool = False) -> None:
        if field not in ("region", "organ", "laterality"):
            raise ValueError(f"no accuracy for field {field!r}")
        self.field = field
        self.strict = strict
        self.id = f"pet_{field}_acc" + ("_strict" if strict else "")
        # Omission-as-error divides by every reference-stated lesion.
        self.den_col = 2 if strict else 1

    def _row(self, pred: ParsedFinding, ref: ParsedFinding) -> list[float]:
        p, r = getattr(pred, self.field), getattr(ref, self.field)
        p_unmapped = getattr(pred, f"{self.field}_unmapped", False)
        r_unmapped = getattr(ref, f"{self.field}_unmapped", False)
        stated_pred = p is not None or p_unmapped
        both = r is not None and stated_pred
        return [
            float(both and p == r),
            float(both),
            float(r is not None),
            float(stated_pred),
            float(p_unmapped),
            float(r_unmapped),
        ]

    def details(self, stats: np.ndarray) -> dict[str, Any]:
        s = np.asarray(stats, dtype=np.float64).reshape(-1, len(self.columns)).sum(axis=0)
        return {
            "accuracy_stated_both": _none(count_ratio(s[0], s[1])),
            "accuracy_omission_as_error": _none(count_ratio(s[0], s[2])),
            "coverage": _none(count_ratio(s[1], s[2])),
            "n_stated_both": int(s[1]),
            "n_stated_ref": int(s[2]),
            "n_stated_pred": int(s[3]),
            "n_unmapped_pred": int(s[4]),
            "n_unmapped_ref": int(s[5]),
        }

    def signature(self) -> str:
        over = "ref-stated(omission=error)" if self.strict else "both-stated"
        return build_signature(
            self.id,
            ("field", self.field),
            ("vocab", "petar_bench.vocabulary"),
            ("parse", "labelled+freetext"),
            ("over", over),
        )


class FieldError(_FieldMetric):
    """Mean absolute error of SUVmax or slice over lesions where both sides state it."""

    higher_is_better: ClassVar[bool] = False
    columns: ClassVar[tuple[str, ...]] = (
        "abs_error",
        "stated_both",
        "stated_ref",
        "within_tol",
        "stated_pred",
    )

    def __init__(self, field: str, *, tolerance: float | None = None) -> None:
        if field not in ("suv_max", "slice"):
            raise ValueError(f"no error measure for field {field!r}")
        self.field = field
        self.tolerance = float(
            tolerance if tolerance is not None else (0.1 if field == "suv_max" else 0.0)
        )
        self.id = "pet_suvmax_mae" if field == "suv_max" else "pet_slice_mae"

    def _row(self, pred: ParsedFinding, ref: ParsedFinding) -> list[float]:
        p, r = getattr(pred, self.field), getattr(ref, self.field)
        both = p is not None and r is not None
        err = abs(float(p) - float(r)) if both else 0.0
        return [
            err,
            float(both),
            float(r is not None),
            float(both and err <= self.tolerance + 1e-9),
            float(p is not None),
        ]

    def details(self, stats: np.ndarray) -> dict[str, Any]:
        s = np.asarray(stats, dtype=np.float64).reshape(-1, len(self.columns)).sum(axis=0)
        return {
            "coverage": _none(count_ratio(s[1], s[2])),
            "within_tolerance": _none(count_ratio(s[3], s[1])),
            "within_tolerance_omission_as_error": _none(count_ratio(s[3], s[2])),
            "tolerance": self.tolerance,
            "n_stated_both": int(s[1]),
            "n_stated_ref": int(s[2]),
            "n_stated_pred": int(s[4]),
        }

    def signature(self) -> str:
        unit = "SUV" if self.field == "suv_max" else "slices"
        return build_signature(
            self.id,
            ("field", self.field),
            ("conv", "manifest"),
            ("over", "both-stated"),
            ("tol", f"{self.tolerance:g}{unit}"),
            ("parse", "labelled+freetext"),
        )


class NumericFidelity(_FieldMetric):
    """Share of stated SUVmax / size values that agree with the image measurement."""

    higher_is_better: ClassVar[bool] = True
    columns: ClassVar[tuple[str, ...]] = ("agree", "stated", "measured")

    def __init__(self, kind: str, *, abs_tol: float | None = None, rel_tol: float | None = None):
        if kind not in ("suv_max", "size_mm"):
            raise ValueError(f"no fidelity for {kind!r}")
        self.kind = kind
        suv = kind == "suv_max"
        self.abs_tol = float(abs_tol if abs_tol is not None else (0.1 if suv else 3.0))
        self.rel_tol = float(rel_tol if rel_tol is not None else (0.0 if suv else 0.2))
        self.id = "pet_suvmax_fidelity" if suv else "pet_size_fidelity"

    def _row(self, pred: ParsedFinding, measured: float | None) -> list[float]:
        if measured is None or not np.isfinite(measured):
            return [0.0, 0.0, 0.0]
        values = pred.suv_values if self.kind == "suv_max" else pred.sizes_mm
        tol = max(self.abs_tol, self.rel_tol * abs(measured)) + 1e-9
        agree = sum(1 for v in values if abs(v - measured) <= tol)
        return [float(agree), float(len(values)), 1.0]

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        from petar_bench.metrics.green._metric import judge_unavailable as unavailable

        if context.measurements is None:
            raise unavailable("needs image measurements under the lesion masks", self.id)
        rows = np.array(
            [
                self._row(parse_finding(p), (m or {}).get(self.kind))
                for p, m in zip(predictions, context.measurements, strict=True)
            ],
            dtype=float,
        ).reshape(-1, len(self.columns))
        s = rows.sum(axis=0)
        extras = {
            "n_values_stated": int(s[1]),
            "n_samples_measured": int(s[2]),
            "abs_tol": self.abs_tol,
            "rel_tol": self.rel_tol,
        }
        warnings = () if s[1] else (f"{self.id}: no stated value to check",)
        return SampleStats(values=rows, extras=extras, warnings=warnings)

    def signature(self) -> str:
        unit = "SUV" if self.kind == "suv_max" else "mm"
        return build_signature(
            self.id,
            ("values", "all-stated-current"),
            ("truth", "image-under-mask"),
            ("tol", f"max({self.abs_tol:g}{unit},{self.rel_tol:g}rel)"),
        )


class MaskedTextMetric(Metric):
    """Any registered text metric, on texts whose SUVmax, slice and size numbers are "[#]"."""

    def __init__(self, base_id: str, **options: Any) -> None:
        self.base_id = base_id
        self.options = options
        self.id = f"{base_id}_masked"
        self._base: Metric | None = None

    @property
    def base(self) -> Metric:
        if self._base is None:  # looked up lazily: the base may register after us
            self._base = metrics.create(self.base_id, **self.options)
        return self._base

    @property
    def higher_is_better(self) -> bool:
        return self.base.higher_is_better

    @property
    def requires(self) -> tuple[str, ...]:
        return self.base.requires

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        return self.base.statistics(
            [mask_numbers(p) for p in predictions], [mask_numbers(r) for r in references], context
        )

    def aggregate(self, stats: np.ndarray) -> float:
        return self.base.aggregate(stats)

    def aggregate_batch(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return self.base.aggregate_batch(stats, weights)

    def per_sample(self, stats: np.ndarray) -> np.ndarray:
        return self.base.per_sample(stats)

    def resample_note(self) -> str:
        return self.base.resample_note()

    def signature(self) -> str:
        return f"{self.base.signature()}|mask:suvmax,slice,size->[#]"


def _none(x: Any) -> float | None:
    value = float(x)
    return value if np.isfinite(value) else None


# -- registration ------------------------------------------------------------------------
