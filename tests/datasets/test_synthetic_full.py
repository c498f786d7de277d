"""`demo-full`: the plan's exact lesion count, worker-count invariance, resuming, the catalogue
name and the `data synth --dataset/--workers` options."""

from __future__ import annotations

from pathlib import Path

import pytest

from petar_bench._hashing import sha256_file
from petar_bench.cli import main
from petar_bench.datasets import _catalog as catalog
from petar_bench.datasets import synthetic
from petar_bench.datasets._synthetic_build import JOURNAL_DIR
from petar_bench.datasets.synthetic import (
    FULL_TEST_LESIONS,
    generate_full_test_dataset,
    generate_synthetic_dataset,
    plan_dataset,
    plan_full_test,
)
from petar_bench.errors import UserError
from petar_bench.records import MANIFEST_NAME

SMALL_LESIONS = 9  # 3-4 patients: enough for two workers to interleave


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_plan_has_exactly_petarseg_test_size() -> None:
    plans = plan_full_test(0)
    assert FULL_TEST_LESIONS == 1175
    assert sum(len(p.lesions) for p in plans) == 1175
    assert {p.split for p in plans} == {"test"}
    assert [p.index for p in plans] == list(range(1, len(plans) + 1))
    assert all(p.lesions for p in plans)
    assert {p.tracer for p in plans} == {"FDG", "DOTATATE", "PSMA", "fluciclovine"}
    assert plan_full_test(0) == plans  # deterministic
    assert plan_full_test(1) != plans


def test_no_demo_full_patient_repeats_a_demo_patient() -> None:
    # Same (seed, patient) keys would give the same phantom: a model fitted on the demo's
    # train split would then be tested on its own training patients.
    full = {spec for plan in plan_full_test(0) for spec in plan.lesions}
    for seed in (0, 1):
        demo = {spec for plan in plan_dataset(seed, 44) for spec in plan.lesions}
        assert not demo & full


@pytest.mark.parametrize("n_lesions", [1, 2, 7, 130])
def test_plan_meets_any_count_exactly(n_lesions: int) -> None:
    plans = plan_full_test(3, n_lesions)
    assert sum(len(p.lesions) for p in plans) == n_lesions
    # All patients but the last are planned as for the demo (2-4 lesions each).
    assert all(2 <= len(p.lesions) <= 4 for p in plans[:-1])
    assert 1 <= len(plans[-1].lesions) <= 4


def test_plan_refuses_no_lesions() -> None:
    with pytest.raises(UserError, match="n_lesions must be at least 1"):
        plan_full_test(0, 0)


@pytest.fixture(scope="module")
def full_one_worker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("full_w1")
    generate_full_test_dataset(root, seed=0, n_lesions=SMALL_LESIONS, workers=1)
    return root


def test_one_or_two_workers_give_the_same_bytes(full_one_worker: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    manifest = generate_full_test_dataset(
        tmp_path,
        seed=0,
        n_lesions=SMALL_LESIONS,
        workers=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert _tree(tmp_path) == _tree(full_one_worker)
    assert not (tmp_path / JOURNAL_DIR).exists()
    assert len(manifest.records) == SMALL_LESIONS
    assert {r.split for r in manifest.records} == {"test"}
    assert manifest.dataset == "synthetic-demo-full" and manifest.synthetic
    assert manifest.generator["variant"] == "demo-full"
    total = len(plan_full_test(0, SMALL_LESIONS))
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [done for done, _ in calls] == list(range(total + 1))


def test_demo_with_two_workers_matches_one(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    generate_synthetic_dataset(one, seed=2, n_patients=4, workers=1)
    generate_synthetic_dataset(two, seed=2, n_patients=4, workers=2)
    assert _tree(one) == _tree(two)


class _Stop(Exception):
    pass


def test_interrupted_generation_leaves_no_manifest_and_a_rerun_completes(
    full_one_worker: Path, tmp_path: Path
) -> None:
    def stop_after_two(done: int, total: int) -> None:
        if done == 2:
            raise _Stop

    with pytest.raises(_Stop):
        generate_full_test_dataset(
            tmp_path, seed=0, n_lesions=SMALL_LESIONS, progress=stop_after_two
        )
    assert not (tmp_path / MANIFEST_NAME).exists()
    assert len(list((tmp_path / JOURNAL_DIR).glob("*.json"))) == 2
    calls: list[tuple[int, int]] = []
    generate_full_test_dataset(
        tmp_path,
        seed=0,
        n_lesions=SMALL_LESIONS,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[0][0] == 2  # the two finished patients were not rendered again
    assert _tree(tmp_path) == _tree(full_one_worker)


def test_a_journal_of_other_settings_is_not_reused(full_one_worker: Path, tmp_path: Path) -> None:
    def stop(done: int, total: int) -> None:
        if done == 1:
            raise _Stop

    with pytest.raises(_Stop):
        generate_full_test_dataset(tmp_path, seed=5, n_lesions=SMALL_LESIONS, progress=stop)
    calls: list[tuple[int, int]] = []
    generate_full_test_dataset(
        tmp_path, seed=0, n_lesions=SMALL_LESIONS, progress=lambda d, t: calls.append((d, t))
    )
    assert calls[0][0] == 0
    assert _tree(tmp_path) == _tree(full_one_worker)


@pytest.mark.parametrize("workers", [0, -1, 65])
def test_bad_worker_counts_are_refused(tmp_path: Path, workers: int) -> None:
    with pytest.raises(UserError, match="--workers must be between 1 and 64"):
        generate_full_test_dataset(tmp_path, n_lesions=2, workers=workers)
    assert not any(tmp_path.iterdir())


def test_catalog_resolves_demo_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full_one_worker: Path
) -> None:
    monkeypatch.setenv("PETAR_BENCH_CACHE", str(tmp_path))
    monkeypatch.setattr(synthetic, "FULL_TEST_LESIONS", SMALL_LESIONS)
    handle = catalog.resolve_dataset("demo-full")
    assert handle.name == "synthetic-demo-full"
    assert handle.root == catalog.demo_full_root() and handle.root.parent.parent == tmp_path
    assert len(handle.manifest.split("test")) == SMALL_LESIONS
    assert _tree(handle.root) == _tree(full_one_worker)
    assert not list(handle.root.parent.glob("*.partial"))
    again = catalog.resolve_dataset("synthetic-demo-full")
    assert again.manifest == handle.manifest
    from petar_bench.registry import datasets

    assert "demo-full" in {entry.name for entry in datasets.entries()}


def test_catalog_resumes_an_interrupted_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full_one_worker: Path
) -> None:
    monkeypatch.setenv("PETAR_BENCH_CACHE", str(tmp_path))
    monkeypatch.setattr(synthetic, "FULL_TEST_LESIONS", SMALL_LESIONS)

    def stop(done: int, total: int) -> None:
        if done == 1:
            raise _Stop

    with pytest.raises(_Stop):
        catalog.ensure_demo_full(progress=stop)
    assert not (catalog.demo_full_root() / MANIFEST_NAME).exists()
    calls: list[int] = []
    handle = catalog.ensure_demo_full(progress=lambda done, total: calls.append(done))
    assert calls[0] == 1
    assert _tree(handle.root) == _tree(full_one_worker)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--workers", "0"], "--workers must be between 1 and 64, not 0"),
        (["--workers", "1000"], "--workers must be between 1 and 64, not 1000"),
        (["--dataset", "demo-ful"], "did you mean 'demo-full'"),
    ],
)
def test_data_synth_refuses_bad_options_in_one_line(
    args: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(["data", "synth", "--output", str(tmp_path / "out"), *args], capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    assert needle in lines[0]


def test_data_synth_demo_full_into_a_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    full_one_worker: Path,
) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(synthetic, "FULL_TEST_LESIONS", SMALL_LESIONS)
    out = tmp_path / "full"
    code, stdout, err = _cli(
        ["data", "synth", "--dataset", "demo-full", "--workers", "2", "--output", str(out)],
        capsys,
    )
    assert code == 0, err
    assert f"test {SMALL_LESIONS}" in stdout and "synthetic-demo-full" in stdout
    assert _tree(out) == _tree(full_one_worker)
    code, _, err = _cli(["data", "synth", "--dataset", "demo-full", "--output", str(out)], capsys)
    assert code == 2 and "already holds a dataset" in err


def test_concurrent_first_uses_generate_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full_one_worker: Path
) -> None:
    import threading

    monkeypatch.setenv("PETAR_BENCH_CACHE", str(tmp_path))
    monkeypatch.setattr(synthetic, "FULL_TEST_LESIONS", SMALL_LESIONS)
    real = synthetic.generate_full_test_dataset
    calls: list[Path] = []

    def counted(root: Path, **kwargs: object) -> object:
        calls.append(root)
        return real(root, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(synthetic, "generate_full_test_dataset", counted)
    handles: list[catalog.DatasetHandle] = []
    threads = [
        threading.Thread(target=lambda: handles.append(catalog.ensure_demo_full()))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(handles) == 2
    assert handles[0].manifest == handles[1].manifest
    assert _tree(handles[0].root) == _tree(full_one_worker)
