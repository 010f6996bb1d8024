"""Scalar SQL functions and the function registry (engine/functions.py)
against the stdlib sqlite3 module: every built-in over values of every
storage class, arity and lookup errors, user functions."""

import functools
import itertools
import random

import pytest
from hypothesis import given, settings, strategies as st

from minisql import errors
from minisql.engine import functions as F, collation as C
from test_values import POOL, Oracle, agree, mine, sql_values
from util import BadFinalize, BadInit, BadStep, NoStep, Sum


@pytest.fixture(scope="module")
def oracle():
    return Oracle()


@functools.lru_cache(maxsize=None)
def _oracle():
    return Oracle()


def call(name, *args, collation=None):
    return F.lookup(name, len(args)).scalar(collation)(*args)


def check(oracle, name, args):
    marks = ",".join(["?"] * len(args))
    want = oracle.value(f"{name}({marks})", args)
    got = mine(call, name, *args)
    assert agree(want, got), (name, args, want, got)


ONE_ARG = ["abs", "hex", "length", "likely", "unlikely", "lower", "upper", "ltrim", "rtrim",
           "trim", "quote", "sign", "soundex", "subtype", "typeof", "unicode", "zeroblob",
           "round", "char", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh",
           "degrees", "exp", "radians", "sin", "sinh", "sqrt", "tan", "tanh", "ceil",
           "ceiling", "floor", "trunc", "ln", "log", "log10", "log2",
           "sqlite_compileoption_used"]
TWO_ARG = ["glob", "ifnull", "instr", "ltrim", "rtrim", "trim", "max", "min", "nullif",
           "round", "substr", "substring", "char", "coalesce", "atan2", "pow", "power", "mod",
           "log", "like"]
THREE_ARG = ["iif", "replace", "substr", "substring", "max", "min", "char", "coalesce",
             "like"]


@pytest.mark.parametrize("name", ONE_ARG)
def test_one_argument_functions(oracle, name):
    for a in POOL:
        check(oracle, name, (a,))


@pytest.mark.parametrize("name", TWO_ARG)
def test_two_argument_functions(oracle, name):
    rnd = random.Random(name)
    extra = ["b", "B", "%", "_", " ", "a", "é", 0, 2, -2, 5, -1]
    for a in POOL:
        for b in rnd.sample(POOL, 15) + extra:
            check(oracle, name, (a, b))


@pytest.mark.parametrize("name", THREE_ARG)
def test_three_argument_functions(oracle, name):
    rnd = random.Random(name)
    small = [None, 0, 1, 2, 3, -1, -2, -3, 5, 2**31, -2**31, 2**32 + 2, 1.9, "2", "ab",
             "", b"b", "x"]
    for _ in range(2500):
        a = rnd.choice(POOL + ["hello", "héllo wörld", "aaaa", b"hello"])
        if name in ("substr", "substring"):
            args = (a, rnd.choice(small), rnd.choice(small))
        else:
            args = (a, rnd.choice(POOL + small), rnd.choice(POOL + small))
        check(oracle, name, args)


def test_substr_all_start_and_length_rules(oracle):
    for x in ["hello", "héllo", b"hello", 12345, 1.5, "", "a\x00bc"]:
        for p1, p2 in itertools.product(range(-8, 9), list(range(-8, 9)) + [None]):
            check(oracle, "substr", (x, p1, p2))
        for p1 in range(-8, 9):
            check(oracle, "substr", (x, p1))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ONE_ARG), sql_values)
def test_one_argument_hypothesis(name, a):
    check(_oracle(), name, (a,))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TWO_ARG), sql_values, sql_values)
def test_two_argument_hypothesis(name, a, b):
    check(_oracle(), name, (a, b))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["replace", "substr", "iif", "max", "min", "coalesce", "char"]),
       sql_values, sql_values, sql_values)
def test_three_argument_hypothesis(name, a, b, c):
    check(_oracle(), name, (a, b, c))


def test_variadic_functions(oracle):
    rnd = random.Random(8)
    for _ in range(1500):
        name = rnd.choice(["max", "min", "coalesce", "char", "printf"])
        args = tuple(rnd.choice(POOL) for _ in range(rnd.randint(0, 6)))
        if name == "char":
            args = tuple(rnd.choice([65, 0x10FFFF, 0x110000, -1, 0xD800, 0xDFFF, 0x7F, 0x80,
                                     0x7FF, 0x800, 0xFFFF, 0x10000, None, "66", 2.9, 2**40])
                         for _ in args)
        marks = ",".join(["?"] * len(args))
        want = oracle.value(f"{name}({marks})", args)
        try:
            fd = F.lookup(name, len(args))
        except errors.Error as e:
            got = ("err", type(e).__name__, str(e))
        else:
            if fd.is_agg:           # max(x)/min(x): an aggregate over one row
                got = mine(_one_row_aggregate, fd.aggregate(), args)
            else:
                got = mine(fd.scalar(), *args)
        assert agree(want, got), (name, args, want, got)


def _one_row_aggregate(cls, args):
    agg = cls()
    agg.step(*args)
    return agg.finalize()


def test_min_max_nullif_use_the_collation(oracle):
    nocase = C.lookup("NOCASE")
    for a, b, c in itertools.product(["a", "A", "b", "B", " a", 1, None], repeat=3):
        for name in ("min", "max"):
            want = oracle.value(f"{name}(? COLLATE NOCASE, ?, ?)", (a, b, c))
            fn = F.lookup(name, 3).scalar(nocase)
            assert agree(want, mine(fn, a, b, c)), (name, a, b, c)
        want = oracle.value("nullif(? COLLATE NOCASE, ?)", (a, b))
        assert agree(want, mine(F.lookup("nullif", 2).scalar(nocase), a, b)), (a, b)


def test_math_special_values(oracle):
    specials = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -0.5, 1e308, -1e308, 710, -745, 1e-320,
                float("inf"), -float("inf"), 3, -3, "4", "x"]
    for name in ["sqrt", "exp", "ln", "log10", "log2", "acos", "asin", "acosh", "atanh",
                 "cosh", "sinh", "tan", "sin", "ceil", "floor", "trunc", "sign", "degrees"]:
        for a in specials:
            check(oracle, name, (a,))
    for name in ["pow", "atan2", "mod", "log"]:
        for a, b in itertools.product(specials, repeat=2):
            check(oracle, name, (a, b))
    check(oracle, "pi", ())


def test_context_functions_use_the_connection_state():
    class Ctx:
        def changes(self):
            return 3

        def total_changes(self):
            return 14

        def last_insert_rowid(self):
            return -7
    ctx = Ctx()
    o = Oracle()
    o.execute("CREATE TABLE t(a)")
    o.execute("INSERT INTO t VALUES (1), (2), (3)")
    want = o.rows("SELECT changes(), total_changes(), last_insert_rowid()")[0]
    assert want == (3, 3, 3)          # what sqlite3 reports for the insert above

    class Mirror:
        def changes(self):
            return o.con.execute("SELECT changes()").fetchone()[0]

        def total_changes(self):
            return o.con.total_changes

        def last_insert_rowid(self):
            return o.con.execute("SELECT last_insert_rowid()").fetchone()[0]
    for name in ("changes", "total_changes", "last_insert_rowid"):
        fd = F.lookup(name, 0)
        assert fd.needs_context and not fd.deterministic
        fn = F.lookup_scalar(name, 0)
        assert getattr(fn, "needs_context", False)
        assert fn(Mirror()) == o.rows(f"SELECT {name}()")[0][0]
    assert F.lookup_scalar("changes", 0)(ctx) == 3


def test_random_functions():
    r = [F.lookup_scalar("random", 0)() for _ in range(2000)]
    assert all(type(v) is int and -2**63 < v < 2**63 for v in r)
    assert len(set(r)) == len(r)
    assert any(v < 0 for v in r) and any(v > 0 for v in r)
    o = Oracle()
    for n in [None, -5, 0, 1, 7, "3", 2.9, b"4"]:
        want = o.value("length(randomblob(?))", (n,))
        assert want[1] == len(F.randomblob(n))
        assert type(F.randomblob(n)) is bytes
    for n in [1000000001, 2**62]:
        assert agree(o.value("randomblob(?)", (n,)), mine(F.randomblob, n))
        assert agree(o.value("zeroblob(?)", (n,)), mine(F.zeroblob, n))


def test_version_functions(oracle):
    for name in ("sqlite_version", "sqlite_source_id"):
        check(oracle, name, ())
    for i in range(-1, 3):
        got = F.sqlite_compileoption_get(i)
        assert got is None if i < 0 else got in F.COMPILE_OPTIONS
    # options minisql and this sqlite3 build share answer alike
    for name in ["THREADSAFE", "SQLITE_THREADSAFE", "THREADSAFE=1", "THREADSAFE=2",
                 "THREAD", "soundex", "MAX_LENGTH", "max_length=1000000000", "NOPE", None]:
        check(oracle, "sqlite_compileoption_used", (name,))


def test_likelihood_and_unsupported_functions(oracle):
    # the second argument must be a floating-point literal in [0, 1]
    for text, value in [("0.0", 0.0), ("0.5", 0.5), ("1.0", 1.0), ("1e0", 1e0), (".25", .25),
                        ("1", 1), ("0", 0), ("2.0", 2.0), ("'0.5'", "0.5"), ("?", None),
                        ("-0.5", None), ("1.5e-1", 0.15)]:
        want = oracle.value(f"likelihood('x', {text})", (0.5,) if text == "?" else ())
        got = mine(lambda: (F.check_likelihood(value), call("likelihood", "x", value))[1])
        assert agree(want, got), (text, want, got)
    check(oracle, "load_extension", ("x",))


# -- registry -------------------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "substr(1)", "substr(1,2,3,4)", "coalesce(1)", "coalesce()", "ifnull(1)", "iif(1,2)",
    "max()", "min()", "abs()", "abs(1,2)", "nosuchfn(1)", "NoSuch()", "round(1,2,3)",
    "SUBSTR(1)", "like(1)", "glob(1,2,3)", "count(1,2)", "sum()", "group_concat()",
    "random(1)", "printf()", "char()", "pi(1)", "log(1,2,3)", "total(1,2)",
])
def test_lookup_errors_match_sqlite(oracle, sql):
    name, rest = sql.split("(", 1)
    nargs = 0 if rest == ")" else rest.count(",") + 1
    want = oracle.value(sql)
    try:
        F.lookup(name, nargs)
    except errors.Error as e:
        got = ("err", type(e).__name__, str(e))
    else:
        got = None
    if want[0] == "err":
        assert got == want, sql
    else:
        assert got is None, sql


def test_aggregate_lookup():
    for name, nargs, star, agg in [("count", 0, True, True), ("count", 1, False, True),
                                   ("max", 1, False, True), ("max", 2, False, False),
                                   ("sum", 1, False, True), ("abs", 1, False, False),
                                   ("group_concat", 2, False, True), ("nope", 1, False, False)]:
        assert F.is_aggregate(name, nargs, star) == agg
    assert F.lookup_aggregate("count", 0, True)().finalize() == 0
    with pytest.raises(errors.OperationalError, match=r"misuse of aggregate function sum\(\)"):
        F.lookup_scalar("sum", 1)


# -- user functions ---------------------------------------------------------------------

class _Weird:
    pass


USER_RESULTS = [1, -1, 2**63 - 1, 2**63, -2**63 - 1, 1.5, float("nan"), float("inf"), "t",
                "", b"b", bytearray(b"ba"), memoryview(b"mv"), True, False, None, [1], _Weird(),
                "a\x00b"]


@pytest.mark.parametrize("result", USER_RESULTS, ids=repr)
def test_user_function_results_like_sqlite3(oracle, result):
    def fn(*args):
        return result
    oracle.con.create_function("uf", -1, fn)
    want = oracle.value("uf(1)")
    reg = F.Registry()
    reg.register("uf", -1, fn)
    got = mine(F.lookup_scalar("uf", 1, reg), 1)
    assert agree(want, got), (result, want, got)


def test_user_function_errors_and_overrides(oracle):
    def boom(*args):
        raise ValueError("nope")
    oracle.con.create_function("boom", 1, boom)
    reg = F.Registry()
    reg.register("boom", 1, boom)
    assert agree(oracle.value("boom(1)"), mine(F.lookup_scalar("boom", 1, reg), 1))
    # an application function with any arity overrides the built-in
    oracle.con.create_function("length", -1, lambda *a: "mine")
    reg.register("length", -1, lambda *a: "mine")
    for args in [(1,), ("abc",), (1, 2)]:
        marks = ",".join(["?"] * len(args))
        want = oracle.value(f"length({marks})", args)
        assert agree(want, mine(F.lookup_scalar("length", len(args), reg), *args))
    # arguments reach the function as the values they are
    seen = []
    reg.register("spy", -1, lambda *a: seen.append(a))
    vals = (None, 1, 1.5, "t", b"b")
    F.lookup_scalar("spy", 5, reg)(*vals)
    assert seen == [vals]
    # removing it restores the built-in
    reg.register("length", -1, None)
    assert F.lookup_scalar("length", 1, reg)("abc") == 3
    assert F.lookup_scalar("length", 1, F.Registry())("abc") == 3


class _BigFinal(Sum):
    def finalize(self):
        return 2**64


@pytest.mark.parametrize("cls", [Sum, BadInit, BadStep, BadFinalize, NoStep, _BigFinal],
                         ids=lambda c: c.__name__)
def test_user_aggregates_like_sqlite3(oracle, cls):
    name = "ua" + cls.__name__.lower().strip("_")
    oracle.con.create_aggregate(name, 1, cls)
    want = oracle.value(f"{name}(x) FROM (SELECT 1 AS x UNION ALL SELECT 2)")
    reg = F.Registry()
    reg.register_aggregate(name, 1, cls)

    def run():
        agg = F.lookup_aggregate(name, 1, False, reg)()
        for v in (1, 2):
            agg.step(v)
        return agg.finalize()
    assert agree(want, mine(run)), (cls, want)
