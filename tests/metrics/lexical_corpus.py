"""Seeded radiology-like findings and adversarial strings for the lexical-metric tests.

Shared by tests/metrics/test_*.py of the lexical metrics and benchmarks/lexical_suite.py.
The findings mimic PETARSeg-11K references and model outputs: structured lines, decimals,
sizes ("14 x 11 mm"), SUVmax values, slices, laterality, abbreviations and hedges.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, TypedDict

import numpy as np

if TYPE_CHECKING:
    from petar_bench.metrics.base import Metric, SampleStats

_REGIONS = ["Head and neck", "Thorax", "Abdomen", "Pelvis", "Musculoskeletal", "Chest"]
_ORGANS = ["Lung", "Liver", "Lymph node", "Bone", "Adrenal gland", "Pancreas", "Spleen",
           "Thyroid", "Prostate", "Kidney", "Colon", "Breast", "Esophagus"]  # fmt: skip
_SITES = ["right upper lobe", "left lower lobe", "segment VII", "L4 vertebral body",
          "right hilar", "left supraclavicular", "T12-L1", "C3-4", "left ischial tuberosity",
          "right iliac (external)", "mediastinal [4R]", "sacrum/S1", "porta hepatis",
          "aortocaval", "retroperitoneal", "left axillary level II", "right adnexa"]  # fmt: skip
_DESCRIPTORS = ["Focal", "Intensely", "Mildly", "Moderately", "Heterogeneous", "Ill-defined",
                "New", "Enlarging", "Persistent", "Decreased", "Non-avid",
                "Photopenic"]  # fmt: skip
_LESIONS = ["hypermetabolic nodule", "FDG-avid lymph node", "lytic lesion", "sclerotic focus",
            "soft-tissue mass", "uptake", "osseous metastasis", "DOTATATE-avid lesion",
            "PSMA-avid node", "consolidation", "hypodense lesion",
            "fluciclovine uptake"]  # fmt: skip
_HEDGES = ["likely metastatic", "suspicious for malignancy", "possibly inflammatory",
           "consistent with disease progression", "no CT correlate", "e.g. reactive",
           "cannot exclude infection", "compared with prior, i.e. increased", "etc.",
           "which is new vs. prior", "approx. unchanged", "ca. 2 cm", "the U.S. guideline",
           "Dr. Smith's note", "see Fig. 3", "grade I.", "N.B. motion artefact"]  # fmt: skip
_ADVERSARIAL = [
    "", " ", "a", ".", "...", "( )", "[4R]", "{x}", "<b>bold</b>", "1/2", "3 1/2", "+/-", "±",
    ">= 5", "<= 2.5", "≥ 3", "≤ 1", "2.5±0.3", "-3.2", "+4", ".5", "1,000", "12:30", "3:45pm",
    'he said "avid"', "'quoted'", "`tick`", "“curly” ‘single’", "O'Neil's", "don't",
    "can't", "cannot", "gonna", "rock'n'roll", "'90s", "naïve café Ünïcödé", "中文 日本語",
    "emoji 😀 🩺 here", "Σ ΣΣ aΣ", "µg/mL", "°C", "x²", "5 × 4 mm", "→", "—", "–", "…",
    "&amp; &lt; &gt;", "&quot;x&quot;", "http://example.org/a?b=c", "www.example.com",
    "mail@example.org", "file.txt", "C++ C# F#", "S&P AT&T", ":) :-( ^_^", "#5 @home",
    "$5 £3 €4 ¢2", "100%", "a*b", "x/y/z", "and/or", "s/p", "r/o", "w/", "T2/FLAIR",
    "line one\nline two", "tab\there", "CR\rLF", "NBSP\u00a0here", "zero\u200bwidth",
    "soft\u00adhyphen", "U.S. The", "etc. The", "I. The", "vs. The", "ca. 5", "Pty. Ltd",
    "|||", "a ||| b", "SCORE ||| x", "EVAL", "-LRB- -rrb-", "( ( ( ) ) )", "----", "-- -",
    "word " * 200, "12.1 " * 100, "Ⅳ Ⓐ İ ß ﬁ ＡＢＣ", "\u3000ideographic\u3000space",
]  # fmt: skip


def _number(rng: random.Random) -> str:
    return f"{rng.uniform(0.5, 25):.1f}"


def _size(rng: random.Random) -> str:
    a, b = rng.randint(3, 60), rng.randint(3, 60)
    return rng.choice([f"{a} x {b} mm", f"{a}x{b} mm", f"{a / 10:.1f} x {b / 10:.1f} cm",
                       f"{a} mm", f"{a}-mm"])  # fmt: skip


def finding(rng: random.Random) -> str:
    """One synthetic finding: a sentence or the structured schema, varied punctuation."""
    side = rng.choice(["right", "left", "bilateral", "midline"])
    sentence = (
        f"{rng.choice(_DESCRIPTORS)} {rng.choice(_LESIONS)} in the {side} "
        f"{rng.choice(_SITES)}, measuring {_size(rng)}, SUVmax {_number(rng)}"
        f"{rng.choice(['', f' (previously {_number(rng)})', f' [{_number(rng)}]'])}, "
        f"PET/CT axial slice {rng.randint(20, 350)}"
        f"{rng.choice(['.', '; ' + rng.choice(_HEDGES) + '.', ', ' + rng.choice(_HEDGES)])}"
    )
    if rng.random() < 0.4:
        return (
            f"Region: {rng.choice(_REGIONS)}\nOrgan: {rng.choice(_ORGANS)}\n"
            f"Sub-site: {rng.choice(_SITES)}\nSUVmax: {_number(rng)}\n"
            f"Slice: {rng.randint(20, 350)}\nFindings: {sentence}"
        )
    if rng.random() < 0.15:
        return sentence.upper()
    return sentence


def findings(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [finding(rng) for _ in range(n)]


def adversarial() -> list[str]:
    return list(_ADVERSARIAL)


def pairs(n: int, seed: int) -> tuple[list[str], list[str]]:
    """(predictions, references): references are findings; predictions are edited copies,
    unrelated findings, or adversarial strings, so every score range is exercised."""
    rng = random.Random(seed)
    refs = [finding(rng) for _ in range(n)]
    preds = []
    for ref in refs:
        roll = rng.random()
        if roll < 0.45:
            words = ref.split(" ")
            for _ in range(rng.randint(0, 4)):
                i = rng.randrange(len(words))
                words[i] = rng.choice([words[i].lower(), _number(rng), "the", rng.choice(_SITES)])
            preds.append(" ".join(words))
        elif roll < 0.9:
            preds.append(finding(rng))
        else:
            preds.append(rng.choice(_ADVERSARIAL))
    return preds, refs


def evaluation_pairs(n: int = 520, seed: int = 7) -> tuple[list[str], list[str]]:
    """The test set: >= 500 synthetic pairs plus every adversarial string on either side
    (against findings and against each other), raw (not yet normalised)."""
    preds, refs = pairs(n, seed)
    adv = adversarial()
    extra_refs = findings(len(adv), seed + 1)
    preds += adv + extra_refs + adv
    refs += extra_refs + adv + adv[1:] + adv[:1]
    return preds, refs


class CocoReference(TypedDict):
    """pycocoevalcap's tokenised captions and (corpus, per-sample) values."""

    gts: list[str]
    res: list[str]
    bleu: tuple[list[float], list[list[float]]]
    rouge_l: tuple[float, list[float]]
    cider: tuple[float, list[float]]


def coco_reference(predictions: tuple[str, ...], references: tuple[str, ...]) -> CocoReference:
    """pycocoevalcap's own pipeline (its Java PTBTokenizer + Bleu/Rouge/Cider) on these texts.

    Returns the tokenised captions and each scorer's corpus and per-sample values. Cached:
    several test modules compare against the same reference run.
    """
    key = (predictions, references)
    if key not in _COCO_CACHE:
        _COCO_CACHE[key] = _run_coco(predictions, references)
    return _COCO_CACHE[key]


_COCO_CACHE: dict[tuple[tuple[str, ...], tuple[str, ...]], CocoReference] = {}


def _run_coco(predictions: tuple[str, ...], references: tuple[str, ...]) -> CocoReference:
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize({i: [{"caption": r}] for i, r in enumerate(references)})
    res = tokenizer.tokenize({i: [{"caption": p}] for i, p in enumerate(predictions)})
    bleu, bleu_per = Bleu(4).compute_score(gts, res, verbose=0)
    rouge, rouge_per = Rouge().compute_score(gts, res)
    cider, cider_per = Cider().compute_score(gts, res)
    return CocoReference(
        gts=[gts[i][0] for i in range(len(references))],
        res=[res[i][0] for i in range(len(predictions))],
        bleu=(list(bleu), [list(x) for x in bleu_per]),
        rouge_l=(float(rouge), [float(x) for x in rouge_per]),
        cider=(float(cider), [float(x) for x in cider_per]),
    )


def normalised_pairs() -> tuple[list[str], list[str]]:
    """`evaluation_pairs()` after the scorer's normalisation (what metrics receive)."""
    from petar_bench.metrics._normalize import normalize_text

    preds, refs = evaluation_pairs()
    return [normalize_text(t) for t in preds], [normalize_text(t) for t in refs]


def run_metric(
    metric: Metric, preds: list[str], refs: list[str], full_split: bool = True
) -> tuple[float, np.ndarray, SampleStats]:
    """(corpus value, per-sample values, SampleStats) of a Metric on aligned texts."""
    from petar_bench.metrics.base import ScoringContext

    context = ScoringContext(sample_ids=[str(i) for i in range(len(preds))], full_split=full_split)
    stats = metric.statistics(preds, refs, context)
    return metric.aggregate(stats.values), metric.per_sample(stats.values), stats
