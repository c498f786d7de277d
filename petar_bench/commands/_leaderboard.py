"""The library side of `petar-bench leaderboard show|render|submit` (the CLI only parses)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from petar_bench.errors import UserError
from petar_bench.fileio import parse_json_text, read_text_file
from petar_bench.leaderboard._config import DEFAULT_BOARD, SHIPPED_DIR, board_dir, load_board_config

if TYPE_CHECKING:  # show and render must not import the submission code (start-up time)
    from petar_bench.leaderboard._board import BoardView
    from petar_bench.leaderboard._entry import ModelInfo
    from petar_bench.leaderboard._submission import SubmitResult, TrainingData

_REF = re.compile(r"^([A-Za-z0-9][\w.-]*):([A-Za-z0-9][\w.-]*)$")


def show(
    *,
    board: Path | str | None = None,
    console: Console,
    entry: str | None = None,
    extra: Sequence[Path] = (),
) -> BoardView:
    """Print the board (or, with `entry`, one entry's provenance and strata)."""
    from petar_bench.leaderboard._board import load_board
    from petar_bench.leaderboard.render._terminal import board_report, entry_report

    view = load_board(board or DEFAULT_BOARD, extra)
    console.print(board_report(view) if entry is None else entry_report(view, entry))
    return view


def render(
    *,
    format: str,
    output: Path | None,
    board: Path | str | None = None,
    console: Console,
    extra: Sequence[Path] = (),
) -> str:
    """Markdown (stdout unless `output`) or HTML (default file leaderboard.html)."""
    from petar_bench.fileio import atomic_write_text
    from petar_bench.leaderboard._board import load_board

    if format not in ("md", "html"):
        raise UserError(f"--format {format!r} is not supported; choose 'md' or 'html'")
    view = load_board(board or DEFAULT_BOARD, extra)
    if format == "md":
        from petar_bench.leaderboard.render._md import render_markdown

        text = render_markdown(view)
    else:
        from petar_bench.leaderboard.render._html import render_html

        text = render_html(view)
    if output is None and format == "md":
        console.file.write(text)
        return text
    target = Path(output or "leaderboard.html")
    atomic_write_text(target, text)
    console.print(Text(f"board written to {target}"))
    return text


def parse_training(text: str, patients_file: Path | None) -> TrainingData:
    """'--training-data' ("none", "petarseg-11k:train", free text, or a comma-separated mix)."""
    from petar_bench.leaderboard._entry import TrainingSplit
    from petar_bench.leaderboard._submission import TrainingData

    text = text.strip()
    if not text:
        raise UserError(
            "declare the training data: --training-data 'none' for zero-shot, "
            "'DATASET:SPLIT' (e.g. 'petarseg-11k:train'), or a short description"
        )
    refs = [
        TrainingSplit(dataset=m[1], split=m[2])
        for part in text.split(",")
        if (m := _REF.match(part.strip()))
    ]
    patients = read_patient_ids(patients_file) if patients_file is not None else []
    return TrainingData(description=text, datasets=refs, patient_ids=patients)


def read_patient_ids(path: Path) -> list[str]:
    """A --training-patients file: one patient id per line; '#' starts a comment line."""
    text = read_text_file(path, what="training patients file")
    return [s.strip() for s in text.split("\n") if s.strip() and not s.lstrip().startswith("#")]


def _decoding(text: str) -> dict[str, Any]:
    text = text.strip()
    if text.startswith("{"):
        value = parse_json_text(text, what="--decoding")
        if isinstance(value, dict):
            return value
    return {"settings": text} if text else {}


def _model(**fields: Any) -> ModelInfo:
    from pydantic import ValidationError

    from petar_bench.leaderboard._entry import ModelInfo

    try:
        return ModelInfo(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise UserError(f"--{err['loc'][0]}: {err['msg']}") from None


def _dataset_override(dataset: str | None) -> Any:
    """A Manifest when --dataset names a folder (a local copy of the board's dataset).

    A dataset *name* is not an override: the board fixes its dataset, and a copy elsewhere
    is proven to be the same split by its fingerprint.
    """
    if dataset is None or not Path(dataset).expanduser().is_dir():
        return None
    from petar_bench.datasets._catalog import resolve_dataset

    return resolve_dataset(dataset).manifest


def submit(
    predictions: Path,
    *,
    name: str = "",
    organisation: str = "",
    params: str = "",
    link: str = "",
    checkpoint: str = "",
    decoding: str = "",
    training_data: str = "",
    training_patients: Path | None = None,
    dataset: str | None = None,
    split: str | None = None,
    board: Path | str | None = None,
    console: Console,
    metadata: Path | None = None,
    overwrite: bool = False,
) -> SubmitResult:
    """Options (or a --metadata JSON file) -> validated, re-scored entry; see submit.submit.

    With `board` a folder, the entry is written into it; otherwise (the shipped board) into
    $PETAR_BENCH_HOME/leaderboard/<board_id>/, which show and render read as well.
    """
    from petar_bench.leaderboard._submission import SubmissionMetadata, load_metadata
    from petar_bench.leaderboard._submission import submit as submit_entry

    chosen = board or DEFAULT_BOARD
    config = load_board_config(chosen)
    if split is not None and split != config.split:
        raise UserError(f"board {config.board_id!r} ranks split {config.split!r}, not {split!r}")
    if metadata is not None:
        meta = load_metadata(metadata)
    else:
        if not name:
            raise UserError("give the model's name with --name (or a --metadata file)")
        meta = SubmissionMetadata(
            model=_model(
                name=name,
                organisation=organisation,
                parameters=params,
                link=link,
                checkpoint=checkpoint,
                decoding=_decoding(decoding),
            ),
            training=parse_training(training_data, training_patients),
        )
    folder = board_dir(chosen)
    out_dir = None if board is None or folder.resolve().is_relative_to(SHIPPED_DIR) else folder
    result = submit_entry(
        predictions,
        meta,
        board=chosen,
        out_dir=out_dir,
        dataset=_dataset_override(dataset),
        overwrite=overwrite,
    )
    e = result.entry
    primary = e.metrics[config.primary_metric]
    console.print(
        Text(
            f"entry {e.entry_id} written to {result.path}\n{config.primary_metric} "
            f"{primary.value:.4f} [{primary.ci95[0]:.4f}, {primary.ci95[1]:.4f}]"
            if primary.ci95
            else f"entry {e.entry_id} written to {result.path}"
        )
    )
    console.print(
        Text(
            f"See it with 'petar-bench leaderboard show'. To publish it, open a pull request "
            f"adding {result.path.name} to leaderboard/entries/{config.board_id}/."
        )
    )
    return result
