"""The feed runs each adapter's preparation in the loading workers, ahead of generation;
whole exams go to one worker, so PETAR's whole-body stage runs once per exam; volumes are
pinned only for a model on CUDA."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import engine_fakes as fakes
import numpy as np
import pytest

from petar_bench.baselines.base import AdapterCard
from petar_bench.engine import RunRequest, read_store, run_benchmark
from petar_bench.engine._dataloading import (
    LesionDataset,
    LoadedSample,
    feed_preparer,
    feeds_cuda,
    iter_batches,
)
from petar_bench.records import read_manifest
from petar_bench.registry import Registration, models
from petar_bench.volumes._lesion import LesionInput


@dataclass(frozen=True)
class JournalPreparer:
    """Writes 'pid time sample' per lesion it prepares; fails for the ids in `failing`."""

    journal: Path
    failing: tuple[str, ...] = ()
    seconds: float = 0.0

    def __call__(self, lesion: LesionInput) -> dict[str, Any]:
        if lesion.sample_id in self.failing:
            raise ValueError(f"cannot prepare {lesion.sample_id}")
        time.sleep(self.seconds)
        with self.journal.open("a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {time.monotonic()} {lesion.sample_id}\n")
        return {"suvmax": np.array([float(lesion.pet[lesion.mask].max())], dtype=np.float32)}


@dataclass
class PreparedEcho(fakes.EchoAdapter):
    """Echo adapter that must be fed prepared inputs (generate alone is refused)."""

    journal: Path = Path("unused")
    failing: tuple[str, ...] = ()
    device_type: str = "cpu"
    prepared_batches: list[list[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.card = AdapterCard(
            name="engine-prepared",
            description="test adapter with a preparer",
            settings={"device_type": self.device_type},
        )

    def preparer(self) -> JournalPreparer:
        return JournalPreparer(self.journal, self.failing)

    def generate(self, batch: Sequence[LesionInput]) -> list[str]:
        raise AssertionError("the engine must call generate_prepared")

    def generate_prepared(
        self, batch: Sequence[LesionInput], prepared: Sequence[dict[str, Any]]
    ) -> list[str]:
        self.prepared_batches.append([x.sample_id for x in batch])
        assert all(isinstance(p["suvmax"], np.ndarray) for p in prepared)
        pairs = zip(batch, prepared, strict=True)
        return [f"{x.sample_id} {float(p['suvmax'][0]):.3f}" for x, p in pairs]


@pytest.fixture()
def prepared_adapter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[PreparedEcho]:
    made: list[PreparedEcho] = []

    def build(**options: Any) -> PreparedEcho:
        adapter = PreparedEcho(journal=tmp_path / "journal", **options)
        made.append(adapter)
        return adapter

    monkeypatch.setitem(
        models._entries, "engine-prepared", Registration("engine-prepared", build, "test")
    )
    return made


def _run(dataset: Path, out: Path, captured: Any, **options: Any) -> Any:
    request = RunRequest(
        model="engine-prepared",
        dataset=str(dataset),
        output_dir=out,
        batch_size=2,
        num_workers=options.pop("num_workers", 0),
        max_failures=5,
        model_options=options,
        score=False,
    )
    return run_benchmark(request, reporter=captured.reporter, scorer=fakes.fake_scorer)


def test_preparation_runs_in_the_workers_and_feeds_generate_prepared(
    tiny_dataset: Path, tmp_path: Path, captured: Any, prepared_adapter: list[PreparedEcho]
) -> None:
    result = _run(tiny_dataset, tmp_path / "run", captured, num_workers=2)
    test_ids = [r.sample_id for r in read_manifest(tiny_dataset).split("test")]
    assert result.n_generated == len(test_ids)
    lines = (tmp_path / "journal").read_text().splitlines()
    pids = {line.split()[0] for line in lines}
    assert sorted(line.split()[2] for line in lines) == sorted(test_ids)
    assert str(os.getpid()) not in pids and len(pids) == 2  # prepared by the two workers
    generations = read_store(result.store_path, result.run_key).entries
    assert all(g.status == "ok" for g in generations.values())
    assert (generations["s02-0"].prediction or "").startswith("s02-0 ")
    assert sum(len(b) for b in prepared_adapter[-1].prepared_batches) == len(test_ids)


def test_a_preparation_failure_fails_that_lesion_only(
    tiny_dataset: Path, tmp_path: Path, captured: Any, prepared_adapter: list[PreparedEcho]
) -> None:
    result = _run(tiny_dataset, tmp_path / "run", captured, failing=("s03-1",))
    generations = read_store(result.store_path, result.run_key).entries
    assert generations["s03-1"].status == "error"
    assert "cannot prepare s03-1" in (generations["s03-1"].error or "")
    assert sum(g.status == "ok" for g in generations.values()) == len(generations) - 1


def test_workers_prepare_ahead_of_the_consumer(tiny_dataset: Path, tmp_path: Path) -> None:
    """While the consumer holds the first batch, the workers go on preparing (prefetch)."""
    records = read_manifest(tiny_dataset).split("test")
    journal = tmp_path / "journal"
    dataset = LesionDataset(tiny_dataset, records, prepare=JournalPreparer(journal))
    batches = iter_batches(dataset, batch_size=1, num_workers=2, prefetch_factor=2)
    first = next(batches)
    assert first[0].prepared is not None
    deadline, prepared = time.monotonic() + 30, 0
    while time.monotonic() < deadline:
        prepared = len(journal.read_text().splitlines())
        if prepared >= 4:
            break
        time.sleep(0.05)
    assert 4 <= prepared < len(records)  # ahead by 2 workers x 2 batches, and bounded
    rest = [s for b in batches for s in b]
    assert len(rest) == len(records) - 1 and all(s.prepared is not None for s in rest)
    assert all(isinstance((s.prepared or {})["suvmax"], np.ndarray) for s in rest)  # numpy


def test_pin_memory_is_requested_only_for_a_cuda_model(
    tiny_dataset: Path,
    tmp_path: Path,
    captured: Any,
    prepared_adapter: list[PreparedEcho],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch.utils.data

    asked: list[bool] = []
    real = torch.utils.data.DataLoader

    def recording(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs["pin_memory"])
        kwargs["pin_memory"] = False  # no GPU here: record the request, do not pin
        return real(*args, **kwargs)

    monkeypatch.setattr(torch.utils.data, "DataLoader", recording)
    _run(tiny_dataset, tmp_path / "cpu", captured, num_workers=1, device_type="cpu")
    _run(tiny_dataset, tmp_path / "cuda", captured, num_workers=1, device_type="cuda")
    assert asked == [False, True]
    assert feeds_cuda(prepared_adapter[-1]) and not feeds_cuda(prepared_adapter[0])
    assert not feeds_cuda(object())


class FakeTensor:
    """Stands in for a CPU tensor (pinning needs CUDA): pin_memory returns a marked copy."""

    def __init__(self, pinned: bool = False) -> None:
        self.pinned = pinned

    def pin_memory(self) -> FakeTensor:
        return FakeTensor(pinned=True)


def test_loaded_sample_pins_its_volumes_and_prepared_inputs(tiny_dataset: Path) -> None:
    record = read_manifest(tiny_dataset).split("test")[0]
    sample = LesionDataset(tiny_dataset, [record])[0]
    assert sample.input is not None
    ct = FakeTensor()
    lesion = type(sample.input)(
        **{**sample.input.__dict__, "pet": FakeTensor(), "ct": ct, "ct_native": ct}
    )
    loaded = LoadedSample(0, "x", lesion, prepared={"image": FakeTensor(), "note": "kept"})
    pinned = loaded.pin_memory()
    assert pinned.input is not None and pinned.prepared is not None
    pet: Any = pinned.input.pet
    ct_pinned: Any = pinned.input.ct
    assert pet.pinned and ct_pinned.pinned
    assert pinned.input.ct_native is pinned.input.ct  # one array, pinned once
    assert pinned.prepared["image"].pinned and pinned.prepared["note"] == "kept"
    assert LoadedSample(1, "y", None, "not loaded").pin_memory().error == "not loaded"


def test_streaming_adapters_and_plain_adapters_get_no_preparer() -> None:
    assert feed_preparer(fakes.EchoAdapter()) is None
    assert isinstance(feed_preparer(PreparedEcho(journal=Path("j"))), JournalPreparer)


def test_whole_body_stage_runs_once_per_exam(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PETAR's preparer in 2 workers over 3 exams of 3 lesions each (listed lesion-major, so
    a feed in list order would alternate exams): 3 whole-body computations, one per exam."""
    from petar_bench.baselines.lamed._adapters import PetarPreparer
    from petar_bench.volumes import petar_release

    root = tmp_path / "ds"
    manifest = fakes.make_tiny_dataset(root, n_exams=4, n_train_exams=1, shape=(16, 16, 16))
    records = manifest.split("test")
    journal = tmp_path / "whole-body"
    stage = petar_release.whole_body_stage
    PetarPreparer((8, 32, 32))(LesionDataset(root, records)[0].input)  # imports, before fork

    def journalled(*args: Any, **kwargs: Any) -> Any:
        with journal.open("a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
        return stage(*args, **kwargs)

    monkeypatch.setattr(petar_release, "whole_body_stage", journalled)
    dataset = LesionDataset(root, records, prepare=PetarPreparer((8, 32, 32)))
    batches = list(iter_batches(dataset, batch_size=2, num_workers=2))
    samples = [s for b in batches for s in b]
    assert len(samples) == 9 and all(s.error is None for s in samples)
    assert len(journal.read_text().splitlines()) == 3  # one per exam
    # in list order, with the same 2-exam cache, each lesion would miss
    journal.unlink()
    in_list_order = LesionDataset(root, records, prepare=PetarPreparer((8, 32, 32), max_exams=1))
    [in_list_order[i] for i in range(len(records))]
    assert len(journal.read_text().splitlines()) == 9
