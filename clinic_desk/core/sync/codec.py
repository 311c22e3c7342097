"""Column values as JSON, exactly as SQLite stores them (no type conversion on the way).

Text, integers, reals and NULL are JSON as they are; a BLOB becomes
``{"$b": base64}``. Reading and writing the raw stored values means every
replica ends with the same bytes, whatever the column's Python type.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

Raw = str | int | float | bytes | None


def encode_value(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def decode_value(value: Any) -> Raw:
    if isinstance(value, dict):
        return base64.b64decode(value["$b"])
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise ValueError(f"not a stored value: {type(value).__name__}")


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def pack(data: Any) -> bytes:
    """Compact JSON, compressed: what the outbox keeps and what gets sealed."""
    return zlib.compress(dumps(data).encode("utf-8"), 6)


def unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob).decode("utf-8"))
