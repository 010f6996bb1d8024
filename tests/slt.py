"""A sqllogictest runner over any DB-API module (../shared/sqllogictest/README.md).

The file format and the verdicts follow SQLite's C runner (sqllogictest.c with
slt_sqlite.c), which decides every unclear detail:

- Lines starting with '#' are dropped wherever they appear (even among results);
  a line of only whitespace is blank; blank lines separate records.
- ``skipif E`` / ``onlyif E`` prefixes compare E case-insensitively with the engine
  name ("sqlite": our engines speak SQLite's dialect).
- ``statement ok|error``: the SQL may hold several statements; like sqlite3_exec
  they run in order and the first error stops them.  "error" passes on any
  DB-API error (a Python exception that is not one is always a failure).
- ``query <types> [<sort>] [<label>]``: each value is printed as sqlite3_column_*
  would show it (``format_value``); results are sorted as asked, compared with the
  listed values or, above the hash threshold, with 'N values hashing to <md5>'.
  Queries sharing a label must agree (md5 of their values).  Unlike the C runner,
  which compares only as many lines as both sides have, the value count must match.
- A query that fails at run time keeps the rows fetched before the error (the C
  runner ignores sqlite3_step's error code).  DB-API modules raise such errors from
  execute() too, so an error is treated as a run-time one only when SQLite raises it
  from sqlite3_step: its message is in ``RUNTIME_ERRORS``.  Any other error fails
  the query.

Value formatting (what the C runner gets from SQLite 3.x and prints):
- I: sqlite3_column_int, i.e. the 64-bit integer value truncated to 32 bits; reals
  are truncated toward zero (saturating at the 64-bit limits), text and blobs give
  their leading integer.
- R: sqlite3_column_double printed with SQLite's "%.3f": ties round away from zero
  and at most 16 significant digits are printed.  The expected results were made
  by a build whose printf does its arithmetic in double precision (as SQLite does
  where long double is a double), so R runs SQLite's algorithm with Python floats:
  that prints -2**63 as -9223372036854776000.000 as the scripts expect, where
  sqlite3 3.40 on x86-64 (long double) prints -9223372036854775000.000.  Below 1e9
  both give the same digits.
- T: sqlite3_column_text: integers in decimal, reals as SQLite's "%!.15g" (long
  double arithmetic, as sqlite3 3.40 does), text and blobs up to their first NUL
  byte, every byte outside ' '..'~' shown as '@', the empty string as "(empty)".
"""
import hashlib
import math
import re
import struct
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import util

DEFAULT_HASH_THRESHOLD = 8
ENGINE_NAME = "sqlite"
# Errors SQLite raises from sqlite3_step (after a successful prepare); a query
# failing with one of these shows the rows fetched before it.
RUNTIME_ERRORS = frozenset({"integer overflow"})


# -- parsing ---------------------------------------------------------------------

@dataclass
class Record:
    kind: str                 # statement | query | hash-threshold | halt
    line: int                 # line number of the record's keyword line
    args: list                # tokens after the keyword
    sql: str = ""
    expected: list = field(default_factory=list)
    skipped: bool = False     # by skipif/onlyif for our engine


class ScriptError(Exception):
    pass


def parse_script(text, engine=ENGINE_NAME):
    """The records of a script, in order (skipped ones flagged, not dropped)."""
    lines = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line.strip():
            line = ""
        elif line.startswith("#"):
            continue
        lines.append((number, line))
    groups, current = [], []
    for number, line in lines:
        if line:
            current.append((number, line))
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return [_record(g, engine) for g in groups]


def _record(group, engine):
    skipped = False
    i = 0
    while True:
        tokens = group[i][1].split()
        if tokens[0] not in ("skipif", "onlyif"):
            break
        match = len(tokens) > 1 and tokens[1].lower() == engine.lower()
        if (tokens[0] == "skipif") == match:
            skipped = True
        i += 1
        if i == len(group):
            raise ScriptError(f"line {group[i - 1][0]}: condition without a record")
    number, _ = group[i]
    kind, args = tokens[0], tokens[1:]
    body = [line for _, line in group[i + 1:]]
    rec = Record(kind, number, args, skipped=skipped)
    if kind == "statement":
        if not args or args[0] not in ("ok", "error"):
            raise ScriptError(f"line {number}: statement must be 'ok' or 'error'")
        rec.sql = "\n".join(body)
    elif kind == "query":
        if not args or not args[0] or set(args[0]) - set("TIR"):
            raise ScriptError(f"line {number}: bad type string {args[:1]}")
        if len(args) > 1 and args[1] not in ("nosort", "rowsort", "valuesort"):
            raise ScriptError(f"line {number}: unknown sort method {args[1]!r}")
        sep = body.index("----") if "----" in body else len(body)
        rec.sql = "\n".join(body[:sep])
        rec.expected = body[sep + 1:]
    elif kind == "hash-threshold":
        if len(args) != 1 or not args[0].isdigit():
            raise ScriptError(f"line {number}: hash-threshold needs a number")
    elif kind != "halt":
        raise ScriptError(f"line {number}: unknown record type {kind!r}")
    return rec


# -- SQLite's conversions ------------------------------------------------------------

_SPACE = " \t\n\v\f\r"   # sqlite3Isspace: ASCII whitespace only
_INT_PREFIX = re.compile(rb"[ \t\n\v\f\r]*([+-]?)0*([0-9]*)")
_REAL_PREFIX = re.compile(
    rb"[ \t\n\v\f\r]*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


def _as_bytes(value):
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value


def int64_value(value):
    """sqlite3_value_int64 of a Python value from a DB-API row."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"not an SQLite value: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # doubleToInt64: saturate at the limits, else truncate toward zero.
        if math.isnan(value):
            return _I64_MIN     # what the x86-64 conversion of NaN yields
        if value <= -9.223372036854775808e18:
            return _I64_MIN
        if value >= 9.223372036854775808e18:
            return _I64_MAX
        return int(value)
    if isinstance(value, (str, bytes)):
        # sqlite3Atoi64: leading integer, saturating on overflow.
        sign, digits = _INT_PREFIX.match(_as_bytes(value)).groups()
        n = int(digits) if digits else 0
        n = -n if sign == b"-" else n
        return min(max(n, _I64_MIN), _I64_MAX)
    raise TypeError(f"not an SQLite value: {value!r}")


def column_int(value):
    """sqlite3_column_int: the int64 value's low 32 bits, as a signed C int."""
    n = int64_value(value) & 0xFFFFFFFF
    return n - (1 << 32) if n & 0x80000000 else n


def column_double(value):
    """sqlite3_column_double of a Python value from a DB-API row."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"not an SQLite value: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (str, bytes)):
        # sqlite3AtoF: the longest numeric prefix, 0.0 when there is none.
        m = _REAL_PREFIX.match(_as_bytes(value))
        return float(m.group(1)) if m else 0.0
    raise TypeError(f"not an SQLite value: {value!r}")


# -- SQLite's printf for reals (printf.c, etFLOAT and etGENERIC) ---------------------

def _round_to_bits(x, bits):
    """``x`` (a Fraction) rounded to ``bits`` significant bits, ties to even."""
    if not x:
        return x
    a = abs(x)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if a < Fraction(2) ** e:
        e -= 1
    shift = bits - 1 - e
    scaled = a * Fraction(2) ** shift
    q, r = divmod(scaled.numerator, scaled.denominator)
    if 2 * r > scaled.denominator or (2 * r == scaled.denominator and q & 1):
        q += 1
    result = q / Fraction(2) ** shift
    return -result if x < 0 else result


class _LongDouble:
    """x87 80-bit arithmetic (64-bit significand) on Fractions: what SQLite's
    LONGDOUBLE_TYPE is on x86-64 Linux."""
    @staticmethod
    def const(c):
        return Fraction(c)

    @staticmethod
    def round(x):
        return _round_to_bits(x, 64)


class _Double:
    """Plain IEEE double arithmetic: Python floats round exactly like C doubles."""
    @staticmethod
    def const(c):
        return float(c)

    @staticmethod
    def round(x):
        return x


_AR_ROUND = (5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05,
             5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10)


def _printf_float(value, precision, generic, altform2, arith):
    """SQLite's "%.<precision>f" (generic=False) or "%!.<precision>g" (generic and
    altform2), computed with ``arith`` (_LongDouble or _Double)."""
    if math.isnan(value):
        return "NaN"
    prefix = "-" if value < 0 else ""
    if math.isinf(value):
        return prefix + "Inf"
    c, rnd = arith.const, arith.round
    real = c(abs(value))
    if generic and precision > 0:
        precision -= 1
    idx = precision
    rounder = _AR_ROUND[idx % 10]          # a C double
    while idx >= 10:
        rounder *= 1.0e-10
        idx -= 10
    if not generic:
        # Larger rounder for values whose digits the output shows (SQLite >= 3.29).
        ex = ((struct.unpack("<Q", struct.pack("<d", abs(value)))[0] >> 52) & 0x7FF) - 1023
        if precision + int(ex / 3) < 15:
            rounder = float(rnd(c(rounder) + rnd(real * c(3e-16))))
        real = rnd(real + c(rounder))
    exp = 0
    if real > 0:
        scale = c(1.0)
        while real >= rnd(c(1e100) * scale) and exp <= 350:
            scale = rnd(scale * c(1e100))
            exp += 100
        while real >= rnd(c(1e10) * scale) and exp <= 350:
            scale = rnd(scale * c(1e10))
            exp += 10
        while real >= rnd(c(10.0) * scale) and exp <= 350:
            scale = rnd(scale * c(10.0))
            exp += 1
        real = rnd(real / scale)
        while real < c(1e-8):
            real = rnd(real * c(1e8))
            exp -= 8
        while real < 1:
            real = rnd(real * c(10.0))
            exp -= 1
        if exp > 350:
            return prefix + "Inf"
    exponential = False
    if generic:
        real = rnd(real + c(rounder))
        if real >= 10:
            real = rnd(real * c(0.1))
            exp += 1
        strip_zeros = True
        if exp < -4 or exp > precision:
            exponential = True
        else:
            precision -= exp
    else:
        strip_zeros = altform2
    e2 = 0 if exponential else exp
    significant = 16 + (10 if altform2 else 0)
    out = []

    def digit():
        nonlocal real, significant
        if significant <= 0:
            return "0"
        significant -= 1
        d = int(real)
        real = rnd((real - d) * c(10.0))
        return chr(48 + d)

    with_point = precision > 0 or altform2
    if e2 < 0:
        out.append("0")
    else:
        for _ in range(e2 + 1):
            out.append(digit())
        e2 = -1
    if with_point:
        out.append(".")
    e2 += 1
    while e2 < 0:
        out.append("0")
        precision -= 1
        e2 += 1
    for _ in range(precision):
        out.append(digit())
    if strip_zeros and with_point:
        while out[-1] == "0":
            out.pop()
        if out[-1] == ".":
            if altform2:
                out.append("0")
            else:
                out.pop()
    if exponential:
        out.append("e-" if exp < 0 else "e+")
        exp = abs(exp)
        if exp >= 100:
            out.append(chr(48 + exp // 100))
            exp %= 100
        out.append(chr(48 + exp // 10))
        out.append(chr(48 + exp % 10))
    return prefix + "".join(out)


def format_real_3f(value):
    """SQLite's "%.3f" as the expected results were made (double arithmetic)."""
    return _printf_float(float(value), 3, False, False, _Double)


def format_real_text(value):
    """sqlite3_column_text of a REAL: "%!.15g" with long double arithmetic."""
    if value.is_integer() and abs(value) < 1e15:
        return "%d.0" % value        # exact digits, same result, no Fraction work
    return _printf_float(value, 15, True, True, _LongDouble)


def column_text(value):
    """sqlite3_column_text as the runner prints it (see the module docstring)."""
    if isinstance(value, bool):
        raise TypeError(f"not an SQLite value: {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_real_text(value)
    if isinstance(value, (str, bytes)):
        raw = _as_bytes(value).split(b"\0", 1)[0]
        if not raw:
            return "(empty)"
        return raw.translate(_PRINTABLE).decode("ascii")
    raise TypeError(f"not an SQLite value: {value!r}")


_PRINTABLE = bytes(b if 32 <= b <= 126 else 64 for b in range(256))


def format_value(value, type_char):
    if value is None:
        return "NULL"
    if type_char == "I":
        return str(column_int(value))
    if type_char == "R":
        return format_real_3f(column_double(value))
    return column_text(value)


def hash_values(values):
    md5 = hashlib.md5()
    for v in values:
        md5.update(v.encode("ascii"))
        md5.update(b"\n")
    return md5.hexdigest()


# -- running -------------------------------------------------------------------------

@dataclass
class Failure:
    line: int
    message: str
    sql: str


@dataclass
class FileResult:
    name: str
    passed: int = 0
    failures: list = field(default_factory=list)     # Failure, not expected
    expected_failures: list = field(default_factory=list)   # listed lines that failed
    stale_expected: list = field(default_factory=list)      # listed lines that passed
    skipped: int = 0            # statements/queries skipped by skipif/onlyif
    halted_at: int = None

    @property
    def total(self):
        return self.passed + len(self.failures) + len(self.expected_failures)

    def summary(self):
        text = f"{self.name}: {self.passed}/{self.total} passed"
        extra = []
        if self.expected_failures:
            extra.append(f"{len(self.expected_failures)} listed in the skip list")
        if self.skipped:
            extra.append(f"{self.skipped} not for sqlite")
        return text + (f" ({', '.join(extra)})" if extra else "")


class _QueryError(Exception):
    pass


class Runner:
    """Runs scripts through one connection of a DB-API ``module``."""

    def __init__(self, module, conn, engine=ENGINE_NAME):
        self.module = module
        self.conn = conn
        self.engine = engine
        self.hash_threshold = DEFAULT_HASH_THRESHOLD
        self.labels = {}

    def run_script(self, text, name, expected_failures=frozenset()):
        """Run every record of ``text``; ``expected_failures`` holds record lines
        that may fail (the skip list).  Returns a FileResult."""
        result = FileResult(name)
        for rec in parse_script(text, self.engine):
            if rec.skipped:
                result.skipped += rec.kind in ("statement", "query")
                continue
            if rec.kind == "halt":
                result.halted_at = rec.line
                break
            if rec.kind == "hash-threshold":
                self.hash_threshold = int(rec.args[0])
                continue
            problem = self._statement(rec) if rec.kind == "statement" else self._query(rec)
            listed = rec.line in expected_failures
            if problem is None:
                result.passed += 1
                if listed:
                    result.stale_expected.append(rec.line)
            else:
                failure = Failure(rec.line, problem, rec.sql)
                (result.expected_failures if listed else result.failures).append(failure)
        return result

    def _describe(self, exc):
        return f"{util.error_kind(self.module, exc)}: {exc}"

    def _statement(self, rec):
        error = None
        cur = self.conn.cursor()
        for sql in util.split_statements(rec.sql):
            try:
                cur.execute(sql)
            except self.module.Error as e:
                error = e
                break
            except Exception as e:  # noqa: BLE001 - not a DB-API error: a bug
                return f"raised {type(e).__name__} (not a DB-API error): {e}"
        if rec.args[0] == "ok" and error is not None:
            return f"statement failed: {self._describe(error)}"
        if rec.args[0] == "error" and error is None:
            return "statement succeeded, expected an error"
        return None

    def _query(self, rec):
        types = rec.args[0]
        sort = rec.args[1] if len(rec.args) > 1 else "nosort"
        label = rec.args[2][:20] if len(rec.args) > 2 else None
        try:
            values = self._fetch_values(rec.sql, types)
        except _QueryError as e:
            return str(e)
        if sort == "rowsort":
            width = len(types)
            rows = [values[i:i + width] for i in range(0, len(values), width)]
            values = [v for row in sorted(rows) for v in row]
        elif sort == "valuesort":
            values = sorted(values)
        digest = None
        if label or (self.hash_threshold and len(values) > self.hash_threshold):
            digest = hash_values(values)
        if self.hash_threshold and len(values) > self.hash_threshold:
            got = [f"{len(values)} values hashing to {digest}"]
        else:
            got = values
        if got != rec.expected:
            return f"wrong result: expected {_clip(rec.expected)}, got {_clip(got)}"
        if label:
            previous = self.labels.setdefault(label, digest)
            if previous != digest:
                return f"labeled result [{label}] does not agree with previous values"
        return None

    def _fetch_values(self, sql, types):
        cur = self.conn.cursor()
        values = []
        try:
            cur.execute(sql)
            if cur.description is None or len(cur.description) != len(types):
                got = 0 if cur.description is None else len(cur.description)
                raise _QueryError(f"wrong number of result columns: expected "
                                  f"{len(types)} but got {got}")
            while True:
                row = cur.fetchone()
                if row is None:
                    break
                values.extend(format_value(v, t) for v, t in zip(row, types))
        except self.module.Error as e:
            if str(e) not in RUNTIME_ERRORS:
                raise _QueryError(f"query failed: {self._describe(e)}") from None
        except _QueryError:
            raise
        except Exception as e:  # noqa: BLE001 - not a DB-API error: a bug
            raise _QueryError(f"raised {type(e).__name__} (not a DB-API error): {e}") from None
        return values


def _clip(values, limit=10):
    shown = values[:limit]
    return repr(shown)[:-1] + (", ...]" if len(values) > limit else "]")


def run_file(module, script_path, db_path, expected_failures=frozenset(), name=None):
    """Run one .test file on a fresh database at ``db_path`` (a file or ":memory:")
    through ``module``; return its FileResult."""
    script_path = Path(script_path)
    conn = module.connect(db_path, isolation_level=None)
    try:
        # As the C runner does: no fsync per autocommitted statement.
        conn.cursor().execute("PRAGMA synchronous=OFF")
        runner = Runner(module, conn)
        return runner.run_script(script_path.read_text(encoding="utf-8"),
                                 name or script_path.name, expected_failures)
    finally:
        conn.close()


# -- the skip list -------------------------------------------------------------------

@dataclass
class SkipEntry:
    file: str
    line: int
    reason: str
    source_line: int


def parse_skip_list(text):
    """Entries '<file>:<line> <reason>' (file relative to the sqllogictest dir);
    '#' comments and blank lines ignored.  Raises ScriptError on a malformed line."""
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"(\S+):(\d+)\s+(.*\S)", line)
        if not m:
            raise ScriptError(f"skip list line {number}: expected '<file>:<line> <reason>'")
        entries.append(SkipEntry(m.group(1), int(m.group(2)), m.group(3), number))
    return entries
