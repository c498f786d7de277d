"""Registry entries for the 2D presets: one generic image-text adapter, one entry per preset.

Creating an adapter is fast and checks what needs no torch: the checkpoint folder is found
(or a one-line UserError says how to get it), its config.json names the preset's model
family and no remote code, the weights are safetensors, and the checkpoint's identity is
hashed for the card. The weights load on the first `generate` call.

Options (every preset): weights (folder or hub id), device ("auto", "cpu", "cuda",
"cuda:1"), dtype ("auto": bfloat16 on a GPU, float32 on CPU; "float32", "bfloat16",
"float16"), prompt (text, or "paper" for the paper's query), max_new_tokens, and the view
settings centre ("suvmax", "centroid"), layout ("fused", "side_by_side", "pet", "ct"),
overlay ("none", "contour", "box"), size_px, images ("separate", "grid").
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.baselines.base import Adapter, AdapterCard
from petar_bench.baselines.vlm2d.presets import (
    IMAGE_MODES,
    PAPER_PROMPT,
    PRESETS,
    Preset,
    endpoint_hint,
    get_preset,
)
from petar_bench.errors import UserError
from petar_bench.registry import Registration, models
from petar_bench.volumes._lesion import LesionInput
from petar_bench.volumes.views import VIEWS_VERSION, LesionView, ViewRecipe, render_lesion

PREPROCESSING = f"lesion-views-v{VIEWS_VERSION}"
_DTYPES = ("auto", "float32", "bfloat16", "float16")
_VIEW_OPTIONS = ("centre", "layout", "overlay", "size_px")
_OPTIONS = ("weights", "device", "dtype", "prompt", "max_new_tokens", "images", *_VIEW_OPTIONS)
# Files of a checkpoint that the processor reads; all of them go into its identity.
_PROCESSOR_FILES = (
    "preprocessor_config.json",
    "processor_config.json",
    "chat_template.json",
    "chat_template.jinja",
    "video_preprocessor_config.json",
)


# What a hub download fetches: configs, weights, tokenizer and chat template files.
HUB_FILES = ("*.json", "*.safetensors", "*.jinja", "tokenizer.model", "*.txt")


@dataclass(frozen=True)
class Settings:
    """A preset after the user's options."""

    weights: str | None
    device: str
    dtype: str
    prompt: str
    max_new_tokens: int
    images: str
    recipe: ViewRecipe


def _positive_int(name: str, value: Any) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise UserError(f"option {name}={value!r} must be a positive integer")
    return int(text)


def settings_for(preset: Preset, options: dict[str, Any]) -> Settings:
    """Check the options of a preset; unknown names and bad values are UserErrors."""
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise UserError(
            f"{preset.name} has no option {', '.join(unknown)}; its options are "
            f"{', '.join(_OPTIONS)}"
        )
    dtype = str(options.get("dtype", "auto"))
    if dtype not in _DTYPES:
        raise UserError(f"dtype {dtype!r} is not one of {', '.join(_DTYPES)}")
    images = str(options.get("images", preset.images))
    if images not in IMAGE_MODES:
        raise UserError(f"images {images!r} is not one of {', '.join(IMAGE_MODES)}")
    view_changes: dict[str, Any] = {k: str(options[k]) for k in _VIEW_OPTIONS if k in options}
    if "size_px" in view_changes:
        view_changes["size_px"] = _positive_int("size_px", view_changes["size_px"])
    prompt = options.get("prompt")
    prompt_text = preset.prompt if prompt is None else str(prompt)
    if prompt_text == "paper":
        prompt_text = PAPER_PROMPT
    if not prompt_text.strip():
        raise UserError("option prompt is empty; give the question text or 'paper'")
    weights = options.get("weights")
    return Settings(
        weights=None if weights is None else str(weights),
        device=str(options.get("device", "auto")),
        dtype=dtype,
        prompt=prompt_text,
        max_new_tokens=_positive_int(
            "max_new_tokens", options.get("max_new_tokens", preset.max_new_tokens)
        ),
        images=images,
        recipe=preset.recipe.replace(**view_changes) if view_changes else preset.recipe,
    )


def _read_config(directory: Path) -> dict[str, Any]:
    path = directory / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{str(directory)!r} has no config.json; not a checkpoint folder") from None
    except ValueError:
        raise UserError(f"{str(path)!r} is not valid JSON; re-download the checkpoint") from None
    if not isinstance(config, dict):
        raise UserError(f"{str(path)!r} is not a JSON object")
    return config


def check_checkpoint(preset: Preset, directory: Path) -> None:
    """The folder holds a transformers-native checkpoint of the preset's family."""
    from petar_bench.baselines.lamed._weights import require_tokenizer, safetensors_files

    config = _read_config(directory)
    model_type = config.get("model_type")
    if model_type != preset.family:
        raise UserError(
            f"{str(directory)!r} holds a {model_type!r} model; {preset.name} needs a "
            f"{preset.family!r} checkpoint (fine-tuned weights of {preset.checkpoint} qualify)"
        )
    if "auto_map" in config:
        raise UserError(
            f"{str(directory)!r} asks for remote code (auto_map in config.json), which is "
            "never run; use a checkpoint that transformers loads natively"
        )
    safetensors_files(directory)
    require_tokenizer(directory)
    if not any((directory / name).is_file() for name in _PROCESSOR_FILES[:2]):
        raise UserError(
            f"{str(directory)!r} has no preprocessor_config.json; copy the processor files "
            f"of {preset.checkpoint} next to fine-tuned weights"
        )


def checkpoint_identity(directory: Path) -> str:
    """The LaMed identity (config, tokenizer, weight headers) plus the processor files."""
    import hashlib

    from petar_bench.baselines.lamed._weights import checkpoint_identity as weights_identity

    digest = hashlib.sha256(weights_identity(directory).encode())
    for name in _PROCESSOR_FILES:
        path = directory / name
        if path.is_file():
            digest.update(f"{name}\x00".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"sha256:{digest.hexdigest()}"


def _resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"device {device!r} was asked for but CUDA is not available; use cpu")
    return device


def _resolve_dtype(dtype: str, device: str) -> str:
    if dtype == "auto":
        return "bfloat16" if device.startswith("cuda") else "float32"
    return dtype


def grid_image(views: Sequence[LesionView]) -> np.ndarray:
    """Up to four square views in a 2 x 2 square (row-major, black where none)."""
    blank = np.zeros_like(views[0].rgb)
    cells = [v.rgb for v in views] + [blank] * (4 - len(views))
    if len(cells) > 4 or any(c.shape != blank.shape for c in cells):
        raise UserError("images=grid needs at most four square views of one size")
    rows = [np.concatenate(cells[i : i + 2], axis=1) for i in (0, 2)]
    return np.concatenate(rows, axis=0)


class ImageTextAdapter(Adapter):
    """Any transformers image-text-to-text checkpoint, fed lesion views and one question."""

    def __init__(self, preset: Preset, settings: Settings) -> None:
        from petar_bench.baselines.lamed._weights import resolve_weights

        self.preset = preset
        self.settings = settings
        # Checks that need no torch come first: a missing checkpoint fails in milliseconds.
        self.directory = resolve_weights(
            preset.name, settings.weights, hub_id=preset.checkpoint, patterns=HUB_FILES
        )
        check_checkpoint(preset, self.directory)
        self.device = _resolve_device(settings.device)
        self.dtype = _resolve_dtype(settings.dtype, self.device)
        if settings.images == "grid" and settings.recipe.layout == "side_by_side":
            raise UserError("images=grid needs square views; use a layout other than side_by_side")
        self._runner: Any = None
        self.card = AdapterCard(
            name=preset.name,
            description=preset.description,
            version="1",
            checkpoint=checkpoint_identity(self.directory),
            prompt=settings.prompt,
            preprocessing=PREPROCESSING,
            decoding={"strategy": "greedy", "max_new_tokens": settings.max_new_tokens},
            settings={
                "family": preset.family,
                "images": settings.images,
                "views": settings.recipe.as_dict(),
                "dtype": self.dtype,
                "device_type": self.device.split(":")[0],
            },
            homepage=preset.homepage,
        )

    def images_for(self, lesion: LesionInput) -> list[np.ndarray]:
        """The RGB images one lesion is shown as (three views, or one grid)."""
        views = render_lesion(lesion, self.settings.recipe)
        if self.settings.images == "grid":
            return [grid_image(views)]
        return [view.rgb for view in views]

    @property
    def runner(self) -> Any:
        if self._runner is None:
            from petar_bench.baselines.vlm2d._runtime import ImageTextRunner

            self._runner = ImageTextRunner(self.directory, device=self.device, dtype=self.dtype)
        return self._runner

    def generate(self, batch: Sequence[LesionInput]) -> list[str]:
        if not batch:
            return []
        images = [self.images_for(lesion) for lesion in batch]
        prompts = [self.settings.prompt] * len(batch)
        return self.runner.generate(images, prompts, max_new_tokens=self.settings.max_new_tokens)

    def notes(self) -> list[str]:
        n_cut = self._runner.n_cut if self._runner is not None else 0
        if not n_cut:
            return []
        return [
            f"{n_cut} answer(s) reached max_new_tokens={self.settings.max_new_tokens} without "
            "a stop token and are cut short; raise it with -o max_new_tokens=N (a new run key)"
        ]


def create(name: str, **options: Any) -> ImageTextAdapter:
    """The adapter of preset `name` with the user's options."""
    preset = get_preset(name)
    if preset.endpoint_only:
        raise UserError(endpoint_hint(preset))
    return ImageTextAdapter(preset, settings_for(preset, options))


def _register() -> None:
    for preset in PRESETS:
        needs = ("endpoint",) if preset.endpoint_only else ("weights", "torch")
        factory = functools.partial(create, preset.name)
        models.add(Registration(preset.name, factory, preset.description, needs))


_register()

__all__ = ["ImageTextAdapter", "Settings", "check_checkpoint", "create", "settings_for"]
