"""Varints, records and index key order, with sqlite3 as the oracle."""
import functools
import math
import random
import struct

import pytest
from hypothesis import given, settings, strategies as st

from minisql import errors
from minisql.storage.record import (KeyInfo, decode_record, decode_record_prefix,
                                    encode_record, get_varint, put_varint,
                                    record_serial_types, varint_len)

from test_btree_support import (add_schema, dump, load, mem_db, sqlite_build,
                                sqlite_query)

EDGE_INTS = [0, 1, -1, 2, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768,
             -32769, 2**23 - 1, 2**23, -2**23, -2**23 - 1, 2**31 - 1, 2**31,
             -2**31, -2**31 - 1, 2**47 - 1, 2**47, -2**47, -2**47 - 1,
             2**53, 2**53 + 1, 2**63 - 1, -2**63, -2**63 + 1]
EDGE_FLOATS = [0.0, -0.0, 1.5, -1.5, float("inf"), float("-inf"), 1e308, -1e308,
               5e-324, -5e-324, 2.0**53, 0.1, 1.0]
EDGE_TEXT = ["", "a", "x" * 57, "x" * 58, "x" * 10000, "ümlaut", "日本語",
             "\U0001F600 smile", "nul\x00inside", "\U0010FFFF"]
EDGE_BLOBS = [b"", b"\x00", b"\xff" * 58, bytes(range(256)) * 40]
ALL_EDGE = EDGE_INTS + EDGE_FLOATS + EDGE_TEXT + EDGE_BLOBS + [None]


def same_value(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack(">d", a) == struct.pack(">d", b)
    return type(a) is type(b) and a == b


# -- varints -------------------------------------------------------------------

@given(st.integers(min_value=-2**63, max_value=2**64 - 1))
def test_varint_round_trip_and_shortest(v):
    b = put_varint(v)
    got, n = get_varint(b + b"junk", 0)
    assert n == len(b) == varint_len(v)
    assert got == v & 0xFFFFFFFFFFFFFFFF
    if n > 1 and n < 9:
        assert b[0] != 0x80          # no redundant leading zero groups


def test_varints_match_sqlite_rowid_encoding(tmp_path):
    """SQLite writes every rowid as a varint right after the payload size
    in a table leaf cell: our encoding of each must be those bytes."""
    rowids = [0, 1, 127, 128, 16383, 16384, 2**21 - 1, 2**21, 2**56 - 1, 2**56,
              2**63 - 1, -1, -2**63, -12345]
    path = sqlite_build(tmp_path / "v.db", "CREATE TABLE t(a);", params=[
        ("INSERT INTO t(rowid, a) VALUES (?, 1)", [(r,) for r in rowids])])
    pager, bt = load(path)
    cur = bt.table(2)
    seen = []
    ok = cur.first()
    while ok:
        v, i = cur._v, cur._i
        off = v.cells[i]
        _, k = get_varint(v.data, off)
        enc = put_varint(cur.rowid())
        assert bytes(v.data[off + k:off + k + len(enc)]) == enc
        seen.append(cur.rowid())
        ok = cur.next()
    assert seen == sorted(rowids)


# -- records: sqlite3 -> us ----------------------------------------------------

def test_sqlite_records_decode_and_reencode_identically(tmp_path):
    """Every edge value stored by sqlite3 decodes to what sqlite3 returns,
    and our encoder produces the very same record bytes (same serial
    types, 8/9 for 0/1)."""
    rows = [(v,) for v in ALL_EDGE]
    rows.append((b"\xab" * (10 * 1024 * 1024),))      # a 10 MB blob
    path = sqlite_build(tmp_path / "r.db", "CREATE TABLE t(a);",
                        params=[("INSERT INTO t VALUES (?)", rows)])
    expected = sqlite_query(path, "SELECT rowid, a FROM t ORDER BY rowid")
    pager, bt = load(path)
    cur = bt.table(2)
    ok = cur.first()
    got = []
    while ok:
        payload = cur.payload()
        vals = decode_record(payload)
        assert encode_record(vals) == payload
        assert cur.record() == vals
        got.append((cur.rowid(), vals[0]))
        ok = cur.next()
    assert len(got) == len(expected)
    for (r1, a), (r2, b) in zip(got, expected):
        assert r1 == r2 and same_value(a, b), (a, b)


def test_multi_column_records_match_sqlite(tmp_path):
    rnd = random.Random(5)
    rows = [tuple(rnd.choice(ALL_EDGE) for _ in range(rnd.randint(1, 12)))
            for _ in range(300)]
    rows = [r + (None,) * (12 - len(r)) for r in rows]
    cols = ", ".join(f"c{i}" for i in range(12))
    path = sqlite_build(tmp_path / "m.db", f"CREATE TABLE t({cols});", params=[
        (f"INSERT INTO t VALUES ({', '.join('?' * 12)})", rows)])
    pager, bt = load(path)
    cur = bt.table(2)
    ok = cur.first()
    n = 0
    while ok:
        payload = cur.payload()
        vals = decode_record(payload)
        assert all(same_value(a, b) for a, b in zip(vals, rows[n]))
        assert encode_record(vals) == payload
        assert decode_record_prefix(payload, 3) == vals[:3]
        assert cur.record_prefix(20) == vals
        n += 1
        ok = cur.next()
    assert n == len(rows)


# -- records: us -> sqlite3 ----------------------------------------------------

def test_our_records_read_back_by_sqlite(tmp_path):
    pager, bt = mem_db(1024)
    root = bt.create_table()
    add_schema(bt, "table", "t", "t", root, "CREATE TABLE t(a)")
    cur = bt.table(root)
    values = ALL_EDGE + [True, False, b"\x01" * (3 * 1024 * 1024)]
    for i, v in enumerate(values, 1):
        cur.insert(i, encode_record([v]))
    path = dump(pager, tmp_path / "o.db")
    got = sqlite_query(path, "SELECT a, typeof(a) FROM t ORDER BY rowid")
    assert len(got) == len(values)
    for v, (a, typ) in zip(values, got):
        if isinstance(v, bool):
            v = int(v)
        assert same_value(v, a), (v, a)
        expect = {int: "integer", float: "real", str: "text", bytes: "blob",
                  type(None): "null"}[type(v)]
        assert typ == expect
    assert sqlite_query(path, "PRAGMA integrity_check") == [("ok",)]


def test_nan_is_stored_as_null_as_sqlite_does():
    con_val = __import__("sqlite3").connect(":memory:").execute(
        "SELECT typeof(?)", (float("nan"),)).fetchone()[0]
    assert con_val == "null"
    assert decode_record(encode_record([float("nan")])) == [None]


def test_serial_types_are_the_smallest_sqlite_would_pick(tmp_path):
    path = sqlite_build(tmp_path / "s.db", "CREATE TABLE t(a);", params=[
        ("INSERT INTO t VALUES (?)", [(v,) for v in EDGE_INTS])])
    pager, bt = load(path)
    cur = bt.table(2)
    ok = cur.first()
    for v in EDGE_INTS:
        assert ok
        assert record_serial_types(cur.payload()) == record_serial_types(
            encode_record([v]))
        ok = cur.next()


# -- damaged records -----------------------------------------------------------

@pytest.mark.parametrize("buf", [
    b"",                                  # nothing at all
    b"\x05\x01",                          # header longer than the record
    b"\x02\x0a",                          # reserved serial type 10
    b"\x02\x0b",                          # reserved serial type 11
    b"\x02\x04\x00\x00",                  # 4-byte int with 2 body bytes
    b"\x02\x01\x05\x06",                  # body longer than the types say
    b"\x03\x81",                          # varint running off the header
    b"\x02\x1b" + b"x" * 3,               # text of 7 bytes, only 3 present
])
def test_damaged_records_raise_corrupt(buf):
    with pytest.raises(errors.DatabaseError) as e:
        decode_record(buf)
    assert e.value.sqlite_errorcode == errors.SQLITE_CORRUPT
    assert str(e.value) == "database disk image is malformed"


@given(st.binary(max_size=40))
def test_random_bytes_never_raise_anything_but_corrupt(buf):
    for fn in (decode_record, lambda b: decode_record_prefix(b, 3)):
        try:
            fn(buf)
        except errors.DatabaseError as e:
            assert e.sqlite_errorcode == errors.SQLITE_CORRUPT


values_st = st.one_of(
    st.none(), st.integers(min_value=-2**63, max_value=2**63 - 1),
    st.floats(allow_nan=False), st.text(max_size=30), st.binary(max_size=30))


@given(st.lists(values_st, max_size=15))
def test_encode_decode_round_trip(vals):
    rec = encode_record(vals)
    back = decode_record(rec)
    assert len(back) == len(vals)
    assert all(same_value(a, b) for a, b in zip(vals, back))
    for n in range(len(vals) + 2):
        assert decode_record_prefix(rec, n) == back[:n]


# -- index key order against sqlite3 --------------------------------------------

ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
COLLATIONS = {
    "BINARY": None,
    "NOCASE": lambda s: s.translate(ASCII_LOWER),
    "RTRIM": lambda s: s.rstrip(" "),
}

ORDER_VALUES = (
    [None, 0, 1, -1, 0.5, -0.5, 2**53, 2**53 + 1, float(2**53), 2**63 - 1,
     float(2**63), -2**63, float(-2**63), 9007199254740993, 1e300, -1e300,
     float("inf"), float("-inf"), 3, 3.0, -0.0, 0.0]
    + ["", "a", "A", "ab", "aB", "a ", "a  ", "b", "B", "\x00", "a\x00", "a\x00b",
       "é", "É", "z", "Z", "\U0001F600", "~", " "]
    + [b"", b"\x00", b"\x00\x00", b"a", b"A", b"\xff", b"ab"])


@pytest.mark.parametrize("coll", ["BINARY", "NOCASE", "RTRIM"])
@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize("mode", ["bytes", "tuple"])
def test_key_order_matches_sqlite_order_by(coll, desc, mode):
    import sqlite3
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE v(x)")
    con.executemany("INSERT INTO v(rowid, x) VALUES (?, ?)",
                    list(enumerate(ORDER_VALUES, 1)))
    direction = "DESC" if desc else "ASC"
    want = [r for (r,) in con.execute(
        f"SELECT rowid FROM v ORDER BY x COLLATE {coll} {direction}, rowid")]
    fn = COLLATIONS[coll]
    if mode == "tuple":
        # A key function returning something other than str (as
        # functools.cmp_to_key over a user collation does) selects tuple keys.
        base = fn or (lambda s: s)
        fn = functools.cmp_to_key(
            lambda a, b: (base(a) > base(b)) - (base(a) < base(b)))
    ki = KeyInfo([fn], [desc])
    assert ki._bytes == (mode == "bytes")
    got = sorted(range(1, len(ORDER_VALUES) + 1),
                 key=lambda r: ki.sort_key([ORDER_VALUES[r - 1], r]))
    assert got == want


def test_index_on_sqlite_file_agrees_with_sort_keys(tmp_path):
    """Keys in a sqlite3-built index (two columns, one DESC, NOCASE) come
    out of an in-order walk ascending under our KeyInfo."""
    rnd = random.Random(3)
    rows = [(rnd.choice(ORDER_VALUES), rnd.choice(ORDER_VALUES)) for _ in range(500)]
    path = sqlite_build(tmp_path / "i.db",
                        "CREATE TABLE t(a, b); CREATE INDEX i ON t(a COLLATE NOCASE, b DESC);",
                        page_size=512, params=[("INSERT INTO t VALUES (?, ?)", rows)])
    pager, bt = load(path)
    ki = KeyInfo([COLLATIONS["NOCASE"], None], [False, True])
    cur = bt.index(3, ki)
    keys = []
    ok = cur.first()
    while ok:
        keys.append(ki.sort_key(cur.key()))
        ok = cur.next()
    assert len(keys) == len(rows)
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


@given(st.lists(values_st, min_size=1, max_size=4), st.lists(values_st, max_size=3))
@settings(max_examples=200, deadline=None)  # (timing is not what it tests)
def test_prefix_sorts_before_extensions_and_after_sorts_after(prefix, more):
    ki = KeyInfo([None, None], [False, True])
    p = ki.sort_key(prefix)
    full = ki.sort_key(prefix + more)
    assert p <= full
    assert ki.after(p) > full
    assert full[:len(p)] == p


def test_int_float_comparison_is_exact():
    ki = KeyInfo()
    big = 2**63 - 1
    assert ki.sort_key([big]) < ki.sort_key([float(2**63)])
    assert ki.sort_key([2**53 + 1]) > ki.sort_key([float(2**53)])
    assert ki.sort_key([3]) == ki.sort_key([3.0])
    assert ki.sort_key([-0.0]) == ki.sort_key([0])
    assert math.isinf(float("inf")) and ki.sort_key([float("inf")]) > ki.sort_key([big])
