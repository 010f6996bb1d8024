"""Text -> number, exactly as SQLite 3.40 reads numbers out of strings.

Two readers, both SQLite's (util.c):

``atof(z) -> (rc, float)``   sqlite3AtoF
    Reads ``[space][+-]digits[.digits][(e|E)[+-]digits][space]``.  The value
    of the longest numeric prefix is always returned; ``rc`` says how much of
    the text it covered:
        rc >= 2   the whole text is a number with a '.' and/or an exponent
        rc == 1   the whole text is a pure integer
        rc == 0   not a number (and no usable prefix with '.'/'e')
        rc == -1  not a number, but a prefix with '.' or 'e' is
    The arithmetic is SQLite's, not a correctly rounded conversion: at most
    19 significant digits are kept (later ones are dropped, not rounded) and
    the scaling by a power of ten happens in x87 long double (see ldouble.py)
    before the final rounding to double.

``atoi64(z) -> (rc, int)``   sqlite3Atoi64
    Reads ``[space][+-]digits[space]``; the value is the digit prefix,
    clamped to the int64 range.
        rc == 0   the whole text is an integer that fits in int64
        rc == 1   extra non-space text after the digits
        rc == 2   too large for int64 (value clamped)
        rc == 3   exactly 9223372036854775808 (value clamped)
        rc == -1  no digits at all (value 0)

Only ASCII counts: SQLite's isspace() is " \\t\\n\\v\\f\\r" and its digits are
0-9, so Unicode digits and spaces (which Python's str methods accept) must
not.  Blobs are read as the text their bytes spell (latin-1 keeps every
non-ASCII byte a non-digit, non-space character).
"""

import re

from . import ldouble as L

LARGEST_INT64 = (1 << 63) - 1
SMALLEST_INT64 = -(1 << 63)

_SPACES = " \t\n\v\f\r"

# The syntax sqlite3AtoF walks, as one anchored regex (re.ASCII keeps \d out
# of it; the classes are spelled out anyway).
_REAL = re.compile(
    r"[ \t\n\v\f\r]*([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?)([0-9]*))?[ \t\n\v\f\r]*",
    re.ASCII)
_REAL_MATCH = _REAL.match
_INT = re.compile(r"[ \t\n\v\f\r]*([+-]?)(0*)([0-9]*)", re.ASCII)
_INT_MATCH = _INT.match

# sqlite3AtoF keeps adding significand digits while s < this.
_SIG_LIMIT = (LARGEST_INT64 - 9) // 10
_POW10_CACHE = {}


def _pow10(n):
    """sqlite3Pow10(n): 10**n by repeated squaring, every step in long double."""
    r = _POW10_CACHE.get(n)
    if r is None:
        x = L.TEN
        r = L.ONE
        e = n
        while True:
            if e & 1:
                r = L.mul(r, x)
            e >>= 1
            if e == 0:
                break
            x = L.mul(x, x)
        _POW10_CACHE[n] = r
    return r


def _scale_to_double(s, e, esign):
    """(double)(s / 10**e) or (double)(s * 10**e), via long double, s > 0."""
    if e <= 27:
        # 10**e is exact in long double: one rounding to 64 bits, then one
        # to 53, done inline (the common case: short decimal fractions).
        if esign > 0:
            return L.to_float(L.rnd(s * 10 ** e, 0))
        den = 10 ** e
        k = 66 + den.bit_length() - s.bit_length()
        if k < 0:
            k = 0
        q, r = divmod(s << k, den)
        return L.to_float(L.rnd((q << 1) | (r != 0), -k - 1))
    if e > 307:
        if e < 342:
            scale = _pow10(e - 308)
            if esign < 0:
                return L.to_float(L.div(L.from_int(s), scale)) / 1.0e308
            return L.to_float(L.mul(L.from_int(s), scale)) * 1.0e308
        return 0.0 if esign < 0 else float("inf")
    scale = _pow10(e)
    if esign < 0:
        return L.to_float(L.div(L.from_int(s), scale))
    return L.to_float(L.mul(L.from_int(s), scale))


def atof(z):
    """sqlite3AtoF: -> (rc, value).  See the module docstring."""
    if type(z) is not str:
        z = z.decode("latin-1")
    if not z:
        return 0, 0.0
    m = _REAL_MATCH(z)
    sign, idigits, fdigits, esign_s, edigits = m.groups()
    has_dot = fdigits is not None
    has_exp = edigits is not None
    digits = idigits + fdigits if has_dot else idigits
    e_type = 1 + has_dot + has_exp

    # Significand: digits are taken while the running value is below
    # _SIG_LIMIT; integer digits past that shift the exponent up, fraction
    # digits taken shift it down.  Net shift: len(int digits) - taken.
    sig = digits.lstrip("0")
    lead = len(digits) - len(sig)
    if len(sig) > 18:
        take = 19 if int(sig[:18]) < _SIG_LIMIT else 18
    else:
        take = len(sig)
    s = int(sig[:take]) if take else 0
    d = len(idigits) - (lead + take)

    e_valid = True
    e = 0
    if has_exp:
        e_valid = bool(edigits)
        if len(edigits) <= 4:
            e = int(edigits) if edigits else 0
        else:
            for ch in edigits:
                e = e * 10 + (ord(ch) - 48) if e < 10000 else 10000
        if esign_s == "-":
            e = -e
    e += d
    if e < 0:
        esign = -1
        e = -e
    else:
        esign = 1

    if s == 0:
        value = -0.0 if sign == "-" else 0.0
    else:
        while e > 0:
            if esign > 0:
                if s >= LARGEST_INT64 // 10:
                    break
                s *= 10
            else:
                if s % 10:
                    break
                s //= 10
            e -= 1
        value = float(s) if e == 0 else _scale_to_double(s, e, esign)
        if sign == "-":
            value = -value

    n_digit = bool(digits)
    if m.end() == len(z) and n_digit and e_valid:
        return e_type, value
    if e_type >= 2 and (e_type == 3 or e_valid) and n_digit:
        return -1, value
    return 0, value


def atoi64(z):
    """sqlite3Atoi64: -> (rc, value).  See the module docstring."""
    if type(z) is not str:
        z = z.decode("latin-1")
    elif len(z) < 19 and z.isdigit() and z.isascii():
        return 0, int(z)
    m = _INT_MATCH(z)
    sign, zeros, digits = m.groups()
    neg = sign == "-"
    n = len(digits)
    if n > 19:                 # clamped below; and int() refuses huge strings
        value = 0
    else:
        u = int(digits) if digits else 0
        if u > LARGEST_INT64:
            value = SMALLEST_INT64 if neg else LARGEST_INT64
        else:
            value = -u if neg else u
    end = m.end()
    if not digits and not zeros:
        rc = -1
    elif end < len(z) and z[end:].strip(_SPACES):
        rc = 1
    else:
        rc = 0
    if n < 19:
        return rc, value
    c = 1 if n > 19 else (digits > "9223372036854775808") - (digits < "9223372036854775808")
    if c < 0:
        return rc, value
    value = SMALLEST_INT64 if neg else LARGEST_INT64
    if c > 0:
        return 2, value
    return (rc if neg else 3), value


def int_value(z):
    """The integer a text or blob holds for sqlite3_value_int64(): its digit prefix."""
    return atoi64(z)[1]


def real_value(z):
    """The double a text or blob holds for sqlite3_value_double(): its numeric prefix."""
    return atof(z)[1]
