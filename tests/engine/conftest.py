"""Shared fixtures of the engine tests (fake adapters are registered for every test)."""

from __future__ import annotations

import sys
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

sys.path.insert(0, str(Path(__file__).parent))

import engine_fakes  # noqa: E402

from petar_bench.console import ConsoleReporter  # noqa: E402


@pytest.fixture(autouse=True)
def _fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Registered for this test only, so other test areas never see the fake adapters.
    from petar_bench.registry import models

    for entry in engine_fakes.fake_entries():
        monkeypatch.setitem(models._entries, entry.name, entry)
    engine_fakes.SCORER_CALLS.clear()
    engine_fakes.LAST_ADAPTERS.clear()
    monkeypatch.delenv(engine_fakes.FAIL_ENV, raising=False)
    monkeypatch.delenv(engine_fakes.DELAY_ENV, raising=False)
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny") / "ds"
    engine_fakes.make_tiny_dataset(root)
    return root


class Captured:
    def __init__(self) -> None:
        self.buffer = StringIO()
        self.console = Console(file=self.buffer, width=200, force_terminal=False)
        self.reporter = ConsoleReporter(self.console)

    @property
    def text(self) -> str:
        return self.buffer.getvalue()


@pytest.fixture
def captured() -> Captured:
    return Captured()
