"""SQLite's printf (engine/printf.py) against the stdlib sqlite3 module:
printf()/format() with random format strings, every float conversion, and
the functions that print REALs (round, quote).  Expected results are always
sqlite3's; text that is not valid UTF-8 is compared byte for byte."""

import functools
import random
import struct

import pytest
from hypothesis import given, settings, strategies as st

from minisql.engine import printf as P
from minisql.engine import functions as F
from test_values import Oracle, agree, mine, floats, sql_values

ARGS = [None, 0, 1, -1, 42, -42, 255, 2**63 - 1, -2**63, 3.7, -2.5, 0.0, -0.0, 1e300,
        1e-300, float("inf"), "abc", "it's", "héllo wörld", "", "12abc", b"xyz", b"",
        '"q"', "a\x00b", "日本語テキスト", 1000000, -1234567, "3.9", b"\xff"]
CONVERSIONS = list("diuxXoszqQwcpr%nfeEgG") + ["y", "T", "S", "l", ""]
FLAGS = ["", "-", "+", " ", "#", "!", "0", ",", "-0", "+0", "#0", "!-", ",0", "+,", "0-"]
WIDTHS = ["", "1", "5", "12", "*", "0", "010", "2147483648"]
PRECISIONS = ["", ".0", ".1", ".3", ".10", ".*", ".", ".40"]


@pytest.fixture(scope="module")
def oracle():
    return Oracle()


def _random_format(rnd):
    fmt = ""
    nstar = 0
    for _ in range(rnd.randint(1, 3)):
        spec = (rnd.choice(FLAGS) + rnd.choice(WIDTHS) + rnd.choice(PRECISIONS)
                + rnd.choice(["", "", "", "l", "ll", "lll"]) + rnd.choice(CONVERSIONS))
        fmt += rnd.choice(["", "x", " - ", "é"]) + "%" + spec
        nstar += spec.count("*")
    return fmt, nstar


def test_printf_random_formats(oracle):
    rnd = random.Random(11)
    for _ in range(12000):
        fmt, nstar = _random_format(rnd)
        args = [rnd.choice(ARGS + [rnd.randint(-30, 30)]) for _ in range(nstar + 3)]
        args = args[:rnd.randint(0, len(args))]
        marks = ",".join(["?"] * (len(args) + 1))
        want = oracle.value(f"printf({marks})", [fmt] + args)
        assert agree(want, mine(F.printf, fmt, *args)), (fmt, args, want)


@pytest.mark.parametrize("conv", ["f", "e", "E", "g", "G"])
def test_printf_float_conversions(oracle, conv):
    rnd = random.Random(ord(conv))
    vals = [0.0, -0.0, 0.5, 1.5, 2.5, 0.125, 2.675, 1e15, 1e16, 1e22, 1e23, 1e-5, 1e-300,
            5e-324, 1.7976931348623157e308, 9.999999999999995, 999999999999999.5,
            float("inf"), -float("inf"), 123456789.123456789]
    for _ in range(1500):
        vals.append(struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0])
        vals.append(round(rnd.uniform(-1000, 1000), rnd.randint(0, 6)))
    vals = [v for v in vals if v == v]
    for v in vals:
        spec = rnd.choice(["", "!", "#", "+", " ", "0", "-"]) + rnd.choice(
            ["", "12", "30"]) + rnd.choice(["", ".0", ".1", ".5", ".15", ".17", ".20", ".40"])
        fmt = "%" + spec + conv
        want = oracle.value("printf(?, ?)", (fmt, v))
        assert agree(want, mine(P.sql_printf, fmt, [v])), (fmt, v, want)


@settings(max_examples=500, deadline=None)
@given(floats, st.integers(0, 35))
def test_round_matches_sqlite(r, n):
    o = _oracle()
    assert agree(o.value("round(?, ?)", (r, n)), mine(F.round_, r, n)), (r, n)
    assert agree(o.value("round(?)", (r,)), mine(F.round_, r)), r


def test_round_near_ties_and_many_digits(oracle):
    rnd = random.Random(4)
    cases = []
    for _ in range(3000):
        d = rnd.randint(0, 10**rnd.randint(1, 15))
        k = rnd.randint(1, 12)
        cases.append((float(f"{d}.{'0' * rnd.randint(0, 3)}5e-{rnd.randint(0, 4)}"), k))
        cases.append((rnd.uniform(-1e6, 1e6), rnd.randint(-3, 33)))
    for r, n in cases:
        assert agree(oracle.value("round(?, ?)", (r, n)), mine(F.round_, r, n)), (r, n)


@settings(max_examples=300, deadline=None)
@given(sql_values, sql_values)
def test_round_any_arguments(x, n):
    assert agree(_oracle().value("round(?, ?)", (x, n)), mine(F.round_, x, n)), (x, n)


@settings(max_examples=500, deadline=None)
@given(floats)
def test_quote_real_matches_sqlite(r):
    assert _oracle().value("quote(?)", (r,))[1] == F.quote(r), r


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="%-+ #!0,.*123456789lsdxXfegqQwcn%é", max_size=12),
       st.lists(sql_values, max_size=4))
def test_printf_hypothesis(fmt, args):
    marks = ",".join(["?"] * (len(args) + 1))
    want = _oracle().value(f"printf({marks})", [fmt] + args)
    assert agree(want, mine(F.printf, fmt, *args)), (fmt, args, want)


def test_printf_null_and_empty_results(oracle):
    for args in [(), (None,), ("",), ("%y",), ("a%y",), ("%",), ("%n",), ("%s", ""),
                 ("%c", ""), ("%-",), ("%5",), (12,), (1.5,), (b"%d", 3)]:
        marks = ",".join(["?"] * len(args))
        want = oracle.value(f"printf({marks})", args)
        assert agree(want, mine(F.printf, *args)), args


@functools.lru_cache(maxsize=None)
def _oracle():
    return Oracle()


@pytest.mark.slow
def test_torture_real_text_and_printf():
    """Many more values than the default run: REAL -> text (fast path and
    emulation both), quote() and round() against sqlite3."""
    o = Oracle()
    rnd = random.Random(99)
    for _ in range(200000):
        r = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
        if r != r:
            continue
        if rnd.random() < 0.5:
            r = float(f"{rnd.randint(1, 10**15)}5e{rnd.randint(-320, 290)}")
        want = o.value("CAST(? AS TEXT)", (r,))[1]
        assert want == P.real_to_text(r), r
        assert want == P._float_text(r, P._GENERIC, 15, "", False, True, "e")[0], r
        assert o.value("quote(?)", (r,))[1] == F.quote(r), r
        n = rnd.randint(0, 20)
        assert agree(o.value("round(?, ?)", (r, n)), mine(F.round_, r, n)), (r, n)
