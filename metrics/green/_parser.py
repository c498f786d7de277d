"""Reading the GREEN judge's output: the GREEN way, plus an honest 'could not read it'.

GREEN's score is matched / (matched + clinically significant errors (a)-(f)), and 0 when
nothing matched. We read the counts exactly as GREEN 0.0.12 does, so well-formed outputs
get GREEN's numbers to the last digit:

- a section is ``[Header]:`` up to the next blank line (or the end);
- a section that starts with "No" counts zero;
- the matched count is the integer that opens its section, followed by a period;
- each (a)-(f) line (or (1)-(6) when the judge numbers them) counts the first integer after
  ": " that is followed by a period; for a repeated prefix the last line (in sorted order)
  wins.

The score is always what GREEN's parser gives, on every failure mode (no section, a missing
category line, a count it cannot read, zero matched findings; see docs/metrics.md), so scores
compare with published GREEN numbers. GREEN hides unreadable output among real scores; we
also decide whether the output was readable at all (``parsed``): both sections present, a
readable matched count, and each of the six significant-error lines once with a readable
count. Unreadable outputs are counted (``n_unparsed``) with the reason, and warned about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SIGNIFICANT = "Clinically Significant Errors"
MATCHED = "Matched Findings"
LETTER_PREFIXES = tuple(f"({c}) " for c in "abcdef")
NUMBER_PREFIXES = tuple(f"({i}) " for i in range(1, 7))

_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL)
_LETTER_LINE = re.compile(r"\([a-f]\) .*")
_NUMBER_LINE = re.compile(r"\([1-6]\) .*")
_COUNT_AFTER_COLON = re.compile(r"(?<=: )\b\d+\b(?=\.)")
_LEADING_COUNT = re.compile(r"^\b\d+\b(?=\.)")


@dataclass(frozen=True)
class JudgeParse:
    """What one judge output says."""

    #: GREEN value used by the metric: what GREEN 0.0.12's own parser gives.
    score: float
    #: The same value (kept as its own field for readers of older statistics).
    upstream_score: float
    parsed: bool
    matched: int
    #: Clinically significant error counts (a)-(f).
    significant: tuple[int, int, int, int, int, int]
    #: Why the output was not readable (None when parsed).
    problem: str | None = None


def strip_think(text: str) -> str:
    """Remove reasoning blocks; an unclosed <think> drops everything after it, and a stray
    </think> (chat templates that open the block in the prompt) drops everything before it."""
    text = _THINK_BLOCK.sub("", text)
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    if "<think>" in text:
        text = text.split("<think>", 1)[0]
    return text


def clean_output(text: str) -> str:
    """GREEN's post-processing of a decoded judge answer, after removing <think> blocks."""
    text = strip_think(text)
    if "[Explanation]:" in text:
        if "<|assistant|>" in text:
            text = text.split("<|assistant|>")[-1]
        # GREEN keeps the part after the FIRST marker only when the prompt's own format
        # example is still in the text, otherwise the part after the last one.
        if "[Explanation]:\n    <Explanation>\n" in text:
            text = text.split("[Explanation]:")[1]
        else:
            text = text.split("[Explanation]:")[-1]
    if "<|assistant|>" in text:
        text = text.split("<|assistant|>")[-1]
    return text.replace("</s>", "").replace("<unk>", "")


def _section(text: str, header: str) -> str | None:
    match = re.search(rf"\[{re.escape(header)}\]:\s*(.*?)(?:\n\s*\n|\Z)", text, re.DOTALL)
    return None if match is None else match.group(1)


def _matched(section: str) -> tuple[int, str | None]:
    if section.startswith("No"):
        return 0, None
    counts = _LEADING_COUNT.findall(section)
    if counts:
        return int(counts[0]), None
    return 0, "matched count unreadable"


def _significant(section: str) -> tuple[list[int], str | None]:
    """Counts (a)-(f) the GREEN way, and the first reason the section is not trustworthy."""
    counts = [0] * 6
    if section.startswith("No"):
        return counts, None
    prefixes = LETTER_PREFIXES
    lines = sorted(_LETTER_LINE.findall(section))
    if not lines:
        prefixes, lines = NUMBER_PREFIXES, sorted(_NUMBER_LINE.findall(section))
    problem = None
    for position, prefix in enumerate(prefixes):
        mine = [line for line in lines if line.startswith(prefix)]
        readable = 0
        for line in mine:
            found = _COUNT_AFTER_COLON.findall(line)
            if found:
                counts[position] = int(found[0])
                readable += 1
        if problem is None and not mine:
            problem = f"error line {prefix.strip()} missing"
        elif problem is None and len(mine) > 1:
            problem = "sections not separated by a blank line"
        elif problem is None and readable == 0:
            problem = f"error count {prefix.strip()} unreadable"
    return counts, problem


def parse_judge_output(raw: str) -> JudgeParse:
    """Score one raw judge output (as decoded; cleaning happens here)."""
    text = clean_output(raw)
    sig_section = _section(text, SIGNIFICANT)
    matched_section = _section(text, MATCHED)
    matched_problem: str | None = "no [Matched Findings] section"
    matched = 0
    if matched_section is not None:
        matched, matched_problem = _matched(matched_section)
    sig_problem: str | None = "no [Clinically Significant Errors] section"
    significant = [0] * 6
    if sig_section is not None:
        significant, sig_problem = _significant(sig_section)
    upstream = 0.0 if matched == 0 else matched / (matched + sum(significant))
    problem = matched_problem or sig_problem
    if not text.strip():
        problem = "empty output"
    return JudgeParse(
        score=upstream,
        upstream_score=upstream,
        parsed=problem is None,
        matched=matched,
        significant=tuple(significant),  # type: ignore[arg-type]
        problem=problem,
    )
