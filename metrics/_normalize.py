"""The one text normalisation applied before every metric.

pycocoevalcap joins captions with newlines and splits its tokenizer's output on newlines,
so a text containing '\\r', U+2028 or any other line break silently shifts every later
caption onto the wrong sample. We replace all Unicode line breaks, tabs and other control
characters by single spaces, collapse runs of whitespace, and strip the ends.
"""

from __future__ import annotations

import re
import unicodedata

# Every character that str.splitlines() treats as a line boundary, plus tab and the rest of
# the C0/C1 control characters and Unicode whitespace.
_BREAKING = re.compile(r"[\s\u0085\u2028\u2029\x00-\x1f\x7f-\x9f]+")


def normalize_text(text: str) -> str:
    """Control characters and every kind of line break -> one space; trimmed."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return _BREAKING.sub(" ", text).strip()
