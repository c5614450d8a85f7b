"""Results computed from a table's columns, remembered while those columns live.

One study's analyses ask the same questions of the same columns: the levels of
``disease_setting`` (Table 1, exposure, survival, Cox, response...), where the patients of an
endpoint's rows are in ADSL. At a registry's size each answer hashes a million text values, so
each is computed once and kept, keyed by the *memory* of the numpy arrays asked about (their
owning array, address, shape, strides and dtype) and held only weakly: when the table is freed
its entries go with it, and a new table at a reused address is never mistaken for the old one.
The memos remember only inside :func:`remembering` (``analyse_study`` runs a study in it) and
forget everything when it ends: within a study the analyses never write a column in place (the
memo would not see it); outside one, a caller may.

No library offers this: ``functools.lru_cache`` needs hashable arguments and would keep the
arrays alive.
"""

from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager

import numpy as np

__all__ = ["ArrayMemo", "owner", "remembering"]

_state = threading.Lock()
_depth = 0  # how many ``remembering`` blocks are open (in any thread)
_memos: "weakref.WeakSet[ArrayMemo]" = weakref.WeakSet()


@contextmanager
def remembering():
    """Let the memos remember while the block runs (one study's analyses); forget all at its end."""
    global _depth
    with _state:
        _depth += 1
    try:
        yield
    finally:
        with _state:
            _depth -= 1
            if _depth == 0:
                for memo in list(_memos):
                    memo.clear()


def owner(values: np.ndarray) -> np.ndarray:
    """The array owning ``values``' memory (``values`` itself, or the base of its views)."""
    base = values
    while isinstance(base.base, np.ndarray):
        base = base.base
    return base


def _key(values: np.ndarray) -> tuple:
    return (id(owner(values)), values.__array_interface__["data"][0], values.shape, values.strides,
            values.dtype.str)


class ArrayMemo:
    """At most ``size`` values, each computed from some numpy arrays, kept while those arrays live."""

    def __init__(self, size: int):
        self.size = int(size)
        self._entries: dict[tuple, tuple[tuple, object]] = {}  # key -> (weak references to the owners, value)
        self._lock = threading.RLock()  # re-entrant: a weak-reference callback may run while it is held
        _memos.add(self)

    def _forget(self, key: tuple) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def get(self, *arrays: np.ndarray):
        """The value kept for these arrays (the same memory, still alive), else None."""
        if not _depth:
            return None
        key = tuple(_key(a) for a in arrays)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if any(ref() is not owner(a) for ref, a in zip(entry[0], arrays)):
                self._entries.pop(key, None)
                return None
            self._entries[key] = self._entries.pop(key)  # most recently used last
            return entry[1]

    def put(self, value, *arrays: np.ndarray):
        """Keep ``value`` for these arrays (not kept outside :func:`remembering`, nor when an array's owner
        cannot be referenced weakly); returns ``value``."""
        if not _depth:
            return value
        key = tuple(_key(a) for a in arrays)
        try:
            refs = tuple(weakref.ref(owner(a), lambda _, key=key: self._forget(key)) for a in arrays)
        except TypeError:
            return value
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (refs, value)
            while len(self._entries) > self.size:
                self._entries.pop(next(iter(self._entries)))
        return value

    def kept_with(self, first: np.ndarray) -> list:
        """The values kept for arrays whose first is ``first`` (the same memory), most recent first."""
        if not _depth:
            return []
        key, base = _key(first), owner(first)
        with self._lock:
            entries = list(self._entries.items())
        return [value for k, (refs, value) in reversed(entries)
                if k[0] == key and refs[0]() is base and all(ref() is not None for ref in refs)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
