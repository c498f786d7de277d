"""Requests kept in flight against a slow OpenAI-compatible server: wall time vs n/W x latency.

A loopback server (tests/endpoint/loopback.py) answers every generation request after a fixed
latency. With W requests in flight and no batch barrier, n requests should take about
n / W x latency; the script prints wall / (n / W x latency) for three callers:

- the shared client's pool (`petar_bench.endpoint.in_flight`), plain completions;
- GREEN's server backend through its answer cache (each sample: /tokenize, then the judge);
- the `openai-vlm` adapter's stream (three PNG views rendered per lesion, then the request).

For comparison it also times the same client in batches of W that wait for their slowest
member (the old behaviour), with one answer in 8 slowed to 4x latency. The server runs in its
own process, as a real one would.

    python benchmarks/endpoint_inflight.py [--n 256] [--width 32] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "endpoint"))

from loopback import Loopback, Received, serve  # noqa: E402


def _ratio(wall: float, n: int, width: int, latency: float) -> str:
    ideal = n / width * latency
    return f"{wall:6.2f} s vs n/W x latency {ideal:5.2f} s: ratio {wall / ideal:4.2f}"


def bench_pool(url: str, n: int, width: int) -> float:
    from petar_bench.endpoint import EndpointClient, in_flight

    body = {"model": "loopback-model", "temperature": 0, "max_tokens": 8}
    with EndpointClient(url, connections=width) as client:
        started = time.perf_counter()
        for _ in in_flight(
            lambda i: client.post("/completions", {**body, "prompt": f"p{i}"}),
            range(n),
            concurrency=width,
        ):
            pass
        return time.perf_counter() - started


def bench_batches(url: str, n: int, width: int) -> float:
    """Batches of `width` that each wait for their slowest request."""
    from concurrent.futures import ThreadPoolExecutor

    from petar_bench.endpoint import EndpointClient

    body = {"model": "loopback-model", "temperature": 0, "max_tokens": 8}
    with EndpointClient(url, connections=width) as client, ThreadPoolExecutor(width) as pool:
        started = time.perf_counter()
        for start in range(0, n, width):
            prompts = [f"p{i}" for i in range(start, min(n, start + width))]
            list(pool.map(lambda p: client.post("/completions", {**body, "prompt": p}), prompts))
        return time.perf_counter() - started


def bench_green(url: str, n: int, width: int) -> float:
    from petar_bench.metrics.base import ScoringContext
    from petar_bench.metrics.green._metric import GreenMetric

    refs = [f"Focal FDG uptake in lesion {i} of the right lung." for i in range(n)]
    preds = [f"Lesion {i} in the right lung with uptake." for i in range(n)]
    with tempfile.TemporaryDirectory() as cache:
        os.environ["PETAR_BENCH_GREEN_CACHE"] = cache
        metric = GreenMetric(url=url, concurrency=width)
        started = time.perf_counter()
        stats = metric.statistics(
            preds, refs, ScoringContext(sample_ids=[str(i) for i in range(n)])
        )
        wall = time.perf_counter() - started
    assert stats.extras["n_not_judged"] == 0
    return wall


def bench_vlm(url: str, n: int, width: int) -> tuple[float, float]:
    """Wall time of the adapter's stream, and of rendering the same views alone."""
    from petar_bench.baselines.endpoint import openai_vlm
    from petar_bench.volumes._lesion import LesionInput

    rng = np.random.default_rng(0)
    pet = rng.gamma(2.0, 1.0, (48, 48, 48)).astype(np.float32)
    mask = np.zeros(pet.shape, dtype=bool)
    mask[20:26, 20:26, 20:26] = True
    lesions = [
        LesionInput(f"s{i}", "FDG", pet, pet * 10, mask, np.diag([2.0, 2.0, 3.0, 1.0]))
        for i in range(n)
    ]
    adapter = openai_vlm(base_url=url, concurrency=str(width), size_px="64")
    started = time.perf_counter()
    for lesion in lesions:
        adapter.image_urls(lesion)
    render = time.perf_counter() - started
    started = time.perf_counter()
    done = sum(1 for _ in adapter.generate_stream(lesions))
    assert done == n
    return time.perf_counter() - started, render


def _answer(request: Received) -> str:
    return "[Clinically Significant Errors]:\nNo errors.\n\n[Matched Findings]:\n1. match."


_SLOW_EXTRA_S = [0.0]  # set in the server process


def _uneven(request: Received) -> str:
    """One answer in 8 takes 4x the latency (the prompt 'p<i>' with i divisible by 8)."""
    if request.text[1:].isdigit() and int(request.text[1:]) % 8 == 0:
        time.sleep(_SLOW_EXTRA_S[0])
    return _answer(request)


def _server(latency: float, uneven: bool, urls: Any, stop: Any) -> None:
    """The loopback server in its own process, as a real server would be (no shared GIL)."""
    state = Loopback(respond=_uneven if uneven else _answer, context=None, latency_s=latency)
    _SLOW_EXTRA_S[0] = 3 * latency
    with serve(state):
        urls.put(state.url)
        stop.wait()


def _start(latency: float, uneven: bool = False) -> tuple[str, Any, Any]:
    context = mp.get_context("spawn")
    urls, stop = context.Queue(), context.Event()
    process = context.Process(target=_server, args=(latency, uneven, urls, stop), daemon=True)
    process.start()
    return urls.get(timeout=60), stop, process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256, help="requests (samples) per caller")
    parser.add_argument("--width", type=int, default=32, help="requests in flight")
    parser.add_argument("--latency", type=float, default=0.2, help="server seconds per answer")
    args = parser.parse_args()
    n, width, latency = args.n, args.width, args.latency
    print(f"{n} requests, {width} in flight, {latency:.2f} s server latency")
    url, stop, process = _start(latency)
    try:
        print("client pool      ", _ratio(bench_pool(url, n, width), n, width, latency))
        print("GREEN (cached)   ", _ratio(bench_green(url, n, width), n, width, latency))
        wall, render = bench_vlm(url, n, width)
        print("openai-vlm stream", _ratio(wall, n, width, latency))
        print(f"  (rendering the {n} lesions' PNG views alone, one thread: {render:.2f} s)")
    finally:
        stop.set()
        process.join(10)
    url, stop, process = _start(latency, uneven=True)
    try:
        pool = bench_pool(url, n, width)
        batches = bench_batches(url, n, width)
    finally:
        stop.set()
        process.join(10)
    print(
        f"uneven answers (1 in 8 takes 4x): in flight {pool:.2f} s, batches of {width} that "
        f"wait for their slowest {batches:.2f} s (ratio batches / in flight {batches / pool:.2f})"
    )


if __name__ == "__main__":
    main()
