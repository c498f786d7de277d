"""`openai-vlm`: any vision-language model behind an OpenAI-compatible chat endpoint.

vLLM (`vllm serve`), SGLang, llama.cpp's server and hosted APIs all take the same request:
one user message whose content holds the lesion views as base64 PNG data URLs and the query.
By default that is the PETAR paper's 2D recipe: three fused PET/CT slices through the
lesion's hottest voxel (axial, coronal, sagittal) as three images, then the paper's query.
Other recipes are options (one montage image, side-by-side CT|PET panels, a contour or box
overlay for prompt-aware models, another centre or size).

Greedy (temperature 0) and `max_tokens` always sent: servers cut answers at their own small
default otherwise. Requests go through the shared client (`petar_bench.endpoint`): up to
`concurrency` in flight, retries with backoff on 429, 5xx, timeouts and dropped connections,
an optional request budget, the API key from PETAR_BENCH_API_KEY or OPENAI_API_KEY (never
written anywhere). The served model's name, what it loaded and any revision it reports are
on the adapter card, so they are part of the run key.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from petar_bench.baselines.base import AdapterCard, StreamingAdapter
from petar_bench.errors import UserError
from petar_bench.volumes._lesion import LesionInput

#: The query of the PETAR paper (also PETAR-4B's default prompt).
PAPER_PROMPT = "Please describe the region highlighted in the PET image."
IMAGE_ARRANGEMENTS = ("separate", "grid", "montage")
#: The paper's generation limit (the 2D presets' too).
DEFAULT_MAX_TOKENS = 256
#: Bump when the request this adapter builds changes (it is part of the run key).
ADAPTER_VERSION = "1"
_OPTIONS = {
    "base_url": "URL of the server (http://host:8000 or .../v1)",
    "model": "served model name (default: the server's only model)",
    "revision": "model revision to record when the server does not report one",
    "preset": "a 2D preset (e.g. vip-llava-7b) whose prompt, views and limits to use",
    "prompt": "the query (default: the paper's)",
    "max_tokens": "answer tokens per request (default 256; always sent)",
    "concurrency": "requests kept in flight (default 16)",
    "images": "'separate' (one image per view, default), 'grid' (2 x 2) or 'montage' (a row)",
    "layout": "'fused' (default), 'side_by_side', 'pet' or 'ct'",
    "overlay": "'none' (default), 'contour' or 'box' (prompt-aware models)",
    "centre": "'suvmax' (default) or 'centroid'",
    "size_px": "side of each view in pixels (default 448)",
    "retries": "retries per request (default 5)",
    "timeout": "seconds per request (default 600)",
    "max_requests": "request budget: the most HTTP requests this run may send",
}


@dataclass(frozen=True)
class EndpointSettings:
    """Options that change what is sent (and so the run key)."""

    prompt: str = PAPER_PROMPT
    max_tokens: int = DEFAULT_MAX_TOKENS
    images: str = "separate"


def _float(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserError(f"openai-vlm option {name}={value!r} must be a number") from None
    if number <= 0:
        raise UserError(f"openai-vlm option {name}={number} must be positive")
    return number


def _int(name: str, value: Any, minimum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UserError(f"openai-vlm option {name}={value!r} must be an integer") from None
    if number < minimum:
        raise UserError(f"openai-vlm option {name}={number} must be at least {minimum}")
    return number


class OpenAIVLMAdapter(StreamingAdapter):
    """Lesion views + query -> one chat completion per lesion, many in flight."""

    def __init__(
        self, client: Any, served: Any, recipe: Any, settings: EndpointSettings, concurrency: int
    ) -> None:
        self.client = client
        self.served = served
        self.recipe = recipe
        self.settings = settings
        self.concurrency = concurrency
        self.needs_training_data = False
        #: Answers that stopped at max_tokens (for the run's messages and tests).
        self.n_cut = 0
        self._lock = threading.Lock()
        self.card = AdapterCard(
            name="openai-vlm",
            description=f"{served.name} behind an OpenAI-compatible server",
            version=ADAPTER_VERSION,
            checkpoint=f"{served.root or served.name}@{served.revision or 'unknown'}",
            prompt=settings.prompt,
            preprocessing="lesion-views",
            decoding={"temperature": 0, "max_tokens": settings.max_tokens},
            settings={
                **served.identity(),
                "images": settings.images,
                "views": recipe.as_dict(),
                "views_version": views_version(),
            },
        )

    # -- one lesion ------------------------------------------------------------------------
    def image_urls(self, lesion: LesionInput) -> list[str]:
        from petar_bench.volumes.views import montage, png_data_url, render_lesion

        views = render_lesion(lesion, self.recipe)
        if self.settings.images == "montage":
            return [png_data_url(montage(views, gap_px=4))]
        if self.settings.images == "grid":
            from petar_bench.baselines.vlm2d._adapters import grid_image

            return [png_data_url(grid_image(views))]
        return [png_data_url(view.rgb) for view in views]

    def request_body(self, lesion: LesionInput) -> dict[str, Any]:
        content: list[dict[str, Any]] = [
            {"type": "image_url", "image_url": {"url": url}} for url in self.image_urls(lesion)
        ]
        content.append({"type": "text", "text": self.settings.prompt})
        return {
            "model": self.served.name,
            "messages": [{"role": "user", "content": content}],
            "max_tokens": self.settings.max_tokens,
            "temperature": 0,
        }

    def describe(self, lesion: LesionInput) -> str:
        answer = self.client.post("/chat/completions", self.request_body(lesion))
        try:
            choice = answer["choices"][0]
            text = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise ValueError("server answer has no choices[0].message.content") from None
        if not isinstance(text, str):
            raise ValueError(f"server answer content is {type(text).__name__}, not text")
        if choice.get("finish_reason") == "length":
            with self._lock:
                self.n_cut += 1
        return text.strip()

    def notes(self) -> list[str]:
        if not self.n_cut:
            return []
        return [
            f"{self.n_cut} answer(s) stopped at max_tokens={self.settings.max_tokens} and are "
            "cut short; raise it with -o max_tokens=N (a new run key)"
        ]

    # -- many ------------------------------------------------------------------------------
    def generate_stream(
        self, inputs: Iterable[LesionInput]
    ) -> Iterator[tuple[LesionInput, str | BaseException]]:
        from petar_bench.endpoint import RequestBudgetExhausted, in_flight

        for outcome in in_flight(self.describe, inputs, concurrency=self.concurrency):
            if isinstance(outcome.error, RequestBudgetExhausted):
                raise UserError(
                    f"openai-vlm: {outcome.error} (max_requests); the answers so far are "
                    "stored: rerun the same command with a larger max_requests to go on"
                )
            yield outcome.item, outcome.error if outcome.error is not None else str(outcome.result)


def views_version() -> int:
    from petar_bench.volumes.views import VIEWS_VERSION

    return int(VIEWS_VERSION)


def _recipe_and_settings(options: dict[str, Any]) -> tuple[Any, EndpointSettings]:
    """The view recipe and request settings: a preset's (if named), then explicit options."""
    from petar_bench.volumes.views import ViewRecipe

    recipe, base = ViewRecipe(), EndpointSettings()
    if options.get("preset"):
        from petar_bench.baselines.vlm2d.presets import get_preset

        preset = get_preset(str(options["preset"]))
        recipe = preset.recipe
        base = EndpointSettings(preset.prompt, preset.max_new_tokens, preset.images)
    changes: dict[str, Any] = {
        k: options[k] for k in ("layout", "overlay", "centre") if k in options
    }
    if "size_px" in options:
        changes["size_px"] = _int("size_px", options["size_px"], 8)
    recipe = recipe.replace(**changes) if changes else recipe
    images = str(options.get("images", base.images))
    if images not in IMAGE_ARRANGEMENTS:
        raise UserError(
            f"openai-vlm option images={images!r}: choose {', '.join(IMAGE_ARRANGEMENTS)}"
        )
    if images == "grid" and recipe.layout == "side_by_side":
        raise UserError("openai-vlm: images=grid needs square views; choose another layout")
    settings = EndpointSettings(
        prompt=str(options.get("prompt", base.prompt)),
        max_tokens=_int("max_tokens", options.get("max_tokens", base.max_tokens), 1),
        images=images,
    )
    return recipe, settings


def openai_vlm(**options: Any) -> OpenAIVLMAdapter:
    """Create the adapter: checks the options and asks the server what it serves."""
    from petar_bench.endpoint import EndpointClient, served_model

    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        known = ", ".join(f"{k} ({v})" for k, v in _OPTIONS.items())
        raise UserError(f"openai-vlm has no option {', '.join(unknown)}; its options: {known}")
    if not options.get("base_url"):
        raise UserError("openai-vlm needs the server: -o base_url=http://host:8000")
    recipe, settings = _recipe_and_settings(options)
    concurrency = _int("concurrency", options.get("concurrency", 16), 1)
    budget = options.get("max_requests")
    client = EndpointClient(
        str(options["base_url"]),
        retries=_int("retries", options.get("retries", 5), 0),
        timeout=_float("timeout", options.get("timeout", 600.0)),
        max_requests=None if budget is None else _int("max_requests", budget, 1),
        connections=concurrency,
    )
    served = served_model(client, options.get("model"))
    if options.get("revision") and not served.revision:
        from dataclasses import replace

        served = replace(served, revision=str(options["revision"]))
    return OpenAIVLMAdapter(client, served, recipe, settings, concurrency)
