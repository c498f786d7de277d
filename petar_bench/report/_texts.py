"""Finding texts for people: word differences as escaped HTML, clinical-field agreement,
and the number masking of the reader-study packets."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from petar_bench.metrics._numbers import MASK, mask_numbers
from petar_bench.records import LesionRecord

_TOKENS = re.compile(r"\s+|[^\s]+")
_ANY_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

#: SUVmax agrees within 0.1 (one reported decimal), the slice exactly: as pet_fields scores.
SUV_TOLERANCE = 0.1


def _words(text: str) -> list[str]:
    return _TOKENS.findall(text)


def _mark(tokens: list[str], tag: str) -> str:
    body = html.escape("".join(tokens))
    return f'<{tag} class="diff">{body}</{tag}>' if body.strip() else body


def word_diff(reference: str, prediction: str) -> tuple[str, str]:
    """(reference HTML, prediction HTML): words only in the reference in <del>, words only in
    the prediction in <ins>; every character escaped."""
    ref, pred = _words(reference), _words(prediction)
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(a=ref, b=pred, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            left.append(html.escape("".join(ref[a0:a1])))
            right.append(html.escape("".join(pred[b0:b1])))
            continue
        left.append(_mark(ref[a0:a1], "del"))
        right.append(_mark(pred[b0:b1], "ins"))
    return "".join(left), "".join(right)


def mask_all_numbers(text: str) -> str:
    """Every number in the text replaced by "[#]": SUVmax, slice and size first (so units and
    labels stay as metrics/_numbers.py knows them), then any digit left (ages, counts, dates)."""
    return _ANY_NUMBER.sub(MASK, mask_numbers(text)).replace(f"{MASK}.{MASK}", MASK)


@dataclass(frozen=True)
class FieldAgreement:
    """One clinical field: what the reference and the prediction state, and whether they
    agree (None when either does not state it)."""

    field: str
    reference: str | None
    prediction: str | None
    agrees: bool | None


def _shown(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def field_agreement(record: LesionRecord, prediction: str) -> list[FieldAgreement]:
    """Region, laterality, SUVmax and slice, read as the pet_* metrics read them."""
    from petar_bench.metrics._pet_fields import parse_finding, reference_finding

    ref = reference_finding(record.reference, record)
    pred = parse_finding(prediction)
    out = []
    for name in ("region", "laterality", "suv_max", "slice"):
        a, b = getattr(ref, name), getattr(pred, name)
        if a is None or b is None:
            agrees = None
        elif name == "suv_max":
            agrees = abs(float(a) - float(b)) <= SUV_TOLERANCE + 1e-9
        else:
            agrees = a == b
        out.append(FieldAgreement(name, _shown(a), _shown(b), agrees))
    return out
