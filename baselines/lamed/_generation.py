"""Batched greedy decoding with left padding, equal to decoding each row alone.

Rows of different lengths are left-padded; each row's image features go right after its own
BOS; position ids follow the attention mask (a row's first real token is position 0, whatever
its padding), so every row sees exactly what it would see alone. The loop is ours rather than
`generate()`: it must splice the image features into the first step, and transformers' cache
arguments changed names between versions (we adapt to either).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class Generated:
    tokens: list[list[int]]  # per row, new tokens without the stopping EOS
    logits: list[torch.Tensor] | None = None  # per row, [steps, vocab] float32 (on request)


def left_pad(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(input_ids, attention_mask), right-aligned."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, width - len(row) :] = torch.tensor(row, dtype=torch.long)
        mask[i, width - len(row) :] = 1
    return ids, mask


def positions(attention_mask: torch.Tensor) -> torch.Tensor:
    """Position ids that count only attended tokens (padding gets 0; it is never attended)."""
    return (attention_mask.cumsum(-1) - 1).clamp(min=0)


def _cache_keyword(model: Any) -> str:
    parameters = inspect.signature(type(model.model).forward).parameters
    return "cache" if "cache" in parameters else "past_key_values"


def _step(
    model: Any,
    embeds: torch.Tensor,
    mask: torch.Tensor,
    pos: torch.Tensor,
    cache: Any,
    keyword: str,
) -> tuple[torch.Tensor, Any]:
    """One forward: last-position logits (float32) and the updated KV cache."""
    kwargs = {keyword: cache} if cache is not None else {}
    out = model.model(
        inputs_embeds=embeds, attention_mask=mask, position_ids=pos, use_cache=True, **kwargs
    )
    cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
    logits = model.lm_head(out.last_hidden_state[:, -1:, :])[:, -1, :].float()
    return logits, cache


@dataclass
class _Rows:
    """Per-row bookkeeping: tokens so far, finished rows, and (optionally) step logits."""

    tokens: list[list[int]]
    done: list[bool]
    logits: list[list[torch.Tensor]] | None

    def take(self, chosen: list[int], logits: torch.Tensor, eos_ids: set[int]) -> None:
        for i, token in enumerate(chosen):
            if self.done[i]:
                continue
            if self.logits is not None:
                self.logits[i].append(logits[i].cpu())
            if token in eos_ids:
                self.done[i] = True
            else:
                self.tokens[i].append(token)


@torch.inference_mode()
def greedy_generate(
    model: Any,
    rows: list[list[int]],
    image_features: torch.Tensor,
    *,
    max_new_tokens: int,
    eos_ids: set[int],
    pad_id: int,
    return_logits: bool = False,
    static_cache: bool = False,
) -> Generated:
    """Greedy continuation of each prompt row (BOS first) with its image spliced after BOS.

    `static_cache` pre-allocates the KV cache for the whole generation (transformers'
    StaticCache: fixed shapes, which CUDA graphs and compilation need) instead of growing it
    step by step; the tokens are the same either way."""
    device = model.model.embed_tokens.weight.device
    ids, mask = left_pad(rows, pad_id)
    ids, mask = ids.to(device), mask.to(device)
    bos_index = torch.tensor([ids.shape[1] - len(r) for r in rows], device=device)
    embeds = model.embed_with_images(ids, image_features, bos_index)
    keyword = _cache_keyword(model)
    first_cache = None
    if static_cache:
        from transformers import StaticCache

        first_cache = StaticCache(config=model.config, max_cache_len=ids.shape[1] + max_new_tokens)
    logits, cache = _step(model, embeds, mask, positions(mask), first_cache, keyword)
    state = _Rows(
        [[] for _ in rows], [False] * len(rows), [[] for _ in rows] if return_logits else None
    )
    for step in range(max_new_tokens):
        chosen = logits.argmax(dim=-1).tolist()
        state.take(chosen, logits, eos_ids)
        if all(state.done) or step == max_new_tokens - 1:
            break
        # Finished rows are fed padding; their outputs are ignored from here on.
        fed = [pad_id if d else t for d, t in zip(state.done, chosen, strict=True)]
        embeds = model.model.embed_tokens(torch.tensor(fed, device=device)[:, None])
        mask = torch.cat([mask, mask.new_ones((len(rows), 1))], dim=1)
        logits, cache = _step(model, embeds, mask, positions(mask)[:, -1:], cache, keyword)
    stacked = None
    if state.logits is not None:
        stacked = [torch.stack(s) if s else torch.empty(0) for s in state.logits]
    return Generated(tokens=state.tokens, logits=stacked)
