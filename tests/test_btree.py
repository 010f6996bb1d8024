"""Table and index b-trees: cursors, balance, overflow, sqlite3 as the oracle.

Databases built here are written out page by page and checked by sqlite3
(PRAGMA integrity_check and SELECTs); databases built by sqlite3 are loaded,
read and modified here, then checked by sqlite3 again.
"""
import random

import pytest

from minisql import errors
from minisql.storage import format as fmt
from minisql.storage.btree import BTree
from minisql.storage.btreepage import Geometry
from minisql.storage.record import KeyInfo, decode_record, encode_record

from test_btree_support import (add_schema, dump, load, mem_db, schema_roots,
                                sqlite_build, sqlite_integrity, sqlite_query)


def table_db(page_size=4096, reserved=0, index=False):
    pager, bt = mem_db(page_size, reserved)
    root = bt.create_table()
    add_schema(bt, "table", "t", "t", root, "CREATE TABLE t(a, b)")
    iroot = None
    if index:
        iroot = bt.create_index()
        add_schema(bt, "index", "i", "t", iroot, "CREATE INDEX i ON t(b)")
    return pager, bt, root, iroot


def scan(cur):
    out = []
    ok = cur.first()
    while ok:
        out.append((cur.rowid(), cur.record()))
        ok = cur.next()
    return out


def check_with_sqlite(pager, bt, path, model=None):
    dump(pager, path)
    assert sqlite_integrity(path) == ["ok"]
    assert bt.integrity_check(schema_roots(bt)) == []
    if model is not None:
        rows = sqlite_query(path, "SELECT rowid, a, b FROM t ORDER BY rowid")
        assert rows == [(r, a, b) for r, (a, b) in sorted(model.items())]


def payload_sizes(geo):
    """Record sizes straddling the table-leaf and index local limits."""
    sizes = [0, 1, 10, 100]
    for x in (geo.max_leaf, geo.max_local, geo.min_local):
        sizes += [x - 1, x, x + 1]
    sizes += [geo.usable * 2, geo.usable * 3 + 17]
    return sizes


# -- the basic cursor contract -------------------------------------------------

def test_empty_table():
    pager, bt, root, _ = table_db()
    cur = bt.table(root)
    assert not cur.first() and cur.eof
    assert not cur.last() and cur.eof
    assert cur.max_rowid() == 0
    assert not cur.seek(5) and cur.eof
    assert not cur.seek_ge(5) and not cur.seek_le(5)
    assert not cur.next() and not cur.prev()


def test_insert_seek_replace_delete():
    pager, bt, root, _ = table_db(512)
    cur = bt.table(root)
    for r in (5, -3, 2**63 - 1, -2**63, 0, 17):
        cur.insert(r, encode_record([r, "v%d" % r]))
    assert cur.seek(17) and cur.rowid() == 17
    assert decode_record(cur.payload()) == [17, "v17"]
    assert not cur.seek(6) and cur.rowid() == 17      # left as seek_ge would
    assert cur.seek_ge(6) and cur.rowid() == 17
    assert cur.seek_le(6) and cur.rowid() == 5
    assert cur.seek_le(-2**63) and cur.rowid() == -2**63
    assert cur.seek_ge(2**63 - 1) and cur.rowid() == 2**63 - 1
    assert cur.seek_ge(-2**63) and cur.rowid() == -2**63
    assert not cur.seek_ge(2**63 - 1) or not cur.next()
    assert cur.max_rowid() == 2**63 - 1
    cur.insert(17, encode_record(["replaced"]))
    assert cur.seek(17) and cur.record() == ["replaced"]
    assert [r for r, _ in scan(cur)] == [-2**63, -3, 0, 5, 17, 2**63 - 1]
    assert cur.seek(5)
    cur.delete()
    assert cur.next() and cur.rowid() == 17
    assert cur.seek(0)
    cur.delete()
    assert cur.prev() and cur.rowid() == -3
    assert [r for r, _ in scan(cur)] == [-2**63, -3, 17, 2**63 - 1]


def test_delete_then_next_walks_every_row_once():
    pager, bt, root, _ = table_db(512)
    cur = bt.table(root)
    for r in range(1, 2001):
        cur.insert(r, encode_record([r, "x" * (r % 50)]))
    kept = []
    ok = cur.first()
    while ok:
        r = cur.rowid()
        if r % 3:
            cur.delete()
        else:
            kept.append(r)
        ok = cur.next()
    assert kept == list(range(3, 2001, 3))
    assert [r for r, _ in scan(cur)] == kept
    assert bt.integrity_check(schema_roots(bt)) == []


def test_backward_scan_and_prev_after_delete():
    pager, bt, root, _ = table_db(512)
    cur = bt.table(root)
    for r in range(1, 1001):
        cur.insert(r * 2, encode_record([r]))
    got = []
    ok = cur.last()
    while ok:
        got.append(cur.rowid())
        if cur.rowid() % 4 == 0:
            cur.delete()
        ok = cur.prev()
    assert got == list(range(2000, 0, -2))
    assert [r for r, _ in scan(cur)] == list(range(2, 2001, 4))


# -- random workloads against a dict, checked by sqlite3 -----------------------

@pytest.mark.parametrize("page_size,reserved", [(512, 0), (1024, 32), (4096, 0),
                                                (65536, 0), (8192, 20)])
def test_random_table_and_index_workload(tmp_path, page_size, reserved):
    rnd = random.Random(page_size + reserved)
    pager, bt, root, iroot = table_db(page_size, reserved, index=True)
    geo = Geometry(page_size - reserved)
    sizes = payload_sizes(geo)
    cur = bt.table(root)
    icur = bt.index(iroot)
    model = {}
    steps = 1500 if page_size < 65536 else 400
    for step in range(steps):
        rowid = rnd.randint(-50, 700)
        if rnd.random() < 0.65:
            b = ("%06d" % rowid) + "y" * rnd.choice(sizes)
            if rowid in model:
                assert icur.seek([model[rowid][1], rowid])
                icur.delete()
            cur.insert(rowid, encode_record([rowid, b]))
            icur.insert([b, rowid])
            model[rowid] = (rowid, b)
        elif rowid in model:
            assert cur.seek(rowid)
            cur.delete()
            assert icur.seek([model[rowid][1], rowid])
            icur.delete()
            del model[rowid]
    assert [(r, tuple(v)) for r, v in scan(cur)] == sorted(model.items())
    path = tmp_path / "w.db"
    check_with_sqlite(pager, bt, path, model)
    assert sqlite_query(path, "SELECT b, rowid FROM t INDEXED BY i ORDER BY b, rowid") \
        == sorted((v[1], r) for r, v in model.items())
    free = bt.get_meta(fmt.OFF_FREELIST_COUNT)
    assert sqlite_query(path, "PRAGMA freelist_count") == [(free,)]


def test_sequential_appends_fill_pages(tmp_path):
    """Appending increasing rowids (balance_quick) leaves full pages: the
    table takes about as many pages as sqlite3 needs for the same rows."""
    pager, bt, root, _ = table_db(4096)
    cur = bt.table(root)
    rows = [(i, "name%d" % i) for i in range(1, 20001)]
    for r, b in rows:
        cur.insert(r, encode_record([r, b]))
    path = tmp_path / "a.db"
    check_with_sqlite(pager, bt, path)
    ref = sqlite_build(tmp_path / "ref.db", "CREATE TABLE t(a, b);",
                       params=[("INSERT INTO t VALUES (?, ?)", rows)])
    ours = sqlite_query(path, "SELECT count(*) FROM dbstat WHERE name='t'")[0][0]
    theirs = sqlite_query(ref, "SELECT count(*) FROM dbstat WHERE name='t'")[0][0]
    assert ours <= theirs * 1.05 + 2


def test_overflow_chains_are_freed_on_delete_and_shrink(tmp_path):
    pager, bt, root, _ = table_db(1024)
    cur = bt.table(root)
    for r in range(1, 41):
        cur.insert(r, encode_record([r, "z" * 5000]))
    grown = pager.page_count
    for r in range(1, 41, 2):
        cur.insert(r, encode_record([r, "small"]))          # shrink in place
    for r in range(2, 41, 4):
        assert cur.seek(r)
        cur.delete()
    free = bt.get_meta(fmt.OFF_FREELIST_COUNT)
    assert free > (grown * 2) // 3
    check_with_sqlite(pager, bt, tmp_path / "o.db")
    # Freed pages are reused before the file grows.
    for r in range(100, 110):
        cur.insert(r, encode_record([r, "q" * 3000]))
    assert pager.page_count == grown
    check_with_sqlite(pager, bt, tmp_path / "o2.db")


def test_huge_blob_round_trip(tmp_path):
    pager, bt, root, _ = table_db(4096)
    cur = bt.table(root)
    blob = bytes(random.Random(1).randrange(256) for _ in range(1 << 16)) * 160
    cur.insert(1, encode_record([1, blob]))
    assert cur.seek(1) and cur.record() == [1, blob]
    path = tmp_path / "h.db"
    check_with_sqlite(pager, bt, path)
    assert sqlite_query(path, "SELECT b FROM t")[0][0] == blob
    cur.delete()
    assert bt.get_meta(fmt.OFF_FREELIST_COUNT) == pager.page_count - 2
    check_with_sqlite(pager, bt, tmp_path / "h2.db")


def test_schema_page_one_splits(tmp_path):
    """Enough schema rows to make page 1 (100 bytes shorter) overflow and
    become an interior page."""
    pager, bt = mem_db(512)
    for i in range(60):
        root = bt.create_table()
        add_schema(bt, "table", "t%d" % i, "t%d" % i, root,
                   "CREATE TABLE t%d(a, b, c, x%s)" % (i, "x" * (i * 3)))
    path = dump(pager, tmp_path / "s.db")
    assert sqlite_integrity(path) == ["ok"]
    names = sqlite_query(path, "SELECT name FROM sqlite_schema ORDER BY rowid")
    assert names == [("t%d" % i,) for i in range(60)]
    assert pager.get(1).data[100] == fmt.INTERIOR_TABLE


# -- index cursors ---------------------------------------------------------------

def build_index(page_size=512, n=3000, seed=7, width=40):
    rnd = random.Random(seed)
    pager, bt, root, iroot = table_db(page_size, index=True)
    icur = bt.index(iroot)
    entries = set()
    for rowid in range(1, n + 1):
        b = rnd.randrange(200)
        key = "%05d" % b + "w" * rnd.randrange(width)
        icur.insert([key, rowid])
        entries.add((key, rowid))
    return pager, bt, iroot, icur, sorted(entries)


def test_index_seeks_match_a_sorted_list():
    pager, bt, iroot, icur, entries = build_index()
    keys = [k for k, _ in entries]
    ok = icur.first()
    walked = []
    while ok:
        walked.append(tuple(icur.key()))
        ok = icur.next()
    assert walked == entries
    rnd = random.Random(1)
    import bisect
    probes = [k for k, _ in rnd.sample(entries, 50)] + ["", "00050", "zzz", "00100w"]
    for p in probes:
        lo = bisect.bisect_left(keys, p)
        # Prefix semantics: entries whose first column is >= / > / <= / < p.
        hi = bisect.bisect_right(keys, p)
        assert icur.seek_ge([p]) == (lo < len(keys))
        if lo < len(keys):
            assert tuple(icur.key()) == entries[lo]
        assert icur.seek_gt([p]) == (hi < len(keys))
        if hi < len(keys):
            assert tuple(icur.key()) == entries[hi]
        assert icur.seek_le([p]) == (hi > 0)
        if hi > 0:
            assert tuple(icur.key()) == entries[hi - 1]
        assert icur.seek_lt([p]) == (lo > 0)
        if lo > 0:
            assert tuple(icur.key()) == entries[lo - 1]
        assert icur.seek([p]) == (lo < hi)
    k, r = entries[100]
    assert icur.seek([k, r]) and icur.key() == [k, r]
    assert not icur.seek([k, -1])
    assert icur.seek_lt([k, r]) and tuple(icur.key()) == entries[99]
    assert icur.seek_gt([k, r]) and tuple(icur.key()) == entries[101]


def test_index_backward_walk():
    pager, bt, iroot, icur, entries = build_index(seed=2)
    got = []
    ok = icur.last()
    while ok:
        got.append(tuple(icur.key()))
        ok = icur.prev()
    assert got == entries[::-1]


def test_index_delete_everything_including_interior_entries(tmp_path):
    """Wide keys make a deep index whose interior cells are entries;
    deleting in random order removes interior entries (replaced by their
    predecessor) and shrinks the tree back to one page."""
    pager, bt, iroot, icur, entries = build_index(512, n=2000, width=120)
    rnd = random.Random(9)
    order = entries[:]
    rnd.shuffle(order)
    remaining = set(entries)
    for n, (k, r) in enumerate(order):
        assert icur.seek([k, r]), (k, r)
        icur.delete()
        remaining.discard((k, r))
        if n % 400 == 0:
            got = []
            ok = icur.first()
            while ok:
                got.append(tuple(icur.key()))
                ok = icur.next()
            assert got == sorted(remaining)
            assert bt.integrity_check([(1, False), (2, False), (iroot, KeyInfo())]) == []
    assert not icur.first()
    assert bt.count(iroot) == 0
    free = bt.get_meta(fmt.OFF_FREELIST_COUNT)
    assert free == pager.page_count - 3


def test_index_with_rows_checked_by_sqlite(tmp_path):
    """Table + index kept consistent through updates and deletes; sqlite3's
    integrity_check cross-checks every row against the index."""
    rnd = random.Random(4)
    pager, bt, root, iroot = table_db(1024, index=True)
    cur = bt.table(root)
    icur = bt.index(iroot)
    model = {}
    for step in range(4000):
        r = rnd.randint(1, 900)
        if r in model:
            old = model.pop(r)
            assert icur.seek([old, r])
            icur.delete()
            if rnd.random() < 0.5:
                assert cur.seek(r)
                cur.delete()
                continue
        b = rnd.choice(["", "k", "key%d" % rnd.randrange(50)]) + "p" * rnd.choice(
            [0, 5, 200, 300, 2000])
        cur.insert(r, encode_record([r, b]))
        icur.insert([b, r])
        model[r] = b
    path = tmp_path / "ix.db"
    check_with_sqlite(pager, bt, path, {r: (r, b) for r, b in model.items()})
    assert bt.integrity_check([(1, False), (root, False), (iroot, KeyInfo())]) == []


def test_index_collation_and_desc_order(tmp_path):
    lower = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    ki = KeyInfo([lambda s: s.translate(lower), None], [False, True])
    pager, bt = mem_db(1024)
    root = bt.create_table()
    add_schema(bt, "table", "t", "t", root, "CREATE TABLE t(a, b)")
    iroot = bt.create_index()
    add_schema(bt, "index", "i", "t", iroot,
               "CREATE INDEX i ON t(a COLLATE NOCASE, b DESC)")
    cur = bt.table(root)
    icur = bt.index(iroot, ki)
    rnd = random.Random(8)
    model = {}
    for r in range(1, 1500):
        a = rnd.choice(["abc", "ABC", "Abd", "b", "B", None, 5, 2.5, b"x",
                        "Long" * rnd.randrange(300)])
        b = rnd.choice([1, 2, "x", None, 1.5])
        cur.insert(r, encode_record([a, b]))
        icur.insert([a, b, r])
        model[r] = (a, b)
    for r in rnd.sample(sorted(model), 700):
        assert cur.seek(r)
        cur.delete()
        a, b = model.pop(r)
        assert icur.seek([a, b, r])
        icur.delete()
    path = dump(pager, tmp_path / "c.db")
    assert sqlite_integrity(path) == ["ok"]
    want = sqlite_query(path, "SELECT rowid FROM t INDEXED BY i "
                              "ORDER BY a COLLATE NOCASE, b DESC, rowid")
    got = []
    ok = icur.first()
    while ok:
        got.append((icur.key()[-1],))
        ok = icur.next()
    assert got == want
    assert bt.integrity_check([(1, False), (root, False), (iroot, ki)]) == []


# -- files written by sqlite3 -----------------------------------------------------

@pytest.mark.parametrize("page_size", [512, 4096, 32768])
def test_read_and_modify_sqlite_database(tmp_path, page_size):
    rnd = random.Random(page_size)
    rows = [(i, rnd.choice(["", "s" * rnd.randrange(3 * page_size), None,
                            rnd.random(), rnd.randrange(-10**12, 10**12)]))
            for i in range(1, 1500)]
    path = sqlite_build(tmp_path / "src.db",
                        "CREATE TABLE t(a, b); CREATE INDEX i ON t(b);",
                        page_size=page_size,
                        params=[("INSERT INTO t VALUES (?, ?)", rows)])
    con = __import__("sqlite3").connect(path)
    con.execute("DELETE FROM t WHERE a % 3 = 0")        # leaves freelist pages
    con.commit()
    con.close()
    model = {r: (r, b) for r, b in rows if r % 3}
    pager, bt = load(path)
    assert bt.get_meta(fmt.OFF_FREELIST_COUNT) > 0
    cur = bt.table(2)
    icur = bt.index(3)
    assert [(r, tuple(v)) for r, v in scan(cur)] == sorted(model.items())
    # Index entries as sqlite3 ordered them.
    entries = []
    ok = icur.first()
    while ok:
        entries.append(tuple(icur.key()))
        ok = icur.next()
    assert entries == [tuple(e) for e in sqlite_query(
        path, "SELECT b, rowid FROM t INDEXED BY i ORDER BY b, rowid")]
    # Modify: deletes, inserts (reusing sqlite3's free pages), updates.
    count_before = pager.page_count
    for r in list(model)[::4]:
        assert cur.seek(r)
        cur.delete()
        assert icur.seek([model[r][1], r])
        icur.delete()
        del model[r]
    for r in range(2000, 2200):
        b = "new" * rnd.randrange(50)
        cur.insert(r, encode_record([r, b]))
        icur.insert([b, r])
        model[r] = (r, b)
    out = tmp_path / "mod.db"
    check_with_sqlite(pager, bt, out, model)
    assert pager.page_count <= count_before + 5


def test_clear_and_drop_tree(tmp_path):
    pager, bt, root, iroot = table_db(512, index=True)
    cur = bt.table(root)
    icur = bt.index(iroot)
    for r in range(1, 1001):
        cur.insert(r, encode_record([r, "v" * (r % 700)]))
        icur.insert(["v" * (r % 700), r])
    assert bt.count(root) == 1000 and bt.count(iroot) == 1000
    assert bt.clear_tree(iroot) == 1000
    assert bt.clear_tree(root) == 1000
    assert not bt.table(root).first()
    check_with_sqlite(pager, bt, tmp_path / "c.db", {})
    # Every page but page 1 and the two roots is free.
    assert bt.get_meta(fmt.OFF_FREELIST_COUNT) == pager.page_count - 3
    for r in range(1, 300):
        cur.insert(r, encode_record([r, "w" * 900]))
    bt.drop_tree(root)
    bt.drop_tree(iroot)
    # Remove the schema rows; then only page 1 is in use.
    sc = bt.table(1)
    while sc.first():
        sc.delete()
    path = dump(pager, tmp_path / "d.db")
    assert sqlite_integrity(path) == ["ok"]
    assert bt.get_meta(fmt.OFF_FREELIST_COUNT) == pager.page_count - 1


# -- cursors stay correct while the tree changes under them -----------------------

def test_cursor_survives_changes_through_another_cursor():
    """Cursor a scans while cursor b deletes rows just ahead of it and adds
    rows far ahead: a sees every row that exists when it gets there, once,
    in order, and none that was deleted before it got there."""
    pager, bt, root, _ = table_db(512)
    a = bt.table(root)
    b = bt.table(root)
    initial = set(range(1, 3001))
    for r in initial:
        a.insert(r, encode_record([r, "p" * (r % 300)]))
    deleted, inserted, seen = set(), set(), []
    ok = a.first()
    while ok:
        r = a.rowid()
        seen.append(r)
        if r % 10 == 0 and r <= 3000:
            for d in range(r + 1, r + 4):
                if b.seek(d):
                    b.delete()
                    deleted.add(d)
            b.insert(r + 5000, encode_record([r, "new" * 50]))
            inserted.add(r + 5000)
        ok = a.next()
    assert seen == sorted(set(seen))
    assert set(seen) == (initial | inserted) - deleted
    assert [r for r, _ in scan(b)] == seen


def test_cursor_on_deleted_row_moves_to_neighbours():
    pager, bt, root, _ = table_db(512)
    a = bt.table(root)
    b = bt.table(root)
    for r in range(1, 500):
        a.insert(r, encode_record([r, "x" * 100]))
    assert a.seek(250) and b.seek(250)
    b.delete()
    assert a.next() and a.rowid() == 251
    assert a.seek(100) and b.seek(100)
    b.delete()
    assert a.prev() and a.rowid() == 99
    assert a.seek(499) and b.seek(499)
    b.delete()
    assert not a.next() and a.eof


def test_index_cursor_survives_changes():
    pager, bt, iroot, icur, entries = build_index(512, n=1500)
    other = bt.index(iroot)
    got = []
    ok = icur.first()
    while ok:
        k = tuple(icur.key())
        got.append(k)
        if k[1] % 7 == 0:
            other.insert([k[0] + "~", k[1] + 100000])     # right after k
        ok = icur.next()
    extra = sorted((k + "~", r + 100000) for k, r in entries if r % 7 == 0)
    assert got == sorted(entries + extra)


def test_cursors_resume_after_a_rollback():
    """The engine saves cursor positions before the pager rolls pages back
    under them; each cursor then re-seeks its key on next use."""
    pager, bt, root, _ = table_db(512)
    cur = bt.table(root)
    for r in range(1, 400):
        cur.insert(r, encode_record([r, "x" * 50]))
    pager.commit()
    pager.begin_write()
    reader = bt.table(root)
    assert reader.seek(200)
    w = bt.table(root)
    for r in range(1, 200):
        assert w.seek(r)
        w.delete()
    for r in range(1000, 1400):
        w.insert(r, encode_record([r, "y" * 80]))
    assert reader.rowid() == 200
    bt.save_all_cursors()
    pager.rollback()
    assert reader.rowid() == 200
    assert reader.next() and reader.rowid() == 201
    assert reader.prev() and reader.prev() and reader.rowid() == 199
    assert [r for r, _ in scan(w)] == list(range(1, 400))


# -- bulk delete returns pages to the freelist ------------------------------------

def delete_down_to(n_rows, keep, tmp_path, page_size=4096):
    pager, bt, root, _ = table_db(page_size)
    cur = bt.table(root)
    for r in range(1, n_rows + 1):
        cur.insert(r, encode_record([r, "row %d" % r]))
    rnd = random.Random(n_rows)
    doomed = list(range(1, n_rows + 1))
    rnd.shuffle(doomed)
    for r in doomed[:n_rows - keep]:
        assert cur.seek(r)
        cur.delete()
    assert bt.count(root) == keep
    free = bt.get_meta(fmt.OFF_FREELIST_COUNT)
    in_use = pager.page_count - free
    assert in_use <= 4, (pager.page_count, free)
    path = dump(pager, tmp_path / "del.db")
    assert sqlite_integrity(path) == ["ok"]
    assert sqlite_query(path, "PRAGMA freelist_count") == [(free,)]
    assert sorted(r for (r,) in sqlite_query(path, "SELECT rowid FROM t")) == \
        sorted(doomed[n_rows - keep:])


def test_delete_almost_everything(tmp_path):
    delete_down_to(30000, 10, tmp_path)


@pytest.mark.slow
def test_delete_a_million_rows_back_to_ten(tmp_path):
    delete_down_to(1_000_000, 10, tmp_path)


# -- damage ----------------------------------------------------------------------

def test_cycles_and_bad_pointers_raise_corrupt(tmp_path):
    pager, bt, root, _ = table_db(512)
    cur = bt.table(root)
    for r in range(1, 2000):
        cur.insert(r, encode_record([r, "c" * 30]))
    v = bt._view(pager.get(root))
    assert not v.leaf
    # Point the right-most child back at the root: a cycle.
    fmt.U32.pack_into(pager.get(root).data, 8, root)
    pager.get(root).extra = None
    fresh = bt.table(root)
    with pytest.raises(errors.DatabaseError) as e:
        n = 0
        ok = fresh.first()
        while ok:
            n += 1
            ok = fresh.next()
    assert e.value.sqlite_errorcode == errors.SQLITE_CORRUPT
    with pytest.raises(errors.DatabaseError):
        fresh.seek(1999)
    with pytest.raises(errors.DatabaseError):
        bt.count(root)
    # A child pointer past the end of the file.
    fmt.U32.pack_into(pager.get(root).data, 8, pager.page_count + 10)
    pager.get(root).extra = None
    with pytest.raises(errors.DatabaseError):
        bt.table(root).last()


# -- over a file pager with a small cache ------------------------------------------

def test_file_pager_with_evicting_cache(tmp_path):
    """Pages come and go from a 10-page cache while cursors hold theirs:
    views are rebuilt lazily, pinned pages stay put, commits land in the
    WAL, and sqlite3 reads the result after a checkpointing close."""
    from minisql.storage.pager import Pager
    path = str(tmp_path / "f.db")
    pager = Pager(path, page_size=1024, cache_size=10)
    bt = BTree(pager)
    pager.begin_write()
    bt.new_database()
    root = bt.create_table()
    add_schema(bt, "table", "t", "t", root, "CREATE TABLE t(a, b)")
    iroot = bt.create_index()
    add_schema(bt, "index", "i", "t", iroot, "CREATE INDEX i ON t(b)")
    pager.commit()
    rnd = random.Random(11)
    model = {}
    for txn in range(6):
        pager.begin_write()
        cur = bt.table(root)
        icur = bt.index(iroot)
        for _ in range(700):
            r = rnd.randint(1, 3000)
            if r in model:
                assert icur.seek([model[r], r])
                icur.delete()
            b = "b%06d" % rnd.randrange(10**6) + "x" * rnd.choice([0, 10, 900, 2500])
            cur.insert(r, encode_record([r, b]))
            icur.insert([b, r])
            model[r] = b
        for r in rnd.sample(sorted(model), 100):
            assert cur.seek(r)
            cur.delete()
            assert icur.seek([model[r], r])
            icur.delete()
            del model[r]
        cur.close()
        icur.close()
        pager.commit()
        pager.end_read()
    pager.begin_read()
    cur = bt.table(root)
    assert [(r, v[1]) for r, v in scan(cur)] == sorted(model.items())
    for r in rnd.sample(sorted(model), 200):
        assert cur.seek(r) and cur.record()[1] == model[r]
    assert bt.integrity_check([(1, False), (root, False), (iroot, KeyInfo())]) == []
    cur.close()
    pager.end_read()
    pager.close()
    assert sqlite_integrity(path) == ["ok"]
    assert sqlite_query(path, "SELECT rowid, b FROM t ORDER BY rowid") == \
        sorted(model.items())


def test_without_rowid_style_index_replaces_by_key(tmp_path):
    """An index b-tree keyed on its first column only (nkey=1), as a
    WITHOUT ROWID table is: inserting an entry with an existing key
    replaces it; sqlite3 reads the table."""
    pager, bt = mem_db(1024)
    root = bt.create_index()
    add_schema(bt, "table", "w", "w", root, "CREATE TABLE w(k PRIMARY KEY, v) WITHOUT ROWID")
    ki = KeyInfo([None], [False], nkey=1)
    cur = bt.index(root, ki)
    rnd = random.Random(3)
    model = {}
    for _ in range(3000):
        k = rnd.randrange(500)
        v = "v" * rnd.choice([0, 5, 400, 2000]) + str(rnd.random())
        cur.insert([k, v])
        model[k] = v
    for k in rnd.sample(sorted(model), 200):
        assert cur.seek([k])
        cur.delete()
        del model[k]
    path = dump(pager, tmp_path / "w.db")
    assert sqlite_integrity(path) == ["ok"]
    assert sqlite_query(path, "SELECT k, v FROM w ORDER BY k") == sorted(model.items())
    assert cur.seek([next(iter(model))]) and cur.key()[1] == model[next(iter(model))]
