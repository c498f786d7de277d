"""A loopback OpenAI-compatible server that behaves like real ones, for tests and benchmarks.

Like vLLM and llama.cpp it: lists its model on /v1/models (name, root, context length); counts
tokens (here: whitespace words + 1 for BOS, a fixed number per image); cuts an answer at a
small default ``max_tokens`` (16) unless the request sets one, with ``finish_reason: length``;
rejects with 400 a request whose prompt plus ``max_tokens`` exceeds its context; serves
``/tokenize`` (vLLM's shape) unless told not to. Faults can be queued for the next generation
requests: "429", "500", "503" (with an error body), "drop" (the connection closes without an
answer), "stall" (answers after `stall_s`, past a client's timeout). `latency_s` delays every
answer. Each request is checked (model name, temperature 0, message shapes, images that decode
as PNG data URLs); what fails a check is answered 400 and kept in `violations`.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def count_tokens(text: str) -> int:
    """The loopback tokenizer: whitespace words, plus one beginning-of-sequence token."""
    return len(text.split()) + 1


@dataclass
class Received:
    """One generation request as the server read it."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    prompt_tokens: int = 0
    #: Decoded PNG images (chat requests), in message order.
    images: list[bytes] = field(default_factory=list)
    #: Text parts of the messages (chat) or the prompt (completions).
    text: str = ""


Responder = Callable[[Received], str]


@dataclass
class Loopback:
    """Server state and settings; change them between requests from the test."""

    respond: Responder
    name: str = "loopback-model"
    root: str | None = "org/loopback-7b"
    revision: str | None = None
    context: int | None = 2048
    default_max_tokens: int = 16
    image_tokens: int = 64
    tokenize: bool = True
    latency_s: float = 0.0
    stall_s: float = 5.0
    faults: deque[str] = field(default_factory=deque)
    requests: list[Received] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)
    max_in_flight: int = 0
    url: str = ""
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- bookkeeping ---------------------------------------------------------------------
    def _enter(self) -> str | None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            fault = self.faults.popleft() if self.faults else None
            if fault:
                self.injected[fault] += 1
            return fault

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _violation(self, message: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.violations.append(message)
        return 400, {"error": {"message": message, "type": "BadRequestError"}}

    # -- endpoints -------------------------------------------------------------------------
    def models(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": self.name, "object": "model", "owned_by": "loopback"}
        if self.root:
            entry["root"] = self.root
        if self.revision:
            entry["revision"] = self.revision
        if self.context:
            entry["max_model_len"] = self.context
        return {"object": "list", "data": [entry]}

    def tokenize_answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if not self.tokenize:
            return 404, {"detail": "Not Found"}
        prompt = body.get("prompt")
        if not isinstance(prompt, str):
            return self._violation("/tokenize needs a string 'prompt'")
        count = count_tokens(prompt)
        return 200, {"count": count, "tokens": list(range(count)), "max_model_len": self.context}

    def generate(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        received = Received(path=path, body=body, headers=headers)
        problem = self._read(received)
        if problem:
            return self._violation(problem)
        with self._lock:
            self.requests.append(received)
        limit = body.get("max_tokens")
        if limit is None:
            limit = self.default_max_tokens
        elif not isinstance(limit, int) or limit < 1:
            return self._violation(f"max_tokens must be a positive integer, got {limit!r}")
        if self.context is not None and received.prompt_tokens + limit > self.context:
            message = (
                f"This model's maximum context length is {self.context} tokens. However, you "
                f"requested {received.prompt_tokens + limit} tokens ({received.prompt_tokens} "
                f"in the messages, {limit} in the completion). Please reduce the length of "
                "the messages or completion."
            )
            return 400, {"error": {"message": message, "type": "BadRequestError"}}
        words = self.respond(received).split(" ")
        cut = len([w for w in words if w]) > limit
        text = " ".join(words[:limit]) if cut else " ".join(words)
        usage = {
            "prompt_tokens": received.prompt_tokens,
            "completion_tokens": min(len(words), limit),
            "total_tokens": received.prompt_tokens + min(len(words), limit),
        }
        finish = "length" if cut else "stop"
        if path.endswith("/chat/completions"):
            message = {"role": "assistant", "content": text}
            choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish}
            kind = "chat.completion"
        else:
            choice = {"index": 0, "text": text, "finish_reason": finish}
            kind = "text_completion"
        return 200, {
            "id": f"cmpl-{len(self.requests)}",
            "object": kind,
            "model": self.name,
            "choices": [choice],
            "usage": usage,
        }

    def _read(self, received: Received) -> str | None:
        """Check a generation request the way a strict server would; None when fine."""
        body = received.body
        if body.get("model") != self.name:
            return f"model {body.get('model')!r} does not exist; served: {self.name!r}"
        if body.get("temperature") != 0:
            return f"expected temperature 0 (greedy), got {body.get('temperature')!r}"
        if received.path.endswith("/chat/completions"):
            return self._read_messages(received)
        if not isinstance(body.get("prompt"), str):
            return "/v1/completions needs a string 'prompt'"
        received.text = body["prompt"]
        received.prompt_tokens = count_tokens(received.text)
        return None

    def _read_messages(self, received: Received) -> str | None:
        messages = received.body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "'messages' must be a non-empty list"
        texts: list[str] = []
        for message in messages:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                texts.append(content)
                continue
            if not isinstance(content, list):
                return "message content must be text or a list of parts"
            for part in content:
                problem = self._read_part(part, received, texts)
                if problem:
                    return problem
        received.text = "\n".join(texts)
        received.prompt_tokens = count_tokens(received.text) + self.image_tokens * len(
            received.images
        )
        return None

    def _read_part(self, part: Any, received: Received, texts: list[str]) -> str | None:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
            return None
        if kind != "image_url":
            return f"unknown content part {part!r:.80}"
        url = (part.get("image_url") or {}).get("url", "")
        prefix = "data:image/png;base64,"
        if not url.startswith(prefix):
            return f"image is not a PNG data URL: {url[:40]!r}"
        try:
            data = base64.b64decode(url[len(prefix) :], validate=True)
        except ValueError:
            return "image data URL is not valid base64"
        if not data.startswith(PNG_SIGNATURE):
            return "image data URL does not hold a PNG"
        received.images.append(data)
        return None


def _handler(state: Loopback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes; without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every answer (real servers set it too).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _send(self, status: int, payload: dict[str, Any], retry_after: str = "") -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if retry_after:
                    self.send_header("Retry-After", retry_after)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (a stalled answer past its timeout)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path == "/v1/models":
                self._send(200, state.models())
            else:
                self._send(404, {"detail": "Not Found"})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            try:
                body = json.loads(self.rfile.read(length))
            except json.JSONDecodeError:
                self._send(400, {"error": {"message": "body is not JSON"}})
                return
            if self.path == "/tokenize":
                self._send(*state.tokenize_answer(body))
                return
            if self.path not in ("/v1/completions", "/v1/chat/completions"):
                self._send(404, {"detail": "Not Found"})
                return
            fault = state._enter()
            try:
                self._generation(fault, body)
            finally:
                state._leave()

        def _generation(self, fault: str | None, body: dict[str, Any]) -> None:
            if fault == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault == "stall":
                time.sleep(state.stall_s)
            if state.latency_s:
                time.sleep(state.latency_s)
            if fault in ("429", "500", "503"):
                message = {"429": "Too Many Requests", "500": "Internal", "503": "Busy"}[fault]
                self._send(int(fault), {"error": {"message": message}}, retry_after="0")
                return
            self._send(*state.generate(self.path, body, dict(self.headers.items())))

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 32+ clients connect at once


@contextmanager
def serve(state: Loopback) -> Iterator[Loopback]:
    """Run `state` on 127.0.0.1 (a free port) in a background thread; sets `state.url`."""
    server = _Server(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
