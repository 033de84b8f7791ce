"""When the source of truth changes: a real SQLite origin, the caching patterns over it, and the
protocols that keep a shared cache from serving stale data (notebook 08).

    db = origin.Database(rows=100)            # SQLite in WAL mode, in a private folder it removes
    store = stores.RedisStore(client)         # the cache: a real Redis (a redis-py client)
    patterns.compare(store, write_share=0.2)  # each pattern on a fresh database of its own
    races.forced_stale_set(db, store, "lease")

`origin` (the database), `stores` (the cache side: plain get/set/delete plus lease and version
protocols, done atomically in Lua on the server), `patterns` (cache-aside, read-through,
write-through, write-behind, refresh-ahead, measured on one workload), `races` (the stale-set race
and the update-order race, forced and counted), `keys` (generational and schema-versioned keys),
`negative` (caching "not found"), `threads` (a few calls at once, every wait bounded). Nothing here
starts a server: callers pass a client.
"""
