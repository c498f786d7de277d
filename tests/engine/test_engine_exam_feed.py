"""The feed groups lesions by exam (each exam read by one process) and workers load ahead."""

from __future__ import annotations

import os
import time
from pathlib import Path

from petar_bench.engine._dataloading import ExamShards, LoadedSample, exam_order, iter_batches
from petar_bench.records import LesionRecord


def _record(sample: str, exam: str, patient: str = "p") -> LesionRecord:
    return LesionRecord(
        sample_id=sample,
        patient_id=patient,
        exam_id=exam,
        lesion_id=sample,
        tracer="FDG",
        split="test",
        pet_path="pet.nii.gz",
        ct_path="ct.nii.gz",
        mask_path=f"{sample}.nii.gz",
        reference="r",
    )


class Journal:
    """Map-style dataset that writes 'pid exam sample' to a file for every lesion it loads."""

    def __init__(self, records: list[LesionRecord], path: Path) -> None:
        self.records = records
        self.path = path

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> LoadedSample:
        record = self.records[index]
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {record.exam_id} {record.sample_id}\n")
        return LoadedSample(index, record.sample_id, None, "not loaded")


INTERLEAVED = [
    _record("a1", "A"),
    _record("b1", "B"),
    _record("a2", "A"),
    _record("c1", "C", patient="q"),
    _record("b2", "B"),
    _record("a3", "A"),
]


def test_exam_order_keeps_first_appearance_and_lesion_order():
    assert exam_order(INTERLEAVED) == [[0, 2, 5], [1, 4], [3]]
    assert exam_order([_record("x", "E", "p1"), _record("y", "E", "p2")]) == [[0], [1]]


def test_main_process_batches_follow_exams(tmp_path):
    journal = Journal(INTERLEAVED, tmp_path / "log")
    batches = list(iter_batches(journal, batch_size=4))
    assert [[s.sample_id for s in b] for b in batches] == [["a1", "a2", "a3", "b1"], ["b2", "c1"]]


def test_each_exam_is_read_by_one_worker_only(tmp_path):
    records = [_record(f"{exam}{i}", exam) for i in range(3) for exam in "ABCDE"]
    journal = Journal(records, tmp_path / "log")
    seen = [s.sample_id for b in iter_batches(journal, batch_size=2, num_workers=2) for s in b]
    assert sorted(seen) == sorted(r.sample_id for r in records)
    readers: dict[str, set[str]] = {}
    for line in (tmp_path / "log").read_text().splitlines():
        pid, exam, _ = line.split()
        readers.setdefault(exam, set()).add(pid)
    assert set(readers) == set("ABCDE")
    assert all(len(pids) == 1 for pids in readers.values())
    assert len(set().union(*readers.values())) == 2  # both workers took exams


def test_exam_shards_split_whole_exams_between_workers():
    groups = exam_order(INTERLEAVED)
    shards = ExamShards(list(range(len(INTERLEAVED))), groups)
    assert list(shards) == [0, 2, 5, 1, 4, 3]  # outside a worker: everything, exam by exam


def test_workers_load_ahead_of_the_consumer(tmp_path):
    """After the first batch arrives, and before another is asked for, the workers go on
    loading (prefetch): the journal grows past the first batch while the consumer waits."""
    records = [_record(f"s{i}", f"E{i}") for i in range(12)]
    journal = Journal(records, tmp_path / "log")
    batches = iter_batches(journal, batch_size=1, num_workers=2, prefetch_factor=2)
    first = next(batches)
    assert len(first) == 1
    deadline = time.monotonic() + 30
    loaded = 0
    while time.monotonic() < deadline:
        loaded = len((tmp_path / "log").read_text().splitlines())
        if loaded >= 4:
            break
        time.sleep(0.05)
    assert loaded >= 4  # 2 workers x prefetch 2 batches, though only 1 batch was consumed
    assert loaded < len(records)  # and not everything: loading is bounded by the prefetch
    rest = [s for b in batches for s in b]
    assert len(rest) == len(records) - 1
