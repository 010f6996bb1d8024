"""One connection's engine: statements, transactions and the schema cache.

``Database`` is what the DB-API's Connection drives.  It owns the pager (and
through it the WAL), the b-tree layer over it, the schema catalog and the
prepared-statement cache, and it implements SQLite's transaction rules:

Transaction states
    autocommit  - no BEGIN is open: each statement runs in its own
                  transaction; a read (SELECT) transaction lasts until the
                  last open result of the connection is exhausted or closed,
                  a write transaction is committed when the statement ends.
    explicit    - after BEGIN: statements share one transaction until
                  COMMIT/ROLLBACK.  A failing statement undoes only its own
                  changes (a statement savepoint in the pager).
    savepoints  - SAVEPOINT outside BEGIN opens an explicit transaction, as
                  SQLite does; RELEASE of the outermost one commits it.

Schema cache
    The catalog is (re)loaded from sqlite_schema when a transaction starts
    and the schema cookie in the header differs from the one it was loaded
    at; compiled plans remember the schema generation they were built for
    and are recompiled when it changes (another connection's DDL).
"""

import collections

from .. import errors
from ..sql import ast
from ..sql.parser import iter_statements, parse, parse_single
from ..storage import format as fmt
from ..storage.btree import BTree
from ..storage.pager import WRITE, Pager
from ..storage.record import decode_record
from . import collation as C
from . import functions as F
from .schema import SCHEMA_ROOT, Schema

DML = (ast.Insert, ast.Update, ast.Delete)
# Statements run() executes without compiling them.
_UNCOMPILED = (ast.Begin, ast.Commit, ast.Rollback, ast.Savepoint, ast.Release, ast.Pragma)


# Errors after which SQLite rolls back the whole transaction, not just the
# failing statement.
_ENDS_TRANSACTION = (errors.SQLITE_INTERRUPT, errors.SQLITE_FULL, errors.SQLITE_IOERR,
                     errors.SQLITE_NOMEM)

_CONTROL = {}      # transaction-control text -> its (immutable) AST


class Env:
    """What compiled closures read at run time: the bound parameters, an
    execution counter (uncorrelated subqueries run once per execution), and
    the connection state that changes()/last_insert_rowid() report."""

    __slots__ = ("db", "params", "generation", "executions")

    def __init__(self, db):
        self.db = db
        self.params = []
        self.generation = 0
        self.executions = 0     # generations handed out: never one twice

    def begin_execution(self, params):
        """Make ``params`` and a new generation current; returns what was
        current before, for end_execution (a statement run by a function
        called from another statement must not leave its parameters to the
        rest of that statement's row)."""
        outer = self.params, self.generation
        self.new_execution(params)
        return outer

    def new_execution(self, params):
        self.params = params
        self.executions += 1
        self.generation = self.executions

    def end_execution(self, outer):
        self.params, self.generation = outer

    def changes(self):
        return self.db.changes

    def total_changes(self):
        return self.db.total_changes

    def last_insert_rowid(self):
        return self.db.last_insert_rowid

    def raise_from_trigger(self, action, message):
        from .dml import TriggerRaise
        raise TriggerRaise(action, message)


class Prepared:
    """A parsed statement and its compiled form, cached by SQL text."""

    __slots__ = ("sql", "stmt", "is_dml", "is_select", "param_count", "param_names",
                 "compiled", "gen", "column_names", "column_decltypes", "extra",
                 "now", "reads_db")

    def __init__(self, sql, stmt):
        self.sql = sql
        self.stmt = stmt
        inner = stmt.stmt if isinstance(stmt, ast.Explain) else stmt
        self.is_dml = isinstance(stmt, DML)
        self.is_select = isinstance(inner, ast.Select) or isinstance(stmt, ast.Explain)
        # A query that names no table (SELECT 1, SELECT changes()) runs
        # without a read transaction, as in SQLite: it takes no lock and
        # answers even on a file that is not a database.
        self.reads_db = not self.is_select or ast.names_a_table(stmt)
        self.param_count = stmt.n_params
        self.param_names = {n[1:]: i + 1 for i, n in enumerate(stmt.param_names)
                            if n and n[0] in ":@$"}
        self.compiled = None
        self.gen = -1
        self.column_names = None
        self.column_decltypes = None
        # For a query whose rows can be computed at once (see RowsResult):
        # the function that computes them (the compiled run's ``now``).
        self.now = None
        # What the DB-API layer works out once per statement (its sqlite3
        # DML test, parameter names); the engine never reads it.
        self.extra = None


class Result:
    """A running statement: iterates rows (tuples); ``changes`` for DML.

    Like sqlite3's cursor it keeps one row ahead: the statement is known to
    be finished as soon as its last row is handed out, and its read
    transaction ends then, not at some later fetch (so ``execute(...)
    .fetchone()`` does not pin a snapshot).  A result dropped unfinished is
    closed when it is garbage-collected, as sqlite3 resets its statements.

    Several results of one connection may be open at once (two cursors, or
    a query read while other statements run), and their compiled closures
    read the connection's ``Env``: each result keeps the parameters and
    execution number it was started with and puts them back before it
    computes another row."""

    __slots__ = ("db", "it", "changes", "done", "pending", "params", "generation")

    def __init__(self, db, it, changes=0):
        self.db = db
        self.it = it
        self.changes = changes
        self.done = it is None
        self.pending = _END
        if not self.done:
            env = db.env
            self.params = env.params
            self.generation = env.generation
            db.active += 1
            self._advance()

    def _advance(self):
        env = self.db.env
        outer = env.params, env.generation
        env.params = self.params
        env.generation = self.generation
        try:
            self.pending = next(self.it)
        except StopIteration:
            self.pending = _END
            self.close()
        except errors.Error:
            self.pending = _END
            self.close()
            raise
        except RecursionError:
            self.pending = _END
            self.close()
            raise errors.too_deep()
        finally:
            env.params, env.generation = outer

    def __iter__(self):
        return self

    def __next__(self):
        row = self.pending
        if row is _END:
            raise StopIteration
        self._advance()
        return row

    def drain(self):
        """Every remaining row, at once."""
        row = self.pending
        if row is _END:
            return []
        out = [row]
        env = self.db.env
        outer = env.params, env.generation
        env.params = self.params
        env.generation = self.generation
        try:
            out.extend(self.it)
        finally:
            env.params, env.generation = outer
            self.pending = _END
            self.close()
        return out

    def close(self):
        if not self.done:
            self.done = True
            close = getattr(self.it, "close", None)
            if close is not None:
                close()
            self.db.active -= 1
            self.db._statement_done()

    def __del__(self):
        if not self.done:
            try:
                self.close()
            except Exception:
                pass


class RowsResult:
    """The Result of a plan that computed all its rows when it ran: a seek
    that found at most one row (by rowid, or by an index key with one
    entry), so nothing is left to compute and nothing differs from stepping
    it.  Still open, and its read transaction with it, until its last row
    is handed out -- as a Result one row ahead.  (Not a Result subclass:
    it keeps four slots, the fixed cost of a point query.)"""

    __slots__ = ("db", "rows", "i", "done")
    changes = 0

    def __init__(self, db, rows):
        self.db = db
        self.rows = rows
        self.i = 0
        self.done = False
        db.active += 1

    def __iter__(self):
        return self

    def __next__(self):
        if self.done:
            raise StopIteration
        i = self.i
        rows = self.rows
        self.i = i + 1
        if i + 1 == len(rows):
            self.close()
        return rows[i]

    def drain(self):
        if self.done:
            return []
        i = self.i
        out = self.rows[i:] if i else self.rows
        self.done = True        # (close(), inline)
        db = self.db
        db.active -= 1
        db._statement_done()
        return out

    def close(self):
        if not self.done:
            self.done = True
            db = self.db
            db.active -= 1
            db._statement_done()

    __del__ = Result.__del__


class Database:
    def __init__(self, path, *, readonly=False, create=True, immutable=False,
                 timeout=5.0, cached_statements=128, checksums=False):
        import os
        if path != ":memory:" and not create and not os.path.exists(path):
            raise errors.cantopen()
        if path != ":memory:" and readonly and not os.path.exists(path):
            raise errors.cantopen()
        self.path = path
        self.pager = Pager(path, readonly=readonly, busy_timeout=timeout,
                           checksums=checksums)
        self.btree = BTree(self.pager)
        self.schema = Schema()
        self.schema_cookie = None
        self.schema_version = None   # the pager's data_version when it was read
        self.schema_gen = 0
        self.functions = F.Registry()
        self.collations = C.new_registry()
        self.env = Env(self)
        self.cache = collections.OrderedDict()
        self.cache_size = cached_statements
        self.keyinfo_cache = {}
        self.explicit = False
        self.savepoint_names = []    # (name, pager depth)
        self.active = 0
        self.last_insert_rowid = 0
        self.changes = 0
        self.total_changes = 0
        self.interrupted = False
        self.progress = None
        self.check_every = self.countdown = self.CHECK_EVERY

    # -- preparing ------------------------------------------------------------

    def prepare(self, sql):
        cache = self.cache
        p = cache.get(sql)
        if p is not None:
            cache.move_to_end(sql)
            return p
        try:
            stmt = parse_single(sql)
        except errors.Error as e:
            e.sqlite_phase = "prepare"
            raise
        if stmt is None:
            stmt = ast.Select(body=ast.Values(rows=((ast.Literal(None),),)))
            p = Prepared(sql, stmt)
            p.compiled = "empty"
            p.gen = None
        else:
            p = Prepared(sql, stmt)
        if self.cache_size > 0:
            self.cache[sql] = p
            if len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
        return p

    def prepare_script(self, sql):
        for stmt in iter_statements(sql):
            yield Prepared(stmt.text, stmt)

    # -- running ----------------------------------------------------------------

    def run(self, p, params):
        """Execute a prepared statement; returns a Result."""
        if p.compiled == "empty":
            return Result(self, None)
        # Env.begin_execution/end_execution and a query's run, inline: the
        # fixed cost of a query.
        env = self.env
        outer_params = env.params
        outer_generation = env.generation
        env.params = params
        env.generation = env.executions = env.executions + 1
        try:
            if not p.is_select:
                return self._run(p)
            self.interrupted = False
            pager = self.pager
            if pager.state == 0 and p.reads_db:
                # (_begin(write=False), inline, and _check_schema's test)
                pager.begin_read()
                if pager.data_version != self.schema_version or self.schema_cookie is None:
                    self._check_schema()
            try:
                if p.compiled is None or p.gen != self.schema_gen:
                    self._compile(p)
                now = p.now
                it = p.compiled() if now is None else now()
            except RecursionError:
                # (a plan that computes its rows at once, see RowsResult)
                self._statement_done()
                raise errors.too_deep() from None
            except BaseException:
                self._statement_done()
                raise
            if type(it) is list:
                if it:
                    return RowsResult(self, it)
                self._statement_done()
                return _NO_ROWS
            return Result(self, iter(it))
        finally:
            env.params = outer_params
            env.generation = outer_generation

    def _run(self, p):
        """run() for a statement that is not a query."""
        self.interrupted = False
        stmt = p.stmt
        if isinstance(stmt, (ast.Begin, ast.Commit, ast.Rollback, ast.Savepoint, ast.Release)):
            self._transaction_control(stmt)
            return Result(self, None)
        if isinstance(stmt, ast.Pragma):
            from .pragma import run_pragma
            return run_pragma(self, p)
        return self._run_write(p)

    def _run_write(self, p):
        self._begin(write=True)
        depth = self.pager.savepoint() if self.explicit or self.active else None
        try:
            if p.compiled is None or p.gen != self.schema_gen:
                self._compile(p)
            n = p.compiled()
        except BaseException as e:
            self._write_failed(depth, e)
            if type(e).__name__ in ("FailKeepChanges", "RollbackTransaction"):
                raise errors.IntegrityError(str(e), code=e.sqlite_errorcode) from None
            raise
        if depth is not None:
            self.pager.release(depth)
        if not self.explicit and not self.active:
            self._statement_done()      # (only then has it anything to do)
        return Result(self, None, n if p.is_dml else 0)

    def run_many(self, p, param_seq):
        """executemany(): returns the total rows changed.  Inside an explicit
        transaction an INSERT that supports it runs all parameter sets in
        one execution; otherwise each set is a statement of its own."""
        if self.explicit and p.is_dml and isinstance(p.stmt, ast.Insert):
            self._begin(write=True)
            self._compile(p)
            many = getattr(p.compiled, "many", None)
            if many is not None:
                self.interrupted = False
                outer = self.env.begin_execution(None)
                try:
                    return many(param_seq)
                except BaseException as e:
                    if not self.explicit or \
                            getattr(e, "sqlite_errorcode", 0) == errors.SQLITE_INTERRUPT:
                        self._write_failed(None, e)
                    else:
                        self._schema_may_have_changed()
                    raise
                finally:
                    self.env.end_execution(outer)
        total = 0
        for params in param_seq:
            total += self.run(p, params).changes
        return total

    def _write_failed(self, depth, exc):
        from .dml import FailKeepChanges, RollbackTransaction
        if isinstance(exc, FailKeepChanges):
            # ON CONFLICT FAIL: what the statement did before failing stays.
            if depth is not None:
                self.pager.release(depth)
            self._statement_done()
        elif depth is not None and not isinstance(exc, RollbackTransaction) and \
                getattr(exc, "sqlite_errorcode", 0) & 0xFF not in _ENDS_TRANSACTION:
            # (An interrupt, a full disk or an I/O error ends the whole
            # transaction, as in SQLite's sqlite3VdbeHalt; other failures
            # undo only the statement.)
            self.pager.rollback_to(depth)
            self.pager.release(depth)
            self._schema_may_have_changed()
            self._statement_done()
        else:
            self._rollback_all()

    def _compile(self, p):
        if p.compiled is None or p.gen != self.schema_gen:
            from .compile import compile_statement
            try:
                p.compiled, p.column_names, p.column_decltypes = \
                    compile_statement(self, p.stmt)
                p.now = getattr(p.compiled, "now", None)
            except errors.Error as e:
                # SQLite reports these from sqlite3_prepare (the shell says
                # "Parse error"), not from sqlite3_step.
                e.sqlite_phase = "prepare"
                raise
            p.gen = self.schema_gen

    def compile(self, p):
        """Compile ``p`` now, as sqlite3_prepare would, so that the errors
        SQLite reports from prepare ('no such table', ...) come before
        anything the caller does next (sqlite3 issues its implicit BEGIN and
        binds parameters only after a successful prepare)."""
        if p.compiled == "empty" or isinstance(p.stmt, _UNCOMPILED):
            return
        if not p.reads_db:
            self._compile(p)        # (reads no schema: no transaction)
            return
        if p.compiled is not None and p.gen == self.schema_gen and \
                self.schema_cookie is not None:
            # Compiled for the schema as last read: no read transaction to
            # look at it again.  Running it checks the schema cookie under
            # its own lock and recompiles if another connection changed it
            # (sqlite3 too re-prepares a cached statement only when it
            # steps it, after its implicit BEGIN).
            return
        self._begin(write=False)
        try:
            self._compile(p)
        finally:
            self._statement_done()

    def execute_control(self, sql):
        """BEGIN/COMMIT/ROLLBACK issued by the DB-API layer itself (the few
        texts it uses are parsed once per process)."""
        stmt = _CONTROL.get(sql)
        if stmt is None:
            stmt = _CONTROL[sql] = parse(sql)[0]
        if stmt.__class__ is ast.Commit and self.explicit:
            self._commit()          # (_transaction_control's, for commit())
        else:
            self._transaction_control(stmt)

    # -- transactions -------------------------------------------------------------

    @property
    def in_transaction(self):
        return self.explicit

    def _begin(self, write):
        pager = self.pager
        if pager.state == 0:
            # From no transaction a writer asks for the write lock directly:
            # the pager then takes a fresh snapshot under it (a snapshot
            # taken first could go stale before the lock is granted).
            if write:
                pager.begin_write()
            else:
                pager.begin_read()
            self._check_schema()
        elif write and not pager.in_write:
            pager.begin_write()
        if write and pager.page_count == 0:
            self.btree.new_database()

    def _check_schema(self):
        pager = self.pager
        version = pager.data_version
        if version == self.schema_version and self.schema_cookie is not None:
            # No other connection's commit since the cookie was read (the
            # pager's data_version moves with any that may show), and this
            # connection's own schema changes set schema_cookie (or clear
            # it): the cookie on page 1 is still the one loaded.
            return
        if pager.page_count == 0:
            cookie = 0
        else:
            cookie = self.btree.get_meta(fmt.OFF_SCHEMA_COOKIE)
        if cookie != self.schema_cookie:
            self.load_schema()
            self.schema_cookie = cookie
        self.schema_version = version

    def load_schema(self):
        schema = Schema()
        if self.pager.page_count:
            rows = []
            cur = self.btree.table(SCHEMA_ROOT)
            ok = cur.first()
            n = 0
            while ok:
                vals = decode_record(cur.payload())
                if len(vals) < 5:
                    vals += [None] * (5 - len(vals))
                rows.append(vals[:5])
                ok = cur.next()
                n += 1
                if n > self.pager.page_count * 1000:
                    raise errors.corrupt("sqlite_schema loops")
            schema.load(rows)
        self.schema = schema
        self.schema_gen += 1
        self.keyinfo_cache.clear()

    def _schema_may_have_changed(self):
        self.schema_cookie = None

    def bump_schema_cookie(self):
        cookie = (self.btree.get_meta(fmt.OFF_SCHEMA_COOKIE) + 1) & 0xFFFFFFFF
        self.btree.set_meta(fmt.OFF_SCHEMA_COOKIE, cookie)
        self.schema_cookie = cookie
        self.schema_gen += 1
        self.keyinfo_cache.clear()

    def _statement_done(self):
        """End the implicit transaction once nothing needs it any more."""
        if self.explicit or self.active:
            return
        pager = self.pager
        if pager.state == WRITE:
            try:
                pager.commit()
            except BaseException:
                self._rollback_all()
                raise
        pager.end_read()

    def _rollback_all(self):
        self.pager.rollback()
        self.explicit = False
        self.savepoint_names.clear()
        self._schema_may_have_changed()
        if not self.active:
            self.pager.end_read()

    def _transaction_control(self, stmt):
        pager = self.pager
        if isinstance(stmt, ast.Begin):
            if self.explicit:
                raise errors.OperationalError(
                    "cannot start a transaction within a transaction")
            # BEGIN DEFERRED takes no snapshot: the first statement reads or
            # writes from a fresh one, as in SQLite (a snapshot taken here and
            # read from could not be upgraded once another writer commits).
            if stmt.mode in ("IMMEDIATE", "EXCLUSIVE"):
                self._begin(write=True)
            self.explicit = True
        elif isinstance(stmt, ast.Commit):
            if not self.explicit:
                raise errors.OperationalError("cannot commit - no transaction is active")
            self._commit()
        elif isinstance(stmt, ast.Rollback):
            if stmt.savepoint is not None:
                self._rollback_to(stmt.savepoint)
                return
            if not self.explicit:
                raise errors.OperationalError("cannot rollback - no transaction is active")
            self._rollback_all()
        elif isinstance(stmt, ast.Savepoint):
            if not self.explicit:
                # Opens a transaction the way BEGIN DEFERRED does.
                self.explicit = True
                self.savepoint_names.append((stmt.name, None, True))
                return
            self._begin(write=True)
            self.savepoint_names.append((stmt.name, pager.savepoint(), False))
        elif isinstance(stmt, ast.Release):
            i = self._find_savepoint(stmt.name)
            name, depth, outer = self.savepoint_names[i]
            del self.savepoint_names[i:]
            if outer:
                self._commit()
            elif depth is not None and pager.in_write:
                pager.release(depth)

    def _find_savepoint(self, name):
        for i in range(len(self.savepoint_names) - 1, -1, -1):
            if self.savepoint_names[i][0].lower() == name.lower():
                return i
        raise errors.OperationalError(f"no such savepoint: {name}")

    def _rollback_to(self, name):
        i = self._find_savepoint(name)
        _, depth, outer = self.savepoint_names[i]
        del self.savepoint_names[i + 1:]
        pager = self.pager
        if not pager.in_write:
            return
        if outer:
            # The transaction's own savepoint: undo everything, stay open.
            pager.rollback()
            pager.begin_write()
        else:
            pager.rollback_to(depth)
        self._schema_may_have_changed()

    def _commit(self):
        self.explicit = False
        self.savepoint_names.clear()
        if self.active:
            if self.pager.in_write:
                self.pager.commit()
            return
        self._statement_done()

    # -- misc -------------------------------------------------------------------------

    # Every ``check_every`` rows visited by any scan of the connection (the
    # ``countdown``), a long statement looks up: for an interrupt() from
    # another thread, and to call the progress handler.
    CHECK_EVERY = 1000

    def interrupt(self):
        self.interrupted = True

    def set_progress_handler(self, handler, n):
        """sqlite3's progress handler; minisql counts rows visited where
        SQLite counts virtual-machine instructions.  A true result aborts the
        statement with 'interrupted'."""
        if handler is not None and n > 0:
            self.progress = handler
            self.check_every = min(n, self.CHECK_EVERY)
        else:
            self.progress = None
            self.check_every = self.CHECK_EVERY
        self.countdown = self.check_every

    def tick(self):
        self.countdown = self.check_every
        if self.interrupted:
            self.interrupted = False
            raise errors.interrupted()
        handler = self.progress
        if handler is not None:
            try:
                stop = handler()
            except Exception as e:
                raise errors.OperationalError("interrupted") from e
            if stop:
                raise errors.interrupted()

    def create_function(self, name, narg, func, deterministic=False):
        self.functions.register(name, narg, func, deterministic=deterministic)
        self.cache.clear()

    def create_aggregate(self, name, narg, cls):
        self.functions.register_aggregate(name, narg, cls)
        self.cache.clear()

    def create_collation(self, name, fn):
        C.create_collation(self.collations, name, fn)
        self.cache.clear()

    def backup(self, target, pages=-1, progress=None, sleep=0.25):
        """Copy this database, page by page, into ``target`` (a Database).

        The source is read inside one read transaction, so the copy is the
        consistent snapshot at its start even while other connections write
        (SQLite's backup restarts instead; the result is the same kind of
        snapshot).  ``progress(status, remaining, total)`` runs after every
        ``pages`` pages and once more at the end with SQLITE_DONE (101), as
        in sqlite3."""
        if target.explicit or target.active:
            # sqlite3_backup_init refuses a destination with a transaction open
            raise errors.OperationalError("destination database is in use")
        self._begin(write=False)
        self.active += 1
        try:
            src = self.pager
            total = src.page_count
            target._begin(write=True)
            tp = target.pager
            if tp.page_size != src.page_size or tp.reserved != src.reserved:
                if tp.page_count > 1 or (tp.page_count == 1 and not tp.memory):
                    raise errors.readonly()
                tp.truncate(0)
                tp.set_page_size(src.page_size)
                tp.set_reserved(src.reserved)
            step = pages if pages and pages > 0 else total
            for pgno in range(1, total + 1):
                page = tp.get(pgno) if pgno <= tp.page_count else tp.append()
                tp.write(page)
                page.data[:] = src.get(pgno).data
                page.extra = None
                done = pgno
                if progress is not None and done % step == 0 and done < total:
                    progress(0, total - done, total)
            tp.truncate(total)
            target._schema_may_have_changed()
            target._statement_done()
            if progress is not None:
                progress(101, 0, total)
        except BaseException:
            if target.pager.in_write:
                target._rollback_all()
            raise
        finally:
            self.active -= 1
            self._statement_done()

    # -- inspection (the shell's .wal, .page, .btree, .dbinfo) --------------------

    def page_image(self, pgno):
        """Page ``pgno`` as this connection sees it (WAL frames included)."""
        self._begin(write=False)
        try:
            if not 1 <= pgno <= self.pager.page_count:
                raise errors.OperationalError(
                    f"page {pgno} is outside the database ({self.pager.page_count} pages)")
            return bytes(self.pager.get(pgno).data)
        finally:
            self._statement_done()

    def info(self):
        """The journal mode and, in WAL mode, the WAL and wal-index state."""
        from ..storage import walindex as wi
        raw = self.pager.info()
        mode = raw.get("journal_mode")
        if mode != "wal" or "wal_file" not in raw:
            return {"journal_mode": mode, "wal": None}
        out = {"file": raw.get("wal_file"), "size": raw.get("wal_size", 0),
               "page_size": raw.get("page_size"), "frames": raw.get("frames_in_file", 0),
               "mx_frame": raw.get("last_commit_frame", 0),
               "n_backfill": raw.get("nbackfill", 0)}
        for key in ("checkpoint_seq", "salt1", "salt2"):
            if key in raw:
                out[key] = raw[key]
        marks = raw.get("read_marks")
        index = getattr(self.pager.wal, "index", None)
        if marks is not None and index is not None:
            out["read_marks"] = [0xFFFFFFFF if m is None else m for m in marks]
            out["readers"] = [index.file.lock_holder(wi.LOCK_BASE + wi.READ(i), 1) is not None
                              for i in range(len(marks))]
        return {"journal_mode": "wal", "wal": out}

    def close(self):
        try:
            if self.pager.in_write:
                self.pager.rollback()
            self.explicit = False
        finally:
            self.pager.close()


_END = object()

# The Result of every query found to have no rows when it ran (finished:
# nothing changes it).
_NO_ROWS = Result(None, None)
