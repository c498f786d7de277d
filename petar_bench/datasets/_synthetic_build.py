"""Writing the synthetic patients: in order or in worker processes, streamed, resumable.

Every patient is rendered and written on its own (one exam in memory per process) by
`synthetic.write_patient`, which depends only on (seed, plan): so the files are the same
bytes whichever process writes them and in whatever order. Each finished patient leaves a
small journal file (its records, as JSON) under ``root/.synthetic-journal/``; the manifest is
assembled from the journals in patient order at the end. Hence:

- memory stays flat in the number of patients (only the lesion records, a few kB each, are
  gathered, and only at the end);
- ``workers`` processes (spawned, not forked: no inherited locks or handles) give the same
  bytes as one;
- an interrupted generation leaves no manifest, and a rerun into the same folder renders only
  the patients without a journal.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from petar_bench._bounds import GENERATE_WORKERS_RANGE, check_range
from petar_bench._hashing import sha256_json

if TYPE_CHECKING:
    from petar_bench.datasets.synthetic import PatientPlan
    from petar_bench.records import LesionRecord

JOURNAL_DIR = ".synthetic-journal"
_JOURNAL_SCHEMA = 1
# Patients handed to the pool ahead of the ones running, so no worker waits for a task but
# no more than a few plans sit in the queue.
_IN_FLIGHT_PER_WORKER = 2


def check_workers(workers: int) -> int:
    """`workers` when it is a sensible process count, else a one-line UserError."""
    return check_range("--workers", workers, GENERATE_WORKERS_RANGE)


def journal_key(generator: dict[str, str | int], plan: PatientPlan) -> str:
    """What a journal entry must match to be reused: the generator settings and the plan."""
    return sha256_json({"generator": generator, "plan": repr(plan)})


def has_journal(root: Path) -> bool:
    return (Path(root) / JOURNAL_DIR).is_dir()


def _journal_path(root: Path, plan: PatientPlan) -> Path:
    return root / JOURNAL_DIR / f"{plan.folder}.json"


def _read_journal(root: Path, plan: PatientPlan, key: str) -> list[dict[str, Any]] | None:
    """The records a finished patient left, or None when it must be (re)written."""
    path = _journal_path(root, plan)
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    records = entry.get("records")
    return records if isinstance(records, list) else None


def write_one(task: tuple[str, PatientPlan, int, str]) -> int:
    """Render and write one patient, then its journal; returns the patient's index.

    A top-level function taking plain values, so spawned worker processes can run it."""
    from petar_bench.datasets.synthetic import write_patient
    from petar_bench.fileio import atomic_write_text

    root_text, plan, seed, key = task
    root = Path(root_text)
    records = write_patient(root, plan, seed)
    entry = {
        "schema": _JOURNAL_SCHEMA,
        "key": key,
        "records": [r.model_dump(mode="json") for r in records],
    }
    # Written after the patient's volumes, atomically: a journal means the patient is done.
    atomic_write_text(_journal_path(root, plan), json.dumps(entry, sort_keys=True) + "\n")
    return plan.index


def write_patients(
    root: Path,
    plans: Sequence[PatientPlan],
    *,
    seed: int,
    generator: dict[str, str | int],
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[LesionRecord]:
    """Write every patient not journaled yet; return all records in patient order."""
    from petar_bench.records import LesionRecord

    check_workers(workers)
    root = Path(root)
    (root / JOURNAL_DIR).mkdir(parents=True, exist_ok=True)
    keys = {plan.index: journal_key(generator, plan) for plan in plans}
    todo = [p for p in plans if _read_journal(root, p, keys[p.index]) is None]
    done = len(plans) - len(todo)
    if progress is not None:
        progress(done, len(plans))
    tasks = ((str(root), plan, seed, keys[plan.index]) for plan in todo)
    for _ in _run(tasks, workers):
        done += 1
        if progress is not None:
            progress(done, len(plans))
    records: list[LesionRecord] = []
    for plan in plans:
        entries = _read_journal(root, plan, keys[plan.index])
        if entries is None:  # removed or changed while we ran: never seal a partial dataset
            raise RuntimeError(f"journal of {plan.folder} is missing after it was written")
        records.extend(LesionRecord.model_validate(e) for e in entries)
    return records


def remove_journal(root: Path) -> None:
    shutil.rmtree(Path(root) / JOURNAL_DIR, ignore_errors=True)


def _run(tasks: Iterator[tuple[str, PatientPlan, int, str]], workers: int) -> Iterator[int]:
    """Indices of finished patients, as they finish; at most `workers` processes."""
    if workers == 1:
        yield from map(write_one, tasks)
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    pending: set[Future[int]] = set()
    try:
        for task in tasks:
            pending.add(pool.submit(write_one, task))
            if len(pending) >= _IN_FLIGHT_PER_WORKER * workers:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in finished)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (f.result() for f in finished)
    except BaseException:
        # Interrupted or a worker failed: drop the queued patients instead of finishing them.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
