"""Registry entries `petar-4b`, `m3d-lamed-phi3-4b` and `m3d-rad`.

Creating an adapter is fast and checks what can be checked without loading weights: the
checkpoint folder is found (or a one-line UserError says where to get it), its config.json is
read (the input size comes from there), and its identity is hashed for the card. The weights
load on the first `generate` call. Importing this module does not import torch.

Options (all adapters): weights (folder or hub id), device ("auto", "cpu", "cuda", "cuda:1"),
dtype ("auto": bfloat16 on GPU, float32 on CPU; "float32", "bfloat16", "float16"; the
resolved dtype is on the card and so in the run key; the release runs float32), prompt,
max_new_tokens (default 256). petar-4b adds prompt_seed; the M3D adapters add crop.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from petar_bench.baselines.base import Adapter, AdapterCard
from petar_bench.baselines.lamed import _prompts as prompts
from petar_bench.baselines.lamed._config import (
    LamedGeometry,
    geometry_from_config,
    read_checkpoint_config,
)
from petar_bench.baselines.lamed._weights import (
    checkpoint_identity,
    require_tokenizer,
    resolve_weights,
)
from petar_bench.errors import UserError
from petar_bench.registry import models
from petar_bench.volumes._lesion import LesionInput

MAX_NEW_TOKENS = 256  # the release's setting
_DTYPE_CHOICES = ("auto", "float32", "bfloat16", "float16")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    hub_id: str
    description: str
    needs_mask_and_ct: bool  # PETAR's two towers and mask embedding, or M3D's single tower


PETAR_4B = ModelSpec(
    "petar-4b",
    "laynad/PETAR-4B",
    "PETAR-4B: mask-aware 3D VLM (PET+mask and CT ViTs, global+focal views, Phi-3 4B)",
    True,
)
M3D_LAMED = ModelSpec(
    "m3d-lamed-phi3-4b",
    "GoodBaiBai88/M3D-LaMed-Phi-3-4B",
    "M3D-LaMed-Phi-3-4B: 3D CT VLM (one ViT, Phi-3 4B), zero-shot; layout not yet checked "
    "against the real files",
    False,
)
M3D_RAD = ModelSpec(
    "m3d-rad",
    "Tang-xiaoxiao/M3D-RAD",
    "M3D-RAD: M3D-LaMed-Phi-3-4B fine-tuned on 3D-RAD CT VQA, zero-shot; layout not yet "
    "checked against the real files",
    False,
)


@dataclass(frozen=True)
class CommonOptions:
    weights: str | None
    device: str
    dtype: str
    max_new_tokens: int


def _int_option(name: str, value: Any, *, minimum: int) -> int:
    """An integer option, given as int (Python API) or text (command line)."""
    text = str(value).strip()
    if (
        isinstance(value, bool)
        or not isinstance(value, int | str)
        or not text.lstrip("-").isdigit()
    ):
        raise UserError(f"option {name}={value!r} must be an integer")
    if int(text) < minimum:
        raise UserError(f"option {name}={value!r} must be an integer >= {minimum}")
    return int(text)


def common_options(
    spec: ModelSpec, options: dict[str, Any], extra: tuple[str, ...]
) -> CommonOptions:
    allowed = ("weights", "device", "dtype", "prompt", "max_new_tokens", *extra)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise UserError(
            f"{spec.name} has no option {', '.join(unknown)}; its options are {', '.join(allowed)}"
        )
    dtype = str(options.get("dtype", "auto"))
    if dtype not in _DTYPE_CHOICES:
        raise UserError(f"dtype {dtype!r} is not one of {', '.join(_DTYPE_CHOICES)}")
    weights = options.get("weights")
    return CommonOptions(
        weights=None if weights is None else str(weights),
        device=str(options.get("device", "auto")),
        dtype=dtype,
        max_new_tokens=_int_option(
            "max_new_tokens", options.get("max_new_tokens", MAX_NEW_TOKENS), minimum=1
        ),
    )


class LamedAdapter(Adapter):
    """Shared by the three models: checkpoint checks, card, lazy loading, batched generation."""

    preprocessing: str

    def __init__(
        self,
        spec: ModelSpec,
        options: CommonOptions,
        policy: prompts.PromptPolicy,
        settings: dict[str, Any],
    ):
        self.spec = spec
        self.policy = policy
        self.max_new_tokens = options.max_new_tokens
        # Checks that need no torch come first, so a missing checkpoint fails in milliseconds.
        self.directory = resolve_weights(spec.name, options.weights, hub_id=spec.hub_id)
        self.geometry = self._checked_geometry()
        require_tokenizer(self.directory)
        from petar_bench.baselines.lamed._runtime import resolve_device, resolve_dtype

        self.device = resolve_device(options.device)
        self.dtype = options.dtype
        resolved_dtype = str(resolve_dtype(options.dtype, self.device)).removeprefix("torch.")
        self._runner: Any = None
        self._preparer: Any = None  # for generate() without the engine's feed
        self._anchored = 0  # lesions whose head crop was anchored at the lesion (PETAR)
        self.card = AdapterCard(
            name=spec.name,
            description=spec.description,
            version="1",
            checkpoint=checkpoint_identity(self.directory),
            prompt=policy.describe(),
            preprocessing=self.preprocessing,
            decoding={
                "strategy": "greedy",
                "max_new_tokens": self.max_new_tokens,
                "max_prompt_tokens": prompts.MAX_PROMPT_TOKENS,
            },
            settings={
                "dtype": resolved_dtype,
                "device_type": self.device.split(":")[0],
                "image_size": list(self.geometry.image_size),
                "image_tokens": self.geometry.num_image_tokens,
                **settings,
            },
            homepage=f"https://huggingface.co/{spec.hub_id}",
        )

    def _checked_geometry(self) -> LamedGeometry:
        path = self.directory / "config.json"
        geometry = geometry_from_config(read_checkpoint_config(self.directory), source=str(path))
        if geometry.image_channel != 1:
            raise UserError(f"{path}: image_channel must be 1, not {geometry.image_channel}")
        towers = (geometry.use_mask, geometry.use_ct)
        wanted = (True, True) if self.spec.needs_mask_and_ct else (False, False)
        if towers != wanted:
            other = "m3d-lamed-phi3-4b or m3d-rad" if towers == (False, False) else "petar-4b"
            raise UserError(
                f"{path} has use_mask={towers[0]}, use_ct={towers[1]}: not a {self.spec.name} "
                f"checkpoint (PETAR-4B has both, M3D neither); use {other} or the right weights"
            )
        return geometry

    def load(self) -> None:
        """Read the weights now: a checkpoint whose key layout or shapes do not match its
        config.json is refused (with the list) before any lesion is generated."""
        _ = self.runner

    @property
    def runner(self) -> Any:
        """The loaded model (first use loads the weights)."""
        if self._runner is None:
            from petar_bench.baselines.lamed._runtime import LamedRunner

            self._runner = LamedRunner(self.directory, device=self.device, dtype=self.dtype)
        return self._runner

    @abstractmethod
    def preparer(self) -> Any:
        """A new picklable preparer: lesion -> the model's input volumes, each float32
        (1, D, H, W). The engine runs it in its loading workers (see Adapter.preparer)."""

    def prepare(self, lesion: LesionInput) -> dict[str, np.ndarray]:
        """The model's input volumes for one lesion (this adapter's own preparer)."""
        if self._preparer is None:
            self._preparer = self.preparer()
        result: dict[str, np.ndarray] = self._preparer(lesion)
        return result

    def generate(self, batch: Sequence[LesionInput]) -> list[str]:
        return self.generate_prepared(batch, [self.prepare(lesion) for lesion in batch])

    def generate_prepared(
        self, batch: Sequence[LesionInput], prepared: Sequence[dict[str, Any]]
    ) -> list[str]:
        if not batch:
            return []
        self._anchored += sum(bool(p.get(ANCHORED_KEY)) for p in prepared)
        keys = [key for key in prepared[0] if key != ANCHORED_KEY]
        volumes = {key: np.stack([p[key] for p in prepared]) for key in keys}
        texts = [self.policy.for_sample(lesion.sample_id) for lesion in batch]
        return self.runner.generate(volumes, texts, max_new_tokens=self.max_new_tokens)


#: Set in a prepared lesion whose head crop was anchored at the lesion (not a model input).
ANCHORED_KEY = "head_crop_anchored"


@dataclass
class PetarPreparer:
    """PETAR-4B's preprocessing (the release's pipeline) for one process: lesions of one
    exam share the whole-body stage through this process's exam cache. The engine hands
    each worker whole exams, in order, so each exam's whole-body stage runs once."""

    image_size: tuple[int, int, int]
    max_exams: int = 2
    _cache: Any = None

    def __call__(self, lesion: LesionInput) -> dict[str, np.ndarray]:
        from petar_bench.volumes.petar_release import preprocess_petar_release

        if self._cache is None:
            from petar_bench.volumes.exam_cache import ExamCache

            self._cache = ExamCache(max_exams=self.max_exams)
        x = preprocess_petar_release(lesion, cache=self._cache, size=self.image_size)
        prepared: dict[str, Any] = {
            "image": x.pet,
            "mask": x.mask,
            "ct": x.ct,
            "image_focal": x.pet_focal,
            "mask_focal": x.mask_focal,
            "ct_focal": x.ct_focal,
        }
        if x.meta.head_crop != "release":
            prepared[ANCHORED_KEY] = True
        return prepared

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_cache": None}  # each process warms its own cache


@dataclass(frozen=True)
class M3DPreparer:
    """M3D's CT preprocessing for one lesion (no state)."""

    image_size: tuple[int, int, int]
    crop: str

    def __call__(self, lesion: LesionInput) -> dict[str, np.ndarray]:
        from petar_bench.baselines.lamed._m3d_preprocess import preprocess_m3d_ct

        return {"image": preprocess_m3d_ct(lesion, size=self.image_size, crop=self.crop)}


class PetarAdapter(LamedAdapter):
    preprocessing = "petar-release"

    def __init__(self, options: CommonOptions, policy: prompts.PromptPolicy):
        super().__init__(PETAR_4B, options, policy, {})

    def preparer(self) -> PetarPreparer:
        return PetarPreparer(self.geometry.image_size)

    def notes(self) -> list[str]:
        if not self._anchored:
            return []
        return [
            f"{self._anchored} lesion(s) lay outside the release preprocessing's head crop "
            "(no PET > 5 SUV above them, or more than 1,050 mm below it): cropped from 240 mm "
            "above the lesion instead (see docs/preprocessing.md)"
        ]


class M3DAdapter(LamedAdapter):
    preprocessing = "m3d-ct"

    def __init__(
        self, spec: ModelSpec, options: CommonOptions, policy: prompts.PromptPolicy, crop: str
    ):
        from petar_bench.baselines.lamed._m3d_preprocess import CROPS

        if crop not in CROPS:
            raise UserError(f"crop {crop!r} is not one of {', '.join(CROPS)}")
        self.crop = crop
        super().__init__(spec, options, policy, {"crop": crop})

    def preparer(self) -> M3DPreparer:
        return M3DPreparer(self.geometry.image_size, self.crop)


@models.register("petar-4b", description=PETAR_4B.description, needs=("weights", "torch"))
def petar_4b(**options: Any) -> PetarAdapter:
    """PETAR-4B (laynad/PETAR-4B). Options: weights, device, dtype, prompt ('paper' default,
    'release-questions', or text), prompt_seed (with 'release-questions'), max_new_tokens."""
    common = common_options(PETAR_4B, options, ("prompt_seed",))
    seed = options.get("prompt_seed")
    seed = None if seed is None else _int_option("prompt_seed", seed, minimum=0)
    return PetarAdapter(common, prompts.petar_policy(options.get("prompt"), seed))


@models.register("m3d-lamed-phi3-4b", description=M3D_LAMED.description, needs=("weights", "torch"))
def m3d_lamed_phi3_4b(**options: Any) -> M3DAdapter:
    """M3D-LaMed-Phi-3-4B. Options: weights, device, dtype, prompt, max_new_tokens,
    crop ('volume' default: the whole CT; 'lesion': +-240 mm around the lesion)."""
    common = common_options(M3D_LAMED, options, ("crop",))
    policy = prompts.m3d_policy(options.get("prompt"), None, vqa_format=False)
    return M3DAdapter(M3D_LAMED, common, policy, str(options.get("crop", "volume")))


@models.register("m3d-rad", description=M3D_RAD.description, needs=("weights", "torch"))
def m3d_rad(**options: Any) -> M3DAdapter:
    """M3D-RAD (3D-RAD fine-tune of M3D-LaMed-Phi-3-4B; prompt in 3D-RAD's VQA format).
    Options as m3d-lamed-phi3-4b."""
    common = common_options(M3D_RAD, options, ("crop",))
    policy = prompts.m3d_policy(options.get("prompt"), None, vqa_format=True)
    return M3DAdapter(M3D_RAD, common, policy, str(options.get("crop", "volume")))
