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
    "models": ["petar_bench.baselines.nonneural", "petar_bench.baselines.lamed.adapters"],
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
        """Build an entry; options it does not take are a UserError listing those it does.

        The check binds the options to the factory's signature before calling it, so a
        TypeError raised inside a factory stays what it is: a bug with a traceback.
        """
        entry = self.get(name)
        check_options(f"{self.kind[:-1]} {name!r}", entry.factory, options)
        return entry.factory(**options)


def check_options(what: str, factory: Callable[..., Any], options: dict[str, Any]) -> None:
    """UserError when `factory` cannot take `options` as keyword arguments."""
    import inspect

    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # a builtin without a signature: let the call decide
        return
    try:
        signature.bind(**options)
    except TypeError:
        params = signature.parameters.values()
        if any(p.kind is p.VAR_KEYWORD for p in params):
            raise  # only missing positional arguments can fail with **kwargs: a bug
        named = [p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
        unknown = [k for k in options if k not in named]
        hint = did_you_mean(unknown[0], named) if unknown else ""
        accepted = f"it takes: {', '.join(named)}" if named else "it takes no options"
        missing = [
            p.name
            for p in params
            if p.default is p.empty and p.name in named and p.name not in options
        ]
        problem = (
            f"has no option {unknown[0]!r}{hint}"
            if unknown
            else f"needs the option {', '.join(missing) or '?'}"
        )
        raise UserError(f"{what} {problem}; {accepted}") from None


models: Registry[Any] = Registry("models")
metrics: Registry[Any] = Registry("metrics")
datasets: Registry[Any] = Registry("datasets")
