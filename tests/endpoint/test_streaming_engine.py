"""The engine's streaming path: outcomes stored as they arrive, no batch barrier, failures."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest

from petar_bench.baselines.base import AdapterCard, StreamingAdapter
from petar_bench.endpoint import in_flight
from petar_bench.engine._dataloading import LoadedSample
from petar_bench.engine._generate import FailureBudget, FailureBudgetExceeded, generate_into_store
from petar_bench.engine._store import GenerationStore
from petar_bench.volumes._lesion import LesionInput


class SlowEcho(StreamingAdapter):
    """Answers 'finding <id>' after a delay; ids in `fail` raise; counts calls in the air."""

    def __init__(self, width: int, delay: float, fail: Iterable[str] = ()) -> None:
        self.card = AdapterCard(name="slow-echo", description="test")
        self.needs_training_data = False
        self.width, self.delay, self.fail = width, delay, set(fail)
        self.in_air = 0
        self.most_in_air = 0
        self.lock = threading.Lock()

    def _one(self, lesion: LesionInput) -> str:
        with self.lock:
            self.in_air += 1
            self.most_in_air = max(self.most_in_air, self.in_air)
        time.sleep(self.delay * (3 if lesion.sample_id == "s0" else 1))
        with self.lock:
            self.in_air -= 1
        if lesion.sample_id in self.fail:
            raise ConnectionError("server went away")
        return f"finding {lesion.sample_id}"

    def generate_stream(
        self, inputs: Iterable[LesionInput]
    ) -> Iterator[tuple[LesionInput, str | BaseException]]:
        for outcome in in_flight(self._one, inputs, concurrency=self.width):
            yield outcome.item, outcome.error or str(outcome.result)


def _lesion(sample_id: str) -> LesionInput:
    zeros = np.zeros((2, 2, 2), dtype=np.float32)
    return LesionInput(sample_id, "FDG", zeros, zeros, zeros > 0, np.eye(4))


def _batches(n: int, size: int, unloaded: Iterable[str] = ()) -> list[list[LoadedSample]]:
    skip = set(unloaded)
    samples = [
        LoadedSample(i, f"s{i}", None if f"s{i}" in skip else _lesion(f"s{i}"), "bad file")
        for i in range(n)
    ]
    return [samples[i : i + size] for i in range(0, n, size)]


def _store(tmp_path: Path) -> GenerationStore:
    store = GenerationStore(tmp_path / "store.jsonl", "key")
    store.open()
    return store


def test_requests_cross_batch_boundaries_and_are_stored_as_they_finish(tmp_path: Path) -> None:
    adapter = SlowEcho(width=8, delay=0.05)
    store = _store(tmp_path)
    counts = generate_into_store(adapter, _batches(24, 2), store, FailureBudget(0))
    assert counts.generated == 24
    assert adapter.most_in_air == 8  # batches of 2 never held the pool back
    order = [json.loads(line)["sample_id"] for line in store.path.read_text().splitlines()]
    assert order[0] != "s0" and sorted(order) == sorted(f"s{i}" for i in range(24))  # s0 is slow
    assert store.entries["s5"].prediction == "finding s5"


def test_failures_and_unloaded_samples_are_stored_and_counted(tmp_path: Path) -> None:
    adapter = SlowEcho(width=4, delay=0.01, fail={"s3"})
    store = _store(tmp_path)
    counts = generate_into_store(adapter, _batches(10, 3, unloaded={"s7"}), store, FailureBudget(5))
    assert (counts.generated, counts.failed) == (8, 2)
    assert store.entries["s3"].error == "ConnectionError: server went away"
    assert store.entries["s7"].error == "bad file"


def test_the_failure_budget_stops_a_stream(tmp_path: Path) -> None:
    adapter = SlowEcho(width=2, delay=0.01, fail={"s1", "s2"})
    with pytest.raises(FailureBudgetExceeded):
        generate_into_store(adapter, _batches(10, 5), _store(tmp_path), FailureBudget(1))
