"""A crash-safe store of GREEN judge answers, so an interrupted GREEN pass resumes.

Judging 1,175 findings with a 7B model takes a long time; losing every answer to a crash or a
pre-empted job is not acceptable. Answers are appended to a JSONL file per judge identity
(model, revision, token budget, and the server URL when the revision is unknown), keyed by
the sha256 of the exact rendered judge input, and fsync'd after every chunk. Only answers
that came back are stored (failed requests are asked again next time). A torn or unreadable
line is skipped: a failed cache read is a miss, never a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from petar_bench.fileio import decode_json_bytes
from petar_bench.hashing import sha256_json
from petar_bench.metrics.green.backends import JudgeBackend, JudgeReply
from petar_bench.paths import cache_dir

#: Answers asked per chunk; each chunk is on disk before the next is asked.
CHUNK = 16
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
                row = decode_json_bytes(line)
                self.answers[row["k"]] = JudgeReply(
                    text=row["text"],
                    output_truncated=bool(row.get("output_truncated", False)),
                    total_tokens=row.get("total_tokens"),
                )
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line after a crash

    def _append(self, pairs: Sequence[tuple[str, JudgeReply]]) -> None:
        rows = [
            json.dumps(
                {
                    "k": key,
                    "text": r.text,
                    "output_truncated": r.output_truncated,
                    "total_tokens": r.total_tokens,
                },
                ensure_ascii=False,
            )
            for key, r in pairs
            if r.error is None and not r.prompt_truncated
        ]
        if not rows:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write("".join(row + "\n" for row in rows))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError:
            pass  # an unwritable cache costs a re-ask later, never the scores

    def ask(
        self, generate: Callable[[Sequence[str]], list[JudgeReply]], texts: Sequence[str]
    ) -> tuple[list[JudgeReply], int]:
        """Answers to `texts` in order, asking `generate` only for the ones not on disk;
        returns the answers and how many came from the cache."""
        keys = [_text_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self.answers))
        text_of = dict(zip(keys, texts, strict=True))
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            replies = generate([text_of[k] for k in chunk])
            self._append(list(zip(chunk, replies, strict=True)))
            for key, reply in zip(chunk, replies, strict=True):
                if reply.error is None and not reply.prompt_truncated:
                    self.answers[key] = reply
                else:
                    self.answers.setdefault(key, reply)  # this run's failure, not stored
        n_cached = sum(1 for k in keys if k not in missing)
        return [self.answers[k] for k in keys], n_cached
