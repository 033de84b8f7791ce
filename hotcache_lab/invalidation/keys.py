"""Keys that change when the data's shape changes: generations and schema versions.

A family of keys (everything about one tenant, one catalogue) shares a generation number kept in Redis;
bumping it (INCR, atomic) makes every key of the family new at once, with no scan and no delete: the old
entries are never read again and leave by TTL or eviction (so give them a TTL). The schema version goes
into every key too, so a deploy whose code reads `schema=3` never decodes a value the old code wrote
under `schema=2`, and the two versions can run side by side during a rolling deploy.
"""

from __future__ import annotations

from typing import Any

from .. import _check


class GenerationalKeys:
    """`key(k)` -> "ns:s<schema>:g<generation>:k"; `bump()` starts a new generation for the family."""

    def __init__(self, client: Any, namespace: str, *, schema: int = 1) -> None:
        self.client = client
        self.namespace = _check.text("namespace", namespace)
        self.schema = _check.integer("schema", schema)
        self.counter = f"{self.namespace}:generation"

    def generation(self) -> int:
        """The family's current generation (1 until the first bump); one round trip."""
        value = self.client.get(self.counter)
        return int(value) if value is not None else 1

    def key(self, name: str, generation: int | None = None) -> str:
        generation = self.generation() if generation is None else generation
        return f"{self.namespace}:s{self.schema}:g{generation}:{name}"

    def bump(self) -> int:
        """Invalidate the whole family at once; returns the new generation."""
        if self.client.set(self.counter, 2, nx=True):  # the first bump: generation 1 was implicit
            return 2
        return int(self.client.incr(self.counter))

    def stranded(self) -> int:
        """How many keys of older generations (of this schema) are still held: memory until their TTL."""
        current = self.generation()
        pattern = f"{self.namespace}:s{self.schema}:g*"
        return sum(1 for name in self.client.scan_iter(match=pattern, count=500)
                   if int(name.decode().split(":g", 1)[1].split(":", 1)[0]) != current)
