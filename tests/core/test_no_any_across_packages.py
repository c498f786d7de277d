"""No `Any` in the signature of anything one package of the code base calls in another.

The four packages are core `petar_bench`, `petar_bench.metrics`, `petar_bench.baselines`
and `petar_bench.leaderboard` (one folder each). Every `from X import name` (and
`import X as m` followed by `m.name`) that crosses from one folder into another names a
seam; the function, or the class and its public methods and fields, it lands on must be
typed with real types (`petar_bench.jsontypes` for JSON). Found on the source (AST),
lazy imports inside functions included; re-exports are followed to the definition.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {
    "petar_bench": "petar_bench",
    "metrics": "petar_bench.metrics",
    "baselines": "petar_bench.baselines",
    "leaderboard": "petar_bench.leaderboard",
}
# Names whose definition may keep `Any`, each with the reason. Keep it tiny.
ALLOWED: dict[str, str] = {}


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    defs: dict[str, ast.AST] = field(default_factory=dict)  # functions, classes, aliases
    bindings: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # imports


def package_of(module: str) -> str:
    """The folder a dotted module lives in (the longest package prefix wins)."""
    best = ""
    for folder, package in FOLDERS.items():
        if (module == package or module.startswith(package + ".")) and len(package) > len(
            FOLDERS.get(best, "")
        ):
            best = folder
    return best


def absolute(module: Module, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    is_package = module.path.name == "__init__.py"
    base = module.name.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def load_modules(source: dict[str, str] | None = None) -> dict[str, Module]:
    """Every module of the four folders (or the given {module: source} for tests)."""
    found: dict[str, Module] = {}
    if source is not None:
        for name, text in source.items():
            found[name] = Module(name, Path(name + ".py"), ast.parse(text))
    else:
        for folder, package in FOLDERS.items():
            for path in sorted((ROOT / folder).rglob("*.py")):
                relative = path.relative_to(ROOT / folder).with_suffix("")
                name = ".".join([package, *relative.parts]).removesuffix(".__init__")
                found[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8")))
    for module in found.values():
        for node in module.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                module.defs[node.name] = node
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    module.defs[target.id] = node
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                module.defs[node.target.id] = node
        for node in ast.walk(module.tree):  # TYPE_CHECKING and lazy imports re-export too
            if isinstance(node, ast.ImportFrom):
                source_module = absolute(module, node)
                for alias in node.names:
                    module.bindings.setdefault(
                        alias.asname or alias.name, (source_module, alias.name)
                    )
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        module.bindings.setdefault(alias.asname, (alias.name, None))
    return found


def resolve(
    modules: dict[str, Module], module: str, name: str, depth: int = 0
) -> tuple[str, ast.AST] | None:
    """(module, definition) a name imported from `module` lands on, through re-exports."""
    if depth > 10 or module not in modules:
        return None
    here = modules[module]
    if name in here.defs:
        return module, here.defs[name]
    if name in here.bindings:
        source, original = here.bindings[name]
        if original is None:
            return None
        return resolve(modules, source, original, depth + 1)
    return None


def crossings(modules: dict[str, Module]) -> Iterator[tuple[str, int, str, str]]:
    """(importing module, line, defining module, name) of every cross-package use."""
    for module in modules.values():
        mine = package_of(module.name)
        aliases: dict[str, str] = {}  # local name -> a module of another package
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom):
                target = absolute(module, node)
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    if submodule in modules:
                        if package_of(submodule) != mine:
                            aliases[alias.asname or alias.name] = submodule
                    elif package_of(target) not in ("", mine):
                        yield module.name, node.lineno, target, alias.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname and package_of(alias.name) not in ("", mine):
                        aliases[alias.asname] = alias.name
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                yield module.name, node.lineno, aliases[node.value.id], node.attr


def mentions_any(node: ast.AST | None, aliases_with_any: set[str]) -> bool:
    if node is None:
        return False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            try:
                parsed = ast.parse(sub.value, mode="eval")
            except SyntaxError:
                continue
            if mentions_any(parsed, aliases_with_any):
                return True
        if isinstance(sub, ast.Name) and (sub.id == "Any" or sub.id in aliases_with_any):
            return True
        if isinstance(sub, ast.Attribute) and sub.attr == "Any":
            return True
    return False


def signature_parts(definition: ast.AST) -> Iterator[tuple[str, ast.AST | None]]:
    """(where, annotation) of a function's parameters and return, or a class's public API."""
    if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = definition.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        for argument in every:
            yield argument.arg, argument.annotation
        yield "return", definition.returns
    elif isinstance(definition, ast.ClassDef):
        for node in definition.body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if not node.target.id.startswith("_"):
                    yield node.target.id, node.annotation
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                public = not node.name.startswith("_") or node.name in ("__init__", "__call__")
                if public:
                    for where, annotation in signature_parts(node):
                        yield f"{node.name}.{where}", annotation
    elif isinstance(definition, (ast.Assign, ast.AnnAssign)):  # a type alias or a constant
        value = definition.value
        if isinstance(value, (ast.Subscript, ast.Attribute, ast.BinOp)) or (
            isinstance(value, ast.Name) and value.id == "Any"
        ):
            yield "alias", value


def any_aliases(module: Module) -> set[str]:
    """Module-level type aliases whose value mentions `Any` (they hide it in annotations)."""
    found = set()
    for name, node in module.defs.items():
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and mentions_any(node.value, set()):
            found.add(name)
    return found


def violations(modules: dict[str, Module]) -> list[str]:
    problems: dict[str, str] = {}  # the definition's part -> a place that uses it
    for importer, line, target, name in crossings(modules):
        resolved = resolve(modules, target, name)
        if resolved is None:
            continue
        defining, definition = resolved
        if f"{defining}.{name}" in ALLOWED or package_of(defining) == package_of(importer):
            continue
        hidden = any_aliases(modules[defining])
        for where, annotation in signature_parts(definition):
            if mentions_any(annotation, hidden):
                problems.setdefault(f"{defining}.{name} ({where})", f"{importer}:{line}")
    return [f"{part}, used by {user}" for part, user in sorted(problems.items())]


def test_no_any_in_signatures_used_across_packages() -> None:
    assert violations(load_modules()) == []


def test_the_check_finds_any_behind_imports_aliases_and_methods() -> None:
    """The checker itself, on a tiny made-up tree: each hiding place is reported."""
    modules = load_modules(
        {
            "petar_bench.metrics.api": (
                "from typing import Any\n"
                "Loose = dict[str, Any]\n"
                "def f(x: Any) -> int: ...\n"
                "def g(x: 'Loose') -> None: ...\n"
                "def ok(x: int) -> int: ...\n"
                "class C:\n"
                "    field: list[Any]\n"
                "    def m(self) -> Any: ...\n"
                "    def _private(self) -> Any: ...\n"
            ),
            "petar_bench.metrics": "from petar_bench.metrics.api import f, g, ok\n",
            "petar_bench.metrics.same": "from petar_bench.metrics.api import f\n",
            "petar_bench.leaderboard.user": (
                "from petar_bench.metrics import f, g, ok\n"
                "from petar_bench.metrics import api\n"
                "def h():\n"
                "    from petar_bench.metrics.api import C\n"
                "    return api.f\n"
            ),
        }
    )
    found = violations(modules)
    assert [p.split(",")[0] for p in found] == [
        "petar_bench.metrics.api.C (field)",
        "petar_bench.metrics.api.C (m.return)",
        "petar_bench.metrics.api.f (x)",
        "petar_bench.metrics.api.g (x)",
    ]
    assert all("petar_bench.leaderboard.user" in p for p in found)
