"""Registries: built-ins, did-you-mean, and third-party adapters through entry points."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from petar_bench import registry
from petar_bench.errors import UserError


def test_builtin_models_and_suggestions() -> None:
    assert {"measure", "retrieval", "constant", "petar-4b"} <= set(registry.models.names())
    with pytest.raises(UserError, match="did you mean 'retrieval'"):
        registry.models.get("retreival")


def test_double_registration_is_refused() -> None:
    reg: registry.Registry[object] = registry.Registry("things")
    reg.register("a", description="x")(lambda: 1)
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("a", description="y")(lambda: 2)


def test_third_party_adapter_through_the_entry_point(tmp_path: Path) -> None:
    """A plugin package exposes an adapter in the 'petar_bench.models' group and
    `petar-bench ls models` lists it, without any change to the suite."""
    site = tmp_path / "site"
    (site / "my_plugin").mkdir(parents=True)
    (site / "my_plugin" / "__init__.py").write_text(
        textwrap.dedent('''
        from petar_bench.baselines.base import Adapter, AdapterCard

        class Echo(Adapter):
            """Echoes the tracer name (a plugin for tests)."""
            def __init__(self, **options):
                self.card = AdapterCard(name="echo-plugin", description="echo")
            def generate(self, batch):
                return [x.tracer for x in batch]
    ''')
    )
    dist = site / "my_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[petar_bench.models]\necho-plugin = my_plugin:Echo\n")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from petar_bench.cli import main; main(['ls', 'models'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(site)],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert "echo-plugin" in out.stdout and "my_plugin:Echo" in out.stdout, out.stderr
    created = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); from petar_bench import registry;"
            "print(registry.models.create('echo-plugin').generate.__qualname__)",
            str(site),
        ],
        capture_output=True,
        text=True,
    )
    assert created.stdout.strip() == "Echo.generate", created.stderr
