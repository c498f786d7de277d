"""Where a LaMed checkpoint lives, what it holds, and its identity (pure Python, no torch).

A checkpoint is a folder with config.json, the tokenizer files and safetensors weights (one
file or shards with an index). It is found, in this order: the `weights` option (a folder, or a
Hugging Face hub id that is downloaded with huggingface_hub), then the configured cache folder
`$PETAR_BENCH_WEIGHTS_DIR/<model name>`, else `<cache>/weights/<model name>` where <cache> is
`petar_bench._paths.cache_dir()` (~/.cache/petar-bench unless $PETAR_BENCH_CACHE or
$XDG_CACHE_HOME say otherwise).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from petar_bench.errors import UserError

WEIGHTS_DIR_ENV = "PETAR_BENCH_WEIGHTS_DIR"
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer.model",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
)
# Files that change what the model computes or writes; all go into the identity hash.
_IDENTITY_TEXT_FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors.index.json",
    *TOKENIZER_FILES,
)
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_HEADER_LIMIT = 100 * 1024 * 1024  # a safetensors header is JSON; 100 MB is far beyond any model


@dataclass(frozen=True)
class TensorInfo:
    file: Path
    dtype: str
    shape: tuple[int, ...]


def default_weights_dir(model_name: str) -> Path:
    """$PETAR_BENCH_WEIGHTS_DIR/<name>, else <cache>/weights/<name> (~/.cache/petar-bench)."""
    from petar_bench._paths import cache_dir

    root = os.environ.get(WEIGHTS_DIR_ENV)
    base = Path(root).expanduser() if root else cache_dir() / "weights"
    return base / model_name


def resolve_weights(
    model_name: str,
    weights: str | os.PathLike[str] | None,
    *,
    hub_id: str,
    patterns: tuple[str, ...] = ("*.json", "*.safetensors", "tokenizer.model"),
) -> Path:
    """The local checkpoint folder for an adapter, or a one-line UserError saying how to get it."""
    if weights is None:
        folder = default_weights_dir(model_name)
        if (folder / "config.json").is_file():
            return folder
        raise UserError(
            f"{model_name} needs its weights: download {hub_id} from the Hugging Face hub "
            f"(e.g. 'hf download {hub_id} --local-dir {folder}') into {folder} "
            f"(or ${WEIGHTS_DIR_ENV}/{model_name}), or pass --weights DIR"
        )
    text = os.fspath(weights)
    path = Path(text).expanduser()
    if path.is_dir():
        return path
    if not path.exists() and _HUB_ID.match(text) and not text.startswith("."):
        return download_from_hub(text, patterns=patterns)
    raise UserError(
        f"weights {text!r} is not a folder (nor a hub id like {hub_id}); pass the folder that "
        "holds config.json, the tokenizer and the *.safetensors files"
    )


def download_from_hub(
    repo_id: str, *, patterns: tuple[str, ...] = ("*.json", "*.safetensors", "tokenizer.model")
) -> Path:
    """snapshot_download of the files we read (offline: whatever the local HF cache holds)."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise UserError(
            f"weights {repo_id!r} looks like a hub id but huggingface_hub is not installed; "
            "pip install huggingface_hub, or pass a local folder"
        ) from None
    try:
        return Path(snapshot_download(repo_id, allow_patterns=list(patterns)))
    except Exception as exc:  # network, auth, offline mode: many exception types
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(
            f"could not fetch {repo_id!r} from the Hugging Face hub ({reason}); download it "
            "yourself and pass --weights DIR"
        ) from None


def safetensors_files(directory: Path) -> list[Path]:
    """The weight files: the index's shards, else every *.safetensors in the folder."""
    index = directory / "model.safetensors.index.json"
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        except (OSError, ValueError, KeyError, TypeError):
            raise UserError(f"{str(index)!r} is not a valid safetensors index") from None
        files = sorted({directory / name for name in weight_map.values()})
        absent = [f.name for f in files if not f.is_file()]
        if absent:
            raise UserError(
                f"{str(directory)!r} lacks shard(s) {', '.join(absent)} named by its index"
            )
        return files
    files = sorted(directory.glob("*.safetensors"))
    if not files:
        pickled = sorted(p.name for p in directory.glob("*.bin"))
        hint = f" (found {', '.join(pickled)}: pickled weights are not loaded)" if pickled else ""
        raise UserError(f"{str(directory)!r} holds no *.safetensors weights{hint}")
    return files


def read_header(path: Path) -> tuple[bytes, dict[str, TensorInfo]]:
    """The raw header bytes and the tensor table of one safetensors file."""
    try:
        with path.open("rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            if length > _HEADER_LIMIT:
                raise ValueError("header too large")
            raw = handle.read(length)
        table = json.loads(raw)
    except (OSError, ValueError, struct.error) as exc:
        raise UserError(
            f"{str(path)!r} is not a safetensors file ({exc}); re-download it"
        ) from None
    tensors = {
        name: TensorInfo(path, str(info["dtype"]), tuple(int(n) for n in info["shape"]))
        for name, info in table.items()
        if name != "__metadata__"
    }
    return raw, tensors


def tensor_table(directory: Path) -> dict[str, TensorInfo]:
    """Every tensor of the checkpoint, from the headers only (nothing is loaded)."""
    table: dict[str, TensorInfo] = {}
    for path in safetensors_files(directory):
        for name, info in read_header(path)[1].items():
            if name in table:
                raise UserError(f"tensor {name!r} appears in two files of {str(directory)!r}")
            table[name] = info
    return table


def checkpoint_identity(directory: Path) -> str:
    """sha256 over config/generation/tokenizer files and each weight file's header and size.

    Reading headers instead of whole files keeps this instant for a 16 GB checkpoint; a changed
    tensor value without any header or size change is the one edit it cannot see.
    """
    digest = hashlib.sha256()
    for name in _IDENTITY_TEXT_FILES:
        path = directory / name
        if path.is_file():
            digest.update(f"{name}\x00".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for path in safetensors_files(directory):
        raw, _ = read_header(path)
        digest.update(f"{path.name}\x00{path.stat().st_size}\x00".encode())
        digest.update(hashlib.sha256(raw).digest())
    return f"sha256:{digest.hexdigest()}"


def require_tokenizer(directory: Path) -> None:
    if not any((directory / name).is_file() for name in ("tokenizer.json", "tokenizer.model")):
        raise UserError(
            f"{str(directory)!r} has no tokenizer (tokenizer.json or tokenizer.model); "
            "download the whole checkpoint folder"
        )
