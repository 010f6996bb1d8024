"""minisql: a pure-Python, SQLite-compatible SQL database with WAL mode.

Use it as you would the stdlib ``sqlite3`` module::

    import minisql
    con = minisql.connect("app.db")
    con.execute("CREATE TABLE t(a INTEGER, b TEXT)")

The files it writes are SQLite database files (format 3) with a SQLite WAL
and wal-index, so ``sqlite3`` can open them, and the other way round.

The DB-API names (``connect``, ``Row``, ``PARSE_DECLTYPES``, ...) live in
``minisql.dbapi`` and are loaded on first use, so that importing a lower
layer (``minisql.storage.btree``, say) does not pull in the SQL engine.
"""
import importlib

from .errors import (  # noqa: F401
    Warning, Error, InterfaceError, DatabaseError, DataError, OperationalError,
    IntegrityError, InternalError, ProgrammingError, NotSupportedError)

# Leaf modules every layer may use (SQLite's util.c number reading); bound
# here so that "from .. import ldouble" never falls into __getattr__ below.
from . import atof, ldouble  # noqa: F401,E402

__version__ = "0.1.0"


def __getattr__(name):
    if name.startswith("__") or name == "dbapi":
        raise AttributeError(f"module 'minisql' has no attribute {name!r}")
    dbapi = importlib.import_module("minisql.dbapi")
    try:
        return getattr(dbapi, name)
    except AttributeError:
        raise AttributeError(f"module 'minisql' has no attribute {name!r}") from None


def __dir__():
    dbapi = importlib.import_module("minisql.dbapi")
    return sorted(set(globals()) | {n for n in vars(dbapi) if not n.startswith("_")})
