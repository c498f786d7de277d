"""METEOR 1.5's English resources, read from the jar that pycocoevalcap ships.

The jar carries the function-word list, the non-breaking prefixes of its normaliser and
WordNet's synsets and morphological exceptions (`synonym/english.*`); the paraphrase table
(`data/paraphrase-en.gz`, 5.3 million entries) sits next to it. Nothing of these is copied
into this repository: they are read at run time from the installed package.

The paraphrase table is a gzip text of three-line records (probability, phrase, paraphrase).
Scanning it takes tens of seconds, so on first use it is turned once into an SQLite index in
the user cache (`$PETAR_BENCH_CACHE/meteor/`: about 120 MB, ~20 s and ~0.7 GB of memory on
one core; written to a temporary name and renamed into place, so a crashed build leaves
nothing half-written). The index holds the table as the jar holds it: a trie over phrases
whose states carry the paraphrases that end there, in the table's order.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import re
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

from petar_bench.metrics.errors import MetricUnavailable

INDEX_VERSION = 1
#: StringTokenizer's default delimiters: the only characters the jar splits words on.
SPLIT_CHARS = " \t\n\r\f"
_lock = threading.Lock()


def split_words(text: str) -> list[str]:
    """Words as java.util.StringTokenizer finds them (only space, tab, CR, LF, FF split)."""
    for ch in "\t\n\r\f":
        if ch in text:
            text = text.replace(ch, " ")
    return [w for w in text.split(" ") if w]


def java_lines(text: str) -> list[str]:
    """Lines as BufferedReader.readLine returns them (\\n, \\r or \\r\\n end a line)."""
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def jar_path() -> Path:
    from petar_bench.metrics._meteor import meteor_jar

    return meteor_jar()


def _jar_text(member: str) -> str:
    with zipfile.ZipFile(jar_path()) as jar:
        return jar.read(member).decode("utf-8")


@functools.lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    return frozenset(java_lines(_jar_text("function/english.words")))


@functools.lru_cache(maxsize=1)
def nonbreaking_prefixes() -> dict[str, int]:
    """prefix -> 1 (always non-breaking) or 2 (only before a number), as the jar reads them."""
    out: dict[str, int] = {}
    for line in java_lines(_jar_text("nonbreaking/english.prefixes")):
        tokens = split_words(line)
        if not tokens or tokens[0].startswith("#"):
            continue
        numeric = len(tokens) > 1 and tokens[1] == "#NUMERIC_ONLY#"
        out[tokens[0]] = 2 if numeric else 1
    return out


class SynonymTables:
    """WordNet synsets per word and base forms per inflected form, as the jar loads them; a
    word's synset line is parsed only when the word is looked up (147,000 entries)."""

    def __init__(self, synsets: str, exceptions: str) -> None:
        lines = java_lines(synsets)
        # Later entries of a word replace earlier ones (Hashtable.put).
        self._raw = dict(zip(lines[0::2], lines[1::2], strict=False))
        self._parsed: dict[str, frozenset[int]] = {}
        self.bases: dict[str, list[str]] = {}
        lines = java_lines(exceptions)
        for k in range(0, len(lines) - 1, 2):
            for form in split_words(lines[k + 1]):
                self.bases.setdefault(form, []).append(lines[k])

    def __contains__(self, word: str) -> bool:
        return word in self._raw

    def synsets(self, word: str) -> frozenset[int]:
        found = self._parsed.get(word)
        if found is None:
            raw = self._raw.get(word)
            found = frozenset(int(t) for t in split_words(raw)) if raw else frozenset()
            self._parsed[word] = found
        return found


@functools.lru_cache(maxsize=1)
def synonym_tables() -> SynonymTables:
    return SynonymTables(
        _jar_text("synonym/english.synsets"), _jar_text("synonym/english.exceptions")
    )


def paraphrase_file() -> Path:
    path = jar_path().parent / "data" / "paraphrase-en.gz"
    if not path.is_file():
        raise MetricUnavailable("meteor", f"METEOR's paraphrase table is missing: {path}")
    return path


def _records(path: Path) -> Iterator[tuple[str, str]]:
    """(phrase, paraphrase) in table order, each as space-joined words."""
    with gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="\n") as lines:
        for _prob in lines:
            phrase = next(lines, "")
            para = next(lines, "")
            yield " ".join(split_words(phrase)), " ".join(split_words(para))


def index_path() -> Path:
    """Where the index of this table lives: keyed by the table's size and mtime."""
    from petar_bench._paths import cache_dir

    table = paraphrase_file()
    stat = table.stat()
    key = hashlib.sha256(f"{table.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return cache_dir() / "meteor" / f"paraphrase-en-v{INDEX_VERSION}-{key.hexdigest()[:12]}.db"


def build_index(table: Path, target: Path) -> Path:
    """Write the trie of `table` to `target` (SQLite), atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    emits: dict[str, list[str]] = {}
    for phrase, para in _records(table):
        found = emits.get(phrase)
        if found is None:
            emits[phrase] = [para]
        else:
            found.append(para)
    states: dict[str, str | None] = {}
    for phrase in emits:
        words = phrase.split(" ")
        for n in range(1, len(words)):
            states.setdefault(" ".join(words[:n]), None)
    for phrase, paras in emits.items():
        states[phrase] = "\n".join(paras)
    del emits
    db = sqlite3.connect(tmp)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("CREATE TABLE state (phrase TEXT PRIMARY KEY, emits TEXT) WITHOUT ROWID")
        db.executemany("INSERT INTO state VALUES (?, ?)", sorted(states.items()))
        db.commit()
    finally:
        db.close()
    os.replace(tmp, target)
    return target


class ParaphraseIndex:
    """Read-only lookups in the trie: is `phrase` a state, and which paraphrases end there."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._db_lock = threading.Lock()  # one connection, shared by threads
        self._cache: dict[str, tuple[bool, tuple[str, ...]]] = {}
        self._entries: dict[str, tuple[bool, tuple[tuple[str, str, int], ...]]] = {}

    def state(self, phrase: str) -> tuple[bool, tuple[str, ...]]:
        """(phrase is a trie state, paraphrases emitted there in table order)."""
        found = self._cache.get(phrase)
        if found is None:
            with self._db_lock:
                query = "SELECT emits FROM state WHERE phrase = ?"
                row = self._db.execute(query, (phrase,)).fetchone()
            if row is None:
                found = (False, ())
            elif row[0] is None:
                found = (True, ())
            else:
                found = (True, tuple(row[0].split("\n")))
            self._cache[phrase] = found
        return found

    def entries(self, phrase: str) -> tuple[bool, tuple[tuple[str, str, int], ...]]:
        """`state`, with each paraphrase as (first word, paraphrase, number of words)."""
        found = self._entries.get(phrase)
        if found is None:
            exists, emits = self.state(phrase)
            found = (exists, tuple((e.split(" ", 1)[0], e, e.count(" ") + 1 if e else 0)
                                   for e in emits))  # fmt: skip
            self._entries[phrase] = found
        return found


@functools.lru_cache(maxsize=1)
def paraphrase_index() -> ParaphraseIndex:
    """The index of the installed table, built on first use (see the module docstring)."""
    with _lock:
        path = index_path()
        try:
            if not path.is_file():
                build_index(paraphrase_file(), path)
            return ParaphraseIndex(path)
        except (OSError, sqlite3.Error) as exc:
            raise MetricUnavailable(
                "meteor",
                f"could not build or open the paraphrase index {path} ({exc}); "
                "set PETAR_BENCH_CACHE to a writable folder",
            ) from None
