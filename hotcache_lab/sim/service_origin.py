"""The origin's side of a simulated service: which version of a key a request sees, and since when.

Computed for the whole stream at once (vectorized) before the replay, so the replay loop only
touches the cache. Sweeps replay one stream many times, so the answer for the last few streams
is kept in a small `caches.LRUCache` keyed by a digest of the arrays' contents.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..caches import MISSING, LRUCache
from ..workloads.arrivals import Changes

#: digest of (request times, keys, change times, change keys) -> origin_versions(...)
_REMEMBERED = LRUCache(4)


def remembered_origin_versions(ts: np.ndarray, keys, keys_list: list, ch: Changes) -> tuple:
    """`origin_versions`, remembered for the last few streams.

    Keyed by a digest of the arrays' contents (not their identity), so a modified array is recomputed.
    Only numeric key arrays are remembered; other keys are recomputed every time.
    """
    if not (isinstance(keys, np.ndarray) and keys.dtype.kind in "iu" and ch.keys.dtype.kind in "iuf"):
        return origin_versions(ts, keys, keys_list, ch)
    h = hashlib.blake2b(digest_size=16)
    for a in (ts, keys, ch.times, ch.keys):
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    digest = h.digest()
    found = _REMEMBERED.get(digest, MISSING)
    if found is MISSING:
        found = origin_versions(ts, keys, keys_list, ch)
        _REMEMBERED.put(digest, found)
    return found


def _dense_ids(ts: np.ndarray, keys, keys_list: list, ch: Changes) -> tuple:
    """A dense id per request's key, and the (id, time) of each change to a key that is requested.

    Changes to keys that are never requested cannot be observed and are skipped.
    """
    arr = keys if isinstance(keys, np.ndarray) else None
    if arr is not None and arr.dtype.kind in "iu" and (len(ch) == 0 or ch.keys.dtype.kind in "iu"):
        uniq, req_ids = np.unique(arr, return_inverse=True)
        pos = np.minimum(np.searchsorted(uniq, ch.keys), max(len(uniq) - 1, 0))
        seen = (uniq[pos] == ch.keys) if len(uniq) else np.zeros(len(ch), dtype=bool)
        return req_ids.reshape(-1), pos[seen], ch.times[seen]
    ids: dict = {}
    req_ids = np.fromiter((ids.setdefault(k, len(ids)) for k in keys_list), dtype=np.int64, count=len(ts))
    c_keys = ch.keys.tolist()
    seen = np.fromiter((k in ids for k in c_keys), dtype=bool, count=len(c_keys))
    c_ids = np.fromiter((ids[k] for k, ok in zip(c_keys, seen, strict=True) if ok), dtype=np.int64)
    return req_ids, c_ids, ch.times[seen]


def origin_versions(ts: np.ndarray, keys, keys_list: list, ch: Changes) -> tuple[list, list, list, list]:
    """Per request, a dense key id and the key's version at that moment (changes at the same instant
    count as before the request); per dense id, where its sorted change times start, so that
    version v of key id d went out of date at change_times_sorted[change_start[d] + v].
    """
    n = len(ts)
    req_ids, c_ids, c_times = _dense_ids(ts, keys, keys_list, ch)
    nc = len(c_ids)
    n_ids = int(req_ids.max()) + 1 if n else 0
    # one sorted pass over changes and requests: by key id, then time, changes before requests on ties
    all_ids = np.concatenate([c_ids, req_ids])
    all_times = np.concatenate([c_times, ts])
    kind = np.concatenate([np.zeros(nc, dtype=np.int8), np.ones(n, dtype=np.int8)])
    order = np.lexsort((kind, all_times, all_ids))
    is_change = kind[order] == 0
    changes_so_far = np.cumsum(is_change)
    sorted_ids = all_ids[order]
    boundary = np.r_[True, sorted_ids[1:] != sorted_ids[:-1]] if len(order) else np.zeros(0, bool)
    starts = np.flatnonzero(boundary)
    before_group = changes_so_far[starts] - is_change[starts]
    group_len = np.diff(np.r_[starts, len(order)])
    version_sorted = changes_so_far - np.repeat(before_group, group_len)
    req_version = np.empty(n, dtype=np.int64)
    req_version[order[~is_change] - nc] = version_sorted[~is_change]
    c_order = np.lexsort((c_times, c_ids))
    change_start = np.searchsorted(c_ids[c_order], np.arange(n_ids))
    return req_ids.tolist(), req_version.tolist(), change_start.tolist(), c_times[c_order].tolist()
