"""The freelist: SQLite's trunk/leaf layout, reuse before growth, both ways."""
import shutil
import sqlite3
import struct

import pytest

from minisql import errors
from minisql.storage import format as fmt
from minisql.storage import freelist
from minisql.storage.record import encode_record

from test_btree_support import (add_schema, dump, load, mem_db, schema_roots,
                                sqlite_build, sqlite_integrity, sqlite_query)


def walk(pager, usable):
    return list(freelist.walk(pager, usable))


def fill_and_drop(page_size, nrows=400, width=300):
    pager, bt = mem_db(page_size)
    keep = bt.create_table()
    add_schema(bt, "table", "keep", "keep", keep, "CREATE TABLE keep(a)")
    doomed = bt.create_table()
    cur = bt.table(doomed)
    for r in range(1, nrows + 1):
        cur.insert(r, encode_record(["d" * width]))
    cur.close()
    bt.drop_tree(doomed)
    return pager, bt, keep


@pytest.mark.parametrize("page_size", [512, 1024, 4096])
def test_trunks_hold_at_most_u_over_4_minus_8_leaves(tmp_path, page_size):
    # About one page per row, enough rows for three trunks.
    pager, bt, keep = fill_and_drop(page_size, nrows=(page_size // 4 - 8) * 5 // 2,
                                    width=page_size // 2)
    usable = pager.usable_size
    chain = walk(pager, usable)
    assert len(chain) >= 2
    total = sum(1 + len(leaves) for _, leaves in chain)
    assert total == bt.get_meta(fmt.OFF_FREELIST_COUNT)
    assert all(len(leaves) <= usable // 4 - 8 for _, leaves in chain)
    # Full trunks behind the head, as SQLite leaves them.
    assert all(len(leaves) == usable // 4 - 8 for _, leaves in chain[1:])
    path = dump(pager, tmp_path / "f.db")
    assert sqlite_integrity(path) == ["ok"]
    assert sqlite_query(path, "PRAGMA freelist_count") == [(total,)]
    assert bt.integrity_check(schema_roots(bt)) == []


def test_freed_pages_are_reused_before_the_file_grows(tmp_path):
    pager, bt, keep = fill_and_drop(1024)
    size = pager.page_count
    free = bt.get_meta(fmt.OFF_FREELIST_COUNT)
    cur = bt.table(keep)
    r = 0
    while bt.get_meta(fmt.OFF_FREELIST_COUNT):
        r += 1
        cur.insert(r, encode_record(["k" * 200]))
        assert pager.page_count == size
    assert r > free            # several rows per page
    cur.insert(r + 1, encode_record(["k" * 5000]))
    assert pager.page_count > size
    path = dump(pager, tmp_path / "g.db")
    assert sqlite_integrity(path) == ["ok"]


def test_sqlite_reuses_our_freelist(tmp_path):
    pager, bt, keep = fill_and_drop(1024)
    path = dump(pager, tmp_path / "h.db")
    size = pager.page_count
    con = sqlite3.connect(path)
    con.executemany("INSERT INTO keep VALUES (?)", [("s" * 300,)] * 200)
    con.commit()
    assert con.execute("PRAGMA page_count").fetchone()[0] == size
    assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    con.close()


def test_we_reuse_sqlites_freelist(tmp_path):
    path = sqlite_build(tmp_path / "s.db",
                        "CREATE TABLE a(x); CREATE TABLE b(x);", page_size=512,
                        params=[("INSERT INTO b VALUES (?)", [("b" * 400,)] * 900)])
    con = sqlite3.connect(path)
    con.execute("DROP TABLE b")
    con.commit()
    con.close()
    pager, bt = load(path)
    free = bt.get_meta(fmt.OFF_FREELIST_COUNT)
    assert free > 500
    assert sum(1 + len(lv) for _, lv in walk(pager, 512)) == free
    size = pager.page_count
    cur = bt.table(2)
    for r in range(1, 800):
        cur.insert(r, encode_record(["a" * 300]))
    assert pager.page_count == size
    out = dump(pager, tmp_path / "t.db")
    assert sqlite_integrity(out) == ["ok"]
    assert sqlite_query(out, "PRAGMA freelist_count") == [
        (bt.get_meta(fmt.OFF_FREELIST_COUNT),)]


def test_damaged_freelist_raises_corrupt():
    pager, bt, keep = fill_and_drop(1024)
    d1 = pager.get(1).data
    trunk = struct.unpack_from(">I", d1, 32)[0]
    saved = bytes(pager.get(trunk).data[:8])
    # Trunk claims more leaves than fit.
    struct.pack_into(">I", pager.get(trunk).data, 4, 10_000)
    with pytest.raises(errors.DatabaseError) as e:
        freelist.allocate(pager, 1024)
    assert e.value.sqlite_errorcode == errors.SQLITE_CORRUPT
    pager.get(trunk).data[:8] = saved
    # Head trunk past the end of the file.
    struct.pack_into(">I", d1, 32, pager.page_count + 5)
    with pytest.raises(errors.DatabaseError):
        freelist.allocate(pager, 1024)
    with pytest.raises(errors.DatabaseError):
        list(freelist.walk(pager, 1024))
    # A trunk chain that loops back on itself ends in corrupt, not a hang.
    struct.pack_into(">I", d1, 32, trunk)
    struct.pack_into(">I", pager.get(trunk).data, 0, trunk)
    with pytest.raises(errors.DatabaseError):
        list(freelist.walk(pager, 1024))


def test_header_fields_after_growth_and_shrink(tmp_path):
    """Page count, freelist head/count and the change counter as SQLite
    reads them after our commits."""
    pager, bt, keep = fill_and_drop(4096, nrows=300, width=3000)
    pager.commit()
    path = dump(pager, tmp_path / "c.db")
    d = open(path, "rb").read()
    hdr = fmt.DbHeader.unpack(d[:100])
    assert hdr.page_count * 4096 == len(d)
    assert hdr.size_is_trusted()
    assert sqlite_query(path, "PRAGMA page_count") == [(hdr.page_count,)]
    assert sqlite_query(path, "PRAGMA freelist_count") == [(hdr.freelist_count,)]
    assert hdr.freelist_trunk == walk(pager, 4096)[0][0]
    assert sqlite_query(path, "PRAGMA schema_version") == [(hdr.schema_cookie,)]
    copy = tmp_path / "c2.db"
    shutil.copy(path, copy)
    con = sqlite3.connect(copy)
    con.execute("VACUUM")
    con.close()
    assert sqlite_query(copy, "PRAGMA freelist_count") == [(0,)]
