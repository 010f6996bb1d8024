"""The pager: transactions, savepoints, the cache, page checksums, and
databases that sqlite3 left in rollback-journal mode (hot journals, the
switch to WAL).  Pages are edited in place on databases sqlite3 made, and
sqlite3 (in child processes) checks what we wrote."""
import shutil
import signal
import subprocess
import sys

import pytest

from faultvfs import (BankDb, SqliteProc, bank, rng_for,  # noqa: F401 - fixture
                      sqlite_bank_state, sqlite_in_child)
from minisql import errors
from minisql.storage import format as fmt
from minisql.storage.pager import Pager, empty_page1


# -- building tiny valid databases by hand (for checksummed files) -----------

def put_varint(v):
    if v > 0x00FFFFFFFFFFFFFF:
        raise ValueError("9-byte varints not needed here")
    out = [v & 0x7F]
    v >>= 7
    while v:
        out.append(0x80 | (v & 0x7F))
        v >>= 7
    return bytes(reversed(out))


def record(*values):
    types, body = [], b""
    for v in values:
        if isinstance(v, int):
            types.append(4)
            body += v.to_bytes(4, "big", signed=True)
        else:
            b = v.encode()
            types.append(2 * len(b) + 13)
            body += b
    header = b"".join(put_varint(t) for t in types)
    return put_varint(len(header) + 1) + header + body


def leaf_table(page, rows, usable, hdr_off=0):
    """Write a table-leaf b-tree page holding ``rows`` [(rowid, record)]."""
    cells = [put_varint(len(r)) + put_varint(rowid) + r for rowid, r in rows]
    top = usable
    ptrs = b""
    for c in cells:
        top -= len(c)
        page[top:top + len(c)] = c
        ptrs += top.to_bytes(2, "big")
    page[hdr_off:hdr_off + 8] = bytes([0x0D, 0, 0]) + len(cells).to_bytes(2, "big") \
        + top.to_bytes(2, "big") + b"\0"
    page[hdr_off + 8:hdr_off + 8 + len(ptrs)] = ptrs


def create_table_db(path, rows, page_size=1024, **kw):
    """A database with ``CREATE TABLE t(x)`` holding ``rows`` (rowid, text),
    written entirely through the pager."""
    p = Pager(str(path), page_size=page_size, **kw)
    p.begin_write()
    p1 = p.append()
    p1.data[:] = empty_page1(p.page_size, p.reserved)
    leaf_table(p1.data, [(1, record("table", "t", "t", 2, "CREATE TABLE t(x)"))],
               p.usable_size, 100)
    fmt.U32.pack_into(p1.data, fmt.OFF_SCHEMA_COOKIE, 1)
    p2 = p.append()
    leaf_table(p2.data, [(i, record(s)) for i, s in rows], p.usable_size)
    p.commit()
    p.end_read()
    return p


CHECK = r"""
import json, sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
try:
    print(json.dumps([con.execute("PRAGMA integrity_check").fetchall(),
                      con.execute("SELECT rowid, x FROM t ORDER BY rowid").fetchall()]))
except sqlite3.Error as e:
    print(json.dumps(str(e)))
"""


# -- transactions, savepoints, cache ----------------------------------------

def test_created_database_is_read_by_sqlite3(tmp_path):
    path = tmp_path / "a.db"
    p = create_table_db(path, [(1, "one"), (2, "two")])
    assert (tmp_path / "a.db-wal").exists()
    assert sqlite_in_child(CHECK, path) == [[["ok"]], [[1, "one"], [2, "two"]]]
    p.close()
    assert not (tmp_path / "a.db-wal").exists()
    assert sqlite_in_child(CHECK, path) == [[["ok"]], [[1, "one"], [2, "two"]]]
    head = fmt.DbHeader.unpack(path.read_bytes()[:100])
    assert (head.write_version, head.read_version, head.page_count) == (2, 2, 2)


def test_rollback_restores_pages_and_later_writes_still_commit(bank):
    p = Pager(bank.path)
    p.begin_write()
    bank.put(p, 2, 5)
    p.rollback()
    assert bank.read(p, 2) == 1000
    # Regression: pages restored by a rollback must become writable again.
    p.end_read()
    p.begin_write()
    bank.put(p, 2, 7)
    p.commit()
    p.end_read()
    p.close()
    q = Pager(bank.path)
    q.begin_read()
    assert bank.read(q, 2) == 7
    q.end_read()
    q.close()


def test_savepoints_nest(bank):
    p = Pager(bank.path)
    p.begin_write()
    bank.put(p, 2, 1)
    s1 = p.savepoint()
    bank.put(p, 2, 2)
    bank.put(p, 3, 2)
    s2 = p.savepoint()
    bank.put(p, 3, 3)
    n = p.page_count
    p.append()
    p.rollback_to(s2)
    assert (bank.read(p, 2), bank.read(p, 3), p.page_count) == (2, 2, n)
    p.release(s2)
    p.rollback_to(s1)
    assert (bank.read(p, 2), bank.read(p, 3)) == (1, 1000)
    p.release(s1)
    p.commit()
    p.end_read()
    assert bank.state(p)[0] == bank.total - 999
    p.close()


def test_truncate_then_rollback_to_brings_pages_back(bank):
    p = Pager(bank.path)
    p.begin_write()
    last = max(pg for pg, _ in bank.slots.values())
    row = next(r for r, (pg, _) in bank.slots.items() if pg == last)
    bank.put(p, row, 42)                  # dirty before the savepoint
    n = p.page_count
    sp = p.savepoint()
    p.truncate(last - 1)
    assert p.page_count == last - 1
    p.rollback_to(sp)
    assert p.page_count == n
    assert bank.read(p, row) == 42
    p.commit()
    p.end_read()
    p.close()
    assert sqlite_bank_state(bank.path)[0] == [("ok",)]


def test_small_cache_evicts_only_unreferenced_clean_pages(bank):
    p = Pager(bank.path, cache_size=10)
    p.begin_read()
    held = p.get(3)
    for _ in range(3):
        for pg in range(1, p.page_count + 1):
            p.get(pg)
    assert len(p.cache) <= 12
    assert p.get(3) is held                # a referenced page is never evicted
    p.end_read()
    assert bank.state(p) == (bank.total, 0)
    p.close()


def test_memory_database():
    p = Pager(":memory:")
    p.begin_write()
    pg = p.append()
    pg.data[:4] = b"abcd"
    p.commit()
    p.begin_write()
    p.get(1).data  # noqa: B018 - read only
    p.write(p.get(1))
    p.get(1).data[:4] = b"wxyz"
    p.rollback()
    assert bytes(p.get(1).data[:4]) == b"abcd"
    assert p.checkpoint() == (0, -1, -1)
    p.end_read()
    p.close()


def test_checkpoint_refused_inside_a_transaction_like_sqlite3(bank):
    p = Pager(bank.path)
    p.begin_read()
    with pytest.raises(errors.OperationalError, match="database table is locked"):
        p.checkpoint()
    p.end_read()
    assert p.checkpoint()[0] == 0
    p.close()


def test_readonly_pager_cannot_write(bank):
    p = Pager(bank.path, readonly=True)
    with pytest.raises(errors.OperationalError, match="readonly"):
        p.begin_write()
    assert bank.state(p) == (bank.total, 0)
    p.close()


# -- page checksums -------------------------------------------------------------

def test_checksummed_database_roundtrip_and_sqlite3_reads_it(tmp_path):
    path = tmp_path / "c.db"
    p = create_table_db(path, [(1, "alpha"), (2, "beta")], checksums=True)
    assert p.checksums and p.reserved == 4 and p.usable_size == 1020
    p.close()
    data = path.read_bytes()
    import crc32c
    for i in range(len(data) // 1024):
        page = data[i * 1024:(i + 1) * 1024]
        assert crc32c.crc32c(page[:-4]) == int.from_bytes(page[-4:], "big")
    assert sqlite_in_child(CHECK, path) == [[["ok"]], [[1, "alpha"], [2, "beta"]]]
    q = Pager(str(path))                  # recognised from reserved == 4
    assert q.checksums
    q.begin_read()
    assert b"beta" in bytes(q.get(2).data)
    q.end_read()
    q.close()


def test_checksum_mismatch_names_the_page(tmp_path):
    path = tmp_path / "c.db"
    create_table_db(path, [(1, "alpha")], checksums=True).close()
    data = bytearray(path.read_bytes())
    data[1024 + 1000] ^= 1                # inside page 2's cell content
    path.write_bytes(bytes(data))
    p = Pager(str(path))
    p.begin_read()
    with pytest.raises(errors.DatabaseError, match="checksum mismatch on page 2") as ei:
        p.get(2)
    assert ei.value.sqlite_errorcode == errors.SQLITE_CORRUPT
    p.end_read()
    p.close()


def test_page_written_by_sqlite3_fails_checksum_in_wal(tmp_path):
    """Documented behaviour: sqlite3 does not maintain the CRC, so a page it
    writes (here into the WAL) is reported by minisql."""
    path = tmp_path / "c.db"
    p = create_table_db(path, [(1, "alpha")], checksums=True)
    with SqliteProc(str(path)) as s:
        s.sql("UPDATE t SET x = 'gamma' WHERE rowid = 1")
    p.begin_read()
    assert p.wal.find_frame(2)            # the page now comes from the WAL
    with pytest.raises(errors.DatabaseError, match="checksum mismatch on page 2"):
        p.get(2)
    p.end_read()
    p.close()


# -- rollback-journal databases made by sqlite3 ---------------------------------

def test_rollback_mode_database_shared_with_sqlite3_then_switched_to_wal(tmp_path):
    path = str(tmp_path / "r.db")
    bank = BankDb(path, wal=False)
    p = Pager(path)
    assert p.journal_mode == "delete"
    rng = rng_for(9)
    with SqliteProc(path, timeout=5) as s:
        assert s.sql("PRAGMA journal_mode") == [["delete"]]
        assert bank.state(p) == (bank.total, 0)
        # Idle, we hold no lock: sqlite3 commits in rollback mode ...
        s.sql("UPDATE t SET v = '00000005' || substr(v, 9) WHERE id = 1")
        assert bank.state(p) == (bank.total, 5)   # ... and we see it
        bank.transfer(p, rng)                     # our first write: to WAL
        assert p.journal_mode == "wal"
        head = fmt.DbHeader.unpack(open(path, "rb").read(100))
        assert (head.write_version, head.read_version) == (2, 2)
        assert s.sql("SELECT CAST(substr(v,1,8) AS INTEGER) FROM t WHERE id = 1") == [[6]]
        assert s.sql("PRAGMA journal_mode") == [["wal"]]
    p.close()
    assert sqlite_bank_state(path) == ([("ok",)], bank.total, 6)


HOT = r"""
import os, signal, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA page_size=1024")
con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")
con.execute("BEGIN")
for i in range(400):
    con.execute("INSERT INTO t VALUES(?, ?)", (i, "x" * 100))
con.execute("COMMIT")
con.execute("PRAGMA cache_size=2")       # spill: pages reach the db file
con.execute("BEGIN")
con.execute("UPDATE t SET b = 'y' || b WHERE a % 3 = 0")
con.execute("DELETE FROM t WHERE a > 300")
os.kill(os.getpid(), signal.SIGKILL)
"""


def make_hot_journal(d):
    d.mkdir()
    path = d / "h.db"
    r = subprocess.run([sys.executable, "-c", HOT, str(path)])
    assert r.returncode == -signal.SIGKILL
    assert (d / "h.db-journal").exists()
    return path


def test_hot_journal_is_rolled_back_like_sqlite3(tmp_path):
    path = make_hot_journal(tmp_path / "a")
    ref = tmp_path / "ref"
    shutil.copytree(path.parent, ref)
    before = path.read_bytes()
    # sqlite3's own rollback on a copy is the reference.
    code = r"""
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print(json.dumps(con.execute("SELECT count(*), sum(b LIKE 'y%') FROM t").fetchone()))
"""
    assert sqlite_in_child(code, ref / "h.db") == [400, 0]
    p = Pager(str(path))
    assert not (path.parent / "h.db-journal").exists()
    assert path.read_bytes() != before
    assert path.read_bytes() == (ref / "h.db").read_bytes()
    assert p.journal_mode == "delete"      # reading alone changes nothing else
    p.close()


def test_hot_journal_refused_by_readonly_connection(tmp_path):
    path = make_hot_journal(tmp_path / "a")
    before = path.read_bytes(), (path.parent / "h.db-journal").read_bytes()
    with pytest.raises(errors.OperationalError, match="readonly"):
        Pager(str(path), readonly=True)
    assert (path.read_bytes(), (path.parent / "h.db-journal").read_bytes()) == before


def test_journal_of_committed_multi_database_transaction_is_discarded(tmp_path):
    path = make_hot_journal(tmp_path / "a")
    before = path.read_bytes()
    # Name a super-journal that no longer exists: the transaction committed.
    j = path.parent / "h.db-journal"
    data = j.read_bytes()
    data += b"\0" * ((-len(data)) % 512)
    name = str(tmp_path / "gone-super-journal").encode() + b"\0"
    lock_page = fmt.lock_byte_page(1024)
    data += lock_page.to_bytes(4, "big") + name + len(name).to_bytes(4, "big") \
        + sum(name).to_bytes(4, "big") + bytes.fromhex("d9d505f920a163d7")
    j.write_bytes(data)
    p = Pager(str(path))
    assert not j.exists()
    assert path.read_bytes() == before     # nothing played back
    p.close()


# -- whole transactions of page images made by sqlite3 ------------------------

EVOLVE = r"""
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA synchronous=OFF")
step = sys.argv[2]
if step == "create":
    con.execute("PRAGMA page_size=1024")
    con.execute("PRAGMA journal_mode=wal")
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")
    con.executemany("INSERT INTO t VALUES(?, ?)", [(i, "v%d" % i * 20) for i in range(300)])
elif step == "grow":
    con.execute("CREATE INDEX tb ON t(b)")
    con.executemany("INSERT INTO t VALUES(?, ?)", [(i, "w%d" % i * 30) for i in range(300, 700)])
    con.execute("DELETE FROM t WHERE a % 5 = 0")
elif step == "shrink":
    con.execute("DELETE FROM t WHERE a > 100")
    con.execute("DROP INDEX tb")
    con.execute("VACUUM")
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(json.dumps(con.execute("SELECT a, b FROM t ORDER BY a").fetchall()))
"""


def apply_images(p, images):
    """One transaction making the database equal to ``images`` (a list of
    page images), page by page."""
    p.begin_write()
    for pgno, img in enumerate(images, 1):
        if pgno <= p.page_count:
            page = p.get(pgno)
            if bytes(page.data) == img:
                continue
            p.write(page)
        else:
            page = p.append()
            assert page.pgno == pgno
        page.data[:] = img
    if len(images) < p.page_count:
        p.truncate(len(images))
    p.commit()
    p.end_read()


@pytest.mark.parametrize("step", ["grow", "shrink"])
def test_commit_page_images_of_a_sqlite3_modified_copy(tmp_path, step):
    a = tmp_path / "a.db"
    sqlite_in_child(EVOLVE, a, "create")
    b = tmp_path / "b.db"
    shutil.copy(a, b)
    if step == "shrink":
        sqlite_in_child(EVOLVE, b, "grow")
        shutil.copy(b, a)
    expected = sqlite_in_child(EVOLVE, b, step)
    data = b.read_bytes()
    images = [data[i:i + 1024] for i in range(0, len(data), 1024)]
    p = Pager(str(a))
    with SqliteProc(str(a)) as s:
        s.sql("BEGIN")
        old = s.sql("SELECT count(*) FROM t")
        apply_images(p, images)
        assert s.sql("SELECT count(*) FROM t") == old     # its snapshot holds
        s.sql("COMMIT")
        assert s.sql("SELECT a, b FROM t ORDER BY a") == expected
        assert s.sql("PRAGMA integrity_check") == [["ok"]]
        assert s.sql("PRAGMA page_count") == [[len(images)]]
    p.close()
    assert sqlite_in_child(CHECK.replace("rowid, x", "a, b"), a)[1] == expected
