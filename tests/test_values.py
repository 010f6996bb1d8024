"""Value semantics (engine/values.py, atof.py, collation.py, likeglob.py)
checked against the stdlib sqlite3 module, value AND storage class.

Every expected result comes from running the same operation through
sqlite3: ``SELECT <expr>`` with the operands bound as parameters, inserts
into columns of many declared types, ORDER BY over mixed values.  The
``Oracle`` and ``same`` helpers here are also used by test_functions*.py.
"""

import functools
import itertools
import math
import random
import sqlite3
import struct

import pytest
from hypothesis import given, settings, strategies as st

from minisql import errors
from minisql import atof as A, ldouble as LD
from minisql.engine import values as V, collation as C, likeglob
from minisql.engine import functions as F

INF = float("inf")

# Values of every storage class, edges included.
POOL = [
    None,
    0, 1, -1, 2, 3, 7, -7, 63, 64, -64, 100, 2**31 - 1, 2**31, 2**32 + 2, 2**53 + 1,
    2**62, 2**63 - 1, -2**63, -2**63 + 1,
    0.0, -0.0, 0.5, -2.5, 1.5, 3.9, 2.675, 0.125, 1e15, 1e16, 1e20, 1e-5, 1e300, -1e300,
    1e-300, 5e-324, 1.7976931348623157e308, INF, -INF, 9.223372036854775807e18,
    0.1 + 0.2, 4503599627370496.5, 123456789012345678.0,
    "", " ", "abc", "ABC", "aBc", "12", " 12 ", "12abc", "1e5", "1e", "1.", ".5", "0x10",
    "-0", "-0.0", "+5", "-", "9223372036854775807", "9223372036854775808",
    "-9223372036854775809", "1e400", "1e-400", " -3.5e2x", "\t7\n", "inf", "Inf", "é",
    "ÉCOLE", "日本", "a\x00b", "it's", "a%b_c", "  pad  ", "1.0", "100.000", "0001",
    "2251799813685247.0", "2251799813685248.0", "4503599627370497", "1.5e", "١٢",
    b"", b"12", b"abc", b"\x00\xff", b"1.5", b"\xc3\xa9", b" 7 ",
]


def same(a, b):
    """Equal value and storage class; REALs compared bit for bit (-0.0)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return a == b and math.copysign(1, a) == math.copysign(1, b) or (a != a and b != b)
    return a == b


class _RawText(bytes):
    """What sqlite3 hands back for a TEXT value: its bytes, marked as text."""


def _from_sqlite(v):
    if type(v) is _RawText:
        return bytes(v).decode("utf-8", "surrogateescape")
    return v


class Oracle:
    """Runs SQL through stdlib sqlite3.  TEXT comes back as its raw bytes and
    is decoded the way minisql carries text (surrogate escapes for invalid
    UTF-8), so results that are not valid UTF-8 still compare."""

    def __init__(self):
        self.con = sqlite3.connect(":memory:")
        self.con.text_factory = _RawText

    def execute(self, sql, params=()):
        return self.con.execute(sql, params)

    def value(self, expr, params=()):
        """-> ('ok', value) or ('err', ExceptionName, message)."""
        try:
            row = self.con.execute(f"SELECT {expr}", params).fetchone()
        except sqlite3.Error as e:
            return ("err", type(e).__name__, str(e))
        return ("ok", _from_sqlite(row[0]))

    def rows(self, sql, params=()):
        return [tuple(map(_from_sqlite, r)) for r in self.con.execute(sql, params)]


def mine(fn, *args):
    """Call one of ours -> the same shape as Oracle.value()."""
    try:
        return ("ok", fn(*args))
    except errors.Error as e:
        return ("err", type(e).__name__, str(e))


def agree(want, got):
    if want[0] != got[0]:
        return False
    if want[0] == "err":
        return want[1:] == got[1:]
    return same(want[1], got[1])


@pytest.fixture(scope="module")
def oracle():
    return Oracle()


# Hypothesis strategies for SQL values -----------------------------------------

numeric_text = st.from_regex(
    r"[ \t]?[+-]?[0-9]{0,21}(\.[0-9]{0,21})?([eE][+-]?[0-9]{0,4})?[ \t]?(x|e|\.)?",
    fullmatch=True)
texts = st.one_of(numeric_text, st.text(max_size=12),
                  st.text(alphabet="aAbB01. e-+%_\x00é", max_size=10))
floats = st.one_of(st.floats(allow_nan=False),
                   st.integers(0, 2**64 - 1).map(
                       lambda b: struct.unpack("<d", struct.pack("<Q", b))[0])
                   .filter(lambda f: f == f))
sql_values = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), floats, texts,
                       st.binary(max_size=8), st.sampled_from(POOL))


# -- affinity -----------------------------------------------------------------

DECLARED_TYPES = [
    None, "", "INTEGER", "INT", "TINYINT", "BIGINT", "UNSIGNED BIG INT", "INT8",
    "CHARACTER(20)", "VARCHAR(255)", "NCHAR(55)", "NATIVE CHARACTER(70)", "NVARCHAR(100)",
    "TEXT", "CLOB", "BLOB", "REAL", "DOUBLE", "DOUBLE PRECISION", "FLOAT", "NUMERIC",
    "DECIMAL(10,5)", "BOOLEAN", "DATE", "DATETIME", "CHARINT", "POINT", "FLOATING POINT",
    "BLOBTEXT", "TEXTBLOB", "REALBLOB", "BLOBREAL", "STRING", "ANY", "int", "Text",
    "bLoB", "xINTy", "intege", "doub", "floa", "rea", "chaR", "clobber", "textual",
    "blobby", "VARCHARINT", "TEXTREAL", "REALTEXT", "DOUBLEBLOB", "ΙNT", "INTÉ",
]

# One value per affinity-revealing probe: '1' and 1.0 and ' 2 ' come back
# with a distinct (type, value) signature for each of the five affinities.
PROBES = ["1", 1.0, " 2 ", 3, b"4"]


def _quote_ident_type(t):
    return "" if t is None else t


def test_affinity_of_matches_sqlite_declared_types(oracle):
    for i, t in enumerate(DECLARED_TYPES):
        name = f"a{i}"
        oracle.execute(f'CREATE TABLE {name}(c {_quote_ident_type(t)})')
        for p in PROBES:
            oracle.execute(f"INSERT INTO {name} VALUES (?)", (p,))
        got = [r[0] for r in oracle.rows(f"SELECT c FROM {name} ORDER BY rowid")]
        aff = V.affinity_of(t)
        assert aff in V.AFFINITIES
        want = [V.apply_affinity(p, aff) for p in PROBES]
        assert all(same(g, w) for g, w in zip(got, want)), (t, aff, got, want)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[A-Za-z][A-Za-z ]{0,12}", fullmatch=True))
def test_affinity_of_random_type_names(t):
    """CAST uses the same type-name rules as column declarations."""
    o = _shared_oracle()
    for p in PROBES:
        want = o.value(f"CAST(? AS {t})", (p,))
        if want[0] == "err":        # e.g. a keyword that is not a type name
            continue
        assert same(want[1], V.cast(p, t)), (t, p, want)


def test_apply_affinity_every_pool_value(oracle):
    types = ["INTEGER", "REAL", "NUMERIC", "TEXT", "BLOB", ""]
    oracle.execute("CREATE TABLE aff(%s)" % ", ".join(f"c{i} {t}" for i, t in enumerate(types)))
    for v in POOL:
        oracle.execute("DELETE FROM aff")
        oracle.execute("INSERT INTO aff VALUES (?,?,?,?,?,?)", [v] * 6)
        row = oracle.rows("SELECT * FROM aff")[0]
        for t, got in zip(types, row):
            want = V.apply_affinity(v, V.affinity_of(t))
            assert same(got, want), (t, v, got, want)


@settings(max_examples=300, deadline=None)
@given(sql_values)
def test_apply_affinity_hypothesis(v):
    o = _shared_oracle()
    o.execute("DELETE FROM aff")
    o.execute("INSERT INTO aff VALUES (?,?,?,?,?)", [v] * 5)
    row = o.rows("SELECT * FROM aff")[0]
    for t, got in zip(["INTEGER", "REAL", "NUMERIC", "TEXT", "BLOB"], row):
        assert same(got, V.apply_affinity(v, t)), (t, v, got)


@functools.lru_cache(maxsize=None)
def _shared_oracle():
    o = Oracle()
    o.execute("CREATE TABLE aff(i INTEGER, r REAL, n NUMERIC, t TEXT, b BLOB)")
    return o


# -- CAST -------------------------------------------------------------------------

CAST_TYPES = ["INTEGER", "REAL", "NUMERIC", "TEXT", "BLOB", "INT", "VARCHAR(10)",
              "FLOATING POINT", "xyz", "DOUBLE"]


def test_cast_every_pool_value(oracle):
    for t in CAST_TYPES:
        for v in POOL:
            want = oracle.value(f"CAST(? AS {t})", (v,))
            assert agree(want, mine(V.cast, v, t)), (t, v, want)


@settings(max_examples=300, deadline=None)
@given(sql_values, st.sampled_from(["INTEGER", "REAL", "NUMERIC", "TEXT", "BLOB"]))
def test_cast_hypothesis(v, t):
    want = _shared_oracle().value(f"CAST(? AS {t})", (v,))
    assert agree(want, mine(V.cast_fn(t), v)), (t, v, want)


# -- text <-> number ----------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(numeric_text)
def test_atof_matches_cast_as_real(s):
    want = _shared_oracle().value("CAST(? AS REAL)", (s,))
    assert same(want[1], A.atof(s)[1]), (s, want)


@settings(max_examples=300, deadline=None)
@given(numeric_text)
def test_atoi64_matches_cast_as_integer(s):
    want = _shared_oracle().value("CAST(? AS INTEGER)", (s,))
    assert same(want[1], A.atoi64(s)[1]), (s, want)


def test_atof_long_and_extreme_spellings(oracle):
    rnd = random.Random(5)
    cases = ["0." + "0" * 330 + "1", "1" + "0" * 400, "9" * 25, "0.1" + "9" * 30,
             "123456789012345678901234567890e-10", "1e-320", "2.4703282292062327e-324",
             "2.4703282292062328e-324", "1.7976931348623158e308", "1.7976931348623159e308",
             "4.9406564584124654e-324", "1e99999", "1e-99999", "-1e-99999"]
    for _ in range(3000):
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 30)))
        cut = rnd.randint(0, len(digits))
        cases.append(f"{digits[:cut]}.{digits[cut:]}e{rnd.randint(-340, 320)}")
        cases.append(repr(rnd.uniform(-1, 1) * 10 ** rnd.randint(-320, 308)))
    for s in cases:
        want = oracle.value("CAST(? AS REAL)", (s,))
        assert same(want[1], A.atof(s)[1]), (s, want)


def test_numeric_literals_read_as_sqlite_reads_them():
    """A REAL literal in SQL text goes through SQLite's own conversion, not a
    correctly rounded one: the two differ near the ends of the double range."""
    import minisql
    rnd = random.Random(7)
    cases = ["1.7473698359183916e-298", "17473698359183916e-314", "99999999999999999999",
             "1e999", "0.1", ".5e-3", "123456789012345678901234567890.5"]
    for _ in range(300):
        cases.append(f"{rnd.uniform(0, 10):.17g}e{rnd.randint(-330, 308)}")
    sql = "SELECT " + ", ".join(cases)
    want = sqlite3.connect(":memory:").execute(sql).fetchone()
    got = minisql.connect(":memory:").execute(sql).fetchone()
    assert [same(w, g) for w, g in zip(want, got)] == [True] * len(cases), \
        [(c, w, g) for c, w, g in zip(cases, want, got) if not same(w, g)]


@settings(max_examples=1000, deadline=None)
@given(floats)
def test_real_to_text_matches_sqlite(r):
    want = _shared_oracle().value("CAST(? AS TEXT)", (r,))
    assert want[1] == V.real_to_text(r), (r, want)


def test_real_to_text_fast_path_agrees_with_emulation():
    """The correctly-rounded shortcut must equal the long double emulation,
    especially next to rounding ties where it has to step aside."""
    from minisql.engine import printf as P
    rnd = random.Random(9)
    vals = []
    for _ in range(4000):
        vals.append(struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0])
        # values whose 16th significant digit is a 5: ties for %.15g
        d = rnd.randint(10**14, 10**15 - 1)
        vals.append(float(f"{d}5e{rnd.randint(-300, 290)}"))
        vals.append(float(f"{d}49999e{rnd.randint(-300, 290)}"))
    for r in vals:
        if r != r:
            continue
        slow = P._float_text(r, P._GENERIC, 15, "", False, True, "e")[0]
        assert V.real_to_text(r) == slow, r


def test_real_to_text_and_quote_edge_values(oracle):
    for r in [v for v in POOL if type(v) is float] + [1e100, 1e-100, 9.999999999999995,
                                                     999999999999999.5, 1e22, 1e23]:
        assert oracle.value("CAST(? AS TEXT)", (r,))[1] == V.real_to_text(r), r
        assert oracle.value("quote(?)", (r,))[1] == F.quote(r), r


def test_ldouble_matches_hardware_long_double():
    np = pytest.importorskip("numpy", reason="numpy provides the hardware long double")
    if np.finfo(np.longdouble).nmant != 63:
        pytest.skip("this machine's long double is not the x87 80-bit format")
    from fractions import Fraction

    def exact(x):
        m, e = np.frexp(x)
        return Fraction(int(np.ldexp(m, 64))) * Fraction(2) ** (int(e) - 64)

    def ours(a):
        return Fraction(a[0]) * Fraction(2) ** a[1]
    rnd = random.Random(1)
    for _ in range(5000):
        x = rnd.uniform(0, 1e3) * 10 ** rnd.randint(-30, 30)
        y = rnd.uniform(0, 1e3) * 10 ** rnd.randint(-30, 30)
        X, Y = np.longdouble(x), np.longdouble(y)
        a, b = LD.from_float(x), LD.from_float(y)
        assert ours(LD.mul(LD.mul(a, b), b)) == exact(X * Y * Y)
        assert ours(LD.div(LD.div(a, b), b)) == exact(X / Y / Y)
        assert ours(LD.add(LD.mul(a, b), b)) == exact(X * Y + Y)
        assert LD.to_float(LD.div(a, b)) == float(X / Y)


# -- operators ------------------------------------------------------------------------

BINARY = {"+": V.add, "-": V.sub, "*": V.mul, "/": V.div, "%": V.mod, "&": V.bitand,
          "|": V.bitor, "<<": V.lshift, ">>": V.rshift, "||": V.concat}


@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_operator_every_pool_pair(oracle, op):
    fn = BINARY[op]
    assert V.BINARY_OPS[op] is fn
    for a, b in itertools.product(POOL, POOL):
        want = oracle.value(f"? {op} ?", (a, b))
        assert agree(want, mine(fn, a, b)), (a, op, b, want)


@settings(max_examples=400, deadline=None)
@given(sql_values, sql_values, st.sampled_from(sorted(BINARY)))
def test_binary_operators_hypothesis(a, b, op):
    want = _shared_oracle().value(f"? {op} ?", (a, b))
    assert agree(want, mine(BINARY[op], a, b)), (a, op, b, want)


@pytest.mark.parametrize("op,fn", [("-", V.negate), ("~", V.bitnot), ("NOT ", V.not_),
                                   ("+", lambda v: v)])
def test_unary_operators(oracle, op, fn):
    for a in POOL:
        want = oracle.value(f"{op}?", (a,))
        assert agree(want, mine(fn, a)), (op, a, want)


def test_truth_values(oracle):
    for a in POOL:
        want = oracle.value("CASE WHEN ? THEN 1 WHEN NOT ? THEN 0 END", (a, a))[1]
        t = V.truth(a)
        assert want == (None if t is None else int(t)), a
        assert V.is_true(a) == (want == 1)


def test_integer_overflow_goes_real_and_division_truncates(oracle):
    # spot the interesting corners explicitly, on top of the pool products
    for expr, args, fn in [("? + ?", (2**63 - 1, 1), V.add), ("? * ?", (2**62, 4), V.mul),
                           ("? - ?", (-2**63, 1), V.sub), ("? / ?", (-2**63, -1), V.div),
                           ("? % ?", (-2**63, -1), V.mod), ("? / ?", (-7, 2), V.div),
                           ("? % ?", (-7, 2), V.mod), ("? % ?", (7.5, -2), V.mod),
                           ("? / ?", (1, 0.0), V.div), ("? - ?", (INF, INF), V.sub)]:
        assert agree(oracle.value(expr, args), mine(fn, *args)), (expr, args)


# -- comparison -------------------------------------------------------------------------

CMP_OPS = {"=": lambda c: c == 0, "<>": lambda c: c != 0, "<": lambda c: c < 0,
           "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0}


def _expected_compare(op, a, b, conv, coll=None):
    if op in ("IS", "IS NOT"):
        if a is None or b is None:
            eq = a is None and b is None
            return int(eq == (op == "IS"))
    elif a is None or b is None:
        return None
    if conv is not None:
        a, b = conv(a), conv(b)
    c = V.compare_fn(coll)(a, b)
    if op == "IS":
        return int(c == 0)
    if op == "IS NOT":
        return int(c != 0)
    return int(CMP_OPS[op](c))


def test_comparisons_with_column_affinity(oracle):
    """A column with affinity against a bound value (no affinity) and against
    every other column: SQLite converts per comparison_affinity()."""
    cols = {"i": "INTEGER", "r": "REAL", "n": "NUMERIC", "t": "TEXT", "b": "BLOB"}
    oracle.execute("CREATE TABLE cmp(i INTEGER, r REAL, n NUMERIC, t TEXT, b BLOB)")
    ops = list(CMP_OPS) + ["IS", "IS NOT"]
    rnd = random.Random(2)
    for a in POOL:
        oracle.execute("DELETE FROM cmp")
        oracle.execute("INSERT INTO cmp VALUES (?,?,?,?,?)", [a] * 5)
        stored = dict(zip("irntb", oracle.rows("SELECT * FROM cmp")[0]))
        for col, aff in cols.items():
            conv = V.comparison_converter(V.comparison_affinity(aff, None))
            for b in rnd.sample(POOL, 10):
                for op in ops:
                    want = oracle.rows(f"SELECT {col} {op} ? FROM cmp", (b,))[0][0]
                    assert want == _expected_compare(op, stored[col], b, conv), \
                        (col, stored[col], op, b)
                    want = oracle.rows(f"SELECT ? {op} {col} FROM cmp", (b,))[0][0]
                    assert want == _expected_compare(op, b, stored[col], conv), \
                        (b, op, col, stored[col])
            for col2, aff2 in cols.items():
                conv = V.comparison_converter(V.comparison_affinity(aff, aff2))
                for op in ("=", "<", ">="):
                    want = oracle.rows(f"SELECT {col} {op} {col2} FROM cmp")[0][0]
                    assert want == _expected_compare(op, stored[col], stored[col2], conv), \
                        (col, op, col2, a)


def test_comparison_affinity_of_literals_and_casts(oracle):
    # CAST gives an expression an affinity; a literal has none
    for a in POOL:
        for b in ["12", 12, "12.0", 12.0, " 12", "abc", b"12"]:
            for t1, t2 in [("TEXT", None), ("INTEGER", None), ("REAL", "TEXT"),
                           (None, None), ("BLOB", None), ("NUMERIC", "BLOB")]:
                left = f"CAST(? AS {t1})" if t1 else "?"
                right = f"CAST(? AS {t2})" if t2 else "?"
                want = oracle.rows(f"SELECT {left} = {right}", (a, b))[0][0]
                x = V.cast(a, t1) if t1 else a
                y = V.cast(b, t2) if t2 else b
                conv = V.comparison_converter(V.comparison_affinity(
                    V.affinity_of(t1) if t1 else None, V.affinity_of(t2) if t2 else None))
                assert want == _expected_compare("=", x, y, conv), (a, t1, b, t2)


@pytest.mark.parametrize("coll", ["BINARY", "NOCASE", "RTRIM"])
def test_sort_order_mixed_values(oracle, coll):
    vals = POOL + ["b", "B", "a ", "a", "A", "a  ", "", "\x00", "a\x00", "A\x00b", "A\x00c",
                   "ab", "a\x00\x00", "Z", "z", "é", "É", "zz"]
    oracle.execute("CREATE TABLE IF NOT EXISTS s(x)")
    oracle.execute("DELETE FROM s")
    oracle.con.executemany("INSERT INTO s VALUES (?)", [(v,) for v in vals])
    want = [r[0] for r in oracle.rows(f"SELECT x FROM s ORDER BY x COLLATE {coll}, rowid")]
    c = C.lookup(coll)
    by_key = sorted(vals, key=V.sort_key_fn(c))
    by_cmp = sorted(vals, key=functools.cmp_to_key(lambda p, q: V.compare(p, q, c)))

    def norm(seq):
        return [(type(v).__name__, repr(v)) for v in seq]
    assert norm(by_key) == norm(want)
    assert norm(by_cmp) == norm(want)


@settings(max_examples=300, deadline=None)
@given(sql_values, sql_values, st.sampled_from(["BINARY", "NOCASE", "RTRIM"]))
def test_compare_hypothesis(a, b, coll):
    o = _shared_oracle()
    c = C.lookup(coll)
    for op in ("<", "=", ">"):
        want = o.rows(f"SELECT ? {op} ? COLLATE {coll}", (a, b))[0][0]
        assert want == _expected_compare(op, a, b, None, c), (a, op, b, coll)
    ka, kb = V.sort_key_fn(c)(a), V.sort_key_fn(c)(b)
    assert ((ka > kb) - (ka < kb)) == V.compare(a, b, c)


def test_user_collation_like_sqlite3(oracle):
    def rev(x, y):
        return (x < y) - (x > y)

    def huge(x, y):
        return (2**70) * ((x < y) - (x > y))

    def silly(x, y):
        return "not an int"

    def broken(x, y):
        raise ValueError("boom")
    vals = ["b", "a", "c", "B", 1, None, b"x", "aa", "a"]
    sql = (f"SELECT x FROM (SELECT column1 AS x FROM (VALUES {','.join(['(?)'] * len(vals))}))"
           " ORDER BY x COLLATE {}")
    for name, fn in [("rev", rev), ("huge", huge), ("silly", silly)]:
        oracle.con.create_collation(name, fn)
        want = [r[0] for r in oracle.rows(sql.format(name), vals)]
        reg = C.new_registry()
        C.create_collation(reg, name, fn)
        got = sorted(vals, key=V.sort_key_fn(C.lookup(name.upper(), reg)))
        if name == "silly":
            # every text pair is "equal": only the storage classes order
            assert [type(v) for v in got] == [type(v) for v in want]
            assert sorted(map(str, got)) == sorted(map(str, want))
        else:
            assert got == want
    oracle.con.create_collation("broken", broken)
    with pytest.raises(ValueError, match="boom"):
        oracle.rows(sql.format("broken"), vals)
    reg = C.new_registry()
    C.create_collation(reg, "broken", broken)
    with pytest.raises(ValueError, match="boom"):
        sorted(vals, key=V.sort_key_fn(C.lookup("broken", reg)))
    reg = C.new_registry()
    C.create_collation(reg, "rev", rev)
    C.create_collation(reg, "rev", None)
    with pytest.raises(errors.OperationalError, match="no such collation sequence: rev"):
        C.lookup("rev", reg)
    with pytest.raises(sqlite3.OperationalError, match="no such collation sequence: nope"):
        oracle.execute("SELECT 'a' < 'b' COLLATE nope")
    with pytest.raises(errors.OperationalError, match="no such collation sequence: nope"):
        C.lookup("nope", reg)


# -- LIKE / GLOB ------------------------------------------------------------------------

def _like_cases(rnd, n):
    alpha = "aAbB_%*?[]^-\\xé É!z0"
    for _ in range(n):
        p = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 8)))
        s = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 10)))
        esc = rnd.choice([None, None, "\\", "a", "%", "_", "é", "", "ab", None])
        if rnd.random() < 0.05:
            s = rnd.choice([None, 12, 1.5, b"ab", "a\x00b"])
        if rnd.random() < 0.05:
            p = rnd.choice([None, 12, b"a%", "%\x00x"])
        yield p, s, esc


def test_like_and_glob_random_patterns(oracle):
    for p, s, esc in _like_cases(random.Random(3), 6000):
        if esc is None:
            want = oracle.value("? LIKE ?", (s, p))
            got = mine(likeglob.like, p, s)
        else:
            want = oracle.value("? LIKE ? ESCAPE ?", (s, p, esc))
            got = mine(likeglob.like, p, s, esc)
        assert agree(want, got), ("LIKE", s, p, esc, want, got)
        assert V.like is likeglob.like
        if esc is None:
            assert agree(want, mine(lambda: likeglob.like_fn(p)(s))), (s, p)
        else:
            assert agree(want, mine(lambda: likeglob.like_fn(p, esc)(s))), (s, p, esc)
        want = oracle.value("? GLOB ?", (s, p))
        assert agree(want, mine(V.glob, p, s)), ("GLOB", s, p, want)
        assert agree(want, mine(lambda: likeglob.glob_fn(p)(s))), ("GLOB", s, p, want)
        want = oracle.value("like(?, ?)", (p, s))
        assert agree(want, mine(likeglob.like, p, s)), ("like()", p, s, want)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab%_*?[^]-", max_size=8), st.text(alphabet="abAB-]^", max_size=10))
def test_like_glob_hypothesis(p, s):
    o = _shared_oracle()
    assert agree(o.value("? LIKE ?", (s, p)), mine(likeglob.like, p, s)), (s, p)
    assert agree(o.value("? GLOB ?", (s, p)), mine(likeglob.glob, p, s)), (s, p)


def test_like_limits_and_case_rules(oracle):
    big = "a" * 50001
    for args in [(big, "a"), ("a" * 50000, "a"), ("é" * 25001, "x"), (big, None)]:
        assert agree(oracle.value("like(?, ?)", args), mine(likeglob.like, *args)), len(args[0])
    # only ASCII letters fold
    for p, s in [("ä", "Ä"), ("a", "A"), ("ǅ", "ǆ"), ("k", "\u212a"), ("i", "İ"), ("ß", "SS")]:
        assert agree(oracle.value("? LIKE ?", (s, p)), mine(likeglob.like, p, s))
    # PRAGMA case_sensitive_like
    oracle.execute("PRAGMA case_sensitive_like = 1")
    try:
        for p, s in [("a%", "A"), ("a%", "abc"), ("_B", "ab")]:
            want = oracle.value("? LIKE ?", (s, p))
            assert agree(want, mine(likeglob.like, p, s, likeglob._MISSING, True))
    finally:
        oracle.execute("PRAGMA case_sensitive_like = 0")


def test_like_is_not_exponential():
    # a pattern that makes naive backtracking explode stays fast
    m = likeglob.compile_like("%a%a%a%a%a%a%a%a%b")
    assert not m("a" * 3000)
    assert likeglob.compile_glob("*a*a*a*a*a*a*a*b")("a" * 3000 + "b")
