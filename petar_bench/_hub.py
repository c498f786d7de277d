"""Is a Hugging Face hub model usable right now? Answered fast, without download retries.

huggingface_hub retries an unreachable hub with backoff for tens of seconds per file; an
offline machine (the usual case for clinical data) should learn at once that a model which is
not in the local cache cannot be had.
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from urllib.parse import urlparse


def offline_mode() -> bool:
    return any(
        os.environ.get(v, "").lower() in ("1", "true", "yes")
        for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


@lru_cache(maxsize=1)
def hub_reachable(timeout_s: float = 3.0) -> bool:
    """True when a TCP connection to the hub endpoint opens within `timeout_s`."""
    if offline_mode():
        return False
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((endpoint.hostname or "", port), timeout=timeout_s):
            return True
    except OSError:
        return False


def cached_on_disk(repo_id: str, filename: str = "config.json") -> bool:
    """True when `filename` of `repo_id` is in the local Hugging Face cache."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    found = try_to_load_from_cache(repo_id, filename)
    return isinstance(found, str)


def hub_model_available(name: str) -> bool:
    """A local folder, a cached hub model, or a hub model with the hub reachable."""
    return os.path.isdir(name) or cached_on_disk(name) or hub_reachable()
