"""RaTEScore (Zhao et al., EMNLP 2024): entity-aware similarity of two radiology reports.

Algorithm (that of the `ratescore` 0.6.0 package, implemented here natively):

1. Each report is split into sentences; a sentence with no word or under 3 characters is
   dropped.
2. A token-classification model (default `Angelakeke/RaTE-NER-Deberta`) labels each
   sentence's tokens (BIO tags over ABNORMALITY, ANATOMY, DISEASE, NON-ABNORMALITY,
   NON-DISEASE; at most 512 tokens); tagged spans become typed entities (`entity_spans`,
   which keeps the package's span rules, including their edge cases).
3. Each entity string is embedded by an encoder (default `FremyCompany/BioLORD-2023-C`) as
   the last layer's first-token state (at most 30 tokens).
4. For each entity of one side, its most cosine-similar entity of the other side is found;
   the side's score is sum(cos * w * n) / sum(w), with w the type-pair affinity weight and
   n the negation weight when the pair is a negated/affirmed pair (e.g. NON-DISEASE vs
   DISEASE), else 1. The sample's RaTEScore is the F1 of the two sides' scores, and 0.5
   when either report has no entity.

Deliberate difference: the package splits sentences with medspacy's PyRuSH, which needs
spaCy (not installable beside numpy 2). We use `split_sentences` below, named in the
signature (`split:petar-rules-v1`); with the same sentences the scores are the package's
(tested against it with tiny models). A report with no sentence at all scores 0.5 here; the
package drops it from its list, misaligning every later pair.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from petar_bench.errors import UserError
from petar_bench.metrics._signature import build_signature, model_tag
from petar_bench.metrics.base import MeanMetric, SampleStats, ScoringContext
from petar_bench.metrics.errors import MetricUnavailable

DEFAULT_NER_MODEL = "Angelakeke/RaTE-NER-Deberta"
DEFAULT_ENCODER = "FremyCompany/BioLORD-2023-C"
NER_MAX_LENGTH = 512
ENCODER_MAX_LENGTH = 30
SPLITTER = "petar-rules-v1"
ENTITY_TYPES = ("ABNORMALITY", "ANATOMY", "DISEASE", "NON-ABNORMALITY", "NON-DISEASE")

# The package's pre-searched type-pair weights (key: "<side type>_<matched type>") and
# negation weight; "long" is its default, "short" the alternative it ships.
AFFINITY: dict[str, dict[str, float]] = {
    "long": {
        "abnormality_abnormality": 0.4276119164393705,
        "abnormality_anatomy": 0.6240929990607657,
        "abnormality_disease": 0.0034478181112993847,
        "abnormality_non-abnormality": 0.5431049700217344,
        "abnormality_non-disease": 0.27005425386213877,
        "anatomy_abnormality": 0.7487824274337533,
        "anatomy_anatomy": 0.2856134859160784,
        "anatomy_disease": 0.4592143222158069,
        "anatomy_non-abnormality": 0.02097055139911715,
        "anatomy_non-disease": 0.00013736314126696204,
        "disease_abnormality": 0.8396510075734789,
        "disease_anatomy": 0.9950209388542061,
        "disease_disease": 0.8460555030578727,
        "disease_non-abnormality": 0.9820689020512646,
        "disease_non-disease": 0.3789136708096537,
        "non-abnormality_abnormality": 0.16546764653692908,
        "non-abnormality_anatomy": 0.018670610691852826,
        "non-abnormality_disease": 0.719397354576018,
        "non-abnormality_non-abnormality": 0.0009357166071730684,
        "non-abnormality_non-disease": 0.0927333564267591,
        "non-disease_abnormality": 0.7759420231214385,
        "non-disease_anatomy": 0.1839139293714062,
        "non-disease_disease": 0.10073046076318157,
        "non-disease_non-abnormality": 0.03860183811876373,
        "non-disease_non-disease": 0.34065681486566446,
        "neg_weight": 0.8716553966489615,
    },
    "short": {
        "abnormality_abnormality": 0.4070293318365468,
        "abnormality_anatomy": 0.6952639610605605,
        "abnormality_disease": 0.28342529466226446,
        "abnormality_non-abnormality": 0.9479148658006686,
        "abnormality_non-disease": 0.23875064111146294,
        "anatomy_abnormality": 0.5829759950441763,
        "anatomy_anatomy": 0.7709590751917746,
        "anatomy_disease": 0.0006059634829551632,
        "anatomy_non-abnormality": 0.794672584951181,
        "anatomy_non-disease": 0.27982942400798977,
        "disease_abnormality": 0.8840397619834857,
        "disease_anatomy": 0.9637659445696822,
        "disease_disease": 0.19018958438059513,
        "disease_non-abnormality": 0.6962283914800402,
        "disease_non-disease": 0.943727057946997,
        "non-abnormality_abnormality": 0.1712744286898638,
        "non-abnormality_anatomy": 0.4485149671497294,
        "non-abnormality_disease": 0.00045065329822896076,
        "non-abnormality_non-abnormality": 0.0007887930317199857,
        "non-abnormality_non-disease": 0.8555432840895761,
        "non-disease_abnormality": 0.9555801066212176,
        "non-disease_anatomy": 0.13122106162635216,
        "non-disease_disease": 0.6072996585919443,
        "non-disease_non-abnormality": 0.05650711141169969,
        "non-disease_non-disease": 0.3214769399791204,
        "neg_weight": 0.3611577852354489,
    },
}

# (side type, matched type) pairs where one side states a finding the other denies.
_NEGATIONS = (
    ("DISEASE", "NON-DISEASE"),
    ("ABNORMALITY", "NON-ABNORMALITY"),
    ("ABNORMALITY", "NON-DISEASE"),
    ("DISEASE", "NON-ABNORMALITY"),
)
NEGATED_PAIRS = frozenset(_NEGATIONS) | frozenset((b, a) for a, b in _NEGATIONS)

# Abbreviations after which a period does not end a sentence.
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "approx.", "dr.", "no.", "fig.", "cf.", "etc.")
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a report (rules `petar-rules-v1`), stripped, empty ones dropped.

    A line break always ends a sentence; '.', '!' or '?' ends one when whitespace and a
    capital letter, digit, bracket or quote follow, unless the word ending in '.' is a
    listed abbreviation ("e.g.", "vs.", ...). Decimal numbers ("SUVmax 7.3") never split.
    """
    sentences: list[str] = []
    for line in text.splitlines():
        start = 0
        for match in _BOUNDARY.finditer(line):
            words = line[start : match.start()].split()
            if not words or words[-1].lower().lstrip("([\"'") in _ABBREVIATIONS:
                continue  # "e.g. Liver ...": the period is an abbreviation's
            sentences.append(line[start : match.start()].strip())
            start = match.end()
        sentences.append(line[start:].strip())
    return [s for s in sentences if s]


def scorable_sentences(text: str) -> list[str]:
    """The sentences RaTEScore tags: those with a word and at least 3 characters."""
    return [s for s in split_sentences(text) if s.split() and len(s) >= 3]


def entity_spans(tokens: Sequence[str], labels: Sequence[str]) -> list[tuple[int, int, str]]:
    """(first, last, type) token spans from BIO labels, with the package's span rules.

    A label is read together with the next token's label; [CLS] and [SEP] are skipped. The
    rules keep the package's edge cases: an I- tag followed by a B- tag both closes the open
    span and opens a new one at the I- token; a span still open at the end without a closing
    token runs to the token before the last.
    """
    spans: list[tuple[int, int, str]] = []
    start: int | None = None
    end: int | None = None
    kind: str | None = None
    for i, (token, label) in enumerate(zip(tokens, labels, strict=False)):
        if token in ("[CLS]", "[SEP]") or label == "O" or i >= len(labels) - 1:
            continue
        nxt, tag = labels[i + 1], label[2:]
        if label.startswith("B-"):
            if nxt.startswith("I-"):
                start, kind = i, tag
            elif nxt.startswith("B-"):
                spans.append((i, i, tag))
                start, end, kind = i, i, tag
            elif nxt.startswith("O"):
                spans.append((i, i, tag))
                start = end = kind = None
        elif label.startswith("I-"):
            if nxt.startswith("B-"):
                if start is not None:
                    spans.append((start, i, str(kind)))
                start, end, kind = i, i, tag
            elif nxt.startswith("O"):
                if start is not None:
                    spans.append((start, i, str(kind)))
                start = end = kind = None
    if start is not None and end is None:
        spans.append((start, len(tokens) - 2, str(kind)))
    return spans


def side_score(
    own: Any, other: Any, own_types: Sequence[str], other_types: Sequence[str], table: dict
) -> float:
    """Weighted mean best-match cosine of `own` entities against `other` entities."""
    import torch
    import torch.nn.functional as F

    sims = F.normalize(own, p=2, dim=1) @ F.normalize(other, p=2, dim=1).T
    best_value, best_index = torch.topk(sims, 1, dim=1)
    numerator = weights = 0.0
    for value, index, own_type in zip(
        best_value[:, 0].tolist(), best_index[:, 0].tolist(), own_types, strict=True
    ):
        pair = (own_type, other_types[index])
        weight = table[pair]
        negation = table[("NEG", "WEIGHT")] if pair in NEGATED_PAIRS else 1.0
        numerator += value * weight * negation
        weights += weight
    return numerator / weights if weights != 0 else 0.0


class RaTEScore(MeanMetric):
    """RaTEScore: F1 of entity matches (RaTE-NER + BioLORD embeddings), mean over samples."""

    id = "ratescore"
    higher_is_better = True
    description = "RaTEScore (RaTE-NER entities, BioLORD embeddings), F1, mean over samples"
    requires = ("torch", "model")

    def __init__(
        self,
        ner_model: str | None = None,
        encoder: str | None = None,
        affinity: str = "long",
        batch_size: int = 16,
        device: str | None = None,
    ) -> None:
        if affinity not in AFFINITY:
            raise UserError(f"ratescore: affinity {affinity!r} is not one of {tuple(AFFINITY)}")
        if int(batch_size) < 1:
            raise UserError(f"ratescore: batch_size must be at least 1, not {batch_size}")
        self.ner_model = ner_model or DEFAULT_NER_MODEL
        self.encoder = encoder or DEFAULT_ENCODER
        self.affinity = affinity
        self.table = {
            tuple(k.upper().split("_")): v for k, v in AFFINITY[affinity].items()
        }  # e.g. ("NON-DISEASE", "DISEASE")
        self.batch_size = int(batch_size)
        self.device = device
        self._loaded: dict[str, Any] | None = None
        self._revisions = {"ner": "unknown", "enc": "unknown"}

    @staticmethod
    def _tag(name: str) -> str:
        return model_tag(name)

    def signature(self) -> str:
        return build_signature(
            self.id,
            ("ner", self._tag(self.ner_model)),
            ("ner_rev", self._revisions["ner"]),
            ("enc", self._tag(self.encoder)),
            ("enc_rev", self._revisions["enc"]),
            ("split", SPLITTER),
            ("affinity", self.affinity),
            ("avg", "sample-mean"),
        )

    def _load(self) -> dict[str, Any]:
        if self._loaded is not None:
            return self._loaded
        try:
            import torch
            from transformers import AutoModel, AutoModelForTokenClassification, AutoTokenizer
        except ImportError:
            raise MetricUnavailable(
                self.id, "needs torch and transformers: pip install 'petar-bench[models]'"
            ) from None
        from petar_bench._hub import hub_model_available

        for name, default in ((self.ner_model, DEFAULT_NER_MODEL), (self.encoder, DEFAULT_ENCODER)):
            if not hub_model_available(name):
                raise MetricUnavailable(
                    self.id,
                    f"model {name!r} is not in the local Hugging Face cache and the hub is "
                    f"unreachable; fetch it once with 'huggingface-cli download {default}' or "
                    "pass ner_model=/encoder=<local folder>",
                )
        try:
            ner_tok = AutoTokenizer.from_pretrained(self.ner_model)
            ner: Any = AutoModelForTokenClassification.from_pretrained(self.ner_model)
            enc_tok = AutoTokenizer.from_pretrained(self.encoder)
            enc: Any = AutoModel.from_pretrained(self.encoder)
        except (OSError, ValueError) as exc:
            raise MetricUnavailable(
                self.id, f"a model could not be loaded ({type(exc).__name__}: {exc})"
            ) from None
        labels = {int(k): str(v) for k, v in ner.config.id2label.items()}
        unknown = {lab[2:] for lab in labels.values() if lab != "O"} - set(ENTITY_TYPES)
        if unknown:
            raise UserError(
                f"ratescore: NER model {self.ner_model!r} has labels outside RaTE's entity "
                f"types {ENTITY_TYPES}: {sorted(unknown)}"
            )
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        ner.to(device).eval()
        enc.to(device).eval()
        self._revisions = {
            "ner": str(getattr(ner.config, "_commit_hash", None) or "local"),
            "enc": str(getattr(enc.config, "_commit_hash", None) or "local"),
        }
        self._loaded = {"ner_tok": ner_tok, "ner": ner, "enc_tok": enc_tok, "enc": enc}
        self._loaded["labels"] = labels
        return self._loaded

    def entities(self, texts: Sequence[str]) -> list[list[tuple[str, str]]]:
        """(entity string, type) per text, in sentence order."""
        import torch

        parts = self._load()
        tok, model, labels = parts["ner_tok"], parts["ner"], parts["labels"]
        owners: list[int] = []
        sentences: list[str] = []
        for index, text in enumerate(texts):
            for sentence in scorable_sentences(text):
                owners.append(index)
                sentences.append(sentence)
        found: list[list[tuple[str, str]]] = [[] for _ in texts]
        for first in range(0, len(sentences), self.batch_size):
            batch = sentences[first : first + self.batch_size]
            enc = tok(
                batch, max_length=NER_MAX_LENGTH, truncation=True, padding=True,
                return_tensors="pt",
            ).to(model.device)  # fmt: skip
            with torch.inference_mode():
                predicted = model(**enc).logits.argmax(-1).tolist()
            for row, owner in enumerate(owners[first : first + self.batch_size]):
                length = int(enc["attention_mask"][row].sum())  # padding is on the right
                ids = enc["input_ids"][row][:length].tolist()
                tokens = tok.convert_ids_to_tokens(ids)
                tags = [labels[t] for t in predicted[row][:length]]
                for start, end, kind in entity_spans(tokens, tags):
                    text = tok.convert_tokens_to_string(tokens[start : end + 1])
                    found[owner].append((text, kind))
        return found

    def embed(self, strings: Sequence[str]) -> Any:
        """First-token last-layer states of the encoder, one row per entity string (CPU)."""
        import torch

        parts = self._load()
        tok, model = parts["enc_tok"], parts["enc"]
        enc = tok(
            list(strings), max_length=ENCODER_MAX_LENGTH, truncation=True, padding=True,
            return_tensors="pt",
        ).to(model.device)  # fmt: skip
        with torch.inference_mode():
            return model(**enc).last_hidden_state[:, 0, :].float().cpu()

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        ref_entities = self.entities(references)
        pred_entities = self.entities(predictions)
        rows: list[tuple[float, float, float]] = []
        no_entity = 0
        for ref, pred in zip(ref_entities, pred_entities, strict=True):
            if not ref or not pred:
                rows.append((0.5, np.nan, np.nan))  # the package's value for this case
                no_entity += 1
                continue
            ref_emb = self.embed([e for e, _ in ref])
            pred_emb = self.embed([e for e, _ in pred])
            ref_types, pred_types = [t for _, t in ref], [t for _, t in pred]
            recall = side_score(ref_emb, pred_emb, ref_types, pred_types, self.table)
            precision = side_score(pred_emb, ref_emb, pred_types, ref_types, self.table)
            total = precision + recall
            rows.append((2 * precision * recall / total if total != 0 else 0.0, precision, recall))
        values = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
        return SampleStats(values=values, extras={"n_without_entities": no_entity})
