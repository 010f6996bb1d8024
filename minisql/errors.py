"""The DB-API 2.0 exception tree, with SQLite's result codes and wording.

A leaf module: every layer raises these, so that no raw KeyError, struct.error
or RecursionError ever reaches a user.  The classes mirror the stdlib
``sqlite3`` module exactly (same names, same bases), and each instance carries
``sqlite_errorcode`` / ``sqlite_errorname`` as sqlite3 >= 3.11 does.

The helpers at the bottom build the errors whose wording SQLite fixes
(``database is locked``, ``database disk image is malformed``, ...), so the
wording lives in one place.
"""

# Primary result codes (sqlite3.h).  Only the ones minisql raises.
SQLITE_ERROR = 1
SQLITE_INTERNAL = 2
SQLITE_PERM = 3
SQLITE_ABORT = 4
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_NOMEM = 7
SQLITE_READONLY = 8
SQLITE_INTERRUPT = 9
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_PROTOCOL = 15
SQLITE_SCHEMA = 17
SQLITE_TOOBIG = 18
SQLITE_CONSTRAINT = 19
SQLITE_MISMATCH = 20
SQLITE_MISUSE = 21
SQLITE_RANGE = 25
SQLITE_NOTADB = 26

# Extended result codes (primary code | n << 8), as sqlite3 reports them.
SQLITE_BUSY_RECOVERY = SQLITE_BUSY | 1 << 8
SQLITE_BUSY_SNAPSHOT = SQLITE_BUSY | 2 << 8
SQLITE_CONSTRAINT_CHECK = SQLITE_CONSTRAINT | 1 << 8
SQLITE_CONSTRAINT_NOTNULL = SQLITE_CONSTRAINT | 5 << 8
SQLITE_CONSTRAINT_PRIMARYKEY = SQLITE_CONSTRAINT | 6 << 8
SQLITE_CONSTRAINT_TRIGGER = SQLITE_CONSTRAINT | 7 << 8
SQLITE_CONSTRAINT_UNIQUE = SQLITE_CONSTRAINT | 8 << 8

_NAMES = {v: k for k, v in dict(globals()).items() if k.startswith("SQLITE_")}


class Warning(Exception):  # noqa: A001 - the DB-API name
    pass


class Error(Exception):
    """Base of every minisql error; carries SQLite's result code."""

    sqlite_errorcode = SQLITE_ERROR

    def __init__(self, *args, code=None):
        super().__init__(*args)
        if code is not None:
            self.sqlite_errorcode = code

    @property
    def sqlite_errorname(self):
        code = self.sqlite_errorcode
        return _NAMES.get(code) or _NAMES.get(code & 0xFF, "SQLITE_ERROR")


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    sqlite_errorcode = SQLITE_CONSTRAINT


class InternalError(DatabaseError):
    sqlite_errorcode = SQLITE_INTERNAL


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass


# -- errors whose wording SQLite fixes ------------------------------------

def corrupt(detail=None):
    """SQLITE_CORRUPT: 'database disk image is malformed'.

    The message is exactly SQLite's; ``detail`` (where in the file the damage
    was found) is kept on the exception and shown as a note in tracebacks.
    """
    e = DatabaseError("database disk image is malformed", code=SQLITE_CORRUPT)
    e.detail = detail
    if detail:
        e.add_note(detail)
    return e


def notadb():
    return DatabaseError("file is not a database", code=SQLITE_NOTADB)


def busy():
    return OperationalError("database is locked", code=SQLITE_BUSY)


def readonly():
    return OperationalError("attempt to write a readonly database", code=SQLITE_READONLY)


def cantopen():
    return OperationalError("unable to open database file", code=SQLITE_CANTOPEN)


def ioerr(detail=None):
    e = OperationalError("disk I/O error", code=SQLITE_IOERR)
    e.detail = detail
    if detail:
        e.add_note(detail)
    return e


def full():
    return OperationalError("database or disk is full", code=SQLITE_FULL)


def interrupted():
    return OperationalError("interrupted", code=SQLITE_INTERRUPT)


def too_deep():
    """What SQLite reports for an expression nested past its depth limit
    (minisql's evaluator meets it as a RecursionError)."""
    return OperationalError("Expression tree is too large (maximum depth 1000)")
