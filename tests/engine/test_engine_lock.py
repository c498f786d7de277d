"""Run locks: O_EXCL + pid; stale locks of dead processes are taken over."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from petar_bench.engine._lock import RunLock, live_holder
from petar_bench.errors import UserError


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def _fake_lock(path, pid, host=None):
    path.write_text(
        json.dumps(
            {"pid": pid, "host": host or socket.gethostname(), "purpose": "test", "started": "then"}
        )
    )


def test_second_holder_is_refused_with_the_owner_named(tmp_path):
    path = tmp_path / ".lock"
    with RunLock(path, "first run"):
        assert live_holder(path).purpose == "first run"
        with pytest.raises(UserError, match=r"in use by another run \(pid \d+ .*first run"):
            RunLock(path, "second").acquire()
    assert not path.exists() and live_holder(path) is None


def test_stale_lock_of_a_dead_process_is_taken(tmp_path):
    path = tmp_path / ".lock"
    _fake_lock(path, _dead_pid())
    assert live_holder(path) is None
    with RunLock(path, "new run"):
        assert json.loads(path.read_text())["purpose"] == "new run"
    assert not list(tmp_path.iterdir())  # nothing left aside


def test_lock_of_another_host_is_respected(tmp_path):
    path = tmp_path / ".lock"
    _fake_lock(path, _dead_pid(), host="some-other-node")
    with pytest.raises(UserError, match="some-other-node"):
        RunLock(path, "run").acquire()


def test_release_leaves_a_lock_taken_over_by_another_process(tmp_path):
    path = tmp_path / ".lock"
    lock = RunLock(path, "mine")
    lock.acquire()
    _fake_lock(path, 1)  # pid 1 is always alive
    lock.release()
    assert path.exists()
