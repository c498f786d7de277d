"""Feeding the model: lesions loaded (and preprocessed) ahead of generation.

`LesionDataset` is a plain map-style dataset (no torch import) around a `VolumeLoader`, so
each DataLoader worker keeps its own exam cache. A sample that cannot be loaded (an empty
mask, a corrupt file) comes back as a `LoadedSample` with an error instead of stopping the
run; the engine records it as a failure. With `num_workers=0` (the default) batches are
loaded in the main process and torch is never imported; with workers, a torch DataLoader
loads the next batches while the model works on this one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.errors import UserError
from petar_bench.records import LesionRecord
from petar_bench.volumes._lesion import LesionInput, VolumeLoader


@dataclass(frozen=True)
class LoadedSample:
    """One lesion ready for the model, or why it could not be loaded."""

    index: int  # position in the dataset's record list
    sample_id: str
    input: LesionInput | None
    error: str | None = None
    #: The adapter's preparer output (model inputs computed where the lesion was loaded).
    prepared: dict[str, Any] | None = None

    def pin_memory(self) -> LoadedSample:
        """Called by a DataLoader with pin_memory=True: page-locked tensors copy to the GPU
        asynchronously. numpy arrays (main-process loading) are left as they are."""
        if self.input is None:
            return self
        pinned: dict[str, Any] = {}
        for name in _VOLUME_FIELDS:
            value = getattr(self.input, name)
            if name == "ct_native" and value is self.input.ct:
                continue  # one array seen twice: pinned once, below
            if _is_tensor(value):
                pinned[name] = value.pin_memory()
        _keep_ct_identity(self.input, pinned)
        prepared_tensors = self.prepared is not None and any(
            _is_tensor(v) for v in self.prepared.values()
        )
        if not pinned and not prepared_tensors:
            return self  # numpy arrays only: nothing to pin
        prepared = _map_arrays(self.prepared, lambda v: v.pin_memory(), _is_tensor)
        lesion = replace(self.input, **pinned) if pinned else self.input
        return replace(self, input=lesion, prepared=prepared)


def describe_error(exc: BaseException) -> str:
    """One line for the store: a UserError's message, else 'Type: message'."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, UserError):
        return text or "UserError"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_tensor(value: Any) -> bool:
    return hasattr(value, "pin_memory") and not isinstance(value, np.ndarray)


def _map_arrays(
    prepared: dict[str, Any] | None, convert: Callable[[Any], Any], which: Callable[[Any], bool]
) -> dict[str, Any] | None:
    """`prepared` with `convert` applied to the values `which` selects (others kept)."""
    if prepared is None:
        return None
    return {k: convert(v) if which(v) else v for k, v in prepared.items()}


def exam_order(records: Sequence[LesionRecord]) -> list[list[int]]:
    """Record indices grouped by exam, exams in order of first appearance, lesions in order."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index, record in enumerate(records):
        groups.setdefault((record.patient_id, record.exam_id), []).append(index)
    return list(groups.values())


class ExamShards:
    """Iterable over a map-style dataset in exam order; in a DataLoader worker, only the exams
    of that worker (exam i goes to worker i % num_workers), so no exam is read twice.

    Made a torch IterableDataset by `exam_shards` (so this module needs no torch)."""

    def __init__(self, dataset: Any, groups: list[list[int]]) -> None:
        self.dataset = dataset
        self.groups = groups

    def __iter__(self) -> Iterator[Any]:
        from torch.utils.data import get_worker_info

        info = get_worker_info()
        worker, count = (0, 1) if info is None else (info.id, info.num_workers)
        for number, group in enumerate(self.groups):
            if number % count == worker:
                for index in group:
                    yield self.dataset[index]


def exam_shards(dataset: Any, groups: list[list[int]]) -> Any:
    from torch.utils.data import IterableDataset

    class _TorchExamShards(ExamShards, IterableDataset):
        pass

    return _TorchExamShards(dataset, groups)


#: An adapter's preparation step: lesion -> the model's input arrays (see Adapter.preparer).
Preparer = Callable[[LesionInput], dict[str, Any]]


class LesionDataset:
    """Records -> LoadedSample, one exam cache per process.

    With `prepare` (an adapter's preparer), each loaded lesion is also turned into the
    model's inputs here, that is in the DataLoader worker that loaded it: the preprocessing
    runs ahead of generation instead of inside it. A lesion whose preparation fails comes
    back with the error, as one that cannot be loaded.
    """

    def __init__(
        self,
        root: Path,
        records: Sequence[LesionRecord],
        *,
        cache_exams: int = 2,
        prepare: Preparer | None = None,
    ):
        self.root = Path(root)
        self.records = list(records)
        self.cache_exams = cache_exams
        self.prepare = prepare
        self._loader: VolumeLoader | None = None

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> LoadedSample:
        if self._loader is None:  # made lazily, so each worker process builds its own
            self._loader = VolumeLoader(self.root, cache_exams=self.cache_exams)
        record = self.records[index]
        try:
            lesion = self._loader.load(record)
            prepared = self.prepare(lesion) if self.prepare is not None else None
        except Exception as exc:  # one bad lesion must not stop the run
            return LoadedSample(index, record.sample_id, None, describe_error(exc))
        return LoadedSample(index, record.sample_id, lesion, prepared=prepared)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_loader"] = None  # never ship a warm cache to a worker
        return state


_VOLUME_FIELDS = ("pet", "ct", "mask", "ct_native")


def collate_samples(items: list[LoadedSample]) -> list[LoadedSample]:
    """Keep a batch as a list: lesions have different shapes, adapters batch themselves.

    In a DataLoader worker the volumes travel as torch tensors, which torch moves through
    shared memory; numpy arrays would be pickled through a pipe (~8 MB per lesion).
    """
    from torch.utils.data import get_worker_info

    if get_worker_info() is None:
        return list(items)
    return [_to_tensors(item) for item in items]


def _from_numpy(value: np.ndarray) -> Any:
    import torch

    try:
        return torch.from_numpy(value)
    except (TypeError, ValueError):  # e.g. big-endian data: send it pickled instead
        return value


def _to_tensors(sample: LoadedSample) -> LoadedSample:
    import torch

    if sample.input is None:
        return sample
    moved: dict[str, Any] = {}  # tensors ride in the array fields until _to_arrays
    for name in _VOLUME_FIELDS:
        value = getattr(sample.input, name)
        if value is None:
            continue
        try:
            moved[name] = torch.from_numpy(value)
        except (TypeError, ValueError):  # e.g. big-endian data: send it pickled instead
            continue
    _keep_ct_identity(sample.input, moved)
    prepared = _map_arrays(sample.prepared, _from_numpy, lambda v: isinstance(v, np.ndarray))
    return replace(sample, input=replace(sample.input, **moved), prepared=prepared)


def _keep_ct_identity(lesion: LesionInput, moved: dict[str, Any]) -> None:
    """A same-grid CT is one array seen as `ct` and `ct_native`: keep it one object (one
    transfer, and `ct_resampled` stays False)."""
    if lesion.ct_native is lesion.ct and "ct" in moved:
        moved["ct_native"] = moved["ct"]


def _to_arrays(sample: LoadedSample) -> LoadedSample:
    if sample.input is None:
        return sample
    moved: dict[str, Any] = {}
    for name in _VOLUME_FIELDS:
        value = getattr(sample.input, name)
        if value is not None and not isinstance(value, np.ndarray):
            moved[name] = value.numpy()  # shares the tensor's memory, no copy
    _keep_ct_identity(sample.input, moved)
    prepared = _map_arrays(sample.prepared, lambda v: v.numpy(), _is_tensor)
    lesion = replace(sample.input, **moved) if moved else sample.input
    return replace(sample, input=lesion, prepared=prepared)


def feeds_cuda(adapter: Any) -> bool:
    """True when the adapter's model runs on a CUDA device (its card's `device_type`): only
    then are the volumes workers send page-locked (pinned), which costs host memory and
    helps only copies to a GPU."""
    card = getattr(adapter, "card", None)
    return getattr(card, "settings", {}).get("device_type") == "cuda"


def feed_preparer(adapter: Any) -> Preparer | None:
    """The adapter's preparer, to run where lesions are loaded; None for adapters without
    one and for streaming adapters (they take raw lesions, one request each)."""
    from petar_bench.baselines.base import StreamingAdapter

    if isinstance(adapter, StreamingAdapter):
        return None
    preparer = getattr(adapter, "preparer", None)
    return preparer() if callable(preparer) else None


def iter_batches(
    dataset: LesionDataset,
    *,
    batch_size: int,
    num_workers: int = 0,
    prefetch_factor: int = 2,
    pin_memory: bool = False,
) -> Iterator[list[LoadedSample]]:
    """Batches of lesions grouped by exam; with workers, loaded ahead in other processes (each
    worker takes whole exams, so a batch holds lesions of one worker's exams).

    `pin_memory` (for a GPU) page-locks the volumes that workers send."""
    if batch_size < 1:
        raise UserError(f"--batch-size must be at least 1, not {batch_size}")
    if num_workers < 0:
        raise UserError(f"--num-workers must be 0 or more, not {num_workers}")
    order = [i for group in exam_order(dataset.records) for i in group]
    if num_workers == 0:
        for start in range(0, len(order), batch_size):
            yield [dataset[i] for i in order[start : start + batch_size]]
        return
    yield from _torch_batches(dataset, batch_size, num_workers, prefetch_factor, pin_memory)


def _torch_batches(
    dataset: LesionDataset,
    batch_size: int,
    num_workers: int,
    prefetch_factor: int,
    pin_memory: bool,
) -> Iterator[list[LoadedSample]]:
    try:
        from torch.utils.data import DataLoader
    except ModuleNotFoundError:
        raise UserError(
            "--num-workers > 0 needs torch (pip install 'petar-bench[models]'); "
            "or use --num-workers 0"
        ) from None
    groups = exam_order(dataset.records)
    loader: Iterable[list[LoadedSample]] = DataLoader(
        exam_shards(dataset, groups),
        batch_size=batch_size,
        num_workers=min(num_workers, len(groups)) or 1,
        collate_fn=collate_samples,
        prefetch_factor=prefetch_factor,
        pin_memory=pin_memory,
        persistent_workers=False,
    )
    for batch in loader:
        yield [_to_arrays(sample) for sample in batch]


def iter_training_examples(
    root: Path,
    records: Sequence[LesionRecord],
    *,
    num_workers: int = 0,
    skipped: list[tuple[str, str | None]] | None = None,
) -> Iterator[tuple[LesionInput, LesionRecord]]:
    """(input, record) for each loadable TRAIN lesion; unloadable ones go to `skipped`."""
    dataset = LesionDataset(root, records)
    for batch in iter_batches(dataset, batch_size=8, num_workers=num_workers):
        for sample in batch:
            if sample.input is None:
                if skipped is not None:
                    skipped.append((sample.sample_id, sample.error))
                continue
            yield sample.input, dataset.records[sample.index]
