"""Reading and writing the files users hand us and keep: bounded readers, crash-safe writers.

Every JSON or JSONL file a user gives the suite (predictions, references, manifests, entries,
board configs, metadata, run directories) is read through this module, so that every kind of
damage ends in ONE line naming the file and what to do, never a traceback:

Readers (raise `UserError`, exit code 2):

- ``read_json_file(path, *, what, max_bytes=..., max_depth=...) -> object``
  one JSON document of any type (the caller checks the shape).
- ``read_json_object(path, *, what, ...) -> JsonObject``
  the same, but the top level must be a JSON object.
- ``read_jsonl(path, *, what="JSONL file", ...) -> list[JsonObject]``
  one JSON object per line; blank lines are skipped; an empty file, a JSON array, a CSV
  table or a single pretty-printed object are each named as such.
- ``read_json_model(path, model, *, what, ...) -> model``
  a JSON object validated into a pydantic model; a validation failure names the first
  offending field (``validation_summary(exc)`` gives that text for other callers).
- ``jsonl_file_problem(data) -> str``
  the whole-file JSONL diagnosis alone, for readers that collect problems line by line.
- ``read_text_file(path, *, what, ...) -> str``
  plain UTF-8 text (e.g. one id per line), with the same encoding checks.
- ``parse_json_text(text, *, what, ...) -> object``
  a JSON value given on the command line (e.g. ``--decoding``).

Tolerant building block (raises ``JsonInputError``, a ``ValueError`` with a short reason and
no file name; callers that must not stop, like the generation store, turn it into a skip):

- ``decode_json_bytes(raw, *, max_depth=..., allow_nan=True) -> object``

What every reader does the same way: a UTF-8 byte-order mark is accepted (and stripped);
UTF-16/32 text, gzip data, invalid UTF-8, JSON nested deeper than ``max_depth`` (checked
before parsing, so no ``RecursionError``) and files larger than ``max_bytes`` are refused
with a message that says what to do.

Writers:

- ``atomic_write_text(path, text)`` / ``atomic_write_json(path, value)``: temp file, fsync,
  rename, so a reader never sees half a file. A full disk, a missing or read-only folder
  or a path that is a folder ends in one line and leaves the old file untouched; the temp
  file of a writer that was killed is removed the next time the same file is written.
- ``ensure_output_dir(path, *, what)`` / ``ensure_output_file(path, *, what)``: check an
  output location before long work starts (create the folder, probe that it is writable).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import socket
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from petar_bench.errors import UserError

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

    from petar_bench.jsontypes import JsonObject, JsonValue

ModelT = TypeVar("ModelT", bound="BaseModel")

#: Deepest nesting any file of the suite needs is about 6; 64 leaves room and stays far
#: below the interpreter's recursion limit (about 1,000), which a hostile file would hit.
DEFAULT_MAX_DEPTH = 64
#: Largest JSON/JSONL file read in one go (a PETARSeg-11K manifest is about 10 MB).
DEFAULT_MAX_BYTES = 1 << 30

_UTF8_BOM = b"\xef\xbb\xbf"
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(r"\[\]|\{\}")


class JsonInputError(ValueError):
    """Bytes that are not one usable JSON value; the message is a short reason."""


# --------------------------------------------------------------------------- decoding


def _container_problem(data: bytes) -> str:
    """A whole file that is not UTF-8 text at all (UTF-16/32, gzip), or ''."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 1 and b"\x00" in data[:2]):
        return "is UTF-16 or UTF-32 encoded text; save it as UTF-8"
    if data.startswith(b"\x1f\x8b"):
        return "is gzip-compressed; decompress it first (gunzip)"
    return ""


def _encoding_problem(data: bytes) -> str:
    """Why `data` is not UTF-8 text we can read, or '' when it is."""
    container = _container_problem(data)
    if container:
        return container
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8"
        )
    return ""


def decode_text(data: bytes) -> str:
    """UTF-8 text of `data` with a leading BOM removed; JsonInputError names the encoding."""
    problem = _encoding_problem(data)
    if problem:
        raise JsonInputError(problem)
    text = data.decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


def nesting_too_deep(text: str, max_depth: int) -> bool:
    """True when brackets nest deeper than `max_depth` (checked without recursion).

    Strings are removed first (brackets inside them do not count); then each pass of a C
    regex removes the innermost ``[]``/``{}`` pairs, so at most `max_depth` passes decide.
    Unbalanced text is left for the JSON parser to report.
    """
    if text.count("[") + text.count("{") <= max_depth:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(max_depth):
        brackets, removed = _INNERMOST_PAIR.subn("", brackets)
        if not brackets or not removed:
            return False
    return bool(_INNERMOST_PAIR.search(brackets))


def _refuse_constant(name: str) -> float:
    raise JsonInputError(f"holds {name}, which is not a JSON number; write a finite number")


def parse_json_str(
    text: str, *, max_depth: int = DEFAULT_MAX_DEPTH, allow_nan: bool = True
) -> JsonValue:
    """One JSON value from `text`; JsonInputError with a short reason otherwise."""
    if nesting_too_deep(text, max_depth):
        raise JsonInputError(f"is nested more than {max_depth} levels deep")
    try:
        if allow_nan:
            return json.loads(text)
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise JsonInputError(
            f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except RecursionError:  # a backstop: nesting_too_deep should have caught it
        raise JsonInputError(f"is nested more than {max_depth} levels deep") from None


def decode_json_bytes(
    raw: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH, allow_nan: bool = True
) -> JsonValue:
    """One JSON value from `raw` bytes (UTF-8, optional BOM); JsonInputError otherwise."""
    return parse_json_str(decode_text(raw), max_depth=max_depth, allow_nan=allow_nan)


def type_name(value: object) -> str:
    """How a JSON value's type is called in messages ('a JSON array', 'a string', ...)."""
    names = {dict: "a JSON object", list: "a JSON array", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


# --------------------------------------------------------------------------- readers


def _read_bytes(path: Path, *, what: str, max_bytes: int) -> bytes:
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{what} {str(path)!r} is a folder; give the file")
    if not path.is_file():
        raise UserError(f"{what} {str(path)!r} does not exist")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UserError(
                f"{what} {str(path)!r} is {size} bytes, more than the {max_bytes} accepted; "
                "check that it is the right file"
            )
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {what} {str(path)!r}: {_os_reason(exc)}") from None


def read_text_file(path: Path, *, what: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """A UTF-8 text file (BOM stripped); encoding problems are one line naming the file."""
    data = _read_bytes(path, what=what, max_bytes=max_bytes)
    try:
        return decode_text(data)
    except JsonInputError as exc:
        raise UserError(f"{what} {str(path)!r} {exc}") from None


def read_json_file(
    path: Path,
    *,
    what: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> JsonValue:
    """One JSON document from `path`; any damage is a one-line UserError naming the file."""
    data = _read_bytes(path, what=what, max_bytes=max_bytes)
    if not data.strip() or data.strip() == _UTF8_BOM:
        raise UserError(f"{what} {str(path)!r} is empty; expected a JSON document")
    try:
        return decode_json_bytes(data, max_depth=max_depth)
    except JsonInputError as exc:
        raise UserError(f"{what} {str(path)!r} {exc}") from None


def read_json_object(
    path: Path,
    *,
    what: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> JsonObject:
    """Like `read_json_file`, and the top level must be a JSON object."""
    value = read_json_file(path, what=what, max_bytes=max_bytes, max_depth=max_depth)
    if not isinstance(value, dict):
        raise UserError(
            f"{what} {str(path)!r} holds {type_name(value)}; it must be a JSON object {{...}}"
        )
    return value


def validation_summary(exc: ValidationError) -> str:
    """'field.sub: message (+N more problems)' for the first error of a pydantic failure."""
    errors = exc.errors()
    if not errors:
        return str(exc).splitlines()[0]
    first = errors[0]
    where = ".".join(map(str, first["loc"])) or "top level"
    more = f" (+{len(errors) - 1} more problems)" if len(errors) > 1 else ""
    message = " ".join(str(first["msg"]).split())  # one line, whatever the validator said
    return f"{where}: {message}{more}"


def read_json_model(
    path: Path,
    model: type[ModelT],
    *,
    what: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> ModelT:
    """A JSON object from `path` validated into `model`; one line naming the bad field."""
    from pydantic import ValidationError

    value = read_json_object(path, what=what, max_bytes=max_bytes, max_depth=max_depth)
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise UserError(f"{str(path)!r} is not a valid {what}: {validation_summary(exc)}") from None
    except RecursionError:
        raise UserError(f"{what} {str(path)!r} is nested too deeply to validate") from None


def parse_json_text(
    text: str, *, what: str, max_depth: int = DEFAULT_MAX_DEPTH, allow_nan: bool = False
) -> JsonValue:
    """A JSON value typed by the user (an option's value); NaN/Infinity refused by default."""
    try:
        return parse_json_str(text, max_depth=max_depth, allow_nan=allow_nan)
    except JsonInputError as exc:
        raise UserError(f"{what} {exc}") from None


def _lines(text: str) -> list[str]:
    """Lines split at \\n only (CRLF tolerated): str.splitlines() would also split at
    U+2028 and other characters that may stand raw inside a JSON string."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def jsonl_file_problem(data: bytes) -> str:
    """What makes a whole file unusable as JSONL, or '' (then check it line by line).

    Names an empty file, UTF-16/gzip data, a JSON array, a CSV/TSV table and a JSON object
    spread over lines; a reason reads after the file's name ("is empty; ...").
    """
    container = _container_problem(data)
    if container:
        return container
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if not text.strip():
        return "is empty; expected JSONL: one JSON object per line"
    return _jsonl_shape_problem(text)


def _jsonl_shape_problem(text: str) -> str:
    """A whole-file diagnosis when the first line is not a JSON object, or ''."""
    first = next((line.strip() for line in _lines(text) if line.strip()), "")
    if first == "{":
        return "holds a JSON object spread over several lines; JSONL wants each object on one line"
    if first.startswith("{"):
        return ""
    if first.startswith("["):
        return "holds a JSON array; expected JSONL: one JSON object per line, no [ ]"
    if "," in first or "\t" in first:
        return "looks like a CSV/TSV table; expected JSONL: one JSON object per line"
    return ""


def _jsonl_line(line: str, number: int, *, max_depth: int) -> JsonObject:
    try:
        row = parse_json_str(line, max_depth=max_depth)
    except JsonInputError as exc:
        raise JsonInputError(f"line {number} {exc}") from None
    if not isinstance(row, dict):
        raise JsonInputError(
            f"line {number} holds {type_name(row)}; expected JSONL: one JSON object per line"
        )
    return row


def read_jsonl(
    path: Path,
    *,
    what: str = "JSONL file",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> list[JsonObject]:
    """Rows of a JSONL file (blank lines skipped); any damage is one UserError naming the
    file and, for a bad line, its number."""
    data = _read_bytes(path, what=what, max_bytes=max_bytes)
    where = f"{what} {str(path)!r}"
    problem = jsonl_file_problem(data)
    if problem:
        raise UserError(f"{where} {problem}")
    try:
        text = decode_text(data)
    except JsonInputError as exc:
        raise UserError(f"{where} {exc}") from None
    rows = []
    try:
        for number, line in enumerate(_lines(text), start=1):
            if line.strip():
                rows.append(_jsonl_line(line, number, max_depth=max_depth))
    except JsonInputError as exc:
        raise UserError(f"{where}: {exc}") from None
    return rows


# --------------------------------------------------------------------------- writers


def _default_file_mode() -> int:
    """0o666 minus the umask: what open() would give (mkstemp alone gives 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _os_reason(exc: OSError) -> str:
    """The user-facing reason of an OS error, with what to do for the common ones."""
    advice = {
        errno.ENOSPC: "no space left on the device; free some space and rerun",
        errno.EDQUOT: "disk quota exceeded; free some space and rerun",
        errno.EACCES: "permission denied; choose a folder you can write to",
        errno.EPERM: "operation not permitted; choose a folder you can write to",
        errno.EROFS: "the file system is read-only; choose another folder",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "it is a folder, not a file",
        errno.ENOENT: "a folder on the way does not exist and cannot be created",
    }
    return advice.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


#: Temp files nobody on this host can still own are removed at once; others (another host
#: on a shared file system, or an older naming) only once they are this old.
_ORPHAN_AGE_S = 24 * 3600
_TMP_OWNER = re.compile(r"\.(\d+)@([0-9a-f]{8})\.[^.]*\.tmp$")


def remove_orphan_temp_files(path: Path) -> list[Path]:
    """Delete temp files that a killed writer of `path` left behind; returns them."""
    path = Path(path)
    removed = []
    try:
        candidates = list(path.parent.glob(f".{glob_escape(path.name)}.*.tmp"))
    except OSError:
        return []
    for tmp in candidates:
        match = _TMP_OWNER.search(tmp.name)
        try:
            if match and match.group(2) == _host_tag():
                orphan = not _pid_alive(int(match.group(1)))
            else:
                orphan = time.time() - tmp.stat().st_mtime > _ORPHAN_AGE_S
            if orphan:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue
    return removed


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _mkdir(folder: Path, *, what: str) -> None:
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{what} {str(folder)!r} is a file, not a folder; choose another path")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UserError(
            f"cannot create {what} {str(folder)!r}: a part of the path is a file"
        ) from None
    except OSError as exc:
        raise UserError(f"cannot create {what} {str(folder)!r}: {_os_reason(exc)}") from None


def atomic_write_text(path: Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path` atomically; see `atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` so that a reader sees the old file or the new one, never half.

    OS errors (a full disk, no permission, a path through a file) are a one-line UserError
    and leave any previous file as it was.
    """
    path = Path(path)
    _mkdir(path.parent, what="folder")
    if path.is_dir():
        raise UserError(f"cannot write {str(path)!r}: it is a folder; give a file path")
    remove_orphan_temp_files(path)
    prefix = f".{path.name}.{os.getpid()}@{_host_tag()}."
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    except OSError as exc:
        raise UserError(f"cannot write {str(path)!r}: {_os_reason(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _default_file_mode())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(
            f"could not write {str(path)!r} ({_os_reason(exc)}); the previous file, if any, "
            "is unchanged"
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_json(path: Path, value: object) -> Path:
    return atomic_write_text(path, json.dumps(value, indent=1, ensure_ascii=False) + "\n")


def ensure_output_dir(path: Path, *, what: str) -> Path:
    """Create `path` as a folder (or accept an existing one) and check it is writable."""
    path = Path(path)
    _mkdir(path, what=what)
    _probe_writable(path, what=what)
    return path


def ensure_output_file(path: Path, *, what: str) -> Path:
    """Check, before long work, that `path` can be written as a file (its folder is made)."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{what} {str(path)!r} is a folder; give a file path")
    _mkdir(path.parent, what=f"folder of the {what}")
    _probe_writable(path.parent, what=f"folder of the {what}")
    return path


def _probe_writable(folder: Path, *, what: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".petar-bench-probe.", suffix=".tmp")
    except OSError as exc:
        raise UserError(f"cannot write into {what} {str(folder)!r}: {_os_reason(exc)}") from None
    os.close(fd)
    Path(tmp).unlink(missing_ok=True)
