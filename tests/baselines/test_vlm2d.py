"""The 2D image-text adapter: presets, creation checks, and tiny checkpoints of every family.

Each family's tiny checkpoint is written with save_pretrained (model, processor, tokenizer
and chat template) and loaded back through AutoProcessor + AutoModelForImageTextToText, the
path a downloaded checkpoint takes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from petar_bench.baselines.vlm2d.presets import PAPER_PROMPT, PRESETS, get_preset
from petar_bench.errors import UserError
from petar_bench.registry import models

PACKAGE = Path(__file__).resolve().parents[2] / "baselines" / "vlm2d"
NATIVE = [p for p in PRESETS if not p.endpoint_only]

needs_transformers = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("torch", "transformers", "PIL")),
    reason="needs torch, transformers and pillow",
)
# transformers 5 builds the Qwen-VL and InternVL processors only with torchvision present
# (their video part); the test install pins a matching torch/torchvision pair.
needs_torchvision = pytest.mark.skipif(
    importlib.util.find_spec("torchvision") is None,
    reason="the Qwen-VL and InternVL processors of transformers 5 need torchvision",
)
FAMILIES = [
    pytest.param("gemma3", marks=needs_transformers),
    pytest.param("vipllava", marks=needs_transformers),
    pytest.param("qwen3_vl", marks=[needs_transformers, needs_torchvision]),
    pytest.param("qwen2_5_vl", marks=[needs_transformers, needs_torchvision]),
    pytest.param("internvl", marks=[needs_transformers, needs_torchvision]),
]


# ------------------------------------------------------------------ no torch needed


def test_presets_are_registered_with_the_paper_prompt():
    names = set(models.names())
    expected = {
        "medgemma-4b",
        "qwen3-vl-8b",
        "internvl3-8b",
        "vip-llava-7b",
        "qoq-med",
        "huatuogpt-vision-7b",
    }
    assert expected <= names
    checkpoints = {p.name: p.checkpoint for p in PRESETS}
    assert checkpoints["medgemma-4b"] == "google/medgemma-4b-it"
    assert checkpoints["qwen3-vl-8b"] == "Qwen/Qwen3-VL-8B-Instruct"
    assert checkpoints["internvl3-8b"] == "OpenGVLab/InternVL3-8B-hf"
    assert checkpoints["vip-llava-7b"] == "llava-hf/vip-llava-7b-hf"
    for preset in PRESETS:
        assert preset.prompt == PAPER_PROMPT
        assert preset.max_new_tokens == 256
        assert preset.licence and preset.gpu_memory and preset.table2_row
    # The prompt-aware model sees a marker around the lesion, in one square image.
    vip = get_preset("vip-llava-7b")
    assert vip.recipe.overlay == "box" and vip.images == "grid"
    assert models.get("huatuogpt-vision-7b").needs == ("endpoint",)


def test_endpoint_only_preset_says_how_to_serve_it():
    with pytest.raises(UserError) as info:
        models.create("huatuogpt-vision-7b")
    message = str(info.value)
    assert "openai-vlm" in message and "base_url=" in message and "\n" not in message
    assert "remote code" in message


def test_missing_weights_name_the_hub_id_without_importing_torch(tmp_path):
    code = (
        "import sys\n"
        "from petar_bench.registry import models\n"
        "try:\n    models.create('qwen3-vl-8b', device='cpu')\n"
        "except Exception as exc:\n    print(type(exc).__name__, '|', exc)\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    env = {**os.environ, "PETAR_BENCH_WEIGHTS_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    first, second = out.stdout.strip().splitlines()
    assert first.startswith("UserError |") and "Qwen/Qwen3-VL-8B-Instruct" in first
    assert "--weights DIR" in first
    assert second == "[]"


def _fake_checkpoint(folder: Path, config: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "tokenizer.json").write_text("{}")
    (folder / "preprocessor_config.json").write_text("{}")
    header = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    blob = len(header).to_bytes(8, "little") + header + b"\0\0\0\0"
    (folder / "model.safetensors").write_bytes(blob)
    return folder


def test_checkpoint_checks_before_loading(tmp_path):
    gemma = _fake_checkpoint(tmp_path / "gemma", {"model_type": "gemma3"})
    with pytest.raises(UserError, match="'gemma3' model; qwen3-vl-8b needs a 'qwen3_vl'"):
        models.create("qwen3-vl-8b", weights=str(gemma), device="cpu")
    remote = _fake_checkpoint(
        tmp_path / "remote", {"model_type": "gemma3", "auto_map": {"AutoModel": "x.Y"}}
    )
    with pytest.raises(UserError, match="remote code"):
        models.create("medgemma-4b", weights=str(remote), device="cpu")
    (gemma / "model.safetensors").unlink()
    (gemma / "pytorch_model.bin").write_bytes(b"")
    with pytest.raises(UserError, match="pickled weights are not loaded"):
        models.create("medgemma-4b", weights=str(gemma), device="cpu")


def test_options_are_checked(tmp_path):
    gemma = _fake_checkpoint(tmp_path / "gemma", {"model_type": "gemma3"})
    bad = [
        ({"temperature": "0.7"}, "has no option temperature"),
        ({"dtype": "int8"}, "dtype 'int8'"),
        ({"images": "collage"}, "images 'collage'"),
        ({"layout": "overlay"}, "layout='overlay'"),
        ({"size_px": "0"}, "size_px"),
        ({"max_new_tokens": "-3"}, "max_new_tokens"),
        ({"prompt": "  "}, "prompt is empty"),
        ({"images": "grid", "layout": "side_by_side"}, "square views"),
    ]
    for options, needle in bad:
        with pytest.raises(UserError, match=needle):
            models.create("medgemma-4b", weights=str(gemma), device="cpu", **options)


def test_card_holds_everything_that_changes_the_output(tmp_path):
    gemma = _fake_checkpoint(tmp_path / "gemma", {"model_type": "gemma3"})
    plain = models.create("medgemma-4b", weights=str(gemma), device="cpu")
    card = plain.card
    assert card.prompt == PAPER_PROMPT
    assert card.decoding == {"strategy": "greedy", "max_new_tokens": 256}
    assert card.settings["views"]["ct_window"] == [400.0, 40.0]
    assert card.settings["images"] == "separate" and card.settings["dtype"] == "float32"
    assert card.checkpoint.startswith("sha256:")
    other = models.create(
        "medgemma-4b", weights=str(gemma), device="cpu", overlay="contour", prompt="Describe."
    )
    assert other.card.settings["views"]["overlay"] == "contour"
    assert other.card.prompt == "Describe."
    (gemma / "chat_template.jinja").write_text("{{ messages }}")
    changed = models.create("medgemma-4b", weights=str(gemma), device="cpu")
    assert changed.card.checkpoint != card.checkpoint


def test_no_remote_code_and_no_pickle_loading():
    source = "\n".join(p.read_text() for p in PACKAGE.glob("*.py"))
    for forbidden in ("trust_remote_code=True", "torch.load(", "import pickle"):
        assert forbidden not in source


# ------------------------------------------------------------------ tiny checkpoints


@pytest.fixture(scope="module")
def tiny_dirs(tmp_path_factory):
    from petar_bench.baselines.vlm2d.tiny import make_tiny_vlm

    root = tmp_path_factory.mktemp("tiny-vlm")
    made: dict[str, Path] = {}

    def get(family: str) -> Path:
        if family not in made:
            made[family] = make_tiny_vlm(root / family, family)
        return made[family]

    return get


def _images(seed: int, n: int = 3) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (40, 40, 3), dtype=np.uint8) for _ in range(n)]


EXPECTED_CLASSES = {
    "gemma3": "Gemma3ForConditionalGeneration",
    "vipllava": "VipLlavaForConditionalGeneration",
    "qwen3_vl": "Qwen3VLForConditionalGeneration",
    "qwen2_5_vl": "Qwen2_5_VLForConditionalGeneration",
    "internvl": "InternVLForConditionalGeneration",
}


@pytest.mark.parametrize("family", FAMILIES)
def test_family_loads_natively_and_batching_keeps_each_answer(tiny_dirs, family):
    """Left-padded batches (prompts of different lengths) give batch-size-1 tokens."""
    from petar_bench.baselines.vlm2d._runtime import ImageTextRunner

    runner = ImageTextRunner(tiny_dirs(family), device="cpu", dtype="float32")
    assert type(runner.model).__name__ == EXPECTED_CLASSES[family]
    n_images = 1 if family == "vipllava" else 3
    images = [_images(seed, n_images) for seed in range(3)]
    prompts = [PAPER_PROMPT, "Describe.", "Region: liver, lung and bone; SUV max?"]
    batch = runner.inputs(images, prompts)
    assert int((batch["attention_mask"] == 0).sum()) > 0  # padding really happened
    assert bool((batch["attention_mask"][:, -1] == 1).all())  # ... on the left
    together = runner.generate_ids(images, prompts, max_new_tokens=6)
    # Rows shorter than 6 stopped at a stop token; the others were cut and counted.
    assert runner.n_cut == sum(len(row) == 6 for row in together)
    alone = [
        runner.generate_ids([i], [p], max_new_tokens=6)[0]
        for i, p in zip(images, prompts, strict=True)
    ]
    assert together == alone
    assert len({tuple(t) for t in together}) > 1  # answers depend on the input
    texts = runner.generate(images, prompts, max_new_tokens=6)
    assert len(texts) == 3 and all(isinstance(t, str) for t in texts)


@needs_transformers
def test_adapter_shows_the_views_and_generates(tiny_dirs, tmp_path):
    from petar_bench.volumes._lesion import LesionInput

    rng = np.random.default_rng(1)
    pet = (rng.random((24, 24, 16)) * 2).astype(np.float32)
    ct = rng.normal(0, 80, (24, 24, 16)).astype(np.float32)
    mask = np.zeros((24, 24, 16), dtype=bool)
    mask[10:13, 11:14, 7:9] = True
    pet[mask] = 8.0
    lesion = LesionInput("s1", "FDG", pet, ct, mask, np.diag([4.0, 4.0, 5.0, 1.0]))

    medgemma = models.create("medgemma-4b", weights=str(tiny_dirs("gemma3")), device="cpu")
    views = medgemma.images_for(lesion)
    assert [v.shape for v in views] == [(448, 448, 3)] * 3
    vip = models.create("vip-llava-7b", weights=str(tiny_dirs("vipllava")), device="cpu")
    (grid,) = vip.images_for(lesion)
    assert grid.shape == (672, 672, 3)
    assert np.all(grid[336:, 336:] == 0)  # the fourth cell is empty
    assert np.any(np.all(grid == (0, 255, 0), axis=-1))  # the box marks the lesion
    short = models.create(
        "medgemma-4b", weights=str(tiny_dirs("gemma3")), device="cpu", max_new_tokens=4
    )
    (text,) = short.generate([lesion])
    assert isinstance(text, str)
    assert medgemma.generate([]) == []


@needs_transformers
@pytest.mark.slow
def test_cli_run_with_weights_on_the_demo(tiny_dirs, demo_dataset, tmp_path):
    """`petar-bench run --model medgemma-4b --weights DIR`; batch 3 == batch 1, then resume."""
    weights = str(tiny_dirs("gemma3"))
    env = {**os.environ, "PETAR_BENCH_CACHE": os.environ["PETAR_BENCH_CACHE"]}
    common = ["--model", "medgemma-4b", "--weights", weights, "--dataset", "demo"]
    common += ["--limit", "6", "-o", "max_new_tokens=8", "-o", "device=cpu"]

    def run(out: Path, batch: int) -> subprocess.CompletedProcess[str]:
        args = [*common, "--batch-size", str(batch), "--output-dir", str(out)]
        args += ["--metrics", "bleu4"]
        return subprocess.run(
            [sys.executable, "-m", "petar_bench", "run", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )

    first = run(tmp_path / "b3", 3)
    assert first.returncode == 0, first.stderr[-2000:]
    predictions = [
        json.loads(line)
        for line in (tmp_path / "b3" / "predictions.jsonl").read_text().splitlines()
    ]
    assert len(predictions) == 6
    config = json.loads((tmp_path / "b3" / "config.json").read_text())
    assert "medgemma-4b" in json.dumps(config) and "lesion-views-v1" in json.dumps(config)
    assert (tmp_path / "b3" / "scores.json").is_file()
    single = run(tmp_path / "b1", 1)
    assert single.returncode == 0, single.stderr[-2000:]
    again = [
        json.loads(line)
        for line in (tmp_path / "b1" / "predictions.jsonl").read_text().splitlines()
    ]
    by_id = {p["sample_id"]: p["prediction"] for p in predictions}
    assert {p["sample_id"]: p["prediction"] for p in again} == by_id


def _manual_inputs(family: str, tokenizer, image_processor, images, prompts):
    """What the family's processor would make, built by hand (for machines without
    torchvision, where transformers 5 cannot build the Qwen-VL and InternVL processors)."""
    import torch
    from PIL import Image

    texts, pixels, grids = [], [], []
    for row, prompt in zip(images, prompts, strict=True):
        processed = image_processor(images=[Image.fromarray(x) for x in row], return_tensors="pt")
        pixels.append(processed["pixel_values"])
        if family == "internvl":
            marks = "".join("<img>" + "<IMG_CONTEXT>" * 4 + "</img>\n" for _ in row)
        else:
            grid = processed["image_grid_thw"]
            grids.append(grid)
            counts = (grid.prod(dim=1) // 4).tolist()  # 2 x 2 patches merge into one token
            marks = "".join(
                "<|vision_start|>" + "<|image_pad|>" * n + "<|vision_end|>" for n in counts
            )
        texts.append(f"<|im_start|>user\n{marks}{prompt}<|im_end|>\n<|im_start|>assistant\n")
    tokenizer.padding_side = "left"
    batch = dict(tokenizer(texts, padding=True, return_tensors="pt"))
    batch["pixel_values"] = torch.cat(pixels)
    if grids:
        batch["image_grid_thw"] = torch.cat(grids)
    return batch


@needs_transformers
@pytest.mark.parametrize("family", ["qwen3_vl", "qwen2_5_vl", "internvl"])
def test_model_side_of_the_torchvision_families(tmp_path, family):
    """Config, save_pretrained and AutoModelForImageTextToText loading of the Qwen-VL and
    InternVL tiny models, and left-padded batches equal to batch size 1."""
    import torch
    from transformers import AutoModelForImageTextToText

    from petar_bench.baselines.vlm2d.tiny import make_tiny_model_parts

    tokenizer, image_processor = make_tiny_model_parts(tmp_path, family)
    model = AutoModelForImageTextToText.from_pretrained(str(tmp_path), local_files_only=True)
    assert type(model).__name__ == EXPECTED_CLASSES[family]
    images = [_images(seed) for seed in range(3)]
    prompts = [PAPER_PROMPT, "Describe.", "Region: liver, lung and bone; SUV max?"]

    def ids(rows, texts):
        batch = _manual_inputs(family, tokenizer, image_processor, rows, texts)
        with torch.inference_mode():
            out = model.generate(**batch, max_new_tokens=6, do_sample=False)
        return out[:, batch["input_ids"].shape[1] :].tolist()

    together = ids(images, prompts)
    alone = [ids([i], [p])[0] for i, p in zip(images, prompts, strict=True)]
    assert together == alone
    assert len({tuple(t) for t in together}) > 1
