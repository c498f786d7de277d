"""Test-wide settings: everything offline and deterministic."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def demo_dataset(tmp_path_factory: pytest.TempPathFactory):
    """The synthetic demo dataset, generated once per test session into a private cache.

    Under pytest-xdist the session's workers share that cache: the first to need the demo
    generates it and the others wait on the generator's own lock (the case of two users'
    processes), instead of each spending ~20 s of CPU on the same files."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    cache = shared / "petar-bench-cache"
    cache.mkdir(exist_ok=True)
    previous = os.environ.get("PETAR_BENCH_CACHE")
    os.environ["PETAR_BENCH_CACHE"] = str(cache)
    from petar_bench.datasets._catalog import ensure_demo

    try:
        yield ensure_demo()
    finally:
        if previous is None:
            os.environ.pop("PETAR_BENCH_CACHE", None)
        else:
            os.environ["PETAR_BENCH_CACHE"] = previous


@pytest.fixture(autouse=True)
def _private_green_answer_cache(tmp_path: pytest.TempPathFactory, monkeypatch) -> None:
    """Every test gets its own GREEN answer cache (answers never leak between tests)."""
    monkeypatch.setenv("PETAR_BENCH_GREEN_CACHE", str(tmp_path / "green-answers"))


@pytest.fixture(autouse=True)
def _private_rank_cache(tmp_path, monkeypatch) -> None:
    """Every test gets its own leaderboard rank cache (nothing written to the user's)."""
    monkeypatch.setenv("PETAR_BENCH_RANK_CACHE", str(tmp_path / "rank-cache"))
