"""GREEN through the transformers backend, with a tiny random Llama built in the test.

Its answers are noise: the point is that the whole path runs (local folder, left-padded
batches, token budget) and that unreadable answers and over-budget prompts are COUNTED,
never crashed on nor hidden.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from petar_bench.metrics.base import ScoringContext
from petar_bench.metrics.green._metric import COLUMNS, GreenMetric
from petar_bench.metrics.green._prompt import PROMPT_TEMPLATE, make_prompt, render_judge_input

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")


def _tiny_judge(folder: Path) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator([PROMPT_TEMPLATE, "<|user|> <|assistant|> lesion nodule"], trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", tok.token_to_id("<s>"))]
    )
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
    )
    fast.save_pretrained(folder)
    config = transformers.LlamaConfig(
        vocab_size=len(fast),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
    )
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(config).save_pretrained(folder)


def test_tiny_random_judge_is_counted_unparsed(tmp_path: Path) -> None:
    _tiny_judge(tmp_path)
    tokenizer = transformers.AutoTokenizer.from_pretrained(tmp_path)
    refs = [
        "Focal uptake in the right upper lobe nodule.",
        "Liver lesion.",
        " ".join(["lesion"] * 330),
    ]
    cands = ["Nodule in the right upper lobe.", "Hepatic lesion.", "Lesion."]
    lengths = [
        len(tokenizer(render_judge_input(make_prompt(r, c).text, eos="</s>"))["input_ids"])
        for r, c in zip(refs, cands, strict=True)
    ]
    budget = sorted(lengths)[1] + 6  # the two short prompts fit, the long one does not
    assert lengths[2] >= budget
    metric = GreenMetric(model=str(tmp_path), max_total_tokens=budget, batch_size=2)
    ids = [f"s{i}" for i in range(3)]
    stats = metric.statistics(cands, refs, ScoringContext(sample_ids=ids))
    extras = stats.extras
    assert extras["n_unparsed"] == 3
    assert extras["unparsed_reasons"].get("prompt over token budget") == 1
    assert extras["n_truncated_words"] == 1 and extras["n_truncated_tokens"] >= 1
    assert stats.values[:, COLUMNS.index("green")].tolist() == [0.0, 0.0, 0.0]
    assert metric.aggregate(stats.values) == 0.0
    sig = metric.signature()
    assert "backend:transformers" in sig and "rev:local-" in sig and f"budget:total{budget}" in sig
