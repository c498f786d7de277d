"""The run key: a hash of everything that can change a generated text, and nothing else.

Generations are cached under the run key, so a changed prompt, checkpoint, decoding setting,
preprocessing profile, adapter version, dataset split or seed never reuses stale text, while
settings that only change *how* a run executes (batch size, workers, shards, ...) keep the
cache. Every `RunRequest` field is classified in exactly one of the two tables below; a test
fails when a new field is added without a decision.
"""

from __future__ import annotations

from typing import Any

from petar_bench._hashing import sha256_json
from petar_bench.baselines.base import OUTPUT_NEUTRAL_FIELDS, AdapterCard
from petar_bench.errors import UserError

#: Bump when the meaning of the key's inputs changes (invalidates every cache).
RUN_KEY_VERSION = 1

#: Request settings that do not change any generated text, so they stay out of the key.
#: (Also never hashed: rank, world size, device count, hostname, times, package versions;
#: those are recorded as provenance instead.)
OUTPUT_NEUTRAL_SETTINGS: tuple[str, ...] = (
    "argv",
    "batch_size",
    "limit",
    "max_failures",
    "metrics",
    "num_workers",
    "output_dir",
    "retry_failed",
    "score",
    "shard",
)

#: Request settings that change outputs, and the key input that carries each of them.
#: Model options reach the key through the adapter card: an adapter must put every option
#: that changes its output (checkpoint identity, dtype, prompt, decoding) on its card.
KEYED_SETTINGS: dict[str, str] = {
    "model": "card.name",
    "model_options": "card (checkpoint, prompt, preprocessing, decoding, settings, version)",
    "dataset": "split_fingerprint",
    "split": "split_fingerprint",
    "seed": "seed",
}


def run_key_inputs(card: AdapterCard, split_fingerprint: str, *, seed: int) -> dict[str, Any]:
    """Exactly what is hashed (recorded in config.json so a key can be explained)."""
    try:
        card_fields = card.model_dump(mode="json", exclude=set(OUTPUT_NEUTRAL_FIELDS))
    except Exception as exc:  # pydantic raises its own serialisation errors
        raise UserError(
            f"the card of adapter {card.name!r} holds a value that is not JSON ({exc}); "
            "cards must hold plain strings, numbers, lists and dicts"
        ) from None
    return {
        "run_key_version": RUN_KEY_VERSION,
        "card": card_fields,
        "split_fingerprint": split_fingerprint,
        "seed": seed,
    }


def compute_run_key(card: AdapterCard, split_fingerprint: str, *, seed: int) -> str:
    """16 hex digits of sha256 over `run_key_inputs` (safe as a file name)."""
    return sha256_json(run_key_inputs(card, split_fingerprint, seed=seed))[:16]
