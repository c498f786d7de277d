"""BARTScore, native: checked against transformers' own loss on a tiny random BART.

`-model(input_ids=source, labels=target).loss` is the mean negative log-likelihood of the
target's tokens given the source, computed by transformers from the labels (shifting them
itself): for one pair it is exactly -score(source -> target).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

import torch  # noqa: E402

from petar_bench.errors import UserError  # noqa: E402
from petar_bench.metrics._bartscore import BartScore  # noqa: E402
from petar_bench.metrics.base import ScoringContext  # noqa: E402
from petar_bench.metrics.errors import MetricUnavailable  # noqa: E402

CORPUS = [
    "Hypermetabolic lymph node in the left axilla with SUVmax 5.2.",
    "Focal uptake in the right lobe of the liver, SUVmax 8.1, slice 120.",
    "No abnormal uptake in the lungs.",
    "Sclerotic lesion in the T10 vertebral body, consistent with metastasis.",
]


@pytest.fixture(scope="module")
def tiny_bart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer random BART with a word-level tokenizer, saved like a real checkpoint."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
    from transformers import BartConfig, BartForConditionalGeneration, PreTrainedTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(CORPUS * 3, trainers.WordLevelTrainer(special_tokens=specials))
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
        unk_token="<unk>",
    )  # fmt: skip
    config = BartConfig(
        vocab_size=tok.get_vocab_size(), d_model=32, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
        decoder_ffn_dim=64, max_position_embeddings=64, pad_token_id=1, bos_token_id=0,
        eos_token_id=2, decoder_start_token_id=2, forced_eos_token_id=2,
    )  # fmt: skip
    torch.manual_seed(0)
    model = BartForConditionalGeneration(config).eval()
    folder = tmp_path_factory.mktemp("tiny-bart")
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


def _direct(folder: Path, source: str, target: str) -> float:
    from transformers import AutoTokenizer, BartForConditionalGeneration

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = BartForConditionalGeneration.from_pretrained(folder).eval()
    src = tokenizer(source, return_tensors="pt")
    tgt = tokenizer(target, return_tensors="pt")
    with torch.no_grad():
        loss = model(input_ids=src["input_ids"], labels=tgt["input_ids"]).loss
    return -float(loss)


def test_equals_transformers_loss_with_labels_in_both_directions(tiny_bart: Path) -> None:
    predictions = [CORPUS[0], CORPUS[2], "uptake in the liver", ""]
    references = [CORPUS[1], CORPUS[2], CORPUS[1], CORPUS[3]]
    metric = BartScore(model=str(tiny_bart), batch_size=3)  # batches mix lengths (padding)
    stats = metric.statistics(predictions, references, ScoringContext(sample_ids=list("abcd")))
    values = stats.values
    for i, (pred, ref) in enumerate(zip(predictions, references, strict=True)):
        precision, recall = _direct(tiny_bart, ref, pred), _direct(tiny_bart, pred, ref)
        assert values[i, 1] == pytest.approx(precision, abs=1e-5)
        assert values[i, 2] == pytest.approx(recall, abs=1e-5)
        assert values[i, 0] == pytest.approx((precision + recall) / 2, abs=1e-5)
    assert metric.aggregate(values) == pytest.approx(values[:, 0].mean())
    assert np.all(values < 0)


def test_direction_option_and_batching(tiny_bart: Path) -> None:
    preds, refs = CORPUS[:3], CORPUS[1:4]
    ctx = ScoringContext(sample_ids=["a", "b", "c"])
    one = BartScore(model=str(tiny_bart), direction="recall", batch_size=1)
    many = BartScore(model=str(tiny_bart), direction="recall", batch_size=8)
    a, b = one.statistics(preds, refs, ctx).values, many.statistics(preds, refs, ctx).values
    np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_array_equal(a[:, 0], a[:, 2])
    assert (
        "direction:recall" in one.signature() and "variant:not-stated-by-paper" in one.signature()
    )


def test_bad_options_and_unavailable_model(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(UserError, match="direction"):
        BartScore(direction="sideways")
    with pytest.raises(UserError, match="batch_size"):
        BartScore(batch_size=0)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with pytest.raises(MetricUnavailable, match="huggingface-cli download facebook/bart-large-cnn"):
        BartScore().statistics(["a"], ["b"], ScoringContext(sample_ids=["x"]))


def test_registered_with_signature(tiny_bart: Path) -> None:
    from petar_bench.registry import metrics

    metric = metrics.create("bartscore", model=str(tiny_bart))
    assert metric.signature().startswith("bartscore|impl:")
    assert f"model:{tiny_bart.name}@" in metric.signature()
