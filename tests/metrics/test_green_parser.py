"""GREEN prompt and parser: GREEN's own recorded judge outputs and scores, plus edge cases
whose expected counts were worked out by hand from GREEN 0.0.12's reading rules."""

from __future__ import annotations

import json
import re
import statistics
from fractions import Fraction
from pathlib import Path

import pytest

from petar_bench.metrics.green._parser import clean_output, parse_judge_output, strip_think
from petar_bench.metrics.green._prompt import (
    CHAT_TEMPLATES,
    MAX_WORDS,
    make_prompt,
    render_judge_input,
    template_hash,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "green"

CASES = json.loads((DATA / "green_repro_cases.json").read_text(encoding="utf-8"))

WELL_FORMED = (
    "Explanation text.\n\n"
    "[Clinically Significant Errors]:\n"
    "(a) False report of a finding in the candidate: {a}.\n"
    "(b) Missing a finding present in the reference: 1. x.\n"
    "(c) Misidentification of a finding's anatomic location/position: 0.\n"
    "(d) Misassessment of the severity of a finding: 0.\n"
    "(e) Mentioning a comparison that isn't in the reference: 0.\n"
    "(f) Omitting a comparison detailing a change from a prior study: 0.\n\n"
    "[Clinically Insignificant Errors]:\n"
    "(a) False report of a finding in the candidate: 5.\n"
    "(b) Missing a finding present in the reference: 0.\n"
    "(c) Misidentification of a finding's anatomic location/position: 0.\n"
    "(d) Misassessment of the severity of a finding: 0.\n"
    "(e) Mentioning a comparison that isn't in the reference: 0.\n"
    "(f) Omitting a comparison detailing a change from a prior study: 0.\n\n"
    "[Matched Findings]:\n{m}. y; z."
)


def test_reproduces_green_project_scores_exactly() -> None:
    scores = []
    for case in CASES["cases"]:
        parse = parse_judge_output(case["judge_output"])
        expected = case["expected"]
        assert parse.parsed
        assert parse.matched == expected["matched_findings"]
        assert list(parse.significant) == expected["significant_errors_a_to_f"]
        assert parse.score == expected["green"]
        assert parse.upstream_score == expected["green"]
        scores.append(parse.score)
    assert [Fraction(s).limit_denominator(100) for s in scores] == [
        Fraction(0),
        Fraction(1, 6),
        Fraction(1, 3),
        Fraction(1, 2),
        Fraction(1, 4),
    ]
    assert statistics.fmean(scores) == CASES["expected_mean"] == 0.25
    assert statistics.pstdev(scores) == pytest.approx(CASES["expected_std"], rel=1e-12)


def test_insignificant_errors_are_not_used() -> None:
    parse = parse_judge_output(WELL_FORMED.format(a=2, m=3))
    assert parse.parsed and parse.significant == (2, 1, 0, 0, 0, 0)
    assert parse.score == 3 / (3 + 3)


def test_think_blocks_are_stripped() -> None:
    text = "<think>[Matched Findings]:\n9. fake</think>" + WELL_FORMED.format(a=0, m=1)
    assert parse_judge_output(text).score == 1 / 2
    assert strip_think("a<think>b</think>c") == "ac"
    assert strip_think("reasoning</think>answer") == "answer"
    assert strip_think("answer<think>never closed") == "answer"


def test_count_without_period_is_unparsed_not_a_silent_zero() -> None:
    text = WELL_FORMED.format(a=2, m=3).replace("candidate: 2.", "candidate: 2")
    parse = parse_judge_output(text)
    # GREEN reads the count as 0 -> 3 / (3 + 1); we score it so and flag it as unreadable.
    assert parse.upstream_score == 3 / 4
    assert not parse.parsed and parse.score == 3 / 4
    assert parse.problem == "error count (a) unreadable"


def test_sections_without_blank_line_are_flagged() -> None:
    text = WELL_FORMED.format(a=2, m=3).replace(
        "prior study: 0.\n\n[Clinically Insignificant", "prior study: 0.\n[Clinically Insignificant"
    )
    parse = parse_judge_output(text)
    assert not parse.parsed and parse.problem == "sections not separated by a blank line"
    # GREEN: the insignificant (a) line "...: 5." sorts after "...: 2." and overwrites it.
    assert parse.upstream_score == parse.score == 3 / (3 + 5 + 1)


def test_numbered_categories_and_no_sections() -> None:
    numbered = WELL_FORMED.format(a=1, m=2)
    for letter, digit in zip("abcdef", "123456", strict=True):
        numbered = numbered.replace(f"({letter})", f"({digit})")
    assert parse_judge_output(numbered).score == 2 / (2 + 2)
    no_errors = "[Clinically Significant Errors]:\nNo errors.\n\n[Matched Findings]:\n4. a."
    assert parse_judge_output(no_errors).score == 1.0
    no_match = WELL_FORMED.format(a=0, m=0).replace("0. y; z.", "No matched findings.")
    parse = parse_judge_output(no_match)
    assert parse.parsed and parse.score == 0.0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty output"),
        ("garbage tokens here", "no [Matched Findings] section"),
        (WELL_FORMED.format(a=1, m="two"), "matched count unreadable"),
    ],
)
def test_unreadable_outputs_are_counted(text: str, problem: str) -> None:
    parse = parse_judge_output(text)
    assert not parse.parsed and parse.score == 0.0 and parse.problem == problem


def test_missing_error_section_scores_one_as_green_does() -> None:
    parse = parse_judge_output("[Matched Findings]:\n2. a; b.")
    assert parse.upstream_score == parse.score == 1.0
    assert not parse.parsed and parse.problem == "no [Clinically Significant Errors] section"


def test_a_missing_category_line_counts_zero_as_green_does() -> None:
    text = WELL_FORMED.format(a=2, m=3)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("(b)"))
    parse = parse_judge_output(text)
    assert parse.score == 3 / (3 + 2) and parse.significant[1] == 0
    assert not parse.parsed and parse.problem == "error line (b) missing"


def test_clean_output_follows_green() -> None:
    raw = "<|user|>\nprompt</s>\n<|assistant|>\n[Explanation]:\nfine</s><unk>"
    assert clean_output(raw) == "\nfine"


def test_prompt_cuts_reports_at_300_words_and_counts_it() -> None:
    long = " ".join(f"w{i}" for i in range(MAX_WORDS + 20))
    prompt = make_prompt(long, "short   candidate\ntext")
    assert prompt.n_cut == 1
    assert f"w{MAX_WORDS - 1} " in prompt.text or f"w{MAX_WORDS - 1}\n" in prompt.text
    assert f"w{MAX_WORDS} " not in prompt.text
    assert "3. Candidate Report:\n    short candidate text\n" in prompt.text
    assert prompt.text.startswith("Objective: Evaluate the accuracy of a candidate radiology")


def test_chat_rendering_and_hash() -> None:
    assert render_judge_input("P", "chat-turn") == "<|user|>\nP</s>\n<|assistant|>\n"
    assert render_judge_input("P") == "<|user|>\nP</s>\n<|assistant|>\n</s>\n<|assistant|>\n</s>"
    assert set(CHAT_TEMPLATES) == {"green-0.0.12", "chat-turn"}
    assert template_hash("chat-turn") != template_hash("green-0.0.12")
    assert len(template_hash()) == 12


# -- upstream GREEN's reading, re-implemented from its green.py (parse_error_counts and
# compute_green, green_score 0.0.12) to check our scores on every failure mode -------------
def _upstream_counts(text: str, header: str) -> tuple[int, list[int]]:
    found = re.search(rf"\[{header}\]:\s*(.*?)(?:\n\s*\n|\Z)", text, re.DOTALL)
    sub = [0] * 6
    if not found or found.group(1).startswith("No"):
        return 0, sub
    body = found.group(1)
    if header == "Matched Findings":
        leading = re.findall(r"^\b\d+\b(?=\.)", body)
        return (int(leading[0]) if leading else 0), sub
    prefixes = [f"({c}) " for c in "abcdef"]
    lines = sorted(re.findall(r"\([a-f]\) .*", body))
    if not lines:
        lines = sorted(re.findall(r"\([1-6]\) .*", body))
        prefixes = [f"({i}) " for i in range(1, 7)]
    for position, prefix in enumerate(prefixes):
        for line in lines:
            if line.startswith(prefix):
                count = re.findall(r"(?<=: )\b\d+\b(?=\.)", line)
                if count:
                    sub[position] = int(count[0])
    return sum(sub), sub


def _upstream_green(raw: str) -> float:
    text = clean_output(raw)
    _, significant = _upstream_counts(text, "Clinically Significant Errors")
    matched, _ = _upstream_counts(text, "Matched Findings")
    return 0.0 if matched == 0 else matched / (matched + sum(significant))


def _drop_line(text: str, prefix: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith(prefix))


def _numbered(text: str) -> str:
    for digit, letter in enumerate("abcdef", start=1):
        text = text.replace(f"({letter})", f"({digit})")
    return text


FAILURE_MODES = {
    "well formed": WELL_FORMED.format(a=2, m=3),
    "empty output": "",
    "no section at all": "The candidate report is acceptable.",
    "no significant-errors section": "[Matched Findings]:\n2. a; b.",
    "no matched-findings section": WELL_FORMED.format(a=1, m=2).split("[Matched")[0],
    "a missing category line": _drop_line(WELL_FORMED.format(a=2, m=3), "(b)"),
    "non-numeric count": WELL_FORMED.format(a="two", m=3),
    "non-numeric matched count": WELL_FORMED.format(a=1, m="three"),
    "count without a period": WELL_FORMED.format(a=2, m=3).replace("candidate: 2.", "candidate: 2"),
    "zero matched findings": WELL_FORMED.format(a=0, m=0),
    "'No' matched findings": WELL_FORMED.format(a=1, m=0).replace("0. y; z.", "No matches."),
    "'No' significant errors": "[Clinically Significant Errors]:\nNo errors.\n\n"
    "[Matched Findings]:\n4. a.",
    "sections not separated": WELL_FORMED.format(a=2, m=3).replace(
        "prior study: 0.\n\n[Clinically Insignificant", "prior study: 0.\n[Clinically Insignificant"
    ),
    "numbered categories": _numbered(WELL_FORMED.format(a=1, m=2)),
    "answer cut mid-section": WELL_FORMED.format(a=1, m=2).split("(d)")[0],
}


@pytest.mark.parametrize("mode", sorted(FAILURE_MODES))
def test_scores_match_upstream_green_on_every_failure_mode(mode: str) -> None:
    text = FAILURE_MODES[mode]
    assert parse_judge_output(text).score == _upstream_green(text)


def test_the_failure_modes_are_flagged_as_unreadable() -> None:
    readable = {"well formed", "zero matched findings", "'No' matched findings"}
    readable |= {"'No' significant errors", "numbered categories"}
    for mode, text in FAILURE_MODES.items():
        assert parse_judge_output(text).parsed == (mode in readable), mode
