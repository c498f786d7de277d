"""Lesion records, the dataset manifest (a versioned file users keep) and split fingerprints.

A manifest lives at ``<dataset dir>/manifest.json``. Volume paths inside it are relative to
that directory, so a dataset folder can be moved or copied as a whole.

Schema 2 (written since the importer) adds, per volume file, its role, its own grid
(`VolumeGrid`: PET, CT and mask each keep theirs) and what was done to it on import, plus how
the dataset was imported (`ImportInfo`). Schema 3 adds optional fields to `StructuredFinding`
that a finding may state beyond the PETARSeg-11K schema: the comparison with a prior exam
(change class, the prior's SUVmax and size, a prior lesion that has resolved) and a Deauville
score. Schema 1 and 2 files are still read (those fields are then unknown); their grids come
from the NIfTI headers when the loader opens them. Fingerprints do not depend on the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from petar_bench._hashing import sha256_file, sha256_json
from petar_bench.errors import UserError
from petar_bench.grid import VolumeGrid

MANIFEST_SCHEMA_VERSION = 3
MANIFEST_NAME = "manifest.json"
SPLITS = ("train", "val", "test")


class StructuredFinding(BaseModel):
    """The PETARSeg-11K structured schema of one finding; every field may be unknown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    region: str | None = Field(None, description="Body region, e.g. 'Thorax'.")
    organ: str | None = Field(None, description="Organ or node station, e.g. 'Lung'.")
    sub_site: str | None = Field(None, description="Sub-site, e.g. 'right upper lobe'.")
    laterality: Literal["left", "right", "midline", "bilateral"] | None = Field(
        None, description="Side of the body, when the site has one."
    )
    suv_max: float | None = Field(None, description="SUVmax as reported (see conventions).")
    slice: int | None = Field(None, description="Axial slice as reported (see conventions).")
    size_mm: float | None = Field(None, description="Longest axial diameter in mm.")
    findings: str | None = Field(None, description="The free-text description sentence.")
    # Schema 3: what the finding says beyond the PETARSeg-11K schema. Numbers about a prior
    # exam are the values that exam reported (for synthetic data: drawn and stored here, no
    # prior volume exists), never measured on this record's images.
    change: Literal["new", "increased", "decreased", "stable"] | None = Field(
        None, description="Schema 3: change since the prior exam, as the finding states it."
    )
    prior_suv_max: float | None = Field(
        None, description="Schema 3: SUVmax the prior exam reported for this lesion."
    )
    prior_size_mm: float | None = Field(
        None, description="Schema 3: size (longest axial diameter, mm) on the prior exam."
    )
    resolved_sub_site: str | None = Field(
        None,
        description="Schema 3: sub-site of a lesion seen on the prior exam that is gone now; "
        "the finding mentions it.",
    )
    deauville: int | None = Field(
        None, ge=1, le=5, description="Schema 3: Deauville 5-point score (FDG, lymphoma)."
    )


class LesionRecord(BaseModel):
    """One sample: one lesion of one exam, with its reference finding."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sample_id: str = Field(description="Unique id of the lesion within the dataset.")
    patient_id: str = Field(description="Patient id; bootstrap CIs resample patients.")
    exam_id: str = Field(description="Exam id; lesions of one exam share PET/CT volumes.")
    lesion_id: str = Field(description="Lesion id within the exam.")
    tracer: str = Field(description="Tracer name, e.g. 'FDG', 'DOTATATE', 'PSMA', 'fluciclovine'.")
    split: str = Field(description="'train', 'val' or 'test'.")
    pet_path: str = Field(description="PET NIfTI in SUV, relative to the dataset directory.")
    ct_path: str = Field(description="CT NIfTI in HU (its own grid, overlapping the PET's).")
    mask_path: str = Field(description="Lesion mask NIfTI on the PET grid, relative path.")
    mask_label: int | None = Field(
        None, description="Label value of this lesion in a multi-label mask; None = mask > 0."
    )
    reference: str = Field(description="The radiologist's (or synthetic) finding text.")
    fields: StructuredFinding = Field(default_factory=StructuredFinding)

    def volume_paths(self) -> tuple[str, str, str]:
        return (self.pet_path, self.ct_path, self.mask_path)


class Conventions(BaseModel):
    """How the numbers in reference findings are defined; part of the fingerprint."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slice: str = "1-based axial index on the native PET grid, counted from the head end"
    suv_max: str = "maximum native-grid SUV under the lesion mask, rounded to one decimal"
    size: str = "longest axial diameter of the mask in mm"


class VolumeInfo(BaseModel):
    """One stored volume file (schema 2): what it is, where its voxels lie, how it was made."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["pet", "ct", "mask"]
    grid: VolumeGrid
    notes: list[str] = Field(
        default_factory=list,
        description="What the importer did, e.g. 'resampled from the CT grid to the PET grid "
        "(nearest neighbour)' or 'converted from Bq/mL to SUVbw'.",
    )


class ImportInfo(BaseModel):
    """How an imported dataset was made (schema 2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    layout: str = Field(description="The importer layout: folders, table, labelmap or dicom.")
    source: str = Field(description="The SRC argument as given.")
    harness_version: str
    split_method: str = Field(description="Where the splits came from (file, column, seeded).")
    slice_convention: str | None = Field(
        None, description="The slice numbering the references follow, as detected on import."
    )
    options: dict[str, str] = Field(default_factory=dict, description="Import options used.")


class Manifest(BaseModel):
    """A dataset: its records, conventions, volume checksums and per-split fingerprints."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1, 2, 3] = 3  # MANIFEST_SCHEMA_VERSION
    dataset: str = Field(description="Dataset name, e.g. 'synthetic-demo' or 'petarseg-11k'.")
    synthetic: bool = Field(description="True for generated data; never mixed with real data.")
    description: str = ""
    generator: dict[str, str | int] = Field(
        default_factory=dict, description="For generated data: generator version and seed."
    )
    conventions: Conventions = Field(default_factory=Conventions)
    records: list[LesionRecord]
    volume_checksums: dict[str, str] = Field(
        default_factory=dict, description="sha256 of every volume file, by relative path."
    )
    split_fingerprints: dict[str, str] = Field(
        default_factory=dict, description="split -> fingerprint, computed when made/imported."
    )
    volumes: dict[str, VolumeInfo] = Field(
        default_factory=dict,
        description="Schema 2: role, grid and import notes of every volume, by relative path.",
    )
    import_info: ImportInfo | None = Field(None, description="Schema 2: how it was imported.")

    def split(self, name: str) -> list[LesionRecord]:
        chosen = [r for r in self.records if r.split == name]
        if not chosen:
            known = sorted({r.split for r in self.records})
            raise UserError(
                f"unknown or empty split {name!r} in dataset {self.dataset!r}; "
                f"choose one of: {', '.join(known)}"
            )
        return chosen

    def fingerprint(self, split: str) -> str:
        try:
            return self.split_fingerprints[split]
        except KeyError:
            self.split(split)  # raises a clear error when the split does not exist
            raise UserError(
                f"dataset {self.dataset!r} has no stored fingerprint for split {split!r}; "
                "record one with 'petar-bench data verify DIR --seal' (it hashes the volumes "
                "as they are now)"
            ) from None


def split_fingerprint(
    records: Iterable[LesionRecord], checksums: dict[str, str], conventions: Conventions
) -> str:
    """sha256 over the sorted sample ids, their references and volume checksums, and the
    conventions that define the numbers in the references."""
    rows = sorted(
        (r.sample_id, r.reference, r.mask_label, [checksums.get(p, "") for p in r.volume_paths()])
        for r in records
    )
    return "sha256:" + sha256_json({"rows": rows, "conventions": conventions.model_dump()})


def compute_checksums(root: Path, records: Sequence[LesionRecord]) -> dict[str, str]:
    paths = sorted({p for r in records for p in r.volume_paths()})
    return {p: sha256_file(root / p) for p in paths}


def seal_manifest(manifest: Manifest, root: Path) -> Manifest:
    """Fill in checksums and split fingerprints; done once when a dataset is made or imported."""
    checksums = compute_checksums(root, manifest.records)
    splits = sorted({r.split for r in manifest.records})
    fingerprints = {
        s: split_fingerprint(
            (r for r in manifest.records if r.split == s), checksums, manifest.conventions
        )
        for s in splits
    }
    return manifest.model_copy(
        update={"volume_checksums": checksums, "split_fingerprints": fingerprints}
    )


def write_manifest(manifest: Manifest, root: Path) -> Path:
    from petar_bench.fileio import atomic_write_text

    return atomic_write_text(root / MANIFEST_NAME, manifest.model_dump_json(indent=1) + "\n")


def read_manifest(root: Path) -> Manifest:
    path = root / MANIFEST_NAME
    if not root.is_dir():
        raise UserError(f"dataset directory {str(root)!r} does not exist")
    if not path.is_file():
        raise UserError(
            f"{str(path)!r} not found: a dataset directory needs a manifest.json "
            "(make one with 'petar-bench data synth', or write one as docs/datasets.md describes)"
        )
    from petar_bench.fileio import read_json_model

    return read_json_model(path, Manifest, what="manifest")


class VerifyReport(BaseModel):
    """What `petar-bench data verify` found."""

    dataset: str
    ok: bool
    missing: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    fingerprints: dict[str, tuple[str, str]] = Field(
        default_factory=dict, description="split -> (stored, recomputed)"
    )
    unsealed_splits: list[str] = Field(
        default_factory=list, description="Splits with records but no stored fingerprint."
    )
    unsealed_files: list[str] = Field(
        default_factory=list, description="Volumes of records that have no stored checksum."
    )


def verify_dataset(root: Path) -> VerifyReport:
    """Re-hash every volume and recompute every split fingerprint against the manifest."""
    manifest = read_manifest(root)
    missing: list[str] = []
    changed: list[str] = []
    actual: dict[str, str] = {}
    for rel, stored in sorted(manifest.volume_checksums.items()):
        path = root / rel
        if not path.is_file():
            missing.append(rel)
            continue
        actual[rel] = sha256_file(path)
        if actual[rel] != stored:
            changed.append(rel)
    fingerprints = {}
    for split, stored in sorted(manifest.split_fingerprints.items()):
        records = [r for r in manifest.records if r.split == split]
        fingerprints[split] = (
            stored,
            split_fingerprint(records, actual, manifest.conventions),
        )
    unsealed_files = sorted(
        {p for r in manifest.records for p in r.volume_paths()} - set(manifest.volume_checksums)
    )
    missing += [p for p in unsealed_files if not (root / p).is_file()]
    unsealed_splits = sorted({r.split for r in manifest.records} - set(manifest.split_fingerprints))
    ok = (
        not missing
        and not changed
        and not unsealed_splits
        and not unsealed_files
        and all(a == b for a, b in fingerprints.values())
    )
    return VerifyReport(
        dataset=manifest.dataset,
        ok=ok,
        missing=missing,
        changed=changed,
        fingerprints=fingerprints,
        unsealed_splits=unsealed_splits,
        unsealed_files=unsealed_files,
    )


def seal_dataset(root: Path) -> Manifest:
    """Record the checksums and split fingerprints a manifest lacks, from the files as they
    are now; refuses when anything already recorded no longer matches (that is a damaged
    copy, not an unsealed one)."""
    report = verify_dataset(root)
    differs = [s for s, (stored, actual) in report.fingerprints.items() if stored != actual]
    if report.missing or report.changed or differs:
        raise UserError(
            f"dataset {report.dataset!r} does not match what its manifest records "
            f"({len(report.missing)} missing, {len(report.changed)} changed file(s), "
            f"{len(differs)} split fingerprint(s) differ); --seal only fills in what is not "
            "recorded yet: run 'petar-bench data verify' without --seal to see the differences"
        )
    sealed = seal_manifest(read_manifest(root), root)
    write_manifest(sealed, root)
    return sealed
