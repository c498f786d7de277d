"""The layers of docs/architecture.md and what each may import, checked on the source (AST).

Every `import` and `from ... import` of a `petar_bench` module counts, those inside
functions too (lazy imports are still dependencies). A layer may import itself and the
layers listed for it; anything else fails with the offending file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import petar_bench

ROOT = Path(__file__).resolve().parents[2]
# folder in the repository -> the package it is imported as
FOLDERS = {
    "petar_bench": "petar_bench",
    "metrics": "petar_bench.metrics",
    "baselines": "petar_bench.baselines",
    "leaderboard": "petar_bench.leaderboard",
}
SUBPACKAGE_LAYERS = {
    "datasets": "data",
    "volumes": "data",
    "metrics": "metrics",
    "baselines": "baselines",
    "engine": "engine",
    "leaderboard": "leaderboard",
    "check": "check",
    "report": "report",
    "testing": "api",
    "commands": "commands",
    "cli": "cli",
    "__main__": "cli",
}
# layer -> the other layers it may import (the table in docs/architecture.md)
ALLOWED = {
    "core": set(),
    "data": {"core"},
    "baselines": {"core", "data"},
    "metrics": {"core", "data"},
    "engine": {"core", "data", "baselines", "metrics"},
    "leaderboard": {"core", "data", "metrics", "engine"},
    "check": {"core", "data", "metrics", "engine", "leaderboard"},
    "report": {"core", "data", "metrics", "engine", "leaderboard"},
    "commands": {
        "core",
        "data",
        "baselines",
        "metrics",
        "engine",
        "leaderboard",
        "check",
        "report",
    },
    "cli": {
        "core",
        "data",
        "baselines",
        "metrics",
        "engine",
        "leaderboard",
        "check",
        "report",
        "commands",
    },
    "api": {"core", "data", "baselines", "metrics", "engine", "leaderboard", "check", "report"},
}


def layer(module: str) -> str:
    """The layer of a petar_bench module (or of a name imported from the package itself)."""
    parts = module.split(".")
    if len(parts) == 1:
        return "api"
    return SUBPACKAGE_LAYERS.get(parts[1], "core")


def source_modules() -> list[tuple[str, Path]]:
    found = []
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT / folder).with_suffix("")
            module = ".".join([package, *relative.parts]).removesuffix(".__init__")
            found.append((module, path))
    return found


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every petar_bench import in a module."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "petar_bench":  # `from petar_bench import registry`
                out += [(node.lineno, f"petar_bench.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, node.module))
    return [(line, m) for line, m in out if m.split(".")[0] == "petar_bench"]


def violations() -> list[str]:
    problems = []
    for module, path in source_modules():
        mine = layer(module)
        for line, target in imported(ast.parse(path.read_text(encoding="utf-8"))):
            theirs = layer(target)
            if theirs != mine and theirs not in ALLOWED[mine]:
                where = f"{path.relative_to(ROOT)}:{line}"
                problems.append(f"{where}: {mine} imports {theirs} ({target})")
    return problems


def test_every_layer_imports_only_what_its_rule_allows() -> None:
    assert violations() == []


def test_the_rules_catch_a_forbidden_import(tmp_path: Path) -> None:
    """The checker itself: a metrics module importing the engine is reported."""
    tree = ast.parse("def f():\n    from petar_bench.engine._runner import run_benchmark\n")
    targets = [layer(t) for _, t in imported(tree)]
    assert targets == ["engine"] and "engine" not in ALLOWED["metrics"]
    assert layer("petar_bench.records") == "core" and layer("petar_bench.volumes._lesion") == "data"
    assert layer("petar_bench.commands._score") == "commands" and layer("petar_bench") == "api"


#: Layers whose code never imports rich: they report through return values and callbacks.
NO_RICH = ("data", "baselines", "metrics", "engine")
#: Where a console may be taken as a parameter: the commands, the CLI and the terminal module.
CONSOLE_HOLDERS = ("commands", "cli")
CONSOLE_MODULE = "petar_bench.console"


def console_takers() -> list[str]:
    """Functions outside the commands that take a console, and modules of the lower layers
    that import rich (the engine reports through a `RunReporter`, renderers return rich
    renderables; only the commands hold a console)."""
    problems = []
    for module, path in source_modules():
        where = layer(module)
        if where in CONSOLE_HOLDERS or module == CONSOLE_MODULE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import) and where in NO_RICH:
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and where in NO_RICH:
                names = [node.module or ""]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name == "__rich_console__":
                    continue  # rich's render protocol: rich hands the console in
                arguments = node.args
                every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
                names = [f"parameter {a.arg}" for a in every if a.arg == "console"]
            for name in names:
                if name.split(".")[0] == "rich" or name.startswith("parameter"):
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    return problems


def test_only_the_commands_take_a_console() -> None:
    assert console_takers() == []


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_every_folder_has_modules(folder: str) -> None:
    assert any(m.startswith(FOLDERS[folder]) for m, _ in source_modules())


def test_public_api_is_sorted_and_resolves() -> None:
    assert petar_bench.__all__ == sorted(petar_bench.__all__)
    for name in petar_bench.__all__:
        assert getattr(petar_bench, name) is not None, name
    from petar_bench.metrics.scoring import score_texts

    assert petar_bench.score_texts is score_texts
    with pytest.raises(AttributeError):
        _ = petar_bench.not_a_name  # type: ignore[attr-defined]
