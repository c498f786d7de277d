"""The adapter contract: what every model (neural or not) implements to be benchmarked."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from petar_bench.jsontypes import JsonObject
from petar_bench.records import LesionRecord
from petar_bench.volumes._lesion import LesionInput


class AdapterCard(BaseModel):
    """Everything that describes an adapter and can change its output.

    All fields except those in `OUTPUT_NEUTRAL_FIELDS` go into the run key, so a changed
    prompt, checkpoint or decoding setting never reuses stale generations.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Registry name, e.g. 'petar-4b'.")
    description: str = Field(description="One line: what the model is.")
    version: str = Field("1", description="Adapter implementation version; bump on changes.")
    checkpoint: str | None = Field(None, description="Weights identity (hub id or content hash).")
    prompt: str | None = Field(None, description="The exact prompt text, when there is one.")
    preprocessing: str | None = Field(None, description="Preprocessing profile name.")
    decoding: JsonObject = Field(default_factory=dict, description="Decoding settings.")
    settings: JsonObject = Field(default_factory=dict, description="Other settings.")
    homepage: str | None = Field(None, description="Where the model comes from (not hashed).")


# Card fields that do not change generated text and so stay out of the run key.
OUTPUT_NEUTRAL_FIELDS = ("description", "homepage")


@dataclass(frozen=True)
class TrainingExample:
    """What a learning adapter may read in `fit`: a TRAIN-split lesion with its finding."""

    input: LesionInput
    record: LesionRecord


@dataclass
class Adapter(ABC):
    """A model that writes the finding for each lesion of a batch."""

    card: AdapterCard = field(init=False)

    #: True when `fit` must see the training split before `generate`.
    needs_training_data: bool = field(default=False, init=False)

    def fit(self, examples: Iterable[TrainingExample]) -> None:  # noqa: B027 - optional hook
        """Learn from the TRAIN split (retrieval, constant). Neural adapters ignore this."""

    def load(self) -> None:  # noqa: B027 - optional hook
        """Load weights before the first batch, so that a bad checkpoint is a setup error
        (one line, exit 2) instead of a failure of every sample. Called once per run, only
        when there is something to generate; the default does nothing."""

    @abstractmethod
    def generate(self, batch: Sequence[LesionInput]) -> list[str]:
        """One finding per lesion, in batch order."""

    def preparer(self) -> Callable[[LesionInput], dict[str, object]] | None:
        """Optional: the CPU part of `generate` (resampling, crops, normalisation) as a
        picklable callable, lesion -> the model's input arrays. The engine runs it where
        lesions are loaded (in DataLoader workers with --num-workers), ahead of generation,
        and passes its results to `generate_prepared`, so the model does not wait for it.
        It must not hold the model: it is copied into each worker. None (the default):
        `generate` does everything."""
        return None

    def generate_prepared(
        self, batch: Sequence[LesionInput], prepared: Sequence[dict[str, object]]
    ) -> list[str]:
        """`generate` for lesions whose preparer already ran (`prepared[i]` is for
        `batch[i]`); the default ignores `prepared`."""
        return self.generate(batch)

    def notes(self) -> list[str]:
        """One-line warnings about what this process generated (for example answers cut at
        the token limit), shown when generation ends; the default has none."""
        return []


class StreamingAdapter(Adapter):
    """An adapter that keeps many requests in flight (a model behind a server) and hands back
    each finding the moment it is ready, in completion order.

    The engine feeds it every lesion of the run through one iterator and stores each finding
    as it arrives, so no batch waits for its slowest member and a killed run loses only the
    requests still in the air. A failure is yielded as that lesion's outcome (an exception);
    a `UserError` raised from the stream stops the run.
    """

    @abstractmethod
    def generate_stream(
        self, inputs: Iterable[LesionInput]
    ) -> Iterator[tuple[LesionInput, str | BaseException]]:
        """(lesion, finding or error) pairs as they finish; pulls inputs only as needed."""

    def generate(self, batch: Sequence[LesionInput]) -> list[str]:
        outcomes = {id(lesion): result for lesion, result in self.generate_stream(batch)}
        texts = []
        for lesion in batch:
            result = outcomes[id(lesion)]
            if isinstance(result, BaseException):
                raise result
            texts.append(result)
        return texts
