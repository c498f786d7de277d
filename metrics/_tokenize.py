"""PTB tokenisation exactly as pycocoevalcap's PTBTokenizer does it, in pure Python.

pycocoevalcap joins all captions of one call with newlines, runs Stanford CoreNLP 3.4.1's
PTBTokenizer (`-preserveLines -lowerCase`) over that one stream in a Java process (~0.2 s
per call, and it writes a temporary file inside site-packages), splits the output on
newlines and drops punctuation tokens. We run the same lexer rules (`_ptb_rules.py`) over
the same stream here. The stream matters: a few rules look past the end of a caption into
the next one (an abbreviation or acronym followed by a capitalised word) or need the end of
the stream, so captions are tokenised together, in order, as pycocoevalcap would.

Quirks kept on purpose, because the reference values have them: the punctuation filter
lists bracket tokens in upper case, so "-lrb-", "-rrb-", "-lsb-", "-rsb-", "-lcb-" and
"-rcb-" survive; "cannot" becomes "can not"; characters outside the Basic Multilingual Plane
(emoji) are deleted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from petar_bench.metrics._ptb_rules import RULES, Act, Rule

#: pycocoevalcap's punctuation filter, applied after lower-casing (hence the quirk above).
PUNCTUATIONS = frozenset(
    ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-",
     "--", "...", ";"]
)  # fmt: skip
TOKENIZER_ID = "ptb-corenlp-3.4.1"

_NL = "\n"  # marker for a line break token in the lexer's output
_ASSIMILATIONS = frozenset(["cannot", "gonna", "gotta", "lemme", "gimme", "wanna"])
# Fast paths for the commonest tokens, where no rule can match more than the run and every
# rule that matches it emits it unchanged (the tests compare them with the full rule set):
# - ASCII letters followed by a space, a line break, the end, ")" or one of ",;:" that is
#   itself followed by a space, line break or the end (except the assimilations above);
# - a decimal number followed likewise, where a following space must not precede a digit
#   (fractions "3 1/2" and phone numbers span one space).
_END = r"(?:[ \n]|\Z)"
_FAST_WORD = re.compile(rf"[A-Za-z]+(?={_END}|[,;:]{_END}|\))")
_FAST_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?=(?:[,;:]?(?: (?![0-9])|\n|\Z))|\))")
# A run of spaces that starts with ' ' or a tab is one whitespace token: no other rule can
# start there. (A run that starts with U+00A0 can: the likely-URL rule accepts U+00A0.)
_FAST_SPACES = re.compile("[ \t][ \t\u00a0\u2000-\u200a\u3000]*")


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    whole: regex.Pattern[str]  # body + context, leftmost-longest
    body: regex.Pattern[str]
    context: regex.Pattern[str] | None


def _compile(rule: Rule) -> _Compiled:
    whole = rule.body if rule.context is None else f"(?:{rule.body})(?:{rule.context})"
    return _Compiled(
        rule,
        regex.compile(whole, regex.POSIX | regex.V0),
        regex.compile(rule.body, regex.V0),
        regex.compile(rule.context, regex.V0) if rule.context is not None else None,
    )


@functools.lru_cache(maxsize=1)
def _compiled_rules() -> tuple[_Compiled, ...]:
    return tuple(_compile(rule) for rule in RULES)


@functools.lru_cache(maxsize=4096)
def _candidates(ch: str) -> tuple[_Compiled, ...]:
    """Rules whose match can start with this character (in priority order).

    The last rule (any one character: untokenisable, deleted) is left out: it only wins
    when nothing else matches, see `_longest`.
    """
    rules = _compiled_rules()[:-1]
    return tuple(c for c in rules if c.whole.match(ch, partial=True))


def _longest(text: str, pos: int, end: int) -> tuple[_Compiled, int]:
    """The winning rule at `pos` and its total match length (context included)."""
    best: _Compiled | None = None
    best_len = 0
    for cand in _candidates(text[pos]):
        m = cand.whole.match(text, pos, end)
        if m is not None and m.end() - pos > best_len:
            best, best_len = cand, m.end() - pos
    if best is None:
        return _compiled_rules()[-1], 1
    return best, best_len


def _body_length(cand: _Compiled, text: str, pos: int, total: int) -> int:
    """Longest body such that the context matches the rest (the generator's lookahead)."""
    if cand.context is None:
        return total
    for n in range(total, 0, -1):
        if cand.body.fullmatch(text, pos, pos + n) and cand.context.fullmatch(
            text, pos + n, pos + total
        ):
            return n
    raise AssertionError(f"no body/context split for rule {cand.rule.name}")


_SINGLE_QUOTE = re.compile("&apos;|'")
_DOUBLE_QUOTE = re.compile('"|&quot;')
_LATEX_FIXED = (
    (re.compile("[\u0091\u2018\u201b\u2039]"), "`"),
    (re.compile("[\u0092\u2019\u203a]"), "'"),
    (re.compile("[\u0093\u201c\u00ab]"), "``"),
    (re.compile("[\u0094\u201d\u00bb]"), "''"),
)
_FRACTIONS = {"\u00bc": "1/4", "\u00bd": "1/2", "\u00be": "3/4", "\u2153": "1/3", "\u2154": "2/3"}
_CURRENCY = {"\u00a2": "cents", "\u00a3": "#", "\u0080": "$", "\u00a4": "$", "\u20a0": "$",
             "\u20ac": "$"}  # fmt: skip
_AMP = re.compile("&amp;", re.IGNORECASE)


def _latex_quotes(tok: str, left: bool) -> str:
    tok = _SINGLE_QUOTE.sub("`" if left else "'", tok)
    tok = _DOUBLE_QUOTE.sub("``" if left else "''", tok)
    for pattern, repl in _LATEX_FIXED:
        tok = pattern.sub(repl, tok)
    return tok


def _parens(tok: str) -> str:
    return tok.replace("(", "-LRB-").replace(")", "-RRB-")


def _soft(tok: str) -> str:
    return tok.replace("\u00ad", "") or "-"


_SIMPLE_ACTS = {
    Act.TEXT: lambda t: t,
    Act.SOFT: _soft,
    Act.SPACE_TO_NBSP: lambda t: t.replace(" ", "\u00a0"),
    Act.DASH: lambda t: "--",
    Act.AMP: lambda t: _AMP.sub("&", t),
    Act.QUOTE_LEFT: lambda t: _latex_quotes(t, True),
    Act.QUOTE_RIGHT: lambda t: _latex_quotes(t, False),
    Act.FRACTION_CHAR: lambda t: "".join(_FRACTIONS.get(c, c) for c in t),
    Act.CURRENCY: lambda t: "".join(_CURRENCY.get(c, c) for c in t),
    Act.PHONE: lambda t: _parens(t.replace(" ", "\u00a0")),
    Act.PARENS: _parens,
    Act.HYPHENS: lambda t: "--" if 3 <= len(t) <= 4 else t,
    Act.ELLIPSIS: lambda t: "...",
}


def _act(rule: Rule, tok: str) -> tuple[str | None, int]:
    """(token or None, characters consumed) for a matched body, as the lexer's action."""
    if rule.pushback:
        keep = len(tok) - rule.pushback
        return tok[:keep], keep
    act = rule.act
    if act in (Act.SKIP, Act.DELETE):
        return None, len(tok)
    if act is Act.NEWLINE:
        return _NL, len(tok)
    if act is Act.LITERAL:
        return rule.output, len(tok)
    if act is Act.KEEP_PERIOD_TWICE:  # "etc." then "." again
        return tok, len(tok) - 1
    if act is Act.ACRONYM_END:  # "I." -> "I" "."; "U.S." -> "U.S." "."
        return (tok[0], 1) if len(tok) == 2 else (tok, len(tok) - 1)
    return _SIMPLE_ACTS[act](tok), len(tok)


_SPACENL_CHARS = frozenset(" \t\u00a0\u3000\r\n\u2028\u2029\x0b\x0c\x85") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)


def _window_end(text: str, pos: int) -> int:
    """Where every rule's match starting at `pos` must end: the rest of this line, the run of
    blank lines after it and the next line, one character more.

    Matching against the whole stream would be correct too, but the `regex` module scans
    for required literals (the '@' of an e-mail address) to the end of its input, which
    makes a long stream quadratic. Only token bodies of the SGML rule (quoted attribute
    values) may cross a line break, so a window holding '<' is widened to the whole stream.
    """
    nl = text.find("\n", pos)
    if nl < 0:
        return len(text)
    j = nl
    while j < len(text) and text[j] in _SPACENL_CHARS:
        j += 1
    nl2 = text.find("\n", j)
    end = len(text) if nl2 < 0 else nl2 + 1
    return len(text) if "<" in text[pos:end] else end


def lex(text: str) -> list[str]:
    """The lexer's raw tokens for a stream (line breaks as '\\n' tokens), before lower-casing."""
    units = _to_utf16_units(text)
    out: list[str] = []
    pos, end = 0, len(units)
    line_end, window = -1, 0  # the window is recomputed once per line
    while pos < end:
        m = _FAST_WORD.match(units, pos)
        if m is not None and m.group().lower() not in _ASSIMILATIONS:
            out.append(m.group())
            pos = m.end()
            continue
        m = _FAST_NUMBER.match(units, pos)
        if m is not None:
            out.append(m.group())
            pos = m.end()
            continue
        m = _FAST_SPACES.match(units, pos)
        if m is not None:
            pos = m.end()
            continue
        if pos > line_end:
            line_end = units.find("\n", pos)
            line_end = end if line_end < 0 else line_end
            window = _window_end(units, pos)
        cand, total = _longest(units, pos, window)
        body = _body_length(cand, units, pos, total)
        tok, used = _act(cand.rule, units[pos : pos + body])
        if tok is not None:
            out.append(_from_utf16_units(tok))
        pos += used
    return out


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _surrogates(m: re.Match[str]) -> str:
    code = ord(m.group()) - 0x10000
    return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))


def _to_utf16_units(text: str) -> str:
    """The lexer reads UTF-16 code units: split astral characters into surrogate pairs."""
    return _ASTRAL.sub(_surrogates, text)


def _from_utf16_units(tok: str) -> str:
    """Re-join surrogate pairs; a lone surrogate is written as '?' (Java's UTF-8 encoder)."""
    if all(not 0xD800 <= ord(c) <= 0xDFFF for c in tok):
        return tok
    raw = tok.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return raw.replace("\ufffd", "?")


_LETTERISH = regex.compile(r"[\p{L}\p{M}]")
_DIGITISH = regex.compile(r"\p{N}")
# Characters the JDK's word iterator keeps inside a word when letters stand on both sides.
_MID_LETTER = frozenset("\"'-._\u2013\u2014\u00ad")


def _java_lower(tok: str) -> str:
    """Java's `toLowerCase(Locale.ENGLISH)`; differs from str.lower() only for capital sigma.

    Java writes a final sigma when a cased letter precedes it anywhere in the same word
    and none follows (the JDK's word-break iterator decides what a word is: "S1\u03a3" and
    "cannot-\u03a3" are single words); Python needs the cased letter right before it.
    Words are approximated as runs of letters, marks and digits, joined by the characters
    in `_MID_LETTER` between two letters.
    """
    if "\u03a3" not in tok:
        return tok.lower()
    chars = list(tok.lower())
    for i, ch in enumerate(tok):
        if ch == "\u03a3":
            start, end = _word_span(tok, i)
            before = any(_cased(c) for c in tok[start:i])
            after = any(_cased(c) for c in tok[i + 1 : end])
            chars[i] = "\u03c2" if before and not after else "\u03c3"
    return "".join(chars)


def _word_span(tok: str, i: int) -> tuple[int, int]:
    def inside(j: int) -> bool:
        if _LETTERISH.match(tok[j]) or _DIGITISH.match(tok[j]):
            return True
        return (
            tok[j] in _MID_LETTER
            and 0 < j < len(tok) - 1
            and bool(_LETTERISH.match(tok[j - 1]) and _LETTERISH.match(tok[j + 1]))
        )

    start, end = i, i + 1
    while start > 0 and inside(start - 1):
        start -= 1
    while end < len(tok) and inside(end):
        end += 1
    return start, end


def _cased(ch: str) -> bool:
    return ch.lower() != ch.upper() or ch.istitle()


def _lines(tokens: list[str]) -> list[str]:
    """The tokenizer's `-preserveLines` output, lower-cased, split on line breaks."""
    text = " ".join(_java_lower(t) if t != _NL else _NL for t in tokens)
    return [line.strip(" ") for line in text.split(_NL)]


def _filter(line: str) -> str:
    return " ".join(w for w in line.rstrip().split(" ") if w not in PUNCTUATIONS)


@functools.lru_cache(maxsize=16)
def _tokenize_stream(texts: tuple[str, ...]) -> tuple[str, ...]:
    stream = "\n".join(t.replace("\n", " ") for t in texts)
    lines = _lines(lex(stream))
    if len(lines) != len(texts):
        # Raw, un-normalised text: a '\r' or U+2028 made an extra line, or a token swallowed
        # a line break. pycocoevalcap would shift every later caption onto the wrong sample;
        # we tokenise each caption on its own and join its lines instead.
        return tuple(_filter(" ".join(_lines(lex(t.replace("\n", " "))))) for t in texts)
    return tuple(_filter(line) for line in lines)


def ptb_tokenize(texts: Sequence[str]) -> tuple[str, ...]:
    """pycocoevalcap's tokenised captions (space-joined) for `texts`, tokenised as one call.

    Cached on the tuple of texts, so BLEU, ROUGE-L, CIDEr and METEOR of one scoring call
    tokenise each side once.
    """
    if not texts:
        return ()
    return _tokenize_stream(tuple(texts))
