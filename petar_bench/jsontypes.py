"""The JSON value types, in one place.

`JsonValue` is what `json.loads` returns and `json.dumps` takes: for mypy it is the
recursive union below. At run time it is `object`, so a pydantic field typed with it keeps
accepting exactly what it accepted before (no new validation, no new coercion); the
checking is static.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TypeAlias

    JsonScalar: TypeAlias = str | int | float | bool | None
    JsonValue: TypeAlias = JsonScalar | list["JsonValue"] | dict[str, "JsonValue"]
    JsonObject: TypeAlias = dict[str, JsonValue]
else:
    JsonScalar = object
    JsonValue = object
    JsonObject = dict[str, object]

__all__ = ["JsonObject", "JsonScalar", "JsonValue"]
