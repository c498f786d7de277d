"""Prompts of the LaMed-family adapters, and a reproducible choice among templates.

PETAR-4B: the paper gives one fixed query; the released inference script instead draws one of
15 organ-identification questions at random, unseeded, for every lesion. We pin the paper's
query by default; the release's questions are available with a seed, and the draw depends only
on (seed, sample id), so it does not change with batch size, order or sharding.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from petar_bench.errors import UserError

#: The release tokenises BOS + image tokens + prompt with max_length=768, truncation=True
#: (keeping the first 768 tokens); a longer prompt is cut the same way here.
MAX_PROMPT_TOKENS = 768

PAPER_PROMPT = "Please describe the region highlighted in the PET image."

# The question list of the PETAR release's inference script (DanyalMaq/petar-release,
# inference.py), in its order.
RELEASE_ORGAN_QUESTIONS: tuple[str, ...] = (
    "What organ is shown in the masked region?",
    "Which organ is segmented in this image?",
    "What structure is highlighted by the mask?",
    "Identify the organ marked by the mask.",
    "What anatomical region does the mask correspond to?",
    "Which body part is covered by the highlighted area?",
    "What is the masked area indicating?",
    "What organ lies within the masked region?",
    "Can you name the organ selected by the segmentation mask?",
    "What organ is enclosed by the mask?",
    "Please identify the organ highlighted in the image.",
    "What does the mask represent in this scan?",
    "Tell me which organ is being segmented.",
    "Which anatomical structure has been masked?",
    "What region of the body does the mask refer to?",
)

# M3D's first caption template (Bench/dataset/prompt_templates.py, also its README example).
M3D_CAPTION_PROMPT = "Can you provide a caption consists of findings for this medical image?"

# Prompt option values that name a prompt instead of being the prompt text itself.
PAPER = "paper"
RELEASE_QUESTIONS = "release-questions"


@dataclass(frozen=True)
class PromptPolicy:
    """Which text follows the image tokens: one fixed text, or a seeded template per sample."""

    fixed: str | None = None
    templates: tuple[str, ...] = ()
    seed: int = 0
    prefix: str = ""  # text between the image tokens and the question (M3D-RAD: " ")
    suffix: str = ""  # text after the question (M3D-RAD: "\nAnswer:")

    def for_sample(self, sample_id: str) -> str:
        if self.fixed is not None:
            question = self.fixed
        else:
            question = self.templates[template_index(self.seed, sample_id, len(self.templates))]
        return f"{self.prefix}{question}{self.suffix}"

    def describe(self) -> str:
        """The card's prompt field: the exact text, or the rule that picks it."""
        if self.fixed is not None:
            return self.for_sample("")
        return (
            f"{self.prefix}{{one of {len(self.templates)} release organ questions, "
            f"sha256(seed={self.seed}, sample_id) mod {len(self.templates)}}}{self.suffix}"
        )


def template_index(seed: int, sample_id: str, count: int) -> int:
    """A stable index in [0, count) from the seed and the sample id."""
    digest = hashlib.sha256(f"{seed}\x00{sample_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def petar_policy(prompt: str | None, seed: int | None) -> PromptPolicy:
    """PETAR-4B's prompt from the adapter options (`prompt`, `prompt_seed`)."""
    if prompt is None or prompt == PAPER:
        _refuse_seed(seed, prompt or PAPER)
        return PromptPolicy(fixed=PAPER_PROMPT)
    if prompt == RELEASE_QUESTIONS:
        return PromptPolicy(templates=RELEASE_ORGAN_QUESTIONS, seed=0 if seed is None else seed)
    _refuse_seed(seed, "a custom prompt")
    return PromptPolicy(fixed=_checked_text(prompt))


def m3d_policy(prompt: str | None, seed: int | None, *, vqa_format: bool) -> PromptPolicy:
    """M3D's prompt: its caption question; M3D-RAD wraps it in its VQA format."""
    _refuse_seed(seed, "M3D models")
    text = M3D_CAPTION_PROMPT if prompt is None else _checked_text(prompt)
    if vqa_format:  # 3D-RAD's eval: image tokens + " " + question + "\nAnswer:"
        return PromptPolicy(fixed=text, prefix=" ", suffix="\nAnswer:")
    return PromptPolicy(fixed=text)


def _refuse_seed(seed: int | None, what: str) -> None:
    if seed is not None:
        raise UserError(
            f"prompt_seed does not apply to {what}; it only picks among the release's questions "
            f"(prompt={RELEASE_QUESTIONS})"
        )


def _checked_text(prompt: str) -> str:
    if not prompt.strip():
        raise UserError("prompt is empty; give the question text, or leave it out for the default")
    return prompt
