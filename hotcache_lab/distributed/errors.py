"""The two errors a server cache raises: a server that cannot be started or reached, and one that
stopped answering while in use."""

from __future__ import annotations


class ServerUnavailable(RuntimeError):
    """A cache server cannot be started or reached; the message says which and how to fix it."""


class CacheUnavailable(ServerUnavailable):
    """A server that was in use stopped answering (killed, restarting, hung past the timeout).

    Raised instead of returning a wrong value: a get on a dead server is not a miss. `address` names
    the server (its password removed), `operation` the command that failed; the client library's
    own exception (redis.ConnectionError, a pymemcache error, an OSError) is `__cause__`. The cache
    object stays usable: its next call reconnects, so it works again once the server is back.
    """

    def __init__(self, message: str, *, address: str, operation: str) -> None:
        super().__init__(message)
        self.address = address
        self.operation = operation
