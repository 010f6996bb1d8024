"""Dot-commands, scripts, errors and exit codes of the minisql shell against the
sqlite3 shell; .dump output reloaded into sqlite3 gives back the same data."""
import sqlite3

import pytest

from test_shell_support import (ENGINES, FIXTURE, assert_same, both, make_db, needs_sqlite3_shell,
                                run_minisql, run_sqlite3)

pytestmark = needs_sqlite3_shell
engines = pytest.mark.parametrize("engine", ENGINES)

SCRIPT_ERRORS = """\
select 1;
create table u(a unique);
insert into u values(1);
insert into u values(1);
select abs(-9223372036854775808);
select * from nosuch;
select 4;
"""


DOT_COMMANDS = [
    ".tables", ".tables %e%", ".tables nomatch", ".indexes", ".indexes t", ".schema",
    ".schema t", ".schema w%", ".schema v", ".schema nomatch", ".dump", ".dump t",
    ".dump w%", ".dump --data-only", ".dump --newlines", ".dump --nosys", ".show",
    ".print a 'b c' \"d\\te\" f\\x", ".mode", ".headers", ".bogus", ".mode bogus",
    ".nullvalue", ".separator", ".timer bogus", ".width 3 x -4", ".show",
]


@engines
def test_dot_commands(engine, tmp_path):
    script = "".join(".print === %s\n%s\n" % (c.split()[0], c) for c in DOT_COMMANDS)
    assert_same(engine, tmp_path, ["x.db"], stdin=script, setup=FIXTURE)


@engines
@pytest.mark.parametrize("command", [".exit 7", ".quit", ".exit"])
def test_exit_commands(engine, command, tmp_path):
    assert_same(engine, tmp_path, [":memory:", command, "select 1"])
    assert_same(engine, tmp_path / "stdin", [":memory:"], stdin="select 1;\n%s\nselect 2;\n" % command)


@engines
def test_databases(engine, tmp_path):
    # Both shells run in their own directory, so compare with the path replaced.
    (rc1, out1, _), (rc2, out2, _) = both(engine, tmp_path, ["x.db", ".databases"], setup=FIXTURE)
    assert out1.replace(b"/sqlite3/", b"/X/") == out2.replace(b"/minisql/", b"/X/")
    assert_same(engine, tmp_path / "mem", [":memory:", ".databases"])


@engines
def test_script_errors_continue_and_set_status(engine, tmp_path):
    (rc1, out1, err1), (rc2, out2, err2) = both(engine, tmp_path, ["x.db"], SCRIPT_ERRORS,
                                                FIXTURE)
    assert (rc2, out2) == (rc1, out1) == (1, b"1\n4\n")
    # The first line of each message is sqlite3's; the caret lines that follow
    # need the error offset, which only some connections report.
    lines1 = [ln for ln in err1.splitlines() if ln.startswith((b"Parse", b"Runtime"))]
    lines2 = [ln for ln in err2.splitlines() if ln.startswith((b"Parse", b"Runtime"))]
    assert lines2 == lines1
    assert b"Runtime error near line 4: UNIQUE constraint failed: u.a (19)" in err2


@engines
def test_bail_stops_at_first_error(engine, tmp_path):
    (rc1, out1, _), (rc2, out2, err2) = both(engine, tmp_path, ["-bail", "x.db"],
                                             "select 1;\nselec 2;\nselect 3;\n", FIXTURE)
    assert (rc2, out2) == (rc1, out1) == (1, b"1\n")
    assert err2.startswith(b'Parse error near line 2: near "selec": syntax error')


@engines
@pytest.mark.parametrize("args", [
    ["selec 1"],
    ["select 1", "selec 2", "select 3"],
    ["create table u(a unique); insert into u values(1); insert into u values(1)"],
    ["select abs(-9223372036854775808)"],
    ["select 1;", "", "  ", ";", "select 2"],
    ["select 1", ".print hi", "select 2 ; select 3"],
    [".bogus", "select 1"],
    [".quit", "select 1"],
])
def test_sql_arguments(engine, args, tmp_path):
    (rc1, out1, err1), (rc2, out2, err2) = both(engine, tmp_path, [":memory:"] + args)
    assert (rc2, out2) == (rc1, out1)
    assert err2.split(b"\n")[:1] == err1.split(b"\n")[:1]


@engines
@pytest.mark.parametrize("args", [
    ["-cmd", "selec 1", ":memory:", "select 5"],
    ["-bail", "-cmd", "selec 1", ":memory:", "select 5"],
    ["-cmd", ".mode csv", "-cmd", ".headers on", ":memory:", "select 1 as a, 'x y' as b"],
])
def test_cmd_option(engine, args, tmp_path):
    (rc1, out1, err1), (rc2, out2, err2) = both(engine, tmp_path, args)
    assert (rc2, out2) == (rc1, out1)
    assert err2.split(b"\n")[:1] == err1.split(b"\n")[:1]


@engines
def test_input_grouping_echo_and_changes(engine, tmp_path):
    script = """\
.echo on
.changes on
create table t(a);   insert into t values(1),(2);
-- comment
select * from t; /* c */ select 2
;
  /* a comment
  over two lines */
select 1
go
select 2
/
select 'go
/
';
# a shell comment line
select * from t where 0;
update t set a=a;
create trigger tr after insert on t begin
  select 1;
  select 2;
end;
.print done
select 9"""
    assert_same(engine, tmp_path, [":memory:"], stdin=script)


@engines
def test_unknown_option(engine, tmp_path):
    (rc1, _, err1), (rc2, _, err2) = both(engine, tmp_path, ["-bogus"])
    assert rc1 == rc2 == 1
    # sqlite3 names itself by its argv[0]; the rest of the message is the same.
    assert err2.startswith(b"minisql: ")
    assert err2.split(b": ", 1)[1] == err1.split(b": ", 1)[1]


@engines
def test_output_once_and_read(engine, tmp_path):
    (tmp_path / "sqlite3").mkdir()
    (tmp_path / "minisql").mkdir()
    for d in ("sqlite3", "minisql"):
        (tmp_path / d / "in.sql").write_text("select 'from file';\nselec 1;\nselect 2;\n")
    script = """\
.once once.txt
select 'once';
select 'after once';
.output out.txt
select 'to file';
.print printed
.output
select 'back';
.read in.sql
.read nosuch.sql
.output stdout
select 'end';
"""
    (rc1, out1, err1), (rc2, out2, err2) = both(engine, tmp_path, [":memory:"], script)
    assert (rc2, out2) == (rc1, out1)
    assert err2 == err1.replace(b"  selec 1;\n  ^--- error here\n", b"")
    for name in ("once.txt", "out.txt"):
        assert (tmp_path / "minisql" / name).read_bytes() == \
            (tmp_path / "sqlite3" / name).read_bytes()


@engines
def test_open_switches_database(engine, tmp_path):
    script = """\
create table a(x); insert into a values(1);
.open other.db
create table b(y); insert into b values(2);
.tables
.open x.db
.tables
select * from t where a = 1;
.open
.tables
"""
    assert_same(engine, tmp_path, ["x.db"], stdin=script, setup=FIXTURE)


@engines
def test_stdin_pipe_and_sql_argument(engine, tmp_path):
    """minisql db "SELECT ..." and minisql db < script give what sqlite3 gives."""
    assert_same(engine, tmp_path, ["x.db", "select a, b from t order by a desc limit 3"],
                setup=FIXTURE)
    assert_same(engine, tmp_path / "pipe", ["x.db"],
                stdin="select count(*) from t;\nselect max(a) from t;\n", setup=FIXTURE)


# -- .dump ---------------------------------------------------------------

DUMP_FIXTURE = FIXTURE + """\
create table s(id integer primary key autoincrement, v);
insert into s(v) values('a'), (zeroblob(3)), (3.25);
create table big(k, v);
insert into big select value, printf('%0400d', value) from generate_series(1, 50);
"""


def _contents(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = {}
        for (name,) in con.execute("select name from sqlite_schema where type='table' "
                                   "order by name"):
            out[name] = con.execute('select * from "%s" order by rowid'
                                    % name.replace('"', '""')).fetchall()
        out["schema"] = con.execute("select type, name, tbl_name, sql from sqlite_schema "
                                    "order by name").fetchall()
        return out
    finally:
        con.close()


@engines
def test_dump_matches_and_reloads(engine, tmp_path):
    setup = DUMP_FIXTURE.replace(
        "insert into big select value, printf('%0400d', value) from generate_series(1, 50);",
        "with recursive c(x) as (select 1 union all select x+1 from c where x < 50) "
        "insert into big select x, printf('%0400d', x) from c;")
    out = assert_same(engine, tmp_path, ["x.db", ".dump"], setup=setup)
    assert out.startswith(b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
    assert out.endswith(b"COMMIT;\n")
    # The dump loads into sqlite3 and gives back the same tables and rows.
    rc, _, err = run_sqlite3([str(tmp_path / "reloaded.db")], out)
    assert rc == 0, err
    assert _contents(tmp_path / "reloaded.db") == _contents(tmp_path / "sqlite3" / "x.db")
    # ... and into the minisql shell too.
    rc, _, err = run_minisql(engine, [str(tmp_path / "reloaded2.db")], out)
    assert rc == 0, err
    assert _contents(tmp_path / "reloaded2.db") == _contents(tmp_path / "sqlite3" / "x.db")


# -- .import -------------------------------------------------------------

CSV_FILES = {
    "a.csv": b'name,age,"quoted ""x"" col"\nalice,30,"multi\nline"\nbob,,z\n"c,d",  5 ,\n'
             b'short\nx,y,z,w\n',
    "dups.csv": b'a,a,,b,A\n1,2,3,4,5\n',
    "bom.csv": b'\xef\xbb\xbfx,y\r\n1,2\r\n\r\n3,"4\r\n5"\r\n',
    "bad.csv": b'"abc"def,x\n"unterminated,y\n',
    "pipe.txt": b'a|b\n1|2\n\n3\n',
    "semi.csv": b'a;b\n"x;y";z\n',
}


@engines
@pytest.mark.parametrize("fname", sorted(CSV_FILES))
def test_import(engine, fname, tmp_path):
    for d in ("sqlite3", "minisql"):
        (tmp_path / d).mkdir()
        (tmp_path / d / fname).write_bytes(CSV_FILES[fname])
    cases = [
        [".import --csv %s t" % fname, ".schema"],
        [".import -v --csv %s t" % fname],
        ["create table t(a,b)", ".import --csv %s t" % fname],
        ["create table t(a,b,c,d)", ".import --csv --skip 1 %s t" % fname],
        [".import %s t" % fname],
        [".mode csv", ".import %s t" % fname],
        [".separator ;", ".import %s t" % fname],
        [".mode ascii", ".import %s t" % fname],
    ]
    for case in cases:
        for d in ("sqlite3", "minisql"):
            (tmp_path / d / "x.db").unlink(missing_ok=True)
        assert_same(engine, tmp_path, ["x.db"] + case + [".mode quote", "select * from t"])


@engines
def test_import_usage_errors(engine, tmp_path):
    assert_same(engine, tmp_path, [":memory:"],
                stdin="create table t(x);\n.import /nonexistent t\n.import\n.import a\n")


@engines
def test_import_large_csv(engine, tmp_path):
    rows = "".join("%d,name %d,%s\n" % (i, i, i * 0.5) for i in range(3000))
    for d in ("sqlite3", "minisql"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "big.csv").write_text("id,name,val\n" + rows)
    assert_same(engine, tmp_path, ["x.db", ".import --csv big.csv t",
                                   "select count(*), sum(id), max(name) from t"])
