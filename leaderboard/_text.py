"""Display-safe user text: what every board renderer does to strings it did not write.

Model names, organisations, notes and the like come from submitters. Printed raw, a control
character can drive the reader's terminal (ESC[2J clears it, ESC]0; retitles the window) and
a bidi override (U+202E) makes a name read backwards, in the terminal and on the HTML page
alike. `safe_text` keeps such characters visible but inert: whitespace controls become a
space, every other control, line/paragraph separator or bidi formatting character becomes
its escape (`\\x1b`, `\\u202e`), so a reader sees that something odd was submitted.
Renderers escape for their own format (HTML, Markdown) after this.
"""

from __future__ import annotations

import unicodedata

#: Bidi embeddings, overrides, isolates and marks (Unicode TR9).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_SPACES = frozenset("\t\n\r\v\f")


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _unsafe(char: str) -> bool:
    return char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp")


def safe_text(text: object) -> str:
    """`text` with control, separator and bidi characters made visible and inert."""
    value = str(text)
    if not any(_unsafe(c) for c in value):
        return value  # the common case: nothing to do
    return "".join(" " if c in _SPACES else _visible(c) if _unsafe(c) else c for c in value)
