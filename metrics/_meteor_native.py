"""METEOR 1.5 in Python: the jar's `-l en -norm` statistics, reproduced step by step.

What the jar does for `SCORE ||| reference ||| hypothesis`, and so what this module does:

1. Normalise both lines (`Normalizer.normalizeLine`, English, punctuation kept: a Moses-style
   tokeniser with quote, dash and dot rules and non-breaking prefixes), then lower-case.
2. Split into words on space/tab/CR/LF/FF only.
3. Collect candidate matches per reference word, module by module: exact (equal Java
   `String.hashCode`s), stem (Snowball English stems, words not already equal), synonym (a
   shared WordNet synset, directly or through the base form found by WordNet's morphology;
   words not equal) and paraphrase (phrases of the paraphrase table, both directions). If
   the two lines are equal word for word, only exact matches are collected.
4. Fix every match that is the only one for its words; then a beam search (40 partial
   alignments, ordered by weighted matched words with the aligner's weights 1, 0.5, 0.5, 0.5
   added into *integers*, then fewer chunks, then smaller distance) over reference
   positions picks the alignment. The jar's own quirks are kept: the integer truncation of
   the weighted counts, and a distance that is added to the parent path when it branches.
5. Count matched content and function words per module on each side, and the chunks of the
   final alignment: the 23 numbers of the jar's statistics line.

The scoring of those statistics (and their pooling) is shared with the jar route
(`meteor.meteor_scores`). The jar's data files are read from the installed package; see
`_meteor_data`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np

from petar_bench.metrics import _meteor_data as data

BEAM_SIZE = 40
#: Weights the aligner adds matched words with (MeteorScorer sets them for evaluation).
ALIGN_WEIGHTS = (1.0, 0.5, 0.5, 0.5)
N_MODULES = 4

# --- normaliser -------------------------------------------------------------------------
# Character ranges of Normalizer.java. Java's \p{Digit} and \p{Lower} are ASCII-only and its
# \s is [ \t\n\x0B\f\r]; Python's would be Unicode, so they are spelled out.
_ALPHA = (
    "A-Za-z\u0160\u017d\u0161\u017e\u0178\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017e"
    "\u0400-\u04ff\u0500-\u0527\ua640-\ua66e\ua67e-\ua697\u1d00-\u1d7f"
)
_ALNUM = "0-9" + _ALPHA
_JS = " \t\n\x0b\f\r"
_SEP_OTHER = re.compile(f"([^{_ALNUM}{_JS}.'`,\\-\u2018\u2019])")
_MULTI_DOT = re.compile(r"\.(\.+)")
_MULTI_DOT2 = re.compile(r"DOTMULTI\.([^.])")
_COMMA = re.compile(r"([^0-9]),([^0-9])")
_COMMA2 = re.compile(r"([0-9]),([^0-9])")
_COMMA3 = re.compile(r"([^0-9]),([0-9])")
_QUOTE = re.compile("[`\u2018\u2019]")
_QUOTE2 = re.compile("(?:[\u201c\u201d]|'')")
_RM_DASH = re.compile(f"([{_ALNUM}.])-([{_ALNUM}])")
_CONT1 = re.compile(f"([^{_ALPHA}])'([^{_ALPHA}])")
_CONT2 = re.compile(f"([^{_ALPHA}0-9])'([{_ALPHA}])")
_CONT3 = re.compile(f"([{_ALPHA}])'([^{_ALPHA}])")
_CONT4 = re.compile(f"([{_ALPHA}])'([{_ALPHA}])")
_CONT5 = re.compile(r"([0-9])'(s)")
_HAS_ALPHA = re.compile(f"[{_ALPHA}]")
_WHITE = re.compile("[ \u2000-\u200a\u202f\u205f\u3000\u00a0]+")


def _java_trim(text: str) -> str:
    """String.trim(): strips every character up to U+0020 at both ends."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def _java_len(word: str) -> int:
    """String.length(): UTF-16 code units."""
    return len(word) + sum(1 for ch in word if ord(ch) > 0xFFFF)


def normalize(line: str) -> str:
    """Normalizer.normalizeLine(line, English, keepPunctuation=true), then lower-cased.

    Each rule runs only when the characters it rewrites occur (the same result, faster)."""
    s = _SEP_OTHER.sub(r" \1 ", f" {line} ")
    if ".." in s:
        s = _MULTI_DOT.sub(r" DOTMULTI\1", s)
    while "DOTMULTI." in s:
        s = _MULTI_DOT2.sub(r"DOTDOTMULTI \1", s)
        s = s.replace("DOTMULTI.", "DOTDOTMULTI")
    if "," in s:
        s = _COMMA.sub(r"\1 , \2", s)
        s = _COMMA2.sub(r"\1 , \2", s)
        s = _COMMA3.sub(r"\1 , \2", s)
    if "`" in s or "\u2018" in s or "\u2019" in s:
        s = _QUOTE.sub("'", s)
    if "''" in s or "\u201c" in s or "\u201d" in s:
        s = _QUOTE2.sub(' " ', s)
    if "-" in s or "\u2013" in s:
        s = s.replace("\u2013", "-").replace("--", "-")
        s = _RM_DASH.sub(r"\1 \2", s)
    if "'" in s:
        s = _CONT1.sub(r"\1 ' \2", s)
        s = _CONT2.sub(r"\1 ' \2", s)
        s = _CONT3.sub(r"\1 ' \2", s)
        s = _CONT4.sub(r"\1 '\2", s)
        s = _CONT5.sub(r"\1 '\2", s)
    s = _nonbreaking(data.split_words(s))
    if "DOTMULTI" in s:
        while "DOTDOTMULTI" in s:
            s = s.replace("DOTDOTMULTI", "DOTMULTI.")
        s = s.replace("DOTMULTI", ".")
    return _java_trim(_WHITE.sub(" ", s)).lower()


def _nonbreaking(words: list[str]) -> str:
    """A word ending in '.' keeps its dot (prefix, acronym, or next word lower-case) or has it
    split off, as in the Moses tokeniser."""
    if not any(w.endswith(".") for w in words):
        return " ".join(words) + " " if words else ""
    prefixes = data.nonbreaking_prefixes()
    out = []
    last = len(words) - 1
    for i, word in enumerate(words):
        if _java_len(word) > 1 and word.endswith("."):
            pre = word[:-1]
            kind = prefixes.get(pre)
            nxt = words[i + 1] if i < last else ""
            if "." in pre and _HAS_ALPHA.search(pre):
                out.append(word.replace(".", ""))
            elif (
                kind == 1
                or "a" <= nxt[:1] <= "z"  # followed by a lower-case word ("" at the end)
                or (kind == 2 and "0" <= nxt[:1] <= "9")  # numeric-only prefix, number next
            ):
                out.append(word)
            else:
                out.append(pre + " .")
        else:
            out.append(word)
        out.append(" ")
    return "".join(out)


# --- word-level resources ---------------------------------------------------------------
@functools.lru_cache(maxsize=65536)
def java_hash(word: str) -> int:
    """String.hashCode() (the jar compares words by it), as an unsigned 32-bit value."""
    h = 0
    units = word.encode("utf-16-be")
    for k in range(0, len(units), 2):
        h = (31 * h + (units[k] << 8 | units[k + 1])) & 0xFFFFFFFF
    return h


@functools.lru_cache(maxsize=1)
def _stemmer() -> object:
    try:
        import Stemmer  # PyStemmer: the Snowball C code; equal to the jar's englishStemmer
    except ImportError:  # pragma: no cover - depends on the environment
        from petar_bench.metrics.errors import MetricUnavailable

        raise MetricUnavailable(
            "meteor", "the native METEOR needs PyStemmer: pip install 'petar-bench[coco]'"
        ) from None
    return Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=65536)
def stem_key(word: str) -> int:
    return java_hash(_stemmer().stemWord(word))  # type: ignore[attr-defined]


_SUFFIXES = (
    ("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
    ("men", "man"), ("ies", "y"), ("s", ""), ("ies", "y"), ("es", "e"), ("es", ""),
    ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", ""), ("er", ""), ("est", ""), ("er", "e"),
    ("est", "e"),
)  # fmt: skip


def _morph(word: str, tables: data.SynonymTables) -> str:
    """WordNet 3's suffix rules as SynonymDictionary.morph applies them ('' when none fits;
    no suffix ends in 'l', so its "-ful" branch never changes the result)."""
    if word.endswith("ss") or _java_len(word) <= 2:
        return word
    for suffix, ending in _SUFFIXES:
        if word.endswith(suffix):
            base = word[: len(word) - len(suffix)] + ending
            if base in tables:
                return base
    return ""


@functools.lru_cache(maxsize=65536)
def synset_ids(word: str) -> frozenset[int]:
    """The word's synsets plus those of its base form(s)."""
    tables = data.synonym_tables()
    own = tables.synsets(word)
    forms = tables.bases.get(word)
    if forms is not None:
        extra: set[int] = set()
        for base in forms:
            extra |= tables.synsets(base)
        return own | extra
    return own | tables.synsets(_morph(word, tables))


# --- matching ---------------------------------------------------------------------------
class Match:
    """One candidate: reference words [start, start+length) with hypothesis words
    [match_start, match_start+match_length), found by `module`."""

    __slots__ = ("add1", "add2", "length", "mask1", "mask2", "match_length", "match_start",
                 "module", "start")  # fmt: skip

    def __init__(
        self, module: int, start: int, length: int, match_start: int, match_length: int
    ) -> None:
        self.module = module
        self.start = start
        self.length = length
        self.match_start = match_start
        self.match_length = match_length
        self.mask2 = ((1 << length) - 1) << start  # reference words used, as bits
        self.mask1 = ((1 << match_length) - 1) << match_start  # hypothesis words used
        w = ALIGN_WEIGHTS[module]
        self.add1 = int(match_length * w)  # what the aligner adds to its integer counts
        self.add2 = int(length * w)


def _paraphrase_matches(
    source: Sequence[str], target: Sequence[str], index: data.ParaphraseIndex
) -> list[list[tuple[int, int, int]]]:
    """Per source position: (source length, target start, target length) for every table
    phrase starting there whose paraphrase occurs in `target`. Order as the jar's: phrases
    shortest first (its trie walk), table order within a length, target starts ascending."""
    present = set(target)
    ngrams: dict[int, dict[str, list[int]]] = {}
    out: list[list[tuple[int, int, int]]] = []
    for start in range(len(source)):
        found: list[tuple[int, int, int]] = []
        phrase = source[start]
        for end in range(start + 1, len(source) + 1):
            if end > start + 1:
                phrase = f"{phrase} {source[end - 1]}"
            exists, entries = index.entries(phrase)
            if not exists:
                break
            for first, para, n in entries:
                if n == 0:  # an empty paraphrase matches (zero words) everywhere
                    found.extend((end - start, j, 0) for j in range(len(target)))
                    continue
                if first not in present:
                    continue
                table = ngrams.get(n)
                if table is None:
                    table = ngrams[n] = {}
                    for j in range(len(target) - n + 1):
                        table.setdefault(" ".join(target[j : j + n]), []).append(j)
                found.extend((end - start, j, n) for j in table.get(para, ()))
        out.append(found)
    return out


def _positions(keys: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for i, k in enumerate(keys):
        out.setdefault(k, []).append(i)
    return out


def candidate_matches(
    test: Sequence[str], ref: Sequence[str], paraphrases: data.ParaphraseIndex | None
) -> list[list[Match]]:
    """Matches per reference position, in the order the jar's four stages add them (for each
    reference word, hypothesis words left to right)."""
    keys1 = [java_hash(w) for w in test]
    keys2 = [java_hash(w) for w in ref]
    matches: list[list[Match]] = [[] for _ in ref]
    by_key = _positions(keys1)
    for j, k2 in enumerate(keys2):
        for i in by_key.get(k2, ()):
            matches[j].append(Match(0, j, 1, i, 1))
    if len(test) == len(ref) and keys1 == keys2:
        return matches
    by_stem = _positions([stem_key(w) for w in test])
    for j, w in enumerate(ref):
        for i in by_stem.get(stem_key(w), ()):
            if keys1[i] != keys2[j]:
                matches[j].append(Match(1, j, 1, i, 1))
    syn1 = [(i, s) for i, s in enumerate(synset_ids(w) for w in test) if s]
    for j, w in enumerate(ref):
        y2 = synset_ids(w)
        if not y2:
            continue
        for i, y1 in syn1:
            if keys1[i] != keys2[j] and not y1.isdisjoint(y2):
                matches[j].append(Match(2, j, 1, i, 1))
    if paraphrases is not None:
        for j, found in enumerate(_paraphrase_matches(ref, test, paraphrases)):
            for length, i, n in found:
                matches[j].append(Match(3, j, length, i, n))
        for i, found in enumerate(_paraphrase_matches(test, ref, paraphrases)):
            for length, j, n in found:
                matches[j].append(Match(3, j, n, i, length))
    return matches


# --- alignment search -------------------------------------------------------------------
#: Matches a path chose, newest first: (match, rest) or None.
_Chosen = tuple[Match, "_Chosen"] | None


class _Path:
    """A partial alignment. Only the matches it chose are kept (as a linked list); the ones
    fixed up front live in the initial path's list, shared by all paths."""

    __slots__ = ("chosen", "chunks", "distance", "idx", "last_end", "m1", "m2", "used1", "used2")

    def __init__(self, used1: int, used2: int) -> None:
        self.chosen: _Chosen = None
        self.used1 = used1
        self.used2 = used2
        self.m1 = self.m2 = self.chunks = self.idx = self.distance = 0
        self.last_end = -1


def _rank(p: _Path) -> tuple[int, int, int]:
    return (-(p.m1 + p.m2), p.chunks, p.distance)


def _initial_matches(matches: list[list[Match]], n1: int) -> list[Match | None]:
    """Every match that is the only candidate for all of its words, fixed up front."""
    cover1 = [0] * n1
    cover2 = [0] * len(matches)
    for options in matches:
        for m in options:
            for k in range(m.match_start, m.match_start + m.match_length):
                cover1[k] += 1
            for k in range(m.start, m.start + m.length):
                cover2[k] += 1
    fixed: list[Match | None] = [None] * len(matches)
    for i, options in enumerate(matches):
        if len(options) != 1:
            continue
        m = options[0]
        if all(cover2[k] == 1 for k in range(i, i + m.length)) and all(
            cover1[k] == 1 for k in range(m.match_start, m.match_start + m.match_length)
        ):
            fixed[i] = m
    return fixed


def resolve(matches: list[list[Match]], n1: int, beam: int = BEAM_SIZE) -> list[Match | None]:
    """The beam search of Aligner.resolve; returns the best path's match per position."""
    n2 = len(matches)
    fixed = _initial_matches(matches, n1)
    used1 = used2 = 0
    for i, m in enumerate(fixed):
        if m is not None:
            used1 |= m.mask1
            used2 |= ((1 << m.length) - 1) << i
    next_paths = [_Path(used1, used2)]
    for current in range(n2 + 1):
        paths = sorted(next_paths, key=_rank) if len(next_paths) > 1 else next_paths
        next_paths = []
        bit = 1 << current
        for path in paths[:beam]:
            if current == n2:
                if path.last_end != -1:
                    path.chunks += 1
                next_paths.append(path)
                continue
            if path.used2 & bit:
                if current < path.idx:
                    next_paths.append(path)
                else:
                    m = fixed[path.idx]  # positions past idx hold only fixed matches
                    if m is not None:
                        path.m1 += m.add1
                        path.m2 += m.add2
                        if path.last_end != -1 and m.match_start != path.last_end:
                            path.chunks += 1
                        path.idx = m.start + m.length
                        path.last_end = m.match_start + m.match_length
                        path.distance += abs(m.start - m.match_start)
                        next_paths.append(path)
                continue
            for m in matches[current]:
                if path.used1 & m.mask1 or path.used2 & m.mask2:
                    continue
                new = _Path.__new__(_Path)
                new.chosen = (m, path.chosen)
                new.used1 = path.used1 | m.mask1
                new.used2 = path.used2 | m.mask2
                new.m1 = path.m1 + m.add1
                new.m2 = path.m2 + m.add2
                new.chunks = path.chunks
                if path.last_end != -1 and m.match_start != path.last_end:
                    new.chunks += 1
                new.idx = m.start + m.length
                new.last_end = m.match_start + m.match_length
                new.distance = path.distance
                path.distance += abs(m.start - m.match_start)  # sic: the parent's
                next_paths.append(new)
            if path.last_end != -1:
                path.chunks += 1
                path.last_end = -1
            path.idx += 1
            next_paths.append(path)
        if not next_paths:
            next_paths.append(paths[0])
    best = min(next_paths, key=_rank)
    alignment = fixed.copy()
    chosen = best.chosen
    while chosen is not None:
        m, chosen = chosen
        alignment[m.start] = m
    return alignment


def _chunks(alignment: list[Match | None]) -> int:
    chunks, idx, last_end = 0, 0, -1
    while idx < len(alignment):
        m = alignment[idx]
        if m is None:
            if last_end != -1:
                chunks += 1
                last_end = -1
            idx += 1
        else:
            if last_end != -1 and m.match_start != last_end:
                chunks += 1
            idx = m.start + m.length
            last_end = m.match_start + m.match_length
    return chunks + (1 if last_end != -1 else 0)


def align_stats(
    test: Sequence[str], ref: Sequence[str], paraphrases: data.ParaphraseIndex | None
) -> list[float]:
    """The jar's 23 statistics for one normalised, split hypothesis/reference pair."""
    fw = data.function_words()
    func1 = [w in fw for w in test]
    func2 = [w in fw for w in ref]
    best = resolve(candidate_matches(test, ref, paraphrases), len(test))
    counts = [[0, 0, 0, 0] for _ in range(N_MODULES)]  # test/ref content, test/ref function
    for m in best:
        if m is None:
            continue
        row = counts[m.module]
        for k in range(m.match_length):
            row[2 if func1[m.match_start + k] else 0] += 1
        for k in range(m.length):
            row[3 if func2[m.start + k] else 1] += 1
    out = [float(len(test)), float(len(ref)), float(sum(func1)), float(sum(func2))]
    for row in counts:
        out += [float(x) for x in row]
    test_matched = sum(r[0] + r[2] for r in counts)
    ref_matched = sum(r[1] + r[3] for r in counts)
    out += [float(_chunks(best)), float(test_matched), float(ref_matched)]
    return out


def _clean_field(text: str) -> str:
    """What the jar's stdio protocol leaves of a field: one line, '|||'-free, trimmed."""
    text = text.replace("\r", " ").replace("\n", " ").replace("|||", "").replace("  ", " ")
    return _java_trim(text)


def segment_stats(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> np.ndarray:
    """(n, 23) statistics as the jar's `SCORE` answers them (best reference per hypothesis)."""
    from petar_bench.metrics._meteor import meteor_scores

    paraphrases = data.paraphrase_index()
    normalised: dict[str, list[str]] = {}

    def words(text: str) -> list[str]:
        found = normalised.get(text)
        if found is None:
            found = normalised[text] = data.split_words(normalize(_clean_field(text)))
        return found

    rows: list[list[float]] = []
    for hyp, refs in zip(hypotheses, references, strict=True):
        test = words(hyp)
        best: list[float] | None = None
        best_score = -1.0
        for ref in refs:
            stats = align_stats(test, words(ref), paraphrases)
            score = float(meteor_scores(np.asarray([stats]))[0]) if len(refs) > 1 else 0.0
            if best is None or score > best_score:
                best, best_score = stats, score
        rows.append(best if best is not None else [0.0] * 23)
    return np.asarray(rows, dtype=np.float64).reshape(-1, 23)
