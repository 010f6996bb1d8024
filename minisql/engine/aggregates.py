"""The built-in aggregate functions (func.c of SQLite 3.40) and the wrappers
around user aggregates.

Every aggregate is a class used as sqlite3.create_aggregate() classes are:
``agg = Cls(); agg.step(*args) ...; agg.finalize() -> value``.  A new
instance is made per group.  min()/max() take the collation of their
argument, so their FuncDef builds the class for it (see functions.py).

SQLite's numeric rules kept here:
  sum    INTEGER while every input is an integer and the running sum fits in
         int64; an overflow among integer-only inputs is the error "integer
         overflow" (even if reals follow); once a non-integer input is seen,
         integers are added as doubles with no overflow check.  No input (or
         only NULLs) gives NULL.
  total  the same running sum as a REAL, 0.0 for no input.
  avg    the double sum divided by the count (never integer arithmetic).
  TEXT inputs count as the number they spell if they look like one
  (sqlite3_value_numeric_type), else as 0.0; BLOBs as their numeric prefix.

Batches: the built-ins also take their inputs a list at a time, ``feed(values)``
(one value per row, in row order; count(*) takes the rows themselves).  It
leaves the state exactly as stepping each value in turn would, doing in C
what it can (sum of integers whose running sum provably stays exact, max()
of values of one storage class); min()/max() return the index of the row
that set their current value (see ``minmax_class``), or -1.
"""

import sys

from .. import errors
from . import collation as C
from . import values as V
from .printf import MAX_LENGTH, too_big

_MIN64 = -(1 << 63)
_MAX64 = (1 << 63) - 1
# Integers up to 2**53 in magnitude are exact doubles: while every running
# sum stays within it, the REAL sum equals the integer sum.
_EXACT = 1 << 53
_INT = {int}
_FLOAT = {float}
_NUMBERS = {int, float}
# Before 3.12 the built-in sum() of floats adds them one by one in a C
# double, exactly as SQLite's loop does (3.12 compensates the rounding).
_PLAIN_FLOAT_SUM = sys.version_info < (3, 12)


def _numeric_arg(v):
    """sqlite3_value_numeric_type() + value: -> int, float, or None (NULL)."""
    t = type(v)
    if t is int or t is float or v is None:
        return v
    if t is str:
        n = V.numeric_for_compare(v)
        if type(n) is not str:
            return n
    return V.to_double(v)


class Sum:
    """sum(X)"""

    __slots__ = ("r", "i", "cnt", "approx", "overflow")

    def __init__(self):
        self.r = 0.0
        self.i = 0
        self.cnt = 0
        self.approx = False
        self.overflow = False

    def step(self, v):
        v = _numeric_arg(v)
        if v is None:
            return
        self.cnt += 1
        if type(v) is int:
            self.r += v
            if not (self.approx or self.overflow):
                s = self.i + v
                if _MIN64 <= s <= _MAX64:
                    self.i = s
                else:
                    self.approx = self.overflow = True
        else:
            self.r += v
            self.approx = True

    def feed(self, values):
        types = set(map(type, values))
        if types == _INT and not self.approx and self.r == self.i and \
                abs(self.i) + sum(map(abs, values)) <= _EXACT:
            # No running sum can leave the exact range: add them at once.
            s = sum(values)
            self.i += s
            self.r += s
            self.cnt += len(values)
            return -1
        if types == _FLOAT:
            # In order: a double sum is not associative.
            if _PLAIN_FLOAT_SUM:
                self.r = sum(values, self.r)
            else:
                r = self.r
                for v in values:
                    r += v
                self.r = r
            self.cnt += len(values)
            self.approx = True
            return -1
        step = self.step
        for v in values:
            step(v)
        return -1

    def finalize(self):
        if self.cnt == 0:
            return None
        if self.overflow:
            raise V.integer_overflow()
        if self.approx:
            return V.real(self.r)
        return self.i


class Total(Sum):
    """total(X)"""

    __slots__ = ()

    def finalize(self):
        return V.real(self.r)


class Avg(Sum):
    """avg(X)"""

    __slots__ = ()

    def finalize(self):
        if self.cnt == 0:
            return None
        return V.real(self.r / self.cnt)


class Count:
    """count(X): the non-NULL inputs."""

    __slots__ = ("n",)

    def __init__(self):
        self.n = 0

    def step(self, v):
        if v is not None:
            self.n += 1

    def feed(self, values):
        self.n += len(values) - values.count(None)
        return -1

    def finalize(self):
        return self.n


class CountStar:
    """count(*) and count(): every row."""

    __slots__ = ("n",)

    def __init__(self):
        self.n = 0

    def step(self):
        self.n += 1

    def feed(self, rows):
        self.n += len(rows)
        return -1

    def finalize(self):
        return self.n


def minmax_class(is_max, collation=None):
    """The min(X) or max(X) aggregate for one collation.

    NULLs are skipped; on ties the first value seen is kept.  ``step``
    returns True when the row just seen became the new best, which is the
    row whose other ("bare") columns SQLite reports alongside."""
    cmp = V.compare_fn(collation)
    # Python orders numbers (int against float exactly), texts and blobs
    # as BINARY does within one storage class; ties keep the first, too.
    pick = max if is_max else min
    binary = collation is None or collation is C.BINARY

    class MinMax:
        __slots__ = ("best", "seen")

        def __init__(self):
            self.best = None
            self.seen = False

        def step(self, v):
            if v is None:
                return False
            if not self.seen:
                self.seen = True
                self.best = v
                return True
            c = cmp(self.best, v)
            if (c < 0) if is_max else (c > 0):
                self.best = v
                return True
            return False

        def feed(self, values):
            """-> the index of the last value that step() would have
            answered True for, or that left the state still empty; -1."""
            types = set(map(type, values))
            nulls = type(None) in types
            if nulls:
                types.discard(type(None))
            if binary and (len(types) == 1 or types == _NUMBERS):
                vals = [v for v in values if v is not None] if nulls else values
                if not vals:
                    return -1 if self.seen else len(values) - 1
                b = pick(vals)
                if self.seen:
                    c = cmp(self.best, b)
                    if not ((c < 0) if is_max else (c > 0)):
                        return -1
                self.best = b
                self.seen = True
                return values.index(b)
            hit = -1
            step = self.step
            for k, v in enumerate(values):
                if step(v) or not self.seen:
                    hit = k
            return hit

        def finalize(self):
            return self.best

    MinMax.__name__ = MinMax.__qualname__ = "Max" if is_max else "Min"
    return MinMax


Min = minmax_class(False)
Max = minmax_class(True)


class GroupConcat:
    """group_concat(X [, SEP]): the text of the non-NULL X, SEP (default ',')
    before every one but the first; a NULL SEP adds nothing."""

    __slots__ = ("parts", "size")

    def __init__(self):
        self.parts = None
        self.size = 0

    def step(self, v, sep=","):
        if v is None:
            return
        parts = self.parts
        if parts is None:
            self.parts = parts = []
        elif sep is not None:
            s = sep if type(sep) is str else V.to_text(sep)
            parts.append(s)
            self.size += len(s)
        s = v if type(v) is str else V.to_text(v)
        parts.append(s)
        self.size += len(s)
        if self.size > MAX_LENGTH:       # characters: a lower bound on bytes
            raise too_big()

    def finalize(self):
        if self.parts is None:
            return None
        return "".join(self.parts)


def distinct(factory, collation=None):
    """Wrap a one-argument aggregate so each distinct non-NULL argument is
    stepped once (``agg(DISTINCT x)``), distinct as compare() sees it:
    1 and 1.0 are the same value; text by ``collation``."""
    key = V.sort_key_fn(collation)
    hashable = collation is None or collation.key is not None

    class Distinct:
        __slots__ = ("inner", "seen")

        def __init__(self):
            self.inner = factory()
            self.seen = set() if hashable else []

        def step(self, v, *rest):
            if v is not None:
                k = key(v)
                seen = self.seen
                if hashable:
                    if k in seen:
                        return
                    seen.add(k)
                else:
                    if k in seen:                 # cmp_to_key objects compare by cmp
                        return
                    seen.append(k)
            return self.inner.step(v, *rest)

        def finalize(self):
            return self.inner.finalize()

    return Distinct


# -- user aggregates (Connection.create_aggregate) -----------------------------

def user_aggregate(cls):
    """Wrap a Python aggregate class with the stdlib sqlite3 module's error
    handling: its exceptions become OperationalError with sqlite3's wording,
    and its result is checked like a user function's."""
    from .functions import user_result

    class UserAggregate:
        """The Python object is made at the first step, as sqlite3 makes it
        in its first step callback: over no rows the result is NULL and
        neither __init__ nor finalize runs."""
        __slots__ = ("inner",)

        def __init__(self):
            self.inner = None

        def step(self, *args):
            if self.inner is None:
                try:
                    self.inner = cls()
                except Exception as exc:
                    raise errors.OperationalError(
                        "user-defined aggregate's '__init__' method raised error") from exc
            try:
                step = self.inner.step
            except AttributeError as exc:
                raise errors.OperationalError(
                    "user-defined aggregate's 'step' method not defined") from exc
            try:
                step(*args)
            except Exception as exc:
                raise errors.OperationalError(
                    "user-defined aggregate's 'step' method raised error") from exc

        def finalize(self):
            if self.inner is None:
                return None
            try:
                finalize = self.inner.finalize
            except AttributeError as exc:
                raise errors.OperationalError(
                    "user-defined aggregate's 'finalize' method not defined") from exc
            try:
                r = finalize()
            except Exception as exc:
                raise errors.OperationalError(
                    "user-defined aggregate's 'finalize' method raised error") from exc
            return user_result(r, "user-defined aggregate's 'finalize' method raised error")

    return UserAggregate
