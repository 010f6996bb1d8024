"""SQLite's text for a REAL, digit for digit.

The sqlite3 shell shows a REAL as ``sqlite3_column_text`` does (``%!.15g``)
and, in the quote/insert/json modes, as ``%!.20g``.  SQLite 3.40 produces
those digits with its own printf, which works in the C ``long double`` of
the machine (x87 80-bit: a 64-bit significand) and stops producing real
digits after 16 (26 with the ``!`` flag).  Python's exact formatting gives
other digits past the 15th, so to show what sqlite3 shows we redo SQLite's
steps here with an emulated 64-bit-significand float.

A value of the emulated type is a pair ``(m, e)`` meaning ``m * 2**e`` with
``2**63 <= m < 2**64`` (or ``m == 0``); every operation rounds its exact
result to 64 bits, half to even, as the x87 unit does in extended precision.
"""

import functools
import math

_BITS = 64


def _round(n, e, sticky=False):
    """Round the exact non-negative ``n * 2**e`` (plus a sticky bit saying
    the true value is a little above) to a 64-bit significand."""
    if n == 0:
        return (0, 0)
    extra = n.bit_length() - _BITS
    if extra <= 0:
        return (n << -extra, e + extra)
    q = n >> extra
    rem = n - (q << extra)
    half = 1 << (extra - 1)
    if rem > half or (rem == half and (sticky or q & 1)):
        q += 1
        if q >> _BITS:
            q >>= 1
            extra += 1
    return (q, e + extra)


def _from_float(x):
    n, d = x.as_integer_ratio()          # d is a power of two for a finite float
    return _round(n, 1 - d.bit_length())


def _mul(a, b):
    return _round(a[0] * b[0], a[1] + b[1])


def _div(a, b):
    if a[0] == 0:
        return a
    shift = 2 * _BITS + 2                  # enough quotient bits to round right
    q, r = divmod(a[0] << shift, b[0])
    return _round(q, a[1] - b[1] - shift, sticky=r != 0)


def _add(a, b):
    if a[0] == 0:
        return b
    if b[0] == 0:
        return a
    e = min(a[1], b[1])
    return _round((a[0] << (a[1] - e)) + (b[0] << (b[1] - e)), e)


def _sub_int(a, d):
    """a - d for a non-negative integer d <= a."""
    if d == 0:
        return a
    e = min(a[1], 0)
    return _round((a[0] << (a[1] - e)) - (d << -e), e)


def _ge(a, b):
    if a[1] >= b[1]:
        return (a[0] << (a[1] - b[1])) >= b[0]
    return a[0] >= (b[0] << (b[1] - a[1]))


def _lt(a, b):
    return not _ge(a, b)


def _trunc(a):
    m, e = a
    return m << e if e >= 0 else m >> -e


_ONE = _from_float(1.0)
_TEN = _from_float(10.0)
_E8 = _from_float(1e8)
_E10 = _from_float(1e10)
_E100 = _from_float(1e100)
_EM8 = _from_float(1e-8)
_EM10 = _from_float(1e-10)
_TENTH = _from_float(0.1)
# SQLite 3.40 printf.c: the rounding constants 5.0e-01 .. 5.0e-10, one per
# precision modulo 10 (0.5 for precision 0), as double literals.
_ROUND = [_from_float(float("5.0e-%02d" % (i + 1))) for i in range(10)]


@functools.lru_cache(maxsize=4096)
def sqlite_g(r, precision, alt2=True):
    """``sqlite3_snprintf("%!.<precision>g", r)`` (``alt2`` is the ``!`` flag)."""
    if math.isnan(r):
        return "NaN"
    prefix = ""
    if r < 0.0 or (r == 0.0 and math.copysign(1.0, r) < 0):
        prefix = "-" if r < 0.0 else ""
        r = -r
    if math.isinf(r):
        return prefix + "Inf"
    if precision > 0:
        precision -= 1                          # %g counts the leading digit
    idx = precision & 0xfff
    rounder = _ROUND[idx % 10]
    while idx >= 10:
        rounder = _mul(rounder, _EM10)
        idx -= 10
    val = _from_float(r)
    exp = 0
    if val[0]:
        scale = _ONE
        while _ge(val, _mul(_E100, scale)) and exp <= 350:
            scale = _mul(scale, _E100)
            exp += 100
        while _ge(val, _mul(_E10, scale)) and exp <= 350:
            scale = _mul(scale, _E10)
            exp += 10
        while _ge(val, _mul(_TEN, scale)) and exp <= 350:
            scale = _mul(scale, _TEN)
            exp += 1
        val = _div(val, scale)
        while _lt(val, _EM8):
            val = _mul(val, _E8)
            exp -= 8
        while _lt(val, _ONE):
            val = _mul(val, _TEN)
            exp -= 1
        if exp > 350:
            return prefix + "Inf"
    val = _add(val, rounder)
    if _ge(val, _TEN):
        val = _mul(val, _TENTH)
        exp += 1
    use_exp = exp < -4 or exp > precision
    if not use_exp:
        precision -= exp
    e2 = 0 if use_exp else exp
    nsd = 16 + (10 if alt2 else 0)
    out = [prefix]

    def digit():
        nonlocal val, nsd
        if nsd <= 0:
            return "0"
        nsd -= 1
        d = _trunc(val)
        val = _mul(_sub_int(val, d), _TEN)
        return chr(48 + d)

    if e2 < 0:
        out.append("0")
    else:
        for _ in range(e2 + 1):
            out.append(digit())
        e2 = -1
    flag_dp = precision > 0 or alt2
    if flag_dp:
        out.append(".")
    e2 += 1
    while e2 < 0:
        out.append("0")
        precision -= 1
        e2 += 1
    for _ in range(max(precision, 0)):
        out.append(digit())
    s = "".join(out)
    if flag_dp:                                 # %g drops trailing zeros ...
        s = s.rstrip("0")
        if s.endswith("."):
            s = s + "0" if alt2 else s[:-1]    # ... but "!" keeps one after "."
    if use_exp:
        sign = "-" if exp < 0 else "+"
        exp = abs(exp)
        s += "e" + sign + ("%d" % (exp // 100) if exp >= 100 else "") + "%02d" % (exp % 100)
    return s


def real_text(r):
    """The text SQLite gives a REAL (``CAST(r AS TEXT)``, ``sqlite3_column_text``)."""
    return sqlite_g(r, 15)


def real_literal(r):
    """%!.20g: the round-tripping form the quote, insert and json modes print."""
    return sqlite_g(r, 20)
