"""A loaded LaMed checkpoint: tokenizer + model + decoding, from volumes and prompts to text.

Prompts are tokenised as the released code does: the string "<im_patch>" * N + prompt, with
the checkpoint's own tokenizer (which adds BOS). The N placeholder positions after BOS are then
overwritten by the projected image features.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from petar_bench.baselines.lamed._config import read_checkpoint_config
from petar_bench.baselines.lamed._generation import Generated, greedy_generate
from petar_bench.baselines.lamed._loading import load_model
from petar_bench.baselines.lamed._prompts import MAX_PROMPT_TOKENS
from petar_bench.errors import UserError

IMAGE_TOKEN = "<im_patch>"
_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def resolve_device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(
            f"device {device!r} was asked for but CUDA is not available; use --device cpu"
        )
    return device


def resolve_dtype(dtype: str, device: str) -> torch.dtype:
    """'auto': bfloat16 on a GPU, float32 on CPU (the checkpoint is stored in float32)."""
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return _DTYPES[dtype]


class LamedRunner:
    def __init__(self, directory: Path, *, device: str = "auto", dtype: str = "auto"):
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.model = load_model(directory, device=self.device, dtype=self.dtype)
        self.tokenizer = load_tokenizer(directory)
        self.num_image_tokens = self.model.geometry.num_image_tokens
        self.image_token_id = _token_id(self.tokenizer, IMAGE_TOKEN, directory)
        self._warned_bos = False
        config = read_checkpoint_config(directory)
        self.eos_ids = _eos_ids(directory, config)
        pad = self.tokenizer.pad_token_id
        self.pad_id = int(
            pad if pad is not None else config.get("pad_token_id") or min(self.eos_ids)
        )

    def prompt_ids(self, prompt: str) -> list[int]:
        """BOS, N `<im_patch>` placeholders, then the prompt's tokens, cut after
        MAX_PROMPT_TOKENS tokens as the release's tokenizer call does.

        The release overwrites positions 1..N whatever sits there. A tokenizer that adds no BOS
        would make it overwrite the first prompt token; we do the same (that is what the model
        was trained with) but warn, since it is almost certainly not what a user expects.
        """
        n = self.num_image_tokens
        ids = list(self.tokenizer(IMAGE_TOKEN * n + prompt)["input_ids"])[:MAX_PROMPT_TOKENS]
        if ids.count(self.image_token_id) != n:
            raise UserError(
                f"the checkpoint's tokenizer does not keep {IMAGE_TOKEN} as one token; "
                "it is not a LaMed tokenizer"
            )
        if len(ids) < n + 1:
            raise UserError("the prompt is empty and the tokenizer adds no BOS; give a prompt")
        if ids[1 : 1 + n] != [self.image_token_id] * n and not self._warned_bos:
            self._warned_bos = True
            warnings.warn(
                f"the tokenizer does not start with BOS + {n} {IMAGE_TOKEN}; image features "
                "overwrite positions 1..N by position, as the released code does",
                stacklevel=2,
            )
        return ids

    def generate_ids(
        self,
        volumes: Mapping[str, np.ndarray],
        prompts: Sequence[str],
        *,
        max_new_tokens: int,
        return_logits: bool = False,
    ) -> Generated:
        """Token ids (and optionally logits) for a batch; `volumes` as in `encode`."""
        features = self.encode(volumes)
        rows = [self.prompt_ids(p) for p in prompts]
        return greedy_generate(
            self.model,
            rows,
            features,
            max_new_tokens=max_new_tokens,
            eos_ids=self.eos_ids,
            pad_id=self.pad_id,
            return_logits=return_logits,
        )

    def generate(
        self, volumes: Mapping[str, np.ndarray], prompts: Sequence[str], *, max_new_tokens: int
    ) -> list[str]:
        result = self.generate_ids(volumes, prompts, max_new_tokens=max_new_tokens)
        return [self.tokenizer.decode(t, skip_special_tokens=True).strip() for t in result.tokens]

    @torch.inference_mode()
    def encode(self, volumes: Mapping[str, np.ndarray]) -> torch.Tensor:
        """Projected image features from [B, 1, D, H, W] arrays.

        Keys: "image" (PET, or M3D's CT), and for PETAR "mask", "ct" and the focal view
        "image_focal", "mask_focal", "ct_focal".
        """
        t = {
            k: torch.as_tensor(np.ascontiguousarray(v)).to(self.device, self.dtype)
            for k, v in volumes.items()
        }
        focal = None
        if "image_focal" in t:
            focal = (t["image_focal"], t.get("mask_focal"), t.get("ct_focal"))
        return self.model.encode_images(t["image"], t.get("mask"), t.get("ct"), focal=focal)


def load_tokenizer(directory: Path) -> Any:
    """The checkpoint's tokenizer, with our config class (so no remote code is consulted)."""
    from transformers import AutoTokenizer

    from petar_bench.baselines.lamed._model import make_config

    try:
        return AutoTokenizer.from_pretrained(
            str(directory),
            config=make_config(read_checkpoint_config(directory)),
            local_files_only=True,
        )
    except (ImportError, ValueError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(
            f"cannot load the tokenizer of {str(directory)!r} ({reason}); a sentencepiece-only "
            "tokenizer (tokenizer.model) needs 'pip install sentencepiece protobuf'"
        ) from None


def _token_id(tokenizer: Any, token: str, directory: Path) -> int:
    token_id = tokenizer.convert_tokens_to_ids(token)
    if token_id is None or token_id == tokenizer.unk_token_id:
        raise UserError(
            f"the tokenizer of {str(directory)!r} has no {token} token; not a LaMed model"
        )
    return int(token_id)


def _eos_ids(directory: Path, config: dict[str, Any]) -> set[int]:
    """Stop tokens as transformers' generate() would take them: generation_config.json first."""
    value = config.get("eos_token_id")
    path = directory / "generation_config.json"
    if path.is_file():
        try:
            value = json.loads(path.read_text(encoding="utf-8")).get("eos_token_id", value)
        except ValueError:
            raise UserError(
                f"{str(path)!r} is not valid JSON; re-download the checkpoint"
            ) from None
    values = value if isinstance(value, list) else [value]
    ids = {int(v) for v in values if v is not None}
    if not ids:
        raise UserError(
            f"{str(directory)!r} names no eos_token_id in its config; cannot stop decoding"
        )
    return ids
