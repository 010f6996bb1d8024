"""Aggregate functions (engine/aggregates.py) against the stdlib sqlite3
module: the same rows aggregated by both, value and type compared."""

import functools
import random

import pytest
from hypothesis import given, settings, strategies as st

from minisql.engine import aggregates as AG, functions as F, collation as C
from test_values import POOL, Oracle, agree, mine, sql_values

AGGS = ["sum", "total", "avg", "count", "min", "max", "group_concat"]


@pytest.fixture(scope="module")
def oracle():
    o = Oracle()
    o.execute("CREATE TABLE g(x, s)")
    o.execute("CREATE TABLE n(x COLLATE NOCASE)")
    return o


def run(factory, rows):
    agg = factory()
    for args in rows:
        agg.step(*args)
    return agg.finalize()


def fill(oracle, table, rows):
    oracle.execute(f"DELETE FROM {table}")
    width = 1 if table == "n" else 2
    oracle.con.executemany(f"INSERT INTO {table} VALUES ({','.join(['?'] * width)})", rows)


def compare(oracle, sql_agg, factory, rows, table="g"):
    want = oracle.value(f"(SELECT {sql_agg} FROM {table})")
    got = mine(run, factory, rows)
    assert agree(want, got), (sql_agg, rows, want, got)


def _groups(rnd, n):
    small_ints = [0, 1, -1, 5, 2**62, 2**63 - 1, -2**63]
    for _ in range(n):
        kind = rnd.random()
        size = rnd.randint(0, 8)
        if kind < 0.3:
            vals = [rnd.choice(small_ints) for _ in range(size)]
        elif kind < 0.5:
            vals = [rnd.choice([None, 1, 2.5, "3", "x", b"4", 1e308, -1e308]) for _ in range(size)]
        else:
            vals = [rnd.choice(POOL) for _ in range(size)]
        yield vals


@pytest.mark.parametrize("name", AGGS)
def test_aggregates_over_random_groups(oracle, name):
    rnd = random.Random(name)
    factory = F.lookup_aggregate(name, 1)
    for vals in _groups(rnd, 600):
        seps = [rnd.choice([",", "", None, 1, "--", b"|"]) for _ in vals]
        rows = [(v, s) for v, s in zip(vals, seps)]
        fill(oracle, "g", rows)
        compare(oracle, f"{name}(x)", factory, [(v,) for v in vals])
        if name == "group_concat":
            compare(oracle, "group_concat(x, s)", F.lookup_aggregate(name, 2), rows)
        compare(oracle, f"{name}(DISTINCT x)", AG.distinct(factory), [(v,) for v in vals])
    for n in range(3):
        fill(oracle, "g", [(v, None) for v in range(n)])
        compare(oracle, "count(*)", F.lookup_aggregate("count", 0, True), [()] * n)


@settings(max_examples=200, deadline=None)
@given(st.lists(sql_values, max_size=8), st.sampled_from(AGGS))
def test_aggregates_hypothesis(vals, name):
    o = _oracle()
    fill(o, "g", [(v, ",") for v in vals])
    compare(o, f"{name}(x)", F.lookup_aggregate(name, 1), [(v,) for v in vals])
    compare(o, f"{name}(DISTINCT x)", AG.distinct(F.lookup_aggregate(name, 1)),
            [(v,) for v in vals])


@functools.lru_cache(maxsize=None)
def _oracle():
    o = Oracle()
    o.execute("CREATE TABLE g(x, s)")
    return o


def test_sum_overflow_rules(oracle):
    big = 2**63 - 1
    for vals in [[big, 1], [big, 1, 0.5], [0.5, big, 1], [big, -1, 1, 1], [-2**63, -1],
                 [big, 1, -1], [2**62, 2**62], [2**62, 2**62, -1.0], ["9223372036854775807", 1],
                 [big, "1"], [big, "x"], [1e308, 1e308], [1e308, -1e308]]:
        fill(oracle, "g", [(v, None) for v in vals])
        for name in ("sum", "total", "avg"):
            compare(oracle, f"{name}(x)", F.lookup_aggregate(name, 1), [(v,) for v in vals])


def test_min_max_with_collation(oracle):
    rnd = random.Random(6)
    nocase = C.lookup("NOCASE")
    for _ in range(400):
        vals = [rnd.choice(["a", "A", "b", "B", "a ", None, 1, 1.0, b"a", "é", "É"])
                for _ in range(rnd.randint(0, 6))]
        fill(oracle, "n", [(v,) for v in vals])
        for name in ("min", "max"):
            factory = F.lookup(name, 1).aggregate(nocase)
            compare(oracle, f"{name}(x)", factory, [(v,) for v in vals], table="n")
            compare(oracle, f"{name}(DISTINCT x)", AG.distinct(factory, nocase),
                    [(v,) for v in vals], table="n")
        compare(oracle, "count(DISTINCT x)", AG.distinct(AG.Count, nocase),
                [(v,) for v in vals], table="n")


def test_min_max_step_reports_the_new_best():
    agg = AG.Max()
    flags = [agg.step(v) for v in [None, 3, 1, 3, 7, None, 7.0]]
    assert flags == [False, True, False, False, True, False, False]
    assert agg.finalize() == 7
