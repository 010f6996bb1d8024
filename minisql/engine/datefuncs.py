"""Date and time functions, as date.c of SQLite 3.40 computes them:
date(), time(), datetime(), julianday(), unixepoch(), strftime() and the
current_date/current_time/current_timestamp keywords.

Every value is a "julian day number times 86400000" (``jd``, an int of
milliseconds since noon UTC on 4714-11-24 BC, proleptic Gregorian), plus the
broken-down Y-M-D and h:m:s that are computed lazily from it or parsed into
it.  ``_DateTime`` mirrors date.c's struct DateTime field for field, and the
parsing, the modifiers and the (sometimes surprising) arithmetic follow
date.c step by step, because the results must match to the millisecond:
e.g. julian day <-> Y-M-D uses Meeus' floating-point formulas, seconds are
kept as a double, 'NNN months' keeps the day of month (so 01-31 +1 month is
03-03), and numbers are read with SQLite's own atof.

The current time ('now', no arguments, current_*) is the statement's time:
``ctx.statement_time()`` when the context object has it (so every call in one
statement sees the same instant, as in SQLite), else the clock.  'localtime'
and 'utc' use the process time zone, through time.localtime() as date.c
uses localtime_r().
"""

import struct
import time

from .. import errors
from ..atof import atof
from .printf import sql_printf, to_double, to_text, c_int, cut_nul

_JD_MAX = 464269060799999          # 9999-12-31 23:59:59.999
_UNIX_EPOCH_JD_S = 210866760000    # julian day of 1970-01-01 00:00:00, in seconds
_SPACES = " \t\n\v\f\r"


class _DateTime:
    __slots__ = ("jd", "Y", "M", "D", "h", "m", "tz", "s", "validJD", "rawS",
                 "validYMD", "validHMS", "validTZ", "tzSet", "isError")

    def __init__(self):
        self.clear()

    def clear(self):
        self.jd = 0
        self.Y = self.M = self.D = self.h = self.m = self.tz = 0
        self.s = 0.0
        self.validJD = self.rawS = self.validYMD = self.validHMS = False
        self.validTZ = self.tzSet = self.isError = False

    def copy(self):
        c = _DateTime()
        for f in self.__slots__:
            setattr(c, f, getattr(self, f))
        return c


def _cdiv(a, b):
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _cmod(a, b):
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def _char(z, i):
    return z[i] if i < len(z) else "\0"


def _get_digits(z, i, spec):
    """getDigits(): ``spec`` is [(ndigits, min, max, next_char or None)]; ->
    the values converted before the first failure."""
    out = []
    for n, lo, hi, nxt in spec:
        val = 0
        for _ in range(n):
            c = _char(z, i)
            if not ("0" <= c <= "9"):
                return out
            val = val * 10 + ord(c) - 48
            i += 1
        if val < lo or val > hi or (nxt is not None and _char(z, i) != nxt):
            return out
        out.append(val)
        i += 1
    return out


_HHMM = [(2, 0, 24, ":"), (2, 0, 59, None)]
_TZ = [(2, 0, 14, ":"), (2, 0, 59, None)]
_SS = [(2, 0, 59, None)]
_YMD = [(4, 0, 9999, "-"), (2, 1, 12, "-"), (2, 1, 31, None)]


def _parse_timezone(z, i, p):
    while i < len(z) and z[i] in _SPACES:
        i += 1
    p.tz = 0
    c = _char(z, i)
    if c == "z" or c == "Z":
        i += 1
    elif c == "+" or c == "-":
        sgn = -1 if c == "-" else 1
        i += 1
        got = _get_digits(z, i, _TZ)
        if len(got) != 2:
            return True
        i += 5
        p.tz = sgn * (got[1] + got[0] * 60)
    else:
        return c != "\0"
    while i < len(z) and z[i] in _SPACES:
        i += 1
    p.tzSet = True
    return i < len(z)


def _parse_hhmmss(z, i, p):
    got = _get_digits(z, i, _HHMM)
    if len(got) != 2:
        return True
    h, m = got
    i += 5
    ms = 0.0
    if _char(z, i) == ":":
        i += 1
        got = _get_digits(z, i, _SS)
        if len(got) != 1:
            return True
        s = got[0]
        i += 2
        if _char(z, i) == "." and "0" <= _char(z, i + 1) <= "9":
            scale = 1.0
            i += 1
            while "0" <= _char(z, i) <= "9":
                ms = ms * 10.0 + (ord(z[i]) - 48)
                scale *= 10.0
                i += 1
            ms /= scale
    else:
        s = 0
    p.validJD = False
    p.rawS = False
    p.validHMS = True
    p.h = h
    p.m = m
    p.s = s + ms
    if _parse_timezone(z, i, p):
        return True
    p.validTZ = p.tz != 0
    return False


def _compute_jd(p):
    if p.validJD:
        return
    if p.validYMD:
        Y, M, D = p.Y, p.M, p.D
    else:
        Y, M, D = 2000, 1, 1
    if Y < -4713 or Y > 9999 or p.rawS:
        p.clear()
        p.isError = True
        return
    if M <= 2:
        Y -= 1
        M += 12
    A = _cdiv(Y, 100)
    B = 2 - A + _cdiv(A, 4)
    X1 = _cdiv(36525 * (Y + 4716), 100)
    X2 = _cdiv(306001 * (M + 1), 10000)
    p.jd = int((X1 + X2 + D + B - 1524.5) * 86400000)
    p.validJD = True
    if p.validHMS:
        p.jd += p.h * 3600000 + p.m * 60000 + int(p.s * 1000 + 0.5)
        if p.validTZ:
            p.jd -= p.tz * 60000
            p.validYMD = False
            p.validHMS = False
            p.validTZ = False


def _parse_yyyymmdd(z, p):
    i = 0
    neg = _char(z, 0) == "-"
    if neg:
        i = 1
    got = _get_digits(z, i, _YMD)
    if len(got) != 3:
        return True
    Y, M, D = got
    i += 10
    while i < len(z) and (z[i] in _SPACES or z[i] == "T"):
        i += 1
    if not _parse_hhmmss(z, i, p):
        pass
    elif i >= len(z):
        p.validHMS = False
    else:
        return True
    p.validJD = False
    p.validYMD = True
    p.Y = -Y if neg else Y
    p.M = M
    p.D = D
    if p.validTZ:
        _compute_jd(p)
    return False


def _now(ctx):
    get = getattr(ctx, "statement_time", None)
    if get is not None:
        return get()
    return current_time_jd()


def current_time_jd():
    """The current time as a julian day number times 86400000."""
    return time.time_ns() // 1000000 + _UNIX_EPOCH_JD_S * 1000


def _set_raw_number(p, r):
    p.s = r
    p.rawS = True
    if 0.0 <= r < 5373484.5:
        p.jd = int(r * 86400000.0 + 0.5)
        p.validJD = True


def _parse_date_or_time(ctx, z, p):
    if not _parse_yyyymmdd(z, p):
        return False
    if not _parse_hhmmss(z, 0, p):
        return False
    if z.lower() == "now" and z.isascii():
        p.jd = _now(ctx)
        p.validJD = True
        return False
    rc, r = atof(z)
    if rc > 0:
        _set_raw_number(p, r)
        return False
    return True


def _valid_jd(jd):
    return 0 <= jd <= _JD_MAX


def _compute_ymd(p):
    if p.validYMD:
        return
    if not p.validJD:
        p.Y, p.M, p.D = 2000, 1, 1
    elif not _valid_jd(p.jd):
        p.clear()
        p.isError = True
        return
    else:
        Z = _cdiv(p.jd + 43200000, 86400000)
        A = int((Z - 1867216.25) / 36524.25)
        A = Z + 1 + A - _cdiv(A, 4)
        B = A + 1524
        C = int((B - 122.1) / 365.25)
        D = _cdiv(36525 * (C & 32767), 100)
        E = int((B - D) / 30.6001)
        X1 = int(30.6001 * E)
        p.D = B - D - X1
        p.M = E - 1 if E < 14 else E - 13
        p.Y = C - 4716 if p.M > 2 else C - 4715
    p.validYMD = True


def _compute_hms(p):
    if p.validHMS:
        return
    _compute_jd(p)
    s = _cmod(p.jd + 43200000, 86400000)
    p.s = s / 1000.0
    s = int(p.s)
    p.s -= s
    p.h = _cdiv(s, 3600)
    s -= p.h * 3600
    p.m = _cdiv(s, 60)
    p.s += s - p.m * 60
    p.rawS = False
    p.validHMS = True


def _compute_ymd_hms(p):
    _compute_ymd(p)
    _compute_hms(p)


def _clear_ymd_hms_tz(p):
    p.validYMD = False
    p.validHMS = False
    p.validTZ = False


def _to_localtime(p):
    """Move a UTC time to local time (date.c's toLocaltime).  Outside
    1970..2037 the year is mapped into 2000..2003 for localtime() and back."""
    _compute_jd(p)
    if p.jd < 210866760000000 or p.jd > 213014145600000:
        x = p.copy()
        _compute_ymd_hms(x)
        year_diff = (2000 + _cmod(x.Y, 4)) - x.Y
        x.Y += year_diff
        x.validJD = False
        _compute_jd(x)
        t = _cdiv(x.jd, 1000) - _UNIX_EPOCH_JD_S
    else:
        year_diff = 0
        t = _cdiv(p.jd, 1000) - _UNIX_EPOCH_JD_S
    tm = _localtime(t)
    p.Y = tm.tm_year - year_diff
    p.M = tm.tm_mon
    p.D = tm.tm_mday
    p.h = tm.tm_hour
    p.m = tm.tm_min
    p.s = tm.tm_sec + _cmod(p.jd, 1000) * 0.001
    p.validYMD = p.validHMS = True
    p.validJD = p.rawS = p.validTZ = p.isError = False


def _localtime(t):
    try:
        return time.localtime(t)
    except (OverflowError, OSError, ValueError):
        raise errors.OperationalError("local time unavailable") from None


def _to_utc(p):
    """The 'utc' modifier: find the UTC time whose local time is p, by up to
    four rounds of guess and correct, as date.c does -- including its
    keeping the error of a guess in a 32-bit C int."""
    _compute_jd(p)
    orig = guess = p.jd
    err = 0
    cnt = 0
    while True:
        guess -= err
        new = _DateTime()
        new.jd = guess
        new.validJD = True
        _to_localtime(new)
        _compute_jd(new)
        err = c_int(new.jd - orig)
        if not err or cnt >= 3:
            break
        cnt += 1
    p.clear()
    p.jd = guess
    p.validJD = True
    p.tzSet = True


def _f32(x):
    """A C ``float`` constant: date.c keeps these limits in single precision."""
    return struct.unpack("f", struct.pack("f", x))[0]


# 'NNN units': name, limit on |NNN|, seconds per unit
_XFORMS = tuple((name, _f32(limit), xform) for name, limit, xform in (
    ("second", 4.6427e+14, 1.0), ("minute", 7.7379e+12, 60.0),
    ("hour", 1.2897e+11, 3600.0), ("day", 5373485.0, 86400.0),
    ("month", 176546.0, 2592000.0), ("year", 14713.0, 31536000.0)))


def _parse_modifier(ctx, z, p, idx):
    """Apply one modifier; -> True on error (an unknown or invalid one)."""
    lz = z.lower() if z.isascii() else z
    c = lz[:1]
    if c == "a":
        if lz == "auto":
            if idx > 1:
                return True
            if not p.rawS or p.validJD:
                p.rawS = False
            elif -210866760000 <= p.s <= 253402300799:
                r = p.s * 1000.0 + 210866760000000.0
                _clear_ymd_hms_tz(p)
                p.jd = int(r + 0.5)
                p.validJD = True
                p.rawS = False
            return False
        return True
    if c == "j":
        if lz == "julianday":
            if idx > 1:
                return True
            if p.validJD and p.rawS:
                p.rawS = False
                return False
        return True
    if c == "l":
        if lz == "localtime":
            _to_localtime(p)
            return False
        return True
    if c == "u":
        if lz == "unixepoch" and p.rawS:
            if idx > 1:
                return True
            r = p.s * 1000.0 + 210866760000000.0
            if 0.0 <= r < 464269060800000.0:
                _clear_ymd_hms_tz(p)
                p.jd = int(r + 0.5)
                p.validJD = True
                p.rawS = False
                return False
            return True
        if lz == "utc":
            if not p.tzSet:
                _to_utc(p)
            return False
        return True
    if c == "w":
        if lz.startswith("weekday "):
            rc, r = atof(z[8:])
            if rc > 0 and 0.0 <= r < 7.0 and int(r) == r:
                n = int(r)
                _compute_ymd_hms(p)
                p.validTZ = False
                p.validJD = False
                _compute_jd(p)
                Z = _cmod(_cdiv(p.jd + 129600000, 86400000), 7)
                if Z > n:
                    Z -= 7
                p.jd += (n - Z) * 86400000
                _clear_ymd_hms_tz(p)
                return False
        return True
    if c == "s":
        if not lz.startswith("start of "):
            return True
        if not p.validJD and not p.validYMD and not p.validHMS:
            return True
        rest = lz[9:]
        _compute_ymd(p)
        p.validHMS = True
        p.h = p.m = 0
        p.s = 0.0
        p.rawS = False
        p.validTZ = False
        p.validJD = False
        if rest == "month":
            p.D = 1
            return False
        if rest == "year":
            p.M = 1
            p.D = 1
            return False
        return rest != "day"
    if c and c in "+-0123456789":
        return _parse_amount(z, p)
    return True


def _parse_amount(z, p):
    """'NNN units' and '(+|-)HH:MM[:SS[.FFF]]' modifiers."""
    n = 1
    while n < len(z) and z[n] != ":" and z[n] not in _SPACES:
        n += 1
    rc, r = atof(z[:n])
    if rc <= 0:
        return True
    if _char(z, n) == ":":
        z2 = z if "0" <= z[0] <= "9" else z[1:]
        tx = _DateTime()
        if _parse_hhmmss(z2, 0, tx):
            return True
        _compute_jd(tx)
        tx.jd -= 43200000
        day = _cdiv(tx.jd, 86400000)
        tx.jd -= day * 86400000
        if z[0] == "-":
            tx.jd = -tx.jd
        _compute_jd(p)
        _clear_ymd_hms_tz(p)
        p.jd += tx.jd
        return False
    rest = z[n:].lstrip(_SPACES)
    nn = len(rest.encode("utf-8", "surrogateescape"))
    if nn > 10 or nn < 3:
        return True
    unit = rest.lower() if rest.isascii() else rest
    if unit.endswith("s"):
        unit = unit[:-1]
    _compute_jd(p)
    rounder = -0.5 if r < 0 else 0.5
    err = True
    for i, (name, limit, xform) in enumerate(_XFORMS):
        if unit == name and -limit < r < limit:
            if i == 4:                       # months: keep the day of month
                _compute_ymd_hms(p)
                p.M += int(r)
                x = _cdiv(p.M - 1, 12) if p.M > 0 else _cdiv(p.M - 12, 12)
                p.Y += x
                p.M -= x * 12
                p.validJD = False
                r -= int(r)
            elif i == 5:                     # years
                _compute_ymd_hms(p)
                p.Y += int(r)
                p.validJD = False
                r -= int(r)
            _compute_jd(p)
            p.jd += int(r * 1000.0 * xform + rounder)
            err = False
            break
    _clear_ymd_hms_tz(p)
    return err


def _is_date(ctx, args):
    """date.c's isDate(): -> a _DateTime, or None (the result is NULL)."""
    p = _DateTime()
    if not args:
        p.jd = _now(ctx)
        p.validJD = True
        return p
    a0 = args[0]
    if type(a0) in (int, float):
        _set_raw_number(p, to_double(a0))
    else:
        if a0 is None:
            return None
        z = cut_nul(to_text(a0))
        if _parse_date_or_time(ctx, z, p):
            return None
    for idx, a in enumerate(args[1:], 1):
        if a is None:
            return None
        z = cut_nul(to_text(a))
        if _parse_modifier(ctx, z, p, idx):
            return None
    _compute_jd(p)
    if p.isError or not _valid_jd(p.jd):
        return None
    return p


def julianday(ctx, *args):
    p = _is_date(ctx, args)
    if p is None:
        return None
    return p.jd / 86400000.0


def unixepoch(ctx, *args):
    p = _is_date(ctx, args)
    if p is None:
        return None
    return _cdiv(p.jd, 1000) - _UNIX_EPOCH_JD_S


def _ymd_text(p):
    """YYYY-MM-DD, a negative year as '-' and four digits."""
    return "%s%04d-%02d-%02d" % ("-" if p.Y < 0 else "", abs(p.Y) % 10000, p.M, p.D)


def datetime_(ctx, *args):
    p = _is_date(ctx, args)
    if p is None:
        return None
    _compute_ymd_hms(p)
    return "%s %02d:%02d:%02d" % (_ymd_text(p), p.h, p.m, int(p.s))


def time_(ctx, *args):
    p = _is_date(ctx, args)
    if p is None:
        return None
    _compute_hms(p)
    return "%02d:%02d:%02d" % (p.h, p.m, int(p.s))


def date_(ctx, *args):
    p = _is_date(ctx, args)
    if p is None:
        return None
    _compute_ymd(p)
    return _ymd_text(p)


def strftime_(ctx, *args):
    if not args or args[0] is None:
        return None
    fmt = cut_nul(to_text(args[0]))
    p = _is_date(ctx, args[1:])
    if p is None:
        return None
    _compute_jd(p)
    _compute_ymd_hms(p)
    out = []
    i = 0
    n = len(fmt)
    while i < n:
        j = fmt.find("%", i)
        if j < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:j])
        c = _char(fmt, j + 1)
        i = j + 2
        if c == "d":
            out.append("%02d" % p.D)
        elif c == "f":
            out.append(sql_printf("%06.3f", [min(p.s, 59.999)]))
        elif c == "H":
            out.append("%02d" % p.h)
        elif c == "W" or c == "j":
            y = p.copy()
            y.validJD = False
            y.M = 1
            y.D = 1
            _compute_jd(y)
            nday = _cdiv(p.jd - y.jd + 43200000, 86400000)
            if c == "W":
                wd = _cmod(_cdiv(p.jd + 43200000, 86400000), 7)
                out.append("%02d" % _cdiv(nday + 7 - wd, 7))
            else:
                out.append("%03d" % (nday + 1))
        elif c == "J":
            out.append(sql_printf("%.16g", [p.jd / 86400000.0]))
        elif c == "m":
            out.append("%02d" % p.M)
        elif c == "M":
            out.append("%02d" % p.m)
        elif c == "s":
            out.append(str(_cdiv(p.jd, 1000) - _UNIX_EPOCH_JD_S))
        elif c == "S":
            out.append("%02d" % int(p.s))
        elif c == "w":
            out.append(chr(48 + _cmod(_cdiv(p.jd + 129600000, 86400000), 7)))
        elif c == "Y":
            out.append(sql_printf("%04d", [p.Y]))
        elif c == "%":
            out.append("%")
        else:
            return None
    return "".join(out)


def current_date(ctx):
    return date_(ctx)


def current_time(ctx):
    return time_(ctx)


def current_timestamp(ctx):
    return datetime_(ctx)


for _f in (julianday, unixepoch, datetime_, time_, date_, strftime_, current_date,
           current_time, current_timestamp):
    _f.needs_context = True
