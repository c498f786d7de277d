"""Every built-in metric, in one table: id, class, fixed arguments, description, needs.

The registry (`petar_bench.registry.metrics`) reads this table when it is first asked for a
metric. Nothing here imports a metric module: a row names its class as "package.module:Class",
and the module is imported when the metric is created, so listing metrics stays cheap. Options a
user passes (`-o KEY=VALUE`) reach the class as keyword arguments after the fixed ones.

Third-party metrics register through the entry-point group ``petar_bench.metrics`` instead.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from petar_bench.registry import Registration

if TYPE_CHECKING:
    from petar_bench.metrics.base import Metric

#: What `run`, `score` and `demo` compute when no --metrics is given.
DEFAULT_METRICS: tuple[str, ...] = (
    "bleu1",
    "bleu4",
    "rouge_l",
    "meteor",
    "cider",
    "pet_region_acc",
    "pet_laterality_acc",
    "pet_suvmax_fidelity",
)


@dataclass(frozen=True)
class MetricSpec:
    """One row of the catalogue."""

    id: str
    target: str  # "petar_bench.metrics.module:Class", imported when the metric is made
    description: str
    needs: tuple[str, ...] = ()
    fixed: Mapping[str, object] = field(default_factory=dict)

    def factory(self) -> Callable[..., Metric]:
        """A `(**options) -> Metric` that imports the metric's module only when called."""
        module_name, _, class_name = self.target.partition(":")
        fixed = dict(self.fixed)

        def create(**options: object) -> Metric:
            from petar_bench.registry import check_options

            module = importlib.import_module(module_name)
            build = functools.partial(getattr(module, class_name), **fixed)
            # The options a metric takes are its class's: checked here, where it is imported.
            check_options(f"metric {self.id!r}", build, dict(options))
            metric: Metric = build(**options)
            return metric

        create.__doc__ = self.description
        return create


_COCO = "PTB tokens (pycocoevalcap)"

_TEXT: tuple[MetricSpec, ...] = (
    # lexical (COCO caption evaluation, pycocoevalcap-compatible)
    MetricSpec("bleu1", "petar_bench.metrics._bleu:Bleu1", f"BLEU-1, corpus, {_COCO}"),
    MetricSpec("bleu2", "petar_bench.metrics._bleu:Bleu2", f"BLEU-2, corpus, {_COCO}"),
    MetricSpec("bleu3", "petar_bench.metrics._bleu:Bleu3", f"BLEU-3, corpus, {_COCO}"),
    MetricSpec("bleu4", "petar_bench.metrics._bleu:Bleu4", f"BLEU-4, corpus, {_COCO}"),
    MetricSpec(
        "rouge_l",
        "petar_bench.metrics._rouge:RougeL",
        "ROUGE-L (LCS F, beta 1.2), mean (pycocoevalcap)",
    ),
    MetricSpec(
        "cider",
        "petar_bench.metrics._cider:CiderD",
        "CIDEr-D, DF from the evaluated set (pycocoevalcap)",
    ),
    # options: backend ("native", default, or "jar"); with the jar: timeout_s (per answer
    # line, default 120), prestart (default True)
    MetricSpec(
        "meteor",
        "petar_bench.metrics._meteor:Meteor",
        "METEOR 1.5, pooled (pycocoevalcap's jar's, computed natively)",
        needs=("pycocoevalcap",),
    ),
    # embedding; options: model, layer, idf, rescale, baseline_path, batch_size, device
    MetricSpec(
        "bertscore",
        "petar_bench.metrics._bertscore:BertScore",
        "BERTScore F1 (default roberta-large, layer 17), mean",
        needs=("torch", "model"),
    ),
    # M3D / PETAR-script compatible variants (Hugging Face evaluate); option: use_stemmer
    MetricSpec(
        "bleu1_m3d",
        "petar_bench.metrics._m3d_compat:Bleu1M3D",
        "BLEU-1 per sample, mean (HF evaluate, 13a)",
    ),
    MetricSpec("rouge1", "petar_bench.metrics._m3d_compat:Rouge1", "ROUGE-1 F (rouge-score), mean"),
    MetricSpec(
        "rougeL_rs",
        "petar_bench.metrics._m3d_compat:RougeLRougeScore",
        "ROUGE-L F (rouge-score), mean",
    ),
    MetricSpec(
        "meteor_nltk",
        "petar_bench.metrics._meteor_nltk:MeteorNltk",
        "METEOR (nltk, as HF evaluate in M3D/PETAR scripts), mean",
        needs=("wordnet",),
    ),
    # options: model (folder or hub id), direction (f, precision, recall), batch_size, device
    MetricSpec(
        "bartscore",
        "petar_bench.metrics._bartscore:BartScore",
        "BARTScore (BART-large-CNN log-likelihood), F of both directions, mean",
        needs=("torch", "model"),
    ),
    # options: ner_model, encoder (folders or hub ids), affinity (long, short), batch_size, device
    MetricSpec(
        "ratescore",
        "petar_bench.metrics._ratescore:RaTEScore",
        "RaTEScore (RaTE-NER entities, BioLORD embeddings), F1, mean",
        needs=("torch", "model"),
    ),
)

_JUDGE: tuple[MetricSpec, ...] = (
    MetricSpec(
        "green",
        "petar_bench.metrics.green._metric:GreenMetric",
        "GREEN LLM-judge score (judge model via transformers or an OpenAI-compatible URL)",
        needs=("model or server",),
    ),
)


def _field_rows() -> tuple[MetricSpec, ...]:
    rows = []
    for name in ("region", "organ", "laterality"):
        rows += [
            MetricSpec(
                f"pet_{name}_acc",
                "petar_bench.metrics._pet_fields:FieldAccuracy",
                f"PET {name} accuracy where both sides state it",
                fixed={"field": name},
            ),
            MetricSpec(
                f"pet_{name}_acc_strict",
                "petar_bench.metrics._pet_fields:FieldAccuracy",
                f"PET {name} accuracy, omission counts as error",
                fixed={"field": name, "strict": True},
            ),
        ]
    return tuple(rows)


_PET: tuple[MetricSpec, ...] = _field_rows() + (
    MetricSpec(
        "pet_suvmax_mae",
        "petar_bench.metrics._pet_fields:FieldError",
        "PET SUVmax absolute error where both state it (lower is better)",
        fixed={"field": "suv_max"},
    ),
    MetricSpec(
        "pet_slice_mae",
        "petar_bench.metrics._pet_fields:FieldError",
        "PET axial slice absolute error where both state it (lower is better)",
        fixed={"field": "slice"},
    ),
    MetricSpec(
        "pet_suvmax_fidelity",
        "petar_bench.metrics._pet_fields:NumericFidelity",
        "share of stated SUVmax values that match the image",
        needs=("measurements",),
        fixed={"kind": "suv_max"},
    ),
    MetricSpec(
        "pet_size_fidelity",
        "petar_bench.metrics._pet_fields:NumericFidelity",
        "share of stated lesion sizes that match the image",
        needs=("measurements",),
        fixed={"kind": "size_mm"},
    ),
)

#: Text metrics that also exist "masked": SUVmax, slice and size numbers replaced by [#].
MASKED_BASES: tuple[str, ...] = (
    "bleu1",
    "bleu2",
    "bleu3",
    "bleu4",
    "rouge_l",
    "meteor",
    "cider",
    "bertscore",
    "bleu1_m3d",
)


def _masked_rows() -> tuple[MetricSpec, ...]:
    text = {spec.id: spec for spec in _TEXT}
    return tuple(
        MetricSpec(
            f"{base}_masked",
            "petar_bench.metrics._pet_fields:MaskedTextMetric",
            f"{base} with SUVmax, slice and size numbers masked as [#]",
            needs=text[base].needs,  # a masked metric needs what its base needs
            fixed={"base_id": base},
        )
        for base in MASKED_BASES
    )


CATALOG: tuple[MetricSpec, ...] = _TEXT + _JUDGE + _PET + _masked_rows()


def builtin_entries() -> list[Registration[Metric]]:
    """The table as registry entries (read by `petar_bench.registry.metrics`)."""
    return [Registration(s.id, s.factory(), s.description, s.needs) for s in CATALOG]
