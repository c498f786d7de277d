"""`petar-bench reader-study export`: blinded, randomised case packets and their key.

Layout written under DIR:

- ``DIR/packet/``: what readers get. ``index.html`` (a static form; "Download ratings"
  saves a CSV in the browser, nothing is sent anywhere), ``cases.csv`` (the same cases as
  plain text), ``ratings-template.csv`` (one empty row per item, for spreadsheet users) and
  ``images/`` (one PNG per lesion: PET MIP and tri-planar views with the mask contour).
- ``DIR/key.json``: which model (or the human reference) wrote each case, and which lesion
  and patient it is. Keep it away from the readers.

Blinding: case, pair and image ids are random tokens from the seed; every number in a
finding is masked as "[#]" (SUVmax, slice and size, then any digit left); cases and pairs
are shuffled; which side of a pair is "A" is drawn at random. The same seed and runs give
byte-identical packets.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from petar_bench.fileio import atomic_write_bytes, atomic_write_text, ensure_output_dir
from petar_bench.report._runs import RunSet, load_runs
from petar_bench.report._texts import mask_all_numbers

KEY_NAME = "key.json"
PACKET_DIR = "packet"
REFERENCE_SYSTEM = "reference"
AXES = ("anatomical_accuracy", "interpretation_accuracy", "overall_utility")
AXIS_TITLES = {
    "anatomical_accuracy": "Anatomical accuracy",
    "interpretation_accuracy": "Interpretation accuracy",
    "overall_utility": "Overall utility",
}
PREFERENCES = ("A", "B", "tie")
RATING_COLUMNS = ("rater", "item_id", *AXES, "preference")


class KeyCase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    sample_id: str
    patient_id: str
    system: str = Field(description="Run label, or 'reference' for the human finding.")
    kind: Literal["model", "reference"]


class KeyPair(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pair_id: str
    sample_id: str
    patient_id: str
    a: str = Field(description="Case id shown as A.")
    b: str = Field(description="Case id shown as B.")


class KeyRun(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    run_dir: str = Field(description="The run directory, absolute (its scores feed correlate).")
    run_key: str


class StudyKey(BaseModel):
    """The unblinding key of a reader-study packet (a file users keep; schema 1)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    seed: int
    split_fingerprint: str
    synthetic: bool
    runs: list[KeyRun]
    cases: list[KeyCase]
    pairs: list[KeyPair]


def read_key(path: Path) -> StudyKey:
    from petar_bench.fileio import read_json_model

    return read_json_model(Path(path), StudyKey, what="reader-study key")


@dataclass(frozen=True)
class ExportResult:
    packet: Path
    key: Path
    n_cases: int
    n_pairs: int
    n_lesions: int


#: Letters only, so a packet holds no digit at all (ids cannot be mistaken for values).
_ID_LETTERS = "bcdfghjkmnpqrstvwxz"


def _tokens(rng: np.random.Generator, prefix: str, n: int) -> list[str]:
    """n distinct random ids like 'C-kqwfzb' (opaque: no order, no source)."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        token = f"{prefix}-" + "".join(rng.choice(list(_ID_LETTERS), size=6))
        if token not in seen:
            seen.add(token)
            out.append(token)
    return out


@dataclass(frozen=True)
class _Case:
    case_id: str
    sample_id: str
    patient_id: str
    system: str
    text: str


def _cases(runs: RunSet, rng: np.random.Generator, include_reference: bool) -> list[_Case]:
    rows = []
    for record in runs.records:
        for run in runs.runs:
            rows.append((record, run.label, run.predictions.get(record.sample_id, "")))
        if include_reference:
            rows.append((record, REFERENCE_SYSTEM, record.reference))
    ids = _tokens(rng, "C", len(rows))
    order = rng.permutation(len(rows))
    return [
        _Case(ids[i], rows[i][0].sample_id, rows[i][0].patient_id, rows[i][1], rows[i][2])
        for i in order
    ]


def _pairs(cases: Sequence[_Case], rng: np.random.Generator) -> list[KeyPair]:
    """Every two systems' findings of one lesion, in random order with A/B drawn at random."""
    by_sample: dict[str, list[_Case]] = {}
    for case in sorted(cases, key=lambda c: (c.sample_id, c.system)):
        by_sample.setdefault(case.sample_id, []).append(case)
    found = [pair for group in by_sample.values() for pair in itertools.combinations(group, 2)]
    ids = _tokens(rng, "P", len(found))
    swaps = rng.random(len(found)) < 0.5
    order = rng.permutation(len(found))
    out = []
    for i in order:
        first, second = found[i]
        a, b = (second, first) if swaps[i] else (first, second)
        out.append(
            KeyPair(
                pair_id=ids[i],
                sample_id=a.sample_id,
                patient_id=a.patient_id,
                a=a.case_id,
                b=b.case_id,
            )
        )
    return out


def _lesion_images(runs: RunSet, rng: np.random.Generator, folder: Path) -> dict[str, str]:
    """sample id -> image token; writes TOKEN-mip.png and TOKEN-views.png per lesion."""
    from petar_bench.report._figures import pet_mip, triplanar
    from petar_bench.volumes._lesion import VolumeLoader
    from petar_bench.volumes.views import encode_png

    loader = VolumeLoader(runs.dataset_root)
    names = _tokens(rng, "L", len(runs.records))
    out = {}
    for record, name in zip(runs.records, names, strict=True):
        lesion = loader.load(record)
        atomic_write_bytes(folder / f"{name}-mip.png", encode_png(pet_mip(lesion)))
        atomic_write_bytes(folder / f"{name}-views.png", encode_png(triplanar(lesion)))
        out[record.sample_id] = name
    # A packet folder used before must not keep the previous packet's pictures.
    wanted = {f"{n}-{kind}.png" for n in names for kind in ("mip", "views")}
    for stale in folder.glob("*.png"):
        if stale.name not in wanted:
            stale.unlink()
    return out


def _csv(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def _cases_csv(cases: Sequence[_Case], pairs: Sequence[KeyPair], images: dict[str, str]) -> str:
    text = {c.case_id: c for c in cases}
    rows: list[list[str]] = [["item_id", "kind", "images", "finding", "finding_b"]]
    for case in cases:
        name = images[case.sample_id]
        rows.append(
            [case.case_id, "case", f"images/{name}-views.png", mask_all_numbers(case.text), ""]
        )
    for pair in pairs:
        name = images[pair.sample_id]
        rows.append(
            [
                pair.pair_id,
                "pair",
                f"images/{name}-views.png",
                mask_all_numbers(text[pair.a].text),
                mask_all_numbers(text[pair.b].text),
            ]
        )
    return _csv(rows)


def _template_csv(cases: Sequence[_Case], pairs: Sequence[KeyPair]) -> str:
    rows = [list(RATING_COLUMNS)]
    rows += [["", c.case_id, "", "", "", ""] for c in cases]
    rows += [["", p.pair_id, "", "", "", ""] for p in pairs]
    return _csv(rows)


def export_packet(
    run_dirs: Sequence[Path], output: Path, *, seed: int = 0, include_reference: bool = False
) -> ExportResult:
    """Write DIR/packet/ (for readers) and DIR/key.json (kept apart)."""
    from petar_bench.report._study_form import form_html

    runs = load_runs(run_dirs)
    rng = np.random.default_rng(seed)
    output = ensure_output_dir(Path(output), what="reader-study folder")
    packet = ensure_output_dir(output / PACKET_DIR, what="reader-study packet folder")
    images_dir = ensure_output_dir(packet / "images", what="packet images folder")
    cases = _cases(runs, rng, include_reference)
    pairs = _pairs(cases, rng)
    images = _lesion_images(runs, rng, images_dir)
    shown = {c.case_id: mask_all_numbers(c.text) for c in cases}
    atomic_write_text(packet / "index.html", form_html(cases, pairs, images, shown))
    atomic_write_text(packet / "cases.csv", _cases_csv(cases, pairs, images))
    atomic_write_text(packet / "ratings-template.csv", _template_csv(cases, pairs))
    key = StudyKey(
        seed=seed,
        split_fingerprint=runs.runs[0].config.split_fingerprint,
        synthetic=any(r.config.synthetic for r in runs.runs),
        runs=[
            KeyRun(label=r.label, run_dir=str(r.run_dir.resolve()), run_key=r.config.run_key)
            for r in runs.runs
        ],
        cases=[
            KeyCase(
                case_id=c.case_id,
                sample_id=c.sample_id,
                patient_id=c.patient_id,
                system=c.system,
                kind="reference" if c.system == REFERENCE_SYSTEM else "model",
            )
            for c in cases
        ],
        pairs=pairs,
    )
    key_path = atomic_write_text(
        output / KEY_NAME, json.dumps(key.model_dump(mode="json"), indent=2) + "\n"
    )
    return ExportResult(packet, key_path, len(cases), len(pairs), len(runs.records))
