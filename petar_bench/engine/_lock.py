"""Run locks: a file created with O_EXCL holding the owner's pid and host.

Two processes writing one store file (or two runs finishing one directory) are refused. A
lock left by a killed process is stale when it names this host and a pid that is no longer
alive; it is then moved aside (an atomic rename, so only one contender wins) and retaken.
A lock from another host cannot be checked and is treated as held.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petar_bench.errors import UserError
from petar_bench.fileio import decode_json_bytes

# A lock file with unreadable content younger than this may be mid-write by its owner.
_UNREADABLE_GRACE_S = 30.0


@dataclass(frozen=True)
class LockHolder:
    pid: int | None
    host: str | None
    purpose: str
    started: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} since {self.started} ({self.purpose})"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def read_holder(path: Path) -> LockHolder | None:
    try:
        row: Any = decode_json_bytes(path.read_bytes())
        return LockHolder(
            int(row["pid"]), str(row["host"]), str(row["purpose"]), str(row["started"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _is_stale(path: Path, holder: LockHolder | None) -> bool:
    if holder is None:
        try:
            return time.time() - path.stat().st_mtime > _UNREADABLE_GRACE_S
        except FileNotFoundError:
            return True
    if holder.host != socket.gethostname() or holder.pid is None:
        return False
    return not pid_alive(holder.pid)


def live_holder(path: Path) -> LockHolder | None:
    """Who holds `path` now, or None when it is free or stale."""
    if not path.exists():
        return None
    holder = read_holder(path)
    if _is_stale(path, holder):
        return None
    return holder or LockHolder(None, None, "unknown", "unknown")


def busy_message(path: Path, holder: LockHolder | None) -> str:
    who = holder.describe() if holder else "a process that is starting"
    return (
        f"{str(path.parent)!r} is in use by another run ({who}); wait for it, "
        f"choose another --output-dir, or delete {str(path)!r} if that run is gone"
    )


class RunLock:
    """`with RunLock(path, purpose):` holds the lock; raises UserError when it is taken."""

    def __init__(self, path: Path, purpose: str) -> None:
        self.path = Path(path)
        self.purpose = purpose
        self._held = False

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = read_holder(self.path)
                if not _is_stale(self.path, holder):
                    raise UserError(busy_message(self.path, holder)) from None
                self._move_aside()
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._content(), handle)
                handle.flush()
                os.fsync(handle.fileno())
            self._held = True
            return
        raise UserError(f"could not take the lock {str(self.path)!r}; another run keeps racing")

    def _content(self) -> dict[str, Any]:
        started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        return {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "purpose": self.purpose,
            "started": started,
        }

    def _move_aside(self) -> None:
        aside = self.path.with_name(f"{self.path.name}.stale-{os.getpid()}")
        try:
            os.replace(self.path, aside)
        except FileNotFoundError:
            return  # another process cleared it first
        # Between our check and the rename, a contender may have taken a fresh lock: if what
        # we moved is live, put it back (link fails if yet another lock appeared meanwhile).
        if not _is_stale(aside, read_holder(aside)):
            with contextlib.suppress(FileExistsError):
                os.link(aside, self.path)
        aside.unlink(missing_ok=True)

    def release(self) -> None:
        if not self._held:
            return
        holder = read_holder(self.path)
        if holder is not None and holder.pid == os.getpid():
            self.path.unlink(missing_ok=True)
        self._held = False

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
