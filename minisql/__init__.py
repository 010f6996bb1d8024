"""minisql: a pure-Python, SQLite-compatible SQL database with WAL mode.

Use it as you would the stdlib ``sqlite3`` module::

    import minisql
    con = minisql.connect("app.db")
    con.execute("CREATE TABLE t(a INTEGER, b TEXT)")

The files it writes are SQLite database files (format 3) with a SQLite WAL
and wal-index, so ``sqlite3`` can open them, and the other way round.
"""
from .dbapi import *  # noqa: F401,F403
from .dbapi import (  # noqa: F401 - names `import *` leaves out
    Connection, Cursor, Row, connect, adapters, converters,
    register_adapter, register_converter, adapt, complete_statement,
    enable_callback_tracebacks, PrepareProtocol)
from .errors import (  # noqa: F401
    Warning, Error, InterfaceError, DatabaseError, DataError, OperationalError,
    IntegrityError, InternalError, ProgrammingError, NotSupportedError)

__version__ = "0.1.0"
