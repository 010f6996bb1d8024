"""integrity_check: SQLite's findings and wording on planted damage, and
damaged files that never crash or hang the b-tree layer."""
import random
import sqlite3
import struct
import time

import pytest

from minisql import errors
from minisql.storage import format as fmt
from minisql.storage.btreepage import MemPage
from minisql.storage.record import KeyInfo, encode_record

from test_btree_support import load, mem_db, schema_roots, sqlite_build

PS = 1024


def base_db(tmp_path):
    rows = [(i, i, "v%05d" % i + "x" * (i % 60)) for i in range(1, 800)]
    rows += [(1000 + i, 1000 + i, "big" * 700) for i in range(5)]          # overflow
    path = sqlite_build(tmp_path / "base.db",
                        "CREATE TABLE t(a, b); CREATE INDEX i ON t(b);"
                        "CREATE TABLE gone(x);", page_size=PS,
                        params=[("INSERT INTO t(rowid, a, b) VALUES (?, ?, ?)", rows),
                                ("INSERT INTO gone VALUES (?)", [("g" * 500,)] * 300)])
    con = sqlite3.connect(path)
    con.execute("DROP TABLE gone")          # a freelist with trunk and leaves
    con.commit()
    con.close()
    return path


def sqlite_messages(path):
    """The b-tree part of sqlite3's integrity_check, or None when sqlite3's
    own row scan hits the damage and the pragma fails."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError:
        return None
    finally:
        con.close()
    if rows == ["ok"]:
        return []
    head = "*** in database main ***\n"
    if not rows[0].startswith(head):
        return []           # only table-vs-index findings (engine level)
    return rows[0][len(head):].split("\n")


def our_messages(path):
    pager, bt = load(path, write=False)
    pager.begin_read()
    return bt.integrity_check(schema_roots(bt))


class Info:
    """Page numbers of interesting pages in the base database."""

    def __init__(self, path):
        pager, bt = load(path, write=False)
        self.raw = bytearray(open(path, "rb").read())
        root = bt._view(pager.get(2))
        assert not root.leaf
        self.table_root = 2
        self.leaves = list(root.children) + [root.right]
        self.root_cells = list(root.cells)
        cur = bt.table(2)
        assert cur.seek(1002)
        v = cur._v
        p, start, local, ovfl = v.payload_info(cur._i)
        self.ovfl_first = ovfl
        self.freelist_trunk = struct.unpack_from(">I", self.raw, 32)[0]
        self.npages = len(self.raw) // PS

    def page(self, pgno):
        return (pgno - 1) * PS


def u16(b, off, v):
    struct.pack_into(">H", b, off, v)


def u32(b, off, v):
    struct.pack_into(">I", b, off, v)


def m_fragment(b, info):
    b[info.page(info.leaves[3]) + 7] += 1


def m_freelist_count(b, info):
    u32(b, 36, struct.unpack_from(">I", b, 36)[0] + 1)


def m_extra_page(b, info):
    b.extend(bytes(PS))
    u32(b, 28, len(b) // PS)


def m_rowid_order(b, info):
    o = info.page(info.leaves[2])
    b[o + 8:o + 10], b[o + 10:o + 12] = b[o + 10:o + 12], b[o + 8:o + 10]


def m_second_reference(b, info):
    o = info.page(2)
    c0, c1 = info.root_cells[0], info.root_cells[1]
    b[o + c1:o + c1 + 4] = b[o + c0:o + c0 + 4]


def m_overflow_short(b, info):
    u32(b, info.page(info.ovfl_first), 0)


def m_free_space(b, info):
    u16(b, info.page(info.leaves[1]) + 1, 3)


def m_multiple_uses(b, info):
    o = info.page(info.leaves[4])
    b[o + 10:o + 12] = b[o + 8:o + 10]


def m_leaf_count_too_big(b, info):
    u32(b, info.page(info.freelist_trunk) + 4, PS)


def m_free_leaf_in_use(b, info):
    o = info.page(info.freelist_trunk)
    u32(b, o + 8, info.leaves[0])


def m_cell_offset_out_of_range(b, info):
    u16(b, info.page(info.leaves[5]) + 8, PS - 2)


MUTATIONS = [m_fragment, m_freelist_count, m_extra_page, m_rowid_order,
             m_second_reference, m_overflow_short, m_free_space, m_multiple_uses,
             m_leaf_count_too_big, m_free_leaf_in_use, m_cell_offset_out_of_range]


def test_clean_databases_check_ok(tmp_path):
    path = base_db(tmp_path)
    assert sqlite_messages(path) == []
    assert our_messages(path) == []
    for ps in (512, 4096, 65536):
        p = sqlite_build(tmp_path / f"c{ps}.db",
                         "CREATE TABLE t(a PRIMARY KEY, b); CREATE INDEX i ON t(b, a);",
                         page_size=ps, params=[("INSERT INTO t VALUES (?, ?)", [
                             (i, "q" * (i * 37 % (ps // 2))) for i in range(600)])])
        assert our_messages(p) == []


@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda f: f.__name__)
def test_planted_damage_reported_as_sqlite_reports_it(tmp_path, mutate):
    path = base_db(tmp_path)
    info = Info(path)
    b = bytearray(info.raw)
    mutate(b, info)
    bad = tmp_path / "bad.db"
    bad.write_bytes(bytes(b))
    ours = our_messages(bad)
    assert ours, "damage not found"
    theirs = sqlite_messages(bad)
    if theirs is not None:
        assert ours == theirs
    else:
        # sqlite3's row-by-row part failed on the damage; its b-tree part
        # would have been printed first, and ours must at least name a page.
        assert any(ch.isdigit() for ch in ours[0])


def test_max_errors_limits_the_report(tmp_path):
    path = base_db(tmp_path)
    info = Info(path)
    b = bytearray(info.raw)
    for leaf in info.leaves[:6]:
        u16(b, info.page(leaf) + 1, 3)
    bad = tmp_path / "bad.db"
    bad.write_bytes(bytes(b))
    pager, bt = load(bad, write=False)
    full = bt.integrity_check(schema_roots(bt))
    assert len(full) > 3
    assert bt.integrity_check(schema_roots(bt), max_errors=3) == full[:3]


def test_index_order_check_with_keyinfo(tmp_path):
    pager, bt = mem_db(512)
    iroot = bt.create_index()
    cur = bt.index(iroot)
    for i in range(400):
        cur.insert(["k%04d" % i, i])
    assert bt.integrity_check([(1, False), (iroot, KeyInfo())]) == []
    # Swap two cell pointers of a leaf: still a valid page, wrong order.
    leaf = cur._page if cur.first() else None
    d = leaf.data
    d[8:10], d[10:12] = d[10:12], d[8:10]
    leaf.extra = None
    msgs = bt.integrity_check([(1, False), (iroot, KeyInfo())])
    assert msgs and "out of order" in msgs[0]
    assert bt.integrity_check([(1, False), (iroot, True)]) == []   # as SQLite 3.40


def test_depth_mismatch_is_reported():
    pager, bt = mem_db(512)
    root = bt.create_table()
    cur = bt.table(root)
    for r in range(1, 3000):
        cur.insert(r, encode_record(["d" * 40]))
    rv = bt._view(pager.get(root))
    child = bt._view(pager.get(rv.children[0]))
    assert not child.leaf
    # Make the root's first child one of that child's own leaves: the page
    # is then reached twice, and the root's subtrees differ in depth.
    leaf = child.children[0]
    fmt.U32.pack_into(pager.get(root).data, rv.cells[0], leaf)
    msgs = bt.integrity_check([(1, False), (root, False)])
    assert "Child page depth differs" in " ".join(msgs)


# -- damaged files never crash or hang -------------------------------------------

def exercise(pager, bt):
    """Read and write through every tree; only corruption errors may escape."""
    roots = [(1, False)]
    try:
        roots = schema_roots(bt)
    except errors.DatabaseError as e:
        assert e.sqlite_errorcode == errors.SQLITE_CORRUPT
    msgs = bt.integrity_check(roots)
    assert isinstance(msgs, list)
    for root, is_index in roots:
        try:
            if is_index:
                cur = bt.index(root)
                ok = cur.first()
                n = 0
                while ok and n < 100000:
                    cur.key()
                    n += 1
                    ok = cur.next()
                cur.seek_ge(["v00400"])
                cur.insert(["v00400x", 99999])
                if cur.seek(["v00400x", 99999]):
                    cur.delete()
            else:
                cur = bt.table(root)
                ok = cur.last()
                while ok:
                    cur.record()
                    ok = cur.prev()
                cur.seek(400)
                cur.insert(5000, encode_record(["new", "z" * 3000]))
                for r in (10, 400, 1002, 5000):
                    if cur.seek(r):
                        cur.delete()
        except errors.DatabaseError as e:
            assert e.sqlite_errorcode == errors.SQLITE_CORRUPT, e
    return msgs


def test_random_damage_never_crashes_or_hangs(tmp_path):
    path = base_db(tmp_path)
    raw = open(path, "rb").read()
    rnd = random.Random(2024)
    found = 0
    for trial in range(120):
        b = bytearray(raw)
        for _ in range(rnd.randint(1, 4)):
            pg = rnd.randrange(1, len(b) // PS) + 1
            off = (pg - 1) * PS + rnd.choice([0, 1, 2, 3, 5, 7, 8, 9, 10, 11,
                                              rnd.randrange(PS)])
            kind = rnd.random()
            if kind < 0.4:
                b[off] = rnd.randrange(256)
            elif kind < 0.7:
                b[off:off + 2] = rnd.randrange(65536).to_bytes(2, "big")
            else:
                b[off:off + 4] = rnd.choice([0, 1, 2, 3, 9999, 2**31, 
                                             rnd.randrange(1, len(b) // PS + 3)]
                                            ).to_bytes(4, "big")
        bad = tmp_path / f"r{trial}.db"
        bad.write_bytes(bytes(b[:len(raw)]))
        t0 = time.monotonic()
        pager, bt = load(bad)
        msgs = exercise(pager, bt)
        found += bool(msgs)
        assert time.monotonic() - t0 < 20
    assert found > 60


def test_views_of_damaged_pages_raise_corrupt():
    pager, bt = mem_db(512)
    page = pager.append()
    d = page.data
    for setup in (
        lambda: d.__setitem__(0, 0x07),                         # bad type
        lambda: (d.__setitem__(0, 0x0D), u16(d, 3, 200)),        # too many cells
        lambda: (d.__setitem__(0, 0x0D), u16(d, 3, 1), u16(d, 5, 500),
                 u16(d, 8, 600)),                                # cell off the page
        lambda: (d.__setitem__(0, 0x0D), u16(d, 3, 1), u16(d, 5, 20),
                 u16(d, 8, 10)),                                 # cell below content
    ):
        d[:] = bytes(512)
        setup()
        # (A leaf's cell offsets are checked lazily -- btreepage invariant 6 --
        # but always before an edit or a whole-page pass.)
        with pytest.raises(errors.DatabaseError) as e:
            MemPage.load(page.pgno, d, bt._geo).check_cells()
        assert e.value.sqlite_errorcode == errors.SQLITE_CORRUPT


def test_autovacuum_files_read_checked_and_not_restructured(tmp_path):
    path = tmp_path / "av.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA auto_vacuum = FULL")
    con.execute("CREATE TABLE t(a)")
    con.executemany("INSERT INTO t VALUES (?)", [("a" * 300,)] * 400)
    con.commit()
    con.close()
    pager, bt = load(path)
    assert bt.integrity_check(schema_roots(bt)) == []
    cur = bt.table(3)               # page 2 is the first pointer-map page
    n = 0
    ok = cur.first()
    while ok:
        n += 1
        ok = cur.next()
    assert n == 400
    with pytest.raises(errors.NotSupportedError):
        for r in range(1000, 1100):
            cur.insert(r, encode_record(["b" * 300]))
