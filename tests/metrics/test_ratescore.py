"""RaTEScore, native: checked against the `ratescore` 0.6.0 package on the same tiny models.

The package imports medspacy (spaCy) at import time only to split sentences; a stand-in
module whose pipeline splits with our `split_sentences` lets it run here, so both sides
see the same sentences and any difference is in NER spans, embeddings or scoring.
Two NER models: a random 2-layer DeBERTa-v2 (many spans, all of the span rules' edge cases)
and a one-layer BERT wired as a word lookup (controlled entities: texts without any,
negated pairs, identical reports).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch  # noqa: E402

from petar_bench.errors import UserError  # noqa: E402
from petar_bench.metrics._ratescore import (  # noqa: E402
    RaTEScore,
    entity_spans,
    split_sentences,
)
from petar_bench.metrics.base import ScoringContext  # noqa: E402
from petar_bench.metrics.errors import MetricUnavailable  # noqa: E402

LABELS = ["O"] + [
    f"{p}-{t}"
    for t in ("ABNORMALITY", "ANATOMY", "DISEASE", "NON-ABNORMALITY", "NON-DISEASE")
    for p in ("B", "I")
]
# Word -> label of the lookup model (every other word is O).
LOOKUP = {
    "mass": "B-ABNORMALITY",
    "uptake": "B-ABNORMALITY",
    "liver": "B-ANATOMY",
    "lobe": "I-ANATOMY",
    "node": "B-ANATOMY",
    "metastasis": "B-DISEASE",
    "lymphoma": "B-DISEASE",
    "normal": "B-NON-ABNORMALITY",
    "unremarkable": "B-NON-DISEASE",
}
REPORTS = [
    "Focal uptake in the right lobe of the liver, SUVmax 8.1. Suspicious for metastasis.",
    "Hypermetabolic lymph node in the left axilla with SUVmax 5.2.\nNo mass seen.",
    "No abnormal uptake in the lungs. Liver is normal.",
    "Sclerotic lesion in the T10 vertebral body, consistent with metastasis.",
    "The spleen is unremarkable. Lymphoma is not excluded.",
    "Mild diffuse uptake, e.g. Inflammatory. Right lobe mass, 2.3 cm.",
    "Bones are without focal findings.",
]
WORDS = sorted({w.strip(".,").lower() for r in REPORTS for w in r.split()} | set(LOOKUP))


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny random models saved like real checkpoints, with a WordPiece tokenizer."""
    from transformers import (  # type: ignore[attr-defined]  # BertTokenizerFast: lazy
        BertConfig,
        BertForTokenClassification,
        BertModel,
        BertTokenizerFast,
        DebertaV2Config,
        DebertaV2ForTokenClassification,
    )

    root = tmp_path_factory.mktemp("ratescore-models")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *".,:;!?()-", *WORDS]
    chars = "abcdefghijklmnopqrstuvwxyz0123456789"
    vocab += [f"##{c}" for c in chars] + list(chars)
    (root / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n")
    tokenizer = BertTokenizerFast(str(root / "vocab.txt"), do_lower_case=True)
    assert "[UNK]" not in tokenizer.tokenize(" ".join(REPORTS))
    size = len(tokenizer)
    label_maps: dict[str, Any] = {
        "id2label": dict(enumerate(LABELS)),
        "label2id": {v: i for i, v in enumerate(LABELS)},
    }
    small: dict[str, Any] = {"hidden_size": 32, "num_attention_heads": 2, "intermediate_size": 48}

    torch.manual_seed(0)
    folders = {name: root / name for name in ("deberta", "lookup", "encoder")}
    deberta = DebertaV2ForTokenClassification(
        DebertaV2Config(
            vocab_size=size, num_hidden_layers=2, max_position_embeddings=128, **small, **label_maps
        )  # fmt: skip
    ).eval()
    encoder = BertModel(
        # wide initial weights: entity embeddings far apart, so best matches are not ties
        BertConfig(
            vocab_size=size,
            num_hidden_layers=2,
            max_position_embeddings=64,
            initializer_range=0.5,
            **small,
        )  # fmt: skip
    ).eval()
    lookup = BertForTokenClassification(
        BertConfig(
            vocab_size=size,
            num_hidden_layers=1,
            hidden_size=size,
            num_attention_heads=1,
            intermediate_size=8,
            max_position_embeddings=128,
            hidden_dropout_prob=0.0,
            **label_maps,
        )  # fmt: skip
    ).eval()
    _wire_lookup(lookup, tokenizer)
    for name, model in (("deberta", deberta), ("lookup", lookup), ("encoder", encoder)):
        model.save_pretrained(folders[name])
        tokenizer.save_pretrained(folders[name])
    return folders


def _wire_lookup(model: Any, tokenizer: Any) -> None:
    """Hidden state = LayerNorm(one-hot of the token): the label depends on the word only."""
    with torch.no_grad():
        emb = model.bert.embeddings
        emb.word_embeddings.weight.copy_(torch.eye(emb.word_embeddings.weight.shape[0]))
        emb.position_embeddings.weight.zero_()
        emb.token_type_embeddings.weight.zero_()
        layer = model.bert.encoder.layer[0]
        for dense in (layer.attention.output.dense, layer.output.dense):
            dense.weight.zero_()
            dense.bias.zero_()
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.bias[0] = 1.0  # O unless the word is in LOOKUP
        for word, label in LOOKUP.items():
            model.classifier.weight[LABELS.index(label), tokenizer.convert_tokens_to_ids(word)] = 1


@pytest.fixture(scope="module")
def package(monkeypatch_module: pytest.MonkeyPatch) -> Any:
    """The `ratescore` package, its medspacy import answered by a splitter of ours."""
    pytest.importorskip("pandas")

    class Doc:
        def __init__(self, text: str) -> None:
            self.sents = split_sentences(text)

    stand_in = types.ModuleType("medspacy")
    stand_in.load = lambda **_: Doc  # type: ignore[attr-defined]
    monkeypatch_module.setitem(sys.modules, "medspacy", stand_in)
    for name in [m for m in sys.modules if m == "RaTEScore" or m.startswith("RaTEScore.")]:
        monkeypatch_module.delitem(sys.modules, name)
    return pytest.importorskip("RaTEScore")  # the import name of PyPI's `ratescore`


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def _ours(ner: Path, enc: Path, preds: list[str], refs: list[str], **kw: Any) -> np.ndarray:
    metric = RaTEScore(ner_model=str(ner), encoder=str(enc), device="cpu", **kw)
    context = ScoringContext(sample_ids=[str(i) for i in range(len(preds))])
    return metric.statistics(preds, refs, context).values


def _theirs(package: Any, ner: Path, enc: Path, preds: list[str], refs: list[str]) -> np.ndarray:
    scorer = package.RaTEScore(bert_model=str(ner), eval_model=str(enc), use_gpu=False)
    return np.asarray(scorer.compute_score(preds, refs), dtype=np.float64)


def _pairs() -> tuple[list[str], list[str]]:
    preds = [REPORTS[i] for i in (0, 1, 2, 3, 4, 5, 6, 2, 0)]
    refs = [REPORTS[i] for i in (1, 1, 0, 5, 2, 4, 6, 6, 3)]
    return preds, refs


@pytest.mark.parametrize("ner", ["deberta", "lookup"])
def test_equals_the_package_on_the_same_models(
    models: dict[str, Path], package: Any, ner: str
) -> None:
    preds, refs = _pairs()
    ours = _ours(models[ner], models["encoder"], preds, refs, batch_size=4)  # padded batches
    theirs = _theirs(package, models[ner], models["encoder"], preds, refs)
    np.testing.assert_allclose(ours[:, 0], theirs, rtol=0, atol=1e-6)
    if ner == "lookup":  # controlled entities: the cases are what the texts say they are
        assert ours[1, 0] == pytest.approx(1.0)  # identical reports
        assert ours[6, 0] == 0.5 and ours[7, 0] == 0.5  # no entity on one or both sides
        assert 0.0 < ours[2, 0] < 1.0


def test_random_ner_exercises_spans_and_differs_from_lookup(models: dict[str, Path]) -> None:
    preds, refs = _pairs()
    values = _ours(models["deberta"], models["encoder"], preds, refs)
    assert np.isfinite(values[:, 0]).all() and (values[:, 0] != 0.5).sum() >= 5


def test_f1_of_the_two_sides(models: dict[str, Path]) -> None:
    preds, refs = _pairs()
    values = _ours(models["lookup"], models["encoder"], preds, refs)
    scored = ~np.isnan(values[:, 1])
    p, r = values[scored, 1], values[scored, 2]
    np.testing.assert_allclose(values[scored, 0], 2 * p * r / (p + r), atol=1e-12)


def test_entity_span_rules() -> None:
    tokens = ["[CLS]", "a", "b", "c", "d", "e", "f", "[SEP]"]
    labels = ["O", "B-ANATOMY", "I-ANATOMY", "O", "B-DISEASE", "B-ABNORMALITY", "O", "O"]
    assert entity_spans(tokens, labels) == [
        (1, 2, "ANATOMY"),
        (4, 4, "DISEASE"),
        (5, 5, "ABNORMALITY"),
    ]
    # an open span at the end runs to the token before the last
    labels = ["O", "O", "O", "O", "B-DISEASE", "I-DISEASE", "I-DISEASE", "I-DISEASE"]
    assert entity_spans(tokens, labels) == [(4, 6, "DISEASE")]


def test_entity_spans_equal_the_package_on_random_labels(package: Any) -> None:
    """Every label sequence's spans, edge cases included, as the package's post_process."""

    class Joiner:
        @staticmethod
        def convert_tokens_to_string(tokens: list[str]) -> str:
            return " ".join(tokens)

    rng = np.random.default_rng(0)
    for _ in range(2000):
        n = int(rng.integers(3, 12))
        tokens = ["[CLS]"] + [f"t{i}" for i in range(1, n - 1)] + ["[SEP]"]
        labels = [LABELS[int(k)] for k in rng.integers(0, len(LABELS), n)]
        ours = [(" ".join(tokens[a : b + 1]), t) for a, b, t in entity_spans(tokens, labels)]
        assert ours == package.utils.post_process(tokens, labels, Joiner())


def test_sentence_splitter() -> None:
    text = "Uptake SUVmax 7.3 in the liver. Mass e.g. Large.\nNode! ok. (Dr. Smith) seen"
    assert split_sentences(text) == [
        "Uptake SUVmax 7.3 in the liver.",
        "Mass e.g. Large.",
        "Node! ok.",
        "(Dr. Smith) seen",
    ]
    assert split_sentences("  \n\n") == []


def test_report_without_sentences_scores_half(models: dict[str, Path]) -> None:
    values = _ours(models["lookup"], models["encoder"], ["", "ok"], [REPORTS[0], REPORTS[0]])
    assert values[:, 0].tolist() == [0.5, 0.5]


def test_signature_names_models_and_splitter(models: dict[str, Path]) -> None:
    metric = RaTEScore(ner_model=str(models["lookup"]), encoder=str(models["encoder"]))
    metric.statistics(["mass"], ["liver mass"], ScoringContext(sample_ids=["a"]))
    sig = metric.signature()
    assert "|ner:lookup@" in sig and "|enc:encoder@" in sig and "ner_rev:local" in sig
    assert "split:petar-rules-v1" in sig and "affinity:long" in sig


def test_options_and_unavailable_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UserError):
        RaTEScore(affinity="medium")
    with pytest.raises(UserError):
        RaTEScore(batch_size=0)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from petar_bench._hub import hub_reachable

    hub_reachable.cache_clear()
    metric = RaTEScore(ner_model="no-such-org/no-such-ner")
    with pytest.raises(MetricUnavailable, match="huggingface-cli download"):
        metric.statistics(["a"], ["b"], ScoringContext(sample_ids=["a"]))


def test_registered_with_its_options(models: dict[str, Path]) -> None:
    from petar_bench.registry import metrics

    metric = metrics.create(
        "ratescore", ner_model=str(models["lookup"]), encoder=str(models["encoder"]),
        affinity="short",
    )  # fmt: skip
    values = metric.statistics(["liver mass"], ["liver mass"], ScoringContext(sample_ids=["a"]))
    assert metric.aggregate(values.values) == pytest.approx(1.0)
    assert "affinity:short" in metric.signature()


def test_a_tagger_with_other_labels_is_refused(models: dict[str, Path], tmp_path: Path) -> None:
    import json
    import shutil

    folder = tmp_path / "other-labels"
    shutil.copytree(models["lookup"], folder)
    config = json.loads((folder / "config.json").read_text())
    config["id2label"] = {str(i): f"B-THING{i}" if i else "O" for i in range(len(LABELS))}
    config["label2id"] = {v: int(k) for k, v in config["id2label"].items()}
    (folder / "config.json").write_text(json.dumps(config))
    metric = RaTEScore(ner_model=str(folder), encoder=str(models["encoder"]))
    with pytest.raises(UserError, match="labels outside RaTE's entity types"):
        metric.statistics(["a"], ["b"], ScoringContext(sample_ids=["a"]))
