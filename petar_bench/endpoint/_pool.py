"""A bounded pool that keeps requests in flight: no batch waits for its slowest member.

`in_flight` pulls work from an iterator only as slots free up (so inputs are prepared just in
time and memory stays bounded), keeps up to `concurrency` calls running, and yields each
outcome the moment it is ready, in completion order. The caller stores every outcome as it
arrives, so a killed process loses only the calls that were still in the air.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    """One finished call: its input, its position in the input order, and result or error."""

    index: int
    item: T
    result: R | None = None
    error: BaseException | None = None


def in_flight(
    call: Callable[[T], R], items: Iterable[T], *, concurrency: int
) -> Iterator[Outcome[T, R]]:
    """Run `call` over `items` with at most `concurrency` calls at once; yield outcomes as
    they finish. An exception in a call is its outcome's `error`, never raised here."""
    width = max(1, int(concurrency))
    source = enumerate(items)
    running: dict[Future[R], tuple[int, T]] = {}
    with ThreadPoolExecutor(max_workers=width, thread_name_prefix="endpoint") as pool:
        try:
            while True:
                for index, item in source:
                    running[pool.submit(call, item)] = (index, item)
                    if len(running) >= width:
                        break
                if not running:
                    return
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    index, item = running.pop(future)
                    error = future.exception()
                    if error is None:
                        yield Outcome(index, item, result=future.result())
                    else:
                        yield Outcome(index, item, error=error)
        finally:
            # The consumer stopped early (an error, a budget): do not start queued work.
            for future in running:
                future.cancel()
