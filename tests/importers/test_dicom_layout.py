"""The `dicom` import layout over an exported synthetic dataset: detect, scan, readers, skips."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pydicom")
pytest.importorskip("highdicom")

from petar_bench.datasets import dicom  # noqa: E402
from petar_bench.datasets.importers import (  # noqa: E402
    LesionSource,
    ScanOptions,
    Skip,
    read_volume,
)
from petar_bench.errors import UserError  # noqa: E402
from petar_bench.records import Manifest  # noqa: E402
from petar_bench.volumes._lesion import load_nifti  # noqa: E402

Exported = tuple[Path, Path, Manifest]


@pytest.fixture(scope="module")
def exported_dicom(exported, tiny_dataset: tuple[Path, Manifest]) -> Exported:
    """(original root, DICOM export of its first two patients, original manifest)."""
    root, manifest = tiny_dataset
    return root, exported("dicom"), manifest


def _records(manifest: Manifest, n_patients: int = 2) -> list:
    patients = sorted({r.patient_id for r in manifest.records})[:n_patients]
    return [r for r in manifest.records if r.patient_id in patients]


def _read_csv(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_detect_and_describe(exported_dicom: Exported, tmp_path: Path) -> None:
    _, src, manifest = exported_dicom
    assert dicom.detect(src)
    assert not dicom.detect(tmp_path)
    lines = dicom.describe(src, ScanOptions())
    assert lines[0].startswith("2 exam folder(s); findings table:")
    assert "  exam_id <- exam_id" in lines and "  reference <- reference" in lines


def test_scan_yields_every_lesion_with_its_texts(exported_dicom: Exported) -> None:
    _, src, manifest = exported_dicom
    found = list(dicom.scan(src, ScanOptions()))
    assert all(isinstance(s, LesionSource) for s in found)
    want = {r.sample_id: r for r in _records(manifest)}
    assert [s.id for s in found] == list(want)
    for source in found:
        record = want[source.id]
        assert (source.patient_id, source.tracer, source.split) == (
            record.patient_id,
            record.tracer,
            record.split,
        )
        assert source.reference == record.reference
        assert source.fields["suv_max"] == record.fields.suv_max
        assert source.pet.key() == found[0].pet.key() or source.exam_id != found[0].exam_id


def test_readers_give_back_the_volumes(exported_dicom: Exported) -> None:
    root, src, manifest = exported_dicom
    source = next(s for s in dicom.scan(src, ScanOptions()) if isinstance(s, LesionSource))
    record = next(r for r in manifest.records if r.sample_id == source.id)
    pet_in, affine, _ = load_nifti(root / record.pet_path)
    mask_in, _, _ = load_nifti(root / record.mask_path)
    pet = read_volume(source.pet)
    assert np.allclose(pet.affine, affine, atol=1e-4)
    bound = pet_in.max(axis=(0, 1)) / 65532 * 1.001 + 1e-6  # int16, one slope per slice
    assert np.all(np.abs(pet.data - pet_in).max(axis=(0, 1)) <= bound)
    assert "SUVbw" in pet.notes[0] and "START" in pet.notes[0]
    mask = read_volume(source.mask)
    assert np.array_equal(mask.data > 0, mask_in > 0)
    ct = read_volume(source.ct)
    spacing = np.sqrt((ct.affine[:3, :3] ** 2).sum(axis=0))
    assert np.allclose(spacing, (1.5, 1.5, 4.0)) and ct.data.dtype == np.int16


def _rewrite_findings(src: Path, change) -> None:
    path = src / "dicom_findings.csv"
    _write_csv(path, change(_read_csv(path)))


def test_bad_rows_are_skipped_naming_them(exported_dicom: Exported, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(exported_dicom[1], src)

    def spoil(rows: list[dict]) -> list[dict]:
        rows[0]["lesion_id"] = "l99"
        rows[1]["reference"] = "  "
        rows.append(dict(rows[2], exam_id="no-such-exam"))
        return rows

    _rewrite_findings(src, spoil)
    found = list(dicom.scan(src, ScanOptions()))
    skips = [s for s in found if isinstance(s, Skip)]
    assert len(skips) == 3
    assert "no mask named 'l99'" in skips[0].reason and "row 2" in skips[0].reason
    assert skips[1].code == "reference-empty" and "row 3" in skips[1].reason
    assert "exam folder 'no-such-exam' not found" in skips[2].reason


def test_unreadable_exam_is_skipped(exported_dicom: Exported, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(exported_dicom[1], src)
    exam = sorted(p for p in src.iterdir() if p.is_dir())[0]
    shutil.rmtree(exam / "PT")
    found = list(dicom.scan(src, ScanOptions()))
    skipped = [s for s in found if isinstance(s, Skip)]
    assert skipped and all("no PET series" in s.reason for s in skipped)
    assert any(isinstance(s, LesionSource) for s in found)


def test_findings_table_is_required(exported_dicom: Exported, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(exported_dicom[1], src)
    (src / "dicom_findings.csv").unlink()
    assert not dicom.detect(src)
    with pytest.raises(UserError, match="no dicom_findings.csv"):
        list(dicom.scan(src, ScanOptions()))


def test_csv_table_with_mapped_columns(exported_dicom: Exported, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(exported_dicom[1], src)
    rows = _read_csv(src / "dicom_findings.csv")
    renamed = [{"Study": r["exam_id"], "ROI": r["lesion_id"], "Text": r["reference"]} for r in rows]
    (src / "dicom_findings.csv").unlink()
    _write_csv(src / "other.csv", renamed)
    options = ScanOptions(
        mapping={"exam_id": "Study", "lesion_id": "ROI", "reference": "Text"},
        settings={"findings": "other.csv"},
    )
    found = list(dicom.scan(src, options))
    assert len(found) == len(rows) and all(isinstance(s, LesionSource) for s in found)
    # The importer accepts --map and --setting for this layout (a dry run shows the mapping).
    from petar_bench.datasets.importers._engine import ImportRequest, dry_run_lines

    request = ImportRequest(
        src=src,
        output=tmp_path / "out",
        layout="dicom",
        mapping=dict(options.mapping),
        settings=dict(options.settings),
        dry_run=True,
    )
    assert "  lesion_id <- ROI" in dry_run_lines(request)
    # Without a tracer column the radiopharmaceutical in the PET header names it.
    assert [s.tracer for s in found] == [r["tracer"] for r in rows]
    assert found[0].patient_id == rows[0]["patient_id"]  # PatientID of the PET


def test_suv_scale_setting_replaces_the_header(exported_dicom: Exported) -> None:
    src = exported_dicom[1]
    options = ScanOptions(settings={"suv_scale": "0.001"})
    source = next(s for s in dicom.scan(src, options) if isinstance(s, LesionSource))
    scaled = read_volume(source.pet)
    bqml = dicom.exam_pet(source.pet.path).series.data  # the rescaled stored values
    assert "suv_scale" in scaled.notes[0]
    assert np.allclose(scaled.data, (bqml * 0.001).astype(np.float32))
