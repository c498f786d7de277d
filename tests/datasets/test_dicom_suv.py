"""SUVbw from PET DICOM headers: worked examples computed by hand, and the refusals.

Hand computations (the issue's worked examples):
- 370 MBq F-18 (T1/2 6586.2 s) injected 60 min before the series start:
  370e6 x 2^(-3600 / 6586.2) = 253.314 MBq; C = 5000 Bq/mL, 70 kg:
  SUVbw = 5000 x 70000 / 253.314e6 = 1.38168 (DecayCorrection START);
  with DecayCorrection ADMIN no decay: 5000 x 70000 / 370e6 = 0.94595.
- 185 MBq Ga-68 (T1/2 4062.6 s) 50 min before: 185e6 x 2^(-3000 / 4062.6) = 110.886 MBq;
  C = 12000 Bq/mL, 82.5 kg: 12000 x 82500 / 110.886e6 = 8.92806.
"""

from __future__ import annotations

from datetime import datetime

import pytest

pydicom = pytest.importorskip("pydicom")
pytestmark = pytest.mark.filterwarnings("ignore:Invalid value for VR")

from pydicom.dataset import Dataset  # noqa: E402

from petar_bench.datasets.dicom import decayed_dose_bq, suv_bw_factor, suv_parameters  # noqa: E402
from petar_bench.errors import UserError  # noqa: E402


def _header(
    *,
    weight: str = "70",
    dose: str = "370000000",
    half_life: str = "6586.2",
    injection: str = "091500",
    series: str = "101500",
    decay: str = "START",
    units: str = "BQML",
    date: str = "20240611",
) -> Dataset:
    ds = Dataset()
    ds.Units = units
    ds.DecayCorrection = decay
    ds.CorrectedImage = ["ATTN", "DECY", "SCAT"]
    ds.PatientWeight = weight
    ds.SeriesDate, ds.SeriesTime = date, series
    item = Dataset()
    item.Radiopharmaceutical = "Fludeoxyglucose F^18^"
    item.RadionuclideTotalDose = dose
    item.RadionuclideHalfLife = half_life
    item.RadiopharmaceuticalStartTime = injection
    ds.RadiopharmaceuticalInformationSequence = [item]
    return ds


def _acq(date: str, clock: str) -> datetime:
    return datetime.strptime(date + clock, "%Y%m%d%H%M%S")


def test_worked_example_f18_start_by_hand() -> None:
    assert decayed_dose_bq(370e6, 6586.2, 3600.0) / 1e6 == pytest.approx(253.314, abs=5e-4)
    factor = suv_bw_factor(
        weight_kg=70, dose_bq=370e6, half_life_s=6586.2, delay_s=3600, decay_correction="START"
    )
    assert 5000 * factor == pytest.approx(1.38168, abs=5e-6)


def test_worked_example_f18_start_from_headers() -> None:
    params = suv_parameters(_header(), [_acq("20240611", "101500")], "exam")
    assert params.delay_s == 3600.0
    assert params.reference_source == "SeriesDate/SeriesTime"
    assert params.decayed_dose_bq / 1e6 == pytest.approx(253.314, abs=5e-4)
    assert 5000 * params.factor == pytest.approx(1.38168, abs=5e-6)


def test_worked_example_admin_is_not_decayed() -> None:
    params = suv_parameters(_header(decay="ADMIN"), [], "exam")
    assert params.decayed_dose_bq == 370e6
    assert 5000 * params.factor == pytest.approx(0.94595, abs=5e-6)


def test_worked_example_ga68() -> None:
    header = _header(weight="82.5", dose="185000000", half_life="4062.6", injection="092500")
    params = suv_parameters(header, [], "exam")  # series 10:15:00, injection 09:25:00 -> 50 min
    assert params.delay_s == 3000.0
    assert 12000 * params.factor == pytest.approx(8.92806, abs=5e-6)


def test_series_time_after_acquisition_uses_earliest_acquisition() -> None:
    # Series re-stamped at reconstruction (10:40) after the acquisition started (10:15).
    header = _header(series="104000")
    acquisitions = [_acq("20240611", "101700"), _acq("20240611", "101500")]
    params = suv_parameters(header, acquisitions, "exam")
    assert params.reference_time == _acq("20240611", "101500")
    assert "earliest" in params.reference_source
    assert 5000 * params.factor == pytest.approx(1.38168, abs=5e-6)


def test_ge_private_scan_time_wins_over_restamped_series_time() -> None:
    header = _header(series="104000")
    header.add_new((0x0009, 0x100D), "DT", "20240611101500")
    params = suv_parameters(header, [_acq("20240611", "101700")], "exam")
    assert params.reference_time == _acq("20240611", "101500")
    assert "GE private" in params.reference_source


def test_injection_before_midnight() -> None:
    # Injected 23:40, series 00:40 the next day: a 60 min delay, not -23 h.
    header = _header(injection="234000", series="004000", date="20240612")
    params = suv_parameters(header, [], "exam")
    assert params.delay_s == 3600.0


def test_start_datetime_preferred_over_time() -> None:
    header = _header(injection="000000")
    header.RadiopharmaceuticalInformationSequence[
        0
    ].RadiopharmaceuticalStartDateTime = "20240611091500.000000"
    assert suv_parameters(header, [], "exam").delay_s == 3600.0


def test_philips_counts_with_private_factor() -> None:
    header = _header(units="CNTS")
    header.add_new((0x7053, 0x1009), "DS", "2.5")  # Bq/mL per count
    params = suv_parameters(header, [], "exam")
    assert 2000 * params.factor == pytest.approx(1.38168, abs=5e-6)  # 2000 counts = 5000 Bq/mL


def test_weight_override() -> None:
    header = _header(weight="")
    with pytest.raises(UserError, match="PatientWeight"):
        suv_parameters(header, [], "exam")
    params = suv_parameters(header, [], "exam", weight_kg=70.0)
    assert 5000 * params.factor == pytest.approx(1.38168, abs=5e-6)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"units": "GML"}, "Units is 'GML', not BQML"),
        ({"units": "CNTS"}, "Units is 'CNTS', not BQML"),
        ({"decay": "NONE"}, "DecayCorrection is 'NONE'"),
        ({"weight": "0"}, "PatientWeight"),
        ({"dose": ""}, "RadionuclideTotalDose"),
        ({"half_life": "-5"}, "RadionuclideHalfLife"),
        ({"injection": "xx"}, "RadiopharmaceuticalStartDateTime/StartTime"),
    ],
)
def test_refusals_are_one_line_and_name_the_series(change: dict, message: str) -> None:
    with pytest.raises(UserError) as info:
        suv_parameters(_header(**change), [], "exam-folder: PET series")
    text = str(info.value)
    assert message in text and text.startswith("exam-folder: PET series") and "\n" not in text


def test_refuses_without_attenuation_correction() -> None:
    header = _header()
    header.CorrectedImage = ["DECY"]
    with pytest.raises(UserError, match="CorrectedImage lacks ATTN"):
        suv_parameters(header, [], "exam")


def test_refuses_an_injection_a_day_away() -> None:
    header = _header()
    header.RadiopharmaceuticalInformationSequence[
        0
    ].RadiopharmaceuticalStartDateTime = "20240609091500"
    with pytest.raises(UserError, match="min apart"):
        suv_parameters(header, [], "exam")
