"""The built-in metrics, registered in `petar_bench.registry.metrics`.

One factory per metric id; each returns a Metric instance and takes the metric's options as
keyword arguments (all optional). Factories import their metric module when called, so
listing metrics stays cheap. Add new metrics as further registrations below.
"""

from __future__ import annotations

from typing import Any

from petar_bench.metrics.base import Metric
from petar_bench.registry import metrics

# ---- lexical (COCO caption evaluation, pycocoevalcap-compatible) -----------------------


@metrics.register("bleu1", description="BLEU-1, corpus, PTB tokens (pycocoevalcap)")
def bleu1() -> Metric:
    from petar_bench.metrics.bleu import Bleu1

    return Bleu1()


@metrics.register("bleu2", description="BLEU-2, corpus, PTB tokens (pycocoevalcap)")
def bleu2() -> Metric:
    from petar_bench.metrics.bleu import Bleu2

    return Bleu2()


@metrics.register("bleu3", description="BLEU-3, corpus, PTB tokens (pycocoevalcap)")
def bleu3() -> Metric:
    from petar_bench.metrics.bleu import Bleu3

    return Bleu3()


@metrics.register("bleu4", description="BLEU-4, corpus, PTB tokens (pycocoevalcap)")
def bleu4() -> Metric:
    from petar_bench.metrics.bleu import Bleu4

    return Bleu4()


@metrics.register("rouge_l", description="ROUGE-L (LCS F, beta 1.2), mean (pycocoevalcap)")
def rouge_l() -> Metric:
    from petar_bench.metrics.rouge import RougeL

    return RougeL()


@metrics.register("cider", description="CIDEr-D, DF from the evaluated set (pycocoevalcap)")
def cider() -> Metric:
    from petar_bench.metrics.cider import CiderD

    return CiderD()


@metrics.register("meteor", description="METEOR 1.5, pooled (pycocoevalcap's jar)", needs=("java",))
def meteor(**options: Any) -> Metric:
    """Options: timeout_s (per answer line, default 120), prestart (default True)."""
    from petar_bench.metrics.meteor import Meteor

    return Meteor(**options)


@metrics.register(
    "meteor_nltk",
    description="METEOR (nltk, as HF evaluate in M3D/PETAR scripts), mean",
    needs=("wordnet",),
)
def meteor_nltk() -> Metric:
    from petar_bench.metrics.meteor_nltk import MeteorNltk

    return MeteorNltk()


# ---- embedding ---------------------------------------------------------------------------


@metrics.register(
    "bertscore",
    description="BERTScore F1 (default roberta-large, layer 17), mean",
    needs=("torch", "model"),
)
def bertscore(**options: Any) -> Metric:
    """Options: model, layer, idf, rescale, baseline_path, batch_size, device."""
    from petar_bench.metrics.bertscore import BertScore

    return BertScore(**options)


@metrics.register(
    "bartscore",
    description="BARTScore (BART-large-CNN log-likelihood), F of both directions, mean",
    needs=("torch", "model"),
)
def bartscore(**options: Any) -> Metric:
    """Options: model (folder or hub id), direction (f, precision, recall), batch_size,
    device."""
    from petar_bench.metrics.bartscore import BartScore

    return BartScore(**options)


# ---- M3D / PETAR-script compatible variants (Hugging Face evaluate) ---------------------


@metrics.register("bleu1_m3d", description="BLEU-1 per sample, mean (HF evaluate, 13a)")
def bleu1_m3d() -> Metric:
    from petar_bench.metrics.m3d_compat import Bleu1M3D

    return Bleu1M3D()


@metrics.register("rouge1", description="ROUGE-1 F (rouge-score), mean")
def rouge1(use_stemmer: bool = False) -> Metric:
    from petar_bench.metrics.m3d_compat import Rouge1

    return Rouge1(use_stemmer=use_stemmer)


@metrics.register("rougeL_rs", description="ROUGE-L F (rouge-score), mean")
def rouge_l_rs(use_stemmer: bool = False) -> Metric:
    from petar_bench.metrics.m3d_compat import RougeLRougeScore

    return RougeLRougeScore(use_stemmer=use_stemmer)


import petar_bench.metrics.green.register, petar_bench.metrics.pet_fields  # noqa: E401, E402, F401, I001 - registers green, pet_*, *_masked
