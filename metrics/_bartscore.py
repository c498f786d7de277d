"""BARTScore (Yuan, Neubig and Liu, NeurIPS 2021): mean token log-likelihood under BART.

For a source text s and a target text t, `score(s -> t) = (1/|t|) * sum_i log p(t_i | t_<i, s)`
with BART-large-CNN (`facebook/bart-large-cnn`), texts truncated at 1024 tokens, as the
authors' scorer does. BARTScore is directional; the published variants are precision
(reference -> prediction), recall (prediction -> reference) and F (their arithmetic mean).
The PETAR paper reports "BARTScore" without saying which: we default to F, the symmetric
one, and the signature carries `variant:not-stated-by-paper` with the direction chosen.

Per-sample statistics are (chosen score, precision, recall); the corpus value is the mean of
the first column. Values are log-probabilities: higher (closer to 0) is better.
No package implements it, so this is native: the model is any BART checkpoint, from a local
folder or the Hugging Face cache, loaded without remote code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from petar_bench.errors import UserError
from petar_bench.metrics._signature import build_signature, model_tag
from petar_bench.metrics.base import MeanMetric, SampleStats, ScoringContext
from petar_bench.metrics.errors import MetricUnavailable

DEFAULT_MODEL = "facebook/bart-large-cnn"
DIRECTIONS = ("f", "precision", "recall")
MAX_LENGTH = 1024


class BartScore(MeanMetric):
    """BARTScore (BART-large-CNN log-likelihood), F = mean of both directions by default."""

    id = "bartscore"
    higher_is_better = True
    description = "BARTScore (BART-large-CNN mean token log-likelihood), F, mean over samples"
    requires = ("torch", "model")

    def __init__(
        self,
        model: str | None = None,
        direction: str = "f",
        batch_size: int = 8,
        device: str | None = None,
    ) -> None:
        if direction not in DIRECTIONS:
            raise UserError(f"bartscore: direction {direction!r} is not one of {DIRECTIONS}")
        if int(batch_size) < 1:
            raise UserError(f"bartscore: batch_size must be at least 1, not {batch_size}")
        self.model_name = model or DEFAULT_MODEL
        self.direction = direction
        self.batch_size = int(batch_size)
        self.device = device
        self._loaded: tuple[Any, Any] | None = None
        self._revision = "unknown"

    def _model_tag(self) -> str:
        return model_tag(self.model_name)

    def signature(self) -> str:
        return build_signature(
            self.id,
            ("model", self._model_tag()),
            ("rev", self._revision),
            ("direction", self.direction),
            ("variant", "not-stated-by-paper"),
            ("maxlen", MAX_LENGTH),
            ("avg", "sample-mean"),
        )

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is not None:
            return self._loaded
        try:
            import torch
            from transformers import AutoTokenizer, BartForConditionalGeneration
        except ImportError:
            raise MetricUnavailable(
                self.id, "needs torch and transformers: pip install 'petar-bench[models]'"
            ) from None
        from petar_bench._hub import hub_model_available

        if not hub_model_available(self.model_name):
            raise MetricUnavailable(
                self.id,
                f"model {self.model_name!r} is not in the local Hugging Face cache and the hub "
                "is unreachable; fetch it once with 'huggingface-cli download "
                f"{DEFAULT_MODEL}' or pass model=<local folder>",
            )
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.model_name)
            model: Any = BartForConditionalGeneration.from_pretrained(self.model_name)
        except (OSError, ValueError) as exc:
            raise MetricUnavailable(
                self.id, f"model {self.model_name!r} could not be loaded ({type(exc).__name__})"
            ) from None
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        model.to(device).eval()
        self._revision = str(getattr(model.config, "_commit_hash", None) or "local")
        self._loaded = (tokenizer, model)
        return self._loaded

    def score_pairs(self, sources: Sequence[str], targets: Sequence[str]) -> np.ndarray:
        """score(source -> target) per pair: mean log p of the target's tokens."""
        import torch
        from transformers.models.bart.modeling_bart import shift_tokens_right

        tokenizer, model = self._load()
        out: list[float] = []
        for start in range(0, len(sources), self.batch_size):
            src = list(sources[start : start + self.batch_size])
            tgt = list(targets[start : start + self.batch_size])
            enc = tokenizer(
                src, max_length=MAX_LENGTH, truncation=True, padding=True, return_tensors="pt"
            ).to(model.device)
            dec = tokenizer(
                tgt, max_length=MAX_LENGTH, truncation=True, padding=True, return_tensors="pt"
            ).to(model.device)
            labels = dec["input_ids"]
            decoder_inputs = shift_tokens_right(
                labels, model.config.pad_token_id, model.config.decoder_start_token_id
            )
            with torch.inference_mode():
                logits = model(
                    input_ids=enc["input_ids"],
                    attention_mask=enc["attention_mask"],
                    decoder_input_ids=decoder_inputs,
                ).logits
            logp = torch.log_softmax(logits.float(), dim=-1)
            token_logp = logp.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
            mask = dec["attention_mask"].to(token_logp.dtype)
            out += ((token_logp * mask).sum(-1) / mask.sum(-1).clamp(min=1)).tolist()
        return np.asarray(out, dtype=np.float64)

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        precision = self.score_pairs(references, predictions)
        recall = self.score_pairs(predictions, references)
        chosen = {"f": (precision + recall) / 2, "precision": precision, "recall": recall}
        values = np.stack([chosen[self.direction], precision, recall], axis=1)
        return SampleStats(values=values.reshape(-1, 3))
