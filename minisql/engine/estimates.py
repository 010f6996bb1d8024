"""Row-width estimates, as SQLite's planner makes them without ANALYZE.

SQLite decides between scanning a table and scanning one of its covering
indexes by comparing estimated row widths (build.c estimateTableWidth and
estimateIndexWidth): each column's declared type gives a size "scaled so that
the size of an integer is 1", the widths are summed and put through
sqlite3LogEst (ten times the base-2 logarithm, in integers).  A covering
index is scanned instead of the table when its width is smaller.  Matching
this choice matters beyond speed: it decides the order of rows in an
unordered query, which users (and our differential tests) compare with
sqlite3.
"""

from functools import lru_cache

from .values import affinity_of

_LOG_EST_FRACTION = (0, 2, 3, 5, 6, 7, 8, 9)


def log_est(x):
    """sqlite3LogEst: about 10*log2(x), exactly as SQLite rounds it."""
    if x < 2:
        return 0
    y = 40
    if x < 8:
        while x < 8:
            y -= 10
            x <<= 1
    else:
        while x > 15:
            y += 10
            x >>= 1
    return _LOG_EST_FRACTION[x & 7] + y - 10


@lru_cache(maxsize=1024)
def column_size(declared_type):
    """Column.szEst for a column declared with this type (sqlite3AffinityType).

    Types with TEXT or BLOB affinity: the first number after CHAR (or after
    BLOB immediately followed by '('), else 16 if no such marker was seen;
    every other type 0.  Then n/4 + 1, capped at 255.  No declared type at
    all is 1, as sqlite3AddColumn sets it."""
    if not declared_type:
        return 1
    v = 0
    if affinity_of(declared_type) in ("TEXT", "BLOB"):
        s = declared_type.lower()
        rest = _size_marker(s)
        if rest is None:
            v = 16
        else:
            digits = ""
            for ch in rest:
                if ch.isdigit() and ch.isascii():
                    digits += ch
                elif digits:
                    break
            v = min(int(digits), 1 << 30) if digits else 0
    return min(v // 4 + 1, 255)


def _size_marker(s):
    """The text after the marker where SQLite looks for a size, or None.

    Follows sqlite3AffinityType's scan: CHAR sets the marker; BLOB sets it
    only when '(' follows and no TEXT-like word came before."""
    at = None
    text = False
    for i in range(4, len(s) + 1):
        w = s[i - 4:i]
        if w == "char":
            at, text = i, True
        elif w in ("clob", "text"):
            text = True
        elif w == "blob" and not text and s[i:i + 1] == "(":
            at = i
    return None if at is None else s[at:]


def table_width(table):
    """szTabRow: every column, plus one for a rowid that is not a column."""
    w = sum(column_size(c.decl_type) for c in table.columns)
    if table.rowid_alias is None:
        w += 1
    return log_est(w * 4)


def index_width(index):
    """szIdxRow: the index's columns plus the rowid that ends every key."""
    cols = index.table.columns
    w = 1 + sum(1 if c < 0 else column_size(cols[c].decl_type) for c in index.columns)
    return log_est(w * 4)
