"""Body-weight SUV from a PET DICOM series stored in Bq/mL.

SUVbw = C [Bq/mL] x body weight [g] / decayed dose [Bq]  (tissue density 1 g/mL assumed)

where C is the stored value x RescaleSlope + RescaleIntercept of each slice, and the dose is
decayed from the injection to the reference time the DecayCorrection attribute names:

- ``START``: the pixel values are decay-corrected to the series (scan) start, so the injected
  dose is decayed over dt = scan start - injection: dose x 2^(-dt / half-life);
- ``ADMIN``: the pixel values are already corrected back to the injection: no decay.

The scan start follows the vendor-neutral rule of the QIBA SUV notes: SeriesDate/SeriesTime
when it is not later than the earliest AcquisitionDate/Time of the series; otherwise (some
reconstructions re-stamp the series time) the GE private scan date-time (0009,100D) when
present, else the earliest acquisition time (recorded as such). docs/dicom.md lists the
attributes and the vendor caveats.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from petar_bench.errors import UserError

# Half-lives in seconds (used by the exporter and shown in docs).
HALF_LIFE_S = {"F-18": 6586.2, "Ga-68": 4062.6, "C-11": 1223.4}

_GE_SCAN_DATETIME = (0x0009, 0x100D)  # GE private "scan date-time" (DT)
_PHILIPS_ACTIVITY_SCALE = (0x7053, 0x1009)  # Philips private counts -> Bq/mL factor


def decayed_dose_bq(dose_bq: float, half_life_s: float, delay_s: float) -> float:
    """The injected dose decayed over `delay_s` seconds."""
    return dose_bq * 2.0 ** (-delay_s / half_life_s)


def suv_bw_factor(
    *,
    weight_kg: float,
    dose_bq: float,
    half_life_s: float,
    delay_s: float,
    decay_correction: str,
) -> float:
    """The factor that turns Bq/mL into SUVbw (g/mL): weight [g] / dose at the reference time."""
    if decay_correction == "START":
        dose = decayed_dose_bq(dose_bq, half_life_s, delay_s)
    elif decay_correction == "ADMIN":
        dose = dose_bq
    else:
        raise UserError(
            f"DecayCorrection {decay_correction!r} is not supported; SUV needs START or ADMIN"
        )
    return weight_kg * 1000.0 / dose


@dataclass(frozen=True)
class SuvParameters:
    """Everything the SUVbw factor of one PET series was computed from (kept in metadata)."""

    units: str
    decay_correction: str
    weight_kg: float
    dose_bq: float
    half_life_s: float
    injection_time: datetime
    reference_time: datetime  # scan start (START) or the injection (ADMIN)
    reference_source: str  # which attribute gave the scan start
    radiopharmaceutical: str
    counts_to_bqml: float = 1.0  # Philips CNTS series: private activity-concentration factor

    @property
    def delay_s(self) -> float:
        return (self.reference_time - self.injection_time).total_seconds()

    @property
    def decayed_dose_bq(self) -> float:
        if self.decay_correction == "ADMIN":
            return self.dose_bq
        return decayed_dose_bq(self.dose_bq, self.half_life_s, self.delay_s)

    @property
    def factor(self) -> float:
        """Multiply rescaled stored values by this to get SUVbw."""
        return self.counts_to_bqml * suv_bw_factor(
            weight_kg=self.weight_kg,
            dose_bq=self.dose_bq,
            half_life_s=self.half_life_s,
            delay_s=self.delay_s,
            decay_correction=self.decay_correction,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "decay_correction": self.decay_correction,
            "weight_kg": self.weight_kg,
            "injected_dose_bq": self.dose_bq,
            "half_life_s": self.half_life_s,
            "injection_time": self.injection_time.isoformat(),
            "reference_time": self.reference_time.isoformat(),
            "reference_source": self.reference_source,
            "delay_s": self.delay_s,
            "decayed_dose_bq": self.decayed_dose_bq,
            "counts_to_bqml": self.counts_to_bqml,
            "radiopharmaceutical": self.radiopharmaceutical,
            "suv_factor": self.factor,
        }


# --------------------------------------------------------------------------- DICOM times


def parse_da(text: Any) -> date | None:
    value = str(text or "").strip().replace(".", "").replace("-", "")
    if len(value) != 8 or not value.isdigit():
        return None
    return date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def parse_tm(text: Any) -> time | None:
    """DICOM TM: HHMMSS.FFFFFF, also the old HH:MM:SS form; partial values allowed."""
    value = str(text or "").strip().replace(":", "")
    if not value:
        return None
    whole, _, fraction = value.partition(".")
    if not whole.isdigit() or len(whole) % 2 or not 2 <= len(whole) <= 6:
        return None
    hh, mm, ss = (int(whole[i : i + 2]) if len(whole) > i else 0 for i in (0, 2, 4))
    micro = int((fraction + "000000")[:6]) if fraction.isdigit() else 0
    if hh > 23 or mm > 59 or ss > 60:
        return None
    return time(hh, mm, min(ss, 59), micro)


def parse_dt(text: Any) -> datetime | None:
    """DICOM DT: YYYYMMDDHHMMSS.FFFFFF with an optional +/-ZZXX offset (ignored: every time
    in one series comes from the same scanner clock)."""
    value = str(text or "").strip()
    for sign in "+-":
        if sign in value[8:]:
            value = value[: 8 + value[8:].index(sign)]
    day = parse_da(value[:8])
    if day is None:
        return None
    clock = parse_tm(value[8:]) if len(value) > 8 else time(0)
    return None if clock is None else datetime.combine(day, clock)


def combine(day: Any, clock: Any) -> datetime | None:
    d, t = parse_da(day), parse_tm(clock)
    return datetime.combine(d, t) if d is not None and t is not None else None


# --------------------------------------------------------------------------- from headers


def _need(header: Any, keyword: str, where: str) -> Any:
    value = getattr(header, keyword, None)
    if value is None or value == "":
        raise UserError(f"{where}: PET attribute {keyword} is missing; SUV cannot be computed")
    return value


def _positive(value: Any, keyword: str, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise UserError(f"{where}: PET attribute {keyword} is {value!r}; it must be positive")
    return number


def scan_start(
    header: Any, acquisition_times: Sequence[datetime | None], where: str
) -> tuple[datetime, str]:
    """The series start per the vendor-neutral rule, and which attribute gave it."""
    series = combine(getattr(header, "SeriesDate", None), getattr(header, "SeriesTime", None))
    known = [t for t in acquisition_times if t is not None]
    earliest = min(known) if known else None
    if series is not None and (earliest is None or series <= earliest):
        return series, "SeriesDate/SeriesTime"
    if _GE_SCAN_DATETIME in header:
        ge = parse_dt(header[_GE_SCAN_DATETIME].value)
        if ge is not None:
            return ge, "GE private scan date-time (0009,100D)"
    if earliest is not None:
        return earliest, "earliest AcquisitionDate/AcquisitionTime (SeriesTime is later)"
    raise UserError(f"{where}: PET SeriesDate/SeriesTime and AcquisitionTime are missing")


def injection_time(header: Any, reference: datetime, where: str) -> datetime:
    """Injection date-time; a time without a date takes the scan's date (the day before when
    that would put the injection after the scan, i.e. the scan crossed midnight)."""
    info = getattr(header, "RadiopharmaceuticalInformationSequence", None)
    item = info[0] if info else None
    if item is None:
        raise UserError(f"{where}: PET RadiopharmaceuticalInformationSequence is missing")
    full = parse_dt(getattr(item, "RadiopharmaceuticalStartDateTime", None))
    if full is not None:
        return full
    clock = parse_tm(getattr(item, "RadiopharmaceuticalStartTime", None))
    if clock is None:
        raise UserError(
            f"{where}: PET RadiopharmaceuticalStartDateTime/StartTime missing or unreadable"
        )
    start = datetime.combine(reference.date(), clock)
    return start - timedelta(days=1) if start > reference else start


def suv_parameters(
    header: Any,
    acquisition_times: Sequence[datetime | None],
    where: str,
    *,
    weight_kg: float | None = None,
) -> SuvParameters:
    """SUVbw parameters of a PET series from its first header (any slice: they share them).

    `weight_kg` overrides a missing or wrong PatientWeight. Units other than BQML are
    refused, except Philips CNTS with its private activity-concentration factor.
    """
    units = str(_need(header, "Units", where)).upper()
    counts_to_bqml = 1.0
    if units == "CNTS" and _PHILIPS_ACTIVITY_SCALE in header:
        counts_to_bqml = _positive(
            header[_PHILIPS_ACTIVITY_SCALE].value, "Philips (7053,1009)", where
        )
    elif units != "BQML":
        raise UserError(
            f"{where}: PET Units is {units!r}, not BQML; give the factor that turns the stored "
            "values into SUV (suv_scale) if you know it"
        )
    corrected = {str(v).upper() for v in (getattr(header, "CorrectedImage", None) or [])}
    missing = {"ATTN", "DECY"} - corrected
    if missing:
        raise UserError(
            f"{where}: PET CorrectedImage lacks {', '.join(sorted(missing))}; "
            "SUV needs an attenuation- and decay-corrected series"
        )
    decay = str(_need(header, "DecayCorrection", where)).upper()
    if decay not in ("START", "ADMIN"):
        raise UserError(f"{where}: PET DecayCorrection is {decay!r}; SUV needs START or ADMIN")
    weight = weight_kg if weight_kg is not None else getattr(header, "PatientWeight", None)
    weight = _positive(weight, "PatientWeight (kg)", where)
    info = getattr(header, "RadiopharmaceuticalInformationSequence", None)
    if not info:
        raise UserError(f"{where}: PET RadiopharmaceuticalInformationSequence is missing")
    item = info[0]
    dose = _positive(getattr(item, "RadionuclideTotalDose", None), "RadionuclideTotalDose", where)
    half = _positive(getattr(item, "RadionuclideHalfLife", None), "RadionuclideHalfLife", where)
    start, source = scan_start(header, acquisition_times, where)
    injected = injection_time(header, start, where)
    if decay == "ADMIN":
        start, source = injected, "injection (DecayCorrection ADMIN)"
    params = SuvParameters(
        units=units,
        decay_correction=decay,
        weight_kg=weight,
        dose_bq=dose,
        half_life_s=half,
        injection_time=injected,
        reference_time=start,
        reference_source=source,
        radiopharmaceutical=str(getattr(item, "Radiopharmaceutical", "") or ""),
        counts_to_bqml=counts_to_bqml,
    )
    if not 0 <= params.delay_s <= 24 * 3600:
        raise UserError(
            f"{where}: injection at {injected.isoformat()} and scan start at "
            f"{start.isoformat()} are {params.delay_s / 60:.0f} min apart; check the times"
        )
    return params
