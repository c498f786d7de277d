"""The 2D vision-language presets: data, not code.

A preset names a checkpoint that transformers loads natively (AutoProcessor +
AutoModelForImageTextToText, never remote code), the prompt, how the lesion is drawn
(`ViewRecipe`), how the views are handed over (three images, or one grid image for
single-image models), generation limits and the licence. Adding a model is adding a
`Preset` to `PRESETS`. An endpoint-only preset describes a model that needs its authors'
own code: the user serves it and the `openai-vlm` adapter reaches it; it is not loaded here.

Nothing here imports torch or transformers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from petar_bench.errors import UserError, did_you_mean
from petar_bench.volumes.views import ViewRecipe

PAPER_PROMPT = "Please describe the region highlighted in the PET image."
MAX_NEW_TOKENS = 256  # the paper's generation limit for every model

# "separate": one image per view in one user message (the paper's recipe);
# "grid": the three views in a 2 x 2 square (for models trained on one image per prompt).
IMAGE_MODES = ("separate", "grid")


@dataclass(frozen=True)
class Preset:
    """One 2D baseline of the paper, as data."""

    name: str
    description: str
    checkpoint: str  # Hugging Face hub id
    family: str  # transformers model_type the checkpoint must have
    table2_row: str  # the paper's Table 2 row it reproduces
    licence: str
    gpu_memory: str  # weights in bfloat16 plus working memory for batch 1, three views
    prompt: str = PAPER_PROMPT
    recipe: ViewRecipe = field(default_factory=ViewRecipe)
    images: str = "separate"
    max_new_tokens: int = MAX_NEW_TOKENS
    endpoint_only: bool = False
    notes: str = ""

    def __post_init__(self) -> None:
        if self.images not in IMAGE_MODES:
            raise ValueError(f"preset {self.name}: images={self.images!r} not in {IMAGE_MODES}")

    @property
    def homepage(self) -> str:
        return f"https://huggingface.co/{self.checkpoint}"


# ViP-LLaVA reads a visual prompt drawn on the image. The paper does not say which one it
# drew; a green box (a colour the PET map never takes) marks the lesion in every view. One
# square 2 x 2 image, since ViP-LLaVA was trained with one image per prompt and its image
# processor centre-crops to a square.
_VIP_RECIPE = ViewRecipe(overlay="box", size_px=336)

PRESETS: tuple[Preset, ...] = (
    Preset(
        name="medgemma-4b",
        description="MedGemma-4B-it (Gemma 3 vision-language, medical), 2D tri-planar views",
        checkpoint="google/medgemma-4b-it",
        family="gemma3",
        table2_row="MedGemma-4B (2D zero-shot); with --weights DIR, MedGemma-4B FT",
        licence="Health AI Developer Foundations terms of use (gated: accept them on the hub)",
        gpu_memory="about 10 GB in bfloat16",
    ),
    Preset(
        name="qwen3-vl-8b",
        description="Qwen3-VL-8B-Instruct, 2D tri-planar views",
        checkpoint="Qwen/Qwen3-VL-8B-Instruct",
        family="qwen3_vl",
        table2_row="Qwen3-VL-8B (2D zero-shot); with --weights DIR, Qwen3-VL-8B FT",
        licence="Apache-2.0",
        gpu_memory="about 20 GB in bfloat16",
    ),
    Preset(
        name="internvl3-8b",
        description="InternVL3-8B (transformers-native -hf release), 2D tri-planar views",
        checkpoint="OpenGVLab/InternVL3-8B-hf",
        family="internvl",
        table2_row="InternVL3-8B (2D zero-shot)",
        licence="MIT (language model part: Qwen2.5, Apache-2.0)",
        gpu_memory="about 19 GB in bfloat16",
    ),
    Preset(
        name="vip-llava-7b",
        description="ViP-LLaVA-7B, prompt-aware: a box drawn around the lesion, one 2x2 image",
        checkpoint="llava-hf/vip-llava-7b-hf",
        family="vipllava",
        table2_row="ViP-LLaVA (2D zero-shot, prompt-aware)",
        licence="Llama 2 Community License",
        gpu_memory="about 15 GB in bfloat16",
        recipe=_VIP_RECIPE,
        images="grid",
        notes="The box is the highlight the paper's query refers to.",
    ),
    Preset(
        name="qoq-med",
        description="QoQ-Med-VL-7B (Qwen2.5-VL based, medical), 2D tri-planar views",
        checkpoint="ddvd233/QoQ-Med-VL-7B",
        family="qwen2_5_vl",
        table2_row="QoQ-Med (2D zero-shot)",
        licence="see the model card (research use; check before any other use)",
        gpu_memory="about 18 GB in bfloat16",
    ),
    Preset(
        name="huatuogpt-vision-7b",
        description="HuatuoGPT-Vision-7B: endpoint only (needs its authors' code); serve it "
        "and use openai-vlm",
        checkpoint="FreedomIntelligence/HuatuoGPT-Vision-7B",
        family="llava_qwen2",
        table2_row="HuatuoGPT-Vision-7B (2D zero-shot)",
        licence="Apache-2.0 (see the model card)",
        gpu_memory="about 17 GB in bfloat16",
        endpoint_only=True,
        notes="The checkpoint's architecture exists only in its authors' repository "
        "(remote code), which this suite never runs. Serve it with that code behind an "
        "OpenAI-compatible server and point the openai-vlm adapter at it.",
    ),
)


def preset_names() -> list[str]:
    return [p.name for p in PRESETS]


def get_preset(name: str) -> Preset:
    """The preset called `name`, or a UserError listing the others."""
    for preset in PRESETS:
        if preset.name == name:
            return preset
    names = preset_names()
    raise UserError(f"unknown 2D preset {name!r}{did_you_mean(name, names)}; one of {names}")


def endpoint_hint(preset: Preset) -> str:
    """The one-line instruction for an endpoint-only preset."""
    return (
        f"{preset.name} runs only behind an OpenAI-compatible server: {preset.notes} Then run "
        f"'petar-bench run --model openai-vlm -o base_url=http://HOST:PORT/v1 "
        f"-o model=SERVED_NAME' (docs/models.md, section {preset.name})"
    )
