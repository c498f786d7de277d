"""Reading a lesion or findings table (CSV, TSV, Parquet, JSONL) through Hugging Face
`datasets`, streamed row by row, and mapping its columns onto record fields."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from petar_bench.errors import UserError, did_you_mean

SUFFIXES = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".jsonl": "json", ".json": "json"}

# FIELD -> column names tried in order when --map does not name one.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "sample_id": ("sample_id", "id", "lesion_uid"),
    "patient_id": ("patient_id", "patient", "subject_id", "subject"),
    "exam_id": ("exam_id", "exam", "study_id", "study"),
    "lesion_id": ("lesion_id", "lesion"),
    "tracer": ("tracer", "radiotracer"),
    "split": ("split",),
    "pet": ("pet", "pet_path"),
    "ct": ("ct", "ct_path"),
    "mask": ("mask", "mask_path", "seg", "labels"),
    "mask_label": ("mask_label", "label"),
    "reference": ("reference", "text", "finding", "sentence", "report"),
    "struct": ("struct", "structured", "structured_finding"),
    "region": ("region",),
    "organ": ("organ",),
    "sub_site": ("sub_site", "subsite"),
    "laterality": ("laterality",),
    "suv_max": ("suv_max", "suvmax"),
    "slice": ("slice", "axial_slice"),
    "size_mm": ("size_mm",),
}
STRUCT_FIELDS = ("region", "organ", "sub_site", "laterality", "suv_max", "slice", "size_mm")


def table_builder(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix.lower())


def iter_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a table file, streamed (memory flat in the number of rows)."""
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")  # local files never need the hub
    builder = table_builder(path)
    if builder is None or not path.is_file():
        raise UserError(f"table {str(path)!r} is not a .csv, .tsv, .parquet or .jsonl file")
    try:
        from datasets import load_dataset
        from datasets.utils.logging import disable_progress_bar
    except ImportError:
        raise UserError(
            "reading tables needs Hugging Face datasets: pip install 'petar-bench[import]'"
        ) from None

    disable_progress_bar()
    kwargs: dict[str, Any] = {"delimiter": "\t"} if path.suffix.lower() == ".tsv" else {}
    try:
        rows = load_dataset(builder, data_files=str(path), split="train", streaming=True, **kwargs)
        yield from rows
    except UserError:
        raise
    except Exception as exc:  # datasets wraps pandas/pyarrow/json errors in many types
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"table {str(path)!r} cannot be read: {reason}") from None


def table_mapping(path: Path, options: Any, required: Sequence[str], what: str) -> dict[str, str]:
    """FIELD -> column of a table file, from its first row's columns, `--map` and
    `--split-column` (options of `ScanOptions`); an empty table is an error naming `what`."""
    first = next(iter_rows(path), None)
    if first is None:
        raise UserError(f"{what} {str(path)!r} has no rows")
    user = dict(options.mapping)
    if options.split_column:
        user["split"] = options.split_column
    return resolve_mapping(list(first), user, required, f"{what} {path.name!r}")


def resolve_mapping(
    columns: Sequence[str], mapping: Mapping[str, str], required: Sequence[str], where: str
) -> dict[str, str]:
    """FIELD -> column: --map first, then the defaults; missing required fields are errors."""
    unknown = sorted(set(mapping) - set(DEFAULT_COLUMNS))
    if unknown:
        raise UserError(
            f"--map {unknown[0]}=...: unknown field; fields: {', '.join(DEFAULT_COLUMNS)}"
            + did_you_mean(unknown[0], list(DEFAULT_COLUMNS))
        )
    chosen: dict[str, str] = {}
    for name, candidates in DEFAULT_COLUMNS.items():
        if name in mapping:
            if mapping[name] not in columns:
                raise UserError(
                    f"--map {name}={mapping[name]}: {where} has no column {mapping[name]!r} "
                    f"(columns: {', '.join(columns)})" + did_you_mean(mapping[name], list(columns))
                )
            chosen[name] = mapping[name]
            continue
        found = next((c for c in candidates if c in columns), None)
        if found is not None:
            chosen[name] = found
    missing = [f for f in required if f not in chosen]
    if missing:
        raise UserError(
            f"{where}: no column for {', '.join(missing)} (columns: {', '.join(columns)}); "
            f"name them with --map FIELD=COLUMN"
        )
    return chosen


def text_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from an empty CSV cell
        return None
    return str(value).strip() or None
