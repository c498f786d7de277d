"""The GREEN judge prompt and the chat text the judge model reads.

The prompt text and the chat rendering are data that must match GREEN (Stanford-AIMI/GREEN,
``green_score`` 0.0.12) character for character: the judge was fine-tuned on exactly this
wording, so any change moves the scores. Both backends (transformers and an OpenAI-compatible
server) get the same text from ``render_judge_input``, so they feed the judge identical input.
"""

from __future__ import annotations

from dataclasses import dataclass

from petar_bench._hashing import sha256_text

#: The upstream release whose behaviour we follow (reports cut to their first 300 words;
#: releases before 2024-09 cut at 200 words, which changes scores).
GREEN_VERSION = "0.0.12"
MAX_WORDS = 300

# Placeholders are filled with str.replace (the text has no braces of its own).
PROMPT_TEMPLATE = (
    "Objective: Evaluate the accuracy of a candidate radiology report in comparison to a "
    "reference radiology report composed by expert radiologists.\n\n"
    "    Process Overview: You will be presented with:\n\n"
    "    1. The criteria for making a judgment.\n"
    "    2. The reference radiology report.\n"
    "    3. The candidate radiology report.\n"
    "    4. The desired format for your assessment.\n\n"
    "    1. Criteria for Judgment:\n\n"
    "    For each candidate report, determine:\n\n"
    "    The count of clinically significant errors.\n"
    "    The count of clinically insignificant errors.\n\n"
    "    Errors can fall into one of these categories:\n\n"
    "    a) False report of a finding in the candidate.\n"
    "    b) Missing a finding present in the reference.\n"
    "    c) Misidentification of a finding's anatomic location/position.\n"
    "    d) Misassessment of the severity of a finding.\n"
    "    e) Mentioning a comparison that isn't in the reference.\n"
    "    f) Omitting a comparison detailing a change from a prior study.\n"
    "    Note: Concentrate on the clinical findings rather than the report's writing style. "
    "Evaluate only the findings that appear in both reports.\n\n"
    "    2. Reference Report:\n"
    "    {reference}\n\n"
    "    3. Candidate Report:\n"
    "    {candidate}\n\n"
    "    4. Reporting Your Assessment:\n\n"
    "    Follow this specific format for your output, even if no errors are found:\n"
    "    ```\n"
    "    [Explanation]:\n"
    "    <Explanation>\n\n"
    "    [Clinically Significant Errors]:\n"
    "    (a) <Error Type>: <The number of errors>. <Error 1>; <Error 2>; ...; <Error n>\n"
    "    ....\n"
    "    (f) <Error Type>: <The number of errors>. <Error 1>; <Error 2>; ...; <Error n>\n\n"
    "    [Clinically Insignificant Errors]:\n"
    "    (a) <Error Type>: <The number of errors>. <Error 1>; <Error 2>; ...; <Error n>\n"
    "    ....\n"
    "    (f) <Error Type>: <The number of errors>. <Error 1>; <Error 2>; ...; <Error n>\n\n"
    "    [Matched Findings]:\n"
    "    <The number of matched findings>. <Finding 1>; <Finding 2>; ...; <Finding n>\n"
    "    ```\n"
)

# How the prompt becomes the judge's input text. GREEN 0.0.12 renders its own Jinja chat
# template over [human: prompt, gpt: ""] with add_generation_prompt=True, which yields an
# empty assistant turn followed by a second assistant tag, and its Llama tokenizer is loaded
# with add_eos_token=True, which appends one more end-of-sequence token. "green-0.0.12"
# reproduces that input exactly; "chat-turn" is the single-turn form the judge was trained
# to continue (GREEN's training code), for users who want the clean prompt.
CHAT_TEMPLATES: dict[str, str] = {
    "green-0.0.12": "<|user|>\n{prompt}{eos}\n<|assistant|>\n{eos}\n<|assistant|>\n{eos}",
    "chat-turn": "<|user|>\n{prompt}{eos}\n<|assistant|>\n",
}
DEFAULT_CHAT_TEMPLATE = "green-0.0.12"
DEFAULT_EOS = "</s>"


@dataclass(frozen=True)
class JudgePrompt:
    """One judge prompt and whether building it cut a report."""

    text: str
    #: How many of the two reports were longer than MAX_WORDS and were cut (0, 1 or 2).
    n_cut: int


def cut_words(text: str, max_words: int = MAX_WORDS) -> tuple[str, bool]:
    """The first `max_words` whitespace-separated words, joined by single spaces (as GREEN)."""
    words = text.split()
    return " ".join(words[:max_words]), len(words) > max_words


def make_prompt(reference: str, candidate: str, max_words: int = MAX_WORDS) -> JudgePrompt:
    """GREEN's prompt for one (reference, candidate) pair; both reports cut to max_words."""
    ref, ref_cut = cut_words(reference, max_words)
    cand, cand_cut = cut_words(candidate, max_words)
    text = PROMPT_TEMPLATE.replace("{reference}", ref).replace("{candidate}", cand)
    return JudgePrompt(text=text, n_cut=int(ref_cut) + int(cand_cut))


def render_judge_input(
    prompt: str, template: str = DEFAULT_CHAT_TEMPLATE, eos: str = DEFAULT_EOS
) -> str:
    """The exact text a judge backend sends to the model (tokenised with the model's defaults)."""
    from petar_bench.errors import UserError

    try:
        form = CHAT_TEMPLATES[template]
    except KeyError:
        raise UserError(
            f"unknown GREEN chat template {template!r}; choose one of: "
            + ", ".join(sorted(CHAT_TEMPLATES))
        ) from None
    return form.replace("{eos}", eos).replace("{prompt}", prompt)


def template_hash(template: str = DEFAULT_CHAT_TEMPLATE, eos: str = DEFAULT_EOS) -> str:
    """Short hash of everything that shapes the judge's input except the two reports."""
    rendered = render_judge_input(PROMPT_TEMPLATE, template, eos)
    return sha256_text(f"{rendered}|words:{MAX_WORDS}")[:12]
