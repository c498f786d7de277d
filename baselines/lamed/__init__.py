"""LaMed-style 3D vision-language models: PETAR-4B and the M3D family.

The architecture is rebuilt here on MONAI blocks (3D ViT towers) and transformers' Phi-3
(language model), so that released checkpoints load from safetensors with their own parameter
names and no remote code runs. Importing this package is cheap: torch, transformers and MONAI
load inside the functions that need them.

Modules: `config` (geometry read from a checkpoint's config.json), `vision` (3D ViT towers),
`projector` (spatial-pooling projector), `model` (the causal LM with image-token splicing),
`loading` (weights location, identity, layout validation, safetensors loading), `generation`
(batched greedy decoding), `prompts`, `m3d_preprocess` (M3D's CT profile), `adapters`
(registry entries) and `tiny` (random tiny checkpoints for tests and demos).
"""

from petar_bench.baselines.lamed._config import LamedGeometry, geometry_from_config
from petar_bench.baselines.lamed._prompts import PAPER_PROMPT, RELEASE_ORGAN_QUESTIONS

__all__ = ["PAPER_PROMPT", "RELEASE_ORGAN_QUESTIONS", "LamedGeometry", "geometry_from_config"]
