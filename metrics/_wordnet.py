"""WordNet 3.0 for nltk, from Debian's `wordnet-base` files: never downloaded at run time.

nltk's reader wants one folder holding the database files (data.*, index.*, *.exc) and a
`lexnames` file. Debian installs the former in /usr/share/wordnet but not the latter; we ship
it (metrics/data/wordnet_lexnames.tsv, generated from the lexnames(5WN) manual page by
scripts/make_wordnet_lexnames.py). nltk refuses files reached through a symlink that leaves
the reader's root and any file with more than one hard link, so the database files are
copied (36 MB, once) into a folder of the petar-bench cache beside our lexnames.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from petar_bench._paths import cache_dir
from petar_bench.fileio import atomic_write_bytes
from petar_bench.metrics.errors import MetricUnavailable

DEBIAN_DIR = Path("/usr/share/wordnet")
LEXNAMES = Path(__file__).parent / "data" / "wordnet_lexnames.tsv"
REQUIRED = tuple(
    f"{kind}.{pos}" for kind in ("data", "index") for pos in ("noun", "verb", "adj", "adv")
) + tuple(f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv"))
INSTALL_HINT = (
    "WordNet 3.0 is missing: install it with 'apt-get install wordnet-base "
    "wordnet-sense-index' (Debian/Ubuntu) or set PETAR_BENCH_WORDNET_DIR to a folder holding "
    "the WordNet 3.0 dict files"
)


def source_dir() -> Path:
    return Path(os.environ.get("PETAR_BENCH_WORDNET_DIR") or DEBIAN_DIR)


def _prepared_root(source: Path) -> Path:
    """A cache folder with copies of the dict files and our lexnames."""
    root = cache_dir() / "wordnet-3.0"
    root.mkdir(parents=True, exist_ok=True)
    # Atomic writes: another process sharing the cache sees the old file or the new one.
    for name in (*REQUIRED, "index.sense"):
        src, dst = source / name, root / name
        if not src.is_file() or (dst.is_file() and dst.stat().st_size == src.stat().st_size):
            continue
        atomic_write_bytes(dst, src.read_bytes())
    lexnames = root / "lexnames"
    ours = LEXNAMES.read_bytes()
    if not lexnames.is_file() or lexnames.read_bytes() != ours:
        atomic_write_bytes(lexnames, ours)
    return root


@cache
def load_wordnet() -> Any:
    """nltk's WordNetCorpusReader over WordNet 3.0 (MetricUnavailable when absent)."""
    source = source_dir()
    missing = [name for name in REQUIRED if not (source / name).is_file()]
    if missing:
        raise MetricUnavailable("meteor_nltk", f"{INSTALL_HINT} (no {source / missing[0]})")
    try:
        import nltk
        from nltk.corpus.reader.wordnet import WordNetCorpusReader
    except ImportError:
        raise MetricUnavailable("meteor_nltk", "needs nltk: pip install nltk") from None
    root = _prepared_root(source)
    if str(root) not in nltk.data.path:
        nltk.data.path.append(str(root))  # nltk only opens corpus files under its data path
    import warnings

    class WordNet30(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:
            # nltk maps OMW's WordNet 3.0 synset ids onto the loaded WordNet by loading
            # nltk's own downloaded copy; this copy IS WordNet 3.0 and OMW is not used.
            return None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions are not available": fine
        return WordNet30(str(root), None)
