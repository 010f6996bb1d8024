"""SQLite's value semantics over plain Python values.

A value is one of five storage classes, each a plain Python object:

    NULL     None
    INTEGER  int, always within the signed 64-bit range
    REAL     float, never NaN (SQLite turns every NaN into NULL)
    TEXT     str -- UTF-8 text; bytes that are not valid UTF-8 are carried
             as surrogate escapes (bytes.decode("utf-8", "surrogateescape")),
             exactly as storage/record.py decodes them, so every text
             round-trips to the same bytes
    BLOB     bytes

Everything here is a plain function over those values, for the expression
compiler to close over: type conversions (vdbemem.c), affinity
(datatype3.html, vdbe.c applyAffinity), CAST, comparison and sort order
(sqlite3MemCompare), arithmetic and the other operators (vdbe.c OP_Add ...
OP_Concat), and truth values.  Text <-> number conversions are SQLite's own,
digit for digit (atof.py, printf.py).

Affinities are named by the strings 'INTEGER', 'TEXT', 'BLOB', 'REAL',
'NUMERIC'; an expression with no affinity has None.
"""

from functools import lru_cache

from .. import errors
from . import likeglob
from ..atof import atof, atoi64, LARGEST_INT64, SMALLEST_INT64
from .printf import (real_to_text, to_int64, to_double, to_text,  # noqa: F401
                     to_utf8, double_to_int64)
from .collation import BINARY

_TYPENAME = {int: "integer", float: "real", str: "text", bytes: "blob",
             type(None): "null"}

AFFINITIES = ("INTEGER", "TEXT", "BLOB", "REAL", "NUMERIC")
_NUMERIC_AFFS = ("INTEGER", "REAL", "NUMERIC")


def typeof(v):
    """The typeof() function: 'null', 'integer', 'real', 'text' or 'blob'."""
    return _TYPENAME[type(v)]


def real(r):
    """A float result as SQLite stores it: NaN becomes NULL."""
    return None if r != r else r


# -- affinity ---------------------------------------------------------------

@lru_cache(maxsize=1024)
def affinity_of(declared_type):
    """The affinity of a column declared with this type (sqlite3AffinityType).

    Scanning left to right: "INT" anywhere -> INTEGER (and stop); "CHAR",
    "CLOB", "TEXT" -> TEXT; "BLOB" (unless TEXT already) -> BLOB; "REAL",
    "FLOA", "DOUB" (unless TEXT/BLOB already) -> REAL; otherwise NUMERIC.
    No declared type at all -> BLOB."""
    if not declared_type:
        return "BLOB"
    s = declared_type.translate(_ASCII_LOWER_TABLE)
    aff = "NUMERIC"
    for i in range(3, len(s) + 1):
        w4 = s[i - 4:i] if i >= 4 else ""
        if s[i - 3:i] == "int":
            return "INTEGER"
        if w4 in ("char", "clob", "text"):
            aff = "TEXT"
        elif w4 == "blob" and aff in ("NUMERIC", "REAL"):
            aff = "BLOB"
        elif w4 in ("real", "floa", "doub") and aff == "NUMERIC":
            aff = "REAL"
    return aff


_ASCII_LOWER_TABLE = {c: c + 32 for c in range(65, 91)}
_SPACES = " \t\n\v\f\r"
_NUMBER_STARTS = frozenset("+-.0123456789")


def _text_numeric(z, try_for_int):
    """applyNumericAffinity() on a TEXT: the number it spells, or z itself.

    ``try_for_int``: a real with no fractional part becomes an INTEGER (as
    column affinity does), else only a pure integer spelling does."""
    if z.isascii() and z.isdigit() and len(z) < 19:
        return int(z)                        # the common case, decided early
    if z.lstrip(_SPACES)[:1] not in _NUMBER_STARTS:
        return z                             # cannot be a number: 'abc', ''
    rc, r = atof(z)
    if rc <= 0:
        return z
    if rc == 1:
        # "also an int": exact in a double below 2**51, or fits in int64
        i = double_to_int64(r) if r == r else 0
        if r == 0.0 or (float(i) == r and -2251799813685248 <= i < 2251799813685248):
            return i
        irc, i = atoi64(z)
        if irc == 0:
            return i
    if try_for_int:
        return _real_to_int_if_exact(r)
    return r


def _real_to_int_if_exact(r):
    """sqlite3VdbeIntegerAffinity(): a REAL that is an exact int64 becomes one
    (the two extreme int64 values excepted)."""
    if -9223372036854775808.0 < r < 9223372036854775807.0:
        i = int(r)
        if i == r and SMALLEST_INT64 < i < LARGEST_INT64:
            return i
    return r


def _aff_numeric(v):
    t = type(v)
    if t is int:
        return v
    if t is str:
        return _text_numeric(v, True)
    if t is float:
        return _real_to_int_if_exact(v)
    return v


def _aff_real(v):
    t = type(v)
    if t is float:
        # An integral REAL is stored as an integer and read back as REAL,
        # which loses only the sign of -0.0.
        return 0.0 if v == 0.0 else v
    if t is int:
        return float(v)
    if t is str:
        r = _text_numeric(v, True)
        return float(r) if type(r) is int else r
    return v


def _aff_text(v):
    t = type(v)
    if t is int:
        return str(v)
    if t is float:
        return real_to_text(v)
    return v


def _aff_blob(v):
    return v


_AFFINITY_FN = {"INTEGER": _aff_numeric, "NUMERIC": _aff_numeric, "REAL": _aff_real,
                "TEXT": _aff_text, "BLOB": _aff_blob, None: _aff_blob}


def affinity_fn(affinity):
    """The function applying ``affinity`` to a value being stored in a column.

    The result is what reading the column back gives: INTEGER/NUMERIC turn
    numeric-looking text into INTEGER or REAL and integral REALs into
    INTEGER; REAL also yields REAL for integers (SQLite may store an
    integral REAL as an integer on disk, but it reads back as REAL); TEXT
    renders numbers as text; BLOB (and no affinity) changes nothing."""
    return _AFFINITY_FN[affinity]


def apply_affinity(value, affinity):
    """``value`` as stored into a column with ``affinity`` (see affinity_fn)."""
    return _AFFINITY_FN[affinity](value)


# -- conversions for comparisons ------------------------------------------

def numeric_for_compare(v):
    """NUMERIC affinity as a comparison applies it: only TEXT changes, and
    only if it looks like a number (reals stay REAL: '1.0' -> 1.0)."""
    if type(v) is str:
        return _text_numeric(v, False)
    return v


def text_for_compare(v):
    """TEXT affinity as a comparison applies it: numbers become text."""
    t = type(v)
    if t is int:
        return str(v)
    if t is float:
        return real_to_text(v)
    return v


def comparison_affinity(left, right):
    """The affinity a binary comparison applies to both operands.

    ``left``/``right`` are the operands' affinities (None: no affinity, e.g.
    a literal or an expression; 'BLOB' counts as having an affinity, as a
    column without declared type does).  -> 'NUMERIC', 'TEXT' or None."""
    if left is not None and right is not None:
        if left in _NUMERIC_AFFS or right in _NUMERIC_AFFS:
            return "NUMERIC"
        return None
    aff = left if left is not None else right
    if aff in _NUMERIC_AFFS:
        return "NUMERIC"
    if aff == "TEXT":
        return "TEXT"
    return None


def comparison_converter(affinity):
    """The conversion for comparison_affinity()'s result, or None."""
    if affinity == "NUMERIC":
        return numeric_for_compare
    if affinity == "TEXT":
        return text_for_compare
    return None


# -- comparison -------------------------------------------------------------

# storage-class rank in sort order: NULL < numbers < TEXT < BLOB
_RANK = {type(None): 0, int: 1, float: 1, str: 2, bytes: 3}


def compare(a, b, collation=None):
    """sqlite3MemCompare: -1, 0 or 1.  NULL < INTEGER/REAL (by value, int
    against float exactly) < TEXT (by ``collation``, default BINARY) < BLOB
    (memcmp).  Two NULLs compare equal."""
    ra = _RANK[type(a)]
    rb = _RANK[type(b)]
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 2 and collation is not None and collation is not BINARY:
        return collation.cmp(a, b)
    if ra == 0:
        return 0
    return (a > b) - (a < b)


def _compare_binary(a, b):
    ta = type(a)
    if ta is type(b):
        if a is None:
            return 0
        return (a > b) - (a < b)
    ra = _RANK[ta]
    rb = _RANK[type(b)]
    if ra != rb:
        return -1 if ra < rb else 1
    return (a > b) - (a < b)


def compare_fn(collation=None):
    """compare() specialised to one collation: ``f(a, b) -> -1/0/1``."""
    if collation is None or collation is BINARY:
        return _compare_binary
    ccmp = collation.cmp

    def compare_coll(a, b):
        ta = type(a)
        if ta is str and type(b) is str:
            return ccmp(a, b)
        if ta is type(b):
            if a is None:
                return 0
            return (a > b) - (a < b)
        ra = _RANK[ta]
        rb = _RANK[type(b)]
        if ra != rb:
            return -1 if ra < rb else 1
        return (a > b) - (a < b)
    return compare_coll


def sort_key_fn(collation=None):
    """A key function ordering values as compare() does:
    ``sorted(values, key=sort_key_fn(coll))``."""
    tkey = BINARY.key if collation is None else collation.sort_key

    def key(v):
        t = type(v)
        if t is int or t is float:
            return (1, v)
        if t is str:
            return (2, tkey(v))
        if v is None:
            return (0, 0)
        return (3, v)
    return key


# -- truth --------------------------------------------------------------------

def truth(v):
    """sqlite3VdbeBooleanValue: None for NULL, else True/False.

    Numbers are true when non-zero; TEXT and BLOB by their numeric prefix
    ('1abc' and '0.5' are true, 'abc' and '0' false)."""
    t = type(v)
    if t is int or t is float:
        return v != 0
    if v is None:
        return None
    return atof(v)[1] != 0.0


def is_true(v):
    """WHERE-clause truth: NULL counts as false."""
    t = type(v)
    if t is int or t is float:
        return v != 0
    if v is None:
        return False
    return atof(v)[1] != 0.0


def not_(v):
    """NOT v: 1, 0 or None."""
    t = truth(v)
    return None if t is None else (0 if t else 1)


# -- arithmetic -------------------------------------------------------------

def _numeric(v):
    """numericType(): the INTEGER or REAL an arithmetic operand stands for."""
    t = type(v)
    if t is int or t is float:
        return v
    rc, r = atof(v)
    if rc <= 0:
        if rc == 0:
            irc, i = atoi64(v)
            if irc <= 1:
                return i
        return r
    if rc == 1:
        irc, i = atoi64(v)
        if irc == 0:
            return i
    return r


def _real_of(v):
    """sqlite3VdbeRealValue(): what the floating-point path reads."""
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    return atof(v)[1]


def _int_of(v):
    """sqlite3VdbeIntValue(): what % and the bit operators read."""
    t = type(v)
    if t is int:
        return v
    if t is float:
        return double_to_int64(v)
    return atoi64(v)[1]


def _fits(r):
    return -9223372036854775808 <= r <= 9223372036854775807


def add(a, b):
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        r = a + b
        if -9223372036854775808 <= r <= 9223372036854775807:
            return r
        return float(a) + float(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        r = a + b
        return None if r != r else r
    if a is None or b is None:
        return None
    x, y = _numeric(a), _numeric(b)
    if type(x) is int and type(y) is int:
        r = x + y
        if _fits(r):
            return r
    r = _real_of(a) + _real_of(b)
    return None if r != r else r


def sub(a, b):
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        r = a - b
        if -9223372036854775808 <= r <= 9223372036854775807:
            return r
        return float(a) - float(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        r = a - b
        return None if r != r else r
    if a is None or b is None:
        return None
    x, y = _numeric(a), _numeric(b)
    if type(x) is int and type(y) is int:
        r = x - y
        if _fits(r):
            return r
    r = _real_of(a) - _real_of(b)
    return None if r != r else r


def mul(a, b):
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        r = a * b
        if -9223372036854775808 <= r <= 9223372036854775807:
            return r
        return float(a) * float(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        r = a * b
        return None if r != r else r
    if a is None or b is None:
        return None
    x, y = _numeric(a), _numeric(b)
    if type(x) is int and type(y) is int:
        r = x * y
        if _fits(r):
            return r
    r = _real_of(a) * _real_of(b)
    return None if r != r else r


def div(a, b):
    if a is None or b is None:
        return None
    x, y = _numeric(a), _numeric(b)
    if type(x) is int and type(y) is int:
        if y == 0:
            return None
        if not (y == -1 and x == SMALLEST_INT64):
            q = abs(x) // abs(y)            # C division truncates toward zero
            return q if (x < 0) == (y < 0) else -q
    ry = _real_of(b)
    if ry == 0.0:
        return None
    r = _real_of(a) / ry
    return None if r != r else r


def mod(a, b):
    if a is None or b is None:
        return None
    x, y = _numeric(a), _numeric(b)
    if type(x) is int and type(y) is int:
        if y == 0:
            return None
        if y == -1:
            y = 1
        r = abs(x) % abs(y)                 # C: the sign follows the dividend
        return -r if x < 0 else r
    ix, iy = _int_of(a), _int_of(b)
    if iy == 0:
        return None
    if iy == -1:
        iy = 1
    r = abs(ix) % abs(iy)
    return float(-r if ix < 0 else r)


def negate(a):
    """Unary minus, which SQLite compiles as 0 - a."""
    t = type(a)
    if t is int:
        if a == SMALLEST_INT64:
            return 9.223372036854775808e18
        return -a
    if t is float:
        return 0.0 - a
    if a is None:
        return None
    return sub(0, a)


def _to_i64(u):
    u &= 0xFFFFFFFFFFFFFFFF
    return u - (1 << 64) if u >> 63 else u


def bitand(a, b):
    if a is None or b is None:
        return None
    return _int_of(a) & _int_of(b)


def bitor(a, b):
    if a is None or b is None:
        return None
    return _int_of(a) | _int_of(b)


def _shift(x, n, left):
    """OP_ShiftLeft / OP_ShiftRight on int64: negative counts shift the
    other way, counts of 64 or more give 0 (or -1 for a negative value
    shifted right)."""
    if n < 0:
        left = not left
        n = -n if n > -64 else 64
    if n >= 64:
        return 0 if (x >= 0 or left) else -1
    if left:
        return _to_i64(x << n)
    return x >> n                            # arithmetic shift, as SQLite sign-extends


def lshift(a, b):
    if a is None or b is None:
        return None
    return _shift(_int_of(a), _int_of(b), True)


def rshift(a, b):
    if a is None or b is None:
        return None
    return _shift(_int_of(a), _int_of(b), False)


def bitnot(a):
    if a is None:
        return None
    return ~_int_of(a)


def concat(a, b):
    """a || b: TEXT, or None if either side is NULL.  Numbers are rendered as
    text; a BLOB contributes its bytes."""
    ta = type(a)
    tb = type(b)
    if ta is str and tb is str:
        return a + b
    if a is None or b is None:
        return None
    if ta is bytes or tb is bytes:
        return (to_utf8(a) + to_utf8(b)).decode("utf-8", "surrogateescape")
    return to_text(a) + to_text(b)


# -- CAST -------------------------------------------------------------------

def cast_integer(v):
    """CAST(v AS INTEGER): numeric prefix of text, reals truncated toward
    zero (clamped to int64)."""
    t = type(v)
    if t is int or v is None:
        return v
    if t is float:
        return double_to_int64(v)
    return atoi64(v)[1]


def cast_real(v):
    """CAST(v AS REAL)."""
    t = type(v)
    if t is float or v is None:
        return v
    if t is int:
        return float(v)
    return atof(v)[1]


def cast_numeric(v):
    """CAST(v AS NUMERIC) (sqlite3VdbeMemNumerify): numbers unchanged; text
    and blobs become the INTEGER or REAL their prefix spells."""
    t = type(v)
    if t is int or t is float or v is None:
        return v
    rc, r = atof(v)
    if rc == 0 or rc == 1:
        irc, i = atoi64(v)
        if irc <= 1:
            return i
    # sqlite3RealSameAsInt: zero, or an integer exact below 2**51
    if r == 0.0:
        return 0
    if -2251799813685248.0 <= r < 2251799813685248.0 and r == int(r):
        return int(r)
    return r


def cast_text(v):
    """CAST(v AS TEXT)."""
    t = type(v)
    if t is str or v is None:
        return v
    return to_text(v)


def cast_blob(v):
    """CAST(v AS BLOB)."""
    t = type(v)
    if t is bytes or v is None:
        return v
    return to_utf8(v)


_CAST_FN = {"INTEGER": cast_integer, "REAL": cast_real, "NUMERIC": cast_numeric,
            "TEXT": cast_text, "BLOB": cast_blob}


def cast_fn(type_name):
    """The function for CAST(x AS type_name) (the type's affinity decides)."""
    return _CAST_FN[affinity_of(type_name)]


def cast(value, type_name):
    return _CAST_FN[affinity_of(type_name)](value)


# -- LIKE / GLOB (the operators; likeglob.py has the details) ---------------

like = likeglob.like
glob = likeglob.glob


BINARY_OPS = {
    "+": add, "-": sub, "*": mul, "/": div, "%": mod, "||": concat,
    "&": bitand, "|": bitor, "<<": lshift, ">>": rshift,
}


def integer_overflow():
    return errors.OperationalError("integer overflow")
