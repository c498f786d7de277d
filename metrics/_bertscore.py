"""BERTScore F1 through the bert-score library, with its sharp edges handled.

Defaults follow bert-score's English default: roberta-large, layer 17, no IDF, no baseline
rescaling. Any local model folder works when its layer is given (bert-score needs
`num_layers` for a folder). What we add around the library:

- empty (or blank) candidates and references are scored 0 without calling bert-score,
  which crashes on them; their count is reported;
- rescaling is applied here, from bert-score's own baseline table for a hub model or from
  `baseline_path` for a folder (bert-score skips it silently for a folder);
- inputs longer than the model's maximum are counted (bert-score truncates silently);
- IDF weights come from the references scored (bert-score's definition), so with `idf` a
  subset of a split carries a warning, like CIDEr;
- a model that cannot be loaded (offline, not cached) raises MetricUnavailable.

Per-sample statistics are (F1, P, R); the corpus value is the mean F1.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.errors import UserError
from petar_bench.metrics._signature import build_signature, model_tag
from petar_bench.metrics.base import MeanMetric, SampleStats, ScoringContext
from petar_bench.metrics.errors import MetricUnavailable

DEFAULT_MODEL = "roberta-large"
IDF_SUBSET_WARNING = (
    "bertscore: IDF weights come from the references scored; on a subset of a split the "
    "value is not comparable with the full split's"
)


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def _default_layer(model: str) -> int | None:
    """bert-score's recommended layer for a hub model it knows, else None.

    The default model's layer is known without importing bert_score (which imports torch and
    transformers: seconds, for `ls metrics`)."""
    if model == DEFAULT_MODEL:
        return 17  # bert_score.utils.model2layers["roberta-large"]
    if importlib.util.find_spec("bert_score") is None:
        return None
    from bert_score.utils import model2layers

    layer = model2layers.get(model)
    return int(layer) if layer is not None else None


class BertScore(MeanMetric):
    """BERTScore F1 (bert-score library); model and layer configurable."""

    id = "bertscore"
    higher_is_better = True
    description = "BERTScore F1 (bert-score; default roberta-large layer 17), mean over samples"
    requires = ("torch", "model")

    def __init__(
        self,
        model: str | None = None,
        layer: int | None = None,
        idf: bool = False,
        rescale: bool = False,
        baseline_path: str | None = None,
        batch_size: int = 32,
        device: str | None = None,
    ) -> None:
        self.model = model or DEFAULT_MODEL
        self.is_folder = Path(self.model).is_dir()
        self.layer = layer if layer is not None else _default_layer(self.model)
        if self.layer is None:
            raise UserError(
                f"bertscore: give the layer to use for model {self.model!r} (layer=N; "
                "for a local folder bert-score cannot guess it)"
            )
        if rescale and baseline_path is None and self.is_folder:
            raise UserError(
                "bertscore: rescaling a local model folder needs baseline_path=<tsv with "
                "LAYER,P,R,F> (bert-score's tables cover hub models only)"
            )
        self.idf, self.rescale = bool(idf), bool(rescale)
        self.baseline_path = baseline_path
        self.batch_size, self.device = int(batch_size), device
        self._scorer: Any = None

    def _model_tag(self) -> str:
        return model_tag(self.model)

    def resample_note(self) -> str:
        return "-fixed-idf" if self.idf else ""  # IDF weights come from the full set

    def signature(self) -> str:
        return build_signature(
            self.id,
            ("compat", f"bert-score-{_package_version('bert-score')}"),
            ("model", self._model_tag()),
            ("layer", self.layer),
            ("idf", self.idf),
            ("rescale", self.rescale),
            ("score", "f1"),
            ("empty", 0),
            ("avg", "sample-mean"),
            ("hf", f"transformers-{_package_version('transformers')}"),
        )

    def _load(self) -> Any:
        if self._scorer is not None:
            return self._scorer
        if importlib.util.find_spec("bert_score") is None:
            raise MetricUnavailable(
                self.id, "needs bert-score: pip install 'petar-bench[bertscore]'"
            )
        from bert_score import BERTScorer

        from petar_bench._hub import hub_model_available

        if not hub_model_available(self.model):
            raise MetricUnavailable(
                self.id,
                f"model {self.model!r} is not in the local Hugging Face cache and the hub is "
                "unreachable; pass model=<local folder> and layer=N (--bertscore-model/-layer)",
            )
        try:
            self._scorer = BERTScorer(
                model_type=self.model,
                num_layers=self.layer,
                idf=self.idf,
                batch_size=self.batch_size,
                device=self.device,
            )
        except (OSError, ValueError) as exc:
            raise MetricUnavailable(
                self.id,
                f"model {self.model!r} could not be loaded ({type(exc).__name__}); offline it "
                "must be in the Hugging Face cache, or pass model=<local folder> and layer=N",
            ) from None
        return self._scorer

    def _baseline(self) -> np.ndarray:
        """(P, R, F) baseline of this model and layer, from bert-score's table or a file."""
        if self.baseline_path is not None:
            path = Path(self.baseline_path)
        else:
            spec = importlib.util.find_spec("bert_score")
            assert spec is not None and spec.origin is not None
            path = Path(spec.origin).parent / "rescale_baseline" / "en" / f"{self.model}.tsv"
        if not path.is_file():
            raise UserError(f"bertscore: no rescaling baseline at {path}; pass baseline_path=")
        table = np.loadtxt(path, delimiter=",", skiprows=1)
        rows = table[table[:, 0] == self.layer]
        if len(rows) != 1:
            raise UserError(f"bertscore: baseline {path} has no row for layer {self.layer}")
        return rows[0, 1:4]

    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        if len(predictions) != len(references):
            raise ValueError(f"got {len(predictions)} predictions but {len(references)} references")
        keep = [
            i
            for i, (p, r) in enumerate(zip(predictions, references, strict=True))
            if p.strip() and r.strip()
        ]
        values = np.zeros((len(predictions), 3), dtype=np.float64)
        n_truncated = 0
        if keep:
            scorer = self._load()
            cands = [predictions[i] for i in keep]
            refs = [references[i] for i in keep]
            n_truncated = self._count_truncated(scorer, cands + refs)
            if self.idf:
                with warnings.catch_warnings():  # "Overwriting the previous importance weights"
                    warnings.simplefilter("ignore")
                    scorer.compute_idf([r for r in references if r.strip()])
            precision, recall, f1 = scorer.score(cands, refs, batch_size=self.batch_size)
            prf = np.stack([f1.numpy(), precision.numpy(), recall.numpy()], axis=1)
            if self.rescale:
                base_p, base_r, base_f = self._baseline()
                prf = (prf - np.array([base_f, base_p, base_r])) / (
                    1 - np.array([base_f, base_p, base_r])
                )
            values[keep] = prf.astype(np.float64)
        notes = (IDF_SUBSET_WARNING,) if self.idf and not context.full_split else ()
        extras = {"n_empty": len(predictions) - len(keep), "n_truncated": n_truncated}
        return SampleStats(values=values, extras=extras, warnings=notes)

    @staticmethod
    def _count_truncated(scorer: Any, texts: Sequence[str]) -> int:
        tokenizer = scorer._tokenizer
        limit = getattr(tokenizer, "model_max_length", None) or 512
        if limit > 100_000:  # tokenizers without a real limit report a huge sentinel
            return 0
        return sum(len(tokenizer.encode(t, add_special_tokens=True)) > limit for t in texts)
