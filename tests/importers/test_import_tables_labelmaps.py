"""Tables in CSV, JSONL and Parquet give the same dataset; label maps with --components."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from import_helpers import save, small_exam

from petar_bench.datasets.importers._engine import ImportRequest, run_import
from petar_bench.errors import UserError
from petar_bench.volumes._lesion import VolumeLoader


def _table_copy(src: Path, suffix: str) -> Path:
    with open(src / "lesions.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    target = src / f"lesions_copy{suffix}"
    if suffix == ".jsonl":
        target.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), target)
    return target


def test_csv_jsonl_and_parquet_tables_agree(exported, tmp_path: Path) -> None:
    src = exported("table")
    fingerprints = []
    for number, table in enumerate(
        [src / "lesions.csv", _table_copy(src, ".jsonl"), _table_copy(src, ".parquet")]
    ):
        result = run_import(ImportRequest(src=table, output=tmp_path / f"out{number}"))
        assert not result.skipped
        fingerprints.append(result.manifest.split_fingerprints)
    assert fingerprints[0] == fingerprints[1] == fingerprints[2]


def test_labelmap_components_name_lesions_in_first_voxel_order(tmp_path: Path) -> None:
    pet, ct, _ = small_exam()
    binary = np.zeros(pet.shape, np.uint8)
    binary[12:14, 5:7, 3:5] = 1  # first voxel at i=12: component 2
    binary[5:7, 12:14, 15:17] = 1  # first voxel at i=5: component 1
    pet = pet.copy()
    pet[12:14, 5:7, 3:5] = 3.0
    pet[5:7, 12:14, 15:17] = 8.0
    src = tmp_path / "src"
    save(src / "e1" / "pet.nii.gz", pet)
    save(src / "e1" / "ct.nii.gz", ct)
    save(src / "e1" / "labels.nii.gz", binary * 7)  # values other than 1: binary with --components
    (src / "findings.csv").write_text(
        "exam_id,label,patient_id,tracer,reference\n"
        "e1,1,p1,FDG,SUV max 8.0 upper lesion\n"
        "e1,2,p1,FDG,SUV max 3.0 lower lesion\n",
        encoding="utf-8",
    )
    result = run_import(ImportRequest(src=src, output=tmp_path / "out", components=True))
    assert not result.skipped
    loader = VolumeLoader(tmp_path / "out")
    maxima = {
        r.reference: float(loader.load(r).pet[loader.load(r).mask].max())
        for r in result.manifest.records
    }
    assert maxima == {"SUV max 8.0 upper lesion": 8.0, "SUV max 3.0 lower lesion": 3.0}
    mask_info = result.manifest.volumes[result.manifest.records[0].mask_path]
    assert any("connected components" in note for note in mask_info.notes)
    # without --components, label 1 and 2 do not exist in the map (it holds 7): both refused
    plain = tmp_path / "plain"
    with pytest.raises(UserError, match="nothing was imported"):
        run_import(ImportRequest(src=src, output=plain))
    report = json.loads((plain / "import_report.json").read_text())
    assert all("label" in s["reason"] and "is empty" in s["reason"] for s in report["skipped"])
