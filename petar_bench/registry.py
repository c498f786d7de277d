"""Registries of model adapters, metrics and datasets.

Built-in entries register with a decorator when their module is imported; the registry
imports those modules lazily (the list below), so `import petar_bench` stays light.
Third-party adapters register through the entry-point group ``petar_bench.models``:
the entry point names a factory ``(**options) -> Adapter`` (an Adapter subclass works too).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from petar_bench.errors import UserError, did_you_mean

T = TypeVar("T")

MODEL_ENTRY_POINT_GROUP = "petar_bench.models"

# Modules whose import registers the built-in entries. Importing them is cheap: heavy
# libraries load inside the factories, not at module import.
_BUILTIN_MODULES = {
    "models": [
        "petar_bench.baselines.nonneural",
        "petar_bench.baselines.lamed.adapters",
        "petar_bench.baselines.endpoint",
        "petar_bench.baselines.vlm2d.adapters",
    ],
    "metrics": ["petar_bench.metrics.catalog"],
    "datasets": ["petar_bench.datasets.catalog"],
}


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    factory: Callable[..., T]
    description: str
    needs: tuple[str, ...] = ()  # e.g. ("weights",), ("java",), ("torch",)
    source: str = "builtin"


@dataclass
class Registry(Generic[T]):
    kind: str
    _entries: dict[str, Entry[T]] = field(default_factory=dict)
    _loaded: bool = False

    def register(
        self, name: str, *, description: str, needs: tuple[str, ...] = ()
    ) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def decorate(factory: Callable[..., T]) -> Callable[..., T]:
            self.add(Entry(name, factory, description, needs))
            return factory

        return decorate

    def add(self, entry: Entry[T]) -> None:
        existing = self._entries.get(entry.name)
        if existing is not None and existing.factory is not entry.factory:
            raise ValueError(f"{self.kind} {entry.name!r} is registered twice")
        self._entries[entry.name] = entry

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for module in _BUILTIN_MODULES.get(self.kind, []):
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                # A built-in module that is not written yet must not break the others.
                if exc.name is None or not module.startswith(exc.name):
                    raise
        if self.kind == "models":
            self._load_entry_points()

    def _load_entry_points(self) -> None:
        from importlib.metadata import entry_points

        for point in entry_points(group=MODEL_ENTRY_POINT_GROUP):
            if point.name in self._entries:
                continue
            factory = point.load()
            doc = (getattr(factory, "__doc__", None) or "").strip().splitlines()
            self.add(
                Entry(
                    point.name,
                    factory,
                    doc[0] if doc else "third-party adapter",
                    source=point.value,
                )
            )

    def names(self) -> list[str]:
        self._load()
        return sorted(self._entries)

    def entries(self) -> list[Entry[T]]:
        self._load()
        return [self._entries[n] for n in sorted(self._entries)]

    def get(self, name: str) -> Entry[T]:
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            names = sorted(self._entries)
            raise UserError(
                f"unknown {self.kind[:-1]} {name!r}{did_you_mean(name, names)}; "
                f"run 'petar-bench ls {self.kind}' to see all ({', '.join(names)})"
            ) from None

    def create(self, name: str, **options: Any) -> T:
        return self.get(name).factory(**options)


models: Registry[Any] = Registry("models")
metrics: Registry[Any] = Registry("metrics")
datasets: Registry[Any] = Registry("datasets")
