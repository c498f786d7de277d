"""The import engine: scan -> exams -> worker processes -> records -> splits -> manifest.

Memory stays flat in the number of lesions: the scan is a generator, exams go to the workers
a few at a time, and only small per-lesion results come back. Each exam's outcome is journaled
under ``DIR/.import/``, so a killed import resumes where it stopped (volumes already converted
are reused), and ``manifest.json`` appears only at the very end, written atomically after
``import_report.json``: never half a manifest.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petar_bench._bounds import IMPORT_WORKERS_RANGE, check_range, check_seed
from petar_bench.datasets.importers import (
    ScanOptions,
    detect_layout,
    layout_module,
)
from petar_bench.datasets.importers._consistency import OUR_CONVENTION, build_report
from petar_bench.datasets.importers._exam import STATE_DIR, ExamTask, process_exam
from petar_bench.datasets.importers._source import LesionSource, Skip
from petar_bench.datasets.importers._splits import Member, assign, read_split_file
from petar_bench.errors import UserError
from petar_bench.records import (
    MANIFEST_NAME,
    Conventions,
    ImportInfo,
    LesionRecord,
    Manifest,
    StructuredFinding,
    VolumeInfo,
    split_fingerprint,
    write_manifest,
)

REPORT_NAME = "import_report.json"
REPORT_SCHEMA_VERSION = 1
EXPORT_MARKER = "petar-bench-export.json"
_IN_FLIGHT_PER_WORKER = 2


@dataclass(frozen=True)
class ImportRequest:
    """Everything `petar-bench data import` was asked to do."""

    src: Path
    output: Path
    layout: str = "auto"
    split_file: Path | None = None
    split_column: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    workers: int = 1
    strict: bool = False
    components: bool = False
    tracer: str | None = None
    name: str | None = None
    seed: int = 0
    settings: dict[str, str] = field(default_factory=dict)

    def scan_options(self) -> ScanOptions:
        return ScanOptions(
            mapping=dict(self.mapping),
            split_column=self.split_column,
            components=self.components,
            settings=dict(self.settings),
            tracer=self.tracer,
        )


@dataclass
class ImportResult:
    """What an import did; the manifest is None for a dry run or a refused strict import."""

    layout: str
    manifest: Manifest | None
    imported: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    resumed_exams: int = 0
    report: dict[str, Any] = field(default_factory=dict)


def run_import(request: ImportRequest) -> ImportResult:
    """Import SRC into OUTPUT (see the module docstring); user mistakes are UserErrors."""
    check_range("--workers", request.workers, IMPORT_WORKERS_RANGE)
    check_seed(request.seed)
    if not request.src.exists():
        raise UserError(f"source {str(request.src)!r} does not exist")
    layout = detect_layout(request.src) if request.layout == "auto" else request.layout
    module = layout_module(layout)
    _check_options(layout, request)
    if request.dry_run:
        return ImportResult(layout=layout, manifest=None)
    split_map = read_split_file(request.split_file) if request.split_file else None
    _prepare_output(request.output)
    collected = _Collector()
    tasks = _exam_tasks(module.scan(request.src, request.scan_options()), request, collected)
    for outcome in _outcomes(tasks, request.workers):
        collected.add(outcome)
    return _finish(request, layout, collected, split_map)


def dry_run_lines(request: ImportRequest, *, rows: int = 5) -> list[str]:
    """What --dry-run prints: the layout, its own description, the first lesions found."""
    if not request.src.exists():
        raise UserError(f"source {str(request.src)!r} does not exist")
    layout = detect_layout(request.src) if request.layout == "auto" else request.layout
    module = layout_module(layout)
    _check_options(layout, request)
    options = request.scan_options()
    lines = [f"layout: {layout}" + (" (detected)" if request.layout == "auto" else "")]
    describe = getattr(module, "describe", None)
    if describe is not None:
        lines += describe(request.src, options)
    lines.append(f"first {rows} lesion(s):")
    for count, item in enumerate(module.scan(request.src, options)):
        if count >= rows:
            break
        if isinstance(item, Skip):
            lines.append(f"  skipped: {item.reason}")
        else:
            lines.append(
                f"  {item.id}: patient {item.patient_id}, exam {item.exam_id}, tracer "
                f"{item.tracer}, pet {item.pet.path.name}, mask {item.mask.path.name}"
                + (f" (label {item.mask_label})" if item.mask_label is not None else "")
                + f", reference {_clip(item.reference)!r}"
            )
    lines.append("dry run: nothing was written")
    return lines


def _check_options(layout: str, request: ImportRequest) -> None:
    """Options a layout would silently ignore are mistakes."""
    tabular = ("table", "labelmap", "dicom")  # dicom reads a findings table too
    misplaced = [
        name
        for name, given, allowed in (
            ("--map", bool(request.mapping), tabular),
            ("--split-column", request.split_column is not None, tabular),
            ("--components", request.components, ("labelmap",)),
        )
        if given and layout not in allowed
    ]
    if misplaced:
        raise UserError(f"{misplaced[0]} does not apply to the {layout} layout")
    if request.split_file is not None and request.split_column is not None:
        raise UserError("give --split-file or --split-column, not both")


def _clip(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _prepare_output(output: Path) -> None:
    if output.exists() and not output.is_dir():
        raise UserError(f"--output {str(output)!r} is a file; give a directory")
    if output.is_dir() and any(output.iterdir()) and not (output / STATE_DIR).is_dir():
        raise UserError(
            f"--output {str(output)!r} is not empty and holds no earlier import to resume; "
            "choose a new or empty directory"
        )
    try:
        (output / STATE_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create --output {str(output)!r}: {exc.strerror}") from None


def _exam_tasks(
    items: Iterable[LesionSource | Skip], request: ImportRequest, collected: _Collector
) -> Iterator[ExamTask]:
    """Consecutive lesions of one exam become one task; skips go straight to the collector."""
    batch: list[LesionSource] = []
    for item in items:
        if isinstance(item, Skip):
            collected.skip(item.origin, item.reason, item.code)
            continue
        if batch and batch[-1].exam_id != item.exam_id:
            yield ExamTask(batch[0].exam_id, tuple(batch), request.output)
            batch = []
        batch.append(item)
    if batch:
        yield ExamTask(batch[0].exam_id, tuple(batch), request.output)


def _outcomes(tasks: Iterator[ExamTask], workers: int) -> Iterator[dict[str, Any]]:
    """Outcomes in task order; with workers > 1, a bounded number of exams in flight."""
    if workers == 1:
        yield from map(process_exam, tasks)
        return
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # no forked state (locks, open handles)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[dict[str, Any]]] = deque()
        for task in tasks:
            pending.append(pool.submit(process_exam, task))
            if len(pending) >= _IN_FLIGHT_PER_WORKER * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


class _Collector:
    """Gathers the small per-lesion results in scan order."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.volumes: dict[str, dict[str, Any]] = {}
        self.skipped: list[dict[str, str]] = []
        self.refused_codes: Counter[str] = Counter()
        self.resumed = 0

    def skip(self, origin: str, reason: str, code: str) -> None:
        self.skipped.append({"origin": origin, "code": code, "reason": reason})
        self.refused_codes[code] += 1

    def add(self, outcome: dict[str, Any]) -> None:
        self.resumed += bool(outcome.get("resumed"))
        self.volumes.update(outcome["volumes"])
        self.entries.extend(outcome["lesions"])


def _finish(
    request: ImportRequest,
    layout: str,
    collected: _Collector,
    split_map: dict[str, str] | None,
) -> ImportResult:
    accepted, warnings = _accept(collected, strict=request.strict)
    members = [
        Member(e["id"], e["record"]["patient_id"], e["record"]["exam_id"], e["split"])
        for e in accepted
    ]
    splits, method, uncovered = assign(members, split_file=split_map, seed=request.seed)
    for entry in accepted:
        if entry["id"] in uncovered:
            collected.skip(entry["origin"], f"{entry['origin']}: not in the split file", "split")
    accepted = [e for e in accepted if e["id"] in splits]
    records = [_record(e, splits[e["id"]], warnings) for e in accepted]
    consistency = build_report({e["id"]: e["measure"] for e in accepted}, collected.refused_codes)
    result = ImportResult(
        layout=layout,
        manifest=None,
        imported=len(records),
        skipped=collected.skipped,
        warnings=warnings,
        resumed_exams=collected.resumed,
    )
    refuse = _strict_refusal(request, result) or (
        None if records else "nothing was imported (every lesion was skipped; see above)"
    )
    manifest = (
        None if refuse else _manifest(request, layout, records, collected, method, consistency)
    )
    result.manifest = manifest
    result.report = _report(request, layout, result, method, consistency, manifest)
    from petar_bench.fileio import atomic_write_json

    atomic_write_json(request.output / REPORT_NAME, result.report)
    if refuse:
        raise _RefusedImport(refuse, result)
    assert manifest is not None
    write_manifest(manifest, request.output)
    return result


class _RefusedImport(UserError):
    """A refused import still carries its result, so the CLI can print what went wrong."""

    def __init__(self, message: str, result: ImportResult) -> None:
        super().__init__(message)
        self.result = result


def _accept(collected: _Collector, *, strict: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """Lesions without errors (and, with --strict, without warnings), first of each id."""
    accepted: list[dict[str, Any]] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for entry in collected.entries:
        problems = entry["problems"]
        errors = [p for p in problems if p["severity"] == "error"]
        lesion_warnings = [p for p in problems if p["severity"] == "warning"]
        if errors or entry["record"] is None:
            first = errors[0] if errors else {"message": "unreadable", "code": "unreadable"}
            collected.skip(entry["origin"], first["message"], first["code"])
            continue
        if entry["id"] in seen:
            first_at = seen[entry["id"]]
            reason = f"{entry['origin']}: duplicate sample id {entry['id']!r} (first in {first_at})"
            collected.skip(entry["origin"], reason, "duplicate-id")
            continue
        seen[entry["id"]] = entry["origin"]
        warnings.extend(p["message"] for p in lesion_warnings if p["message"] not in warnings)
        accepted.append(entry)
    return accepted, warnings


def _record(entry: dict[str, Any], split: str, warnings: list[str]) -> LesionRecord:
    data = dict(entry["record"])
    data["fields"] = _fields(data.get("fields") or {}, entry["origin"], warnings)
    return LesionRecord.model_validate({**data, "split": split})


def _fields(raw: dict[str, Any], origin: str, warnings: list[str]) -> StructuredFinding:
    """Known structured fields that validate; others are dropped with a warning."""
    kept: dict[str, Any] = {}
    for name in StructuredFinding.model_fields:
        if raw.get(name) in (None, ""):
            continue
        try:
            StructuredFinding.model_validate({name: raw[name]})
        except ValueError:
            warnings.append(f"{origin}: structured field {name}={raw[name]!r} ignored (invalid)")
            continue
        kept[name] = raw[name]
    return StructuredFinding.model_validate(kept)


def _strict_refusal(request: ImportRequest, result: ImportResult) -> str | None:
    if not request.strict or not (result.skipped or result.warnings):
        return None
    first = result.skipped[0]["reason"] if result.skipped else result.warnings[0]
    return (
        f"--strict: {len(result.skipped)} lesion(s) skipped and {len(result.warnings)} "
        f"warning(s), no manifest written; first: {first}"
    )


def _synthetic_source(src: Path) -> bool:
    """True when SRC was written by `petar-bench data export` from synthetic data."""
    for folder in (src, src.parent):
        marker = folder / EXPORT_MARKER
        if marker.is_file():
            try:
                return bool(json.loads(marker.read_text(encoding="utf-8")).get("synthetic"))
            except (ValueError, OSError):
                return False
    return False


def _manifest(
    request: ImportRequest,
    layout: str,
    records: list[LesionRecord],
    collected: _Collector,
    method: str,
    consistency: dict[str, Any],
) -> Manifest:
    from petar_bench import __version__

    used = sorted({p for r in records for p in r.volume_paths()})
    checksums = {p: collected.volumes[p]["sha256"] for p in used}
    volumes = {
        p: VolumeInfo(
            role=collected.volumes[p]["role"],
            grid=collected.volumes[p]["grid"],
            notes=collected.volumes[p]["notes"],
        )
        for p in used
    }
    convention = consistency["slice_convention"]
    conventions = Conventions()
    if convention and convention != OUR_CONVENTION:
        conventions = Conventions(
            slice=f"{convention.split(',')[0]} axial index on the native PET grid, "
            f"{convention.split(', ')[1]} (detected on import)"
        )
    fingerprints = {
        s: split_fingerprint([r for r in records if r.split == s], checksums, conventions)
        for s in sorted({r.split for r in records})
    }
    options = {
        k: str(v)
        for k, v in (
            ("split_column", request.split_column),
            ("split_file", request.split_file),
            ("components", request.components or None),
            ("tracer", request.tracer),
            ("seed", request.seed),
            *((f"map.{k}", v) for k, v in sorted(request.mapping.items())),
        )
        if v is not None
    }
    synthetic = _synthetic_source(request.src)
    return Manifest(
        dataset=request.name or request.output.resolve().name,
        synthetic=synthetic,
        description=f"Imported by petar-bench {__version__} from the {layout} layout"
        + (" (SYNTHETIC data exported by petar-bench)" if synthetic else ""),
        conventions=conventions,
        records=records,
        volume_checksums=checksums,
        split_fingerprints=fingerprints,
        volumes=volumes,
        import_info=ImportInfo(
            layout=layout,
            source=str(request.src),
            harness_version=__version__,
            split_method=method,
            slice_convention=convention,
            options=options,
        ),
    )


def _report(
    request: ImportRequest,
    layout: str,
    result: ImportResult,
    method: str,
    consistency: dict[str, Any],
    manifest: Manifest | None,
) -> dict[str, Any]:
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "source": str(request.src),
        "layout": layout,
        "strict": request.strict,
        "imported": result.imported,
        "skipped": result.skipped,
        "warnings": result.warnings,
        "split_method": method,
        "split_fingerprints": manifest.split_fingerprints if manifest else {},
        "manifest_written": manifest is not None,
        "consistency": consistency,
        "resumed_exams": result.resumed_exams,
        "manifest": MANIFEST_NAME if manifest else None,
    }
