"""A long-lived subprocess (the METEOR JVM) that answers a line protocol, failure modes handled.

pycocoevalcap talks to METEOR one line at a time and never reads the process's stderr: a
full stderr pipe or a dead JVM turns into a hang or "could not convert string to float".
Here a writer thread feeds requests (so a large batch cannot deadlock against a full stdout
pipe), a reader thread queues answer lines, a third thread drains stderr into a short
buffer used for error messages, and every answer line has a timeout.
"""

from __future__ import annotations

import collections
import queue
import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

_EOF = object()


class LineProcessError(RuntimeError):
    """The process died, timed out or answered nonsense; the message says which."""


def java_executable() -> str | None:
    """Path of `java` on PATH, or None."""
    return shutil.which("java")


class LineProcess:
    """A command started once; `ask(lines, n)` sends lines and returns n answer lines."""

    def __init__(self, command: Sequence[str], *, cwd: Path, name: str, timeout_s: float) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._answers: queue.Queue[object] = queue.Queue()
        self._proc = subprocess.Popen(
            list(command),
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
        self._start_thread(self._read_stdout)
        self._start_thread(self._drain_stderr)

    def _start_thread(self, target: object) -> None:
        thread = threading.Thread(target=target, name=f"{self.name}-io", daemon=True)  # type: ignore[arg-type]
        thread.start()

    def _read_stdout(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._answers.put(line.rstrip("\n"))
        self._answers.put(_EOF)

    def _drain_stderr(self) -> None:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            self._stderr.append(line.rstrip())

    def alive(self) -> bool:
        return self._proc.poll() is None

    def ask(self, lines: Sequence[str], n_answers: int) -> list[str]:
        """Send `lines` (no line breaks inside) and read `n_answers` lines back."""
        if any("\n" in line or "\r" in line for line in lines):
            raise ValueError(f"{self.name}: a request line contains a line break")
        with self._lock:
            if not self.alive():
                raise self._error("the process is not running")
            writer = threading.Thread(target=self._write, args=(lines,), daemon=True)
            writer.start()
            answers = [self._next_answer() for _ in range(n_answers)]
            writer.join()
            return answers

    def _write(self, lines: Sequence[str]) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write("".join(line + "\n" for line in lines))
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the reader sees EOF and reports it with the process's stderr

    def _next_answer(self) -> str:
        try:
            item = self._answers.get(timeout=self.timeout_s)
        except queue.Empty:
            self.close()
            raise self._error(f"no answer within {self.timeout_s:g} s") from None
        if item is _EOF:
            raise self._error(f"the process exited (code {self._proc.wait()})")
        return str(item)

    def _error(self, what: str) -> LineProcessError:
        tail = " | ".join(list(self._stderr)[-3:])
        return LineProcessError(f"{self.name}: {what}" + (f"; stderr: {tail}" if tail else ""))

    def close(self) -> None:
        """Stop the process (idempotent). It holds no state worth a graceful exit."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
