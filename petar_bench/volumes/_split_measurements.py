"""Image measurements of every lesion of a split, for the numeric-fidelity metrics.

`pet_suvmax_fidelity` and `pet_size_fidelity` compare the numbers a model writes with what
the image shows under the lesion mask. Measuring needs the volumes, so it is done once per
dataset split and cached under the cache directory, keyed by the sha256 of the volume files
as they are on disk now (a changed, damaged or deleted volume is read again, and the
loader's own checks then speak; a failed cache read is a miss, never a crash).

The key is never the manifest's stored checksums or the dataset's name: a copy of a dataset
whose files were changed after the manifest was sealed carries the intact copy's checksums,
and would be scored with the intact copy's measurements.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from petar_bench._hashing import sha256_file, sha256_json
from petar_bench._paths import cache_dir
from petar_bench.fileio import atomic_write_json
from petar_bench.records import LesionRecord, Manifest
from petar_bench.volumes import _measures as measures
from petar_bench.volumes._lesion import VolumeLoader

#: Bump when the measurement conventions change (invalidates every cached file).
MEASUREMENTS_VERSION = 1


def _file_digest(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError as exc:  # missing or unreadable: never a cache hit; the loader reports it
        return f"unreadable:{exc.errno}"


def _cache_path(root: Path, manifest: Manifest, records: Sequence[LesionRecord]) -> Path:
    """Keyed on the bytes of every file the loader reads (PET, CT, mask), each hashed once."""
    paths = sorted({p for r in records for p in r.volume_paths()})
    digests = {p: _file_digest(root / p) for p in paths}
    key = sha256_json(
        {
            "v": MEASUREMENTS_VERSION,
            "rows": sorted(
                (r.sample_id, r.mask_label, [digests[p] for p in r.volume_paths()]) for r in records
            ),
        }
    )
    return cache_dir() / "measurements" / f"{manifest.dataset}-{key[:24]}.json"


def measure_records(
    root: Path,
    manifest: Manifest,
    records: Sequence[LesionRecord],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, float]]:
    """sample_id -> {"suv_max", "size_mm"} measured on the native grid under each mask."""
    path = _cache_path(Path(root), manifest, records)
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if set(cached) == {r.sample_id for r in records}:
            return {k: dict(v) for k, v in cached.items()}
    except (OSError, ValueError):
        pass  # a miss: measure
    loader = VolumeLoader(root)
    ordered = sorted(records, key=lambda r: (r.exam_id, r.sample_id))  # exam cache hits
    found: dict[str, dict[str, float]] = {}
    for done, record in enumerate(ordered, start=1):
        lesion = loader.load(record)
        found[record.sample_id] = {
            "suv_max": measures.suv_max(lesion.pet, lesion.mask),
            "size_mm": measures.longest_axial_diameter_mm(lesion.mask, lesion.spacing_mm),
        }
        if progress is not None:
            progress(done, len(ordered))
    with contextlib.suppress(OSError):  # a read-only cache costs a re-measurement next time
        atomic_write_json(path, found)
    return found
