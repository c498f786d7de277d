"""The lexical rules of Stanford CoreNLP 3.4.1's PTBLexer, as pycocoevalcap runs it.

pycocoevalcap tokenises with `PTBTokenizer -preserveLines -lowerCase`, i.e. the lexer's
default options plus `tokenizeNLs`: PTB3 escaping of brackets and quotes, dashes to "--",
ellipses to "...", "cannot" -> "can not", no Americanisation, no escaping of "/" and "*",
untokenisable characters deleted. This module restates that lexer's documented token
classes (written from the 3.4.1 specification, not copied from it) as regular expressions
for the `regex` module. `_tokenize.py` runs them with the lexer generator's semantics:
longest match over all rules (trailing context included), earliest rule on a tie, and for
`body/context` rules the longest body whose remainder matches the context.

Two conventions of the lexer generator matter here: literal text in a rule is
case-insensitive (`%caseless`) while bracketed character classes are not, so literal words
are spelled through `_ci`; and the lexer sees UTF-16 code units, so characters outside the
Basic Multilingual Plane arrive as two surrogates (see `tokenize._to_utf16_units`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


def _ci(word: str) -> str:
    """A literal word, matched case-insensitively letter by letter (classes stay exact)."""
    out = []
    for ch in word:
        if ch.isascii() and ch.isalpha():
            out.append(f"[{ch.lower()}{ch.upper()}]")
        elif ch in r".^$*+?{}[]\|()/-&#'":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _alt(*words: str) -> str:
    return "(?:" + "|".join(_ci(w) for w in words) + ")"


# ---- character classes and small macros -------------------------------------------------
SPACE = r"[ \t\u00A0\u2000-\u200A\u3000]"
NEWLINE = r"(?:\r|\r?\n|\u2028|\u2029|\u000B|\u000C|\u0085)"
SPACENL = rf"(?:{SPACE}|{NEWLINE})"
SPACENLS = rf"{SPACENL}+"
DIGIT = r"[\p{Nd}\u07C0-\u07C9]"
UPPER = r"[\p{Lu}\u2160-\u216F\u24B6-\u24CF]"
_TAGCH = r"[A-Za-z0-9_:.\-]"
SGML = (
    r"<(?:[!?][A-Za-z\-][^>\r\n]*"
    rf"|[A-Za-z]{_TAGCH}*(?:[ ]+(?:[A-Za-z]{_TAGCH}*|[A-Za-z]{_TAGCH}*[ ]*=[ ]*"
    r"(?:'[^']*'|\"[^\"]*\")))*[ ]*/?"
    rf"|/[A-Za-z]{_TAGCH}*)[ ]*>"
)
SENTEND = rf"{SPACENL}(?:{SPACENL}|{UPPER}|{SGML})"
SPMDASH = rf"(?:&{_alt('MD', 'mdash', 'ndash')};|[\u0096\u0097\u2013\u2014\u2015])"
SPAMP = _ci("&amp;")
SPPUNC = rf"&(?:{_alt('HT', 'TL', 'UR', 'LR', 'QC', 'QL', 'QR', 'odq', 'cdq')}|#[0-9]+);"
SPLET = rf"&[aeiouAEIOU]{_alt('acute', 'grave', 'uml')};"
DATE = rf"{DIGIT}{{1,2}}[\-/]{DIGIT}{{1,2}}[\-/]{DIGIT}{{2,4}}"
NUM = rf"(?:{DIGIT}+|{DIGIT}*(?:[.:,\u00AD\u066B\u066C]{DIGIT}+)+)"
NUMBER = rf"[\-+]?{NUM}"
SUBSUPNUM = (
    r"[\u207A\u207B\u208A\u208B]?(?:[\u2070\u00B9\u00B2\u00B3\u2074-\u2079]+|[\u2080-\u2089]+)"
)
FRAC = rf"(?:{DIGIT}{{1,4}}[\- \u00A0])?{DIGIT}{{1,4}}(?:\\?/|\u2044){DIGIT}{{1,4}}"
FRAC2 = r"[\u00BC\u00BD\u00BE\u2153-\u215E]"
DOLSIGN = r"(?:[A-Z]*\$|#)"
DOLSIGN2 = r"[\u00A2\u00A3\u00A4\u00A5\u0080\u20A0\u20AC\u060B\u0E3F\u20A4\uFFE0\uFFE1\uFFE5\uFFE6]"
_LETTER_EXTRA = (
    r"\u00AD\u0237-\u024F\u02C2-\u02C5\u02D2-\u02DF\u02E5-\u02FF\u0300-\u036F\u0370-\u037D"
    r"\u0384\u0385\u03CF\u03F6\u03FC-\u03FF\u0483-\u0487\u04CF\u04F6-\u04FF\u0510-\u0525"
    r"\u055A-\u055F\u0591-\u05BD\u05BF\u05C1\u05C2\u05C4\u05C5\u05C7\u0615-\u061A"
    r"\u063B-\u063F\u064B-\u065E\u0670\u06D6-\u06EF\u06FA-\u06FF\u070F\u0711\u0730-\u074F"
    r"\u0750-\u077F\u07A6-\u07B1\u07CA-\u07F5\u07FA\u0900-\u0903\u093C\u093E-\u094E"
    r"\u0951-\u0955\u0962-\u0963\u0981-\u0983\u09BC-\u09C4\u09C7\u09C8\u09CB-\u09CD\u09D7"
    r"\u09E2\u09E3\u0A01-\u0A03\u0A3C\u0A3E-\u0A4F\u0A81-\u0A83\u0ABC-\u0ACF\u0B82"
    r"\u0BBE-\u0BC2\u0BC6-\u0BC8\u0BCA-\u0BCD\u0C01-\u0C03\u0C3E-\u0C56\u0D3E-\u0D44"
    r"\u0D46-\u0D48\u0E30-\u0E3A\u0E47-\u0E4E\u0EB1-\u0EBC\u0EC8-\u0ECD"
)
LETTER_CLASS = rf"[\p{{L}}{_LETTER_EXTRA}]"
LETTER = rf"(?:{LETTER_CLASS}|{SPLET})"
LETTER_OR_DIGIT = rf"(?:[\p{{L}}\p{{Nd}}\u07C0-\u07C9{_LETTER_EXTRA}]|{SPLET})"
WORD = rf"{LETTER}{LETTER_OR_DIGIT}*(?:[.!?]{LETTER}{LETTER_OR_DIGIT}*)*"
_EXTENSIONS = (  # noqa: SIM905
    "bat bmp c class cgi cpp dll doc docx exe gif gz h htm html jar java jpeg jpg mov mp3 "
    "pdf php pl png ppt ps py sql tar txt wav x xml zip"
).split()
FILENAME_EXT = _alt(*_EXTENSIONS)
FILENAME = rf"{LETTER_OR_DIGIT}+(?:[.]{LETTER_OR_DIGIT}+)*(?:[.]{FILENAME_EXT})"
APOS = rf"(?:['\u0092\u2019]|{_ci('&apos;')})"
APOSETC = rf"(?:{APOS}|[`\u0091\u2018\u201B])"
HYPHEN = r"[\-_\u058A\u2010\u2011]"
_LD = r"[\p{L}\p{Nd}]"
THING = rf"(?:[dDoOlL]{APOSETC}{_LD})?{_LD}+(?:{HYPHEN}(?:[dDoOlL]{APOSETC}{_LD})?{_LD}+)*"
THINGA = rf"[A-Z]+(?:(?:[+&]|{SPAMP})[A-Z]+)+"
THING3 = r"[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\?/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}"
_ACRO_SPECIAL = (
    rf"(?:{_alt('Canada', 'Sino', 'Korean', 'EU', 'Japan', 'non')}-{_ci('U.S')}"
    rf"|{_ci('U.S.-')}{_alt('U.K', 'U.S.S.R')})"
)
ACRO = rf"(?:[A-Za-z](?:\.[A-Za-z])*|{_ACRO_SPECIAL})"
ACRO2 = rf"(?:[A-Za-z](?:\.[A-Za-z])+|{_ACRO_SPECIAL})"
HTHING = rf"[A-Za-z0-9][A-Za-z0-9.,\u00AD]*(?:-(?:[A-Za-z0-9\u00AD]+|{ACRO2}\.))+"
REDAUX = rf"{APOS}(?:[msdMSD]|{_alt('re', 've', 'll')})"
SWORD = r"[A-Za-z\u00AD]*[A-MO-Za-mo-z]\u00AD*"
SREDAUX = rf"[nN]{APOSETC}[tT]"
_L = r"\p{L}"
APOWORD = (
    rf"(?:{APOS}[nN]{APOS}?|[lLdDjJ]{APOS}|{_ci('Dunkin')}{APOS}|{_ci('somethin')}{APOS}"
    rf"|{_ci('ol')}{APOS}|{APOS}{_ci('em')}|[A-HJ-XZn]{APOSETC}{_L}{{2}}{_L}*"
    rf"|{APOS}[2-9]0[sS]|{APOS}{_ci('til')}[lL]?|{_L}{_L}*[aeiouyAEIOUY]{APOSETC}[aeiouA-Z]{_L}*"
    rf"|{APOS}{_ci('cause')}|{_ci('cont')}'[dD]\.?|'{_ci('twas')}|{_ci('nor')}'{_ci('easter')}"
    rf"|{_ci('c')}'{_ci('mon')}|{_ci('e')}'{_ci('er')}|{_ci('s')}'{_ci('mores')}"
    rf"|{_ci('ev')}'{_ci('ry')}|{_ci('li')}'{_ci('l')}|{_ci('nat')}'{_ci('l')}|[oO]{APOSETC}[oO])"
)
APOWORD2 = rf"[yY]{APOS}"
FULLURL = r"[hH][tT][tT][pP][sS]?://[^ \t\n\f\r\"<>|(){}]+[^ \t\n\f\r\"<>|.!?(){},\-]"
LIKELYURL = (
    r"(?:(?:[wW][wW][wW]\.(?:[^ \t\n\f\r\"<>|.!?(){},]+\.)+[a-zA-Z]{2,4})"
    # The lexer's class ends in ",-_$": a range from ',' to '_', which excludes digits,
    # capitals and most ASCII punctuation from these host names.
    r"|(?:(?:[^ \t\n\f\r\"`'<>|.!?(){}\u002C-\u005F$]+\.)+"
    + _alt("com", "net", "org", "edu")
    + r"))(?:/[^ \t\n\f\r\"<>|()]+[^ \t\n\f\r\"<>|.!?(){},\-])?"
)
_EMAIL_CH = r"[^ \t\n\f\r\"<>|(){}.\u00A0]"
EMAIL = (
    rf"(?:{_ci('&lt;')}|<)?[a-zA-Z0-9][^ \t\n\f\r\"<>|()\u00A0{{}}]*@"
    rf"(?:{_EMAIL_CH}+\.)*(?:{_EMAIL_CH}+)(?:{_ci('&gt;')}|>)?"
)
TWITTER = rf"(?:@[a-zA-Z_][a-zA-Z_0-9]*|#{LETTER}+)"

ABMONTH = "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split()  # noqa: SIM905
ABDAYS = "Mon Tue Tues Wed Thu Thurs Fri".split()  # noqa: SIM905
# Some state names keep an exact capital (written as a class in the specification).
ABSTATE = (
    rf"(?:{_alt('Ala', 'Ariz', 'Calif', 'Colo', 'Conn', 'Ct', 'Dak', 'Fla', 'Ga', 'Ind')}"
    rf"|{_ci('Kan')}[sS]?|{_alt('Ky', 'Md', 'Mich', 'Minn', 'Mo', 'Mont', 'Neb', 'Nev')}"
    rf"|{_alt('Okla', 'Penn', 'Tenn', 'Va', 'Vt', 'Wyo')}|{_ci('Wis')}[cC]?"
    r"|A[zZ]|A[rR][kK]|D[eE][lL]|I[lL][lL]|L[aA]|M[aA][sS][sS]|M[iI][sS][sS]|O[rR][eE]|P[aA]"
    r"|T[eE][xX]|W[aA][sS][hH])"
)
ABCOMP = (
    rf"(?:{_ci('Inc')}|{_ci('Co')}[sS]?|{_ci('Corp')}|[pP][pP]?[tT][ye][sS]?"
    rf"|{_alt('Ltd', 'Plc', 'Rt', 'Bancorp', 'Bhd', 'Assn', 'Univ', 'Intl', 'Sys')})"
)
ABNUM = _alt("tel", "est", "ext", "sq")
ABPTIT = rf"(?:{_alt('Jr', 'Sr', 'Bros', 'Ed.D', 'Ph.D', 'Blvd', 'Rd', 'Esq')})"
ABBREV1 = (
    rf"(?:{_alt(*ABMONTH)}|{_alt(*ABDAYS)}|{ABSTATE}|{ABCOMP}|{ABNUM}|{ABPTIT}"
    rf"|{_alt('etc', 'al', 'seq', 'Bldg')})\."
)
ABTITLE = (
    rf"(?:{_alt('Mr', 'Mrs', 'Ms')}|M[iI][sS][sS]|{_ci('Dr')}[sS]?|{_ci('Prof')}[sS]?"
    rf"|{_ci('Sen')}[sS]?|{_ci('Rep')}[sS]?|{_ci('Atty')}[sS]?"
    rf"|{_alt('Lt', 'Col', 'Gen', 'Messrs')}|{_ci('Gov')}[sS]?"
    rf"|{_alt('Adm', 'Rev', 'Maj', 'Sgt', 'Cpl', 'Pvt', 'Capt')}|{_ci('St')}[eE]?"
    rf"|{_alt('Ave', 'Pres', 'Lieut', 'Hon', 'Brig')}|[cC][oO]?[mM][dD][rR]"
    rf"|{_alt('Pfc', 'Spc')}|{_ci('Supt')}[sS]?"
    rf"|{_alt('Det', 'Mt', 'Ft', 'Adj', 'Adv', 'Asst', 'Assoc', 'Ens', 'Insp', 'Mlle', 'Mme')}"
    rf"|{_alt('Msgr', 'Sfc')})"
)
ABCOMP2 = rf"(?:{_alt('Invt', 'Elec', 'Natl', 'Dept')}|[mM][ft][gG])"
ABBREV4 = (
    rf"(?:{ABTITLE}|{_alt('vs', 'Alex', 'Wm', 'Jos', 'Cie', 'a.k.a', 'cf', 'TREAS', 'Ph')}"
    rf"|{ACRO}|{ABCOMP2})"
)
ABBREV2 = rf"{ABBREV4}\."
ACRONYM = rf"{ACRO}\."
ABBREV3 = rf"{_alt('ca', 'fig', 'figs', 'prop', 'no', 'nos', 'art', 'bldg', 'pp', 'op')}\."
# Words after which an acronym's period also ends the sentence (first letter exact).
_SENT_STARTERS = (  # noqa: SIM905
    "About According Additionally After An A As At But Earlier He Her Here However If In It "
    "Last Many More Mr. Ms. Now Once One Other Our She Since So Some Such That The Their Then "
    "There These They This We When While What Yet You"
).split()
ACRONYM_CONTEXT = (
    rf"{SPACENLS}(?:" + "|".join(w[0] + _ci(w[1:]) for w in _SENT_STARTERS) + rf"|{SGML}){SPACENL}"
)
PHONE = (
    r"(?:(?:\([0-9]{2,3}\)[ \u00A0]?|(?:\+\+?)?(?:[0-9]{2,4}[\- \u00A0])?[0-9]{2,4}[\- \u00A0])"
    r"[0-9]{3,4}[\- \u00A0]?[0-9]{3,5}"
    r"|(?:(?:\+\+?)?[0-9]{2,4}\.)?[0-9]{2,4}\.[0-9]{3,4}\.[0-9]{3,5})"
)
LDOTS = r"(?:\.{3,5}|(?:\.[ \u00A0]){2,4}\.|[\u0085\u2026])"
FNMARKS = r"(?:@+|#+|_+)"
ASTS = r"(?:\*+|(?:\\\*){1,3})"
INSENTP = r"[,;:\u3001]"
QUOTES = (
    rf"(?:{APOS}|''|[`\u2018\u2019\u201A\u201B\u201C\u201D\u0091\u0092\u0093\u0094"
    r"\u201E\u201F\u2039\u203A\u00AB\u00BB]{1,2})"
)
DBLQUOT = rf"(?:\"|{_ci('&quot;')})"
TBSPEC = (
    rf"(?:-{_alt('RRB', 'LRB', 'RCB', 'LCB', 'RSB', 'LSB')}-|{_ci('C.D.s')}|{_ci('pro-')}"
    rf"|{_ci('anti-')}|[sS](?:&|{SPAMP}){_ci('P-500')}|[sS](?:&|{SPAMP}){_ci('Ls')}"
    rf"|{_ci('Cap')}{APOS}[nN]|[cC]{APOS}{_ci('est')})"
)
TBSPEC2 = rf"{APOS}[0-9][0-9]"
SMILEY = r"[<>]?[:;=][\-o*']?[()DPdpO\\{@|\[\]]"
# The first alternative ends in the literal text ".[^x=~<>]" in the specification.
ASIANSMILEY = (
    r"(?:[\^x=~<>]\.\[\^[xX]=~<>\]|[\-\^x=~<>']_[\-\^x=~<>']"
    r"|\([\-\^x=~<>'][_.]?[\-\^x=~<>']\)|\([\^x=~<>']-[\^x=~<>'`]\))"
)
MISCSYMBOL = (
    r"[+%&~\^|\\\u00A6\u00A7\u00A8\u00A9\u00AC\u00AE\u00AF\u00B0-\u00B3\u00B4-\u00BA\u00D7"
    r"\u00F7\u0387\u05BE\u05C0\u05C3\u05C6\u05F3\u05F4\u0600-\u0603\u0606-\u060A\u060C\u0614"
    r"\u061B\u061E\u066A\u066D\u0703-\u070D\u07F6\u07F7\u07F8\u0964\u0965\u0E4F\u1FBD\u2016"
    r"\u2017\u2020-\u2023\u2030-\u2038\u203B\u203E-\u2042\u2044\u207A-\u207F\u208A-\u208E"
    r"\u2100-\u214F\u2190-\u21FF\u2200-\u2BFF\u3012\u30FB\uFF01-\uFF0F\uFF1A-\uFF20"
    r"\uFF3B-\uFF40\uFF5B-\uFF65]"
)
SPACES_OR_IGNORED = rf"(?:\x00|{SPACE}+|[\u200B\u200E\u200F\uFEFF])"


class Act(Enum):
    """What a rule does with its text (the lexer's actions, by kind)."""

    TEXT = "text"  # the text as matched
    SOFT = "soft"  # soft hyphens removed
    SPACE_TO_NBSP = "nbsp"  # spaces inside the token become U+00A0
    DASH = "dash"  # "--"
    AMP = "amp"  # "&amp;" -> "&"
    QUOTE_LEFT = "qleft"  # LaTeX quotes, opening
    QUOTE_RIGHT = "qright"  # LaTeX quotes, closing
    FRACTION_CHAR = "frac2"  # composed fractions spelled out
    CURRENCY = "currency"  # cent, pound, euro and the like
    PHONE = "phone"  # spaces to U+00A0, parentheses escaped
    PARENS = "parens"  # parentheses escaped
    LITERAL = "literal"  # a fixed output (rule.output)
    HYPHENS = "hyphens"  # 3 or 4 hyphens -> "--"
    ELLIPSIS = "ellipsis"  # "..."
    KEEP_PERIOD_TWICE = "abbrev"  # emit with its period, then the period again
    ACRONYM_END = "acronym"  # sentence-final acronym (see tokenize._act)
    SKIP = "skip"  # whitespace and ignorables
    NEWLINE = "newline"  # a line break (one output line per input line)
    DELETE = "delete"  # untokenisable: dropped silently


@dataclass(frozen=True)
class Rule:
    """One lexer rule: `body` is the token text; `context` must follow but is not consumed."""

    name: str
    body: str
    act: Act
    context: str | None = None
    #: Characters handed back to the input after the match (the lexer's yypushback).
    pushback: int = 0
    output: str = ""


def _r(name: str, body: str, act: Act = Act.TEXT, context: str | None = None, **kw: object) -> Rule:
    return Rule(name, body, act, context, **kw)  # type: ignore[arg-type]


# In the lexer's priority order.
RULES: tuple[Rule, ...] = (
    _r("c++", r"[cC][+][+]"),
    _r("c#", r"[cCfF]#"),
    _r("cannot", _ci("cannot"), pushback=3),
    _r("'twas", "'" + _ci("twas"), pushback=3),
    _r("'tis", "'" + _ci("tis"), pushback=2),
    _r("gonna", _alt("gonna", "gotta", "lemme", "gimme", "wanna"), pushback=2),
    _r("sgml", SGML, Act.SPACE_TO_NBSP),
    _r("spmdash", SPMDASH, Act.DASH),
    _r("spamp", SPAMP, Act.AMP),
    _r("sppunc", SPPUNC),
    _r("word/redaux", WORD, Act.SOFT, REDAUX),
    _r("sword/sredaux", SWORD, Act.SOFT, SREDAUX),
    _r("word", WORD, Act.SOFT),
    _r("apoword", APOWORD),
    _r("apoword2", APOWORD2, context=r"\p{L}"),
    _r("fullurl", FULLURL),
    _r("likelyurl", LIKELYURL),
    _r("email", EMAIL),
    _r("twitter", TWITTER),
    _r("redaux/", REDAUX, Act.QUOTE_RIGHT, r"[^A-Za-z]"),
    _r("sredaux/", SREDAUX, Act.QUOTE_RIGHT, r"[^A-Za-z]"),
    _r("date", DATE),
    _r("number", NUMBER, Act.SOFT),
    _r("subsupnum", SUBSUPNUM),
    _r("frac", FRAC, Act.SPACE_TO_NBSP),
    _r("frac2", FRAC2, Act.FRACTION_CHAR),
    _r("tbspec", TBSPEC, Act.AMP),
    _r("thing3", THING3),
    _r("dolsign", DOLSIGN),
    _r("dolsign2", DOLSIGN2, Act.CURRENCY),
    _r("acronym/", ACRONYM, Act.ACRONYM_END, ACRONYM_CONTEXT),
    _r("abbrev3/", ABBREV3, context=rf"{SPACENL}?\p{{Nd}}"),
    _r("pty.", rf"(?:[pP][tT][eyEY]|{_ci('co')})\.", context=rf"{SPACE}{_alt('ltd', 'lim')}"),
    _r("abbrev1/sentend", ABBREV1, Act.KEEP_PERIOD_TWICE, SENTEND),
    _r("abbrev1/any2", ABBREV1, context=r"(?s:..)"),
    _r("abbrev1", ABBREV1, Act.KEEP_PERIOD_TWICE),
    _r("abbrev2", ABBREV2),
    _r("abbrev4/", ABBREV4, context=SPACE),
    _r("acro/", ACRO, context=SPACENL),
    _r("tbspec2/", TBSPEC2, context=SPACENL),
    _r("filename/", FILENAME, context=rf"(?:{SPACENL}|[.?!,])"),
    _r("word./", rf"{WORD}\.", Act.SOFT, INSENTP),
    _r("phone", PHONE, Act.PHONE),
    _r("dblquot/", DBLQUOT, Act.QUOTE_LEFT, r"[A-Za-z0-9$]"),
    _r("dblquot", DBLQUOT, Act.QUOTE_RIGHT),
    _r("del", r"\x7f", Act.SKIP),
    _r("lessthan", rf"(?:<|{_ci('&lt;')})", Act.LITERAL, output="<"),
    _r("greaterthan", rf"(?:>|{_ci('&gt;')})", Act.LITERAL, output=">"),
    _r("smiley/", SMILEY, Act.PARENS, r"[^A-Za-z0-9]"),
    _r("asiansmiley", ASIANSMILEY, Act.PARENS),
    _r("{", r"\{", Act.LITERAL, output="-LCB-"),
    _r("}", r"\}", Act.LITERAL, output="-RCB-"),
    _r("[", r"\[", Act.LITERAL, output="-LSB-"),
    _r("]", r"\]", Act.LITERAL, output="-RSB-"),
    _r("(", r"\(", Act.LITERAL, output="-LRB-"),
    _r(")", r"\)", Act.LITERAL, output="-RRB-"),
    _r("hyphens", r"-+", Act.HYPHENS),
    _r("ldots", LDOTS, Act.ELLIPSIS),
    _r("fnmarks", FNMARKS),
    _r("asts", ASTS),
    _r("insentp", INSENTP),
    _r("?!", r"[?!]+"),
    _r("period", r"[.\u00A1\u00BF\u037E\u0589\u061F\u06D4\u0700-\u0702\u07FA\u3002]"),
    _r("=", "="),
    _r("/", "/"),
    _r("hthing./", rf"{HTHING}\.", Act.SOFT, INSENTP),
    _r("hthing", HTHING, Act.SOFT),
    _r("thing./", rf"{THING}\.", context=INSENTP),
    _r("thing", THING),
    _r("thinga./", rf"{THINGA}\.", Act.AMP, INSENTP),
    _r("thinga", THINGA, Act.AMP),
    _r("'/", "'", Act.QUOTE_LEFT, r"[A-Za-z][^ \t\n\r\u00A0]"),
    _r("redaux", REDAUX, Act.QUOTE_RIGHT),
    _r("sredaux", SREDAUX, Act.QUOTE_RIGHT),
    _r("quotes", QUOTES, Act.QUOTE_RIGHT),
    _r("fakeduckfeet", r"(?:<<|>>)"),
    _r("miscsymbol", MISCSYMBOL),
    _r("spaces", SPACES_OR_IGNORED, Act.SKIP),
    _r("newline", NEWLINE, Act.NEWLINE),
    _r("&nbsp;", _ci("&nbsp;"), Act.SKIP),
    _r("untokenizable", r"(?s:.)", Act.DELETE),
)
