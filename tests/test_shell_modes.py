"""Every output mode of the minisql shell prints what the sqlite3 shell prints,
byte for byte, for the same queries (mixed types, NULLs, unicode, wide values,
blobs, newlines, empty results)."""
import pytest

from test_shell_support import ENGINES, FIXTURE, assert_same, needs_sqlite3_shell

pytestmark = needs_sqlite3_shell

MODES = ["list", "csv", "tabs", "line", "json", "insert", "insert tbl", "quote",
         "column", "box", "table", "markdown", "html", "tcl", "ascii", "qbox",
         "box --wrap 5", "column --wrap 4 --wordwrap on", "table --quote",
         "markdown --wrap 12 --ww"]

QUERIES = [
    "select * from t",
    "select * from empty",
    'select * from "weird name"',
    "select 1 as x, NULL as y, 'a''b' as z, x'41' as w, 1e308*10 as inf, -1e308*10 as ninf",
    "select b, length(b), typeof(c) from t where a > 3",
    "select a as 'ünï', b as 'a b' from t where a < 3",
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("headers", ["on", "off"])
def test_modes_match_sqlite3(engine, headers, tmp_path):
    # One script runs every mode (one shell start per engine keeps this fast);
    # the .print lines say where a difference starts.
    script = ".headers %s\n" % headers
    for mode in MODES:
        script += ".print === %s\n.mode %s\n" % (mode, mode)
        script += "".join(q + ";\n" for q in QUERIES)
    assert_same(engine, tmp_path, ["x.db"], stdin=script, setup=FIXTURE)


@pytest.mark.parametrize("engine", ENGINES)
def test_settings_shape_output(engine, tmp_path):
    script = """\
.width 5 -8
.mode column
select 'abcdefghij' as a, 'xyz' as b, 3 as c;
.show
.nullvalue (null)
.mode table
select NULL as n, 1;
.mode list
select NULL;
.separator , ;
select 1,2;
.separator \\t \\n
select 'x', 'y';
.mode csv
.separator |
select 'a|b', 'c';
"""
    assert_same(engine, tmp_path, [":memory:"], stdin=script)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("option,header", [
    ("-csv", "-header"), ("-json", "-noheader"), ("-box", "-header"), ("-column", "-noheader"),
    ("-line", "-header"), ("-list", "-header"), ("-markdown", "-noheader"),
    ("-table", "-header"), ("-quote", "-header"), ("-html", "-noheader"), ("-tabs", "-header"),
    ("-ascii", "-noheader"), ("-column", "-header")])
def test_mode_options(engine, option, header, tmp_path):
    assert_same(engine, tmp_path, [option, header, "x.db", "select * from t where a < 5", ".show"],
                setup=FIXTURE)


@pytest.mark.parametrize("engine", ENGINES)
def test_separator_and_nullvalue_options(engine, tmp_path):
    assert_same(engine, tmp_path, ["-separator", ";", "-newline", "~\\n", "-nullvalue", "NIL",
                                   "x.db", "select a, d, e from t", ".show"], setup=FIXTURE)


@pytest.mark.parametrize("engine", ENGINES)
def test_explain_query_plan_tree(engine, tmp_path):
    script = ("create table t(a,b); create index i on t(a);\n"
              "explain query plan select * from t where a=1 union select * from t where b=2;\n"
              "explain query plan select * from t where a in (select b from t) order by b;\n")
    assert_same(engine, tmp_path, [":memory:"], stdin=script)
