"""The GREEN judge in-process through transformers (a hub id or a local folder).

Greedy decoding within GREEN's budget of 2,048 tokens for prompt plus answer. GREEN itself
pads a batch to its longest prompt and gives every row the room that prompt leaves; we sort
prompts by length to batch similar ones, and an answer that stopped at a batch's limit while
its own prompt left more room is generated again alone, so each answer gets exactly its own
budget. Prompts that fill the budget are not sent (GREEN would cut the prompt from the right,
losing the instruction to answer) and are counted as truncated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from petar_bench.metrics.green._backends import MAX_TOTAL_TOKENS, JudgeBackend, JudgeReply


class TransformersJudge(JudgeBackend):
    name = "transformers"

    def __init__(
        self,
        model: str,
        *,
        revision: str | None = None,
        device: str | None = None,
        dtype: str | None = None,
        batch_size: int = 8,
        max_total_tokens: int = MAX_TOTAL_TOKENS,
        trust_remote_code: bool = False,
    ) -> None:
        self.model_id = model
        self.revision = revision
        self.device = device
        self.dtype = dtype
        self.batch_size = max(1, int(batch_size))
        self.max_total_tokens = int(max_total_tokens)
        self.trust_remote_code = trust_remote_code
        self._model: Any = None
        self._tokenizer: Any = None
        self._resolved_rev: str | None = None

    # -- loading --------------------------------------------------------------------------
    def load(self) -> None:
        """Load tokenizer and model once; a missing library or model is 'unavailable'."""
        if self._model is not None:
            return
        from petar_bench.metrics.green._metric import judge_unavailable

        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:
            raise judge_unavailable(
                "GREEN's transformers backend needs torch and transformers "
                "(pip install 'petar-bench[models]')"
            ) from None
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = (
            getattr(torch, self.dtype)
            if self.dtype
            else (torch.float16 if device.startswith("cuda") else torch.float32)
        )
        common = {"revision": self.revision, "trust_remote_code": self.trust_remote_code}
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.model_id, padding_side="left", **common)
            model = AutoModelForCausalLM.from_pretrained(self.model_id, dtype=dtype, **common)
        except (OSError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise judge_unavailable(f"cannot load GREEN judge {self.model_id!r}: {first}") from None
        self._model = model.to(device).eval()  # type: ignore[arg-type]
        self._tokenizer = tokenizer
        self._device = device
        if tokenizer.eos_token:
            self.eos_token = tokenizer.eos_token
        self._resolved_rev = self._revision_of(model)

    def _revision_of(self, model: Any) -> str:
        commit = getattr(model.config, "_commit_hash", None)
        path = Path(self.model_id)
        if path.is_dir():
            return "local-" + _folder_digest(path)
        return commit or self.revision or "unknown"

    # -- generation -----------------------------------------------------------------------
    def generate(self, texts: Sequence[str]) -> list[JudgeReply]:
        self.load()
        encoded = [list(self._tokenizer(t)["input_ids"]) for t in texts]
        replies: list[JudgeReply | None] = [None] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        fits = []
        for i in order:
            if len(encoded[i]) >= self.max_total_tokens:
                replies[i] = JudgeReply("", prompt_truncated=True, total_tokens=len(encoded[i]))
            else:
                fits.append(i)
        for start in range(0, len(fits), self.batch_size):
            batch = fits[start : start + self.batch_size]
            for i, reply in zip(
                batch, self._generate_batch([encoded[i] for i in batch]), strict=True
            ):
                replies[i] = reply
        return [r if r is not None else JudgeReply("", error="no answer") for r in replies]

    def _generate_batch(self, prompts: list[list[int]]) -> list[JudgeReply]:
        longest = max(len(p) for p in prompts)
        limit = self.max_total_tokens - longest
        replies = self._run(prompts, limit)
        for k, prompt in enumerate(prompts):
            own = self.max_total_tokens - len(prompt)
            if replies[k].output_truncated and own > limit:
                replies[k] = self._run([prompt], own)[0]
        return replies

    def _run(self, prompts: list[list[int]], max_new: int) -> list[JudgeReply]:
        import torch
        from transformers import GenerationConfig

        tok = self._tokenizer
        eos_id = tok.eos_token_id
        pad_id = tok.pad_token_id if tok.pad_token_id is not None else eos_id
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, prompt in enumerate(prompts):  # left padding: answers start at `width`
            ids[row, width - len(prompt) :] = torch.tensor(prompt)
            mask[row, width - len(prompt) :] = 1
        config = GenerationConfig(
            do_sample=False, max_new_tokens=max_new, eos_token_id=eos_id, pad_token_id=pad_id
        )
        with torch.inference_mode():
            out = self._model.generate(
                input_ids=ids.to(self._device),
                attention_mask=mask.to(self._device),
                generation_config=config,
            )
        return [
            self._reply(row[width:].tolist(), len(p)) for row, p in zip(out, prompts, strict=True)
        ]

    def _reply(self, new: list[int], prompt_len: int) -> JudgeReply:
        eos_id = self._tokenizer.eos_token_id
        finished = eos_id in new
        if finished:
            new = new[: new.index(eos_id)]
        text = self._tokenizer.decode(new, skip_special_tokens=True)
        return JudgeReply(
            text=text, output_truncated=not finished, total_tokens=prompt_len + len(new)
        )

    def identity(self) -> dict[str, str]:
        return {
            "judge": self.model_id
            if not Path(self.model_id).is_dir()
            else Path(self.model_id).name,
            "rev": self._resolved_rev or self.revision or "unknown",
            "budget": f"total{self.max_total_tokens}",
        }


def _folder_digest(path: Path) -> str:
    """Identity of a local model folder: its config files' bytes and its weights' sizes
    (hashing many GB of weights on every run would cost minutes)."""
    digest = hashlib.sha256()
    for item in sorted(path.iterdir()):
        if not item.is_file():
            continue
        digest.update(item.name.encode())
        if item.suffix in (".json", ".model", ".txt"):
            digest.update(item.read_bytes())
        else:
            digest.update(str(item.stat().st_size).encode())
    return digest.hexdigest()[:12]
