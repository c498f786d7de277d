"""The lexical and embedding metrics are registered under their ids, with working factories."""

from __future__ import annotations

import pytest

from petar_bench.metrics.base import Metric
from petar_bench.registry import metrics

LEXICAL = ["bleu1", "bleu2", "bleu3", "bleu4", "rouge_l", "cider", "meteor", "bertscore",
           "bleu1_m3d", "rouge1", "rougeL_rs"]  # fmt: skip


def test_all_registered_with_needs() -> None:
    names = metrics.names()
    for name in LEXICAL:
        assert name in names
    assert metrics.get("meteor").needs == ("pycocoevalcap",)  # its data files; Java only
    assert metrics.create("meteor", backend="jar", prestart=False).requires == ("java",)
    assert metrics.get("bleu4").needs == ()  # the PTB tokenizer is pure Python
    assert set(metrics.get("bertscore").needs) == {"torch", "model"}


@pytest.mark.parametrize("name", [n for n in LEXICAL if n not in ("meteor", "bertscore")])
def test_factories_build_metrics_with_matching_ids(name: str) -> None:
    metric = metrics.create(name)
    assert isinstance(metric, Metric)
    assert metric.id == name
    assert metric.signature().startswith(f"{name}|impl:petar-bench-")
    assert metric.higher_is_better is True


def test_options_reach_the_metric() -> None:
    meteor = metrics.create("meteor", prestart=False, timeout_s=5)
    assert meteor.id == "meteor" and meteor.timeout_s == 5.0
    assert "|stem:yes|" in metrics.create("rouge1", use_stemmer=True).signature()
