"""Models behind an OpenAI-compatible server: the `openai-vlm` adapter.

Importing this package registers it in `petar_bench.registry.models`.
"""

from typing import Any

from petar_bench.baselines.endpoint._adapter import PAPER_PROMPT, OpenAIVLMAdapter, openai_vlm
from petar_bench.registry import models


@models.register(
    "openai-vlm",
    description="Any VLM behind an OpenAI-compatible server (vLLM, SGLang, llama.cpp): "
    "-o base_url=URL [-o model=NAME]",
    needs=("server",),
)
def _openai_vlm(**options: Any) -> OpenAIVLMAdapter:
    return openai_vlm(**options)


__all__ = ["PAPER_PROMPT", "OpenAIVLMAdapter", "openai_vlm"]
