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


def _metric_plugin_site(tmp_path: Path) -> Path:
    """A plugin package with one working metric and one entry point that cannot load."""
    site = tmp_path / "site"
    (site / "my_metrics").mkdir(parents=True)
    (site / "my_metrics" / "__init__.py").write_text(
        textwrap.dedent('''
        import numpy as np
        from petar_bench.metrics.base import MeanMetric, SampleStats

        class ExactMatch(MeanMetric):
            """Share of predictions equal to their reference (a plugin for tests)."""
            id = "exact-plugin"
            def signature(self):
                return "impl:my-metrics|avg:mean|v:1"
            def statistics(self, predictions, references, context):
                rows = [[float(p == r)] for p, r in zip(predictions, references)]
                return SampleStats(np.asarray(rows, dtype=float).reshape(-1, 1))
    ''')
    )
    dist = site / "my_metrics-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-metrics\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[petar_bench.metrics]\n"
        "exact-plugin = my_metrics:ExactMatch\n"
        "broken-plugin = my_metrics_missing.module:Thing\n"
    )
    return site


def test_third_party_metric_and_a_broken_plugin_through_the_entry_point(tmp_path: Path) -> None:
    """`ls metrics` lists a plugin metric beside the built-ins, and a plugin that cannot be
    imported is listed with its error instead of breaking the listing."""
    site = _metric_plugin_site(tmp_path)
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]);"
            "from petar_bench.cli import main; main(['ls', 'metrics'])",
            str(site),
        ],
        capture_output=True,
        text=True,
        env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"},
    )
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    assert "exact-plugin" in out and "impl:my-metrics|avg:mean|v:1" in out
    assert "broken-plugin" in out and "ModuleNotFoundError" in out and "my_metrics_missing" in out
    assert "bleu4" in out and "Traceback" not in out + listed.stderr
    scored = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); from petar_bench import registry\n"
            "from petar_bench.errors import UserError\n"
            "m = registry.metrics.create('exact-plugin')\n"
            "from petar_bench.metrics.base import ScoringContext\n"
            "s = m.statistics(['a', 'b', 'c'], ['a', 'x', 'c'], ScoringContext(['1', '2', '3']))\n"
            "print(round(m.aggregate(s.values), 4))\n"
            "try:\n    registry.metrics.create('broken-plugin')\n"
            "except UserError as exc:\n    print(exc)\n",
            str(site),
        ],
        capture_output=True,
        text=True,
    )
    lines = scored.stdout.splitlines()
    assert lines[0] == "0.6667", scored.stderr
    assert "metric plugin 'broken-plugin'" in lines[1] and "could not be loaded" in lines[1]


def test_metric_catalog_is_one_table_of_every_builtin_metric() -> None:
    from petar_bench.metrics.catalog import CATALOG, DEFAULT_METRICS, MASKED_BASES

    ids = [spec.id for spec in CATALOG]
    assert len(ids) == len(set(ids))
    assert set(DEFAULT_METRICS) <= set(ids)
    assert {"green", "pet_suvmax_fidelity", "pet_region_acc_strict", "bleu4_masked"} <= set(ids)
    assert {f"{b}_masked" for b in MASKED_BASES} <= set(ids)
    assert set(ids) <= set(registry.metrics.names())
    for spec in CATALOG:  # every row names a class that exists (imports no heavy library)
        module, _, name = spec.target.partition(":")
        assert module and name, spec.id
