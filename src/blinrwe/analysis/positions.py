"""Where each row of a long table is in the patient table (ADSL): integer positions, not id lookups.

Every analysis of a long table (``tte`` rows of an endpoint, adverse events) needs each row's
patient in ADSL: its group, its covariates, whether it is in a population. Looking the patient ids
up (hashing a million text ids) was the costliest step of several analyses at a registry's size,
and the same tables were looked up again by each analysis. Here a lookup is made once and shared:

* rows that list the ADSL patients in ADSL order (derive's layout of an endpoint's ``tte`` rows)
  are recognised by one elementwise comparison: their positions are 0..n-1;
* the positions found for an array of ids are remembered while that array lives
  (:class:`~.array_memo.ArrayMemo`: weakly, nothing here keeps a table alive), so the next
  analysis of the same rows reuses them;
* rows listing the same patients as rows looked up before (RFS and CIR: the responders, in the
  same order) reuse those positions once an elementwise check confirms them;
* the rows of a dataset whose positions derive gives (``AnalysisData.adsl_rows``: its patient codes),
  declared with :func:`known_positions`, and any slice of them (an endpoint's rows of ``tte``), take
  those positions once an elementwise check confirms them.

Otherwise the ids are hashed (``pandas.Index.get_indexer``) against an Index of the ADSL ids
built once, each run of adjacent equal ids once. The arrays returned are shared: read-only.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from .array_memo import ArrayMemo, owner

__all__ = ["patient_positions", "id_positions", "id_index", "known_positions"]

_indexes = ArrayMemo(2)  # reference ids -> pd.Index (of a copy: the Index does not keep the table alive)
_found = ArrayMemo(8)  # (reference ids, query ids) -> positions (int64; entries may share one array)
_known = ArrayMemo(4)  # (reference ids, a dataset's ids) -> (its ids' memory, the positions derive gave)


def _frozen(positions: np.ndarray) -> np.ndarray:
    positions.flags.writeable = False
    return positions


def id_index(reference: np.ndarray) -> pd.Index:
    """The Index of the (unique) ids ``reference``, built once while the same array is asked for."""
    index = _indexes.get(reference)
    return index if index is not None else _indexes.put(pd.Index(reference.copy()), reference)


def id_positions(reference: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Position in ``reference`` (unique ids, e.g. ``adsl["patient_id"]``) of each id of ``query``,
    -1 when absent (module docstring: remembered, shared, read-only)."""
    positions = _found.get(reference, query)
    if positions is not None:
        return positions
    if query.shape == reference.shape and np.array_equal(query, reference):
        positions = _frozen(np.arange(query.size, dtype=np.int64))  # the ADSL patients in ADSL order
    else:
        for c in _found.kept_with(reference):  # the same patients as an earlier lookup (RFS, CIR: the responders)
            if c.shape == query.shape and (c.size == 0 or c.min() >= 0) and np.array_equal(reference[c], query):
                positions = c
                break
    if positions is None:
        positions = _in_known(reference, query)
    if positions is None:
        positions = _frozen(_looked_up(id_index(reference), query))
    return _found.put(positions, reference, query)


def known_positions(reference: np.ndarray, ids: np.ndarray, positions: np.ndarray) -> None:
    """Declare ``positions`` (derive's ``AnalysisData.adsl_rows`` of a dataset) the positions in ``reference``
    of ``ids`` (that dataset's patient ids): :func:`id_positions` of ``ids``, or of a slice of them, then
    takes them, after checking them (a wrong declaration costs a lookup, never a result)."""
    if positions.shape == ids.shape and ids.ndim == 1:
        memory = (weakref.ref(owner(ids)), ids.__array_interface__["data"][0], ids.strides[0], ids.size)
        _known.put((memory, np.asarray(positions, dtype=np.int64)), reference, ids)


def _in_known(reference: np.ndarray, query: np.ndarray) -> np.ndarray | None:
    """The declared positions of ``query`` when it is a declared dataset's ids or a slice of them, checked."""
    if query.ndim != 1 or not query.size:
        return None
    base, start = owner(query), query.__array_interface__["data"][0]
    for (ids_owner, address, stride, size), positions in _known.kept_with(reference):
        if ids_owner() is not base or not stride or query.strides[0] != stride:
            continue
        offset, rest = divmod(start - address, stride)
        if rest or offset < 0 or offset + query.size > size:
            continue
        candidate = positions[offset:offset + query.size]
        if candidate.min() >= 0 and candidate.max() < reference.size and np.array_equal(reference[candidate], query):
            return _frozen(candidate)
    return None


def _looked_up(index: pd.Index, query: np.ndarray) -> np.ndarray:
    """``index.get_indexer(query)``; each run of a repeated id looked up once (a patient's adverse events
    are adjacent rows: a third of the lookups)."""
    if query.size > 1:
        try:
            new = np.ones(query.size, dtype=bool)
            np.not_equal(query[1:], query[:-1], out=new[1:])
        except (TypeError, ValueError):  # ids that do not compare as true or false
            new = None
        if new is not None:
            heads = np.flatnonzero(new)
            if heads.size * 3 < query.size * 2:
                found = np.asarray(index.get_indexer(query[heads]), dtype=np.int64)
                return np.repeat(found, np.diff(np.append(heads, query.size)))
    return np.asarray(index.get_indexer(query), dtype=np.int64)


def patient_positions(adsl: pd.DataFrame, patient_ids) -> np.ndarray:
    """Row position in ``adsl`` of each patient id (-1 when absent).

    Replaces a merge per analysis: the levels of any ADSL column for the rows of a
    long table are then ``codes[positions]`` (integer takes, no string hashing).
    """
    ids = patient_ids.to_numpy() if isinstance(patient_ids, pd.Series) else np.asarray(patient_ids, dtype=object)
    return id_positions(adsl["patient_id"].to_numpy(), ids)
