"""Same seed -> byte-identical files and manifest; another seed -> another dataset."""

from __future__ import annotations

from pathlib import Path

from petar_bench._hashing import sha256_file
from petar_bench.records import MANIFEST_NAME


def _tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): sha256_file(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_bytes(small_dataset, small_dataset_again):
    (root_a, manifest_a), (root_b, manifest_b) = small_dataset, small_dataset_again
    hashes_a, hashes_b = _tree_hashes(root_a), _tree_hashes(root_b)
    assert hashes_a == hashes_b
    assert MANIFEST_NAME in hashes_a and len(hashes_a) > 20
    assert (root_a / MANIFEST_NAME).read_bytes() == (root_b / MANIFEST_NAME).read_bytes()
    assert manifest_a.split_fingerprints == manifest_b.split_fingerprints


def test_checksums_in_manifest_match_files(small_dataset):
    root, manifest = small_dataset
    files = {p for r in manifest.records for p in r.volume_paths()}
    assert set(manifest.volume_checksums) == files
    for rel, digest in manifest.volume_checksums.items():
        assert sha256_file(root / rel) == digest


def test_other_seed_differs(small_dataset, other_seed_dataset):
    (_, manifest_a), (_, manifest_b) = small_dataset, other_seed_dataset
    for split in manifest_a.split_fingerprints:
        assert manifest_a.split_fingerprints[split] != manifest_b.split_fingerprints.get(split)
    assert manifest_a.generator["seed"] == 0 and manifest_b.generator["seed"] == 1
    pets_a = {manifest_a.volume_checksums[r.pet_path] for r in manifest_a.records}
    pets_b = {manifest_b.volume_checksums[r.pet_path] for r in manifest_b.records}
    assert not pets_a & pets_b
