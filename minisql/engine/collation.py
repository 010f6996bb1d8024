"""Collating sequences: how two TEXT values compare.

Collations only ever see two texts; the storage-class order around them
(NULL < numbers < TEXT < BLOB) is values.compare's job.  Each collation is
both a three-way ``cmp(a, b)`` and, when one exists, a ``key(s)`` such that
``cmp(a, b) == ((key(a) > key(b)) - (key(a) < key(b)))`` -- indexes and
sorts use the key (one Python call per value, then C-speed comparisons).

Built-in (as SQLite's main.c defines them):
  BINARY  memcmp() of the UTF-8 bytes, shorter first on a tie.  Python's
          str order is code-point order, which is UTF-8 byte order.
  NOCASE  BINARY after folding the 26 ASCII capitals to lower case only.
          SQLite compares with sqlite3StrNICmp, which also stops at a NUL
          character and then lets the lengths decide; the key mirrors that.
  RTRIM   BINARY after dropping trailing spaces (U+0020 only).

User collations (``create_collation(name, callable)``) follow the stdlib
sqlite3 module: ``callable(a, b)`` returns an int whose sign is the order
(anything else means equal; exceptions propagate); they have no key, so
sorting by them uses functools.cmp_to_key.
"""

from functools import cmp_to_key

from .. import errors

_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}


def _fold(s):
    """NOCASE folding: A-Z -> a-z, nothing else."""
    return s.lower() if s.isascii() else s.translate(_ASCII_LOWER)


def _nocase_key(s):
    i = s.find("\0")
    if i < 0:
        return _fold(s)
    # Past a NUL sqlite3StrNICmp sees "equal" and the lengths decide; the
    # fixed-width length suffix sorts the same way (and never meets a
    # NUL-free key, which differs from this one at or before the NUL).
    return _fold(s[:i + 1]) + "%020d" % len(s)


def _binary_cmp(a, b):
    return (a > b) - (a < b)


def _nocase_cmp(a, b):
    a, b = _nocase_key(a), _nocase_key(b)
    return (a > b) - (a < b)


def _rtrim_key(s):
    return s.rstrip(" ")


def _rtrim_cmp(a, b):
    a, b = a.rstrip(" "), b.rstrip(" ")
    return (a > b) - (a < b)


def _identity(s):
    return s


class Collation:
    """A named collating sequence: ``cmp(a, b) -> int`` and ``key`` (or None)."""

    __slots__ = ("name", "cmp", "key", "sort_key")

    def __init__(self, name, cmp, key=None):
        self.name = name
        self.cmp = cmp
        self.key = key
        # A key usable for sorting in every case: the collation's own, or
        # one built from cmp.
        self.sort_key = key if key is not None else cmp_to_key(cmp)

    def __repr__(self):
        return f"Collation({self.name!r})"


BINARY = Collation("BINARY", _binary_cmp, _identity)
NOCASE = Collation("NOCASE", _nocase_cmp, _nocase_key)
RTRIM = Collation("RTRIM", _rtrim_cmp, _rtrim_key)

BUILTIN = {"binary": BINARY, "nocase": NOCASE, "rtrim": RTRIM}


def user_collation(name, func):
    """Wrap a Python ``func(a, b) -> int`` as sqlite3.create_collation does:
    only the sign of an int result matters, any other result means "equal",
    and an exception propagates to the statement's caller unchanged."""
    def cmp(a, b):
        r = func(a, b)
        if not isinstance(r, int):
            return 0
        return (r > 0) - (r < 0)
    return Collation(name, cmp)


def new_registry():
    """A per-connection collation table: lower-cased name -> Collation."""
    return dict(BUILTIN)


def create_collation(registry, name, func):
    """Connection.create_collation(): add, replace, or (func None) remove."""
    key = name.lower()
    if func is None:
        registry.pop(key, None)
        return
    if not callable(func):
        raise TypeError("parameter must be callable")
    registry[key] = user_collation(name, func)


def lookup(name, registry=None):
    """The collation called ``name`` (case-insensitive); None means BINARY.

    Raises OperationalError('no such collation sequence: NAME')."""
    if name is None:
        return BINARY
    key = name.lower()
    c = (registry if registry is not None else BUILTIN).get(key)
    if c is None:
        raise errors.OperationalError(f"no such collation sequence: {name}")
    return c
