"""The shell's small pieces: statement splitting, quoting, keywords, argument
parsing, and the column layout helpers."""
import ctypes
import sqlite3
import sys
import types

import _sqlite3
import pytest

from test_shell_support import REPO

try:
    import minisql  # noqa: F401
except Exception:   # the package init is mid-construction: load the shell alone
    _m = types.ModuleType("minisql")
    _m.__path__ = [str(REPO / "minisql")]
    sys.modules["minisql"] = _m

from minisql.shell import dot, modes, sqltext  # noqa: E402


def test_keywords_are_sqlite_keywords():
    lib = ctypes.CDLL(_sqlite3.__file__)
    names = set()
    for i in range(lib.sqlite3_keyword_count()):
        p, n = ctypes.c_char_p(), ctypes.c_int()
        lib.sqlite3_keyword_name(i, ctypes.byref(p), ctypes.byref(n))
        names.add(ctypes.string_at(p, n.value).decode())
    assert sqltext.KEYWORDS == names


@pytest.mark.parametrize("name,quoted", [
    ("abc", "abc"), ("_x1", "_x1"), ("table", '"table"'), ("Select", '"Select"'),
    ("a b", '"a b"'), ('a"b', '"a""b"'), ("1abc", '"1abc"'), ("ünï", '"ünï"'), ("", '""'),
])
def test_quote_ident(name, quoted):
    assert sqltext.quote_ident(name) == quoted
    if quoted != '""':
        con = sqlite3.connect(":memory:")
        con.execute("create table %s(x)" % quoted)
        assert con.execute("select name from sqlite_schema").fetchone()[0] == name


def test_split_statements():
    text = ("select 1; select ';' ; -- x;\n /* ; */ ;"
            "create trigger t after insert on a begin select 1; end; select 9")
    assert [s for _, s in sqltext.split_statements(text)] == [
        "select 1;", "select ';' ;",
        "create trigger t after insert on a begin select 1; end;", "select 9"]
    for _, stmt in sqltext.split_statements(text):
        assert sqlite3.complete_statement(stmt) or stmt == "select 9"


def test_is_blank():
    assert sqltext.is_blank("  -- c\n /* x */ ")
    assert not sqltext.is_blank("/* open comment")
    assert sqltext.is_blank(" ; ") and not sqltext.is_blank(" ; ", semicolons=False)


def test_dot_argument_parsing():
    assert dot.split_args(r'''print a "b c"  'd\te' "x\ty" \101''') == [
        "print", "a", "b c", "d\\te", "x\ty", "A"]
    assert dot.resolve_backslashes(r"\q\\\n\0") == "q\\\n\x00"


def test_display_line_wraps_and_expands_tabs():
    assert modes.display_line("a\tb", 0, False) == ("a       b", None)
    assert modes.display_line("abcdef", 4, False) == ("abcd", "ef")
    # Word wrap breaks after the space (kept, as sqlite3 keeps it).
    assert modes.display_line("one two three", 9, True) == ("one two ", "three")
    assert modes.display_line("x\r\ny", 0, False) == ("x", "y")
    assert modes.display_line("\x01\x02", 0, False) == ("", "\x02")
