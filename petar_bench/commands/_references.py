"""References out (`data export-references`) and explicit subsets in (`score --ids FILE`)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console

from petar_bench.errors import UserError

if TYPE_CHECKING:
    from petar_bench.metrics._inputs import ScoreInputs

T = TypeVar("T")


def export_references(dataset: str, *, split: str, output: Path, console: Console) -> int:
    """Write the split's references as JSONL (the record fields included); returns the count."""
    from petar_bench.datasets._catalog import resolve_dataset
    from petar_bench.fileio import atomic_write_text

    handle = resolve_dataset(dataset)
    records = handle.manifest.split(split)
    lines = []
    for record in records:
        row: dict[str, Any] = {
            "sample_id": record.sample_id,
            "reference": record.reference,
            "patient_id": record.patient_id,
            "exam_id": record.exam_id,
            "lesion_id": record.lesion_id,
            "tracer": record.tracer,
            "split": record.split,
            "fields": record.fields.model_dump(exclude_none=True),
        }
        lines.append(json.dumps(row, ensure_ascii=False))
    if output.is_dir():
        raise UserError(f"--output {str(output)!r} is a directory; give a file name")
    if not output.parent.is_dir():
        raise UserError(f"--output {str(output)!r}: folder {str(output.parent)!r} does not exist")
    atomic_write_text(output, "\n".join(lines) + "\n")
    fingerprint = handle.manifest.split_fingerprints.get(split, "n/a")
    synthetic = " (SYNTHETIC data)" if handle.manifest.synthetic else ""
    console.print(
        f"{len(lines)} reference(s) of {handle.manifest.dataset!r} split {split}{synthetic} "
        f"written to {output}; split fingerprint {fingerprint}",
        markup=False,
        highlight=False,
    )
    return len(lines)


def read_id_list(path: Path) -> list[str]:
    """Sample ids, one per line, or JSONL rows with a "sample_id" (blank lines ignored)."""
    if not path.is_file():
        raise UserError(f"--ids file {str(path)!r} does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as exc:
        raise UserError(f"--ids file {str(path)!r} cannot be read as UTF-8 ({exc})") from None
    ids: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                value = json.loads(line).get("sample_id")
            except (ValueError, AttributeError, RecursionError):
                value = None
            if not isinstance(value, str) or not value:
                raise UserError(f"{path}:{number}: expected a sample id or a JSON row with one")
            line = value
        ids.append(line)
    if not ids:
        raise UserError(f"--ids file {str(path)!r} lists no sample ids")
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise UserError(f"{path}: sample id {duplicated[0]!r} is listed twice")
    return ids


def restrict(wanted: list[str], inputs: ScoreInputs, source: Path) -> ScoreInputs:
    """Scoring inputs narrowed to the `wanted` ids (marked as not the full split)."""
    unknown = [i for i in wanted if i not in inputs.references]
    if unknown:
        raise UserError(
            f"{source}: {len(unknown)} id(s) are not in the references, e.g. {unknown[0]!r}"
        )
    keep = set(wanted)

    def narrowed(value: dict[str, T] | None) -> dict[str, T] | None:
        return None if value is None else {k: v for k, v in value.items() if k in keep}

    return replace(
        inputs,
        predictions={k: v for k, v in inputs.predictions.items() if k in keep},
        references={k: v for k, v in inputs.references.items() if k in keep},
        patient_ids=narrowed(inputs.patient_ids),
        records=narrowed(inputs.records),
        measurements=narrowed(inputs.measurements),
        full_split=False,
    )
