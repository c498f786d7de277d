"""`petar-bench data import`: options in, the importer run, a summary table out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from petar_bench.datasets.importers._consistency import summary_lines
from petar_bench.datasets.importers._engine import (
    REPORT_NAME,
    ImportRequest,
    ImportResult,
    dry_run_lines,
    run_import,
)
from petar_bench.errors import UserError

_SHOWN = 10


def parse_pairs(pairs: list[str] | None, option: str) -> dict[str, str]:
    """FIELD=COLUMN pairs (repeatable option) as a dict; a malformed pair is a UserError."""
    parsed: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UserError(f"{option} {pair!r} must look like FIELD=COLUMN")
        parsed[key.strip()] = value.strip()
    return parsed


def import_data(request: ImportRequest, *, console: Console) -> ImportResult | None:
    if request.dry_run:
        for line in dry_run_lines(request):
            console.print(line, markup=False, highlight=False)
        return None
    try:
        result = run_import(request)
    except UserError as exc:
        refused: Any = getattr(exc, "result", None)
        if refused is not None:
            print_summary(refused, request.output, console)
        raise
    print_summary(result, request.output, console)
    return result


def print_summary(result: ImportResult, output: Path, console: Console) -> None:
    manifest = result.manifest
    table = Table(title=f"import ({result.layout} layout)", show_header=True)
    for column in ("split", "lesions", "patients", "fingerprint"):
        table.add_column(column)
    if manifest is not None:
        for split, fingerprint in manifest.split_fingerprints.items():
            chosen = [r for r in manifest.records if r.split == split]
            table.add_row(
                split, str(len(chosen)), str(len({r.patient_id for r in chosen})), fingerprint
            )
        console.print(table)
    _print_consistency(result.report.get("consistency") or {}, console)
    console.print(
        f"imported {result.imported} lesion(s), skipped {len(result.skipped)}, "
        f"warnings {len(result.warnings)}"
        + (
            f" ({result.resumed_exams} exam(s) reused from an earlier run)"
            if result.resumed_exams
            else ""
        ),
        markup=False,
        highlight=False,
    )
    for item in result.skipped[:_SHOWN]:
        console.print(f"skipped: {item['reason']}", markup=False, highlight=False)
    for message in result.warnings[:_SHOWN]:
        console.print(f"warning: {message}", markup=False, highlight=False)
    hidden = max(0, len(result.skipped) - _SHOWN) + max(0, len(result.warnings) - _SHOWN)
    if hidden:
        console.print(f"... and {hidden} more in {output / REPORT_NAME}", markup=False)
    if manifest is not None:
        console.print(
            f"dataset {manifest.dataset!r} written to {output} (manifest.json, {REPORT_NAME}); "
            f"use it with --dataset {output}",
            markup=False,
            highlight=False,
        )


def _print_consistency(report: dict[str, Any], console: Console) -> None:
    tracers = report.get("per_tracer") or {}
    if not tracers:
        return
    table = Table(title="findings against images", show_header=True)
    for column in ("tracer", "lesions", "SUVmax agrees", "slice agrees"):
        table.add_column(column)
    for tracer, tally in tracers.items():
        stated = max(tally.get("stated", 0), 1)
        table.add_row(
            tracer,
            str(tally.get("lesions", 0)),
            f"{tally.get('suv_agrees', 0)}/{tally.get('stated', 0)} "
            f"({100 * tally.get('suv_agrees', 0) / stated:.0f}%)",
            f"{tally.get('slice_agrees', 0)}/{tally.get('stated', 0)}",
        )
    console.print(table)
    convention = report.get("slice_convention")
    console.print(f"slice convention detected: {convention or 'none'}", markup=False)
    for line in summary_lines(report):
        console.print(line, markup=False, highlight=False)
    disagreeing = report.get("disagreeing") or []
    for item in disagreeing[:_SHOWN]:
        console.print(
            f"disagrees: {item['sample_id']} states SUVmax {item['stated_suv']}, "
            f"image {item['measured_suv']:.2f}",
            markup=False,
            highlight=False,
        )
