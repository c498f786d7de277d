"""Where and how a run was made: package versions, git state, hardware, command, times.

Versions come from `importlib.metadata` (no heavy imports); device details are read from
torch only when something already imported it. Git is asked read-only, with optional locks
off, so a run never touches a repository's index; no git or no repository is fine.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import socket
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

#: Distributions whose versions can change results; those not installed are left out.
TRACKED_PACKAGES = (
    "petar-bench",
    "torch",
    "transformers",
    "tokenizers",
    "safetensors",
    "accelerate",
    "monai",
    "numpy",
    "scipy",
    "nibabel",
    "pydantic",
    "sacrebleu",
    "rouge-score",
    "nltk",
    "pycocoevalcap",
    "bert-score",
)


class Provenance(BaseModel):
    """Recorded in every config.json and store header."""

    model_config = ConfigDict(extra="forbid")

    packages: dict[str, str] = Field(description="Installed versions of tracked packages.")
    git_commit: str | None = Field(None, description="HEAD of the repository at cwd, if any.")
    git_dirty: bool | None = Field(None, description="Uncommitted changes to tracked files.")
    python: str = Field(description="Python version.")
    platform: str = Field(description="OS and machine.")
    hostname: str = Field(description="Host that ran this process.")
    cpu_count: int | None = Field(None, description="Logical CPUs.")
    device: str | None = Field(None, description="Accelerator name when torch saw one.")
    device_count: int | None = Field(None, description="Visible accelerators (torch).")
    dtype: str | None = Field(None, description="Model dtype when the adapter reports one.")
    seed: int = Field(description="Seed set before fitting and generation.")
    batch_size: int = Field(description="Lesions per generate() call.")
    num_workers: int = Field(description="DataLoader worker processes.")
    rank: int = Field(0, description="Launcher rank of this process.")
    world_size: int = Field(1, description="Processes in the launch.")
    argv: list[str] = Field(default_factory=list, description="The command line.")
    started_at: str = Field(description="UTC start time (ISO 8601).")
    ended_at: str | None = Field(None, description="UTC end time (ISO 8601).")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def package_versions(names: Sequence[str] = TRACKED_PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _git(args: list[str], cwd: Path) -> str | None:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        done = subprocess.run(
            ["git", "--no-optional-locks", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state(cwd: Path | None = None) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the repository containing `cwd`, or (None, None)."""
    where = Path(cwd or Path.cwd())
    commit = _git(["rev-parse", "HEAD"], where)
    if commit is None:
        return None, None
    status = _git(["status", "--porcelain", "--untracked-files=no"], where)
    return commit, (bool(status) if status is not None else None)


def _device() -> tuple[str | None, int | None]:
    torch = sys.modules.get("torch")
    if torch is None:
        return None, None
    try:
        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0), torch.cuda.device_count()
    except Exception:  # a broken driver must not stop a run from being recorded
        return None, None
    return "cpu", 0


def collect_provenance(
    *,
    argv: Sequence[str],
    seed: int,
    batch_size: int,
    num_workers: int,
    dtype: str | None = None,
    rank: int = 0,
    world_size: int = 1,
    cwd: Path | None = None,
) -> Provenance:
    commit, dirty = git_state(cwd)
    device, device_count = _device()
    return Provenance(
        packages=package_versions(),
        git_commit=commit,
        git_dirty=dirty,
        python=platform.python_version(),
        platform=f"{platform.system()} {platform.release()} {platform.machine()}",
        hostname=socket.gethostname(),
        cpu_count=os.cpu_count(),
        device=device,
        device_count=device_count,
        dtype=dtype,
        seed=seed,
        batch_size=batch_size,
        num_workers=num_workers,
        rank=rank,
        world_size=world_size,
        argv=list(argv),
        started_at=utc_now(),
        ended_at=None,
    )


def finished(provenance: Provenance) -> Provenance:
    """A copy with the end time and the device seen now (the adapter may have loaded torch)."""
    device, device_count = _device()
    return provenance.model_copy(
        update={
            "ended_at": utc_now(),
            "device": device or provenance.device,
            "device_count": device_count if device_count is not None else provenance.device_count,
        }
    )
