"""What the README, the help texts and the docs promise is true: their commands parse, the
adding-a-model example runs, help mentions only commands that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from petar_bench import registry
from petar_bench.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _code_blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)


def _readme_commands() -> list[list[str]]:
    commands = []
    for block in _code_blocks(ROOT / "README.md", "bash"):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("petar-bench "):
                commands.append(shlex.split(line)[1:])
    return commands


def _parse(args: list[str]) -> tuple[str, dict[str, Any]]:
    """Resolve and parse a command line as click would, without running it."""
    command: Any = typer.main.get_command(app)  # typer's own (vendored) click classes
    path: list[str] = []
    while hasattr(command, "commands"):
        assert args and args[0] in command.commands, f"no command {' '.join(path + args[:1])!r}"
        path.append(args[0])
        command, args = command.commands[args[0]], args[1:]
    ctx = command.make_context(" ".join(path), list(args), resilient_parsing=False)
    return " ".join(path), dict(ctx.params)


@pytest.mark.parametrize("args", _readme_commands(), ids=" ".join)
def test_readme_commands_parse(args: list[str]) -> None:
    if args == ["--help"]:
        return
    name, params = _parse(args)
    if name == "leaderboard submit":  # required in the library, not by click
        assert params["training_data"].strip(), "the README's submit example lacks --training-data"


def test_readme_has_the_commands_it_lists() -> None:
    assert len(_readme_commands()) >= 8


def test_data_help_names_only_commands_that_exist() -> None:
    group: Any = typer.main.get_command(app)
    data = group.commands["data"]
    help_text = (data.help or "").lower()
    for verb in ("import", "verify"):
        if verb in help_text:
            assert verb in data.commands, f"'data' help mentions {verb!r}, which is no command"


def test_the_adding_a_model_example_runs(demo_dataset: Any) -> None:
    from petar_bench.volumes._lesion import VolumeLoader

    (source,) = _code_blocks(ROOT / "docs" / "adding-a-model.md", "python")
    namespace: dict[str, Any] = {"__name__": "my_package.adapter"}
    exec(compile(source, "adding-a-model.md", "exec"), namespace)
    model_class = namespace["MyModel"]
    registry.models.add(registry.Registration("my-model", model_class, "docs example"))
    try:
        adapter = registry.models.create("my-model", temperature="0.2")
        records = demo_dataset.manifest.split("test")[:2]
        loader = VolumeLoader(demo_dataset.root)
        texts = adapter.generate([loader.load(r) for r in records])
    finally:
        registry.models._entries.pop("my-model", None)
    assert len(texts) == 2 and all(isinstance(t, str) and "SUVmax" in t for t in texts)
    assert adapter.card.decoding == {"temperature": 0.2}
