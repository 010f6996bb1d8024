"""SQLite's ordering and equality of values, as Python sort and hash keys.

Order (ORDER BY, GROUP BY output, compound selects): NULL < numbers <
text (by collation) < blob, via ``values.sort_key_fn``.  Equality
(DISTINCT, GROUP BY, UNION): 1 and 1.0 are the same value, text compares
by its collation and never equals a blob.
"""

from . import values as V


def order_key_fn(coll, desc, nulls):
    """Key function giving SQLite's order for one ORDER BY term (``coll`` a
    Collation or None); NULLS FIRST/LAST moves NULLs to either end."""
    base = V.sort_key_fn(coll)
    if nulls is None or (nulls == "FIRST") != desc:
        return base
    null_key = (4, 0)
    return lambda v: null_key if v is None else base(v)


def sort_rows(rows, terms):
    """Sort decorated rows [(keys..., payload)] by ``terms`` [(index, keyfn, desc)]."""
    for idx, keyfn, desc in reversed(terms):
        rows.sort(key=lambda r: keyfn(r[idx]), reverse=desc)
    return rows


def value_key_fn(coll):
    """A hashable key under which two values are the same exactly when
    SQLite's DISTINCT / GROUP BY / UNION would call them equal (1 and 1.0
    are; text by ``coll``; text never equals a blob)."""
    tkey = coll.key if coll is not None and coll.key is not None else None

    def key(v):
        t = type(v)
        if t is str:
            return (2, tkey(v) if tkey is not None else v)
        if t is bytes:
            return (3, v)
        return v
    return key


def row_key_fn(colls):
    keys = [value_key_fn(c) for c in colls]
    return lambda r: tuple([k(v) for k, v in zip(keys, r)])
