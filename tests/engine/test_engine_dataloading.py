"""The data feed: batches, per-sample load errors, tensors through shared memory, progress."""

from __future__ import annotations

from dataclasses import replace
from io import StringIO

import numpy as np
import pytest
from rich.console import Console

from petar_bench.console import progress_bar, progress_callback, progress_enabled
from petar_bench.engine._dataloading import (
    LesionDataset,
    LoadedSample,
    _to_arrays,
    _to_tensors,
    exam_order,
    iter_batches,
)
from petar_bench.errors import UserError
from petar_bench.records import read_manifest
from petar_bench.volumes._lesion import LesionInput


def test_batches_follow_exam_order_and_carry_load_errors(tmp_path):
    import engine_fakes as fakes

    fakes.make_tiny_dataset(tmp_path, empty_masks=("s03-1",))
    records = read_manifest(tmp_path).split("test")
    batches = list(iter_batches(LesionDataset(tmp_path, records), batch_size=4))
    assert [len(b) for b in batches] == [4, 4, 1]
    flat = [s for b in batches for s in b]
    grouped = [records[i].sample_id for group in exam_order(records) for i in group]
    assert [s.sample_id for s in flat] == grouped
    bad = next(s for s in flat if s.sample_id == "s03-1")
    assert bad.input is None and "is empty" in bad.error
    assert all(s.input is not None for s in flat if s.sample_id != "s03-1")


def test_bad_batch_options_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="batch-size"):
        next(iter_batches(LesionDataset(tmp_path, []), batch_size=0))
    with pytest.raises(UserError, match="num-workers"):
        next(iter_batches(LesionDataset(tmp_path, []), batch_size=1, num_workers=-1))


@pytest.mark.parametrize("dtype", ["<f4", ">f4", "<i2", "<u2"])
def test_volumes_round_trip_through_tensors(dtype):
    pet = np.asfortranarray(np.arange(24, dtype=dtype).reshape(2, 3, 4))
    mask = pet > 5
    lesion = LesionInput("a", "FDG", pet, pet.copy(), mask, np.eye(4))
    back = _to_arrays(_to_tensors(LoadedSample(0, "a", lesion)))
    assert back.input is not None
    for name in ("pet", "ct", "mask"):
        value = getattr(back.input, name)
        assert isinstance(value, np.ndarray)
        np.testing.assert_array_equal(value, getattr(lesion, name))
    assert _to_tensors(LoadedSample(1, "b", None, "err")).error == "err"


def test_progress_bar_only_on_a_terminal_outside_ci(monkeypatch):
    tty = Console(file=StringIO(), force_terminal=True)
    pipe = Console(file=StringIO(), force_terminal=False)
    monkeypatch.delenv("CI", raising=False)
    assert progress_enabled(tty) and not progress_enabled(pipe)
    monkeypatch.setenv("CI", "true")
    assert not progress_enabled(tty)
    monkeypatch.setenv("CI", "1")
    assert not progress_enabled(tty)
    monkeypatch.setenv("CI", "false")  # switched off: both progress helpers agree
    assert progress_enabled(tty)
    with progress_callback(tty, "synth") as update:
        update(2, 2)
    assert "2/2" in tty.file.getvalue()
    monkeypatch.delenv("CI")
    with progress_bar(tty, 3, "model") as advance:
        advance(3)
    assert "3/3" in tty.file.getvalue()


class _Pinnable:
    """Stands for a CPU tensor: `pin_memory()` returns its page-locked copy."""

    def __init__(self, pinned: bool = False) -> None:
        self.pinned = pinned

    def pin_memory(self) -> _Pinnable:
        return _Pinnable(pinned=True)


def test_a_loaded_sample_pins_its_volumes_for_the_dataloader():
    """DataLoader(pin_memory=True) calls `pin_memory()` on each sample it gets."""
    pet = np.zeros((2, 2, 2), np.float32)
    lesion = LesionInput("a", "FDG", pet, pet.copy(), pet > 0, np.eye(4))
    as_arrays = LoadedSample(0, "a", lesion)
    assert as_arrays.pin_memory() is as_arrays  # numpy arrays (main process): unchanged
    failed = LoadedSample(1, "b", None, "error")
    assert failed.pin_memory() is failed
    tensors = LoadedSample(0, "a", replace(lesion, pet=_Pinnable(), ct=_Pinnable()))
    pinned = tensors.pin_memory()
    assert pinned.input.pet.pinned and pinned.input.ct.pinned
    assert pinned.input.mask is lesion.mask and pinned.sample_id == "a"
