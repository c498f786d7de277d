"""The suite runner: validation, not-computed metrics, the JSON report, strata, and
re-aggregation from the kept statistics."""

from __future__ import annotations

import json

import numpy as np
import pytest

import petar_bench.metrics._pet_fields  # noqa: F401 - registers the PET measures
from petar_bench.errors import UserError
from petar_bench.metrics.scoring import (
    ScoreReport,
    corpus_value,
    rebuild_metric,
    score_texts,
    stratum_labels,
)
from petar_bench.records import LesionRecord, StructuredFinding

FIELDS = [
    dict(region="Thorax", organ="Lung", laterality="right", suv_max=7.3, slice=112, size_mm=8.0),
    dict(region="Abdomen", organ="Liver", suv_max=5.0, slice=200, size_mm=14.0),
    dict(
        region="Musculoskeletal",
        organ="Bone",
        laterality="left",
        suv_max=12.0,
        slice=300,
        size_mm=25.0,
    ),
    dict(region="Thorax", organ="Lymph node", laterality="left", suv_max=3.1, slice=90),
]
TRACERS = ["FDG", "FDG", "PSMA", "PSMA"]


def _records() -> dict[str, LesionRecord]:
    out = {}
    for i, fields in enumerate(FIELDS):
        text = "\n".join(f"{k}: {v}" for k, v in fields.items() if k in ("region", "organ"))
        out[f"s{i}"] = LesionRecord(
            sample_id=f"s{i}",
            patient_id=f"p{i // 2}",
            exam_id=f"e{i // 2}",
            lesion_id=str(i),
            tracer=TRACERS[i],
            split="test",
            pet_path="a",
            ct_path="b",
            mask_path="c",
            reference=text + f"\nSUVmax: {fields['suv_max']}",
            fields=StructuredFinding(**fields),
        )
    return out


RECORDS = _records()
REFS = {k: r.reference for k, r in RECORDS.items()}
PREDS = {
    "s0": "Region: Thorax\nOrgan: Lung\nSUVmax: 7.0",
    "s1": "Hepatic lesion, SUVmax 5.0.",
    "s2": "",  # empty: scored, never dropped
    "s3": "Left axillary node in the chest, SUVmax 3.1",
}
IDS = ["pet_region_acc", "pet_suvmax_mae", "green", "pet_laterality_acc_strict"]


def _score(**kw):
    return score_texts(PREDS, REFS, IDS, records=RECORDS, n_bootstrap=200, seed=3, **kw)


def test_report_values_ci_and_not_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PETAR_BENCH_GREEN_URL", raising=False)
    monkeypatch.delenv("PETAR_BENCH_GREEN_MODEL", raising=False)
    seen: list[str] = []
    report = _score(
        dataset="demo", synthetic=True, split_fingerprint="sha256:x", progress=seen.append
    )
    assert seen == [f"scoring {m}" for m in IDS]
    assert report.not_computed["green"].startswith("GREEN needs a judge")
    assert "green" not in report.metrics
    region = report.metrics["pet_region_acc"]
    assert region.value == pytest.approx(3 / 3)  # s2 states nothing
    assert region.extras["coverage"] == pytest.approx(3 / 4)
    assert region.signature.endswith("|ci:boot-patient-200-seed3")
    assert region.ci95[0] is not None and region.ci95[0] <= region.value <= region.ci95[1]
    mae = report.metrics["pet_suvmax_mae"]
    assert mae.value == pytest.approx(0.3 / 3) and mae.higher_is_better is False
    assert report.n == 4 and report.sample_ids == ["s0", "s1", "s2", "s3"]
    assert report.patient_ids == ["p0", "p0", "p1", "p1"] and report.bootstrap.unit == "patient"
    assert report.per_sample["pet_region_acc"][2] is None  # not applicable for s2
    assert len(report.stats["pet_region_acc"]) == 4


def test_json_round_trip_has_the_documented_shape() -> None:
    report = _score(dataset="demo")
    data = json.loads(report.model_dump_json())
    for key in (
        "schema_version",
        "n",
        "dataset",
        "synthetic",
        "split_fingerprint",
        "metrics",
        "not_computed",
        "sample_ids",
        "per_sample",
        "stats",
        "strata",
    ):
        assert key in data
    assert data["schema_version"] == 1
    entry = data["metrics"]["pet_region_acc"]
    assert set(entry) >= {
        "value",
        "ci95",
        "signature",
        "higher_is_better",
        "n",
        "extras",
        "warnings",
    }
    again = ScoreReport.model_validate_json(report.model_dump_json())
    assert again == report


def test_strata_by_tracer_size_suv_and_region() -> None:
    report = _score()
    assert set(report.strata) == {"tracer", "size_mm", "suv_max", "region"}
    assert {k: v.n for k, v in report.strata["tracer"].items()} == {"FDG": 2, "PSMA": 2}
    assert {k: v.n for k, v in report.strata["size_mm"].items()} == {
        "<10 mm": 1,
        "10-20 mm": 1,
        ">=20 mm": 1,
    }
    assert {k: v.n for k, v in report.strata["suv_max"].items()} == {"<5": 1, "5-10": 2, ">=10": 1}
    fdg = report.strata["tracer"]["FDG"].metrics["pet_suvmax_mae"]
    assert fdg.value == pytest.approx(0.3 / 2)
    assert stratum_labels(RECORDS["s2"])["region"] == "Musculoskeletal"


def test_rebuild_a_corpus_value_from_kept_statistics() -> None:
    report = _score()
    metric = rebuild_metric(report, "pet_suvmax_mae")
    stats = report.stats_array("pet_suvmax_mae")
    assert metric.aggregate(stats) == pytest.approx(report.metrics["pet_suvmax_mae"].value)
    assert corpus_value(report, "pet_suvmax_mae", ["s0", "s1"]) == pytest.approx(0.15)
    assert corpus_value(report, "pet_suvmax_mae", [3]) == pytest.approx(0.0)


def test_bad_ids_are_user_errors() -> None:
    with pytest.raises(UserError, match=r"1 sample id\(s\) missing from predictions: 's3'"):
        score_texts({k: v for k, v in PREDS.items() if k != "s3"}, REFS, ["pet_region_acc"])
    extra = dict(PREDS, zz="x")
    with pytest.raises(UserError, match=r"1 prediction id\(s\) not in the references: 'zz'"):
        score_texts(extra, REFS, ["pet_region_acc"])
    pairs = list(PREDS.items()) + [("s1", "again")]
    with pytest.raises(UserError, match=r"1 duplicated sample id\(s\) in predictions: 's1'"):
        score_texts(pairs, REFS, ["pet_region_acc"])
    with pytest.raises(UserError, match="not text"):
        score_texts(dict(PREDS, s0=None), REFS, ["pet_region_acc"])
    many = {f"m{i}": "x" for i in range(8)}
    with pytest.raises(UserError, match="and 3 more"):
        score_texts({}, many, ["pet_region_acc"])
    with pytest.raises(UserError, match="unknown metric"):
        score_texts(PREDS, REFS, ["no_such_metric"])


def test_without_records_the_bootstrap_resamples_samples() -> None:
    report = score_texts(PREDS, REFS, ["pet_region_acc"], n_bootstrap=50)
    assert report.bootstrap.unit == "sample" and report.patient_ids is None
    assert report.strata == {}
    assert report.metrics["pet_region_acc"].signature.endswith("|ci:boot-sample-50-seed12345")
    with_ids = score_texts(
        PREDS, REFS, ["pet_region_acc"], n_bootstrap=50, patient_ids={k: "one" for k in PREDS}
    )
    assert with_ids.bootstrap.unit == "patient"
    assert np.isfinite(with_ids.metrics["pet_region_acc"].value)
