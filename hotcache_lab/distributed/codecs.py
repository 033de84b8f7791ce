"""Value codecs: how a Python value becomes the bytes a server stores, and back.

JSON is the default of every cache in the lab because decoding JSON cannot run code: bytes that
another writer planted (a pickle, say) are a ValueError, never executed. Pickle stores almost
anything, but unpickling runs code chosen by whoever wrote the bytes: with a shared cache, anyone
who can write to the cache (another service, a compromised worker, another user on a server
without a password) can execute code in your process. Pickle is used only when the caller names it,
`codec="pickle"` or `PickleCodec()`, and only makes sense when every writer is trusted.

A codec is any object with `dumps(value) -> bytes` and `loads(bytes) -> value`.
"""

from __future__ import annotations

import json
import pickle
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Codec(Protocol):
    def dumps(self, value: Any) -> bytes: ...

    def loads(self, data: bytes) -> Any: ...


_JSON_SCALARS = (str, int, float, bool, type(None))


def _check_json(value: Any, path: str) -> None:
    """Refuse what JSON would store wrongly, not only what it cannot store.

    `json.dumps` quietly turns a tuple into a list, a dict's int keys into strings and an IntEnum
    into an int; the value read back would then differ from the value put. A cache must return
    what it was given, so those are TypeErrors too.
    """
    kind = type(value)
    if kind in _JSON_SCALARS:
        return
    if kind is list:
        for i, item in enumerate(value):
            _check_json(item, f"{path}[{i}]")
        return
    if kind is dict:
        for k, item in value.items():
            if type(k) is not str:
                raise TypeError(
                    f"the JSON codec cannot store a dict key of type {type(k).__name__} ({k!r} in "
                    f"{path}): JSON object keys are strings, so it would come back as a str. "
                    f"Use str keys, or codec='pickle'"
                )
            _check_json(item, f"{path}[{k!r}]")
        return
    where = "" if path == "value" else f" (at {path})"
    hint = " (JSON would return it as a list)" if kind is tuple else ""
    raise TypeError(
        f"the JSON codec cannot store a value of type {kind.__name__}{where}{hint}: it stores only "
        f"str, int, float, bool, None, list and dict with str keys. Convert it, or pass "
        f"codec='pickle' (only if every writer to the cache is trusted: unpickling runs code)"
    )


class JsonCodec:
    """Exact JSON: values come back equal and of the same type, or `dumps` raises TypeError."""

    name = "json"

    def dumps(self, value: Any) -> bytes:
        _check_json(value, "value")
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def loads(self, data: bytes) -> Any:
        try:
            return json.loads(data)
        except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError on binary data
            pickled = isinstance(data, bytes | bytearray) and data[:1] == b"\x80"  # pickle protocol 2+
            hint = " (it looks like a pickle: not unpickled)" if pickled else ""
            raise ValueError(
                f"the stored value is not JSON{hint}: {len(data)} bytes starting {data[:16]!r}. "
                f"Another writer stored it with another codec; read it with that codec if you trust "
                f"that writer ({exc})"
            ) from None

    def __repr__(self) -> str:
        return "JsonCodec()"


class PickleCodec:
    """Pickle: stores nearly any object. Unpickling runs code: trusted writers only.

    The pickle documentation's own warning (https://docs.python.org/3/library/pickle.html): "The
    pickle module is not secure. Only unpickle data you trust. It is possible to construct malicious
    pickle data which will execute arbitrary code during unpickling." A value read from a server
    that others can write is exactly such data: `loads` runs whatever its writer put in it.
    """

    name = "pickle"

    def __init__(self, protocol: int = pickle.HIGHEST_PROTOCOL) -> None:
        self.protocol = protocol

    def dumps(self, value: Any) -> bytes:
        return pickle.dumps(value, protocol=self.protocol)

    def loads(self, data: bytes) -> Any:
        return pickle.loads(data)

    def __repr__(self) -> str:
        return f"PickleCodec(protocol={self.protocol})"


CODECS = {"json": JsonCodec, "pickle": PickleCodec}


def get_codec(codec: str | Codec) -> Codec:
    """Resolve `codec`: "json", "pickle", or an object with callable `dumps` and `loads`."""
    if isinstance(codec, str):
        try:
            return CODECS[codec]()
        except KeyError:
            raise ValueError(
                f"unknown codec {codec!r}: use 'json', 'pickle', or an object with dumps/loads"
            ) from None
    if callable(getattr(codec, "dumps", None)) and callable(getattr(codec, "loads", None)):
        return codec
    raise TypeError(
        f"codec must be 'json', 'pickle' or an object with dumps(value) -> bytes and "
        f"loads(bytes) -> value, got {codec!r}"
    )
