"""A crash-safe store of GREEN judge answers, so an interrupted GREEN pass resumes.

Judging 1,175 findings with a 7B model takes a long time; losing every answer to a crash or a
pre-empted job is not acceptable. Answers are appended to a JSONL file per judge identity
(model, revision, token budget, and the server URL when the revision is unknown), keyed by
the sha256 of the exact rendered judge input, and fsync'd as each answer arrives. Only answers
that came back are stored (failed requests are asked again next time). A torn or unreadable
line is skipped: a failed cache read is a miss, never a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from petar_bench._hashing import sha256_json
from petar_bench._paths import cache_dir
from petar_bench.fileio import decode_json_bytes
from petar_bench.metrics.green._backends import JudgeBackend, JudgeReply

if TYPE_CHECKING:
    from petar_bench.jsontypes import JsonValue

#: Where answers go (default: <PETAR_BENCH_CACHE>/green).
CACHE_ENV = "PETAR_BENCH_GREEN_CACHE"


def answers_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else cache_dir() / "green"


def judge_key(judge: JudgeBackend) -> str:
    """Which judge answered: what makes two answers to one input interchangeable."""
    identity = dict(judge.identity())
    if identity.get("rev", "unknown") == "unknown":
        # Without a revision, a name alone could hide a different model: pin the endpoint.
        identity["endpoint"] = str(getattr(judge, "base", getattr(judge, "model_id", "")))
    identity["backend"] = judge.name
    return sha256_json(identity)[:24]


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AnswerCache:
    """Judge answers of one judge identity, on disk under `<cache>/green/`."""

    def __init__(self, judge: JudgeBackend, root: Path | None = None) -> None:
        self.path = (root or answers_dir()) / f"answers-{judge_key(judge)}.jsonl"
        self.answers: dict[str, JudgeReply] = {}
        self._read()

    def _read(self) -> None:
        try:
            lines = self.path.read_bytes().split(b"\n")
        except OSError:
            return
        for line in lines:
            try:
                stored = _stored_answer(decode_json_bytes(line))
            except ValueError:
                continue  # a torn last line after a crash
            if stored is not None:
                self.answers[stored[0]] = stored[1]

    def _append(self, key: str, reply: JudgeReply) -> None:
        """Put one answer on disk (whole line, fsync'd) before anything else happens."""
        if reply.error is not None or reply.prompt_truncated:
            return  # failures are asked again next time; over-budget prompts are recounted
        row = json.dumps(
            {
                "k": key,
                "text": reply.text,
                "output_truncated": reply.output_truncated,
                "total_tokens": reply.total_tokens,
                "prompt_tokens": reply.prompt_tokens,
            },
            ensure_ascii=False,
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(row + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError:
            pass  # an unwritable cache costs a re-ask later, never the scores

    def ask(self, judge: JudgeBackend, texts: Sequence[str]) -> tuple[list[JudgeReply], int]:
        """Answers to `texts` in order, asking the judge only for the ones not on disk; each
        new answer is stored as it arrives (requests stay in flight, no batch waits).
        Returns the answers and how many came from the cache."""
        keys = [_text_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self.answers))
        text_of = dict(zip(keys, texts, strict=True))
        for index, reply in judge.generate_stream([text_of[k] for k in missing]):
            key = missing[index]
            self._append(key, reply)
            if reply.error is None and not reply.prompt_truncated:
                self.answers[key] = reply
            else:
                self.answers.setdefault(key, reply)  # this run's failure, not stored
        n_cached = len(keys) - sum(1 for k in keys if k in set(missing))
        return [self.answers[k] for k in keys], n_cached


def _stored_answer(row: JsonValue) -> tuple[str, JudgeReply] | None:
    """(key, answer) of one stored line; None for a line that is not one (a torn write)."""
    if not isinstance(row, dict):
        return None
    key, text = row.get("k"), row.get("text")
    if not isinstance(key, str) or not isinstance(text, str):
        return None
    return key, JudgeReply(
        text=text,
        output_truncated=bool(row.get("output_truncated", False)),
        total_tokens=_count(row.get("total_tokens")),
        prompt_tokens=_count(row.get("prompt_tokens")),
    )


def _count(value: JsonValue) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
