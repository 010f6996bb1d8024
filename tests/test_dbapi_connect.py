"""connect(): in-memory databases, file: URIs (mode=ro|rw|rwc|memory,
immutable=1), read-only opens that never write, and argument checking --
each compared with stdlib sqlite3."""
import hashlib
import os
import pathlib
import sqlite3

import pytest

from test_dbapi_util import ms, observe, same, same_in  # noqa: F401 - ms is a fixture


def files(directory):
    return sorted(os.listdir(directory))


@pytest.mark.parametrize("name, uri", [(":memory:", False), ("", False),
                                       ("file::memory:", True), ("file:mem?mode=memory", True),
                                       ("file:mem2?mode=memory&cache=shared", True)])
def test_in_memory_databases_create_no_files(tmp_path, monkeypatch, name, uri):
    monkeypatch.chdir(tmp_path)

    def run(m):
        con = m.connect(name, uri=uri)
        con.execute("create table t(a)")
        con.executemany("insert into t values(?)", [(i,) for i in range(1000)])
        con.commit()
        rows = con.execute("select count(*), sum(a) from t").fetchall()
        con.close()
        return rows, files(tmp_path)
    assert same(run) == ("ok", ([(1000, 499500)], []))


def test_memory_databases_are_private_to_their_connection():
    def run(m):
        a, b = m.connect(":memory:"), m.connect(":memory:")
        a.execute("create table t(a)")
        return [r[0] for r in b.execute("select name from sqlite_master")]
    same(run)


def make_database(path, wal=False):
    """A small database written by sqlite3 (the same file for both modules)."""
    con = sqlite3.connect(path)
    if wal:
        con.execute("pragma journal_mode=wal")
    con.execute("create table t(a, b)")
    con.executemany("insert into t values(?, ?)", [(i, str(i) * 50) for i in range(500)])
    con.execute("create index i on t(b)")
    con.commit()
    con.close()


def fingerprint(path):
    st = os.stat(path)
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest(), st.st_mtime_ns, st.st_size


WRITES = ["insert into t values(1, 2)", "update t set a = 1", "delete from t",
          "create table u(a)", "drop table t", "create index j on t(a)",
          "pragma user_version = 5", "begin immediate"]


@pytest.mark.parametrize("query", ["mode=ro", "immutable=1", "mode=ro&immutable=1"])
@pytest.mark.parametrize("wal", [False, True])
def test_read_only_open_never_writes(tmp_path, query, wal):
    def run(m, directory):
        path = os.path.join(directory, "ro.db")
        make_database(path, wal=wal)
        before = fingerprint(path)
        side_files = files(directory)
        con = m.connect(f"file:{path}?{query}", uri=True)
        out = [con.execute("select count(*), sum(a), max(b) from t").fetchall()]
        for statement in WRITES:
            try:
                con.execute(statement)
                out.append((statement, "ok"))
            except m.Error as e:
                out.append((statement, type(e).__name__, str(e), e.sqlite_errorname))
        out.append(con.in_transaction)
        out.append(con.execute("select count(*) from t").fetchall())
        con.close()
        assert fingerprint(path) == before
        if not wal:
            # A rollback-journal database gets no -wal/-shm/-journal either.
            assert files(directory) == side_files
        return out
    result = same_in(tmp_path, run)
    assert result[0] == "ok"
    assert ("insert into t values(1, 2)", "OperationalError",
            "attempt to write a readonly database", "SQLITE_READONLY") in result[1]


def test_read_only_open_of_a_minisql_written_file(tmp_path, ms):
    path = str(tmp_path / "m.db")
    con = ms.connect(path)
    con.execute("create table t(a)")
    con.execute("insert into t values(1)")
    con.commit()
    con.close()
    before = fingerprint(path)
    ro = ms.connect(f"file:{path}?mode=ro", uri=True)
    assert ro.execute("select * from t").fetchall() == [(1,)]
    with pytest.raises(ms.OperationalError, match="^attempt to write a readonly database$"):
        ro.execute("insert into t values(2)")
    ro.close()
    assert fingerprint(path) == before


@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_open_missing_file_without_create(tmp_path, mode):
    def run(m, directory):
        try:
            m.connect(f"file:{directory}/missing.db?mode={mode}", uri=True)
        finally:
            assert files(directory) == []
    assert same_in(tmp_path, run) == ("error", "OperationalError", "unable to open database file")


def test_mode_rw_writes_and_rwc_creates(tmp_path):
    def run(m, directory):
        path = os.path.join(directory, "x.db")
        con = m.connect(f"file:{path}?mode=rwc", uri=True)
        con.execute("create table t(a)")
        con.commit()
        con.close()
        con = m.connect(f"file:{path}?mode=rw", uri=True)
        con.execute("insert into t values(1)")
        con.commit()
        return con.execute("select * from t").fetchall()
    same_in(tmp_path, run)


@pytest.mark.parametrize("uri", [
    "file:{d}/x.db?mode=bogus", "file:{d}/x.db?vfs=nosuch", "file://otherhost{d}/x.db",
    "file://localhost{d}/x.db", "file://{d}/x.db", "file:{d}/%78%2Edb", "file:{d}/a+b.db?x=1",
    "file:{d}/y.db#fragment", "file:{d}/z.db?mode=rwc&cache=private&psow=1",
    "file:{d}/nodir/x.db",
])
def test_uri_forms(tmp_path, uri):
    def run(m, directory):
        con = m.connect(uri.format(d=directory), uri=True)
        con.execute("create table t(a)")
        con.close()
        return files(directory)
    same_in(tmp_path, run)


def test_uri_is_a_plain_name_without_uri_true(tmp_path, monkeypatch, ms):
    """uri=False: "file:..." is a file name, as SQLite's default build and the
    sqlite3 documentation have it.  (Debian builds SQLite with USE_URI, which
    makes sqlite3 read URIs even then; minisql keeps to the documented rule.)"""
    monkeypatch.chdir(tmp_path)
    name = "file:plain.db?mode=ro"
    con = ms.connect(name)
    con.execute("create table t(a)")
    con.close()
    assert files(tmp_path) == [name]
    uri_always = ("USE_URI",) in sqlite3.connect(":memory:").execute(
        "pragma compile_options").fetchall()
    if not uri_always:
        sqlite3.connect("file:other.db?mode=rwc").execute("create table t(a)")
        assert "file:other.db?mode=rwc" in files(tmp_path)


def test_database_argument_types(tmp_path):
    def run(m, directory):
        out = []
        for db in (pathlib.Path(directory, "p.db"), os.path.join(directory, "b.db").encode()):
            out.append(m.connect(db).execute("select 1").fetchall())
        out.append(observe(m, lambda m: m.connect(1)))
        out.append(observe(m, lambda m: m.connect(directory)))
        out.append(files(directory))
        return out
    same_in(tmp_path, run)


def test_not_a_database(tmp_path):
    """connect() succeeds; the first statement reports the file."""
    def run(m, directory):
        path = os.path.join(directory, "junk.db")
        with open(path, "wb") as f:
            f.write(b"this is not a database" * 100)
        con = m.connect(path)
        try:
            con.execute("select * from sqlite_master")
        except m.Error as e:
            return type(e).__name__, str(e), e.sqlite_errorname
    same_in(tmp_path, run)


@pytest.mark.parametrize("kwargs", [
    {"timeout": "a"}, {"timeout": 0}, {"timeout": 2.5}, {"detect_types": "a"},
    {"detect_types": 3}, {"isolation_level": "bogus"}, {"isolation_level": 1},
    {"isolation_level": "immediate"}, {"isolation_level": "Exclusive"},
    {"isolation_level": "DEFERRED"}, {"isolation_level": ""}, {"isolation_level": None},
    {"isolation_level": "IMMEDIATE\0"}, {"cached_statements": 0}, {"cached_statements": -1},
    {"check_same_thread": False}, {"uri": True},
])
def test_connect_arguments(kwargs):
    def run(m):
        con = m.connect(":memory:", **kwargs)
        con.execute("create table t(a)")
        con.execute("insert into t values(1)")
        return con.isolation_level, con.in_transaction, con.execute("select * from t").fetchall()
    same(run)


def test_connection_factory():
    def run(m):
        class MyConnection(m.Connection):
            pass
        con = m.connect(":memory:", factory=MyConnection)
        return type(con).__name__, con.execute("select 1").fetchall(), \
            m.Connection(":memory:").execute("select 2").fetchall()
    same(run)


def test_autocommit_argument_is_checked(ms):
    """Python 3.12's check: True, False or LEGACY_TRANSACTION_CONTROL only
    (1 and 0 are not accepted)."""
    for value in (1, 0, None, "yes", -2):
        with pytest.raises(ValueError, match="autocommit must be True, False, or "
                                             "sqlite3.LEGACY_TRANSACTION_CONTROL"):
            ms.connect(":memory:", autocommit=value)
    for value in (True, False, ms.LEGACY_TRANSACTION_CONTROL):
        assert ms.connect(":memory:", autocommit=value).autocommit is value


def test_not_a_database_is_reported(tmp_path, ms):
    """Whenever it is noticed, the error is sqlite3's."""
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ms.DatabaseError, match="^file is not a database$") as info:
        ms.connect(str(path)).execute("select * from sqlite_master")
    assert info.value.sqlite_errorname == "SQLITE_NOTADB"


def test_read_only_open_of_a_wal_with_frames(tmp_path):
    """The committed transactions still in the -wal are read; neither the
    database file nor the -wal changes."""
    source = str(tmp_path / "src.db")
    writer = sqlite3.connect(source)
    writer.execute("pragma journal_mode=wal")
    writer.execute("pragma wal_autocheckpoint=0")
    make = "create table t(a); " + "".join(f"insert into t values({i});" for i in range(100))
    writer.executescript(make)
    assert os.path.getsize(source + "-wal") > 0

    def run(m, directory):
        path = os.path.join(directory, "x.db")
        for suffix in ("", "-wal"):
            with open(source + suffix, "rb") as src, open(path + suffix, "wb") as dst:
                dst.write(src.read())
        before = fingerprint(path), fingerprint(path + "-wal")
        con = m.connect(f"file:{path}?mode=ro", uri=True)
        out = [con.execute("select count(*), sum(a) from t").fetchall(),
               observe(m, lambda m: con.execute("insert into t values(1)"))]
        con.close()
        assert (fingerprint(path), fingerprint(path + "-wal")) == before
        return out
    assert same_in(tmp_path, run) == ("ok", [[(100, 4950)], (
        "error", "OperationalError", "attempt to write a readonly database")])
    writer.close()
