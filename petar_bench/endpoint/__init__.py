"""Shared client for OpenAI-compatible model servers (vLLM, SGLang, llama.cpp, hosted APIs).

Used by the ``openai-vlm`` adapter and GREEN's server backend: one thread-safe HTTP client with
retries and a request budget, a pool that keeps requests in flight, and the served model's
identity. Needs the ``serve`` extra (httpx), imported only when a client is created.
"""

from petar_bench.endpoint._client import (
    API_KEY_ENVS,
    EndpointClient,
    EndpointError,
    EndpointStats,
    RequestBudgetExhausted,
    api_base,
    api_key_from_env,
)
from petar_bench.endpoint._pool import Outcome, in_flight
from petar_bench.endpoint._served import ServedModel, served_model

__all__ = [
    "API_KEY_ENVS",
    "EndpointClient",
    "EndpointError",
    "EndpointStats",
    "Outcome",
    "RequestBudgetExhausted",
    "ServedModel",
    "api_base",
    "api_key_from_env",
    "in_flight",
    "served_model",
]
