"""The generation store: append, resume, torn lines, malformed lines, full disks."""

from __future__ import annotations

import errno
import os

import pytest

from petar_bench.engine._store import Generation, GenerationStore, read_store
from petar_bench.errors import UserError

KEY = "0123456789abcdef"


def _write(path, *generations, key=KEY):
    with GenerationStore(path, key) as store:
        store.append(list(generations))


def test_round_trip_keeps_text_exactly(tmp_path):
    path = tmp_path / "g" / f"{KEY}.jsonl"
    text = "Region: Thorax\nSUVmax: 7.3 — \u2028 ünïcode"
    _write(path, Generation.ok("a", text), Generation.failed("b", "ValueError: boom"))
    scan = read_store(path, KEY)
    assert scan.entries["a"].prediction == text
    assert scan.entries["b"] == Generation.failed("b", "ValueError: boom")
    assert len(path.read_bytes().splitlines()) == 2 and not scan.warnings()


def test_ok_wins_and_a_retry_replaces_an_error(tmp_path):
    path = tmp_path / f"{KEY}.jsonl"
    _write(path, Generation.failed("a", "e1"), Generation.ok("b", "first"))
    _write(path, Generation.ok("a", "fixed"), Generation.failed("b", "late error"))
    scan = read_store(path, KEY)
    assert scan.entries["a"].prediction == "fixed"
    assert scan.entries["b"].prediction == "first"


def test_torn_last_line_is_dropped_and_cut_before_appending(tmp_path):
    path = tmp_path / f"{KEY}.jsonl"
    _write(path, Generation.ok("a", "A"), Generation.ok("b", "B"))
    good = path.stat().st_size
    with open(path, "ab") as handle:
        handle.write(b'{"v": 1, "run_key": "' + KEY.encode() + b'", "sample_id": "c", "sta')
    scan = read_store(path, KEY)
    assert set(scan.entries) == {"a", "b"} and scan.torn_tail
    assert "incomplete last line" in scan.warnings()[0]
    with GenerationStore(path, KEY) as store:
        assert path.stat().st_size == good  # cut on open
        store.append([Generation.ok("c", "C")])
    scan = read_store(path, KEY)
    assert set(scan.entries) == {"a", "b", "c"} and not scan.torn_tail and not scan.bad_lines


def test_zero_filled_tail_counts_as_torn(tmp_path):
    """After a power loss, ext4 may leave NUL bytes where the last write was."""
    path = tmp_path / f"{KEY}.jsonl"
    _write(path, Generation.ok("a", "A"))
    with open(path, "ab") as handle:
        handle.write(b"\0" * 40 + b"\n")
    scan = read_store(path, KEY)
    assert scan.torn_tail and not scan.bad_lines and set(scan.entries) == {"a"}


def test_malformed_middle_line_is_skipped_not_fatal(tmp_path):
    path = tmp_path / f"{KEY}.jsonl"
    lines = [
        Generation.ok("a", "A").to_line(KEY),
        b"not json\n",
        Generation.ok("b", "B").to_line(KEY),
    ]
    path.write_bytes(b"".join(lines))
    scan = read_store(path, KEY)
    assert set(scan.entries) == {"a", "b"} and scan.bad_lines == [2]
    assert "malformed" in scan.warnings()[0]


def test_lines_of_another_run_key_are_ignored(tmp_path):
    path = tmp_path / f"{KEY}.jsonl"
    _write(path, Generation.ok("a", "A"), key="f" * 16)
    scan = read_store(path, KEY)
    assert scan.entries == {} and scan.foreign_lines == 1


def test_full_disk_leaves_the_store_readable(tmp_path, monkeypatch):
    path = tmp_path / f"{KEY}.jsonl"
    _write(path, Generation.ok("a", "A"))
    good = path.stat().st_size
    real_write = os.write

    def half_then_enospc(fd, data):
        if not getattr(half_then_enospc, "done", False):
            half_then_enospc.done = True  # type: ignore[attr-defined]
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    store = GenerationStore(path, KEY)
    store.open()
    monkeypatch.setattr(os, "write", half_then_enospc)
    with pytest.raises(UserError, match="No space left on device.*stays readable"):
        store.append([Generation.ok("b", "B" * 100), Generation.ok("c", "C")])
    monkeypatch.setattr(os, "write", real_write)
    store.close()
    assert path.stat().st_size == good
    assert set(read_store(path, KEY).entries) == {"a"}
    assert set(store.entries) == {"a"}


def test_failed_fsync_rolls_back_to_the_last_synced_line(tmp_path, monkeypatch):
    path = tmp_path / f"{KEY}.jsonl"
    store = GenerationStore(path, KEY, sync_every=1000, sync_interval_s=1e9)
    store.open()
    store.append([Generation.ok("a", "A")])
    store.sync()
    synced = path.stat().st_size
    store.append([Generation.ok("b", "B")])

    def failing_fsync(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(UserError, match="Input/output error"):
        store.sync()
    monkeypatch.undo()
    store.close()
    assert path.stat().st_size == synced


def test_syncs_in_small_batches(tmp_path, monkeypatch):
    calls = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd) or real(fd))
    store = GenerationStore(tmp_path / f"{KEY}.jsonl", KEY, sync_every=3, sync_interval_s=1e9)
    store.open()
    for name in "abcdefg":
        store.append([Generation.ok(name, name)])
    assert len(calls) == 2  # after 3 and 6 lines
    store.close()
    assert len(calls) == 3  # the rest on close
