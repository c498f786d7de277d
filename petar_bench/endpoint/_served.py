"""What a server says it serves: model name, revision and context length, from /v1/models.

vLLM lists ``id`` (the served name), ``root`` (the hub id or folder it loaded) and
``max_model_len``; SGLang lists ``max_model_len`` too; llama.cpp lists ``meta.n_ctx_train``
(the training context, not the server's) and exposes the server's context on ``/props``. A
``revision`` field is used when a server reports one. What no server reports stays None, and
callers record it as unknown rather than guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from petar_bench.endpoint._client import EndpointClient, EndpointError
from petar_bench.errors import UserError


@dataclass(frozen=True)
class ServedModel:
    """One model as its server describes it."""

    name: str
    #: What the server loaded (a hub id or a path), when it says.
    root: str | None = None
    revision: str | None = None
    #: Prompt + answer tokens the server accepts, when it says.
    context_length: int | None = None

    def identity(self) -> dict[str, str]:
        """Fields for a run key or a signature ('unknown' where the server did not say)."""
        return {
            "served_model": self.name,
            "served_root": self.root or "unknown",
            "served_revision": self.revision or "unknown",
        }


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _from_entry(entry: dict[str, Any]) -> ServedModel:
    meta_field = entry.get("meta")
    meta: dict[str, Any] = meta_field if isinstance(meta_field, dict) else {}
    revision = entry.get("revision") or entry.get("model_revision") or meta.get("revision")
    context = _int(entry.get("max_model_len")) or _int(entry.get("context_length"))
    root = entry.get("root") or entry.get("parent")
    return ServedModel(
        name=str(entry["id"]),
        root=str(root) if root else None,
        revision=str(revision) if revision else None,
        context_length=context,
    )


def _props_context(client: EndpointClient) -> int | None:
    """llama.cpp's server context (its /props); None on servers without that endpoint."""
    try:
        props = client.request("GET", client.root + "/props")
    except EndpointError:
        return None
    settings = props.get("default_generation_settings")
    return _int(settings.get("n_ctx")) if isinstance(settings, dict) else None


def served_model(client: EndpointClient, name: str | None = None) -> ServedModel:
    """The model `name` (or the only one) from the server's /v1/models listing."""
    try:
        listing = client.get("/models")
    except EndpointError as error:
        raise UserError(f"model server {client.base} not reachable: {error}") from None
    data = listing.get("data")
    listed = data if isinstance(data, list) else []
    entries = [e for e in listed if isinstance(e, dict) and "id" in e]
    names = [str(e["id"]) for e in entries]
    if name is None and len(entries) == 1:
        chosen = entries[0]
    elif name is not None and name in names:
        chosen = entries[names.index(name)]
    elif name is not None and not entries:
        return ServedModel(name=name)  # a server without a listing: trust the given name
    else:
        which = f"model {name!r} is not" if name else "no single model is"
        raise UserError(
            f"{which} served at {client.base} (it lists: {', '.join(names) or 'nothing'}); "
            "name one with model=NAME"
        )
    model = _from_entry(chosen)
    if model.context_length is None:
        context = _props_context(client)
        if context is not None:
            model = ServedModel(model.name, model.root, model.revision, context)
    return model
