"""Where METEOR's time goes, and whether splitting the batch over two JVMs helps.

Cold start to finish, on the lexical benchmark's 2,350 synthetic findings (PTB-tokenised):
one METEOR 1.5 JVM answering all `SCORE` requests, against K JVMs started together, each
answering its share in parallel. Also printed: the time one JVM takes to answer its first
request (start-up: JVM plus the paraphrase table) against the time for the rest. Answers of
the split run must equal the single run's.

    python benchmarks/meteor_jvms.py [--n 2350] [--jvms 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "metrics"))
from lexical_corpus import pairs  # noqa: E402


def start_jvm() -> object:
    from petar_bench.metrics import _meteor as meteor
    from petar_bench.metrics._java import LineProcess, java_executable

    jar = meteor.meteor_jar()
    command = [str(java_executable()), "-Xmx2G", "-Dfile.encoding=UTF-8", "-jar", str(jar)]
    command += ["-", "-", "-stdio", "-l", "en", "-norm"]
    return LineProcess(command, cwd=jar.parent, name="meteor", timeout_s=300)


def requests(n: int, seed: int) -> list[str]:
    from petar_bench.metrics._coco import coco_tokens
    from petar_bench.metrics._meteor import _clean
    from petar_bench.metrics._normalize import normalize_text

    preds, refs = pairs(n, seed)
    hyp, ref = coco_tokens([normalize_text(p) for p in preds], [normalize_text(r) for r in refs])
    return [f"SCORE ||| {_clean(r)} ||| {_clean(h)}" for h, r in zip(hyp, ref, strict=True)]


def one_jvm(lines: list[str]) -> tuple[float, float, list[str]]:
    start = time.perf_counter()
    process = start_jvm()
    first = process.ask(lines[:1], 1)  # type: ignore[attr-defined]
    ready = time.perf_counter() - start
    rest = process.ask(lines[1:], len(lines) - 1)  # type: ignore[attr-defined]
    total = time.perf_counter() - start
    process.close()  # type: ignore[attr-defined]
    return ready, total, first + rest


def many_jvms(lines: list[str], k: int) -> tuple[float, list[str]]:
    start = time.perf_counter()
    processes = [start_jvm() for _ in range(k)]
    size = -(-len(lines) // k)
    parts: list[list[str]] = [[] for _ in range(k)]

    def work(i: int) -> None:
        chunk = lines[i * size : (i + 1) * size]
        parts[i] = processes[i].ask(chunk, len(chunk))  # type: ignore[attr-defined]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.perf_counter() - start
    for p in processes:
        p.close()  # type: ignore[attr-defined]
    return total, [a for part in parts for a in part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2350)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jvms", type=int, default=2)
    args = parser.parse_args()
    lines = requests(args.n, args.seed)
    ready, single, answers = one_jvm(lines)
    split, split_answers = many_jvms(lines, args.jvms)
    print(f"{args.n} METEOR requests, {os.cpu_count()} CPUs")
    print(
        f"1 JVM: {single:6.2f} s (first answer after {ready:.2f} s: start-up {ready / single:.0%})"
    )
    print(f"{args.jvms} JVMs: {split:6.2f} s  ratio {split / single:.2f}x of one JVM")
    print(f"same answers: {answers == split_answers}")


if __name__ == "__main__":
    main()
