"""`petar-bench data export`: parse the options, export, say what was written."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from petar_bench.errors import UserError


def parse_spacing(text: str | None) -> tuple[float, float, float] | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) == 1:
        values *= 3
    if len(values) != 3 or not all(0.1 <= v <= 20 for v in values):
        raise UserError(
            f"--ct-spacing {text!r} must be 1 or 3 spacings in mm (0.1-20), e.g. 1.5,1.5,4"
        )
    return (values[0], values[1], values[2])


def export_command(
    dataset: str,
    layout: str,
    output: Path,
    patients: int | None,
    split: str | None,
    ct_spacing: str | None,
    *,
    console: Console,
) -> None:
    from petar_bench._bounds import COUNT_RANGE, check_range
    from petar_bench.datasets.importers._export import export_dataset

    if patients is not None:
        check_range("--patients", patients, COUNT_RANGE)
    job = export_dataset(
        dataset,
        layout=layout,
        output=output,
        patients=patients,
        split=split,
        ct_spacing_mm=parse_spacing(ct_spacing),
    )
    synthetic = " (SYNTHETIC data; the importer keeps that flag)" if job.manifest.synthetic else ""
    console.print(
        f"{len(job.records)} lesion(s) of {job.manifest.dataset!r} written to {output} in the "
        f"{layout} layout{synthetic}; import with: petar-bench data import {output} "
        f"--output DIR",
        markup=False,
        highlight=False,
    )
