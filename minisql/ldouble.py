"""x87 80-bit ``long double`` arithmetic, emulated exactly with Python ints.

Why this exists: SQLite 3.40 converts text to REAL (``sqlite3AtoF``) and REAL
to text (``printf`` "%!.15g", ``round()``, ``quote()``) with ``long double``
intermediates.  On x86-64 that is the x87 extended format, whose significand
has 64 bits.  Matching SQLite digit for digit therefore means repeating the
same operations with the same rounding, not computing the "right" answer.

Representation: a non-negative value is a pair ``(m, e)`` meaning ``m * 2**e``
with ``0 <= m < 2**64`` (zero is ``(0, 0)``).  Callers carry signs themselves;
SQLite's uses only ever need magnitudes.  The exponent range of the real
format (about 2**+-16383) is never approached by the values SQLite feeds it
(doubles times powers of ten up to 1e350), so it is not modelled.

Every operation rounds its exact result to 64 significant bits, ties to even,
which is what the x87 does with its default precision-control setting (the
setting glibc on Linux leaves in place).
"""

MANT_BITS = 64          # x87 extended significand, explicit integer bit included
_HALF_LIMIT = 1 << MANT_BITS

ZERO = (0, 0)


def rnd(m, e):
    """Round the exact value m * 2**e (m >= 0) to 64 significant bits."""
    n = m.bit_length() - MANT_BITS
    if n <= 0:
        return (m, e)
    q = m >> n
    rem = m - (q << n)
    half = 1 << (n - 1)
    if rem > half or (rem == half and q & 1):
        q += 1
        if q == _HALF_LIMIT:       # carry out of the top bit: renormalise
            q >>= 1
            n += 1
    return (q, e + n)


def from_float(x):
    """Exact conversion of a finite, non-negative double."""
    n, d = x.as_integer_ratio()
    return (n, 1 - d.bit_length())


def from_int(i):
    """Conversion of a non-negative integer (exact below 2**64)."""
    return rnd(i, 0)


def mul(a, b):
    return rnd(a[0] * b[0], a[1] + b[1])


def add(a, b):
    (ma, ea), (mb, eb) = a, b
    if ma == 0:
        return b
    if mb == 0:
        return a
    if ea >= eb:
        return rnd((ma << (ea - eb)) + mb, eb)
    return rnd(ma + (mb << (eb - ea)), ea)


def sub(a, b):
    """a - b for a >= b."""
    (ma, ea), (mb, eb) = a, b
    if mb == 0:
        return a
    if ea >= eb:
        return rnd((ma << (ea - eb)) - mb, eb)
    return rnd(ma - (mb << (eb - ea)), ea)


def div(a, b):
    (ma, ea), (mb, eb) = a, b
    if ma == 0:
        return ZERO
    # Shift so the integer quotient carries at least 66 bits, then fold the
    # remainder into a sticky bit: enough for a correctly rounded result.
    k = MANT_BITS + 2 + mb.bit_length() - ma.bit_length()
    if k < 0:
        k = 0
    q, r = divmod(ma << k, mb)
    return rnd((q << 1) | (r != 0), ea - eb - k - 1)


def cmp(a, b):
    (ma, ea), (mb, eb) = a, b
    if ma == 0 or mb == 0:
        return (ma > 0) - (mb > 0)
    if ea >= eb:
        x, y = ma << (ea - eb), mb
    else:
        x, y = ma, mb << (eb - ea)
    return (x > y) - (x < y)


def trunc(a):
    """C's (integer) conversion: truncation toward zero."""
    m, e = a
    return m << e if e >= 0 else m >> -e


def to_float(a):
    """Round to the nearest double (ties to even), as a C assignment does."""
    m, e = a
    if e >= 0:
        try:
            return float(m << e)
        except OverflowError:
            return float("inf")
    # int / int true division is correctly rounded in CPython, subnormals included.
    return m / (1 << -e)


# Double constants SQLite's C code multiplies and compares with.
ONE = from_float(1.0)
TEN = from_float(10.0)
ONE_TENTH = from_float(0.1)     # the double nearest 0.1, not one tenth
E8 = from_float(1e8)
E_8 = from_float(1e-8)
E10 = from_float(1e10)
E100 = from_float(1e100)
