"""Records, manifests and split fingerprints, on a tiny dataset made here."""

from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from petar_bench.errors import UserError
from petar_bench.records import (
    MANIFEST_SCHEMA_VERSION,
    LesionRecord,
    Manifest,
    StructuredFinding,
    read_manifest,
    seal_manifest,
    verify_dataset,
    write_manifest,
)


def _volume(path: Path, data: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(data, np.diag([4.0, 4.0, 4.0, 1.0])), str(path))


def make_tiny_dataset(root: Path) -> Manifest:
    rng = np.random.default_rng(0)
    records = []
    for p, split in enumerate(("train", "train", "test")):
        _volume(root / f"p{p}/pet.nii.gz", rng.random((8, 8, 8), dtype=np.float32))
        _volume(root / f"p{p}/ct.nii.gz", (rng.random((8, 8, 8)) * 100).astype(np.int16))
        mask = np.zeros((8, 8, 8), np.uint8)
        mask[3:5, 3:5, 3:5] = 1
        _volume(root / f"p{p}/mask.nii.gz", mask)
        records.append(
            LesionRecord(
                sample_id=f"s{p}",
                patient_id=f"p{p}",
                exam_id=f"p{p}e0",
                lesion_id="0",
                tracer="FDG",
                split=split,
                pet_path=f"p{p}/pet.nii.gz",
                ct_path=f"p{p}/ct.nii.gz",
                mask_path=f"p{p}/mask.nii.gz",
                reference=f"Finding {p}.",
            )
        )
    manifest = seal_manifest(Manifest(dataset="tiny", synthetic=True, records=records), root)
    write_manifest(manifest, root)
    return manifest


def test_fingerprint_is_stable_and_sensitive(tmp_path: Path) -> None:
    manifest = make_tiny_dataset(tmp_path)
    again = seal_manifest(read_manifest(tmp_path), tmp_path)
    assert again.split_fingerprints == manifest.split_fingerprints
    changed = manifest.model_copy(
        update={
            "records": [
                r.model_copy(update={"reference": "Other."}) if r.sample_id == "s2" else r
                for r in manifest.records
            ]
        }
    )
    resealed = seal_manifest(changed, tmp_path)
    assert resealed.split_fingerprints["test"] != manifest.split_fingerprints["test"]
    assert resealed.split_fingerprints["train"] == manifest.split_fingerprints["train"]


def test_verify_names_the_changed_and_missing_files(tmp_path: Path) -> None:
    make_tiny_dataset(tmp_path)
    assert verify_dataset(tmp_path).ok
    _volume(tmp_path / "p2/pet.nii.gz", np.zeros((8, 8, 8), np.float32))
    (tmp_path / "p0/mask.nii.gz").unlink()
    report = verify_dataset(tmp_path)
    assert not report.ok
    assert report.changed == ["p2/pet.nii.gz"]
    assert report.missing == ["p0/mask.nii.gz"]
    stored, actual = report.fingerprints["test"]
    assert stored != actual


def test_manifest_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        read_manifest(tmp_path / "nope")
    with pytest.raises(UserError, match="manifest.json"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"schema_version": 1}))
    with pytest.raises(UserError, match="not a valid manifest") as info:
        read_manifest(tmp_path)
    assert "\n" not in str(info.value)


def test_unknown_split_lists_the_known_ones(tmp_path: Path) -> None:
    manifest = make_tiny_dataset(tmp_path)
    with pytest.raises(UserError, match="choose one of: test, train"):
        manifest.split("validation")


def test_schema_2_manifests_still_read_and_schema_3_fields_round_trip(tmp_path: Path) -> None:
    manifest = make_tiny_dataset(tmp_path)
    data = json.loads((tmp_path / "manifest.json").read_text())
    assert data["schema_version"] == MANIFEST_SCHEMA_VERSION == 3
    # a schema-2 file: no comparison / Deauville fields at all
    data["schema_version"] = 2
    for record in data["records"]:
        record["fields"] = {"region": "Thorax", "suv_max": 4.2}
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    old = read_manifest(tmp_path)
    assert old.schema_version == 2
    assert old.records[0].fields.change is None and old.records[0].fields.deauville is None
    fields = StructuredFinding(
        suv_max=5.0, change="decreased", prior_suv_max=9.1, prior_size_mm=21.0, deauville=4
    )
    assert StructuredFinding.model_validate_json(fields.model_dump_json()) == fields
    assert manifest.records[0].fields.prior_suv_max is None
    with pytest.raises(ValueError):
        StructuredFinding(deauville=6)
    with pytest.raises(ValueError):
        StructuredFinding(change="worse")
