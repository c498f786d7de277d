"""The registered adapters: creation-time checks, cards, and generation on a PET/CT phantom."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from petar_bench.errors import UserError
from petar_bench.registry import models

PACKAGE = Path(__file__).resolve().parents[2] / "baselines" / "lamed"


def test_registered_names():
    names = models.names()
    assert {"petar-4b", "m3d-lamed-phi3-4b", "m3d-rad"} <= set(names)
    assert "weights" in models.get("petar-4b").needs


def test_missing_weights_fail_at_creation(tmp_path, monkeypatch):
    monkeypatch.setenv("PETAR_BENCH_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(UserError) as info:
        models.create("petar-4b")
    message = str(info.value)
    assert "laynad/PETAR-4B" in message and "--weights DIR" in message
    assert str(tmp_path / "petar-4b") in message and "\n" not in message
    with pytest.raises(UserError, match="GoodBaiBai88/M3D-LaMed-Phi-3-4B"):
        models.create("m3d-lamed-phi3-4b")
    with pytest.raises(UserError, match="is not a folder"):
        models.create("petar-4b", weights=str(tmp_path / "absent"))


def test_registering_and_the_missing_weights_error_need_no_torch(tmp_path):
    code = (
        "import sys\n"
        "from petar_bench.registry import models\n"
        "try:\n    models.create('petar-4b')\n"
        "except Exception as exc:\n    print(type(exc).__name__)\n"
        "print(sorted(m for m in ('torch', 'transformers', 'monai') if m in sys.modules))\n"
    )
    env = {**os.environ, "PETAR_BENCH_WEIGHTS_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["UserError", "[]"]


def test_offline_hub_id_is_a_user_error(monkeypatch, tmp_path):
    pytest.importorskip("huggingface_hub")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with pytest.raises(UserError, match="could not fetch 'laynad/PETAR-4B'"):
        models.create("petar-4b", weights="laynad/PETAR-4B")


def test_no_remote_code_and_no_pickle_loading():
    source = "\n".join(p.read_text() for p in PACKAGE.glob("*.py"))
    for forbidden in (
        "trust_remote_code=True",
        "torch.load(",
        "import pickle",
        "weights_only=False",
    ):
        assert forbidden not in source


# ----------------------------------------------------------------- with a tiny checkpoint

torch_needed = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("torch", "transformers", "monai")),
    reason="needs torch, transformers and monai",
)


@torch_needed
def test_options_are_checked(tiny_petar, tiny_m3d):
    with pytest.raises(UserError, match="has no option temperature; its options are"):
        models.create("petar-4b", weights=str(tiny_petar), temperature=0.7)
    with pytest.raises(UserError, match="max_new_tokens='many' must be an integer"):
        models.create("petar-4b", weights=str(tiny_petar), max_new_tokens="many")
    with pytest.raises(UserError, match="dtype 'fp8'"):
        models.create("petar-4b", weights=str(tiny_petar), dtype="fp8")
    with pytest.raises(UserError, match="not a petar-4b checkpoint.*use m3d-lamed-phi3-4b"):
        models.create("petar-4b", weights=str(tiny_m3d))
    with pytest.raises(UserError, match="not a m3d-rad checkpoint.*use petar-4b"):
        models.create("m3d-rad", weights=str(tiny_petar))
    with pytest.raises(UserError, match="crop 'body'"):
        models.create("m3d-rad", weights=str(tiny_m3d), crop="body")


@torch_needed
def test_card_records_prompt_checkpoint_and_decoding(tiny_petar):
    from petar_bench.baselines.lamed._weights import checkpoint_identity

    card = models.create("petar-4b", weights=str(tiny_petar), device="cpu").card
    assert card.prompt == "Please describe the region highlighted in the PET image."
    assert card.checkpoint == checkpoint_identity(tiny_petar)
    assert card.preprocessing == "petar-release"
    assert card.decoding == {"strategy": "greedy", "max_new_tokens": 256, "max_prompt_tokens": 768}
    assert card.settings["image_size"] == [8, 32, 32] and card.settings["dtype"] == "float32"
    seeded = models.create(
        "petar-4b",
        weights=str(tiny_petar),
        prompt="release-questions",
        prompt_seed="7",
        max_new_tokens="32",
    ).card
    assert "seed=7" in seeded.prompt and seeded.decoding["max_new_tokens"] == 32


@torch_needed
def test_default_weights_folder_from_the_environment(tiny_petar, tmp_path, monkeypatch):
    (tmp_path / "petar-4b").symlink_to(tiny_petar, target_is_directory=True)
    monkeypatch.setenv("PETAR_BENCH_WEIGHTS_DIR", str(tmp_path))
    adapter = models.create("petar-4b", device="cpu")
    assert adapter.directory == tmp_path / "petar-4b"


@pytest.fixture(scope="module")
def phantom():
    from lamed_phantom import lesions

    return lesions()


@torch_needed
def test_petar_adapter_generates_and_batching_does_not_change_text(tiny_petar, phantom):
    pytest.importorskip("petar_bench.volumes.petar_release")
    adapter = models.create(
        "petar-4b",
        weights=str(tiny_petar),
        device="cpu",
        prompt="release-questions",
        max_new_tokens=8,
    )
    inputs = adapter.prepare(phantom[0])
    assert {k: v.shape for k, v in inputs.items()} == {
        k: (1, 8, 32, 32) for k in ("image", "mask", "ct", "image_focal", "mask_focal", "ct_focal")
    }
    assert inputs["mask"].max() == 1.0 and inputs["mask_focal"].max() == 1.0
    together = adapter.generate(phantom)
    alone = [adapter.generate([lesion])[0] for lesion in phantom]
    assert together == alone and len(together) == 3
    assert all(isinstance(t, str) and t for t in together)
    assert adapter.generate([]) == []


@torch_needed
@pytest.mark.parametrize("name", ["m3d-lamed-phi3-4b", "m3d-rad"])
def test_m3d_adapters_generate(tiny_m3d, phantom, name):
    adapter = models.create(
        name, weights=str(tiny_m3d), device="cpu", max_new_tokens=6, crop="lesion"
    )
    assert adapter.card.preprocessing == "m3d-ct" and adapter.card.settings["crop"] == "lesion"
    assert adapter.prepare(phantom[0])["image"].shape == (1, 8, 32, 32)
    texts = adapter.generate(phantom[:2])
    assert len(texts) == 2 and texts == [adapter.generate([x])[0] for x in phantom[:2]]
    if name == "m3d-rad":
        assert adapter.card.prompt.endswith("\nAnswer:")


def test_env_is_offline():
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
