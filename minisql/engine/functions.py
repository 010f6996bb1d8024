"""SQL functions: the built-in scalar functions of SQLite 3.40 (func.c and
the math functions of this build), the registry that also holds the
aggregates (aggregates.py) and date/time functions (datefuncs.py), and the
wrappers for application-defined functions.

Registry
    ``lookup(name, nargs, registry)`` finds a FuncDef the way
    sqlite3FindFunction does: an application-defined function (from
    create_function/create_aggregate) whose name matches and that takes
    exactly ``nargs`` arguments, or any number (-1), wins over every
    built-in; among built-ins, the same.  Unknown names raise
    ``no such function: NAME``; a known name with no matching arity raises
    ``wrong number of arguments to function NAME()``.  Each connection has
    its own ``Registry`` of user functions (``register``,
    ``register_aggregate``).

Calling a FuncDef
    scalar:     ``fd.scalar(collation)(*args)``, or ``(ctx, *args)`` when
                ``fd.needs_context`` -- ctx is the connection state, any
                object with ``changes()``, ``total_changes()`` and
                ``last_insert_rowid()``, and optionally ``statement_time()``
                (the julian day * 86400000 at which the statement started,
                for 'now' in the date and time functions).
    aggregate:  ``agg = fd.aggregate(collation)(); agg.step(*args) ...;
                agg.finalize()``.
    ``collation`` (a collation.Collation or None for BINARY) matters only
    when ``fd.needs_collation``: min(), max(), nullif() compare their
    arguments with the collation of the first argument that has one.
    ``fd.lazy`` marks coalesce/ifnull/iif, whose arguments SQLite evaluates
    only as needed: the compiler should not evaluate them all up front (the
    plain functions here are still correct on evaluated arguments).

Values in, values out: None, int, float, str, bytes, as values.py defines.
Every float result passes through values.real() so NaN becomes NULL.
"""

import math
import os
import random as _random
import re

from .. import errors
from . import values as V
from . import aggregates as A
from . import datefuncs as D
from . import likeglob
from .printf import (sql_printf, quote_real, round_real, to_int64, to_double,
                     to_text, to_utf8, c_int, cut_nul, MAX_LENGTH, too_big)

SQLITE_VERSION = "3.40.1"
SQLITE_SOURCE_ID = ("2022-12-28 14:03:47 "
                    "df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd45ae7b9c5e82ad8197f3alt1")
# What sqlite_compileoption_get/used report: the limits and defaults minisql
# follows (those of the SQLite build it mirrors), not SQLite's optional
# extensions, which minisql does not have.
COMPILE_OPTIONS = (
    "DEFAULT_CACHE_SIZE=-2000", "DEFAULT_FILE_FORMAT=4", "DEFAULT_PAGE_SIZE=4096",
    "DEFAULT_WAL_AUTOCHECKPOINT=1000", "ENABLE_MATH_FUNCTIONS",
    "LIKE_DOESNT_MATCH_BLOBS", "MAX_FUNCTION_ARG=127", "MAX_LENGTH=1000000000",
    "MAX_LIKE_PATTERN_LENGTH=50000", "MAX_PAGE_SIZE=65536", "SOUNDEX",
    "THREADSAFE=1",
)

_rng = _random.Random(os.urandom(16))


def _text(v):
    """sqlite3_value_text() for a non-NULL value."""
    return v if type(v) is str else to_text(v)


# -- scalar functions ----------------------------------------------------

def abs_(x):
    t = type(x)
    if t is int:
        if x < 0:
            if x == -9223372036854775808:
                raise V.integer_overflow()
            return -x
        return x
    if x is None:
        return None
    r = to_double(x)
    return -r if r < 0 else r


def changes(ctx):
    return ctx.changes()


def total_changes(ctx):
    return ctx.total_changes()


def last_insert_rowid(ctx):
    return ctx.last_insert_rowid()


changes.needs_context = total_changes.needs_context = True
last_insert_rowid.needs_context = True


def char(*args):
    out = []
    surrogate = False
    for a in args:
        x = to_int64(a)
        if x < 0 or x > 0x10FFFF:
            x = 0xFFFD
        if 0xD800 <= x <= 0xDFFF:
            surrogate = True
        out.append(x)
    if not surrogate:
        return "".join(map(chr, out))
    # UTF-8 encodes lone surrogates too; carry those bytes as they are.
    b = "".join(map(chr, out)).encode("utf-8", "surrogatepass")
    return b.decode("utf-8", "surrogateescape")


def coalesce(*args):
    for a in args:
        if a is not None:
            return a
    return None


def hex_(x):
    return to_utf8(x).hex().upper() if x is not None else ""


def ifnull(x, y):
    return y if x is None else x


def iif(c, a, b):
    return a if V.is_true(c) else b


def instr(haystack, needle):
    if haystack is None or needle is None:
        return None
    if type(haystack) is bytes and type(needle) is bytes:
        return haystack.find(needle) + 1
    h = _text(haystack)
    n = _text(needle)
    if not n:
        return 1
    return h.find(n) + 1


_SURROGATE = re.compile("[\ud800-\udfff]")


def length(x):
    t = type(x)
    if t is str:
        if "\0" in x:
            x = cut_nul(x)
        if x.isascii() or not _SURROGATE.search(x):
            return len(x)
        # Invalid UTF-8 carried as escapes: count as SQLite does, one per
        # byte that is not a continuation of a preceding lead byte.
        b = x.encode("utf-8", "surrogateescape")
        n = i = 0
        while i < len(b):
            c = b[i]
            i += 1
            if c >= 0xC0:
                while i < len(b) and b[i] & 0xC0 == 0x80:
                    i += 1
            n += 1
        return n
    if t is bytes:
        return len(x)
    if x is None:
        return None
    return len(V.to_text(x))


def likelihood(x, y):
    return x


def likely(x):
    return x


def check_likelihood(p):
    """The compile-time check of likelihood()'s second argument.

    ``p`` is the argument's value if it is a floating-point literal (an
    unsigned number with a '.' or exponent, like 0.5 or 1e0), else None:
    SQLite accepts nothing else, not even the integer literal 1."""
    if type(p) is not float or not 0.0 <= p <= 1.0:
        raise errors.OperationalError(
            "second argument to likelihood() must be a constant between 0.0 and 1.0")


def load_extension(*args):
    raise errors.OperationalError("not authorized")


_UPPER = {c: c - 32 for c in range(97, 123)}
_LOWER = {c: c + 32 for c in range(65, 91)}


def lower(x):
    if x is None:
        return None
    s = _text(x)
    return s.lower() if s.isascii() else s.translate(_LOWER)


def upper(x):
    if x is None:
        return None
    s = _text(x)
    return s.upper() if s.isascii() else s.translate(_UPPER)


def _trim_chars(chars):
    if chars is None:
        return None
    return cut_nul(_text(chars))


def ltrim(x, chars=" "):
    if x is None:
        return None
    cs = _trim_chars(chars)
    if cs is None:
        return None
    return _text(x).lstrip(cs) if cs else _text(x)


def rtrim(x, chars=" "):
    if x is None:
        return None
    cs = _trim_chars(chars)
    if cs is None:
        return None
    return _text(x).rstrip(cs) if cs else _text(x)


def trim(x, chars=" "):
    if x is None:
        return None
    cs = _trim_chars(chars)
    if cs is None:
        return None
    return _text(x).strip(cs) if cs else _text(x)


def minmax_scalar(is_max, collation=None):
    """The multi-argument min()/max() for one collation.

    NULL if any argument is NULL; on ties min() keeps the last of the equal
    values, max() the first (func.c's minmaxFunc)."""
    cmp = V.compare_fn(collation)

    def minmax(*args):
        best = args[0]
        if best is None:
            return None
        for a in args[1:]:
            if a is None:
                return None
            c = cmp(best, a)
            if (c < 0) if is_max else (c >= 0):
                best = a
        return best
    return minmax


def nullif_fn(collation=None):
    cmp = V.compare_fn(collation)

    def nullif(x, y):
        return None if cmp(x, y) == 0 else x
    return nullif


def printf(*args):
    if not args:
        return None
    return sql_printf(args[0], args[1:])


def quote(x):
    t = type(x)
    if t is str:
        return "'" + cut_nul(x).replace("'", "''") + "'"
    if t is int:
        return str(x)
    if t is float:
        return quote_real(x)
    if t is bytes:
        return "X'" + x.hex().upper() + "'"
    return "NULL"


def random_():
    r = _rng.getrandbits(64) - (1 << 63)
    if r < 0:
        # SQLite keeps -9223372036854775808 out, so abs(random()) is safe.
        r = -(r & 0x7FFFFFFFFFFFFFFF)
    return r


def randomblob(n):
    n = to_int64(n)
    if n < 1:
        n = 1
    if n > MAX_LENGTH:
        raise too_big()
    return os.urandom(n)


def replace(x, pattern, rep):
    if x is None or pattern is None:
        return None
    p = _text(pattern)
    if not p or p[0] == "\0":
        # the input comes back as it was, except that reading it as text
        # has made a blob TEXT
        return _text(x) if type(x) is bytes else x
    if rep is None:
        return None
    s = _text(x)
    out = s.replace(p, _text(rep))
    if len(out) > MAX_LENGTH and len(to_utf8(out)) > MAX_LENGTH:
        raise too_big()
    return out


def round_(x, n=Ellipsis):
    if n is None:
        return None
    if n is Ellipsis:
        n = 0
    else:
        n = min(max(c_int(to_int64(n)), 0), 30)
    if x is None:
        return None
    r = to_double(x)
    if r < -4503599627370496.0 or r > 4503599627370496.0:
        return r                         # already integral
    if n == 0:
        return float(int(r + (-0.5 if r < 0 else 0.5)))
    return round_real(r, n)


def sign(x):
    v = _math_arg(x)
    if v is None:
        return None
    return -1 if v < 0.0 else (1 if v > 0.0 else 0)


# func.c's iCode[]: the soundex digit of each ASCII letter (0: none).
_SOUNDEX_CODE = bytearray(128)
for _letters, _code in (("bfpv", 1), ("cgjkqsxz", 2), ("dt", 3), ("l", 4), ("mn", 5),
                        ("r", 6)):
    for _c in _letters + _letters.upper():
        _SOUNDEX_CODE[ord(_c)] = _code


def soundex(x):
    """soundex(X), byte by byte as func.c does it: only ASCII letters start
    the code, but every byte (by its low 7 bits) can add digits."""
    z = to_utf8(x) if x is not None else b""
    i = 0
    n = len(z)
    while i < n and z[i] and not (65 <= (z[i] & 0xDF) <= 90 and z[i] < 128):
        i += 1
    if i >= n or not z[i]:
        return "?000"
    out = [chr(z[i]).upper()]
    prev = _SOUNDEX_CODE[z[i] & 0x7F]
    while len(out) < 4 and i < n and z[i]:
        code = _SOUNDEX_CODE[z[i] & 0x7F]
        if code:
            if code != prev:
                prev = code
                out.append(chr(48 + code))
        else:
            prev = 0
        i += 1
    return "".join(out).ljust(4, "0")


def sqlite_compileoption_get(n):
    n = c_int(to_int64(n))
    if 0 <= n < len(COMPILE_OPTIONS):
        return COMPILE_OPTIONS[n]
    return None


def sqlite_compileoption_used(name):
    """Is option NAME (with or without "SQLITE_") in the list?  The name must
    match an option up to its end or its '='."""
    if name is None:
        return None
    s = _text(name)
    if s[:7].upper() == "SQLITE_":
        s = s[7:]
    n = len(s)
    for opt in COMPILE_OPTIONS:
        if opt[:n].upper() == s.upper() and (len(opt) == n or opt[n] == "="):
            return 1
    return 0


def sqlite_log(code, msg):
    return None


def sqlite_source_id():
    return SQLITE_SOURCE_ID


def sqlite_version():
    return SQLITE_VERSION


def substr(x, start, length=Ellipsis):
    if start is None or length is None:
        return None
    if x is None:
        return None
    p1 = c_int(to_int64(start))
    neg_p2 = False
    if length is not Ellipsis:
        p2 = c_int(to_int64(length))
        if p2 < 0:
            p2 = -p2
            neg_p2 = True
    else:
        p2 = MAX_LENGTH
    if type(x) is bytes:
        if not x:
            return None      # sqlite3_value_blob() of an empty blob is NULL
        z = x
    else:
        z = _text(x)
        if "\0" in z:
            z = cut_nul(z)
    n = len(z)
    if p1 < 0:
        p1 += n
        if p1 < 0:
            p2 += p1
            if p2 < 0:
                p2 = 0
            p1 = 0
    elif p1 > 0:
        p1 -= 1
    elif p2 > 0:
        p2 -= 1
    if neg_p2:
        p1 -= p2
        if p1 < 0:
            p2 += p1
            p1 = 0
    return z[p1:p1 + p2]


def subtype(x):
    return 0


def typeof(x):
    return V.typeof(x)


def unicode(x):
    if x is None:
        return None
    s = _text(x)
    if not s or s[0] == "\0":
        return None
    c = ord(s[0])
    if c < 0x80:
        return c
    # sqlite3Utf8Read takes every continuation byte after a lead byte, so
    # stray ones (carried as escapes U+DC80..U+DCBF) extend the character.
    k = 1
    while k < len(s) and "\udc80" <= s[k] <= "\udcbf":
        k += 1
    if k == 1 and (c < 0xD800 or 0xE000 <= c < 0xFFFE or c > 0xFFFF):
        return c
    return _utf8_read(to_utf8(s[:k]))


def _utf8_read(b):
    """sqlite3Utf8Read() of the first character of b, which may be invalid
    UTF-8: stray bytes read as themselves, overlong forms, surrogates and
    U+FFFE/U+FFFF as U+FFFD."""
    c = b[0]
    if c < 0xC0:
        return c
    c = c & (0x1F if c < 0xE0 else 0x0F if c < 0xF0 else 0x07 if c < 0xF8 else
             0x03 if c < 0xFC else 0x01 if c < 0xFE else 0x00)
    for d in b[1:]:
        if d & 0xC0 != 0x80:
            break
        c = ((c << 6) + (d & 0x3F)) & 0xFFFFFFFF       # a C unsigned int
    if c < 0x80 or c & 0xFFFFF800 == 0xD800 or c & 0xFFFFFFFE == 0xFFFE:
        return 0xFFFD
    return c


def zeroblob(n):
    n = to_int64(n)
    if n < 0:
        n = 0
    if n > MAX_LENGTH:
        raise too_big()
    return bytes(n)


def like(*args):
    return likeglob.like(*args)


def glob(pattern, string):
    return likeglob.glob(pattern, string)


# -- math functions (SQLITE_ENABLE_MATH_FUNCTIONS) ------------------------

def _math_arg(x):
    """sqlite3_value_numeric_type() admits only numbers and numeric text;
    -> the argument's double, or None."""
    t = type(x)
    if t is float:
        return x
    if t is int:
        return float(x)
    if t is str:
        n = V.numeric_for_compare(x)
        if type(n) is not str:
            return float(n)
    return None


def _c_math(f, x):
    """Call a libm function with C's results where Python raises instead:
    a domain error is NaN (-> NULL), an overflow is infinity."""
    try:
        return V.real(f(x))
    except ValueError:
        return None
    except OverflowError:
        return math.copysign(math.inf, x) if f in (math.sinh, math.tan) else math.inf


def _math1(f):
    def fn(x):
        v = _math_arg(x)
        if v is None:
            return None
        return _c_math(f, v)
    fn.__name__ = f.__name__
    return fn


def _atanh(x):
    if x == 1.0 or x == -1.0:
        return math.copysign(math.inf, x)     # C: a pole error, not a domain error
    return math.atanh(x)


def _c_rounding(f):
    """libm's ceil/floor/trunc: a float result, infinities unchanged, and a
    zero result keeps the argument's sign (ceil(-0.5) is -0.0)."""
    def g(x):
        if not math.isfinite(x):
            return x
        r = float(f(x))
        return math.copysign(0.0, x) if r == 0.0 else r
    return g


_ceil = _c_rounding(math.ceil)
_floor = _c_rounding(math.floor)
_trunc = _c_rounding(math.trunc)


def _rounding(f):
    """ceil/floor/trunc: integers come back unchanged (as INTEGER), text that
    spells a number is converted first, anything else is NULL."""
    def fn(x):
        t = type(x)
        if t is int:
            return x
        if t is str:
            x = V.numeric_for_compare(x)
            t = type(x)
            if t is int:
                return x
        if t is not float:
            return None
        return f(x)
    return fn


def _log(x):
    v = _math_arg(x)
    if v is None or v <= 0.0:
        return None
    return V.real(math.log(v))


# func.c divides the natural logarithm by these rather than calling
# log10()/log2(), which can differ in the last bit.
_M_LN10 = 2.30258509299404568402
_M_LN2 = 0.693147180559945309417


def _log10(x):
    v = _math_arg(x)
    if v is None or v <= 0.0:
        return None
    return V.real(math.log(v) / _M_LN10)


def _log2(x):
    v = _math_arg(x)
    if v is None or v <= 0.0:
        return None
    return V.real(math.log(v) / _M_LN2)


def log(*args):
    if len(args) == 1:
        return _log10(args[0])
    base, x = args
    b = _math_arg(base)
    if b is None or b <= 0.0:
        return None
    lb = math.log(b)
    if lb <= 0.0:
        return None
    # func.c re-checks the type of the *first* argument here, so any second
    # argument is read with sqlite3_value_double().
    v = to_double(x)
    if v <= 0.0:
        return None
    return V.real(math.log(v) / lb)


def _c_pow(x, y):
    try:
        return math.pow(x, y)
    except ValueError:
        if x == 0.0 and y < 0.0:
            # pole: +-inf, negative only for -0.0 to an odd integer power
            odd = y == int(y) and int(y) % 2 == 1
            return math.copysign(math.inf, x) if odd else math.inf
        return math.nan
    except OverflowError:
        odd = y == int(y) and int(y) % 2 == 1 if math.isfinite(y) else False
        return -math.inf if (x < 0 and odd) else math.inf


def _c_fmod(x, y):
    try:
        return math.fmod(x, y)
    except ValueError:
        return math.nan


def _math2(f):
    def fn(x, y):
        a = _math_arg(x)
        if a is None:
            return None
        b = _math_arg(y)
        if b is None:
            return None
        return V.real(f(a, b))
    return fn


def pi():
    return math.pi


# -- the registry ------------------------------------------------------------

class FuncDef:
    """One SQL function of a given arity (narg -1: any)."""

    __slots__ = ("name", "narg", "func", "is_agg", "deterministic", "needs_context",
                 "needs_collation", "lazy", "factory")

    def __init__(self, name, narg, func=None, *, is_agg=False, deterministic=True,
                 needs_context=False, factory=None, lazy=False):
        self.name = name
        self.narg = narg
        self.func = func                  # the callable (scalar) or class (aggregate)
        self.is_agg = is_agg
        self.deterministic = deterministic
        self.needs_context = needs_context
        # factory(collation) -> func, for functions that compare values
        self.factory = factory
        self.needs_collation = factory is not None
        self.lazy = lazy

    def scalar(self, collation=None):
        if self.factory is not None:
            return self.factory(collation)
        return self.func

    def aggregate(self, collation=None):
        if self.factory is not None:
            return self.factory(collation)
        return self.func

    def __repr__(self):
        kind = "aggregate" if self.is_agg else "scalar"
        return f"FuncDef({self.name!r}, {self.narg}, {kind})"


_BUILTIN = {}


def _def(name, narg, func=None, **kw):
    fd = FuncDef(name, narg, func, **kw)
    _BUILTIN.setdefault(name, {})[narg] = fd
    return fd


def _builtins():
    for narg in (1, 2):
        _def("round", narg, round_)
        _def("ltrim", narg, ltrim)
        _def("rtrim", narg, rtrim)
        _def("trim", narg, trim)
        _def("substr", narg + 1, substr)
        _def("substring", narg + 1, substr)
        _def("like", narg + 1, like)
    _def("abs", 1, abs_)
    _def("changes", 0, changes, needs_context=True, deterministic=False)
    _def("total_changes", 0, total_changes, needs_context=True, deterministic=False)
    _def("last_insert_rowid", 0, last_insert_rowid, needs_context=True,
         deterministic=False)
    _def("char", -1, char)
    _def("coalesce", -1, coalesce, lazy=True)
    _def("format", -1, printf)
    _def("printf", -1, printf)
    _def("glob", 2, glob)
    _def("hex", 1, hex_)
    _def("ifnull", 2, ifnull, lazy=True)
    _def("iif", 3, iif, lazy=True)
    _def("instr", 2, instr)
    _def("length", 1, length)
    _def("likelihood", 2, likelihood)
    _def("likely", 1, likely)
    _def("unlikely", 1, likely)
    _def("load_extension", 1, load_extension, deterministic=False)
    _def("load_extension", 2, load_extension, deterministic=False)
    _def("lower", 1, lower)
    _def("upper", 1, upper)
    _def("max", -1, factory=lambda coll: minmax_scalar(True, coll))
    _def("min", -1, factory=lambda coll: minmax_scalar(False, coll))
    _def("nullif", 2, factory=nullif_fn)
    _def("quote", 1, quote)
    _def("random", 0, random_, deterministic=False)
    _def("randomblob", 1, randomblob, deterministic=False)
    _def("replace", 3, replace)
    _def("sign", 1, sign)
    _def("soundex", 1, soundex)
    _def("sqlite_compileoption_get", 1, sqlite_compileoption_get)
    _def("sqlite_compileoption_used", 1, sqlite_compileoption_used)
    _def("sqlite_log", 2, sqlite_log, deterministic=False)
    _def("sqlite_source_id", 0, sqlite_source_id)
    _def("sqlite_version", 0, sqlite_version)
    _def("subtype", 1, subtype)
    _def("typeof", 1, typeof)
    _def("unicode", 1, unicode)
    _def("zeroblob", 1, zeroblob)
    # math
    for name, f in (("acos", math.acos), ("acosh", math.acosh), ("asin", math.asin),
                    ("asinh", math.asinh), ("atan", math.atan), ("atanh", _atanh),
                    ("cos", math.cos), ("cosh", math.cosh), ("degrees", math.degrees),
                    ("exp", math.exp), ("radians", math.radians), ("sin", math.sin),
                    ("sinh", math.sinh), ("sqrt", math.sqrt), ("tan", math.tan),
                    ("tanh", math.tanh)):
        _def(name, 1, _math1(f))
    _def("ceil", 1, _rounding(_ceil))
    _def("ceiling", 1, _rounding(_ceil))
    _def("floor", 1, _rounding(_floor))
    _def("trunc", 1, _rounding(_trunc))
    _def("ln", 1, _log)
    _def("log", 1, log)
    _def("log", 2, log)
    _def("log10", 1, _log10)
    _def("log2", 1, _log2)
    _def("atan2", 2, _math2(math.atan2))
    _def("pow", 2, _math2(_c_pow))
    _def("power", 2, _math2(_c_pow))
    _def("mod", 2, _math2(_c_fmod))
    _def("pi", 0, pi)
    # date and time (datefuncs.py); they read the statement's clock from ctx
    for name, f in (("date", D.date_), ("time", D.time_), ("datetime", D.datetime_),
                    ("julianday", D.julianday), ("unixepoch", D.unixepoch),
                    ("strftime", D.strftime_)):
        _def(name, -1, f, needs_context=True)
    for name, f in (("current_date", D.current_date), ("current_time", D.current_time),
                    ("current_timestamp", D.current_timestamp)):
        _def(name, 0, f, needs_context=True)
    # aggregates
    _def("avg", 1, A.Avg, is_agg=True)
    _def("count", 0, A.CountStar, is_agg=True)
    _def("count", 1, A.Count, is_agg=True)
    _def("group_concat", 1, A.GroupConcat, is_agg=True)
    _def("group_concat", 2, A.GroupConcat, is_agg=True)
    _def("max", 1, A.Max, is_agg=True, factory=lambda coll: A.minmax_class(True, coll))
    _def("min", 1, A.Min, is_agg=True, factory=lambda coll: A.minmax_class(False, coll))
    _def("sum", 1, A.Sum, is_agg=True)
    _def("total", 1, A.Total, is_agg=True)


_builtins()

# Arity rules SQLite enforces for variadic built-ins.
_MIN_ARGS = {"coalesce": 2, "max": 2, "min": 2, "char": 0, "printf": 0, "format": 0}
_MAX_ARGS = 127                 # SQLITE_MAX_FUNCTION_ARG


class Registry:
    """A connection's function table: its user functions over the built-ins."""

    __slots__ = ("user",)

    def __init__(self):
        self.user = {}          # lower-cased name -> {narg: FuncDef}

    def register(self, name, narg, func, deterministic=False):
        """Connection.create_function(): ``func`` None removes the function."""
        key = name.lower()
        if func is None:
            self.user.get(key, {}).pop(narg, None)
            return
        fd = FuncDef(name, narg, user_function(func), deterministic=deterministic)
        self.user.setdefault(key, {})[narg] = fd

    def register_aggregate(self, name, narg, cls):
        """Connection.create_aggregate(): ``cls`` None removes the aggregate."""
        key = name.lower()
        if cls is None:
            self.user.get(key, {}).pop(narg, None)
            return
        fd = FuncDef(name, narg, A.user_aggregate(cls), is_agg=True, deterministic=False)
        self.user.setdefault(key, {})[narg] = fd


def _find(table, key, nargs):
    defs = table.get(key)
    if not defs:
        return None
    fd = defs.get(nargs)
    if fd is None:
        fd = defs.get(-1)
        if fd is not None:
            lo = _MIN_ARGS.get(key, 0) if table is _BUILTIN else 0
            if nargs < lo or nargs > _MAX_ARGS:
                return None
    return fd


def lookup(name, nargs, registry=None):
    """The FuncDef called for ``name(...)`` with ``nargs`` arguments."""
    key = name.lower()
    fd = None
    if registry is not None and registry.user:
        fd = _find(registry.user, key, nargs)
    if fd is None:
        fd = _find(_BUILTIN, key, nargs)
    if fd is None:
        known = key in _BUILTIN or (registry is not None and registry.user.get(key))
        if known:
            raise errors.OperationalError(
                f"wrong number of arguments to function {name}()")
        raise errors.OperationalError(f"no such function: {name}")
    return fd


def lookup_scalar(name, nargs, registry=None, collation=None):
    """The callable for a scalar call (see the module docstring); its
    ``needs_context`` attribute says whether ctx comes first."""
    fd = lookup(name, nargs, registry)
    if fd.is_agg:
        raise errors.OperationalError(f"misuse of aggregate function {name}()")
    return fd.scalar(collation)


def lookup_aggregate(name, nargs, star=False, registry=None, collation=None):
    """The aggregate class for ``name(...)`` / ``name(*)`` (a new instance
    per group)."""
    fd = lookup(name, 0 if star else nargs, registry)
    if not fd.is_agg:
        raise errors.OperationalError(f"no such function: {name}")
    return fd.aggregate(collation)


def is_aggregate(name, nargs, star=False, registry=None):
    """Does ``name(args)`` / ``name(*)`` call an aggregate?  False for
    unknown names and arities (the scalar lookup reports those)."""
    if star:
        nargs = 0
    try:
        return lookup(name, nargs, registry).is_agg
    except errors.OperationalError:
        return False


# -- user functions (Connection.create_function) ------------------------------

def user_result(r, message="user-defined function raised exception"):
    """A Python function's result as an SQL value, as the stdlib sqlite3
    module converts it (bool is an int, buffers are blobs, NaN is NULL)."""
    t = type(r)
    if t is int:
        if -9223372036854775808 <= r <= 9223372036854775807:
            return r
        raise too_big()       # the sqlite3 module reports its OverflowError so
    if r is None or t is str or t is bytes:
        return r
    if t is float:
        return V.real(r)
    if isinstance(r, int):
        return user_result(int(r), message)
    if isinstance(r, float):
        return V.real(float(r))
    if isinstance(r, str):
        return str(r)
    if isinstance(r, (bytes, bytearray, memoryview)):
        return bytes(r)
    raise errors.OperationalError(message)


def user_function(func):
    """Wrap a Python callable: its exceptions become
    OperationalError('user-defined function raised exception')."""
    def call(*args):
        try:
            r = func(*args)
        except Exception as exc:
            raise errors.OperationalError("user-defined function raised exception") from exc
        return user_result(r)
    call.__wrapped__ = func
    return call

