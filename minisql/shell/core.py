"""The shell's engine room: one connection, the settings, and the loop that
turns lines of input into statements and dot-commands (sqlite3's
process_input / runOneSqlLine / shell_exec).

The shell talks to the database only through the DB-API surface that the
stdlib ``sqlite3`` module also has (connect, cursor, execute, description,
rowcount, total_changes, interrupt, in_transaction), so it runs unchanged
over ``minisql`` or ``sqlite3``; the module is handed in (``dbapi``).
"""

import os
import re
import resource
import time

from . import modes, sqltext

_EQP = re.compile(r"\s*EXPLAIN\s+QUERY\s+PLAN\b", re.I)
_EXPLAIN = re.compile(r"\s*EXPLAIN\b", re.I)
_TERMINATOR = re.compile(r"\s*(?:/|go)\s*\Z", re.I)


# What an interactive reader returns when Ctrl-C abandoned the input line.
CANCEL = "\x00cancel"


class ShellExit(Exception):
    """.exit CODE: leave the program at once with this status."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _primary_code(exc):
    return (getattr(exc, "sqlite_errorcode", None) or 1) & 0xFF


class SqlError(Exception):
    """A statement failed: ``phase`` is 'in prepare' or 'stepping' as in
    sqlite3's messages, ``rc`` the primary result code."""

    def __init__(self, phase, exc, sql):
        self.phase = phase
        self.rc = _primary_code(exc)
        self.message = str(exc)
        self.offset = getattr(exc, "sqlite_offset", -1)
        self.sql = sql
        super().__init__(self.text())

    def text(self):
        s = "%s, %s" % (self.phase, self.message)
        if self.rc > 1:
            s += " (%d)" % self.rc
        return s + error_context(self.sql, self.offset)


def error_context(sql, offset):
    """shell_error_context(): the statement with a caret under the error,
    when the connection told where the error is."""
    if offset is None or offset < 0 or sql is None:
        return ""
    raw = sql.encode("utf-8", "surrogateescape")
    if offset > len(raw):
        return ""
    while offset > 50:                     # keep the caret near the start
        offset -= 1
        raw = raw[1:]
        while raw and raw[0] & 0xC0 == 0x80:
            raw = raw[1:]
            offset -= 1
    cut = raw
    if len(cut) > 78:
        n = 78
        while n > 0 and cut[n] & 0xC0 == 0x80:
            n -= 1
        cut = cut[:n]
    code = bytes(b if b not in b" \t\n\v\f\r" else 0x20 for b in cut)
    code = code.decode("utf-8", "surrogateescape")
    if offset < 25:
        return "\n  %s\n  %s^--- error here" % (code, " " * offset)
    return "\n  %s\n  %serror here ---^" % (code, " " * (offset - 14))


class Shell:
    """State of one shell session (sqlite3's ShellState)."""

    def __init__(self, dbapi, stdout, stderr, interactive=False):
        self.dbapi = dbapi
        self.stdout = stdout              # text streams, utf-8/surrogateescape
        self.stderr = stderr
        self.out = stdout                 # where results go (.output/.once)
        self.outfile = ""                 # its name for .show
        self.once_pending = 0
        self.interactive = interactive
        self.st = modes.Settings()
        self.conn = None
        self.filename = None              # None: not opened yet
        self.readonly = False
        self.open_flags_new = False
        self.bail = False
        self.echo = False
        self.timer = False
        self.count_changes = False
        self.last_changes = 0
        self.busy = False                 # a statement is running
        self.seen_interrupt = 0
        self.lineno = 0
        self.prompts = ["minisql> ", "   ...> "]

    # -- the connection -------------------------------------------------

    def set_database(self, filename, readonly=False):
        """Remember which database to open; it is opened on first use."""
        self.close()
        self.filename = filename
        self.readonly = readonly

    def open_db(self):
        if self.conn is not None:
            return self.conn
        name = self.filename if self.filename else ":memory:"
        if self.readonly and name != ":memory:":
            uri = "file:%s?mode=ro" % _uri_path(name)
            conn = self.dbapi.connect(uri, uri=True, isolation_level=None,
                                      check_same_thread=False)
        else:
            conn = self.dbapi.connect(name, isolation_level=None,
                                      check_same_thread=False)
        if hasattr(conn, "text_factory"):
            # Text that is not valid UTF-8 is shown byte for byte, not refused.
            conn.text_factory = _text_factory
        self.conn = conn
        self.last_changes = 0
        return conn

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    # -- output ---------------------------------------------------------

    def write(self, s):
        self.out.write(s)

    def error(self, s):
        self.out.flush()
        self.stderr.write(s if s.endswith("\n") else s + "\n")
        self.stderr.flush()

    def set_output(self, stream, name):
        self.reset_output()
        self.out = stream
        self.outfile = name

    def reset_output(self):
        if self.out is not self.stdout:
            try:
                self.out.close()
            except OSError:
                pass
        self.out = self.stdout
        self.outfile = ""
        self.once_pending = 0

    def command_done(self):
        """After each command: a .once output lasts for one command."""
        if self.once_pending:
            self.once_pending -= 1
            if self.once_pending == 0:
                self.reset_output()

    # -- running SQL ----------------------------------------------------

    def interrupted(self):
        return self.seen_interrupt > 0

    def exec_sql(self, sql):
        """shell_exec(): run every statement of ``sql`` in turn, writing
        results; stops at the first error and raises SqlError."""
        conn = self.open_db()
        for _, stmt in sqltext.split_statements(sql):
            self.run_statement(conn, stmt)
            if self.interrupted():
                break

    def run_statement(self, conn, stmt):
        cur = conn.cursor()
        self.busy = True
        ticker = _Elapsed(self, conn)
        try:
            try:
                cur.execute(stmt)
            except self.dbapi.Error as e:
                raise SqlError(self._phase(conn, stmt, e), e, stmt) from None
            if cur.description is None:
                if cur.rowcount >= 0:
                    self.last_changes = cur.rowcount
                return
            names = [d[0] for d in cur.description]
            try:
                if _EQP.match(stmt) and self.st.mode != "off":
                    self._write_eqp(cur)
                else:
                    modes.write_rows(self.st, self.out, names, cur, self.interrupted)
            except self.dbapi.Error as e:
                raise SqlError("stepping", e, stmt) from None
        finally:
            self.busy = False
            ticker.done()
            cur.close()

    def _phase(self, conn, stmt, exc):
        """Did ``stmt`` fail to compile ('in prepare') or while running
        ('stepping')?  The DB-API folds both into execute(); a connection
        that knows says so in ``exc.sqlite_phase``, otherwise compiling the
        statement again under EXPLAIN (which runs nothing) tells."""
        phase = getattr(exc, "sqlite_phase", None)
        if phase in ("prepare", "step"):
            return "in prepare" if phase == "prepare" else "stepping"
        if _EXPLAIN.match(stmt):
            return "in prepare"
        try:
            conn.execute("EXPLAIN " + stmt).close()
        except self.dbapi.Error as e2:
            if str(e2) == str(exc):
                return "in prepare"
        return "stepping"

    def _write_eqp(self, cur):
        """EXPLAIN QUERY PLAN as the indented tree sqlite3 draws."""
        rows = [(r[0], r[1], r[3]) for r in cur]
        if not rows:
            return
        out = self.out
        out.write("QUERY PLAN\n")

        def level(parent, prefix):
            kids = [r for r in rows if r[1] == parent]
            for i, (rid, _, text) in enumerate(kids):
                last = i == len(kids) - 1
                out.write("%s%s%s\n" % (prefix, "`--" if last else "|--", text))
                if len(prefix) < 93:
                    level(rid, prefix + ("   " if last else "|  "))
        level(0, "")

    def run_sql_line(self, sql, startline, from_file):
        """runOneSqlLine(): run a buffer of SQL, time it, report an error
        with its line number; returns 1 on error, else 0."""
        t0 = self._clock() if self.timer else None
        err = None
        try:
            self.exec_sql(sql)
        except SqlError as e:
            err = e
        except self.dbapi.Error as e:       # opening the database failed
            err = e
        if t0 is not None:
            self._report_time(t0)
        if err is not None:
            if isinstance(err, SqlError):
                kind = {"in prepare": "Parse error", "stepping": "Runtime error"}[err.phase]
                tail = err.text().split(", ", 1)[1]
            else:
                kind, tail = "Error", str(err)
            if from_file or not self.interactive:
                prefix = "%s near line %d:" % (kind, startline)
            else:
                prefix = "%s:" % kind
            self.error("%s %s" % (prefix, tail))
            return 1
        if self.count_changes:
            self.write("changes: %d   total_changes: %d\n"
                       % (self.last_changes, self.conn.total_changes))
        return 0

    def _clock(self):
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return (time.perf_counter(), ru.ru_utime, ru.ru_stime)

    def _report_time(self, t0):
        t1 = self._clock()
        self.write("Run Time: real %.3f user %f sys %f\n"
                   % (t1[0] - t0[0], t1[1] - t0[1], t1[2] - t0[2]))

    # -- input ----------------------------------------------------------

    def echo_input(self, text):
        if self.echo:
            self.write(text + "\n")

    def process_input(self, read_line, from_file):
        """Read lines with ``read_line(continuation)`` (None at end of input)
        and run them; returns (error count, exit requested)."""
        from . import dot
        buf = None                         # SQL lines gathered so far
        startline = 0
        errors = 0
        while errors == 0 or not self.bail or (self.interactive and not from_file):
            line = read_line(buf is not None)
            if line is None:
                break
            if line is CANCEL:
                buf = None
                self.seen_interrupt = 0
                continue
            self.lineno += 1
            if self.seen_interrupt:
                self.seen_interrupt = 0
                if from_file:
                    break
            if buf is None and sqltext.is_blank(line, semicolons=False):
                self.echo_input(line)
                continue
            if buf is None and line[:1] in (".", "#"):
                self.echo_input(line)
                if line[0] == ".":
                    self.busy = True
                    try:
                        rc = dot.run(self, line)
                    finally:
                        self.busy = False
                    self.command_done()
                    if rc == 2:
                        return errors, True
                    if rc:
                        errors += 1
                continue
            if buf is not None and _TERMINATOR.match(line) \
                    and sqltext.complete_statement("\n".join(buf) + ";"):
                line = ";"
            if buf is None:
                buf = [line.lstrip()]
                startline = self.lineno
            else:
                buf.append(line)
            sql = "\n".join(buf)
            if sqltext.complete_statement(sql):
                self.echo_input(sql)
                errors += self.run_sql_line(sql, startline, from_file)
                self.command_done()
                buf = None
            elif sqltext.is_blank(sql, semicolons=False):
                self.echo_input(sql)
                buf = None
        if buf is not None and not sqltext.is_blank("\n".join(buf), semicolons=False):
            sql = "\n".join(buf)
            self.echo_input(sql)
            errors += self.run_sql_line(sql, startline, from_file)
            self.command_done()
        return errors, False

    def run_file(self, stream):
        """Run the lines of a binary stream (.read, batch stdin)."""
        def read_line(_continuation):
            raw = stream.readline()
            if not raw:
                return None
            return _chomp(raw.decode("utf-8", "surrogateescape"))
        return self.process_input(read_line, True)


def database_names(conn):
    """Schema names of the connection (PRAGMA database_list), main first."""
    try:
        names = [r[1] for r in conn.execute("PRAGMA database_list")]
    except Exception:           # a connection without the pragma has only main
        names = []
    return names or ["main"]


def _chomp(line):
    if line.endswith("\n"):
        line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
    return line


def _text_factory(b):
    return b.decode("utf-8", "surrogateescape")


def _uri_path(path):
    from urllib.parse import quote
    return quote(os.path.abspath(path))


class _Elapsed:
    """While a statement runs for more than a second (a big VACUUM, a long
    query), show the elapsed time on stderr -- only when stderr is a
    terminal, through the connection's progress handler."""

    def __init__(self, sh, conn):
        stream = getattr(sh.stderr, "buffer", sh.stderr)
        try:
            tty = os.isatty(stream.fileno())
        except (AttributeError, OSError, ValueError):
            tty = False
        self.sh = sh
        self.conn = conn if tty and hasattr(conn, "set_progress_handler") else None
        self.start = time.monotonic()
        self.shown = False
        if self.conn is not None:
            self.conn.set_progress_handler(self._tick, 1000)

    def _tick(self):
        elapsed = time.monotonic() - self.start
        if elapsed >= 1.0:
            self.sh.stderr.write("\rrunning... %.0f s" % elapsed)
            self.sh.stderr.flush()
            self.shown = True
        return 0

    def done(self):
        if self.conn is not None:
            self.conn.set_progress_handler(None, 0)
        if self.shown:
            self.sh.stderr.write("\r\x1b[K")
            self.sh.stderr.flush()
