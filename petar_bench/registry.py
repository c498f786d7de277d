"""Registries of model adapters, metrics and datasets.

Built-in models and datasets register with a decorator when their module is imported;
built-in metrics are one table (`petar_bench.metrics.catalog`). The registry imports them
lazily (the lists below), so `import petar_bench` stays light. Third-party adapters and
metrics register through the entry-point groups ``petar_bench.models`` and
``petar_bench.metrics``: the entry point names a factory ``(**options) -> Adapter`` (or
``-> Metric``); a class works too. A plugin that fails to load is listed with its error
(`petar-bench ls`) and refuses to be created; it never breaks the other entries.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from petar_bench.errors import UserError, did_you_mean

T = TypeVar("T")

MODEL_ENTRY_POINT_GROUP = "petar_bench.models"
METRIC_ENTRY_POINT_GROUP = "petar_bench.metrics"
_ENTRY_POINT_GROUPS = {"models": MODEL_ENTRY_POINT_GROUP, "metrics": METRIC_ENTRY_POINT_GROUP}

# Modules whose import registers the built-in entries. Importing them is cheap: heavy
# libraries load inside the factories, not at module import.
_BUILTIN_MODULES = {
    "models": [
        "petar_bench.baselines.nonneural",
        "petar_bench.baselines.lamed._adapters",
        "petar_bench.baselines.endpoint",
        "petar_bench.baselines.vlm2d._adapters",
    ],
    "datasets": ["petar_bench.datasets._catalog"],
}
# Modules whose `builtin_entries()` returns the built-in entries as a table.
_BUILTIN_TABLES = {"metrics": "petar_bench.metrics.catalog"}


@dataclass(frozen=True)
class Registration(Generic[T]):
    name: str
    factory: Callable[..., T]
    description: str
    needs: tuple[str, ...] = ()  # e.g. ("weights",), ("java",), ("torch",)
    source: str = "builtin"
    #: Why a plugin could not be loaded (its factory then raises a UserError saying so).
    error: str | None = None


@dataclass
class Registry(Generic[T]):
    kind: str
    _entries: dict[str, Registration[T]] = field(default_factory=dict)
    _loaded: bool = False

    def register(
        self, name: str, *, description: str, needs: tuple[str, ...] = ()
    ) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def decorate(factory: Callable[..., T]) -> Callable[..., T]:
            self.add(Registration(name, factory, description, needs))
            return factory

        return decorate

    def add(self, entry: Registration[T]) -> None:
        existing = self._entries.get(entry.name)
        if existing is not None and existing.factory is not entry.factory:
            raise ValueError(f"{self.kind} {entry.name!r} is registered twice")
        self._entries[entry.name] = entry

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for module in _BUILTIN_MODULES.get(self.kind, []):
            importlib.import_module(module)
        table = _BUILTIN_TABLES.get(self.kind)
        if table is not None:
            for entry in importlib.import_module(table).builtin_entries():
                self.add(entry)
        group = _ENTRY_POINT_GROUPS.get(self.kind)
        if group is not None:
            self._load_entry_points(group)

    def _load_entry_points(self, group: str) -> None:
        from importlib.metadata import entry_points

        for point in entry_points(group=group):
            if point.name in self._entries:
                continue
            try:
                factory = point.load()
            except Exception as exc:  # a broken plugin is reported, never fatal to the rest
                self.add(self._broken(point.name, point.value, exc))
                continue
            doc = (getattr(factory, "__doc__", None) or "").strip().splitlines()
            self.add(
                Registration(
                    point.name,
                    factory,
                    doc[0] if doc else f"third-party {self.kind[:-1]}",
                    source=point.value,
                )
            )

    def _broken(self, name: str, source: str, exc: Exception) -> Registration[T]:
        first_line = (str(exc).strip().splitlines() or [""])[0]
        error = f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
        message = f"{self.kind[:-1]} plugin {name!r} ({source}) could not be loaded: {error}"

        def refuse(**options: Any) -> T:
            raise UserError(f"{message}; reinstall or fix the package that provides it")

        return Registration(name, refuse, f"broken plugin: {error}", source=source, error=error)

    def names(self) -> list[str]:
        self._load()
        return sorted(self._entries)

    def entries(self) -> list[Registration[T]]:
        self._load()
        return [self._entries[n] for n in sorted(self._entries)]

    def get(self, name: str) -> Registration[T]:
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


def check_options(what: str, factory: Callable[..., object], options: Mapping[str, object]) -> None:
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
