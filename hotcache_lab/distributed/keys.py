"""Turning a Python key into a server key.

A server key is text shared by every process that talks to the server, so it must be the same in
every process and every run. The rule: `f"{namespace}:{key_text(key)}"`, where `key_text` is the
key's `repr`, except that a frozenset's elements are sorted (their order follows string hashing,
which changes with PYTHONHASHSEED) and a tuple is spelled out element by element.

Consequences worth knowing:
- Keys that are equal in Python but print differently are different entries: `1`, `1.0` and
  `True` are one dict key but three server keys (like `functools.lru_cache(typed=True)`).
- A key whose repr is the default `<Foo object at 0x7f...>` would name a memory address, which
  differs between processes and runs: that is a TypeError. Give the class a `__repr__` that
  shows its identity (dataclasses and namedtuples already do).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_MEMCACHED_BAD = re.compile(r"[\x00-\x20\x7f]")  # space and control chars


def key_text(key: Hashable) -> str:
    """The stable text form of `key`, or TypeError if it has none."""
    try:
        hash(key)
    except TypeError:
        raise TypeError(
            f"cache keys must be hashable, got unhashable {type(key).__name__}: {key!r}"
        ) from None
    text = _text(key)
    if _ADDRESS.search(text):
        raise TypeError(
            f"key {text} has no stable text form: its repr contains a memory address, which differs "
            f"between processes. Give {type(key).__name__} a __repr__ that shows its value, or use "
            f"a str/int/tuple key"
        )
    return text


def _text(key: object) -> str:
    kind = type(key)
    if kind is tuple:
        parts = [_text(item) for item in key]
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    if kind is frozenset:
        return "frozenset({" + ", ".join(sorted(_text(item) for item in key)) + "})"
    return repr(key)


def server_key(namespace: str, key: Hashable) -> str:
    """`namespace:key_text` — readable in `redis-cli KEYS 'namespace:*'`."""
    return f"{namespace}:{key_text(key)}"


MEMCACHED_MAX_KEY = 250


def memcached_key(namespace: str, key: Hashable) -> str:
    """Like `server_key`, but within memcached's rules: at most 250 bytes, no spaces or control chars.

    A key that breaks a rule is replaced by `namespace:#sha1:<hex of the full text>`, which is
    stable and still inside the namespace. (A key whose own text is exactly such a string would
    collide with it; no repr of a built-in type looks like that.)
    """
    text = server_key(namespace, key)
    raw = text.encode("utf-8")
    if len(raw) <= MEMCACHED_MAX_KEY and not _MEMCACHED_BAD.search(text):
        return text
    return f"{namespace}:#sha1:{hashlib.sha1(raw).hexdigest()}"
