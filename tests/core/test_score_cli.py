"""`petar-bench score` as the metric user runs it: JSONL in, scores JSON out (journey 5)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from petar_bench.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "green"
CASES = json.loads((DATA / "green_repro_cases.json").read_text())["cases"]


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture()
def judge_url() -> Iterator[str]:
    """An OpenAI-compatible completions server answering with GREEN's recorded outputs."""

    class Handler(BaseHTTPRequestHandler):
        def _send(self, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - /v1/models: the backend asks which judge runs
            self._send({"data": [{"id": "stub-green-judge"}]})

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path == "/tokenize":  # vLLM's tokenizer endpoint (the judge's budget)
                self._send({"count": len(body["prompt"].split())})
                return
            text = next(
                (
                    c["judge_output"]
                    for c in CASES
                    if " ".join(c["candidate"].split()) in body["prompt"]
                ),
                "unparseable",
            )
            self._send({"choices": [{"index": 0, "text": text, "finish_reason": "stop"}]})

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _files(tmp_path: Path) -> tuple[Path, Path]:
    preds = _write_jsonl(
        tmp_path / "preds.jsonl",
        [{"sample_id": f"s{i}", "prediction": c["candidate"]} for i, c in enumerate(CASES)],
    )
    refs = _write_jsonl(
        tmp_path / "refs.jsonl",
        [
            {"sample_id": f"s{i}", "reference": c["reference"], "patient_id": f"p{i // 2}"}
            for i, c in enumerate(CASES)
        ],
    )
    return preds, refs


def test_score_with_green_through_a_server(tmp_path: Path, judge_url: str) -> None:
    preds, refs = _files(tmp_path)
    out = tmp_path / "scores.json"
    with pytest.raises(SystemExit) as done:
        main(
            [
                "score",
                str(preds),
                "--references",
                str(refs),
                "--metrics",
                "bleu4,rouge_l,green",
                "--green-url",
                judge_url,
                "--output",
                str(out),
            ]
        )
    assert done.value.code in (0, None)
    scores = json.loads(out.read_text())
    green = scores["metrics"]["green"]
    assert green["value"] == pytest.approx(0.25, abs=1e-12)  # GREEN's own per-sample mean
    assert green["extras"]["n_unparsed"] == 0
    assert scores["patient_ids"] == [f"p{i // 2}" for i in range(len(CASES))]
    for metric in ("bleu4", "rouge_l", "green"):
        low, high = scores["metrics"][metric]["ci95"]
        assert low <= scores["metrics"][metric]["value"] <= high


def test_score_refuses_missing_and_duplicate_ids(tmp_path: Path, capsys) -> None:
    preds, refs = _files(tmp_path)
    rows = [json.loads(x) for x in preds.read_text().splitlines()]
    _write_jsonl(preds, rows[1:])
    with pytest.raises(SystemExit) as done:
        main(["score", str(preds), "--references", str(refs), "--metrics", "bleu4"])
    assert done.value.code == 2
    assert "s0" in capsys.readouterr().err
    _write_jsonl(preds, rows + rows[:1])
    with pytest.raises(SystemExit):
        main(["score", str(preds), "--references", str(refs), "--metrics", "bleu4"])
    assert "duplicated sample id(s): s0" in capsys.readouterr().err


def test_score_needs_exactly_one_reference_source(tmp_path: Path, capsys) -> None:
    preds, _ = _files(tmp_path)
    with pytest.raises(SystemExit) as done:
        main(["score", str(preds)])
    assert done.value.code == 2 and "exactly one of" in capsys.readouterr().err


def test_score_meteor_backend_option(tmp_path: Path, capsys) -> None:
    preds, refs = _files(tmp_path)
    base = ["score", str(preds), "--references", str(refs), "--metrics", "meteor,meteor_masked"]
    with pytest.raises(SystemExit) as done:
        main([*base, "--meteor-backend", "java"])
    assert done.value.code == 2
    assert "--meteor-backend must be one of native, jar" in capsys.readouterr().err
    out = tmp_path / "scores.json"
    with pytest.raises(SystemExit) as done:
        main([*base, "--meteor-backend", "native", "--output", str(out)])
    assert done.value.code in (0, None)
    scores = json.loads(out.read_text())
    for metric in ("meteor", "meteor_masked"):
        assert "|backend:native" in scores["metrics"][metric]["signature"]
    assert scores["metric_options"]["meteor"] == {"backend": "native"}
