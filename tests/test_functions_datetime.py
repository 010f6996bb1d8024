"""Date and time functions (engine/datefuncs.py) against the stdlib sqlite3
module: time strings, numbers, every modifier, chains of modifiers,
strftime formats, and local time in a zone that is not UTC."""

import functools
import os
import random
import time

import pytest
from hypothesis import given, settings, strategies as st

from minisql.engine import functions as F, datefuncs as D
from test_values import Oracle, agree, mine

TIMES = [
    "2023-01-31", "2023-02-31", "2000-02-29 12:34:56", "2000-02-29T12:34:56.789",
    "1970-01-01 00:00:00Z", "2013-10-07 08:23:19.120-04:00", "2013-10-07 08:23:19.12+05:30",
    "2013-10-07 08:23:19 +14:59", "2013-10-07 08:23:19 +15:00", "12:34", "12:34:56.5",
    "23:59:59.9999", "24:00", "0000-01-01", "-4713-11-24 12:00:00", "-0001-06-15",
    "9999-12-31 23:59:59.999", "2451544.5", 2451544.5, 0, 1, 1e9, 1700000000, -1,
    5373484.5, 5373484.49, "1e9", "abc", "", None, "2023-1-1", "2023-01-01 1:2",
    "2023-01-01   10:20", "2023-01-01 10:20 z", " 2023-01-01", "2023-01-01x", 1.5e12,
    "1700000000.5", b"2023-01-01", 2460000.123456789, "2023-06-15 12:00:00\x00junk",
    "1969-12-31 23:59:59.999", "2038-01-19 03:14:08", "1582-10-10",
]
MODIFIERS = [
    "+1 day", "-1 days", "+1 month", "-13 months", "+1.5 months", "+1 year", "+2.75 years",
    "+3 hours", "-90 minutes", "+30.5 seconds", "+12:30", "-01:02:03.5", "+25:00",
    "start of month", "start of year", "start of day", "start of week", "weekday 0",
    "weekday 6", "weekday 7", "weekday 2.5", "unixepoch", "julianday", "auto", "localtime",
    "utc", "+1 fortnight", "START OF MONTH", "+1 DAYS", "+ 1 day", "1 day", "+1day",
    "+1  days", "+1e3 seconds", "nonsense", None, "+5373485 days",
    "+500000000000000 seconds", "-14713 years", "+176545 months", "12", "+1 dayss",
]
FUNCS = ["date", "time", "datetime", "julianday", "unixepoch"]
FORMATS = ["%Y-%m-%d", "%H:%M:%S", "%f", "%j", "%W", "%w", "%J", "%s", "%%", "%Y%", "%x",
           "plain", "", "%d/%m/%Y %H:%M:%f %j %W %w %s", "%S.%f", "%e", "%Y-%m-%d%"]


class Ctx:
    """A connection context whose statement started at a fixed instant."""

    def statement_time(self):
        return 2460000 * 86400000 + 12345678


@pytest.fixture(scope="module")
def oracle():
    return Oracle()


def check(oracle, fn, args):
    marks = ",".join(["?"] * len(args))
    want = oracle.value(f"{fn}({marks})", args)
    got = mine(lambda: F.lookup(fn, len(args)).scalar()(Ctx(), *args))
    assert agree(want, got), (fn, args, want, got)


@pytest.mark.parametrize("fn", FUNCS)
def test_time_values_and_one_modifier(oracle, fn):
    for t in TIMES:
        check(oracle, fn, (t,))
        for m in MODIFIERS:
            check(oracle, fn, (t, m))


def test_chains_of_modifiers(oracle):
    rnd = random.Random(1)
    for _ in range(4000):
        args = (rnd.choice(TIMES),) + tuple(rnd.choice(MODIFIERS)
                                           for _ in range(rnd.randint(1, 4)))
        check(oracle, rnd.choice(FUNCS), args)


def test_strftime(oracle):
    rnd = random.Random(2)
    for t in TIMES:
        for f in FORMATS:
            check(oracle, "strftime", (f, t))
            check(oracle, "strftime", (f, t, rnd.choice(MODIFIERS)))
    for f in [None, 12, b"%Y"]:
        check(oracle, "strftime", (f, "2023-01-01"))


@settings(max_examples=300, deadline=None)
@given(st.integers(-210866760000, 253402300799), st.sampled_from(FUNCS + ["strftime"]),
       st.sampled_from(["unixepoch", "auto", "+1 month", "weekday 3", "start of year"]))
def test_unix_times_hypothesis(t, fn, m):
    o = _oracle()
    args = (t, m) if fn != "strftime" else ("%Y-%m-%d %H:%M:%f %j %W %w %s %J", t, m)
    check(o, fn, args)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"-?[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,4})?)?)?"
                     r"( ?([+-][0-9]{2}:[0-9]{2}|Z))?", fullmatch=True),
       st.sampled_from(FUNCS))
def test_time_strings_hypothesis(t, fn):
    check(_oracle(), fn, (t,))


@functools.lru_cache(maxsize=None)
def _oracle():
    return Oracle()


def test_localtime_and_utc_in_another_time_zone():
    """Run both under a zone with DST; sqlite3's localtime_r and Python's
    time.localtime read the same TZ setting of this process."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset() is not available on this platform")
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        o = Oracle()
        rnd = random.Random(3)
        for t in TIMES + ["2023-03-12 06:30:00", "2023-11-05 05:30:00", "1850-07-01 12:00",
                          "2100-07-01 12:00"]:
            for m in ["localtime", "utc", "start of day"]:
                for fn in ("datetime", "unixepoch"):
                    check(o, fn, (t, m))
                    check(o, fn, (t, m, rnd.choice(["localtime", "utc", "+1 hour"])))
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


def test_now_is_the_statement_time(oracle):
    ctx = Ctx()
    fd = F.lookup("datetime", 1)
    assert fd.needs_context
    a = fd.scalar()(ctx, "now")
    assert a == fd.scalar()(ctx) == F.lookup("current_timestamp", 0).scalar()(ctx)
    assert F.lookup("julianday", 1).scalar()(ctx, "now") == ctx.statement_time() / 86400000.0
    # without a statement clock: the wall clock, as sqlite3 reads it
    want = oracle.value("julianday('now')")[1]
    got = D.julianday(object(), "now")
    assert abs(got - want) < 60 / 86400
    for fn in ("current_date", "current_time", "current_timestamp"):
        want = oracle.value(fn)[1]
        got = F.lookup(fn, 0).scalar()(object())
        assert len(got) == len(want)
