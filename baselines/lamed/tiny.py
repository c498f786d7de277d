"""Tiny random LaMed checkpoints, laid out exactly like a released one.

`make_tiny_checkpoint(dir)` writes config.json, a tokenizer trained on the spot with the
`tokenizers` library (BOS added, with the four LaMed special tokens), generation_config.json
and model.safetensors. The adapters load it through the same code as the real PETAR-4B or M3D
folder, so `petar-bench run --model petar-4b --weights DIR` works end to end on a laptop. The
config states its image size; the adapter asks the preprocessing for that size.

    python -m petar_bench.baselines.lamed.tiny DIR [--kind petar|m3d] [--seed N]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

LAMED_SPECIAL_TOKENS = ("<im_patch>", "<bx_start>", "<bx_end>", "[SEG]")
_BASE_SPECIALS = ("<unk>", "<s>", "</s>", "<|endoftext|>")  # ids 0..3: unk, BOS, -, EOS/pad

_CORPUS = (
    "Please describe the region highlighted in the PET image.",
    "What organ is shown in the masked region? Which organ is segmented in this image?",
    "Can you provide a caption consists of findings for this medical image?",
    "Region: Right hilar lymph node. Organ: lung. Sub-site: hilum. SUVmax 3.3, slice 128.",
    "Hypermetabolic lesion in the left ischial tuberosity, SUV max 6.7, PET/CT axial slice 238.",
    "Focal uptake in the liver, segment 7, consistent with metastasis. No other findings.",
    "Mildly avid mediastinal lymph node, likely reactive. Bone lesion in the sacrum.",
)


def tiny_config(vocab_size: int, *, image_size: tuple[int, int, int], kind: str) -> dict[str, Any]:
    """A LaMed-Phi-3 config.json with the released fields at toy sizes."""
    return {
        "architectures": ["LamedPhi3ForCausalLM"],
        "model_type": "lamed_phi3",
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 4,
        "hidden_act": "silu",
        "max_position_embeddings": 4096,
        "original_max_position_embeddings": 4096,
        "rms_norm_eps": 1e-05,
        "rope_theta": 10000.0,
        "rope_scaling": None,
        "sliding_window": 2047,
        "tie_word_embeddings": False,
        "attention_bias": False,
        "vocab_size": vocab_size,
        "bos_token_id": 1,
        "eos_token_id": 3,
        "pad_token_id": 3,
        "seg_token_id": vocab_size - 1,
        "torch_dtype": "float32",
        "use_cache": True,
        "image_channel": 1,
        "image_size": list(image_size),
        "patch_size": [2, 8, 8],
        "vision_tower": "vit3d",
        "vision_select_layer": -1,
        "vision_select_feature": "patch",
        "mm_hidden_size": 32,
        "vision_num_layers": 1,
        "vision_num_heads": 4,
        "vision_mlp_dim": 64,
        "pos_embed": "perceptron",
        "classification": True,
        "qkv_bias": False,
        "mm_projector_type": "spp",
        "proj_layer_type": "mlp",
        "proj_layer_num": 2,
        "proj_pooling_type": "spatial",
        "proj_pooling_size": 2,
        "use_mask": kind == "petar",
        "use_ct": kind == "petar",
    }


def train_tokenizer(directory: Path) -> int:
    """A small BPE tokenizer (Metaspace, BOS added) saved with save_pretrained; its length."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(
        vocab_size=160, special_tokens=list(_BASE_SPECIALS), show_progress=False
    )
    tokenizer.train_from_iterator(_CORPUS, trainer=trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)]
    )
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="<|endoftext|>",
        unk_token="<unk>",
        pad_token="<|endoftext|>",
    )
    wrapped.add_special_tokens({"additional_special_tokens": list(LAMED_SPECIAL_TOKENS)})
    wrapped.save_pretrained(str(directory))
    return len(wrapped)


def _randomise(model: Any, seed: int) -> None:
    """Deterministic weights whatever the library's own init; wide logits (clear margins)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in sorted(model.named_parameters()):
            if param.dim() == 1 and "norm" in name:
                param.fill_(1.0 if name.endswith("weight") else 0.0)
                continue
            std = 0.15 if name.startswith("lm_head") else 0.08
            param.copy_(torch.randn(param.shape, generator=generator) * std)


def make_tiny_checkpoint(
    directory: str | Path,
    *,
    image_size: tuple[int, int, int] = (8, 32, 32),
    seed: int = 0,
    kind: str = "petar",
) -> Path:
    """Write a tiny random checkpoint folder; `kind` is "petar" (PET+mask+CT) or "m3d" (CT)."""
    from safetensors.torch import save_file

    from petar_bench.baselines.lamed._model import LamedPhi3ForCausalLM, make_config

    if kind not in ("petar", "m3d"):
        raise ValueError(f"kind must be 'petar' or 'm3d', not {kind!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    vocab = train_tokenizer(directory)
    config = tiny_config(vocab, image_size=tuple(image_size), kind=kind)  # type: ignore[arg-type]
    (directory / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    generation = {"bos_token_id": 1, "eos_token_id": [3], "pad_token_id": 3}
    (directory / "generation_config.json").write_text(json.dumps(generation) + "\n", "utf-8")
    model = LamedPhi3ForCausalLM(make_config(config))
    _randomise(model, seed)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(directory / "model.safetensors"), metadata={"format": "pt"})
    return directory


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a tiny random LaMed checkpoint folder.")
    parser.add_argument("directory")
    parser.add_argument("--kind", choices=["petar", "m3d"], default="petar")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--image-size", type=int, nargs=3, default=[8, 32, 32])
    args = parser.parse_args(argv)
    path = make_tiny_checkpoint(
        args.directory, image_size=tuple(args.image_size), seed=args.seed, kind=args.kind
    )
    print(path)


if __name__ == "__main__":
    main()
