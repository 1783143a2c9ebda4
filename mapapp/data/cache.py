"""Caches of answers derived from one store: the one place they are kept, safe across threads.

A `Store` is immutable, so anything computed from it can be kept as long as the store lives:
`cached(store, name, compute)` keeps one value per store (search keys, coverage tables, indexes),
`memoized(store, name, key, compute)` keeps a bounded number of values per store (one per filter,
pôle, URL…). Both are thread-safe: gunicorn runs several threads per worker, and a cache shared
by them must never raise or hand out half-built values. Since every cache lives in
`store.cache`, a new store (after an import) starts with empty caches: no stale answer survives
a version change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Protocol, TypeVar

from cachetools import LRUCache


class Store(Protocol):
    """What a cache needs of a `store.Store` (named here so that the store can use the caches)."""

    cache: dict


T = TypeVar("T")
S = TypeVar("S", bound=Store)
_LOCK = threading.RLock()  # guards the creation of per-store entries and every LRU access


def _lock_of(store: Store) -> threading.RLock:
    with _LOCK:
        return store.cache.setdefault(("lock",), threading.RLock())


def cached(store: S, name: str, compute: Callable[[S], T]) -> T:
    """`compute(store)` once per store, kept in `store.cache` under `name`: the one place derived
    tables (search keys, coverage table, gazetteer index…) are built and shared. Concurrent
    callers wait for the first one instead of building the same table twice."""
    cache = store.cache
    if name in cache:
        return cache[name]
    with _lock_of(store):
        if name not in cache:
            cache[name] = compute(store)
        return cache[name]


def memoized(store: Store, name: str, key: Hashable, compute: Callable[[], T], max_entries: int = 128) -> T:
    """`compute()` once per `key` for this store, the `max_entries` most recently used kept
    (cachetools' LRU under a lock): answers that many clients ask for, e.g. every pôle
    unfiltered, are built once instead of per request."""
    lock = _lock_of(store)
    with lock:
        entries = store.cache.setdefault(("memo", name), LRUCache(maxsize=max_entries))
        try:
            return entries[key]
        except KeyError:
            pass
    value = compute()  # outside the lock: a slow answer does not hold up the others
    with lock:
        entries[key] = value
    return value
