"""The DB-API 2.0 module, modelled on the stdlib ``sqlite3`` (Python 3.11/3.12).

Connection and Cursor do what sqlite3's do, down to the wording of their
errors; the engine below (``engine.database.Database``) knows nothing of
Python's DB-API.  What lives here:

- parameter binding (qmark sequences, named mappings), adapters, and the
  int64 / type checks sqlite3 makes before binding;
- sqlite3's transaction rules: with ``isolation_level`` not None an implicit
  ``BEGIN`` precedes INSERT/UPDATE/DELETE/REPLACE when no transaction is
  open; ``autocommit`` (3.12) True/False/LEGACY_TRANSACTION_CONTROL;
- results that stream: a cursor pulls rows from the engine as it is fetched;
- converters (detect_types), row_factory, text_factory, user functions,
  aggregates and collations.
"""

import collections.abc
import itertools
import datetime
import threading
import time

from . import errors
from .errors import (  # noqa: F401 - re-exported names
    DatabaseError, DataError, Error, IntegrityError, InterfaceError,
    InternalError, NotSupportedError, OperationalError, ProgrammingError,
    Warning)
from .engine.database import Database

apilevel = "2.0"
threadsafety = 1          # as sqlite3 reports for a serialized build in 3.11
paramstyle = "qmark"

# The SQLite release whose file formats and behaviour minisql follows.
sqlite_version = "3.40.1"
sqlite_version_info = (3, 40, 1)
version = "0.1.0"
version_info = (0, 1, 0)

PARSE_DECLTYPES = 1
PARSE_COLNAMES = 2
LEGACY_TRANSACTION_CONTROL = -1

SQLITE_OK = 0
SQLITE_DENY = 1
SQLITE_IGNORE = 2

Binary = memoryview
Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime


def DateFromTicks(ticks):
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks):
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks):
    return Timestamp(*time.localtime(ticks)[:6])


class _TypeObject:
    """DB-API type objects: compare equal to every type code they cover.
    minisql reports no type codes in ``description`` (like sqlite3), but
    defines the objects the DB-API asks for."""

    def __init__(self, *names):
        self.names = frozenset(names)

    def __eq__(self, other):
        return other in self.names

    def __hash__(self):
        return hash(self.names)


STRING = _TypeObject("TEXT", "CHAR", "VARCHAR", "CLOB")
BINARY = _TypeObject("BLOB")
NUMBER = _TypeObject("INTEGER", "INT", "REAL", "NUMERIC", "FLOAT", "DOUBLE")
DATETIME = _TypeObject("DATE", "DATETIME", "TIMESTAMP", "TIME")
ROWID = _TypeObject("ROWID", "INTEGER PRIMARY KEY")

adapters = {}
converters = {}


class PrepareProtocol:
    pass


def register_adapter(type_, adapter):
    adapters[(type_, PrepareProtocol)] = adapter


def register_converter(name, converter):
    converters[name.upper()] = converter


def adapt(obj, proto=PrepareProtocol, alt=None):
    adapter = adapters.get((type(obj), proto))
    if adapter is not None:
        return adapter(obj)
    if alt is not None:
        return alt
    raise ProgrammingError("can't adapt")


def complete_statement(statement):
    from .sql.parser import complete_statement as complete
    return complete(statement)


def enable_callback_tracebacks(flag):
    global _callback_tracebacks
    _callback_tracebacks = bool(flag)


_callback_tracebacks = False


# Default adapters and converters, as sqlite3 registers them (deprecated in
# 3.12 but still present).
def _adapt_date(val):
    return val.isoformat()


def _adapt_datetime(val):
    return val.isoformat(" ")


def _convert_date(val):
    return datetime.date(*map(int, val.split(b"-")))


def _convert_timestamp(val):
    datepart, timepart = val.split(b" ")
    year, month, day = map(int, datepart.split(b"-"))
    timepart_full = timepart.split(b".")
    hours, minutes, seconds = map(int, timepart_full[0].split(b":"))
    microseconds = int("{:0<6.6}".format(timepart_full[1].decode())) if len(timepart_full) == 2 else 0
    return datetime.datetime(year, month, day, hours, minutes, seconds, microseconds)


register_adapter(datetime.date, _adapt_date)
register_adapter(datetime.datetime, _adapt_datetime)
register_converter("date", _convert_date)
register_converter("timestamp", _convert_timestamp)


# -- binding ------------------------------------------------------------------

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_BINDABLE = (type(None), int, float, str, bytes)


def _bind_value(value, i):
    """Turn one Python parameter into a SQLite value, as sqlite3 does."""
    t = type(value)
    if t is not str and t is not int and t is not float and value is not None \
            and t is not bytes:
        if adapters:
            adapter = adapters.get((t, PrepareProtocol))
            if adapter is not None:
                value = adapter(value)
                t = type(value)
        if isinstance(value, (bytearray, memoryview)):
            return bytes(value)
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            value = int(value)
        elif isinstance(value, float):
            value = float(value)
        elif isinstance(value, str):
            value = str(value)
        elif not isinstance(value, _BINDABLE):
            raise ProgrammingError(
                f"Error binding parameter {i}: type '{t.__name__}' is not supported")
    if type(value) is int and not _INT64_MIN <= value <= _INT64_MAX:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")
    return value


def _bind(stmt, parameters):
    """Map DB-API parameters onto the statement's numbered slots."""
    count = stmt.param_count
    names = stmt.param_names
    if isinstance(parameters, collections.abc.Mapping) and names:
        out = [None] * count
        for name, idx in names.items():
            try:
                v = parameters[name]
            except KeyError:
                raise ProgrammingError(
                    f"You did not supply a value for binding parameter :{name}.") from None
            out[idx - 1] = _bind_value(v, idx)
        return out
    if isinstance(parameters, (str, bytes)) or not isinstance(
            parameters, collections.abc.Sequence):
        if isinstance(parameters, collections.abc.Mapping):
            # sqlite3: a dict with only positional placeholders
            if count == 0:
                return []
            raise ProgrammingError(
                "Binding 1 has no name, but you supplied a dictionary (which has only names).")
        raise ProgrammingError("parameters are of unsupported type")
    if len(parameters) != count:
        raise ProgrammingError(
            f"Incorrect number of bindings supplied. The current statement uses "
            f"{count}, and there are {len(parameters)} supplied.")
    return [_bind_value(v, i + 1) for i, v in enumerate(parameters)]


# -- connection -----------------------------------------------------------------

def connect(database, timeout=5.0, detect_types=0, isolation_level="",
            check_same_thread=True, factory=None, cached_statements=128,
            uri=False, *, autocommit=LEGACY_TRANSACTION_CONTROL, checksums=False):
    """Open a database, as sqlite3.connect does.  minisql's own keyword:
    ``checksums=True`` creates a new database with a CRC32C in the last 4
    bytes of every page, verified on every read (ignored for an existing
    database, whose header says whether it has them)."""
    factory = factory or Connection
    kwargs = {"checksums": True} if checksums else {}
    return factory(database, timeout=timeout, detect_types=detect_types,
                   isolation_level=isolation_level,
                   check_same_thread=check_same_thread,
                   cached_statements=cached_statements, uri=uri,
                   autocommit=autocommit, **kwargs)


def _parse_uri(database):
    """file: URIs as SQLite reads them: the path, and mode / immutable."""
    from urllib.parse import parse_qs, unquote, urlsplit
    parts = urlsplit(database)
    path = unquote(parts.path)
    if parts.netloc not in ("", "localhost"):
        raise OperationalError(f"invalid uri authority: {parts.netloc}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return path, query


class Connection:
    def __init__(self, database, timeout=5.0, detect_types=0, isolation_level="",
                 check_same_thread=True, factory=None, cached_statements=128,
                 uri=False, *, autocommit=LEGACY_TRANSACTION_CONTROL, checksums=False):
        if isinstance(database, bytes):
            database = database.decode()
        database = str(database) if not isinstance(database, str) else database
        readonly = immutable = False
        memory = database == ":memory:" or database == ""
        if uri and database.startswith("file:"):
            path, query = _parse_uri(database)
            mode = query.get("mode", "rwc")
            if mode not in ("ro", "rw", "rwc", "memory"):
                raise OperationalError(f"no such access mode: {mode}")
            readonly = mode == "ro"
            immutable = query.get("immutable", "0") not in ("0", "false", "no", "off")
            if immutable:
                readonly = True
            memory = mode == "memory" or path in ("", ":memory:")
            create = mode in ("rwc", "memory")
            database = path
        else:
            create = True
        self._thread = threading.get_ident()
        self.check_same_thread = check_same_thread
        self._db = Database(":memory:" if memory else database, readonly=readonly,
                            create=create, immutable=immutable, timeout=timeout,
                            cached_statements=cached_statements, checksums=checksums)
        self.detect_types = detect_types
        self.row_factory = None
        self.text_factory = str
        self._isolation_level = None
        self.isolation_level = isolation_level
        if autocommit not in (True, False, LEGACY_TRANSACTION_CONTROL):
            raise ValueError("autocommit must be True, False, or "
                             "sqlite3.LEGACY_TRANSACTION_CONTROL")
        self._autocommit = autocommit
        self._cursors = []
        self._closed = False
        if autocommit is False:
            self._db.execute_control("BEGIN")
        for exc in (Warning, Error, InterfaceError, DatabaseError, DataError,
                    OperationalError, IntegrityError, InternalError,
                    ProgrammingError, NotSupportedError):
            setattr(self, exc.__name__, exc)

    # -- guards ---------------------------------------------------------------
    def _check(self):
        if self._closed:
            raise ProgrammingError("Cannot operate on a closed database.")
        if self.check_same_thread and threading.get_ident() != self._thread:
            raise ProgrammingError(
                "SQLite objects created in a thread can only be used in that same "
                f"thread. The object was created in thread id {self._thread} and "
                f"this is thread id {threading.get_ident()}.")

    # -- properties -------------------------------------------------------------
    @property
    def isolation_level(self):
        return self._isolation_level

    @isolation_level.setter
    def isolation_level(self, value):
        if value is None:
            if getattr(self, "_db", None) is not None and self._db.in_transaction \
                    and getattr(self, "_autocommit", LEGACY_TRANSACTION_CONTROL) \
                    == LEGACY_TRANSACTION_CONTROL:
                self.commit()
            self._isolation_level = None
            return
        if not isinstance(value, str):
            raise TypeError("isolation_level must be str or None")
        if value.upper() not in ("", "DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError("isolation_level string must be '', 'DEFERRED', "
                             "'IMMEDIATE', or 'EXCLUSIVE'")
        self._isolation_level = value

    @property
    def autocommit(self):
        return self._autocommit

    @autocommit.setter
    def autocommit(self, value):
        self._check()
        if value not in (True, False, LEGACY_TRANSACTION_CONTROL):
            raise ValueError("autocommit must be True, False, or "
                             "sqlite3.LEGACY_TRANSACTION_CONTROL")
        if value is True and self._db.in_transaction:
            self._db.execute_control("COMMIT")
        self._autocommit = value
        if value is False and not self._db.in_transaction:
            self._db.execute_control("BEGIN")

    @property
    def in_transaction(self):
        self._check()
        return self._db.in_transaction

    @property
    def total_changes(self):
        self._check()
        return self._db.total_changes

    # -- statements -------------------------------------------------------------
    def cursor(self, factory=None):
        self._check()
        cur = (factory or Cursor)(self)
        return cur

    def execute(self, sql, parameters=()):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters):
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script):
        return self.cursor().executescript(sql_script)

    def commit(self):
        self._check()
        if self._db.in_transaction:
            self._db.execute_control("COMMIT")
        if self._autocommit is False:
            self._db.execute_control("BEGIN")

    def rollback(self):
        self._check()
        if self._db.in_transaction:
            self._db.execute_control("ROLLBACK")
        if self._autocommit is False:
            self._db.execute_control("BEGIN")

    def close(self):
        if self._closed:
            return
        if self.check_same_thread and threading.get_ident() != self._thread:
            self._check()
        if self._autocommit is False and self._db.in_transaction:
            self._db.execute_control("ROLLBACK")
        self._db.close()
        self._closed = True

    def interrupt(self):
        if self._closed:
            raise ProgrammingError("Cannot operate on a closed database.")
        self._db.interrupt()

    def set_progress_handler(self, progress_handler, n):
        self._check()
        self._db.set_progress_handler(progress_handler, n)

    def create_function(self, name, narg, func, *, deterministic=False):
        self._check()
        self._db.create_function(name, narg, func)

    def create_aggregate(self, name, n_arg, aggregate_class):
        self._check()
        self._db.create_aggregate(name, n_arg, aggregate_class)

    def create_collation(self, name, callable):
        self._check()
        self._db.create_collation(name, callable)

    def iterdump(self):
        self._check()
        from .engine.dump import iterdump
        return iterdump(self)

    def backup(self, target, *, pages=-1, progress=None, name="main", sleep=0.250):
        self._check()
        if not isinstance(target, Connection):
            raise TypeError("target is not a Connection")
        if target is self:
            raise ValueError("target cannot be the same connection instance")
        target._check()
        self._db.backup(target._db, pages=pages, progress=progress, sleep=sleep)

    # -- minisql's own: what the shell's .wal / .page / .dbinfo show ----------
    def minisql_info(self):
        """The journal mode and the WAL / wal-index state (frames, nBackfill,
        salts, read marks and whether a reader holds each)."""
        self._check()
        return self._db.info()

    def minisql_page(self, pgno):
        """The bytes of page ``pgno`` as this connection sees it."""
        self._check()
        return self._db.page_image(pgno)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.commit()
            except Exception:
                self.rollback()
                raise
        else:
            self.rollback()
        return False

    def __call__(self, sql):
        raise NotSupportedError("calling a connection is not supported")


# -- cursor -----------------------------------------------------------------------

class Cursor:
    def __init__(self, connection):
        if not isinstance(connection, Connection):
            raise TypeError("connection must be a minisql Connection")
        self.connection = connection
        self.arraysize = 1
        self.row_factory = connection.row_factory
        self.description = None
        self.rowcount = -1
        self.lastrowid = None
        self._rows = None
        self._converters = None
        self._closed = False

    def _check(self):
        self.connection._check()
        if self._closed:
            raise ProgrammingError("Cannot operate on a closed cursor.")

    def _begin_implicit(self, stmt):
        conn = self.connection
        if conn._autocommit == LEGACY_TRANSACTION_CONTROL and conn._isolation_level is not None \
                and stmt.is_dml and not conn._db.in_transaction:
            conn._db.execute_control(("BEGIN " + conn._isolation_level).strip())

    def _prepare(self, sql):
        if not isinstance(sql, str):
            raise TypeError(f"execute() argument 1 must be str, not {type(sql).__name__}")
        if "\0" in sql:
            raise ProgrammingError("the query contains a null character")
        return self.connection._db.prepare(sql)

    def execute(self, sql, parameters=()):
        self._check()
        self._reset()
        stmt = self._prepare(sql)
        params = _bind(stmt, parameters)
        self._begin_implicit(stmt)
        db = self.connection._db
        result = db.run(stmt, params)
        self._setup_result(stmt, result)
        self.lastrowid = db.last_insert_rowid
        return self

    def executemany(self, sql, seq_of_parameters):
        self._check()
        self._reset()
        stmt = self._prepare(sql)
        if stmt.column_names and not stmt.is_dml:
            raise ProgrammingError("executemany() can only execute DML statements.")
        db = self.connection._db

        def bound():
            for parameters in seq_of_parameters:
                params = _bind(stmt, parameters)
                self._begin_implicit(stmt)
                yield params
        # The first set is bound (and the implicit BEGIN issued) before the
        # engine sees the batch, so it knows the transaction state.
        params = bound()
        first = next(params, None)
        total = 0 if first is None else db.run_many(stmt, itertools.chain((first,), params))
        self.rowcount = total if stmt.is_dml else -1
        self.lastrowid = db.last_insert_rowid
        return self

    def executescript(self, sql_script):
        self._check()
        self._reset()
        if not isinstance(sql_script, str):
            raise ValueError("script argument must be unicode.")
        db = self.connection._db
        if self.connection._autocommit == LEGACY_TRANSACTION_CONTROL and db.in_transaction:
            db.execute_control("COMMIT")
        for stmt in db.prepare_script(sql_script):
            for _ in db.run(stmt, []):
                pass
        return self

    def _reset(self):
        if self._rows is not None:
            self._rows.close()
            self._rows = None
        self.description = None
        self.rowcount = -1

    def _setup_result(self, stmt, result):
        names = stmt.column_names
        conn = self.connection
        self._converters = None
        if names:
            conv = None
            if conn.detect_types:
                conv = self._pick_converters(stmt, names)
                names = [self._strip_colname(n) for n in names] \
                    if conn.detect_types & PARSE_COLNAMES else names
            self.description = tuple((n, None, None, None, None, None, None) for n in names)
            self._converters = conv if conv and any(conv) else None
            self._rows = result
        else:
            for _ in result:
                pass
            self._rows = None
        self.rowcount = result.changes if stmt.is_dml else -1

    @staticmethod
    def _strip_colname(name):
        i = name.find(" [")
        return name[:i] if i >= 0 else name

    def _pick_converters(self, stmt, names):
        conn = self.connection
        out = []
        decltypes = stmt.column_decltypes or [None] * len(names)
        for name, decl in zip(names, decltypes):
            conv = None
            if conn.detect_types & PARSE_COLNAMES:
                i, j = name.find("["), name.rfind("]")
                if 0 <= i < j:
                    conv = converters.get(name[i + 1:j].upper())
            if conv is None and conn.detect_types & PARSE_DECLTYPES and decl:
                key = decl.split("(")[0].strip().split(" ")[0].upper()
                conv = converters.get(key)
            out.append(conv)
        return out

    def _make_row(self, values):
        conn = self.connection
        if conn.text_factory is not str:
            tf = conn.text_factory
            values = tuple(tf(v.encode("utf-8", "surrogateescape")) if type(v) is str else v
                           for v in values)
        if self._converters:
            values = tuple(v if c is None or v is None else
                           c(v if type(v) is bytes else str(v).encode("utf-8"))
                           for v, c in zip(values, self._converters))
        rf = self.row_factory
        if rf is not None:
            return rf(self, values)
        return values

    # -- fetching ---------------------------------------------------------------
    def __iter__(self):
        return self

    def __next__(self):
        self._check()
        if self._rows is None:
            raise StopIteration
        try:
            values = next(self._rows)
        except StopIteration:
            self._rows = None
            raise
        return self._make_row(values)

    def fetchone(self):
        try:
            return next(self)
        except StopIteration:
            return None

    def fetchmany(self, size=None):
        if size is None:
            size = self.arraysize
        out = []
        for _ in range(size):
            row = self.fetchone()
            if row is None:
                break
            out.append(row)
        return out

    def fetchall(self):
        rows = self._rows
        conn = self.connection
        if rows is not None and self.row_factory is None and conn.text_factory is str \
                and not self._converters:
            self._check()
            self._rows = None
            return rows.drain()
        return list(self)

    def close(self):
        if not self.connection._closed:
            self.connection._check()
        if self._rows is not None:
            self._rows.close()
            self._rows = None
        self._closed = True

    def setinputsizes(self, sizes):
        pass

    def setoutputsize(self, size, column=None):
        pass


class Row:
    """sqlite3.Row: a tuple that can also be indexed by column name."""

    __slots__ = ("_values", "_keys")

    def __init__(self, cursor, values):
        if not isinstance(cursor, Cursor):
            raise TypeError("Row() argument 1 must be a Cursor")
        self._values = tuple(values)
        self._keys = tuple(d[0] for d in cursor.description or ())

    def keys(self):
        return list(self._keys)

    def __getitem__(self, key):
        if isinstance(key, str):
            for i, k in enumerate(self._keys):
                if k.lower() == key.lower():
                    return self._values[i]
            raise IndexError("No item with that key")
        return self._values[key]

    def __len__(self):
        return len(self._values)

    def __iter__(self):
        return iter(self._values)

    def __eq__(self, other):
        if not isinstance(other, Row):
            return NotImplemented
        return self._keys == other._keys and self._values == other._values

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):
        return hash(self._keys) ^ hash(self._values)

    def __repr__(self):
        return f"<minisql.Row object at {id(self):#x}>"

