"""A loaded image-text checkpoint: processor + model + batched greedy decoding (imports torch).

Loading goes through AutoProcessor and AutoModelForImageTextToText with local files only and
without remote code. A batch is one call of the processor's chat template (left padding)
and one `generate`; decoding is greedy whatever the checkpoint's generation_config.json
suggests (sampling, temperature, repetition penalty), so every family decodes alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from petar_bench.errors import UserError

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def load_processor(directory: Path) -> Any:
    from transformers import AutoProcessor

    try:
        processor = AutoProcessor.from_pretrained(
            str(directory), local_files_only=True, trust_remote_code=False
        )
    except ImportError as exc:
        # transformers 5 builds the Qwen-VL and InternVL processors (video part) only with
        # torchvision installed.
        raise UserError(
            f"cannot load the processor of {str(directory)!r} ({_reason(exc)}); "
            "pip install torchvision (the build matching your torch)"
        ) from None
    except (OSError, ValueError) as exc:
        raise UserError(
            f"cannot load the processor of {str(directory)!r}: {_reason(exc)}"
        ) from None
    if getattr(processor, "chat_template", None) is None:
        raise UserError(
            f"{str(directory)!r} has no chat template (chat_template.jinja or .json); "
            "copy it from the base checkpoint"
        )
    processor.tokenizer.padding_side = "left"
    return processor


def load_model(directory: Path, *, device: str, dtype: str) -> Any:
    from transformers import AutoModelForImageTextToText

    try:
        model = AutoModelForImageTextToText.from_pretrained(
            str(directory),
            dtype=_DTYPES[dtype],
            local_files_only=True,
            trust_remote_code=False,
            use_safetensors=True,
        )
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"cannot load the model in {str(directory)!r}: {_reason(exc)}") from None
    return model.to(device).eval()  # type: ignore[arg-type]


def greedy_config(model: Any, max_new_tokens: int) -> Any:
    """The checkpoint's stop and pad tokens with plain greedy decoding."""
    config = model.generation_config
    pad = config.pad_token_id
    if pad is None:
        eos = config.eos_token_id
        pad = eos[0] if isinstance(eos, list) else eos
    from transformers import GenerationConfig

    return GenerationConfig(
        max_new_tokens=max_new_tokens,
        do_sample=False,
        num_beams=1,
        eos_token_id=config.eos_token_id,
        pad_token_id=pad,
        bos_token_id=config.bos_token_id,
    )


class ImageTextRunner:
    def __init__(self, directory: Path, *, device: str, dtype: str) -> None:
        self.device = device
        self.dtype = _DTYPES[dtype]
        self.processor = load_processor(directory)
        self.model = load_model(directory, device=device, dtype=dtype)
        #: Answers that ran into max_new_tokens without a stop token (cut short).
        self.n_cut = 0

    def inputs(self, images: Sequence[Sequence[np.ndarray]], prompts: Sequence[str]) -> Any:
        """Tokenised chat prompts and pixel values for a batch, left padded."""
        from PIL import Image

        conversations = [
            [
                {
                    "role": "user",
                    "content": [
                        *({"type": "image"} for _ in row),
                        {"type": "text", "text": prompt},
                    ],
                }
            ]
            for row, prompt in zip(images, prompts, strict=True)
        ]
        texts = [
            self.processor.apply_chat_template(c, add_generation_prompt=True, tokenize=False)
            for c in conversations
        ]
        # A template that writes BOS itself must not get a second one from the tokenizer.
        bos = self.processor.tokenizer.bos_token
        add_special = not (bos and texts[0].startswith(bos))
        batch = self.processor(
            text=texts,
            images=[[Image.fromarray(rgb) for rgb in row] for row in images],
            padding=True,
            add_special_tokens=add_special,
            return_tensors="pt",
        )
        batch = batch.to(self.device)
        for key in ("pixel_values", "pixel_values_videos"):
            if key in batch and torch.is_floating_point(batch[key]):
                batch[key] = batch[key].to(self.dtype)
        return batch

    @torch.inference_mode()
    def generate_ids(
        self,
        images: Sequence[Sequence[np.ndarray]],
        prompts: Sequence[str],
        *,
        max_new_tokens: int,
    ) -> list[list[int]]:
        """New token ids per row, cut at the first stop token."""
        batch = self.inputs(images, prompts)
        config = greedy_config(self.model, max_new_tokens)
        output = self.model.generate(**batch, generation_config=config)
        new = output[:, batch["input_ids"].shape[1] :].tolist()
        stops = config.eos_token_id
        stops = set(stops if isinstance(stops, list) else [stops])
        rows = []
        for tokens in new:
            cut = next((i for i, t in enumerate(tokens) if t in stops), None)
            if cut is None:  # no stop token: the answer ran into max_new_tokens
                self.n_cut += 1
                cut = len(tokens)
            rows.append(tokens[:cut])
        return rows

    def generate(
        self,
        images: Sequence[Sequence[np.ndarray]],
        prompts: Sequence[str],
        *,
        max_new_tokens: int,
    ) -> list[str]:
        rows = self.generate_ids(images, prompts, max_new_tokens=max_new_tokens)
        decoded = self.processor.batch_decode(rows, skip_special_tokens=True)
        return [text.strip() for text in decoded]
