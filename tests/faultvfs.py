"""Test doubles for the storage layer.

FaultVFS
    A VFS whose files remember every write and truncate since their last
    sync.  ``crash_image(dir, rng)`` writes what a power failure could have
    left on disk: the content as of the last sync, plus a random subset of
    the later operations, each write possibly torn at 512-byte sector
    granularity (the -shm is not kept: it never survives a reboot in a
    useful way and SQLite rebuilds it).  ``power_off_after(n)`` makes the
    n-th durable operation (write, truncate or sync) and everything after it
    raise ``PowerLoss``, so a workload stops at an arbitrary point.
    ``fail(predicate)``: ``predicate(op, path)`` may return an exception
    (e.g. ``errors.ioerr()``, ``errors.full()``) that the operation then
    raises instead of touching the file; op is read/write/truncate/sync.
    ``log`` lists every (op, file name), directory syncs included, for
    tests of where syncs happen.

SqliteProc
    A real sqlite3 connection living in a child process, driven line by
    line: interop tests keep it open next to minisql connections (sqlite3
    must not share a process with minisql's descriptors on the same files,
    formats doc 4.3).

BankDb
    A database made by sqlite3 whose rows hold fixed-width numbers inside
    TEXT values; transactions change those bytes in place through the Pager
    (each record stays valid), so sqlite3 can check any state we leave:
    integrity_check, the sum of balances (constant) and a commit counter.
"""

import json
import os
import random
import sqlite3
import subprocess
import sys

import pytest

from minisql.storage import vfs as vfsmod

SECTOR = 512


class PowerLoss(BaseException):
    """The simulated machine lost power: nothing more reaches the disk."""


class FaultFile(vfsmod.File):
    # __dict__ (no __slots__): the owning VFS is attached after creation.

    def _durable(self):
        return not self.path.endswith("-shm")

    def _tick(self, op):
        v = self.vfs
        if v.dead:
            raise PowerLoss()
        v.log.append((op, os.path.basename(self.path)))
        if v.predicate is not None:
            exc = v.predicate(op, self.path)
            if exc is not None:
                raise exc
        if self._durable():
            v.ops += 1
            if v.power_off_at is not None and v.ops >= v.power_off_at:
                v.dead = True
                raise PowerLoss()

    def write(self, offset, data):
        self._tick("write")
        super().write(offset, data)
        if self._durable():
            self.vfs.pending.setdefault(self.path, []).append(("w", offset, bytes(data)))

    def truncate(self, size):
        self._tick("truncate")
        super().truncate(size)
        if self._durable():
            self.vfs.pending.setdefault(self.path, []).append(("t", size, None))

    def sync(self):
        # Durability is simulated (crash_image), so no real fdatasync.
        self._tick("sync")
        if self._durable():
            self.vfs.durable[self.path] = _read_all(self.path)
            self.vfs.pending.pop(self.path, None)

    def read(self, offset, n):
        if self.vfs.dead:
            raise PowerLoss()
        if self.vfs.predicate is not None:
            exc = self.vfs.predicate("read", self.path)
            if exc is not None:
                raise exc
        return super().read(offset, n)


def _read_all(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


class FaultVFS(vfsmod.VFS):
    file_class = FaultFile

    def __init__(self):
        self.durable = {}        # path -> bytes as of the last sync (None: absent)
        self.pending = {}        # path -> ops since then
        self.files = []
        self.log = []            # (op, file name) of every write/truncate/sync
        self.ops = 0
        self.power_off_at = None
        self.dead = False
        self.predicate = None

    def open(self, path, *, readonly=False, create=True):
        if self.dead:
            raise PowerLoss()
        existed = os.path.exists(path)
        f = super().open(path, readonly=readonly, create=create)
        f.vfs = self
        if not path.endswith("-shm") and path not in self.durable:
            # Content present before we first saw the file counts as durable;
            # a file we just created is empty on disk until synced.
            self.durable[path] = _read_all(path) if existed else b""
        self.files.append(f)
        return f

    def delete(self, path):
        if self.dead:
            raise PowerLoss()
        super().delete(path)
        self.durable[path] = None
        self.pending.pop(path, None)

    def sync_directory(self, path):
        # Directory entries are modelled as durable; the call is logged.
        self.log.append(("dirsync", os.path.basename(os.path.dirname(os.path.abspath(path)))))

    def power_off_after(self, n):
        self.power_off_at = self.ops + n

    def fail(self, predicate):
        self.predicate = predicate

    def abandon(self):
        """Drop every descriptor without any further I/O (the process of a
        crashed machine does not get to clean up)."""
        for f in self.files:
            if f.fd >= 0:
                os.close(f.fd)
                f.fd = -1
        self.files.clear()

    def crash_image(self, dest_dir, rng, keep=0.5, tear=0.3):
        """Write into ``dest_dir`` what the tracked files could hold after a
        power failure now.  Returns {original path: new path}."""
        out = {}
        for path, base in self.durable.items():
            data = None if base is None else bytearray(base)
            for kind, a, b in self.pending.get(path, []):
                if rng.random() >= keep:
                    continue
                if data is None:
                    data = bytearray()
                if kind == "t":
                    del data[a:]
                    continue
                if rng.random() < tear:
                    # Torn: only some of its sectors reached the platter.
                    for s in range(a - a % SECTOR, a + len(b), SECTOR):
                        if rng.random() < 0.5:
                            lo, hi = max(s, a), min(s + SECTOR, a + len(b))
                            _put(data, lo, b[lo - a:hi - a])
                else:
                    _put(data, a, b)
            if data is None:
                continue
            new = os.path.join(dest_dir, os.path.basename(path))
            with open(new, "wb") as f:
                f.write(data)
            out[path] = new
        return out


def _put(data, off, chunk):
    if len(data) < off:
        data.extend(bytes(off - len(data)))
    data[off:off + len(chunk)] = chunk


# -- a live sqlite3 connection in a child process ---------------------------

_SERVER = r"""
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=float(sys.argv[2]))
for line in sys.stdin:
    req = json.loads(line)
    try:
        if req.get("close"):
            con.close()
            print(json.dumps({"ok": True}), flush=True)
            break
        rows = con.execute(req["sql"], req.get("params", [])).fetchall()
        print(json.dumps({"ok": True, "rows": rows}), flush=True)
    except Exception as e:
        print(json.dumps({"ok": False, "error": str(e), "type": type(e).__name__,
                          "code": getattr(e, "sqlite_errorcode", None)}), flush=True)
"""


class SqliteError(Exception):
    def __init__(self, reply):
        super().__init__(reply["error"])
        self.reply = reply


class SqliteProc:
    """``sql(...)`` runs a statement in the child's connection and returns
    its rows (lists), or raises SqliteError with sqlite3's message."""

    def __init__(self, path, timeout=0.0, strace_to=None):
        cmd = [sys.executable, "-c", _SERVER, path, str(timeout)]
        if strace_to:
            cmd = ["strace", "-f", "-e", "trace=fcntl", "-o", strace_to] + cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)

    def sql(self, sql, params=()):
        self.proc.stdin.write(json.dumps({"sql": sql, "params": list(params)}) + "\n")
        reply = json.loads(self.proc.stdout.readline())
        if not reply["ok"]:
            raise SqliteError(reply)
        return reply["rows"]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"close": True}) + "\n")
                self.proc.stdout.readline()
            except (BrokenPipeError, ValueError):
                pass
            self.proc.stdin.close()
            self.proc.wait(10)
            self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def sqlite_in_child(code, *args, timeout=60):
    """Run ``code`` (Python using sqlite3; argv holds ``args``) in a child
    process and return what it printed, parsed as JSON."""
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)],
                       capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"sqlite3 child failed:\n{r.stderr}")
    return json.loads(r.stdout)


# -- page-level editing of a sqlite3-made table ------------------------------

def get_varint(b, i):
    v = 0
    for k in range(8):
        c = b[i + k]
        v = (v << 7) | (c & 0x7F)
        if c < 0x80:
            return v, i + k + 1
    return (v << 8) | b[i + 8], i + 9


def text_slots(db_bytes, page_size, root, column):
    """{rowid: (pgno, offset)} of the body of TEXT ``column`` of every row
    of the table b-tree at ``root`` (a file read whole; records must not
    overflow)."""
    out = {}
    stack = [root]
    while stack:
        pgno = stack.pop()
        base = (pgno - 1) * page_size
        hdr = base + (100 if pgno == 1 else 0)
        kind = db_bytes[hdr]
        ncell = int.from_bytes(db_bytes[hdr + 3:hdr + 5], "big")
        ptrs = hdr + (12 if kind == 0x05 else 8)
        if kind == 0x05:
            stack.append(int.from_bytes(db_bytes[hdr + 8:hdr + 12], "big"))
        for c in range(ncell):
            cell = base + int.from_bytes(db_bytes[ptrs + 2 * c:ptrs + 2 * c + 2], "big")
            if kind == 0x05:
                stack.append(int.from_bytes(db_bytes[cell:cell + 4], "big"))
                continue
            assert kind == 0x0D, f"page {pgno} is not a table page"
            _, i = get_varint(db_bytes, cell)
            rowid, i = get_varint(db_bytes, i)
            hlen, j = get_varint(db_bytes, i)
            body = i + hlen
            for col in range(column + 1):
                st, j = get_varint(db_bytes, j)
                size = (st - 12) // 2 if st >= 12 else [0, 1, 2, 3, 4, 6, 8, 8, 0, 0][st]
                if col == column:
                    assert st >= 13 and st % 2 == 1, "not a TEXT column"
                    out[rowid] = (pgno, body - base)
                body += size
    return out


class BankDb:
    """Accounts live in rows 2..n+1 of ``t(id INTEGER PRIMARY KEY, v TEXT)``
    as the first 8 characters of v; row 1 holds the commit counter.  Every
    transfer keeps the total constant and bumps the counter."""

    WIDTH = 8

    def __init__(self, path, accounts=60, page_size=1024, pad=150, wal=True):
        self.path = path
        self.accounts = accounts
        self.total = 1000 * accounts
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA synchronous=OFF")    # only the content matters
        con.execute(f"PRAGMA page_size={page_size}")
        if wal:
            con.execute("PRAGMA journal_mode=wal")
        con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        con.execute("BEGIN")
        con.execute("INSERT INTO t VALUES(1, ?)", ("%08d" % 0 + "c" * pad,))
        for i in range(accounts):
            con.execute("INSERT INTO t VALUES(?, ?)", (i + 2, "%08d" % 1000 + "x" * pad))
        con.execute("COMMIT")
        assert con.execute("SELECT rootpage FROM sqlite_schema").fetchall() == [(2,)]
        con.close()    # the last connection: checkpoints, removes -wal/-shm
        with open(path, "rb") as f:
            data = f.read()
        self.page_size = page_size
        self.slots = text_slots(data, page_size, 2, 1)   # t is the first table

    def _field(self, pager, rowid):
        pgno, off = self.slots[rowid]
        return pager.get(pgno), off

    def read(self, pager, rowid):
        page, off = self._field(pager, rowid)
        return int(bytes(page.data[off:off + self.WIDTH]))

    def put(self, pager, rowid, value):
        page, off = self._field(pager, rowid)
        pager.write(page)
        page.data[off:off + self.WIDTH] = b"%08d" % value

    def transfer(self, pager, rng):
        """One transaction through the pager; returns the new counter."""
        pager.begin_write()
        try:
            ids = rng.sample(range(2, self.accounts + 2), rng.randint(2, 6))
            for a, b in zip(ids, ids[1:]):
                amount = rng.randint(0, 50)
                self.put(pager, a, self.read(pager, a) - amount)
                self.put(pager, b, self.read(pager, b) + amount)
            n = self.read(pager, 1) + 1
            self.put(pager, 1, n)
            pager.commit()
        except BaseException:
            if pager.in_write:
                pager.rollback()
            raise
        finally:
            if pager.state:
                pager.end_read()
        return n

    def state(self, pager):
        """(sum of balances, counter) in one read transaction."""
        pager.begin_read()
        try:
            total = sum(self.read(pager, i) for i in range(2, self.accounts + 2))
            return total, self.read(pager, 1)
        finally:
            pager.end_read()


SQLITE_CHECK = r"""
import json, sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
ok = con.execute("PRAGMA integrity_check").fetchall()
total = con.execute("SELECT sum(CAST(substr(v,1,8) AS INTEGER)) FROM t WHERE id > 1").fetchone()[0]
counter = con.execute("SELECT CAST(substr(v,1,8) AS INTEGER) FROM t WHERE id = 1").fetchone()[0]
print(json.dumps([ok, total, counter]))
"""


def sqlite_bank_state(path):
    """(integrity_check rows, total, counter) as sqlite3 sees ``path``."""
    ok, total, counter = sqlite_in_child(SQLITE_CHECK, path)
    return [tuple(r) for r in ok], total, counter


@pytest.fixture
def bank(tmp_path):
    """A fresh WAL-mode BankDb (import this name into a test module)."""
    return BankDb(str(tmp_path / "bank.db"))


def rng_for(seed):
    return random.Random(seed)
