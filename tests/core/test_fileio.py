"""The shared bounded readers and the crash-safe writer (petar_bench.fileio)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from petar_bench import fileio
from petar_bench.errors import UserError
from petar_bench.fileio import (
    JsonInputError,
    atomic_write_text,
    decode_json_bytes,
    ensure_output_dir,
    ensure_output_file,
    nesting_too_deep,
    parse_json_text,
    read_json_file,
    read_json_object,
    read_jsonl,
)

GOOD_ROW = b'{"sample_id": "a", "prediction": "x"}\n'


def _write(tmp_path: Path, data: bytes, name: str = "f.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _one_line(exc: pytest.ExceptionInfo[UserError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


# (bytes, what the one-line message must contain)
BAD_JSONL = [
    (b"", "is empty"),
    (b"\n  \n\n", "is empty"),
    (b'{"sample_id": "\xff"}\n', "not valid UTF-8 (byte 0xff"),
    ('{"sample_id": "a"}\n'.encode("utf-16"), "UTF-16"),
    ('{"sample_id": "a"}\n'.encode("utf-16-le"), "UTF-16"),
    (b"\x1f\x8b\x08\x00rest", "gzip"),
    (b"[" * 5000 + b"\n", "holds a JSON array"),
    (GOOD_ROW + b'{"a": ' * 5000 + b"\n", "line 2 is nested more than"),
    (b'[{"sample_id": "a", "prediction": "x"}]\n', "holds a JSON array; expected JSONL"),
    (b"sample_id,prediction\na,x\n", "looks like a CSV/TSV table"),
    (b"sample_id\tprediction\na\tx\n", "looks like a CSV/TSV table"),
    (b'{\n "sample_id": "a"\n}\n', "spread over several lines"),
    (GOOD_ROW + b'"just a string"\n', "line 2 holds a string; expected JSONL"),
    (GOOD_ROW + b'{"a": 1} {"b": 2}\n', "line 2 is not valid JSON (Extra data"),
    (GOOD_ROW + b'{"sample_id": "torn\n', "line 2 is not valid JSON"),
]


@pytest.mark.parametrize(("data", "expected"), BAD_JSONL)
def test_read_jsonl_names_the_problem_in_one_line(
    tmp_path: Path, data: bytes, expected: str
) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(UserError) as exc:
        read_jsonl(path, what="predictions file")
    message = _one_line(exc)
    assert expected in message
    assert message.startswith(f"predictions file {str(path)!r}")


def test_read_jsonl_accepts_bom_crlf_blank_lines_and_raw_line_separators(tmp_path: Path) -> None:
    text = '{"sample_id": "a", "prediction": "x\u2028y\u0085z"}'
    path = _write(tmp_path, b"\xef\xbb\xbf" + text.encode() + b"\r\n\r\n" + GOOD_ROW)
    rows = read_jsonl(path)
    assert rows == [
        {"sample_id": "a", "prediction": "x\u2028y\u0085z"},
        {"sample_id": "a", "prediction": "x"},
    ]


def test_read_jsonl_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        read_jsonl(tmp_path / "nope.jsonl", what="references file")
    with pytest.raises(UserError, match="is a folder"):
        read_jsonl(tmp_path, what="references file")


def test_size_bound_is_checked_before_reading(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_ROW * 10)
    with pytest.raises(UserError, match="more than the 100 accepted"):
        read_jsonl(path, max_bytes=100)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "is empty"),
        (b"\xef\xbb\xbf", "is empty"),
        (b'{"a": "\xff"}', "not valid UTF-8"),
        (b"[" * 5000, "nested more than 64 levels"),
        (b"{", "not valid JSON"),
        (b"[1, 2]", "holds a JSON array; it must be a JSON object"),
        (b'"text"', "holds a string; it must be a JSON object"),
    ],
)
def test_read_json_object_refusals(tmp_path: Path, data: bytes, expected: str) -> None:
    path = _write(tmp_path, data, "board.json")
    with pytest.raises(UserError) as exc:
        read_json_object(path, what="board config")
    assert expected in _one_line(exc)
    assert "board config" in str(exc.value)


def test_read_json_file_accepts_bom_and_any_top_level(tmp_path: Path) -> None:
    assert read_json_file(_write(tmp_path, b"\xef\xbb\xbf[1, 2]"), what="x") == [1, 2]
    assert read_json_object(_write(tmp_path, b'{"a": {"b": [1]}}', "o.json"), what="x") == {
        "a": {"b": [1]}
    }


def test_depth_check_ignores_brackets_inside_strings() -> None:
    text = json.dumps({"notes": "[" * 5000 + "{" * 5000})
    assert not nesting_too_deep(text, 64)
    assert decode_json_bytes(text.encode())["notes"].startswith("[[[")
    assert nesting_too_deep("[" * 65 + "]" * 65, 64)
    assert not nesting_too_deep("[" * 64 + "]" * 64, 64)
    # Unbalanced brackets are left to the parser, which reports them (or the backstop does).
    with pytest.raises(JsonInputError, match="not valid JSON"):
        decode_json_bytes(b"[" * 100)
    with pytest.raises(JsonInputError, match="nested more than"):
        decode_json_bytes(b"[" * 5000)


def test_depth_limit_is_exact_and_parser_errors_stay_parser_errors() -> None:
    assert decode_json_bytes(b"[" * 64 + b"]" * 64, max_depth=64) is not None
    with pytest.raises(JsonInputError, match="nested more than 64"):
        decode_json_bytes(b"[" * 65 + b"]" * 65, max_depth=64)
    with pytest.raises(JsonInputError, match="not valid JSON"):
        decode_json_bytes(b"[[[[}", max_depth=64)


def test_parse_json_text_refuses_nan_and_infinity() -> None:
    for text in ('{"temperature": NaN}', '{"t": Infinity}', '{"t": -Infinity}'):
        with pytest.raises(UserError, match="not a JSON number"):
            parse_json_text(text, what="--decoding")
    assert parse_json_text('{"t": 0.5}', what="--decoding") == {"t": 0.5}


# --------------------------------------------------------------------------- writer


def test_full_disk_is_one_line_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "scores.json"
    target.write_text("old\n")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", no_space)
    with pytest.raises(UserError) as exc:
        atomic_write_text(target, "new\n")
    message = _one_line(exc)
    assert "no space left" in message and "unchanged" in message
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.json"]


def test_unusable_paths_are_one_line(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(UserError, match="is a file, not a folder"):
        atomic_write_text(a_file / "out.json", "x")
    with pytest.raises(UserError, match="is a folder"):
        atomic_write_text(tmp_path, "x")
    with pytest.raises(UserError, match="is a file, not a folder"):
        ensure_output_dir(a_file, what="run directory")
    with pytest.raises(UserError, match="is a folder"):
        ensure_output_file(tmp_path, what="scores file")
    assert ensure_output_file(tmp_path / "new" / "s.json", what="scores file").parent.is_dir()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(UserError, match="permission denied"):
            ensure_output_dir(folder, what="run directory")
        with pytest.raises(UserError, match="permission denied"):
            atomic_write_text(folder / "x.json", "x")
    finally:
        folder.chmod(0o700)


_KILLED_WRITER = """
import os, sys
from pathlib import Path
from petar_bench import fileio
def die(fd):
    os._exit(9)  # killed between write and rename
fileio.os.fsync = die
fileio.atomic_write_text(Path(sys.argv[1]), "half")
"""


def test_temp_file_of_a_killed_writer_is_removed_next_time(tmp_path: Path) -> None:
    target = tmp_path / "config.json"
    proc = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(target)], check=False)
    assert proc.returncode == 9
    orphans = list(tmp_path.glob(".config.json.*.tmp"))
    assert len(orphans) == 1 and not target.exists()
    atomic_write_text(target, "whole\n")
    assert target.read_text() == "whole\n"
    assert list(tmp_path.glob(".config.json.*.tmp")) == []


def test_temp_file_of_a_live_writer_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    live = tmp_path / f".x.json.{os.getpid()}@{fileio._host_tag()}.abcd1234.tmp"
    live.write_text("in flight")
    old_style = tmp_path / ".x.json.abcd1234.tmp"
    old_style.write_text("recent, unknown owner")
    atomic_write_text(target, "y")
    assert live.exists() and old_style.exists()
    os.utime(old_style, (1, 1))
    atomic_write_text(target, "z")
    assert live.exists() and not old_style.exists()
