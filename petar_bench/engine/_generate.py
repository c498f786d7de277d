"""The generation loop: batches in, generations into the store, failures isolated and counted.

When `generate` raises for a batch, the batch is retried one lesion at a time so that one bad
lesion does not take its neighbours down; what still fails is stored with its error. Every
failure counts against the error budget (`--max-failures`); going over it stops the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from petar_bench.baselines.base import Adapter, StreamingAdapter
from petar_bench.engine._dataloading import LoadedSample, describe_error
from petar_bench.engine._store import Generation, GenerationStore
from petar_bench.errors import UserError
from petar_bench.volumes._lesion import LesionInput


class FailureBudgetExceeded(UserError):
    """More samples failed than --max-failures allows."""


@dataclass
class FailureBudget:
    max_failures: int
    failures: int = 0
    last: Generation | None = None
    where: str = "the store"  # named in the message, so the user can look

    def record(self, generation: Generation) -> None:
        self.failures += 1
        self.last = generation
        self.check()

    def check(self) -> None:
        if self.failures <= self.max_failures:
            return
        where = f"; last: {self.last.sample_id!r}: {self.last.error}" if self.last else ""
        raise FailureBudgetExceeded(
            f"{self.failures} samples failed, more than --max-failures {self.max_failures}"
            f"{where}. Failures are recorded in {self.where}: fix the cause and "
            "rerun the same command with --retry-failed (or allow more with --max-failures)"
        )


def _call_adapter(adapter: Adapter, samples: Sequence[LoadedSample]) -> list[str]:
    """The adapter's findings for loaded samples (prepared ones through generate_prepared)."""
    inputs: list[LesionInput] = [s.input for s in samples if s.input is not None]
    prepared = [s.prepared for s in samples if s.prepared is not None]
    if prepared and len(prepared) == len(inputs):
        texts = adapter.generate_prepared(inputs, prepared)
    else:
        texts = adapter.generate(inputs)
    if not isinstance(texts, list) or len(texts) != len(inputs):
        got = len(texts) if isinstance(texts, list) else type(texts).__name__
        raise TypeError(f"generate() returned {got} for {len(inputs)} lesions; expected a list")
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"generate() returned a {type(text).__name__}, expected str")
    return texts


def run_batch(adapter: Adapter, batch: Sequence[LoadedSample]) -> list[Generation]:
    """Generations for a batch, in batch order; errors isolated sample by sample."""
    outcome: dict[int, Generation] = {}
    ready = []
    for position, sample in enumerate(batch):
        if sample.input is None:
            outcome[position] = Generation.failed(sample.sample_id, sample.error or "not loaded")
        else:
            ready.append((position, sample))
    try:
        texts = _call_adapter(adapter, [s for _, s in ready])
        outcome.update(
            {p: Generation.ok(s.sample_id, t) for (p, s), t in zip(ready, texts, strict=True)}
        )
    except Exception as batch_error:
        for position, sample in ready:
            outcome[position] = _one_by_one(adapter, sample, batch_error, len(ready))
    return [outcome[p] for p in range(len(batch))]


def _one_by_one(
    adapter: Adapter, sample: LoadedSample, batch_error: Exception, batch_len: int
) -> Generation:
    if batch_len == 1:
        return Generation.failed(sample.sample_id, describe_error(batch_error))
    assert sample.input is not None
    try:
        return Generation.ok(sample.sample_id, _call_adapter(adapter, [sample])[0])
    except Exception as exc:
        return Generation.failed(sample.sample_id, describe_error(exc))


@dataclass
class LoopCounts:
    generated: int = 0
    failed: int = 0


def generate_into_store(
    adapter: Adapter,
    batches: Iterable[list[LoadedSample]],
    store: GenerationStore,
    budget: FailureBudget,
    advance: Callable[[int], None] = lambda n: None,
) -> LoopCounts:
    """Run every batch, append its generations, stop when the budget is exceeded."""
    if isinstance(adapter, StreamingAdapter):
        return stream_into_store(adapter, batches, store, budget, advance)
    counts = LoopCounts()
    for batch in batches:
        generations = run_batch(adapter, batch)
        store.append(generations)
        advance(len(batch))
        for generation in generations:
            if generation.status == "ok":
                counts.generated += 1
            else:
                counts.failed += 1
                budget.record(generation)
    return counts


def stream_into_store(
    adapter: StreamingAdapter,
    batches: Iterable[list[LoadedSample]],
    store: GenerationStore,
    budget: FailureBudget,
    advance: Callable[[int], None] = lambda n: None,
) -> LoopCounts:
    """Every lesion through one stream; each outcome is stored the moment it arrives."""
    counts = LoopCounts()
    unloaded: list[Generation] = []

    def inputs() -> Iterator[LesionInput]:
        for batch in batches:
            for sample in batch:
                if sample.input is None:
                    unloaded.append(
                        Generation.failed(sample.sample_id, sample.error or "not loaded")
                    )
                else:
                    yield sample.input

    def keep(generation: Generation) -> None:
        store.append([generation])
        advance(1)
        if generation.status == "ok":
            counts.generated += 1
        else:
            counts.failed += 1
            budget.record(generation)

    for lesion, result in adapter.generate_stream(inputs()):
        while unloaded:
            keep(unloaded.pop(0))
        if isinstance(result, BaseException):
            keep(Generation.failed(lesion.sample_id, describe_error(result)))
        else:
            keep(Generation.ok(lesion.sample_id, result))
    while unloaded:
        keep(unloaded.pop(0))
    return counts
