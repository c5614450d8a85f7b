"""Tables between pandas and an engine, with the dtypes of the pandas derivations.

The study tables of ``blinrwe.validate.StudyData`` (dates ``datetime64[ns]``, nullable
``Int64`` / ``boolean``, text as ``object`` with None, several codes as tuples) go into an
engine as Arrow (``to_engine``); results come back (``to_frame``) with the dtypes of a
pandas frame they should equal, so that one comparison checks an engine against pandas.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def _arrow_column(values: pd.Series) -> pa.Array:
    if values.dtype == object:
        present = values.dropna()
        if len(present) and isinstance(present.iloc[0], (tuple, list)):
            return pa.array([None if v is None or v is pd.NA else list(v) for v in values], type=pa.list_(pa.string()))
        if not len(present) or isinstance(present.iloc[0], str):
            return pa.array([None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v
                             for v in values], type=pa.string())
    if isinstance(values.dtype, pd.DatetimeTZDtype) or values.dtype.kind == "M":
        return pa.array(values.astype("datetime64[us]"), type=pa.timestamp("us"))
    return pa.Array.from_pandas(values)


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """A pandas frame as Arrow: text and all-missing columns as strings, tuples as lists of strings."""
    return pa.table({name: _arrow_column(frame[name]) for name in frame.columns})


def to_engine(frame: pd.DataFrame) -> ibis.Table:
    """A pandas frame as an Ibis table any engine can run (an in-memory table)."""
    return ibis.memtable(to_arrow(frame))


def as_dtype(values: pd.Series, dtype) -> pd.Series:
    if dtype == object:
        out = values.astype(object)
        return out.where(out.notna(), None)
    if getattr(dtype, "kind", "") == "M":
        return pd.to_datetime(values).astype(dtype)
    if isinstance(dtype, pd.Int64Dtype) and values.dtype == np.float64:
        # whole numbers with gaps (an Arrow int64 column with nulls): the array built directly, as pandas'
        # astype checks each value and took most of the conversion of a registry's tables
        floats = values.to_numpy()
        missing = np.isnan(floats)
        return pd.Series(pd.arrays.IntegerArray(np.where(missing, 0, floats).astype(np.int64), missing),
                         index=values.index, name=values.name)
    return values.astype(dtype)


def _dictionary_text(column: pa.ChunkedArray) -> np.ndarray:
    """A dictionary-encoded text column as an object array of its distinct texts, shared (None when missing).

    Each distinct text becomes one Python string and the rows point at it: what Arrow's conversion of a
    plain text column also gives, without hashing every row's text to share them (at 1e6 patients the
    derived tables' ~60 million texts took ~3 s of the read-back)."""
    column = column.unify_dictionaries()
    texts = np.empty(len(column.chunk(0).dictionary) + 1 if column.num_chunks else 1, dtype=object)
    if column.num_chunks:
        texts[:-1] = column.chunk(0).dictionary.to_pylist()
    indices = pa.chunked_array([c.indices for c in column.chunks], type=column.type.index_type)
    if indices.null_count:
        indices = pc.fill_null(indices, len(texts) - 1)
    return texts[indices.to_numpy().astype(np.intp, copy=False)]


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """An engine's Arrow result as pandas (``table`` is consumed): one block per column, each Arrow column
    freed once converted, so a registry's table is never held twice (nor copied into 2-D blocks).

    Timestamps come as ``datetime64[ns]``, lists (of codes) as tuples and text (plain or dictionary-encoded)
    as ``object``, as the pandas derivation has them (converted by Arrow in C++: pandas' own conversion of a
    registry's dates took seconds)."""
    lists = {f.name: [None if v is None else tuple(v) for v in table.column(f.name).to_pylist()]
             for f in table.schema if pa.types.is_list(f.type)}
    names = table.column_names
    objects = {**lists, **{f.name: _dictionary_text(table.column(f.name)) for f in table.schema
                           if pa.types.is_dictionary(f.type) and pa.types.is_string(f.type.value_type)}}
    out = table.drop_columns(list(objects)).to_pandas(date_as_object=False, split_blocks=True, self_destruct=True,
                                                      coerce_temporal_nanoseconds=True)
    pa.default_memory_pool().release_unused()  # Arrow's allocator keeps what it freed otherwise
    if not objects:
        return out
    # one frame of every column, not inserted one by one (pandas copies a fragmented frame's blocks)
    columns = {name: objects[name] if name in objects else out[name] for name in names}
    return pd.DataFrame({name: pd.Series(v, index=out.index, dtype=object) if isinstance(v, (list, np.ndarray))
                         else v for name, v in columns.items()}, copy=False)


def read_parquet_table(path, columns: list[str] | None = None) -> pa.Table:
    """A Parquet file an engine wrote, as Arrow with ``columns`` in that order (default all, as written);
    text columns read dictionary-encoded (one Python string per distinct text in :func:`arrow_to_frame`)."""
    schema = pq.read_schema(path)
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    return pq.read_table(path, columns=None if columns is None else list(columns), read_dictionary=text)


def read_parquet_frame(path, columns: list[str] | None = None) -> pd.DataFrame:
    """A Parquet file an engine wrote, as pandas (:func:`read_parquet_table`, :func:`arrow_to_frame`)."""
    return arrow_to_frame(read_parquet_table(path, columns))


def to_frame(backend, expr: ibis.Table, like: pd.DataFrame | None = None, sort_by=None) -> pd.DataFrame:
    """Run ``expr`` on ``backend`` and return pandas; with ``like``, its column order and dtypes.

    ``sort_by`` (column names) orders the rows, as engines give no row order of their own.
    """
    # through Arrow, not Ibis's to_pandas: that makes a Python object of every value of any column
    # with a null (each of a registry's million strings its own copy); Arrow converts in C++ and
    # shares one string object per distinct text
    out = arrow_to_frame(backend.to_pyarrow(expr))
    if like is not None:
        out = out[list(like.columns)]
        out = pd.DataFrame({name: as_dtype(out[name], like[name].dtype) for name in like.columns})
    if sort_by:
        out = out.sort_values(list(sort_by), kind="mergesort").reset_index(drop=True)
    return out


__all__ = ["arrow_to_frame", "as_dtype", "read_parquet_frame", "read_parquet_table", "to_arrow", "to_engine",
           "to_frame"]
