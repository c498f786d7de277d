"""Numbers in PET findings: SUVmax, axial slice and lesion size, found and masked.

Free-text forms recognised (case-insensitive; also the labelled form "SUVmax: 7.3"):

- SUVmax: "SUVmax 7.3", "SUV max: 7.3", "SUV-max of 7.3", "maximum SUV 7.3", "max SUV = 7.3"
  (the first number after the phrase; "SUVmax 8.7 (previously 5.2)" gives 8.7);
- slice: "slice 112", "axial slice 238", "PET/CT axial slice 238", "image 112",
  "(series 3, image 112)", "Slice: 112";
- size: "14 x 11 mm", "1.4 x 1.1 cm", "14 x 11 x 9 mm", "1.4 cm", "6 mm", "3-cm"; a size
  counts as its longest dimension, in mm (the manifests' size convention is the longest
  axial diameter).

A number about a **prior exam** is told apart by a cue earlier in its sentence: "previous",
"previously", "prior", "interval" or "earlier" make the numbers after them prior ones, until
"now", "currently" or "today" (the latest cue wins): "Increased since the prior exam
(previously SUVmax 5.2, 11 mm)" states a prior SUVmax and size, "SUVmax 8.7 (previously 5.2)"
a current SUVmax. `values_of` returns the current exam's numbers unless asked for the prior
ones, so the parsed fields and the numeric-fidelity checks concern the image at hand.

``mask_numbers`` replaces exactly these numbers (current and prior) by "[#]" (units and labels
kept), as the PETAR reader study hid SUVmax, slice and size from its readers: text metrics on
masked texts measure the wording without the numbers every model hallucinates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

MASK = "[#]"
_NUM = r"\d+(?:\.\d+)?"
_FILLER = r"(?:\s*(?:of|was|is|=|:|~|approximately|approx\.?|measuring|up\s+to|value)\s*)*"

SUV_PATTERN = re.compile(
    r"\b(?:suv\s*[-_]?\s*max(?:imum)?|max(?:imum)?\.?\s+suv|suv\s*\(\s*max\s*\))"
    rf"{_FILLER}\s*({_NUM})",
    re.IGNORECASE,
)
SLICE_PATTERN = re.compile(
    r"\b(?:slice|image|img)s?\b\s*(?:#|no\.?|number|num\.?)?\s*[:=]?\s*(\d+)\b", re.IGNORECASE
)
_SEP = r"\s*(?:mm|cm)?\s*(?:x|×|\*|by)\s*"
SIZE_MULTI_PATTERN = re.compile(
    rf"(?<![\d.])({_NUM}){_SEP}({_NUM})(?:{_SEP}({_NUM}))?\s*-?\s*(mm|cm)\b", re.IGNORECASE
)
SIZE_SINGLE_PATTERN = re.compile(rf"(?<![\d.])({_NUM})\s*-?\s*(mm|cm)\b", re.IGNORECASE)
# Cues that the numbers after them in a sentence are about a prior exam (or, for the second
# group, about the current one again); a sentence ends at . ! ? before a space, or a line break.
_PRIOR_CUE = re.compile(
    r"\b(?:(previous(?:ly)?|prior|interval|earlier)|(now|currently|today))\b", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")


@dataclass(frozen=True)
class NumberMention:
    """One number found in a text: what it is, its value and where it sits."""

    kind: str  # "suv_max" | "slice" | "size_mm"
    value: float
    #: (start, end) of each digit run that makes the value (several for "14 x 11 mm").
    spans: tuple[tuple[int, int], ...]
    #: The number is about a prior exam (see the module docstring).
    prior: bool = False


def _sizes(text: str) -> list[NumberMention]:
    found: list[NumberMention] = []
    taken: list[tuple[int, int]] = []
    for match in SIZE_MULTI_PATTERN.finditer(text):
        scale = 10.0 if match.group(4).lower() == "cm" else 1.0
        groups = [g for g in (1, 2, 3) if match.group(g) is not None]
        value = max(float(match.group(g)) for g in groups) * scale
        found.append(NumberMention("size_mm", value, tuple(match.span(g) for g in groups)))
        taken.append(match.span())
    for match in SIZE_SINGLE_PATTERN.finditer(text):
        if any(s <= match.start() < e for s, e in taken):
            continue
        scale = 10.0 if match.group(2).lower() == "cm" else 1.0
        found.append(NumberMention("size_mm", float(match.group(1)) * scale, (match.span(1),)))
    return found


def find_numbers(text: str) -> list[NumberMention]:
    """Every SUVmax, slice and size mention, in text order, each marked current or prior."""
    found = [
        NumberMention("suv_max", float(m.group(1)), (m.span(1),))
        for m in SUV_PATTERN.finditer(text)
    ]
    found += [
        NumberMention("slice", float(m.group(1)), (m.span(1),))
        for m in SLICE_PATTERN.finditer(text)
    ]
    found += _sizes(text)
    found = [replace(m, prior=_about_prior(text, m.spans[0][0])) for m in found]
    return sorted(found, key=lambda m: m.spans[0])


def _about_prior(text: str, position: int) -> bool:
    """Whether the latest cue before `position` in its sentence points to a prior exam."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, position)]
    start = ends[-1] if ends else 0
    cues = list(_PRIOR_CUE.finditer(text, start, position))
    return bool(cues) and cues[-1].group(1) is not None


def values_of(text: str, kind: str, *, prior: bool = False) -> list[float]:
    """The values of one kind ("suv_max", "slice", "size_mm") in text order: those about the
    current exam, or with `prior` those about a prior exam."""
    return [m.value for m in find_numbers(text) if m.kind == kind and m.prior == prior]


def mask_numbers(text: str, mask: str = MASK) -> str:
    """The text with every SUVmax, slice and size number replaced by `mask`."""
    spans = sorted({span for m in find_numbers(text) for span in m.spans}, reverse=True)
    for start, end in spans:
        text = text[:start] + mask + text[end:]
    return text
