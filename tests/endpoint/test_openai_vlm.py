"""`openai-vlm` against the loopback server: the request, faults, budget, kill -9 and resume."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from loopback import Loopback, Received, serve

from petar_bench.baselines.endpoint import PAPER_PROMPT, openai_vlm
from petar_bench.engine import RunRequest, read_store, run_benchmark
from petar_bench.engine._layout import RunLayout
from petar_bench.errors import UserError
from petar_bench.volumes._lesion import LesionInput

SMALL = {"size_px": "32"}  # small views keep the tests fast; the recipe is the same


def describe_images(request: Received) -> str:
    """A finding that names what the server saw: the number of images and their digest."""
    digest = hashlib.sha256(b"".join(request.images)).hexdigest()[:12]
    return f"{len(request.images)} views {digest}"


@pytest.fixture()
def server() -> Iterator[Loopback]:
    with serve(Loopback(respond=describe_images, name="qwen3-vl-8b", context=32768)) as state:
        yield state


def _lesion(sample_id: str = "s1", hot: tuple[int, int, int] = (8, 9, 10)) -> LesionInput:
    pet = np.ones((20, 20, 20), dtype=np.float32)
    pet[hot] = 12.0
    mask = np.zeros(pet.shape, dtype=bool)
    mask[6:12, 7:12, 8:13] = True
    return LesionInput(
        sample_id=sample_id,
        tracer="FDG",
        pet=pet,
        ct=np.zeros(pet.shape, dtype=np.float32),
        mask=mask,
        affine=np.diag([2.0, 2.0, 3.0, 1.0]),
    )


def _expected(adapter: object, lesion: LesionInput) -> str:
    import base64

    urls = adapter.image_urls(lesion)  # type: ignore[attr-defined]
    data = b"".join(base64.b64decode(u.split(",", 1)[1]) for u in urls)
    return f"{len(urls)} views {hashlib.sha256(data).hexdigest()[:12]}"


def test_the_request_is_the_papers_recipe(server: Loopback) -> None:
    adapter = openai_vlm(base_url=server.url, **SMALL)
    lesions = [_lesion("a"), _lesion("b", hot=(12, 8, 9))]
    texts = adapter.generate(lesions)
    assert texts == [_expected(adapter, x) for x in lesions]
    assert texts[0] != texts[1]
    assert server.violations == []  # model name, temperature 0, PNG data URLs
    for request in server.requests:
        assert request.path == "/v1/chat/completions"
        assert len(request.images) == 3
        message = request.body["messages"]
        assert len(message) == 1 and message[0]["role"] == "user"
        assert message[0]["content"][-1] == {"type": "text", "text": PAPER_PROMPT}
        assert request.body["max_tokens"] == 256 and request.body["temperature"] == 0
    card = adapter.card
    assert card.settings["served_model"] == "qwen3-vl-8b"
    assert card.settings["served_root"] == "org/loopback-7b"
    assert card.checkpoint == "org/loopback-7b@unknown"
    assert card.decoding == {"temperature": 0, "max_tokens": 256}


def test_other_recipes_and_the_served_revision_change_the_card(server: Loopback) -> None:
    base = openai_vlm(base_url=server.url, **SMALL).card
    montage = openai_vlm(base_url=server.url, images="montage", overlay="contour", **SMALL)
    montage.generate([_lesion()])
    assert len(server.requests[-1].images) == 1
    assert montage.card != base and montage.card.settings["views"]["overlay"] == "contour"
    server.revision = "0123abc"
    revised = openai_vlm(base_url=server.url, **SMALL).card
    assert revised.settings["served_revision"] == "0123abc" and revised != base
    stated = openai_vlm(base_url=server.url, revision="mine", max_tokens="64", **SMALL)
    assert stated.card.checkpoint.endswith("@0123abc")  # the server's word wins


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "needs the server"),
        ({"temperature": "0.7"}, "has no option temperature"),
        ({"images": "mosaic"}, "choose separate, grid, montage"),
        ({"preset": "gpt-9"}, "gpt-9"),
        ({"max_tokens": "0"}, "must be at least 1"),
        ({"timeout": "soon"}, "must be a number"),
        ({"layout": "mip"}, "layout='mip'"),
        ({"model": "other"}, "lists: qwen3-vl-8b"),
    ],
)
def test_option_mistakes_are_user_errors(
    server: Loopback, options: dict[str, str], message: str
) -> None:
    if options:
        options = {"base_url": server.url, **options}
    with pytest.raises(UserError, match=message):
        openai_vlm(**options)


def test_a_preset_gives_its_recipe_and_options_override_it(server: Loopback) -> None:
    from petar_bench.baselines.vlm2d.presets import get_preset

    vip = get_preset("vip-llava-7b")
    adapter = openai_vlm(base_url=server.url, preset="vip-llava-7b", size_px="32")
    adapter.generate([_lesion()])
    assert len(server.requests[-1].images) == 1  # one 2 x 2 grid image
    views = adapter.card.settings["views"]
    assert views["overlay"] == vip.recipe.overlay and views["size_px"] == 32
    assert adapter.settings.max_tokens == vip.max_new_tokens
    assert adapter.card.settings["images"] == "grid"


def test_an_answer_cut_at_max_tokens_is_counted(server: Loopback) -> None:
    server.respond = lambda r: " ".join(["word"] * 40)
    adapter = openai_vlm(base_url=server.url, max_tokens="10", **SMALL)
    assert adapter.generate([_lesion()]) == [" ".join(["word"] * 10)]
    assert adapter.n_cut == 1


def test_a_server_without_max_tokens_would_cut_every_answer(server: Loopback) -> None:
    """Why max_tokens is always sent: the server's default is small."""
    server.respond = lambda r: " ".join(["word"] * 40)
    adapter = openai_vlm(base_url=server.url, **SMALL)
    body = adapter.request_body(_lesion())
    answer = adapter.client.post("/chat/completions", {**body, "max_tokens": None})
    assert answer["choices"][0]["finish_reason"] == "length"
    assert adapter.generate([_lesion()]) == [" ".join(["word"] * 40)]


# -- through the engine --------------------------------------------------------------------
def _request(url: str, out: Path, limit: int = 12, **options: str) -> RunRequest:
    return RunRequest(
        model="openai-vlm",
        model_options={"base_url": url, **SMALL, **options},
        dataset="demo",
        limit=limit,
        output_dir=out,
        score=False,
    )


def test_a_run_retries_faults_and_loses_nothing(
    server: Loopback, demo_dataset: object, tmp_path: Path
) -> None:
    server.stall_s = 1.0
    server.faults.extend(["429", "500", "drop", "503", "stall"])
    result = run_benchmark(_request(server.url, tmp_path / "run", concurrency="4", timeout="0.5"))
    assert result.n_samples == 12 and result.n_failed == 0
    assert server.injected == {"429": 1, "500": 1, "drop": 1, "503": 1, "stall": 1}
    predictions = [json.loads(x) for x in result.predictions_path.read_text().splitlines()]
    assert len(predictions) == 12 and all(
        p["prediction"].startswith("3 views") for p in predictions
    )
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    card = config["run_key_inputs"]["card"]
    assert card["settings"]["served_model"] == "qwen3-vl-8b"
    assert "key" not in json.dumps(config["model_options"]).lower()


def test_requests_stay_in_flight_across_batches(
    server: Loopback, demo_dataset: object, tmp_path: Path
) -> None:
    server.latency_s = 1.0
    run_benchmark(_request(server.url, tmp_path / "run", limit=6, concurrency="8"))
    # --batch-size 1: a batch loop would never have two requests in the air.
    assert server.max_in_flight >= 3


def test_the_request_budget_stops_the_run_and_resume_goes_on(
    server: Loopback, demo_dataset: object, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    with pytest.raises(UserError, match="request budget of 5 spent"):
        run_benchmark(_request(server.url, out, concurrency="1", max_requests="5"))
    store = RunLayout(out).stores()[0]
    assert store.read_bytes().count(b"\n") == 4  # one /models request, four answers
    asked = len(server.requests)
    result = run_benchmark(_request(server.url, out, concurrency="1", max_requests="100"))
    assert result.n_samples == 12 and len(server.requests) - asked == 8


def test_api_key_is_sent_but_never_written(
    server: Loopback, demo_dataset: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PETAR_BENCH_API_KEY", "sk-secret-123")
    run_benchmark(_request(server.url, tmp_path / "run", limit=2))
    assert server.requests[0].headers["Authorization"] == "Bearer sk-secret-123"
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            assert b"sk-secret-123" not in path.read_bytes(), path


def _wait_for_stored(
    out: Path, n: int, proc: subprocess.Popen[bytes] | subprocess.Popen[str]
) -> None:
    """Until the run writing under `out` has stored `n` answers; it must still be running."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stores = RunLayout(out).stores()
        if stores and stores[0].read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError(f"the run stored fewer than {n} answers in 120 s")


def test_kill_9_then_resume_loses_nothing(
    server: Loopback, demo_dataset: object, tmp_path: Path
) -> None:
    # 0.6 s an answer, two at a time: after the third of 20 the run has ~5 s to go, room for
    # a loaded machine to notice and kill it mid-way.
    server.latency_s = 0.6
    out = tmp_path / "run"
    command = [
        sys.executable, "-m", "petar_bench", "run", "--model", "openai-vlm", "--limit", "20",
        "--output-dir", str(out), "--no-score", "-o", f"base_url={server.url}",
        "-o", "size_px=32", "-o", "concurrency=2",
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=dict(os.environ), stderr=subprocess.PIPE)
    try:
        _wait_for_stored(out, 3, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    store = RunLayout(out).stores()[0]
    stored = {json.loads(x)["sample_id"] for x in store.read_text().splitlines()}
    assert 3 <= len(stored) < 20
    server.latency_s = 0.0
    time.sleep(1.2)  # requests in the air at the kill reach the server's log first
    before = len(server.requests)
    resumed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    lines = [json.loads(x) for x in store.read_text().splitlines()]
    ids = [x["sample_id"] for x in lines]
    assert len(ids) == len(set(ids)) == 20  # none lost, none asked twice after storing
    assert len(server.requests) - before == 20 - len(stored)
    assert len(read_store(store, store.name[:16]).entries) == 20


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_says_that_the_same_command_resumes(
    server: Loopback, demo_dataset: object, tmp_path: Path
) -> None:
    """Ctrl-C mid-run: exit 130, one line that says how to resume, no traceback; the same
    command then reuses what was stored. A slow server keeps the run going long after the
    first answer is stored, however loaded the machine is."""
    server.latency_s = 0.5
    command = [
        sys.executable, "-m", "petar_bench", "run", "--model", "openai-vlm", "--limit", "40",
        "--output-dir", str(tmp_path / "run"), "--no-score", "-o", f"base_url={server.url}",
        "-o", "size_px=32", "-o", "concurrency=1",
    ]  # fmt: skip
    env = {**os.environ, "CI": "true", "COLUMNS": "250"}
    # A shell starts background jobs with SIGINT ignored, and Python then installs no Ctrl-C
    # handler; CI may run the suite that way, so the run gets the terminal's default back.
    proc = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=_default_sigint
    )
    try:
        _wait_for_stored(tmp_path / "run", 1, proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "run the same command again to resume" in err
    server.latency_s = 0.0
    resumed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "reused" in resumed.stdout + resumed.stderr


def test_a_run_says_how_many_answers_were_cut(
    server: Loopback, demo_dataset: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from petar_bench.cli import main

    server.respond = lambda r: " ".join(["word"] * 40)
    args = ["run", "--model", "openai-vlm", "--limit", "3", "--no-score"]
    options = ["-o", f"base_url={server.url}", "-o", "size_px=32", "-o", "max_tokens=10"]
    with pytest.raises(SystemExit) as done:
        main([*args, *options, "--output-dir", str(tmp_path / "run")])
    assert (done.value.code or 0) == 0
    captured = capsys.readouterr()
    err = " ".join((captured.err + captured.out).split())
    assert "3 answer(s) stopped at max_tokens=10" in err and "-o max_tokens=N" in err
