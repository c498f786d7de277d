"""The generation store: an append-only JSONL file of one run key's generations.

One line per attempt: ``{"v", "run_key", "sample_id", "status", "prediction", "error"}``.
Lines are written whole with `os.write` (a killed process loses nothing already written) and
fsync'd in small batches (a power loss loses at most the last unsynced batch). Reading is
forgiving: a torn last line is dropped (and cut off before the next append), a malformed
line elsewhere is skipped with a warning, never a crash. For one sample id, the first "ok"
line wins over any "error" line; an error line is replaced by a later attempt.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from petar_bench.errors import UserError
from petar_bench.fileio import JsonInputError, decode_json_bytes

STORE_SCHEMA_VERSION = 1

Status = Literal["ok", "error"]


@dataclass(frozen=True)
class Generation:
    """The outcome of one sample: a prediction, or the error that prevented it."""

    sample_id: str
    status: Status
    prediction: str | None = None
    error: str | None = None

    @classmethod
    def ok(cls, sample_id: str, prediction: str) -> Generation:
        return cls(sample_id, "ok", prediction=prediction)

    @classmethod
    def failed(cls, sample_id: str, error: str) -> Generation:
        return cls(sample_id, "error", error=error)

    def to_line(self, run_key: str) -> bytes:
        row: dict[str, Any] = {
            "v": STORE_SCHEMA_VERSION,
            "run_key": run_key,
            "sample_id": self.sample_id,
            "status": self.status,
        }
        if self.status == "ok":
            row["prediction"] = self.prediction
        else:
            row["error"] = self.error
        return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass
class StoreScan:
    """What reading one store file found."""

    path: Path
    entries: dict[str, Generation] = field(default_factory=dict)
    good_offset: int = 0  # end of the last complete, valid line
    size: int = 0
    bad_lines: list[int] = field(default_factory=list)  # malformed lines before the end
    foreign_lines: int = 0  # valid lines of another run key (skipped)
    conflicts: list[str] = field(default_factory=list)  # ids with two different "ok" texts

    @property
    def torn_tail(self) -> bool:
        """Bytes after the last valid line: a write cut short by a crash or a full disk."""
        return self.size > self.good_offset

    def warnings(self) -> list[str]:
        notes = []
        if self.torn_tail:
            notes.append(f"{self.path}: dropped an incomplete last line (a crash mid-write)")
        if self.bad_lines:
            notes.append(f"{self.path}: skipped malformed lines {self.bad_lines[:5]}")
        if self.foreign_lines:
            notes.append(f"{self.path}: skipped {self.foreign_lines} lines of another run key")
        if self.conflicts:
            notes.append(
                f"{self.path}: samples with two different predictions (kept the first): "
                f"{', '.join(self.conflicts[:5])}"
            )
        return notes


def _parse_line(raw: bytes) -> tuple[str, Generation] | None:
    try:
        row = decode_json_bytes(raw)
    except JsonInputError:  # damaged bytes, bad encoding, absurd nesting: a skipped line
        return None
    if not isinstance(row, dict):
        return None
    sample_id, key, status = row.get("sample_id"), row.get("run_key"), row.get("status")
    if not isinstance(sample_id, str) or not isinstance(key, str):
        return None
    prediction, error = row.get("prediction"), row.get("error")
    if status == "ok" and isinstance(prediction, str):
        return key, Generation.ok(sample_id, prediction)
    if status == "error" and isinstance(error, str):
        return key, Generation.failed(sample_id, error)
    return None


def add_generation(entries: dict[str, Generation], new: Generation) -> bool:
    """Fold one line into `entries`; False when it conflicts with an earlier "ok" text."""
    old = entries.get(new.sample_id)
    if old is not None and old.status == "ok":
        return new.status != "ok" or new.prediction == old.prediction
    entries[new.sample_id] = new
    return True


def read_store(path: Path, run_key: str) -> StoreScan:
    """Scan a store file (missing = empty). Never raises on content, only on I/O."""
    scan = StoreScan(Path(path))
    data = Path(path).read_bytes() if Path(path).is_file() else b""
    scan.size = len(data)
    pos, number, bad_at = 0, 0, []
    while (end := data.find(b"\n", pos)) != -1:
        number += 1
        raw, start, pos = data[pos:end], pos, end + 1
        if not raw.strip():
            continue
        parsed = _parse_line(raw)
        if parsed is None:
            bad_at.append((number, start))
            continue
        scan.good_offset = pos
        if parsed[0] != run_key:
            scan.foreign_lines += 1
        elif not add_generation(scan.entries, parsed[1]):
            scan.conflicts.append(parsed[1].sample_id)
    # Malformed lines after the last valid one are part of the torn tail, not "bad lines".
    scan.bad_lines = [n for n, start in bad_at if start < scan.good_offset]
    return scan


class GenerationStore:
    """The single writer of one store file (callers hold its lock)."""

    def __init__(
        self, path: Path, run_key: str, *, sync_every: int = 64, sync_interval_s: float = 2.0
    ) -> None:
        self.path = Path(path)
        self.run_key = run_key
        self.sync_every = sync_every
        self.sync_interval_s = sync_interval_s
        self.entries: dict[str, Generation] = {}
        self.scan: StoreScan | None = None
        self._fd: int | None = None
        self._synced_offset = 0
        self._pending = 0
        self._last_sync = time.monotonic()

    def open(self) -> StoreScan:
        """Read what is there, cut off a torn tail, and open for appending."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scan = read_store(self.path, self.run_key)
        if scan.torn_tail:
            os.truncate(self.path, scan.good_offset)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if scan.torn_tail:
            os.fsync(self._fd)
        self._synced_offset = scan.good_offset
        self.entries = dict(scan.entries)
        self.scan = scan
        return scan

    def append(self, generations: Sequence[Generation]) -> None:
        """Write whole lines; on a failed write, cut the file back to its last good line."""
        if self._fd is None:
            raise RuntimeError("GenerationStore.append before open()")
        if not generations:
            return
        data = b"".join(g.to_line(self.run_key) for g in generations)
        start = os.fstat(self._fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as exc:
            self._roll_back(start, exc)
        for generation in generations:
            add_generation(self.entries, generation)
        self._pending += len(generations)
        if (
            self._pending >= self.sync_every
            or time.monotonic() - self._last_sync >= self.sync_interval_s
        ):
            self.sync()

    def sync(self) -> None:
        if self._fd is None or self._pending == 0:
            return
        try:
            os.fsync(self._fd)
        except OSError as exc:
            self._roll_back(self._synced_offset, exc)
        self._synced_offset = os.fstat(self._fd).st_size
        self._pending = 0
        self._last_sync = time.monotonic()

    def _roll_back(self, offset: int, exc: OSError) -> None:
        assert self._fd is not None
        with contextlib.suppress(OSError):  # readers drop a torn tail anyway
            os.ftruncate(self._fd, offset)
        reason = exc.strerror or type(exc).__name__
        raise UserError(
            f"could not write {str(self.path)!r} ({reason}); the store was cut back to its "
            "last complete line and stays readable: fix the cause (e.g. free disk space) and "
            "rerun the same command to resume"
        ) from None

    def close(self) -> None:
        if self._fd is None:
            return
        try:
            self.sync()
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> GenerationStore:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def combine_stores(scans: Iterable[StoreScan]) -> dict[str, Generation]:
    """One entry per sample over several stores of one run key ("ok" wins over "error")."""
    combined: dict[str, Generation] = {}
    for scan in scans:
        for generation in scan.entries.values():
            add_generation(combined, generation)
    return combined
