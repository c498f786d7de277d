"""PTB tokenisation: our pure-Python lexer against pycocoevalcap's Java PTBTokenizer.

Provenance of the expected strings in EXPECTED: Stanford CoreNLP 3.4.1's PTBTokenizer as
pycocoevalcap 1.2 runs it (`-preserveLines -lowerCase`, then its punctuation filter),
recorded on OpenJDK 17. The Java-marked tests recompute them live.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from petar_bench.metrics import _tokenize as ptb
from petar_bench.metrics._normalize import normalize_text

sys.path.insert(0, str(Path(__file__).parent))
from lexical_corpus import adversarial, coco_reference, evaluation_pairs  # noqa: E402

EXPECTED = [
    ("The lesion (2.3 x 1.4 cm) in the L4/L5 vertebra [SUVmax 12.1] shows +/- uptake >= 5.",
     "the lesion -lrb- 2.3 x 1.4 cm -rrb- in the l4/l5 vertebra -lsb- suvmax 12.1 -rsb- shows "
     "+ / uptake > = 5"),
    ("Don't can't won't cannot gonna I'm he's they'll we've O'Neil rock'n'roll",
     "do n't ca n't wo n't can not gon na i 'm he 's they 'll we 've o'neil rock 'n' roll"),
    ("\"Quoted\" 'single' `back` colour tumour", "quoted single back colour tumour"),
    ("7.3cm 14x11 mm 14 × 11 mm SUV 5.2±0.3 ≥ ≤ → µ ° ca. approx. e.g. i.e. etc. U.S. Dr. vs.",
     "7.3 cm 14x11 mm 14 × 11 mm suv 5.2 ± 0.3 ≥ ≤ → µ ° ca approx e.g. i.e. etc. u.s. dr. vs."),
    ("A & B; C: D! E? F... G -- H - I — J – K … {brace} <angle> $5 £3 €4 100% #1 a*b ~x ^y",
     "a & b c d e f. g h i j k -lcb- brace -rcb- <angle> $ 5 # 3 $ 4 100 % # 1 a * b ~ x ^ y"),
    ("naïve café Ünïcödé 中文 😀 Ḿ ﬁle ＡＢＣ", "naïve café ünïcödé 中文 ḿ ﬁle ａｂｃ"),
    ("http://www.example.com/a?b=c foo@bar.com 3:45pm 12:30 a.m. 1,000,000 .5 -3.2 +4 T12-L1",
     "http://www.example.com/a?b=c foo@bar.com 3:45 pm 12:30 a.m. 1,000,000 .5 -3.2 +4 t12-l1"),
    ("", ""),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), EXPECTED)
def test_recorded_tokenisations(text: str, expected: str) -> None:
    assert ptb.ptb_tokenize([text]) == (expected,)


def test_bracket_tokens_survive_the_punctuation_filter() -> None:
    # pycocoevalcap lists "-LRB-" in upper case but filters lower-cased tokens.
    assert ptb.ptb_tokenize(["(a) [b] {c}"]) == ("-lrb- a -rrb- -lsb- b -rsb- -lcb- c -rcb-",)


def test_context_crosses_caption_boundaries() -> None:
    # "I." before a sentence starter loses its period ("i"); before "the" it keeps it.
    assert ptb.ptb_tokenize(["grade I.", "The node"]) == ("grade i", "the node")
    assert ptb.ptb_tokenize(["grade I.", "the node"]) == ("grade i.", "the node")


def test_degenerate_inputs() -> None:
    assert ptb.ptb_tokenize([]) == ()
    assert ptb.ptb_tokenize(["", " ", ""]) == ("", "", "")
    long_text = "focal uptake in segment VII, SUVmax 12.1; " * 400
    (out,) = ptb.ptb_tokenize([long_text])
    assert out.split(" ")[:6] == ["focal", "uptake", "in", "segment", "vii", "suvmax"]
    assert out.count("12.1") == 400


def test_raw_line_breaks_do_not_shift_captions() -> None:
    # A '\r' is a line break to the lexer; pycocoevalcap would move every later caption
    # to the wrong sample. We keep captions aligned.
    out = ptb.ptb_tokenize(["CR\rLF", "next", "a\u2028b", "last\nline"])
    assert out == ("cr lf", "next", "a b", "last line")


def test_fast_paths_agree_with_the_full_rule_set(monkeypatch: pytest.MonkeyPatch) -> None:
    preds, refs = evaluation_pairs()
    texts = [normalize_text(t) for t in preds + refs]
    stream = "\n".join(texts)
    fast = ptb.lex(stream)

    class Never:
        def match(self, *args: object) -> None:
            return None

    for name in ("_FAST_WORD", "_FAST_NUMBER", "_FAST_SPACES"):
        monkeypatch.setattr(ptb, name, Never())
    assert ptb.lex(stream) == fast


def _java_ptb(texts: list[str], tmp_path: Path) -> list[str]:
    """The jar directly (temp file in tmp_path, not in site-packages), pycocoevalcap's filter."""
    jar = _corenlp_jar()
    source = tmp_path / "captions.txt"
    source.write_bytes("\n".join(t.replace("\n", " ") for t in texts).encode())
    command = ["java", "-cp", str(jar), "edu.stanford.nlp.process.PTBTokenizer"]
    command += ["-preserveLines", "-lowerCase", str(source)]
    out = subprocess.run(command, capture_output=True, check=True).stdout.decode()
    lines = out.split("\n")[: len(texts)]
    return [
        " ".join(w for w in line.rstrip().split(" ") if w not in ptb.PUNCTUATIONS) for line in lines
    ]


def _corenlp_jar() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("pycocoevalcap")
    if spec is None:
        pytest.skip("pycocoevalcap is not installed")
    for location in spec.submodule_search_locations or []:
        jar = Path(location) / "tokenizer" / "stanford-corenlp-3.4.1.jar"
        if jar.is_file():
            return jar
    pytest.skip("stanford-corenlp-3.4.1.jar not found in pycocoevalcap")


def _pycocoevalcap_writable() -> None:
    jar = _corenlp_jar()
    if not os.access(jar.parent, os.W_OK):
        pytest.skip("pycocoevalcap writes its temp file next to its jar: read-only install")


@pytest.mark.java
@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime")
@pytest.mark.parametrize("normalised", [True, False])
def test_equals_pycocoevalcap_ptbtokenizer(normalised: bool) -> None:
    _pycocoevalcap_writable()
    preds, refs = evaluation_pairs()
    if normalised:
        preds, refs = [normalize_text(t) for t in preds], [normalize_text(t) for t in refs]
    else:
        # pycocoevalcap replaces '\n' itself; other line breaks misalign its output.
        breaks = ("\r", "\u2028", "\u2029", "\x0b", "\x0c", "\x85")
        keep = [
            i
            for i, (p, r) in enumerate(zip(preds, refs, strict=True))
            if not any(b in p + r for b in breaks)
        ]
        preds, refs = [preds[i] for i in keep], [refs[i] for i in keep]
    assert len(preds) >= 500
    ref = coco_reference(tuple(preds), tuple(refs))
    assert list(ptb.ptb_tokenize(preds)) == ref["res"]
    assert list(ptb.ptb_tokenize(refs)) == ref["gts"]


_SOUP = list("abcdlmnostuwyxADIMNOSTUXY0123456789.,;:'\"`-_/\\()[]{}<>&#$@*+=^~|!?% ") + [
    "\u00a0", "’", "‘", "“", "”", "—", "…", "½", "é", "µ", "°", "€", "😀", "\u00ad",
    "&amp;", "&lt;", "&quot;", "&apos;", "www.", ".com", "http://", "cannot", "etc.", "U.S.",
    "The ", "n't", "'s", "Mr.", "ca. ", "No. ", "co. ltd", "<b>", "</a>", "<a b='c'>", ":)",
    "^_^", "(555) ", "1/2", " 1/2", "-LRB-", "I.", " The ", "'99", "file.txt",
]  # fmt: skip


@pytest.mark.java
@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime")
def test_random_character_soup_equals_the_jar(tmp_path: Path) -> None:
    rng = random.Random(2024)
    texts = ["".join(rng.choice(_SOUP) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    texts += [normalize_text(t) for t in adversarial()]
    assert list(ptb.ptb_tokenize(texts)) == _java_ptb(texts, tmp_path)
