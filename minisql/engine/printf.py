"""SQLite's printf (printf.c of 3.40): the SQL printf()/format() function and
every REAL -> text conversion.

Where SQLite turns a REAL into text it goes through this formatter:
``CAST(r AS TEXT)``, ``r || ''``, TEXT affinity and sqlite3_value_text() use
"%!.15g"; quote() uses "%!.15g" or "%!.20e"; round() prints "%.*f" and reads
the digits back.  SQLite's float conversion is its own: the value is scaled
into [1, 10) and its digits peeled off one by one in x87 long double, after
adding a rounding constant (round half up, not to even), and at most 16
significant digits (26 with the '!' flag) are real, the rest print as '0'.
``_float_text`` repeats those steps with ldouble.py so every digit agrees.

That emulation costs tens of microseconds, so ``real_to_text`` and
``round_real`` first try a fast path: Python's correctly rounded digits give
SQLite's answer whenever the value is not within a hair (0.01 of the last
digit's unit, far more than the long double error) of a rounding boundary;
only the rare values near one take the exact slow path.

Formatting works on UTF-8 bytes, as SQLite does: widths and precisions of
%s/%q/%Q/%w count bytes unless the '!' flag asks for characters.
"""

from .. import errors
from .. import ldouble as L
from ..atof import atof, int_value, real_value

# Conversion types (printf.c's et* constants that SQL printf can reach).
_RADIX, _FLOAT, _EXP, _GENERIC, _SIZE, _STRING, _PERCENT, _CHARX = range(8)
_SQLESCAPE, _SQLESCAPE2, _SQLESCAPE3, _POINTER, _ORDINAL, _DECIMAL, _INTERNAL = range(8, 15)

# letter -> (base, signed, type, digit charset, prefix for '#')
_FMT = {
    "d": (10, True, _DECIMAL, "0123456789", ""),
    "s": (0, False, _STRING, "", ""),
    "g": (0, True, _GENERIC, "e", ""),
    "z": (0, False, _STRING, "", ""),
    "q": (0, False, _SQLESCAPE, "", ""),
    "Q": (0, False, _SQLESCAPE2, "", ""),
    "w": (0, False, _SQLESCAPE3, "", ""),
    "c": (0, False, _CHARX, "", ""),
    "o": (8, False, _RADIX, "01234567", "0"),
    "u": (10, False, _DECIMAL, "0123456789", ""),
    "x": (16, False, _RADIX, "0123456789abcdef", "0x"),
    "X": (16, False, _RADIX, "0123456789ABCDEF", "0X"),
    "f": (0, True, _FLOAT, "e", ""),
    "e": (0, True, _EXP, "e", ""),
    "E": (0, True, _EXP, "E", ""),
    "G": (0, True, _GENERIC, "E", ""),
    "i": (10, True, _DECIMAL, "0123456789", ""),
    "n": (0, False, _SIZE, "", ""),
    "%": (0, False, _PERCENT, "", ""),
    "p": (16, False, _POINTER, "0123456789ABCDEF", "0x"),
    "T": (0, False, _INTERNAL, "", ""),
    "S": (0, False, _INTERNAL, "", ""),
    "r": (10, True, _ORDINAL, "0123456789", ""),
}

_AR_ROUND = (5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05,
             5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10)
_LD_3E_16 = L.from_float(3e-16)
_FP_PRECISION_LIMIT = 100000000
MAX_LENGTH = 1000000000        # SQLITE_MAX_LENGTH: longest string or blob
_U64 = (1 << 64) - 1


def too_big():
    return errors.DataError("string or blob too big", code=errors.SQLITE_TOOBIG)


# -- the float conversions (%f %e %E %g %G), digit for digit ----------------

def _double_exponent(x):
    """The unbiased binary exponent field of a finite double, as C reads it."""
    m, d = x.as_integer_ratio()
    if m == 0:
        return -1023
    e = m.bit_length() - d.bit_length()       # floor(log2(x))
    return max(e, -1023)                        # subnormals have field 0


def _float_text(value, xtype, precision, flag_prefix, alt, alt2, echar):
    """One %f/%e/%g conversion without width padding.

    -> (text, has_prefix, special) where special marks "Inf"/"NaN", which
    printf.c never zero-pads.

    A direct transcription of printf.c's etFLOAT/etEXP/etGENERIC case with
    every long double operation emulated."""
    if precision < 0:
        precision = 6
    if precision > _FP_PRECISION_LIMIT:
        precision = _FP_PRECISION_LIMIT
    if value < 0.0:
        value = -value
        prefix = "-"
    else:
        prefix = flag_prefix
    if xtype == _GENERIC and precision > 0:
        precision -= 1
    idx = precision & 0xfff
    rounder = _AR_ROUND[idx % 10]
    while idx >= 10:
        rounder *= 1.0e-10                      # a double, as in printf.c
        idx -= 10
    if value != value:
        return "NaN", False, True
    if value == float("inf"):
        return prefix + "Inf", bool(prefix), True
    rv = L.from_float(value)
    if xtype == _FLOAT:
        ex = _double_exponent(value)
        if precision + int(ex / 3) < 15:      # C division truncates toward 0
            rounder = L.to_float(L.add(L.from_float(rounder), L.mul(rv, _LD_3E_16)))
        rv = L.add(rv, L.from_float(rounder))
    exp = 0
    if rv[0]:
        scale = L.ONE
        while L.cmp(rv, L.mul(L.E100, scale)) >= 0 and exp <= 350:
            scale = L.mul(scale, L.E100)
            exp += 100
        while L.cmp(rv, L.mul(L.E10, scale)) >= 0 and exp <= 350:
            scale = L.mul(scale, L.E10)
            exp += 10
        while L.cmp(rv, L.mul(L.TEN, scale)) >= 0 and exp <= 350:
            scale = L.mul(scale, L.TEN)
            exp += 1
        rv = L.div(rv, scale)
        while L.cmp(rv, L.E_8) < 0:
            rv = L.mul(rv, L.E8)
            exp -= 8
        while L.cmp(rv, L.ONE) < 0:
            rv = L.mul(rv, L.TEN)
            exp -= 1
        if exp > 350:
            return prefix + "Inf", bool(prefix), True
    if xtype != _FLOAT:
        rv = L.add(rv, L.from_float(rounder))
        if L.cmp(rv, L.TEN) >= 0:
            rv = L.mul(rv, L.ONE_TENTH)
            exp += 1
    if xtype == _GENERIC:
        flag_rtz = not alt
        if exp < -4 or exp > precision:
            xtype = _EXP
        else:
            precision -= exp
            xtype = _FLOAT
    else:
        flag_rtz = alt2
    e2 = 0 if xtype == _EXP else exp
    nsd = 26 if alt2 else 16
    flag_dp = precision > 0 or alt or alt2
    out = [prefix] if prefix else []
    # et_getdigit: integer part of rv, then rv = (rv - digit) * 10
    if e2 < 0:
        out.append("0")
    else:
        while e2 >= 0:
            if nsd > 0:
                nsd -= 1
                d = L.trunc(rv)
                out.append(chr(48 + d))
                rv = L.mul(L.sub(rv, L.from_int(d)), L.TEN)
            else:
                out.append("0")
            e2 -= 1
    if flag_dp:
        out.append(".")
    e2 += 1
    if e2 < 0:
        out.append("0" * -e2)
        precision += e2
    if precision > 0:
        n = min(precision, max(nsd, 0))
        for _ in range(n):
            d = L.trunc(rv)
            out.append(chr(48 + d))
            rv = L.mul(L.sub(rv, L.from_int(d)), L.TEN)
        if precision > n:
            out.append("0" * (precision - n))
    text = "".join(out)
    if flag_rtz and flag_dp:
        text = text.rstrip("0")
        if text.endswith("."):
            text = text + "0" if alt2 else text[:-1]
    if xtype == _EXP:
        if exp < 0:
            text += echar + "-%02d" % -exp
        else:
            text += echar + "+%02d" % exp
    return text, bool(prefix), False


# -- fast paths --------------------------------------------------------------

def _digits20(r):
    """20 correctly rounded significant digits of r > 0 and its decimal exponent."""
    s = "%.19e" % r
    return s[0] + s[2:21], int(s[22:])


def _near_half(tail5, exp):
    """Is a 5-digit tail too close to half a unit of the digit before it?

    The long double error of printf's scaling stays below 0.003 units, but
    for |r| >= 1e100 it divides by powers of the double 1e100, which is
    1.6e-17 above 10**100: up to 0.016 units more per factor."""
    w = 1000 if exp < 100 else 1000 + 2000 * (exp // 100)
    return 50000 - w <= tail5 <= 50000 + w


def real_to_text(r):
    """A REAL as SQLite renders it as text: printf "%!.15g"."""
    if r == 0.0 or r != r:
        return "0.0" if r == 0.0 else "NaN"
    if r < 0.0:
        neg = "-"
        a = -r
    else:
        neg = ""
        a = r
    if a == float("inf"):
        return neg + "Inf"
    # Most REALs have a short shortest-repr; with at most 15 significant
    # digits it *is* the 15-digit rounding: a normal double is within half
    # an ulp (2**-53 relative) of its repr, at most 0.11 of a unit of the
    # 15th digit, far from a rounding boundary.  (Subnormals are not.)
    if a < 2.2250738585072014e-308:
        return _real_to_text_20(neg, a)
    s = repr(a)
    mant, e, ex = s.partition("e")
    ip, _, fp = mant.partition(".")
    if ip != "0":
        exp = len(ip) - 1
        ds = (ip + fp).rstrip("0")
    else:
        sig = fp.lstrip("0")
        exp = len(sig) - len(fp) - 1
        ds = sig.rstrip("0")
    if len(ds) <= 15:
        if e:
            exp += int(ex)
        return _g15(neg, ds or "0", exp)
    return _real_to_text_20(neg, a)


def _real_to_text_20(neg, a):
    """real_to_text() from 20 correctly rounded digits, or the emulation
    when those lie too close to a rounding boundary."""
    digits, exp = _digits20(a)
    tail = int(digits[15:])
    if _near_half(tail, exp):
        return _float_text(-a if neg else a, _GENERIC, 15, "", False, True, "e")[0]
    d15 = int(digits[:15]) + (tail >= 50000)
    if d15 == 10 ** 15:
        d15 = 10 ** 14
        exp += 1
    return _g15(neg, str(d15).rstrip("0"), exp)


def _g15(neg, ds, exp):
    """"%!.15g" layout of significant digits ``ds`` (no trailing zeros) whose
    first digit has decimal exponent ``exp``."""
    if exp < -4 or exp > 14:
        frac = ds[1:].rstrip("0") or "0"
        if exp < 0:
            return "%s%s.%se-%02d" % (neg, ds[0], frac, -exp)
        return "%s%s.%se+%02d" % (neg, ds[0], frac, exp)
    if exp >= 0:
        frac = ds[exp + 1:] or "0"
        return "%s%s.%s" % (neg, ds[:exp + 1].ljust(exp + 1, "0"), frac)
    return "%s0.%s%s" % (neg, "0" * (-exp - 1), ds.rstrip("0"))


def _round_digits_fast(r, n):
    """The text "%.*f" gives for (r, n), or None when too close to call.

    printf adds 0.5 unit of the last place (plus r*3e-16 for short outputs)
    and truncates; computed here exactly in integers from r's binary value."""
    a = -r if r < 0 else r
    rounder = _AR_ROUND[n % 10]
    k = n
    while k >= 10:
        rounder *= 1.0e-10
        k -= 10
    ex = _double_exponent(a)
    if n + int(ex / 3) < 15:
        rounder = rounder + a * 3e-16   # within an ulp of printf's long double sum
    num, den = a.as_integer_ratio()
    rn, rd = rounder.as_integer_ratio()
    # t = (a + rounder) * 10**n as an exact fraction tn / td (both dens are powers of 2)
    if den >= rd:
        tn = (num + rn * (den // rd)) * 10 ** n
        td = den
    else:
        tn = (num * (rd // den) + rn) * 10 ** n
        td = rd
    q, rem = divmod(tn, td)
    # Outside 2% of a unit from the truncation boundary, and few enough
    # digits that long double error stays far below that.
    if len(str(q)) > 16 or rem * 50 < td or rem * 50 > td * 49:
        return None
    s = str(q).rjust(n + 1, "0")
    body = s[:-n] + "." + s[-n:]
    return ("-" if r < 0 else "") + body


def round_real(r, n):
    """The round(X, N) function's arithmetic for a double r and 0 < n <= 30."""
    text = _round_digits_fast(r, n)
    if text is None:
        text = _float_text(r, _FLOAT, n, "", False, False, "e")[0]
    return atof(text)[1]


def quote_real(r):
    """quote() of a REAL: "%!.15g" if that reads back exactly, else "%!.20e".

    """
    s = real_to_text(r)
    if atof(s)[1] != r:
        s = _float_text(r, _EXP, 20, "", False, True, "e")[0]
    return s


# -- the printf engine -------------------------------------------------------

class _Args:
    """printf.c's PrintfArguments: SQL values consumed left to right."""

    __slots__ = ("args", "used")

    def __init__(self, args):
        self.args = args
        self.used = 0

    def _next(self):
        if self.used >= len(self.args):
            return None, False
        v = self.args[self.used]
        self.used += 1
        return v, True

    def int(self):
        v, ok = self._next()
        return to_int64(v) if ok else 0

    def double(self):
        v, ok = self._next()
        return to_double(v) if ok else 0.0

    def text(self):
        """sqlite3_value_text() as UTF-8 bytes, or None for NULL/missing."""
        v, ok = self._next()
        if v is None:
            return None
        return to_utf8(v)


def to_int64(v):
    """sqlite3_value_int64()."""
    t = type(v)
    if t is int:
        return v
    if t is float:
        return double_to_int64(v)
    if v is None:
        return 0
    return int_value(v)


def to_double(v):
    """sqlite3_value_double()."""
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    if v is None:
        return 0.0
    return real_value(v)


def to_text(v):
    """sqlite3_value_text(): the text of any non-NULL value (None for NULL)."""
    t = type(v)
    if t is str:
        return v
    if t is int:
        return str(v)
    if t is float:
        return real_to_text(v)
    if v is None:
        return None
    return v.decode("utf-8", "surrogateescape")


def cut_nul(s):
    """A text as C string functions see it: up to its first NUL."""
    i = s.find("\0")
    return s if i < 0 else s[:i]


def to_utf8(v):
    """sqlite3_value_text() as bytes (the text of a number, a blob's bytes)."""
    t = type(v)
    if t is str:
        return v.encode("utf-8", "surrogateescape")
    if t is bytes:
        return v
    if t is int:
        return str(v).encode()
    if t is float:
        return real_to_text(v).encode()
    return bytes(v)


def double_to_int64(r):
    """C's conversion of a double to int64 as SQLite's doubleToInt64 clamps it."""
    if r <= -9223372036854775808.0:
        return -(1 << 63)
    if r >= 9223372036854775807.0:
        return (1 << 63) - 1
    if r != r:
        return 0
    return int(r)


def _utf8_width_adjust(buf, width):
    """With '!', widths count characters: add one per continuation byte."""
    return width + sum(1 for b in buf if b & 0xC0 == 0x80)


def sql_printf(fmt, args):
    """printf(FORMAT, ...) / format(): -> str, or None if FORMAT is NULL."""
    if fmt is None:
        return None
    f = to_utf8(fmt)
    nul = f.find(b"\0")
    if nul >= 0:
        f = f[:nul]
    a = _Args(args)
    out = bytearray()
    i = 0
    n = len(f)
    total = 0
    # printf.c's accumulator allocates on its first append, even of zero
    # bytes; a format that never appends anything yields NULL.
    appended = False
    while i < n:
        j = f.find(b"%", i)
        if j < 0:
            out += f[i:]
            appended = True
            break
        if j > i:
            out += f[i:j]
            appended = True
        i = j + 1
        if i >= n:
            out += b"%"
            appended = True
            break
        # flags
        leftjustify = alt = alt2 = zeropad = False
        prefix_flag = ""
        thousand = False
        width = 0
        precision = -1
        c = chr(f[i])
        while True:
            if c == "-":
                leftjustify = True
            elif c == "+":
                prefix_flag = "+"
            elif c == " ":
                prefix_flag = " "
            elif c == "#":
                alt = True
            elif c == "!":
                alt2 = True
            elif c == "0":
                zeropad = True
            elif c == ",":
                thousand = True
            else:
                break
            i += 1
            c = chr(f[i]) if i < n else "\0"
        # width
        if c == "*":
            width = c_int(a.int())
            if width < 0:
                leftjustify = True
                width = -width if width >= -2147483647 else 0
            i += 1
            c = chr(f[i]) if i < n else "\0"
        elif "1" <= c <= "9":
            wx = 0
            while "0" <= c <= "9":
                wx = (wx * 10 + ord(c) - 48) & 0xFFFFFFFF
                i += 1
                c = chr(f[i]) if i < n else "\0"
            width = wx & 0x7FFFFFFF
        # precision
        if c == ".":
            i += 1
            c = chr(f[i]) if i < n else "\0"
            if c == "*":
                precision = c_int(a.int())
                if precision < 0:
                    precision = -precision if precision >= -2147483647 else -1
                i += 1
                c = chr(f[i]) if i < n else "\0"
            else:
                px = 0
                while "0" <= c <= "9":
                    px = (px * 10 + ord(c) - 48) & 0xFFFFFFFF
                    i += 1
                    c = chr(f[i]) if i < n else "\0"
                precision = px & 0x7FFFFFFF
        # "l" / "ll" length modifiers: accepted, meaningless for SQL values
        if c == "l":
            i += 1
            c = chr(f[i]) if i < n else "\0"
            if c == "l":
                i += 1
                c = chr(f[i]) if i < n else "\0"
        i += 1
        info = _FMT.get(c)
        if info is None or info[2] == _INTERNAL:
            break                              # unknown conversion: stop here
        base, signed, xtype, charset, pfx = info
        if xtype in (_DECIMAL, _RADIX, _POINTER, _ORDINAL):
            if xtype != _DECIMAL:
                thousand = False
            v = a.int()
            if signed:
                if v < 0:
                    longvalue = -v
                    prefix = "-"
                else:
                    longvalue = v
                    prefix = prefix_flag
            else:
                longvalue = v & _U64
                prefix = ""
            if longvalue == 0:
                alt = False
            if zeropad and precision < width - (prefix != ""):
                precision = width - (prefix != "")
            if precision > MAX_LENGTH:
                raise too_big()
            if base == 10:
                body = str(longvalue)
            elif base == 16:
                body = format(longvalue, "x" if charset[-1] == "f" else "X")
            else:
                body = format(longvalue, "o")
            if xtype == _ORDINAL:
                x = longvalue % 10
                if x >= 4 or (longvalue // 10) % 10 == 1:
                    x = 0
                suffix = ("th", "st", "nd", "rd")[x]
            else:
                suffix = ""
            # the zero padding counts an ordinal's suffix, as printf.c's does
            if len(body) + len(suffix) < precision:
                body = "0" * (precision - len(body) - len(suffix)) + body
            if thousand:
                head = len(body) % 3 or 3
                body = body[:head] + "".join(
                    "," + body[k:k + 3] for k in range(head, len(body), 3))
            text = body + suffix
            if prefix:
                text = prefix + text
            if alt and pfx:
                text = pfx + text
            buf = text.encode()
        elif xtype in (_FLOAT, _EXP, _GENERIC):
            v = a.double()
            if precision > _FP_PRECISION_LIMIT:
                precision = _FP_PRECISION_LIMIT
            if max(precision, 0) + width > MAX_LENGTH:
                raise too_big()
            text, has_prefix, special = _float_text(v, xtype, precision, prefix_flag,
                                                    alt, alt2, charset)
            if zeropad and not leftjustify and len(text) < width and not special:
                k = 1 if has_prefix else 0
                text = text[:k] + "0" * (width - len(text)) + text[k:]
            buf = text.encode()
        elif xtype == _SIZE:
            buf = b""
            width = 0
        elif xtype == _PERCENT:
            buf = b"%"
        elif xtype == _CHARX:
            t = a.text()
            if not t:
                ch = b"\0"            # the terminator of an empty/NULL text
            else:
                k = 1
                if t[0] & 0xC0 == 0xC0:
                    while k < 4 and k < len(t) and t[k] & 0xC0 == 0x80:
                        k += 1
                ch = t[:k]
            if precision > 1:
                width -= precision - 1
                if width > 1 and not leftjustify:
                    out += b" " * (width - 1)
                    width = 0
                out += ch * (precision - 1)
            buf = ch
            if width > 0:
                width = _utf8_width_adjust(buf, width)
        elif xtype == _STRING:
            t = a.text()
            if t is None:
                t = b""
            nul = t.find(b"\0")
            if nul >= 0:
                t = t[:nul]
            if precision >= 0:
                if alt2:
                    t = _first_chars(t, precision)
                else:
                    t = t[:precision]
            buf = t
            if alt2 and width > 0:
                width = _utf8_width_adjust(buf, width)
        else:   # %q %Q %w
            q = b'"' if xtype == _SQLESCAPE3 else b"'"
            t = a.text()
            isnull = t is None
            if isnull:
                t = b"NULL" if xtype == _SQLESCAPE2 else b"(NULL)"
            nul = t.find(b"\0")
            if nul >= 0:
                t = t[:nul]
            if precision >= 0:
                t = _first_chars(t, precision) if alt2 else t[:precision]
            body = t.replace(q, q + q)
            if not isnull and xtype == _SQLESCAPE2:
                body = q + body + q
            buf = body
            if alt2 and width > 0:
                width = _utf8_width_adjust(buf, width)
        appended = True
        pad = width - len(buf)
        if pad > 0:
            if total + pad > MAX_LENGTH:
                raise too_big()
            if leftjustify:
                out += buf
                out += b" " * pad
            else:
                out += b" " * pad
                out += buf
        else:
            out += buf
        total = len(out)
        if total > MAX_LENGTH:
            raise too_big()
    if not appended:
        return None
    return out.decode("utf-8", "surrogateescape")


def c_int(v):
    """An int64 narrowed to a C int (sqlite3_value_int(), (int) casts)."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _first_chars(t, count):
    """The bytes of the first ``count`` UTF-8 characters of t (SQLITE_SKIP_UTF8)."""
    k = 0
    n = len(t)
    while count > 0 and k < n:
        b = t[k]
        k += 1
        if b >= 0xC0:
            while k < n and t[k] & 0xC0 == 0x80:
                k += 1
        count -= 1
    return t[:k]
