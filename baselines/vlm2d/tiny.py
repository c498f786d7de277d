"""Tiny random image-text checkpoints, one per model family of the 2D presets (tests, CI).

Each builder writes a folder laid out like a released checkpoint: config.json, model
safetensors, a tokenizer trained on the spot with `tokenizers`, the family's image
processor settings and a chat template that places image tokens the way the family's real
template does. The 2D adapter loads it through AutoProcessor and AutoModelForImageTextToText,
exactly like a downloaded checkpoint. The weights are random, so the output text is noise.

    python -m petar_bench.baselines.vlm2d.tiny DIR --family gemma3
    petar-bench run --model medgemma-4b --weights DIR
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FAMILIES = ("gemma3", "qwen3_vl", "qwen2_5_vl", "internvl", "vipllava")

_CORPUS = (
    "Please describe the region highlighted in the PET image.",
    "Region: Right hilar lymph node. Finding: a lymph node demonstrates SUV max 3.3, "
    "PET/CT axial slice 128.",
    "New left ischial tuberosity hypermetabolic lesion, SUV max 6.7, PET/CT axial slice 238.",
    "Hypermetabolic focus in the liver, the lung, the bone and the spleen.",
)

# A chat template per family: same roles and image markers as the real templates.
_GEMMA_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<start_of_turn>"
    "{{ 'model' if m['role'] == 'assistant' else m['role'] }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
    "{% if c['type'] == 'image' %}<start_of_image>{% elif c['type'] == 'text' %}{{ c['text'] }}"
    "{% endif %}{% endfor %}{% endif %}<end_of_turn>\n{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
_CHATML_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
    "{% if c['type'] == 'image' %}{{ IMAGE }}{% elif c['type'] == 'text' %}{{ c['text'] }}"
    "{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
_LLAVA_TEMPLATE = (
    "{% for m in messages %}{% if m['role'] == 'user' %}USER: {% else %}ASSISTANT: {% endif %}"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
    "{% if c['type'] == 'image' %}<image>\n{% elif c['type'] == 'text' %}{{ c['text'] }}"
    "{% endif %}{% endfor %}{% endif %}{% if m['role'] == 'user' %} {% else %}</s>{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)


def _tokenizer(specials: list[str], extra: dict[str, str], *, bos: str | None, eos: str) -> Any:
    """A byte-level BPE tokenizer with the family's special tokens, trained on a few lines."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    reserved = ["<unk>", "<pad>", eos, *([bos] if bos else []), *specials]
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=list(dict.fromkeys(reserved)),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(_CORPUS) * 4, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="<unk>",
        pad_token="<pad>",
        eos_token=eos,
        bos_token=bos,
        extra_special_tokens=extra,
    )


def _text(vocab: int, **extra: Any) -> dict[str, Any]:
    return {
        "vocab_size": vocab,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
        "head_dim": 16,
        "max_position_embeddings": 2048,
        **extra,
    }


@dataclass(frozen=True)
class _Parts:
    config: Any
    tokenizer: Any
    image_processor: Any
    processor: Callable[[], Any]  # built on demand: some need torchvision


def _gemma3() -> _Parts:
    from transformers import Gemma3Config, Gemma3ImageProcessorPil, Gemma3Processor

    tok = _tokenizer(
        ["<start_of_image>", "<end_of_image>", "<image_soft_token>", "<start_of_turn>"]
        + ["<end_of_turn>"],
        {"image_token": "<image_soft_token>", "boi_token": "<start_of_image>"}
        | {"eoi_token": "<end_of_image>"},
        bos="<bos>",
        eos="<eos>",
    )
    images = Gemma3ImageProcessorPil(size={"height": 32, "width": 32})
    config = Gemma3Config(
        text_config=_text(len(tok), sliding_window=64),
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": 32,
            "patch_size": 8,
        },
        mm_tokens_per_image=4,
        boi_token_index=tok.boi_token_id,
        eoi_token_index=tok.convert_tokens_to_ids("<end_of_image>"),
        image_token_index=tok.image_token_id,
    )
    return _Parts(
        config,
        tok,
        images,
        lambda: Gemma3Processor(
            image_processor=images,
            tokenizer=tok,
            chat_template=_GEMMA_TEMPLATE,
            image_seq_length=4,
        ),
    )


def _qwen_tokenizer() -> Any:
    return _tokenizer(
        ["<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>"]
        + ["<|video_pad|>"],
        {"image_token": "<|image_pad|>", "video_token": "<|video_pad|>"}
        | {"vision_start_token": "<|vision_start|>", "vision_end_token": "<|vision_end|>"},
        bos=None,
        eos="<|im_end|>",
    )


def _qwen_ids(tok: Any) -> dict[str, Any]:
    return {
        "image_token_id": tok.convert_tokens_to_ids("<|image_pad|>"),
        "video_token_id": tok.convert_tokens_to_ids("<|video_pad|>"),
        "vision_start_token_id": tok.convert_tokens_to_ids("<|vision_start|>"),
        "vision_end_token_id": tok.convert_tokens_to_ids("<|vision_end|>"),
    }


def _qwen_image_processor(patch: int) -> Any:
    from transformers import Qwen2VLImageProcessorPil

    # 32 x 32 pixels: 4 x 4 patches of 8 merged 2 x 2 -> 4 image tokens per view.
    pixels = 32 * 32
    return Qwen2VLImageProcessorPil(
        patch_size=patch,
        merge_size=2,
        temporal_patch_size=2,
        size={"shortest_edge": pixels, "longest_edge": pixels},
    )


_QWEN_IMAGE = "<|vision_start|><|image_pad|><|vision_end|>"


def _qwen3_vl() -> _Parts:
    from transformers import Qwen3VLConfig

    tok = _qwen_tokenizer()
    images = _qwen_image_processor(8)

    def processor() -> Any:
        from transformers import Qwen3VLProcessor, Qwen3VLVideoProcessor

        return Qwen3VLProcessor(
            image_processor=images,
            tokenizer=tok,
            video_processor=Qwen3VLVideoProcessor(patch_size=8),
            chat_template=_CHATML_TEMPLATE.replace("{{ IMAGE }}", _QWEN_IMAGE),
        )

    config = Qwen3VLConfig(
        text_config=_text(
            len(tok),
            rope_parameters={
                "rope_type": "default",
                "rope_theta": 10000.0,
                "mrope_section": [4, 2, 2],
                "mrope_interleaved": True,
            },
        ),
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "patch_size": 8,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "out_hidden_size": 32,
            "num_position_embeddings": 16,
            "deepstack_visual_indexes": [0],
        },
        **_qwen_ids(tok),
    )
    return _Parts(config, tok, images, processor)


def _qwen2_5_vl() -> _Parts:
    from transformers import Qwen2_5_VLConfig

    tok = _qwen_tokenizer()
    images = _qwen_image_processor(8)

    def processor() -> Any:
        from transformers import Qwen2_5_VLProcessor, Qwen2VLVideoProcessor

        return Qwen2_5_VLProcessor(
            image_processor=images,
            tokenizer=tok,
            video_processor=Qwen2VLVideoProcessor(patch_size=8),
            chat_template=_CHATML_TEMPLATE.replace("{{ IMAGE }}", _QWEN_IMAGE),
        )

    config = Qwen2_5_VLConfig(
        text_config=_text(
            len(tok),
            rope_parameters={
                "rope_type": "default",
                "rope_theta": 10000.0,
                "mrope_section": [4, 2, 2],
            },
        ),
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "patch_size": 8,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "out_hidden_size": 32,
            "window_size": 32,
            "fullatt_block_indexes": [1],
        },
        **_qwen_ids(tok),
    )
    return _Parts(config, tok, images, processor)


def _internvl() -> _Parts:
    from transformers import GotOcr2ImageProcessorPil, InternVLConfig

    tok = _tokenizer(
        ["<|im_start|>", "<|im_end|>", "<img>", "</img>", "<IMG_CONTEXT>", "<video>"],
        {"context_image_token": "<IMG_CONTEXT>", "start_image_token": "<img>"}
        | {"end_image_token": "</img>", "video_token": "<video>"},
        bos=None,
        eos="<|im_end|>",
    )
    images = GotOcr2ImageProcessorPil(size={"height": 32, "width": 32}, crop_to_patches=False)

    def processor() -> Any:
        from transformers import InternVLProcessor, InternVLVideoProcessor

        return InternVLProcessor(
            image_processor=images,
            tokenizer=tok,
            video_processor=InternVLVideoProcessor(size={"height": 32, "width": 32}),
            image_seq_length=4,
            chat_template=_CHATML_TEMPLATE.replace("{{ IMAGE }}", "<IMG_CONTEXT>\n"),
        )

    config = InternVLConfig(
        text_config={"model_type": "qwen2", **_text(len(tok))},
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": [32, 32],
            "patch_size": [8, 8],
        },
        image_token_id=tok.convert_tokens_to_ids("<IMG_CONTEXT>"),
        downsample_ratio=0.5,
        vision_feature_layer=-1,
    )
    return _Parts(config, tok, images, processor)


def _vipllava() -> _Parts:
    from transformers import CLIPImageProcessorPil, LlavaProcessor, VipLlavaConfig

    tok = _tokenizer(["<image>"], {"image_token": "<image>"}, bos="<s>", eos="</s>")
    images = CLIPImageProcessorPil(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    processor = LlavaProcessor(
        image_processor=images,
        tokenizer=tok,
        patch_size=8,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=_LLAVA_TEMPLATE,
    )
    config = VipLlavaConfig(
        text_config={"model_type": "llama", **_text(len(tok))},
        vision_config={
            "model_type": "clip_vision_model",
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "image_size": 32,
            "patch_size": 8,
            "projection_dim": 32,
        },
        image_token_index=tok.convert_tokens_to_ids("<image>"),
        vision_feature_layer=[-2, -1],
    )
    return _Parts(config, tok, images, lambda: processor)


_BUILDERS: dict[str, Callable[[], _Parts]] = {
    "gemma3": _gemma3,
    "qwen3_vl": _qwen3_vl,
    "qwen2_5_vl": _qwen2_5_vl,
    "internvl": _internvl,
    "vipllava": _vipllava,
}


def _random_model(parts: _Parts, seed: int) -> Any:
    import torch
    from transformers import AutoModelForImageTextToText

    config, tok = parts.config, parts.tokenizer
    for target in (config, config.get_text_config()):
        target.pad_token_id = tok.pad_token_id
        target.eos_token_id = tok.eos_token_id
    torch.manual_seed(seed)
    model = AutoModelForImageTextToText.from_config(config)
    # Wider than the default init so that greedy decoding varies with the image.
    with torch.no_grad():
        generator = torch.Generator().manual_seed(seed)
        for parameter in model.parameters():
            if parameter.dim() > 1:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    return model


def _parts(family: str) -> _Parts:
    if family not in _BUILDERS:
        raise ValueError(f"family {family!r} is not one of {FAMILIES}")
    return _BUILDERS[family]()


def make_tiny_vlm(directory: Path, family: str, *, seed: int = 0) -> Path:
    """Write a tiny random checkpoint of `family` (one of FAMILIES) into `directory`."""
    parts = _parts(family)
    directory = Path(directory)
    _random_model(parts, seed).save_pretrained(directory)
    parts.processor().save_pretrained(directory)
    return directory


def make_tiny_model_parts(directory: Path, family: str, *, seed: int = 0) -> tuple[Any, Any]:
    """The model saved to `directory`, plus (tokenizer, image processor) in memory.

    For checks of the model side where the family's processor cannot be built (transformers
    5 needs torchvision for the Qwen-VL and InternVL processors).
    """
    parts = _parts(family)
    _random_model(parts, seed).save_pretrained(Path(directory))
    return parts.tokenizer, parts.image_processor


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="folder to write the checkpoint into")
    parser.add_argument("--family", choices=FAMILIES, default="gemma3", help="model family")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights")
    args = parser.parse_args(argv)
    print(make_tiny_vlm(args.directory, args.family, seed=args.seed))


if __name__ == "__main__":
    main()
