"""GREEN judge answers survive an interrupted pass: the second pass asks only what is new."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from petar_bench.metrics._normalize import normalize_text
from petar_bench.metrics.base import ScoringContext
from petar_bench.metrics.green._backends import JudgeBackend, JudgeReply
from petar_bench.metrics.green._cache import AnswerCache
from petar_bench.metrics.green._metric import GreenMetric

DATA = Path(__file__).resolve().parents[1] / "data" / "green"
CASES = json.loads((DATA / "green_repro_cases.json").read_text())["cases"]


class RecordedJudge(JudgeBackend):
    """Answers with GREEN's recorded outputs; can crash after N answers."""

    name = "recorded"

    def __init__(self, rev: str = "r1", crash_after: int | None = None) -> None:
        self.asked: list[str] = []
        self.rev = rev
        self.crash_after = crash_after

    def identity(self) -> dict[str, str]:
        return {"judge": "recorded-judge", "rev": self.rev, "budget": "total2048"}

    def generate(self, texts: Sequence[str]) -> list[JudgeReply]:
        out = []
        for text in texts:
            if self.crash_after is not None and len(self.asked) >= self.crash_after:
                raise KeyboardInterrupt("pre-empted")
            self.asked.append(text)
            case = next(c for c in CASES if " ".join(c["candidate"].split()) in text)
            out.append(JudgeReply(case["judge_output"]))
        return out


def _score(judge: JudgeBackend) -> object:
    metric = GreenMetric(judge=judge)
    preds = [normalize_text(c["candidate"]) for c in CASES] * 8  # 40 samples, many chunks
    refs = [normalize_text(c["reference"]) for c in CASES] * 8
    return metric.statistics(preds, refs, ScoringContext(sample_ids=[str(i) for i in range(40)]))


def test_an_interrupted_pass_resumes_from_the_answers_on_disk(monkeypatch) -> None:
    monkeypatch.setattr("petar_bench.metrics.green._backends.STREAM_CHUNK", 2)
    with pytest.raises(KeyboardInterrupt):
        _score(RecordedJudge(crash_after=3))  # 2 answers reach the disk, then a crash
    second = RecordedJudge()
    stats = _score(second)
    assert len(second.asked) == 3  # 5 distinct inputs, 2 already answered
    assert stats.extras["n_cached_answers"] == 2 * 8  # samples whose answer was on disk
    assert stats.values[:5, 0].tolist() == pytest.approx([0, 1 / 6, 1 / 3, 1 / 2, 1 / 4])


def test_another_judge_revision_never_reuses_answers() -> None:
    _score(RecordedJudge(rev="r1"))
    other = RecordedJudge(rev="r2")
    _score(other)
    assert len(other.asked) == 5


def test_failed_requests_are_not_stored(tmp_path: Path) -> None:
    class Flaky(RecordedJudge):
        def generate(self, texts: Sequence[str]) -> list[JudgeReply]:
            self.asked += list(texts)
            return [JudgeReply("", error="request failed: 503") for _ in texts]

    cache = AnswerCache(Flaky(), root=tmp_path)
    replies, cached = cache.ask(Flaky(), ["a", "b"])
    assert [r.error for r in replies] == ["request failed: 503"] * 2 and cached == 0
    assert not (tmp_path / cache.path.name).exists() or cache.path.read_text() == ""


def test_a_torn_last_line_is_a_miss(tmp_path: Path) -> None:
    judge = RecordedJudge()
    cache = AnswerCache(judge, root=tmp_path)
    text = f"... {normalize_text(CASES[0]['candidate'])} ..."
    cache.ask(judge, [text])
    with open(cache.path, "a") as handle:
        handle.write('{"k": "abc", "te')  # a crash mid-write
    again = RecordedJudge()
    replies, cached = AnswerCache(again, root=tmp_path).ask(again, [text])
    assert cached == 1 and again.asked == [] and replies[0].text == CASES[0]["judge_output"]
