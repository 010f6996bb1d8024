"""The DB-API 2.0 module: ``import minisql as sqlite3`` and code keeps working.

The stdlib ``sqlite3`` module of Python 3.11 is the specification, down to
the wording of its errors (``autocommit`` follows the 3.12 documentation,
since 3.11 has no such attribute).  The engine below
(``engine.database.Database``) knows nothing of the DB-API; this module adds
what the sqlite3 module adds on top of the SQLite library:

Binding
    qmark sequences and :name/$name/@name mappings, checked as sqlite3
    checks them (a dict only for named placeholders; any other object with
    ``__getitem__`` is a sequence), adapters and ``__conform__``, the 64-bit
    range check (OverflowError), NaN bound as NULL, text that must encode
    as UTF-8, buffers bound as blobs.

Transactions (``isolation_level``, the legacy mode that is the default)
    sqlite3 decides "DML" by the first word of the SQL text (after blanks
    and comments): INSERT, UPDATE, DELETE or REPLACE.  Before such a
    statement, when no transaction is open, it issues ``BEGIN <level>`` --
    after preparing the statement (so a statement that does not compile
    opens nothing) and before binding its parameters (so a binding error
    leaves the transaction open).  ``commit()``/``rollback()`` act only when
    a transaction is open; ``executescript()`` commits a pending one first;
    setting ``isolation_level = None`` commits.  With ``autocommit`` True or
    False (3.12) there is no implicit BEGIN: False keeps a transaction open
    at all times (connect, commit and rollback each open the next one, close
    rolls back), True leaves SQLite's own autocommit alone.

Cursors
    ``rowcount`` is the sum of sqlite3_changes() over the executions of a
    "DML" statement and -1 for anything else; ``lastrowid`` is updated by
    execute() only; ``description`` lists the result columns (None when a
    statement has none); executescript() leaves all three as they were.
    Results stream: rows are pulled from the engine as they are fetched.

Results
    Text must be valid UTF-8 for the default ``text_factory`` (str), as in
    sqlite3 ("Could not decode to UTF-8 column ..."); other text factories
    and converters get the raw bytes.  Converters are picked by
    ``detect_types`` from column names ("x [type]") and declared types.

Threads
    ``threadsafety`` is 3, as sqlite3 reports for SQLite's serialized
    build: each connection serializes its calls with a lock, so with
    ``check_same_thread=False`` threads may share connections and cursors.
    ``interrupt()`` takes no lock (it is meant to be called while a query
    runs in another thread).

Not supported (each raises NotSupportedError): set_authorizer with a
callback, blobopen, serialize/deserialize, create_window_function,
getlimit/setlimit, calling a connection, enable_shared_cache(True).

Known differences from sqlite3:
- the trace callback sees each statement once; sqlite3 reports a statement
  again for every trigger program it runs;
- ``file:`` names are URIs only with ``uri=True`` (SQLite's default build;
  Debian's SQLite reads them as URIs even without it);
- errors carry SQLite's extended result codes for constraints and busy
  snapshots (``sqlite_errorcode`` 2067, SQLITE_CONSTRAINT_UNIQUE, ...), the
  primary code for everything else (sqlite3 also extends I/O errors);
- the progress handler is called every N rows visited, not every N virtual
  machine instructions;
- backup() from a connection with uncommitted changes copies them (sqlite3
  waits for the source's transaction to end).
"""

import datetime
import operator
import os
import re
import sys
import threading
import time
import traceback
from collections import deque
from itertools import chain
from urllib.parse import unquote

from . import errors
from .errors import (  # noqa: F401 - re-exported names
    DatabaseError, DataError, Error, IntegrityError, InterfaceError,
    InternalError, NotSupportedError, OperationalError, ProgrammingError,
    Warning)
from .engine.database import Database
from .engine.dump import iterdump as _iterdump
from .engine.printf import real_to_text
from .sql import ast
from .sql.lexer import tokens as _tokens
from .sql.parser import complete_statement as _complete_statement
from .sql.parser import parse_one as _parse_one

# ``from sqlite3 import dbapi2`` has its counterpart: ``from minisql import dbapi2``.
dbapi2 = sys.modules[__name__]

apilevel = "2.0"
threadsafety = 3
paramstyle = "qmark"

# The SQLite release whose file formats and behaviour minisql follows.
sqlite_version = "3.40.1"
sqlite_version_info = (3, 40, 1)
# The version of the sqlite3 module's interface this module follows
# (sqlite3.version of Python 3.11); minisql's own is minisql.__version__.
version = "2.6.0"
version_info = (2, 6, 0)

PARSE_DECLTYPES = 1
PARSE_COLNAMES = 2
LEGACY_TRANSACTION_CONTROL = -1


# -- SQLite's constants, as the sqlite3 module exports them -----------------------

def _sqlite_constants():
    """SQLITE_* names: result codes (extended ones are primary | n << 8),
    authorizer action codes and limit categories (sqlite3.h)."""
    primary = ("OK ERROR INTERNAL PERM ABORT BUSY LOCKED NOMEM READONLY INTERRUPT "
               "IOERR CORRUPT NOTFOUND FULL CANTOPEN PROTOCOL EMPTY SCHEMA TOOBIG "
               "CONSTRAINT MISMATCH MISUSE NOLFS AUTH FORMAT RANGE NOTADB NOTICE "
               "WARNING").split()
    out = {name: code for code, name in enumerate(primary)}
    out.update(ROW=100, DONE=101)
    extended = {
        "ERROR": "MISSING_COLLSEQ RETRY SNAPSHOT",
        "IOERR": "READ SHORT_READ WRITE FSYNC DIR_FSYNC TRUNCATE FSTAT UNLOCK RDLOCK "
                 "DELETE BLOCKED NOMEM ACCESS CHECKRESERVEDLOCK LOCK CLOSE DIR_CLOSE "
                 "SHMOPEN SHMSIZE SHMLOCK SHMMAP SEEK DELETE_NOENT MMAP GETTEMPPATH "
                 "CONVPATH VNODE AUTH BEGIN_ATOMIC COMMIT_ATOMIC ROLLBACK_ATOMIC DATA "
                 "CORRUPTFS",
        "LOCKED": "SHAREDCACHE VTAB",
        "BUSY": "RECOVERY SNAPSHOT TIMEOUT",
        "CANTOPEN": "NOTEMPDIR ISDIR FULLPATH CONVPATH DIRTYWAL SYMLINK",
        "CORRUPT": "VTAB SEQUENCE INDEX",
        "READONLY": "RECOVERY CANTLOCK ROLLBACK DBMOVED CANTINIT DIRECTORY",
        "ABORT": "- ROLLBACK",
        "CONSTRAINT": "CHECK COMMITHOOK FOREIGNKEY FUNCTION NOTNULL PRIMARYKEY TRIGGER "
                      "UNIQUE VTAB ROWID PINNED",
        "NOTICE": "RECOVER_WAL RECOVER_ROLLBACK",
        "WARNING": "AUTOINDEX",
        "AUTH": "USER",
        "OK": "LOAD_PERMANENTLY SYMLINK",
    }
    for base, names in extended.items():
        for n, name in enumerate(names.split(), 1):
            if name != "-":
                out[f"{base}_{name}"] = out[base] | (n << 8)
    actions = ("CREATE_INDEX CREATE_TABLE CREATE_TEMP_INDEX CREATE_TEMP_TABLE "
               "CREATE_TEMP_TRIGGER CREATE_TEMP_VIEW CREATE_TRIGGER CREATE_VIEW DELETE "
               "DROP_INDEX DROP_TABLE DROP_TEMP_INDEX DROP_TEMP_TABLE DROP_TEMP_TRIGGER "
               "DROP_TEMP_VIEW DROP_TRIGGER DROP_VIEW INSERT PRAGMA READ SELECT "
               "TRANSACTION UPDATE ATTACH DETACH ALTER_TABLE REINDEX ANALYZE "
               "CREATE_VTABLE DROP_VTABLE FUNCTION SAVEPOINT RECURSIVE").split()
    out.update({name: code for code, name in enumerate(actions, 1)})
    out.update(DENY=1, IGNORE=2)
    limits = ("LENGTH SQL_LENGTH COLUMN EXPR_DEPTH COMPOUND_SELECT VDBE_OP FUNCTION_ARG "
              "ATTACHED LIKE_PATTERN_LENGTH VARIABLE_NUMBER TRIGGER_DEPTH "
              "WORKER_THREADS").split()
    out.update({f"LIMIT_{name}": code for code, name in enumerate(limits)})
    return {f"SQLITE_{name}": code for name, code in out.items()}


globals().update(_sqlite_constants())


# -- DB-API type constructors and type objects ------------------------------------

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
    """A DB-API type object: equal to each declared type it covers.  (sqlite3
    has none of these and, like minisql, reports no type codes in
    ``description``; they are here because PEP 249 asks for them.)"""

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


# -- adapters, converters, module functions ----------------------------------------

class PrepareProtocol:
    """The protocol objects are adapted to before binding (PEP 246)."""


adapters = {}
converters = {}
_MISSING = object()
# Set once an adapter is registered for int, float, str or bytearray: from
# then on every parameter goes through adapt(), as in sqlite3.
_base_type_adapted = False
_callback_tracebacks = False


def register_adapter(type, adapter, /):  # noqa: A002 - sqlite3's name
    global _base_type_adapted
    if type in (int, float, str, bytearray):
        _base_type_adapted = True
    adapters[(type, PrepareProtocol)] = adapter


def register_converter(typename, converter, /):
    if not isinstance(typename, str):
        raise TypeError("register_converter() argument 1 must be str, "
                        f"not {_arg_type_name(typename)}")
    converters[typename.upper()] = converter


def adapt(obj, proto=PrepareProtocol, alt=_MISSING, /):
    """PEP 246 adaptation as sqlite3 does it: a registered adapter, then
    ``proto.__adapt__``, then ``obj.__conform__``, then ``alt``."""
    adapter = adapters.get((type(obj), proto))
    if adapter is not None:
        return adapter(obj)
    for hook, arg in ((getattr(proto, "__adapt__", None), obj),
                      (getattr(obj, "__conform__", None), proto)):
        if hook is not None:
            try:
                adapted = hook(arg)
            except TypeError:
                adapted = None
            if adapted is not None:
                return adapted
    if alt is not _MISSING:
        return alt
    raise ProgrammingError("can't adapt")


def complete_statement(statement):
    if not isinstance(statement, str):
        raise TypeError("complete_statement() argument 'statement' must be str, "
                        f"not {_arg_type_name(statement)}")
    return _complete_statement(statement)


def enable_callback_tracebacks(enable, /):
    """Print the tracebacks of exceptions raised in user functions,
    aggregates, the progress handler and the trace callback (through
    sys.unraisablehook, as sqlite3 does) instead of dropping them."""
    global _callback_tracebacks
    _callback_tracebacks = bool(enable)


def enable_shared_cache(enable):
    if enable:
        raise NotSupportedError("shared-cache mode is not supported by minisql")


# sqlite3's default adapters and converters (deprecated in 3.12, still there).
def _adapt_date(val):
    return val.isoformat()


def _adapt_datetime(val):
    return val.isoformat(" ")


def _convert_date(val):
    return datetime.date(*map(int, val.split(b"-")))


def _convert_timestamp(val):
    datepart, timepart = val.split(b" ")
    year, month, day = map(int, datepart.split(b"-"))
    clock = timepart.split(b".")
    hours, minutes, seconds = map(int, clock[0].split(b":"))
    # Fractions are read as microseconds: padded or cut to six digits.
    micro = int("{:0<6.6}".format(clock[1].decode())) if len(clock) == 2 else 0
    return datetime.datetime(year, month, day, hours, minutes, seconds, micro)


register_adapter(datetime.date, _adapt_date)
register_adapter(datetime.datetime, _adapt_datetime)
register_converter("date", _convert_date)
register_converter("timestamp", _convert_timestamp)


# -- small helpers --------------------------------------------------------------------

_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class defined in Python


def _type_name(obj):
    """The type's tp_name, as sqlite3's messages print it: 'int', 'P' for a
    Python class, 'decimal.Decimal' for an extension type."""
    t = type(obj)
    if t.__flags__ & _HEAPTYPE or t.__module__ == "builtins":
        return t.__name__
    return f"{t.__module__}.{t.__name__}"


def _arg_type_name(obj):
    """What "argument ... must be X, not Y" says of ``obj`` (CPython's
    argument parsing): None by name, else the type's name."""
    return "None" if obj is None else _type_name(obj)


_get_ident = threading.get_ident
_new_object = object.__new__


def _thread_error(owner):
    return ProgrammingError(
        "SQLite objects created in a thread can only be used in that same thread. "
        f"The object was created in thread id {owner} and this is thread id "
        f"{threading.get_ident()}.")


class _UnraisableArgs:
    """What sys.unraisablehook receives (a replacement hook accepts any
    object with these attributes; the default one is called below)."""

    def __init__(self, exc, obj):
        self.exc_type = type(exc)
        self.exc_value = exc
        self.exc_traceback = exc.__traceback__
        self.err_msg = None
        self.object = obj


def _report_callback_error(exc, obj):
    """enable_callback_tracebacks(True): show an exception a callback raised."""
    if not _callback_tracebacks:
        return
    hook = sys.unraisablehook
    if hook is sys.__unraisablehook__:
        sys.stderr.write(f"Exception ignored in: {obj!r}\n")
        traceback.print_exception(exc, file=sys.stderr)
    else:
        hook(_UnraisableArgs(exc, obj))


def _reporting(func):
    """``func`` wrapped so that what it raises is reported (see above) and
    then raised on to the engine, which turns it into sqlite3's error."""
    def call(*args):
        try:
            for a in args:
                if type(a) is str and not a.isascii():
                    a.encode("utf-8")   # text that is not UTF-8 cannot reach Python
            result = func(*args)
            if isinstance(result, str) and not result.isascii():
                result.encode("utf-8")  # nor can a lone surrogate reach SQLite
            return result
        except Exception as exc:
            _report_callback_error(exc, func)
            raise
    return call


def _reporting_aggregate(cls):
    """An aggregate class whose __init__/step/finalize report what they
    raise; a missing method stays missing (the engine says 'not defined')."""
    class Aggregate:
        def __init__(self):
            self.inner = _reporting(cls)()

        def __getattr__(self, name):
            try:
                method = getattr(self.inner, name)
            except Exception as exc:
                _report_callback_error(exc, cls)
                raise
            wrapped = _reporting(method)
            setattr(self, name, wrapped)
            return wrapped
    return Aggregate


# -- statements: what sqlite3 works out about them ----------------------------------------

def _first_word(sql):
    """The first 7 characters after leading blanks and comments (sqlite3's
    lstrip_sql), or '' when nothing follows them."""
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in " \t\f\n\r":
            i += 1
        elif c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i + 2)
            if j < 0:
                return ""
            i = j + 1
        elif c == "/" and sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            if j < 0:
                return ""
            i = j + 2
        else:
            return sql[i:i + 7]
    return ""


_DML_WORDS = ("insert", "update", "delete", "replace")
# Pragmas for which sqlite3_stmt_readonly() is false (executemany accepts them).
_WRITING_PRAGMAS = frozenset(("journal_mode", "wal_checkpoint", "incremental_vacuum"))
_WRITING_PRAGMAS_WITH_VALUE = frozenset(("user_version", "application_id", "schema_version"))
_READONLY_STATEMENTS = (ast.Select, ast.Explain, ast.Commit, ast.Rollback, ast.Savepoint,
                        ast.Release, ast.Attach, ast.Detach, ast.Reindex)


def _readonly(stmt):
    """sqlite3_stmt_readonly(): executemany() refuses such statements."""
    if isinstance(stmt, _READONLY_STATEMENTS):
        return True
    if isinstance(stmt, ast.Begin):
        return stmt.mode not in ("IMMEDIATE", "EXCLUSIVE")
    if isinstance(stmt, ast.Pragma):
        name = stmt.name.lower()
        return not (name in _WRITING_PRAGMAS or
                    (stmt.value is not None and name in _WRITING_PRAGMAS_WITH_VALUE))
    return False


class _StatementInfo:
    """What the DB-API keeps about a prepared statement (``Prepared.extra``)."""

    __slots__ = ("is_dml", "readonly", "names", "desc_names", "description")

    def __init__(self, p):
        # sqlite3's test, on the text: the first word after blanks and
        # comments ('WITH ... INSERT' is not "DML" to it).
        self.is_dml = _first_word(p.sql).lower().startswith(_DML_WORDS)
        self.readonly = p.compiled == "empty" or _readonly(p.stmt)
        self.names = p.stmt.param_names      # per slot: ':a', '?3', ... or None
        self.desc_names = None               # the column names `description` is for
        self.description = None


def _info(p):
    info = p.extra
    if info is None:
        info = p.extra = _StatementInfo(p)
    return info


# -- binding ---------------------------------------------------------------------------

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def _bind_value(v, i):
    """One parameter (after adaptation) as an engine value, as
    pysqlite_statement_bind_parameter does it; ``i`` numbers it in errors."""
    if v is None:
        return None
    if isinstance(v, int):
        if not _INT64_MIN <= v <= _INT64_MAX:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return int.__int__(v)
    if isinstance(v, float):
        v = float.__float__(v)
        return None if v != v else v        # SQLite binds NaN as NULL
    if isinstance(v, str):
        if not v.isascii():
            v.encode("utf-8")               # lone surrogates: UnicodeEncodeError
        return str.__str__(v)
    if isinstance(v, bytes):
        return bytes(v) if type(v) is not bytes else v
    try:
        return bytes(memoryview(v))         # anything with the buffer protocol
    except TypeError:
        raise ProgrammingError(f"Error binding parameter {i}: type "
                               f"'{_type_name(v)}' is not supported") from None


def _bind_slow(v, i):
    if _base_type_adapted or type(v) not in (int, float, str, bytearray):
        v = adapt(v, PrepareProtocol, v)
    return _bind_value(v, i)


def _bind(info, count, parameters):
    """The engine's parameter list for one execution."""
    t = type(parameters)
    if t is tuple or t is list or (not isinstance(parameters, dict) and
                                   hasattr(t, "__getitem__")):
        n = len(parameters)
        if n != count:
            raise ProgrammingError(
                f"Incorrect number of bindings supplied. The current statement uses "
                f"{count}, and there are {n} supplied.")
        if _base_type_adapted:
            return [_bind_slow(parameters[i], i + 1) for i in range(n)]
        if t is tuple:
            # The common case: values the engine takes as they are, in a
            # tuple (immutable: the engine may index it as its own).
            for v in parameters:
                tv = type(v)
                if tv is int:
                    if not _INT64_MIN <= v <= _INT64_MAX:
                        break
                elif tv is str:
                    if not v.isascii():
                        break
                elif tv is float:
                    if v != v:
                        break
                elif v is not None:
                    break
            else:
                return parameters
        out = []
        append = out.append
        for i in range(n):
            v = parameters[i]
            tv = type(v)
            if tv is int:
                if _INT64_MIN <= v <= _INT64_MAX:
                    append(v)
                    continue
            elif tv is str:
                if v.isascii():
                    append(v)
                    continue
            elif tv is float:
                if v == v:
                    append(v)
                    continue
            elif v is None:
                append(None)
                continue
            append(_bind_slow(v, i + 1))
        return out
    if isinstance(parameters, dict):
        out = []
        for i, name in enumerate(info.names[:count], 1):
            if name is None:
                raise ProgrammingError(
                    f"Binding {i} has no name, but you supplied a dictionary "
                    "(which has only names).")
            try:
                v = parameters[name[1:]]
            except LookupError:
                raise ProgrammingError("You did not supply a value for binding "
                                       f"parameter :{name[1:]}.") from None
            out.append(_bind_slow(v, i))
        return out
    raise ProgrammingError("parameters are of unsupported type")


# -- the trace callback's text -------------------------------------------------------------

def _sql_literal(v):
    if v is None:
        return "NULL"
    if type(v) is int:
        return str(v)
    if type(v) is float:
        return real_to_text(v)
    if type(v) is str:
        return "'" + v.replace("'", "''") + "'"
    return "x'" + v.hex() + "'"


def _expanded_sql(text, names, params):
    """sqlite3_expanded_sql(): ``text`` with each parameter replaced by the
    literal of its bound value."""
    if not params:
        return text
    out = []
    last = 0
    following = 1
    for tok in _tokens(text):
        if tok.type != "VARIABLE":
            continue
        name = tok.text
        if name == "?":
            idx = following
        elif name[0] == "?":
            idx = int(name[1:])
        else:
            idx = names.index(name) + 1
        following = idx + 1
        out.append(text[last:tok.start])
        out.append(_sql_literal(params[idx - 1]))
        last = tok.end
    out.append(text[last:])
    return "".join(out)


# Blanks and comments, as SQLite's tokenizer skips them.
_GAP = re.compile(r"(?:[ \t\f\n\r]+|--[^\n]*(?:\n|\Z)|/\*[\s\S]*?(?:\*/|\Z))*")


def _script_texts(script, prepared):
    """(statement, the text SQLite traces for it): from the end of the
    previous statement through this one's ';'."""
    pos = 0
    for p in prepared:
        text = p.stmt.text
        start = script.find(text, pos)
        end = len(script) if start < 0 else _GAP.match(script, start + len(text)).end()
        if script.startswith(";", end):
            end += 1
        yield p, script[pos:end]
        pos = end


# -- results ------------------------------------------------------------------------------

def _converter_bytes(v):
    """The bytes a converter receives: the value as sqlite3_column_blob()
    gives it (numbers as SQLite renders them as text)."""
    t = type(v)
    if t is bytes:
        return v
    if t is str:
        return v.encode("utf-8", "surrogateescape")
    if t is float:
        return real_to_text(v).encode("ascii")
    return str(v).encode("ascii")


def _decode_error(colname, text):
    """sqlite3's error for text that is not UTF-8: built in a 200-byte C
    buffer from the raw bytes, which are then read as ASCII."""
    raw = (b"Could not decode to UTF-8 column '" +
           colname.encode("utf-8", "surrogateescape").split(b"\0")[0] +
           b"' with text '" + text.encode("utf-8", "surrogateescape").split(b"\0")[0] + b"'")
    return OperationalError(raw[:198].decode("ascii", "replace"))


def _column_converters(conn, names, decltypes):
    """sqlite3's row_cast_map: the converter of each column, or None."""
    detect = conn.detect_types
    out = []
    for i, name in enumerate(names):
        conv = None
        if detect & PARSE_COLNAMES:
            # The name between the last '[' and the first ']' after it.
            j = name.find("[")
            if j >= 0:
                k = name.find("]", j)
                if k >= 0:
                    conv = converters.get(name[name.rfind("[", j, k) + 1:k].upper())
        if conv is None and detect & PARSE_DECLTYPES and decltypes:
            decl = decltypes[i]
            if decl:
                cut = len(decl)
                for stop in (" ", "("):
                    k = decl.find(stop)
                    if 0 <= k < cut:
                        cut = k
                conv = converters.get(decl[:cut].upper())
        out.append(conv)
    return out if any(c is not None for c in out) else None


def _description_name(name, detect):
    if detect & PARSE_COLNAMES:
        i = name.find("[")
        if i >= 0:
            return name[:i - 1] if i and name[i - 1] == " " else name[:i]
    return name


# -- connection -----------------------------------------------------------------------------

def connect(database, timeout=5.0, detect_types=0, isolation_level="",
            check_same_thread=True, factory=None, cached_statements=128,
            uri=False, *, autocommit=LEGACY_TRANSACTION_CONTROL, checksums=False):
    """Open a database, as sqlite3.connect does.  minisql's own keyword:
    ``checksums=True`` creates a new database with a CRC32C in the last 4
    bytes of every page, verified on every read (an existing database's
    header says whether it has them)."""
    factory = Connection if factory is None else factory
    extra = {"checksums": True} if checksums else {}
    return factory(database, timeout=timeout, detect_types=detect_types,
                   isolation_level=isolation_level,
                   check_same_thread=check_same_thread,
                   cached_statements=cached_statements, uri=uri,
                   autocommit=autocommit, **extra)


def _parse_uri(database):
    """A file: URI as SQLite reads it: (path, {parameter: value})."""
    rest = database[5:].split("#", 1)[0]
    path, _, query = rest.partition("?")
    if path.startswith("//"):
        authority, slash, path = path[2:].partition("/")
        if authority not in ("", "localhost"):
            raise OperationalError(f"invalid uri authority: {authority}")
        path = slash + path
    params = {}
    for item in query.split("&"):
        if item:
            key, _, value = item.partition("=")
            params[unquote(key)] = unquote(value)
    return unquote(path), params


def _isolation_level(value):
    if not isinstance(value, str):
        raise TypeError("isolation_level must be str or None")
    if "\0" in value:
        raise ValueError("embedded null character")
    level = value.upper() if value.isascii() else None
    if level not in ("", "DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
        raise ValueError("isolation_level string must be '', 'DEFERRED', "
                         "'IMMEDIATE', or 'EXCLUSIVE'")
    return level


def _autocommit(value):
    if value is True or value is False:
        return value
    if type(value) is int and value == LEGACY_TRANSACTION_CONTROL:
        return LEGACY_TRANSACTION_CONTROL
    raise ValueError("autocommit must be True, False, or "
                     "sqlite3.LEGACY_TRANSACTION_CONTROL")


def _not_supported(what):
    def method(self, *args, **kwargs):
        self._check()
        raise NotSupportedError(f"{what} is not supported by minisql")
    method.__name__ = what.split("(")[0]
    return method


class Connection:
    __module__ = "minisql"
    _db = None

    def __init__(self, database, timeout=5.0, detect_types=0, isolation_level="",
                 check_same_thread=True, factory=None, cached_statements=128,
                 uri=False, *, autocommit=LEGACY_TRANSACTION_CONTROL, checksums=False):
        database = os.fsdecode(database) if isinstance(database, bytes) else \
            os.fspath(database)
        if not isinstance(timeout, (int, float)):
            raise TypeError(f"must be real number, not {_type_name(timeout)}")
        detect_types = operator.index(detect_types)
        cached_statements = operator.index(cached_statements)
        level = None if isolation_level is None else _isolation_level(isolation_level)
        autocommit = _autocommit(autocommit)
        readonly = immutable = False
        create = True
        memory = database in (":memory:", "")
        if uri and database.startswith("file:"):
            path, query = _parse_uri(database)
            mode = query.get("mode", "rwc")
            if mode not in ("ro", "rw", "rwc", "memory"):
                raise OperationalError(f"no such access mode: {mode}")
            vfs = query.get("vfs")
            if vfs is not None and vfs not in ("unix", "unix-excl", "unix-dotfile",
                                               "unix-none"):
                raise OperationalError(f"no such vfs: {vfs}")
            immutable = query.get("immutable", "0").lower() in ("1", "on", "true", "yes")
            readonly = mode == "ro" or immutable
            create = mode in ("rwc", "memory")
            memory = mode == "memory" or path in ("", ":memory:")
            database = path
        self._thread = threading.get_ident()
        self._check_same_thread = bool(check_same_thread)
        self._lock = threading.RLock()
        self._db = Database(":memory:" if memory else database, readonly=readonly,
                            create=create, immutable=immutable, timeout=timeout,
                            cached_statements=cached_statements, checksums=checksums)
        self.detect_types = detect_types
        self.row_factory = None
        self.text_factory = str
        self._isolation_level = level
        self._autocommit = autocommit
        self._trace = None
        for exc in (Warning, Error, InterfaceError, DatabaseError, DataError,
                    OperationalError, IntegrityError, InternalError,
                    ProgrammingError, NotSupportedError):
            setattr(self, exc.__name__, exc)
        if autocommit is False:
            self._control("BEGIN")

    # -- guards: sqlite3 checks the thread first, then that the connection is open
    def _check(self):
        if self._check_same_thread and _get_ident() != self._thread:
            raise _thread_error(self._thread)
        if self._db is None:
            raise ProgrammingError("Cannot operate on a closed database.")

    def _check_open(self):
        if self._db is None:
            raise ProgrammingError("Cannot operate on a closed database.")

    def _control(self, sql):
        """Run a transaction-control statement of the module's own (traced,
        like sqlite3's)."""
        if self._trace is not None:
            self._emit_trace(sql)
        self._db.execute_control(sql)

    def _begin_implicit(self, p):
        """The BEGIN sqlite3 issues before a "DML" statement: only once the
        statement is known to compile."""
        self._db.compile(p)
        self._control("BEGIN " + self._isolation_level)

    def _emit_trace(self, text):
        callback = self._trace
        try:
            callback(text)
        except Exception as exc:
            _report_callback_error(exc, callback)

    # -- attributes ---------------------------------------------------------------
    @property
    def isolation_level(self):
        self._check_open()
        return self._isolation_level

    @isolation_level.setter
    def isolation_level(self, value):
        self._check_open()
        if value is None:
            self._isolation_level = None
            self.commit()       # sqlite3 commits to re-enable autocommit mode
            return
        self._isolation_level = _isolation_level(value)

    @property
    def autocommit(self):
        """PEP 249 transaction control (Python 3.12): True, False or
        LEGACY_TRANSACTION_CONTROL (the default: ``isolation_level`` rules)."""
        self._check()
        return self._autocommit

    @autocommit.setter
    def autocommit(self, value):
        self._check()
        value = _autocommit(value)
        with self._lock:
            self._autocommit = value
            in_tx = self._db.in_transaction
            if value is True and in_tx:
                self._control("COMMIT")
            elif value is False and not in_tx:
                self._control("BEGIN")

    @property
    def in_transaction(self):
        self._check_open()
        return self._db.in_transaction

    @property
    def total_changes(self):
        self._check_open()
        return self._db.total_changes

    # -- statements ---------------------------------------------------------------
    def cursor(self, factory=None):
        self._check()
        if factory is None:
            cur = Cursor(self)
        else:
            cur = factory(self)
            if not isinstance(cur, Cursor):
                raise TypeError(f"factory must return a cursor, not {_type_name(cur)}")
        if self.row_factory is not None:
            cur.row_factory = self.row_factory
        return cur

    def execute(self, sql, parameters=(), /):
        # cursor() inline, as sqlite3 makes this cursor (its own Cursor type:
        # a subclass's cursor() is not called): the fixed cost of a query.
        if self._db is None or (self._check_same_thread and _get_ident() != self._thread):
            self._check()               # raises the error that applies
        cur = _new_object(Cursor)
        cur._connection = self
        if self.row_factory is not None:
            cur.row_factory = self.row_factory
        if type(sql) is not str:
            return cur.execute(sql, parameters)     # (raises sqlite3's error)
        # Cursor.execute without its checks (made above) and its busy mark:
        # the cursor is new, so open, in a new cursor's state, and out of
        # reach of any callback the statement runs.  (The lock's acquire and
        # release cost half what a with statement on an RLock does.)
        lock = self._lock
        lock.acquire()
        try:
            cur._execute(self, sql, parameters)
        finally:
            lock.release()
        return cur

    def executemany(self, sql, parameters, /):
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script, /):
        return self.cursor().executescript(sql_script)

    def commit(self):
        if self._db is None or (self._check_same_thread and _get_ident() != self._thread):
            self._check()               # raises the error that applies
        with self._lock:
            autocommit = self._autocommit
            if autocommit is False:
                self._control("COMMIT")
                self._control("BEGIN")
            elif autocommit is not True and self._db.in_transaction:
                self._control("COMMIT")

    def rollback(self):
        self._check()
        with self._lock:
            autocommit = self._autocommit
            if autocommit is False:
                self._control("ROLLBACK")
                self._control("BEGIN")
            elif autocommit is not True and self._db.in_transaction:
                self._control("ROLLBACK")

    def close(self):
        if self._check_same_thread and _get_ident() != self._thread:
            raise _thread_error(self._thread)
        db = self._db
        if db is None:
            return
        with self._lock:
            try:
                if self._autocommit is False and db.in_transaction:
                    self._control("ROLLBACK")
            finally:
                self._db = None
                db.close()

    def interrupt(self):
        """Abort the statement running on this connection (from any thread)."""
        self._check_open()
        self._db.interrupt()

    # -- callbacks --------------------------------------------------------------------
    def set_progress_handler(self, progress_handler, n):
        self._check()
        n = operator.index(n)
        handler = None if progress_handler is None else _reporting(progress_handler)
        with self._lock:
            self._db.set_progress_handler(handler, n)

    def set_trace_callback(self, trace_callback):
        """Call ``trace_callback(sql)`` for every statement run, with its
        parameters expanded, and for the BEGIN/COMMIT/ROLLBACK the module
        issues itself (statements run by triggers are not reported)."""
        self._check()
        self._trace = trace_callback

    def set_authorizer(self, authorizer_callback):
        self._check()
        if authorizer_callback is not None:
            raise NotSupportedError("set_authorizer() is not supported by minisql")

    @staticmethod
    def _user_name(method, name, positional):
        if not isinstance(name, str):
            which = "1" if positional else "'name'"
            raise TypeError(f"{method}() argument {which} must be str, "
                            f"not {_arg_type_name(name)}")

    def create_function(self, name, narg, func, *, deterministic=False):
        self._check()
        self._user_name("create_function", name, False)
        narg = operator.index(narg)
        if not -1 <= narg <= 127 or len(name.encode("utf-8", "surrogatepass")) > 255:
            raise OperationalError("Error creating function")
        with self._lock:
            self._db.create_function(name, narg, _reporting(func),
                                     deterministic=bool(deterministic))

    def create_aggregate(self, name, n_arg, aggregate_class):
        self._check()
        self._user_name("create_aggregate", name, False)
        n_arg = operator.index(n_arg)
        if not -1 <= n_arg <= 127 or len(name.encode("utf-8", "surrogatepass")) > 255:
            raise OperationalError("Error creating aggregate")
        with self._lock:
            self._db.create_aggregate(name, n_arg, _reporting_aggregate(aggregate_class))

    def create_collation(self, name, callable, /):  # noqa: A002 - sqlite3's name
        self._check()
        self._user_name("create_collation", name, True)
        if callable is not None and not hasattr(callable, "__call__"):
            raise TypeError("parameter must be callable")
        with self._lock:
            self._db.create_collation(name, callable)

    create_window_function = _not_supported("create_window_function()")
    blobopen = _not_supported("blobopen()")
    serialize = _not_supported("serialize()")
    deserialize = _not_supported("deserialize()")
    getlimit = _not_supported("getlimit()")
    setlimit = _not_supported("setlimit()")

    # -- whole-database operations ----------------------------------------------------
    def iterdump(self):
        self._check_open()      # (the thread is checked once the dump runs)
        return _iterdump(self)

    def backup(self, target, *, pages=-1, progress=None, name="main", sleep=0.250):
        self._check()
        if not isinstance(target, Connection):
            raise TypeError("backup() argument 'target' must be minisql.Connection, "
                            f"not {_arg_type_name(target)}")
        if target is self:
            raise ValueError("target cannot be the same connection instance")
        target._check_open()
        pages = operator.index(pages)
        if progress is not None and not hasattr(progress, "__call__"):
            raise TypeError("progress argument must be a callable")
        if not isinstance(sleep, (int, float)):
            raise TypeError(f"must be real number, not {_type_name(sleep)}")
        if name != "main":
            raise OperationalError(f"unknown database {name}")
        with self._lock, target._lock:
            self._db.backup(target._db, pages=pages or -1, progress=progress, sleep=sleep)

    # -- minisql's own: what the shell's .wal / .page / .dbinfo show -------------------
    def minisql_info(self):
        """The journal mode and the WAL / wal-index state (frames, nBackfill,
        salts, read marks and whether a reader holds each)."""
        self._check()
        with self._lock:
            return self._db.info()

    def minisql_page(self, pgno):
        """The bytes of page ``pgno`` as this connection sees it."""
        self._check()
        with self._lock:
            return self._db.page_image(pgno)

    def __enter__(self):
        self._check_open()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and exc is None and tb is None:
            try:
                self.commit()
            except BaseException:
                # Roll back to release the database; the commit's error wins.
                self.rollback()
                raise
        else:
            self.rollback()
        return False

    def __call__(self, sql):
        self._check()
        raise NotSupportedError("calling a connection is not supported by minisql; "
                                "use execute()")


# -- cursor -----------------------------------------------------------------------------------

class _ReadOnly:
    """A cursor attribute users may read but not set (sqlite3's READONLY
    members)."""

    __slots__ = ("attr",)

    def __init__(self, attr):
        self.attr = attr

    def __get__(self, obj, owner=None):
        return self if obj is None else getattr(obj, self.attr)

    def __set__(self, obj, value):
        raise AttributeError("readonly attribute")

    def __delete__(self, obj):
        raise AttributeError("readonly attribute")


class Cursor:
    __module__ = "minisql"
    _connection = None       # set by __init__: "Base Cursor.__init__ not called" otherwise
    # A new cursor's state: class attributes, which a cursor overrides as
    # it runs (a cursor per execute() makes their stores per-statement work).
    _arraysize = 1
    row_factory = None
    _description = None
    _rowcount = -1
    _lastrowid = None
    _rows = None             # the engine's running Result, or None
    _pending = None          # rows fetched from it but not yet returned
    _names = None            # result column names as the engine gives them
    _converters = None
    _closed = False
    _locked = False          # inside execute(): user callbacks may not reuse it

    def __init__(self, connection, /):
        if not isinstance(connection, Connection):
            raise TypeError("Cursor() argument 1 must be minisql.Connection, "
                            f"not {_arg_type_name(connection)}")
        if connection._check_same_thread and _get_ident() != connection._thread:
            raise _thread_error(connection._thread)
        self._connection = connection

    # -- read-only attributes -----------------------------------------------------------------
    connection = _ReadOnly("_connection")
    description = _ReadOnly("_description")
    rowcount = _ReadOnly("_rowcount")
    lastrowid = _ReadOnly("_lastrowid")

    @property
    def arraysize(self):
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value):
        self._arraysize = operator.index(value)

    def _check(self):
        conn = self._connection
        if conn is None:
            raise ProgrammingError("Base Cursor.__init__ not called.")
        if self._closed:
            raise ProgrammingError("Cannot operate on a closed cursor.")
        if self._locked:
            raise ProgrammingError("Recursive use of cursors not allowed.")
        if conn._check_same_thread and _get_ident() != conn._thread:
            raise _thread_error(conn._thread)
        if conn._db is None:
            raise ProgrammingError("Cannot operate on a closed database.")
        return conn

    def _finish_rows(self):
        self._pending = None
        rows = self._rows
        if rows is not None:
            self._rows = None
            rows.close()

    # -- executing ----------------------------------------------------------------------------
    def execute(self, sql, parameters=(), /):
        conn = self._check()
        if not isinstance(sql, str):
            raise TypeError(f"execute() argument 1 must be str, not {_arg_type_name(sql)}")
        # Under the connection's lock, the cursor marked busy (a callback
        # may not reuse it meanwhile).
        lock = conn._lock
        lock.acquire()
        self._locked = True
        try:
            if self._rows is not None or self._pending is not None:
                self._finish_rows()
            self._description = None
            self._rowcount = -1
            self._converters = None
            self._execute(conn, sql, parameters)
        finally:
            self._locked = False
            lock.release()
        return self

    def _execute(self, conn, sql, parameters):
        """Run ``sql`` on this cursor, which holds no rows and has no
        description, rowcount -1 and no converters (a new cursor's state),
        under the connection's lock."""
        db = conn._db
        cache = db.cache
        p = cache.get(sql)
        if p is not None:
            # (Database.prepare, inline; what the cache holds was checked
            # for a null character when it was prepared, below)
            cache.move_to_end(sql)
        else:
            if "\0" in sql:
                raise ProgrammingError("the query contains a null character")
            p = db.prepare(sql)
        info = p.extra or _info(p)
        if info.is_dml and conn._isolation_level is not None and \
                conn._autocommit == LEGACY_TRANSACTION_CONTROL and not db.in_transaction:
            conn._begin_implicit(p)
        try:
            params = _bind(info, p.param_count, parameters)
        except BaseException:
            db.compile(p)        # sqlite3 reports a prepare error before this one
            raise
        if conn._trace is not None and p.compiled != "empty":
            db.compile(p)       # (a statement that does not compile is not traced)
            conn._emit_trace(_expanded_sql(sql[:len(sql) - len(_parse_one(sql)[1])],
                                           info.names, params))
        if p.compiled == "empty":
            return          # nothing to run: sqlite3 leaves lastrowid alone too
        result = db.run(p, params)
        names = p.column_names
        if names:
            if info.desc_names is names and not conn.detect_types:
                # (_set_columns for a statement whose description is made)
                self._names = names
                self._description = info.description
            else:
                self._set_columns(conn, info, names, p.column_decltypes)
            self._rows = result
        if info.is_dml:
            self._rowcount = result.changes
        self._lastrowid = db.last_insert_rowid

    def _set_columns(self, conn, info, names, decltypes):
        detect = conn.detect_types
        self._names = names
        if detect:
            self._converters = _column_converters(conn, names, decltypes)
            self._description = tuple((_description_name(n, detect), None, None, None,
                                       None, None, None) for n in names)
            return
        self._converters = None
        if info.desc_names is not names:
            info.description = tuple((n, None, None, None, None, None, None) for n in names)
            info.desc_names = names
        self._description = info.description

    def executemany(self, sql, seq_of_parameters, /):
        conn = self._check()
        if not isinstance(sql, str):
            raise TypeError(f"executemany() argument 1 must be str, not {_arg_type_name(sql)}")
        with conn._lock:
            self._locked = True
            try:
                self._executemany(conn, sql, seq_of_parameters)
            finally:
                self._locked = False
        return self

    def _executemany(self, conn, sql, seq_of_parameters):
        params_iter = iter(seq_of_parameters)
        self._finish_rows()
        self._description = None
        self._rowcount = -1
        if "\0" in sql:
            raise ProgrammingError("the query contains a null character")
        db = conn._db
        p = db.prepare(sql)
        info = p.extra or _info(p)
        db.compile(p)
        if info.readonly:
            raise ProgrammingError("executemany() can only execute DML statements.")
        if info.is_dml and conn._isolation_level is not None and \
                conn._autocommit == LEGACY_TRANSACTION_CONTROL and not db.in_transaction:
            conn._control("BEGIN " + conn._isolation_level)
        count = p.param_count
        if conn._trace is not None:
            text = sql[:len(sql) - len(_parse_one(sql)[1])]

            def bound():
                for parameters in params_iter:
                    params = _bind(info, count, parameters)
                    conn._emit_trace(_expanded_sql(text, info.names, params))
                    yield params
        else:
            def bound():
                for parameters in params_iter:
                    yield _bind(info, count, parameters)
        total = db.run_many(p, bound())
        self._rowcount = total if info.is_dml else -1

    def executescript(self, sql_script, /):
        conn = self._check()
        if not isinstance(sql_script, str):
            raise TypeError("executescript() argument must be str, "
                            f"not {_arg_type_name(sql_script)}")
        if "\0" in sql_script:
            raise ValueError("embedded null character")
        # sqlite3 leaves description, rowcount, lastrowid and any unfinished
        # result of this cursor as they are.
        with conn._lock:
            db = conn._db
            if db.in_transaction and conn._autocommit == LEGACY_TRANSACTION_CONTROL:
                conn._control("COMMIT")
            statements = db.prepare_script(sql_script)
            if conn._trace is None:
                for p in statements:
                    deque(db.run(p, [None] * p.param_count), maxlen=0)
            else:
                for p, text in _script_texts(sql_script, statements):
                    db.compile(p)
                    conn._emit_trace(text)
                    deque(db.run(p, [None] * p.param_count), maxlen=0)
        return self

    # -- fetching -----------------------------------------------------------------------------
    def __iter__(self):
        return self

    def __next__(self):
        conn = self._connection
        if conn is None or self._closed or self._locked or conn._db is None or \
                (conn._check_same_thread and _get_ident() != conn._thread):
            self._check()               # raises the error that applies
        values = None
        pending = self._pending
        if pending is not None:
            values = next(pending, None)
            if values is None:
                self._pending = None
        if values is None:
            rows = self._rows
            if rows is None:
                raise StopIteration
            lock = conn._lock
            lock.acquire()
            try:
                if conn._db.interrupted and not rows.done:
                    # interrupt() also stops a statement between fetches
                    raise errors.interrupted()
                values = next(rows)
            except BaseException:
                self._rows = None
                rows.close()
                raise
            finally:
                lock.release()
        try:
            if self._converters is not None or conn.text_factory is not str:
                values = self._convert(values, conn.text_factory)
            else:
                for v in values:
                    if type(v) is str and not v.isascii():
                        self._check_text(values)
                        break
        except BaseException:
            self._push_back([values])
            raise
        factory = self.row_factory
        return values if factory is None else factory(self, values)

    def _push_back(self, rows):
        """A row whose conversion failed is read again by the next fetch, as
        in sqlite3 (its statement only steps once the row is built)."""
        pending = self._pending
        self._pending = iter(rows) if pending is None else chain(rows, pending)

    def _check_text(self, values):
        """Raise sqlite3's error if a text value is not valid UTF-8 (the
        engine carries such bytes as surrogate escapes)."""
        for i, v in enumerate(values):
            if type(v) is str and not v.isascii():
                try:
                    v.encode("utf-8")
                except UnicodeEncodeError:
                    raise _decode_error(self._names[i], v) from None

    def _convert(self, values, text_factory):
        conv = self._converters
        out = []
        for i, v in enumerate(values):
            c = conv[i] if conv is not None else None
            if c is not None:
                if v is not None:
                    data = _converter_bytes(v)
                    # sqlite3_column_blob() gives NULL for an empty value
                    v = c(data) if data else None
            elif type(v) is str:
                if text_factory is str:
                    if not v.isascii():
                        try:
                            v.encode("utf-8")
                        except UnicodeEncodeError:
                            raise _decode_error(self._names[i], v) from None
                elif text_factory is bytes:
                    v = v.encode("utf-8", "surrogateescape")
                elif text_factory is bytearray:
                    v = bytearray(v.encode("utf-8", "surrogateescape"))
                else:
                    v = text_factory(v.encode("utf-8", "surrogateescape"))
            out.append(v)
        return tuple(out)

    # The fetch methods step with this class's __next__ (_cursor_next), not
    # a subclass's: sqlite3's call its C function directly.
    def fetchone(self):
        try:
            return _cursor_next(self)
        except StopIteration:
            return None

    def fetchmany(self, size=None):
        n = self._arraysize if size is None else operator.index(size)
        out = []
        step = _cursor_next
        # As in sqlite3, a size of 0 or less fetches everything.
        try:
            while True:
                out.append(step(self))
                if len(out) == n:
                    break
        except StopIteration:
            pass
        return out

    def fetchall(self):
        conn = self._connection
        if conn is None or self._closed or self._locked or conn._db is None or \
                (conn._check_same_thread and _get_ident() != conn._thread):
            self._check()               # raises the error that applies
        rows = self._rows
        if rows is not None and self._pending is None and self.row_factory is None \
                and self._converters is None and conn.text_factory is str:
            lock = conn._lock
            lock.acquire()
            try:
                self._rows = None
                if conn._db.interrupted and not rows.done:
                    rows.close()
                    raise errors.interrupted()
                out = rows.drain()
            finally:
                lock.release()
            for values in out:
                for v in values:
                    if type(v) is str and not v.isascii():
                        try:
                            self._check_text(values)
                        except OperationalError:
                            # (out.index finds this very row: an equal one
                            # before it holds the same text, and failed first)
                            self._push_back(out[out.index(values):])
                            raise
                        break
            return out
        return Cursor.fetchmany(self, 0)       # (0: all of them)

    def close(self):
        conn = self._connection
        if conn is None:
            raise ProgrammingError("Base Cursor.__init__ not called.")
        conn._check()
        if self._rows is not None:
            with conn._lock:
                self._finish_rows()
        self._closed = True

    def setinputsizes(self, sizes, /):
        """Required by the DB-API; does nothing (as in sqlite3)."""

    def setoutputsize(self, size, column=None, /):
        """Required by the DB-API; does nothing (as in sqlite3)."""


_cursor_next = Cursor.__next__


# -- Row ---------------------------------------------------------------------------------------

class Row:
    """sqlite3.Row: a result row indexed by position or by column name
    (ASCII case-insensitively), with keys(), equality and hashing over the
    description and the values."""

    __module__ = "minisql"
    __slots__ = ("_description", "_data")

    def __init__(self, cursor, data, /):
        if not isinstance(cursor, Cursor):
            raise TypeError("Row() argument 1 must be minisql.Cursor, "
                            f"not {_arg_type_name(cursor)}")
        if not isinstance(data, tuple):
            raise TypeError(f"Row() argument 2 must be tuple, not {_arg_type_name(data)}")
        self._description = cursor._description
        self._data = data

    def keys(self):
        return [d[0] for d in self._description or ()]

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._data[key]
        if isinstance(key, str):
            folded = key.lower() if key.isascii() else None
            for i, d in enumerate(self._description or ()):
                name = d[0]
                if name == key or (folded is not None and name.isascii()
                                   and name.lower() == folded):
                    return self._data[i]
            raise IndexError("No item with that key")
        if isinstance(key, slice):
            return self._data[key]
        raise IndexError("Index must be int or string")

    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return iter(self._data)

    def __eq__(self, other):
        if not isinstance(other, Row):
            return NotImplemented
        return self._description == other._description and self._data == other._data

    def __ne__(self, other):
        if not isinstance(other, Row):
            return NotImplemented
        return not (self._description == other._description and self._data == other._data)

    def __hash__(self):
        return hash(self._description) ^ hash(self._data)
