"""Maintainers: re-pin the demo-split score snapshots the test suite guards, and print the diff.

    python scripts/refresh_score_snapshots.py            # regenerate and write
    python scripts/refresh_score_snapshots.py --check    # only print the diff; exit 1 on drift

The snapshots (tests/data/score_snapshots.json) hold the corpus value of every snapshot
metric for each non-neural baseline (compared exactly) and for a tiny random LaMed
checkpoint (compared within TINY_TOLERANCE: greedy tokens of a random model can flip across
CPUs and BLAS builds), all on the synthetic demo test split.
tests/baselines/test_score_snapshots.py fails on drift beyond that. Run this script after a
deliberate change to the generator, a baseline, a metric or the preprocessing, read the diff,
and commit the new file with the change that caused it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

SNAPSHOT_PATH = Path(__file__).resolve().parents[1] / "tests" / "data" / "score_snapshots.json"
SCHEMA_VERSION = 1
NONNEURAL = ("measure", "retrieval", "constant")
TINY = "petar-4b-tiny"
#: Absolute tolerance per metric for the tiny random LaMed model (the metric's own units).
TINY_TOLERANCE = 0.02
#: Every snapshot metric runs without Java, a judge model or a server.
METRICS = (
    "bleu1",
    "bleu4",
    "rouge_l",
    "cider",
    "pet_region_acc",
    "pet_laterality_acc",
    "pet_suvmax_fidelity",
)
#: The tiny model: seed of its random weights, and short greedy outputs (fast on a CPU).
TINY_SEED, TINY_OPTIONS = 0, {"max_new_tokens": "24"}


def _scores(run_dir: Path) -> dict[str, Any]:
    from petar_bench.leaderboard._scored import metric_identity

    data = json.loads((run_dir / "scores.json").read_text())
    return {
        "n": data["n"],
        "metrics": {
            m: {"value": block["value"], "signature": metric_identity(block["signature"])}
            for m, block in data["metrics"].items()
        },
    }


def _run(model: str, out: Path, options: dict[str, Any]) -> Path:
    from petar_bench.engine import RunRequest, run_benchmark

    result = run_benchmark(
        RunRequest(
            model=model,
            model_options=options,
            dataset="demo",
            split="test",
            output_dir=out,
            metrics=METRICS,
            batch_size=8,
        ),
        quiet=True,
    )
    if result.n_failed or not result.scored:
        raise RuntimeError(f"{model}: {result.n_failed} failed samples or no scores")
    return out


def run_nonneural(model: str, out: Path) -> Path:
    """One non-neural snapshot run (as `make_snapshots` makes it) into `out`."""
    return _run(model, out, {})


def make_snapshots(
    work: Path, only: tuple[str, ...] | None = None, runs: dict[str, Path] | None = None
) -> dict[str, Any]:
    """Run the snapshot models (all, or `only` these) on the demo test split under `work` and
    collect the scores; `runs` gives finished non-neural runs (from `run_nonneural`) to read
    instead. The demo dataset comes from the current PETAR-Bench cache."""
    from petar_bench import __version__
    from petar_bench.datasets._catalog import ensure_demo

    handle = ensure_demo()
    wanted = only or (*NONNEURAL, TINY)
    runs = runs or {}
    models = {
        m: _scores(runs[m] if m in runs else run_nonneural(m, work / m))
        for m in NONNEURAL
        if m in wanted
    }
    if TINY in wanted:
        from petar_bench.baselines.lamed.tiny import make_tiny_checkpoint

        weights = make_tiny_checkpoint(work / "tiny-ckpt", seed=TINY_SEED)
        tiny = _run("petar-4b", work / TINY, {"weights": str(weights), **TINY_OPTIONS})
        models[TINY] = _scores(tiny)
    return {
        "schema_version": SCHEMA_VERSION,
        "harness_version": __version__,
        "split_fingerprint": handle.manifest.fingerprint("test"),
        "tolerance": {m: 0.0 for m in NONNEURAL} | {TINY: TINY_TOLERANCE},
        "models": models,
    }


def subset(snapshot: dict[str, Any], models: tuple[str, ...]) -> dict[str, Any]:
    """The snapshot restricted to some models."""
    kept = {m: b for m, b in snapshot["models"].items() if m in models}
    return {**snapshot, "models": kept}


def _fmt(value: Any) -> str:
    return "undefined" if value is None else f"{value:.6g}"


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every difference, one line each (values, signatures, models, fingerprint)."""
    lines = []
    if old.get("split_fingerprint") != new.get("split_fingerprint"):
        lines.append(
            f"split fingerprint: {old.get('split_fingerprint')} -> {new.get('split_fingerprint')}"
        )
    old_models, new_models = old.get("models", {}), new.get("models", {})
    for model in sorted(set(old_models) | set(new_models)):
        if model not in new_models or model not in old_models:
            lines.append(f"{model}: {'removed' if model not in new_models else 'added'}")
            continue
        a, b = old_models[model]["metrics"], new_models[model]["metrics"]
        for metric in sorted(set(a) | set(b)):
            if metric not in a or metric not in b:
                lines.append(f"{model} {metric}: {'removed' if metric not in b else 'added'}")
                continue
            if a[metric]["signature"] != b[metric]["signature"]:
                lines.append(
                    f"{model} {metric}: signature {a[metric]['signature']} -> "
                    f"{b[metric]['signature']}"
                )
            if a[metric]["value"] != b[metric]["value"]:
                va, vb = a[metric]["value"], b[metric]["value"]
                change = "" if va is None or vb is None else f" ({vb - va:+.6g})"
                lines.append(f"{model} {metric}: {_fmt(va)} -> {_fmt(vb)}{change}")
    return lines


def drift(pinned: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """Differences beyond the pinned tolerances (what fails the test suite)."""
    problems = [line for line in diff(pinned, now) if ": " in line and "->" not in line]
    if pinned["split_fingerprint"] != now["split_fingerprint"]:
        problems.append(
            f"split fingerprint {pinned['split_fingerprint']} -> {now['split_fingerprint']}"
        )
    for model, block in pinned["models"].items():
        tolerance = float(pinned["tolerance"][model])
        current = now["models"].get(model, {}).get("metrics", {})
        for metric, pin in block["metrics"].items():
            got = current.get(metric)
            if got is None:
                continue  # reported by diff as removed
            if got["signature"] != pin["signature"]:
                problems.append(
                    f"{model} {metric}: signature {pin['signature']} -> {got['signature']}"
                )
            a, b = pin["value"], got["value"]
            if (a is None) != (b is None) or (a is not None and abs(b - a) > tolerance):
                problems.append(
                    f"{model} {metric}: {_fmt(a)} -> {_fmt(b)} (tolerance {tolerance:g})"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Only print the diff.")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="petar-snapshots-"))
    os.environ.setdefault("PETAR_BENCH_CACHE", str(work / "cache"))
    new = make_snapshots(work)
    old = json.loads(SNAPSHOT_PATH.read_text()) if SNAPSHOT_PATH.is_file() else {}
    changes = diff(old, new)
    print("\n".join(changes) if changes else "no change")
    if args.check:
        return 1 if old and drift(old, new) else 0
    SNAPSHOT_PATH.parent.mkdir(parents=True, exist_ok=True)
    SNAPSHOT_PATH.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
    print(f"written {SNAPSHOT_PATH.name} in {SNAPSHOT_PATH.parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
