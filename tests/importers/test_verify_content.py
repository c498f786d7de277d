"""`data verify` runs the import checks on what is on disk, not only the checksums."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from import_helpers import lesion_folder, save, small_exam
from rich.console import Console

from petar_bench.commands._data import verify
from petar_bench.datasets.importers._engine import ImportRequest, run_import
from petar_bench.errors import UserError
from petar_bench.records import read_manifest, seal_manifest, write_manifest


@pytest.fixture()
def imported(tmp_path: Path) -> Path:
    for patient in (1, 2):
        lesion_folder(tmp_path / "src", f"p{patient:06d}_01_1")
    run_import(ImportRequest(src=tmp_path / "src", output=tmp_path / "out"))
    return tmp_path / "out"


def _reseal(root: Path, **record_updates) -> None:
    manifest = read_manifest(root)
    records = [
        r.model_copy(update=record_updates) if i == 0 else r for i, r in enumerate(manifest.records)
    ]
    write_manifest(seal_manifest(manifest.model_copy(update={"records": records}), root), root)


def test_a_clean_import_verifies(imported: Path) -> None:
    console = Console(record=True, width=200)
    verify(str(imported), console=console)
    assert "contents pass the import checks" in console.export_text()


def test_nan_pet_resealed_is_still_caught(imported: Path) -> None:
    manifest = read_manifest(imported)
    pet_path = manifest.records[0].pet_path
    pet, _, mask = small_exam()
    save(imported / pet_path, np.where(mask > 0, np.nan, pet).astype(np.float32))
    _reseal(imported)
    console = Console(record=True, width=300)
    with pytest.raises(UserError, match="problem"):
        verify(str(imported), console=console)
    text = console.export_text()
    assert f"PET '{pet_path}': " in text and "NaN" in text


def test_patient_in_two_splits_is_caught(imported: Path) -> None:
    manifest = read_manifest(imported)
    other = next(r for r in manifest.records[1:])
    new_split = "val" if other.split != "val" else "test"
    _reseal(imported, patient_id=other.patient_id, split=new_split)
    console = Console(record=True, width=300)
    with pytest.raises(UserError):
        verify(str(imported), console=console)
    assert "is in two splits" in console.export_text()
