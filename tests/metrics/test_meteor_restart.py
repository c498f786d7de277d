"""A METEOR JVM killed or stalled mid-batch: restarted once, the batch asked again; a second
failure is one line (MetricFailed), and `run` says the predictions are kept."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Sequence

import numpy as np
import pytest

from petar_bench.errors import UserError
from petar_bench.metrics import _meteor as M
from petar_bench.metrics._java import LineProcess, LineProcessError
from petar_bench.metrics.errors import MetricFailed

java = pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime")

HYPS = ["a 2 cm nodule in the left upper lobe", "no uptake in the liver", "right hilar node"]
REFS = [["a 20 mm nodule in the left lung"], ["liver without uptake"], ["right hilar lymph node"]]


@java
@pytest.mark.slow  # two JVM start-ups (~8 s of CPU each)
def test_a_jvm_killed_mid_batch_is_restarted_and_the_batch_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = M.segment_stats(HYPS, REFS)  # the uninterrupted answers
    original = LineProcess.ask
    killed: list[int] = []

    def ask_but_kill_first(self: LineProcess, lines: Sequence[str], n: int) -> list[str]:
        if not killed:  # SIGKILL the real JVM, as the OOM killer would, then send the batch
            killed.append(self._proc.pid)
            os.kill(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
        return original(self, lines, n)

    monkeypatch.setattr(LineProcess, "ask", ask_but_kill_first)
    again = M.segment_stats(HYPS, REFS)
    assert killed, "the JVM was not killed"
    assert M._process is not None and M._process._proc.pid != killed[0]
    np.testing.assert_array_equal(again, expected)


class _DeadProcess:
    """Stands in for a JVM that dies on every request."""

    timeout_s = 1.0
    started = 0

    def __init__(self) -> None:
        type(self).started += 1

    def ask(self, lines: Sequence[str], n: int) -> list[str]:
        raise LineProcessError("meteor: the process exited (code -9)")

    def alive(self) -> bool:
        return False

    def close(self) -> None:
        pass


def test_a_second_failure_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    _DeadProcess.started = 0
    monkeypatch.setattr(M, "_get_process", lambda timeout_s: _DeadProcess())
    with pytest.raises(MetricFailed) as info:
        M.segment_stats(HYPS, REFS)
    assert _DeadProcess.started == 2  # one restart, then give up
    message = str(info.value)
    assert "\n" not in message and "failed twice" in message
    assert isinstance(info.value, UserError)


def test_nonsense_answers_count_as_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    class Garbled(_DeadProcess):
        def ask(self, lines: Sequence[str], n: int) -> list[str]:
            return ["not numbers"] * n

    monkeypatch.setattr(M, "_get_process", lambda timeout_s: Garbled())
    with pytest.raises(MetricFailed, match="failed twice"):
        M.segment_stats(HYPS, REFS)
