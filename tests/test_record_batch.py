"""record.decode_records, the page-at-a-time decoder of scans: records
whose headers have compiled decoders (mapped in C), pages mixing them with
headers still on the general loop, text that is not UTF-8 (the decoders'
strict fast path falls back to surrogateescape), and damaged records, which
must raise 'database disk image is malformed' and nothing else, whichever
path decodes them.  The sqlite3 test reads a file sqlite3 wrote."""

import random
import sqlite3

import pytest

import minisql
from minisql import errors
from minisql.storage import record as R

TEXTS = ["", "plain", "é", "\u20ac uro", "a\udcff", "\udced\udca0\udc80"]    # the last
# two: bytes that are not UTF-8 (ff; an encoded surrogate), as decoded back


def _layout(recs):
    buf = b"".join(recs)
    starts, ends, o = [], [], 0
    for r in recs:
        starts.append(o)
        ends.append(o + len(r))
        o += len(r)
    return buf, starts, ends


def _each(buf, starts, ends, n):
    return [R.decode_record(buf, s, e) if n is None else R.decode_record_prefix(buf, n, s, e)
            for s, e in zip(starts, ends)]


@pytest.mark.parametrize("n", [None, 1, 2, 3])
def test_compiled_and_loop_headers_on_one_page(n):
    rng = random.Random(n or 0)
    common = [[None, rng.randrange(-2**40, 2**40), rng.choice(TEXTS), rng.random()]
              for _ in range(40)]
    rare = [[rng.randrange(2**62), "x" * rng.randrange(100, 300), b"\x00" * k, -0.0]
            for k in range(40)]
    vals = common * (2 * R._HEADER_USES) + rare
    rng.shuffle(vals)
    buf, starts, ends = _layout([R.encode_record(v) for v in vals])
    for _ in range(3):                   # the later rounds: compiled decoders
        got = R.decode_records(buf, starts, ends, n)
        assert got == _each(buf, starts, ends, n)
        assert got == [v if n is None else v[:n] for v in vals]
    # A bytearray page decodes the same.
    assert R.decode_records(bytearray(buf), starts, ends, n) == got


def test_text_that_is_not_utf8_keeps_its_bytes():
    for text in TEXTS:
        rec = R.encode_record([1, text, 2.5])
        buf, starts, ends = _layout([rec] * (3 * R._HEADER_USES))
        for got in R.decode_records(buf, starts, ends):
            assert got == [1, text, 2.5]
            assert R.encode_record(got) == rec


def _damaged(rec):
    """Variants of a record that its payload size no longer fits, or whose
    header is unreadable."""
    yield rec[:-1]                          # body one byte short
    yield rec + b"\x00"                     # one byte too many
    yield bytes([len(rec) + 5]) + rec[1:]   # header past the payload
    yield b"\x00" + rec[1:]                 # header size 0
    yield bytes([0x81]) + rec[1:]           # a two-byte header size
    yield rec[:1] + bytes([10]) + rec[2:]   # reserved serial type
    yield rec[:1]                           # the header size alone


@pytest.mark.parametrize("n", [None, 2])
def test_damaged_records_raise_corrupt_on_every_path(n):
    good = R.encode_record([None, 7, "seven", 7.5])
    for _ in range(2):                      # first the loop, then the decoders
        pad = [good] * (2 * R._HEADER_USES)
        buf, starts, ends = _layout(pad)
        R.decode_records(buf, starts, ends, n)
    for bad in _damaged(good):
        buf, starts, ends = _layout([good, bad, good])
        try:
            want = _each(buf, starts, ends, n)
        except errors.DatabaseError as e:
            want = str(e)
        try:
            got = R.decode_records(buf, starts, ends, n)
        except errors.DatabaseError as e:
            got = str(e)
        assert got == want, bad
    # Spans off the end of the buffer.
    buf, _, _ = _layout([good] * 3)
    for s, e in ((len(buf) - 2, len(buf) + 30), (len(buf), len(buf) + 3), (3, len(buf) + 1)):
        try:
            want = _each(buf, [0, s], [len(good), e], n)
        except errors.DatabaseError as exc:
            assert exc.args[0] == "database disk image is malformed"
            want = exc.args[0]
        try:
            got = R.decode_records(buf, [0, s], [len(good), e], n)
        except errors.DatabaseError as exc:
            got = exc.args[0]
        assert got == want, (s, e)


def test_scan_of_sqlite_file_with_non_utf8_text(tmp_path):
    path = str(tmp_path / "t.db")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)")
    con.executemany("INSERT INTO t VALUES (?, ?, CAST(? AS TEXT), ?)",
                    [(i, i * 7, [b"\xff\xfe", b"ok", "é".encode(), b"\xed\xa0\x80"][i % 4],
                      i / 4) for i in range(1, 3001)])
    con.commit()
    con.text_factory = bytes
    want = con.execute("SELECT id, a, b, c FROM t WHERE id >= 10 AND id < 2900").fetchall()
    agg = con.execute("SELECT count(*), sum(a), avg(c) FROM t WHERE id >= 10 AND id < 2900"
                      ).fetchall()
    con.close()
    m = minisql.connect(path)
    m.text_factory = bytes
    for _ in range(2):
        got = m.execute("SELECT id, a, b, c FROM t WHERE id >= 10 AND id < 2900").fetchall()
        assert got == want
        assert m.execute("SELECT count(*), sum(a), avg(c) FROM t WHERE id >= 10 AND id < 2900"
                         ).fetchall() == agg
    m.close()


def test_page_rows_completed_as_sqlite(tmp_path):
    """A page's decoded records made rows (planner.table_pages, one REAL
    column: finish_alias) from a file sqlite3 wrote: the rowid alias filled
    in, integral REALs (which sqlite3 stores as integers) read as floats,
    columns added by ALTER TABLE given their defaults, whether a page's
    records are all as wide or not."""
    path = str(tmp_path / "t.db")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, c REAL, b TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)",
                    [(i, i * 3, float(i // 2) if i % 3 else i / 8, f"b{i % 17}")
                     for i in range(1, 1501)])
    con.execute("ALTER TABLE t ADD COLUMN d INTEGER DEFAULT 2")
    con.execute("ALTER TABLE t ADD COLUMN e TEXT DEFAULT 'x'")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
                    [(i, i, 1.0, "n", i if i % 2 else None, "y") for i in range(1501, 2200)])
    # Wider records among narrow ones on the same pages.
    con.execute("UPDATE t SET d = 7, e = 'z' WHERE id % 5 = 0 AND id < 1501")
    con.commit()
    con.close()
    s = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    m = minisql.connect(path)
    queries = ["SELECT * FROM t WHERE id >= 100 AND id < 2100",
               "SELECT id, c, a FROM t WHERE id > 5",
               "SELECT c, d FROM t WHERE id BETWEEN 1400 AND 1600",
               "SELECT count(*), sum(c), avg(d), max(e), total(a) FROM t "
               "WHERE id >= 3 AND id < 2000"]
    for q in queries:
        want = s.execute(q).fetchall()
        got = m.execute(q).fetchall()
        assert [[(type(v), v) for v in r] for r in got] == \
            [[(type(v), v) for v in r] for r in want], q
    s.close()
    m.close()
