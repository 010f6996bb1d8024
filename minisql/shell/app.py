"""The program: ``minisql [OPTIONS] [FILENAME [SQL...]]``.

Options are read in sqlite3's two passes: the first finds the database
name and the SQL arguments, the second applies the options in order (so
``-bail`` before ``-cmd`` makes a failing -cmd stop the program).  Then the
SQL arguments run, or standard input does: interactively (prompts,
readline, history) when it is a terminal, as a script otherwise.

Exit status, as sqlite3: 0; the error code of a failing SQL argument; 1
after any error in a script; the CODE of ``.exit CODE``.
"""

import importlib
import io
import os
import signal
import sys
import threading

from . import dot
from .core import Shell, ShellExit, CANCEL

_VALUE_OPTIONS = {"separator", "nullvalue", "newline", "cmd", "init"}

_USAGE = """\
Usage: minisql [OPTIONS] FILENAME [SQL]
FILENAME is the name of an SQLite database. A new database is created
if the file does not previously exist.
OPTIONS include:
   -ascii               set output mode to 'ascii'
   -bail                stop after hitting an error
   -batch               force batch I/O
   -box                 set output mode to 'box'
   -column              set output mode to 'column'
   -cmd COMMAND         run "COMMAND" before reading stdin
   -csv                 set output mode to 'csv'
   -echo                print inputs before execution
   -init FILENAME       read/process named file
   -[no]header          turn headers on or off
   -help                show this message
   -html                set output mode to HTML
   -interactive         force interactive I/O
   -json                set output mode to 'json'
   -line                set output mode to 'line'
   -list                set output mode to 'list'
   -markdown            set output mode to 'markdown'
   -newline SEP         set output row separator. Default: '\\n'
   -nullvalue TEXT      set text string for NULL values. Default ''
   -quote               set output mode to 'quote'
   -readonly            open the database read-only
   -separator SEP       set output column separator. Default: '|'
   -table               set output mode to 'table'
   -tabs                set output mode to 'tabs'
   -version             show minisql version
"""

_SIMPLE_MODES = {
    "html": ("html", None, None), "list": ("list", None, None),
    "quote": ("quote", ",", None), "line": ("line", None, None),
    "column": ("column", None, None), "json": ("json", None, None),
    "markdown": ("markdown", None, None), "table": ("table", None, None),
    "box": ("box", None, None), "csv": ("csv", ",", None),
    "ascii": ("ascii", "\x1f", "\x1e"), "tabs": ("list", "\t", None),
}


def load_dbapi(name=None):
    """The DB-API module the shell runs on: minisql unless told otherwise
    (MINISQL_SHELL_DBAPI=sqlite3 runs the same shell over the stdlib
    module, which the tests use to compare with sqlite3)."""
    name = name or os.environ.get("MINISQL_SHELL_DBAPI") or "minisql"
    return importlib.import_module(name)


def _text_stream(binary, tty):
    return io.TextIOWrapper(binary, encoding="utf-8", errors="surrogateescape",
                            newline="", line_buffering=tty, write_through=not tty)


def run(argv=None, dbapi=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    out_bin = sys.stdout.buffer
    err_bin = sys.stderr.buffer
    stdout = _text_stream(out_bin, out_bin.isatty())
    stderr = _text_stream(err_bin, True)
    try:
        return _run(argv, dbapi, stdout, stderr)
    finally:
        for s in (stdout, stderr):
            try:
                s.flush()
                s.detach()
            except (ValueError, OSError):
                pass


def _usage_error(stderr, text):
    stderr.write(text)
    stderr.flush()
    return 1


def _run(argv, dbapi, stdout, stderr):
    # First pass: the database name, the SQL arguments, -version/-help.
    filename = None
    sql_args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if not a.startswith("-") or a == "-":
            if filename is None:
                filename = a
            else:
                sql_args.append(a)
            i += 1
            continue
        opt = a[2:] if a.startswith("--") else a[1:]
        if opt in _VALUE_OPTIONS:
            if i + 1 >= len(argv):
                return _usage_error(stderr, "minisql: Error: missing argument to %s\n" % a)
            i += 2
            continue
        i += 1
    if dbapi is None:
        try:
            dbapi = load_dbapi()
        except Exception as e:          # the engine itself failed to import
            return _usage_error(stderr, "minisql: Error: cannot load the database "
                                        "module: %s\n" % e)
    interactive = sys.stdin.isatty()
    sh = Shell(dbapi, stdout, stderr, interactive)
    sh.set_database(filename)
    init_file = None
    # Second pass: apply the options in order.
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if not a.startswith("-") or a == "-":
            continue
        opt = a[2:] if a.startswith("--") else a[1:]
        value = None
        if opt in _VALUE_OPTIONS:
            value = argv[i]
            i += 1
        st = sh.st
        if opt in _SIMPLE_MODES:
            mode, colsep, rowsep = _SIMPLE_MODES[opt]
            st.mode = mode
            if colsep is not None:
                st.colsep = colsep
            if rowsep is not None:
                st.rowsep = rowsep
        elif opt == "separator":          # option values are taken literally
            st.colsep = value
        elif opt == "newline":
            st.rowsep = value
        elif opt == "nullvalue":
            st.nullvalue = value
        elif opt == "header":
            st.headers = st.header_set = True
        elif opt == "noheader":
            st.headers, st.header_set = False, True
        elif opt == "echo":
            sh.echo = True
        elif opt == "bail":
            sh.bail = True
        elif opt == "batch":
            sh.interactive = False
        elif opt == "interactive":
            sh.interactive = True
        elif opt == "readonly":
            sh.readonly = True
        elif opt == "init":
            init_file = value
        elif opt == "version":
            stdout.write("%s (minisql %s, SQLite %s file format)\n" % (
                getattr(dbapi, "sqlite_version", "?"), getattr(dbapi, "version", "?"),
                getattr(dbapi, "sqlite_version", "?")))
            return 0
        elif opt == "help":
            return _usage_error(stderr, _USAGE)
        elif opt == "cmd":
            rc = _run_arg(sh, value, bail=True)
            if rc and sh.bail:
                return 0 if rc == -2 else rc
        else:
            return _usage_error(stderr, "minisql: Error: unknown option: %s\n"
                                        "Use -help for a list of options.\n" % a)
    if init_file is not None or os.path.exists(_rc_path()):
        _run_init(sh, init_file)
    with _Interrupts(sh):
        try:
            if sql_args:
                for arg in sql_args:
                    rc = _run_arg(sh, arg, bail=False)
                    if rc:
                        return 0 if rc == -2 else rc
                return 0
            if sh.interactive:
                return _interactive(sh, filename)
            errors, _ = sh.run_file(sys.stdin.buffer)
            return 1 if errors else 0
        except ShellExit as e:
            return e.code
        finally:
            sh.reset_output()
            sh.close()


def _rc_path():
    return os.path.join(os.path.expanduser("~"), ".minisqlrc")


def _run_init(sh, path):
    """-init FILE, or ~/.minisqlrc when it exists: run it quietly first."""
    path = path or _rc_path()
    try:
        f = open(path, "rb")
    except OSError:
        if path != _rc_path():
            sh.error("Error: cannot open \"%s\"" % path)
        return
    if sh.interactive:
        sh.error("-- Loading resources from %s" % path)
    with f:
        sh.run_file(f)


def _run_arg(sh, text, bail):
    """One SQL or dot-command argument (or -cmd); returns 0, -2 for .quit,
    else the error code (sqlite3 exits with the SQL error's code)."""
    if text.startswith("."):
        sh.busy = True
        try:
            rc = dot.run(sh, text)
        finally:
            sh.busy = False
        sh.command_done()
        return -2 if rc == 2 else rc
    sh.echo_input(text)
    from .core import SqlError
    try:
        sh.exec_sql(text)
    except SqlError as e:
        sh.error("Error: %s" % e.text())
        return e.rc or 1
    except sh.dbapi.Error as e:
        sh.error("Error: %s" % e)
        return 1
    finally:
        sh.command_done()
    return 0


# -- interactive use ---------------------------------------------------------------

def _interactive(sh, filename):
    from . import terminal
    version = getattr(sh.dbapi, "version", "")
    sh.write("minisql version %s (SQLite %s file format)\n"
             'Enter ".help" for usage hints.\n' % (
                 version, getattr(sh.dbapi, "sqlite_version", "3")))
    if not filename:
        bold = sh.stdout.isatty() if hasattr(sh.stdout, "isatty") else False
        name = "\x1b[1mtransient in-memory database\x1b[0m" if bold else \
            "transient in-memory database"
        sh.write("Connected to a %s.\n"
                 'Use ".open FILENAME" to reopen on a persistent database.\n' % name)
    term = terminal.Terminal(sh)
    try:
        errors, _ = sh.process_input(term.read_line, False)
    finally:
        term.close()
    return 1 if errors and sh.bail else 0


class _Interrupts:
    """Ctrl-C: stop the running statement through conn.interrupt(), or
    (at the prompt) abandon the line being typed.

    A statement of a C-level module (stdlib sqlite3) runs without giving
    Python's signal handler a chance, so the handler is backed by the
    wakeup fd: a watcher thread sees the signal at once and interrupts the
    connection; the handler itself only records it, or raises
    KeyboardInterrupt when no statement runs (to cancel input())."""

    def __init__(self, sh):
        self.sh = sh
        self.active = threading.current_thread() is threading.main_thread()

    def __enter__(self):
        if not self.active:
            return self
        self.rfd, self.wfd = os.pipe()
        os.set_blocking(self.wfd, False)
        self.old_wakeup = signal.set_wakeup_fd(self.wfd)
        self.old_handler = signal.signal(signal.SIGINT, self._handler)
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()
        return self

    def _handler(self, signum, frame):
        sh = self.sh
        if sh.busy:
            sh.seen_interrupt += 1
            return
        raise KeyboardInterrupt

    def _watch(self):
        while True:
            try:
                data = os.read(self.rfd, 64)
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data and self.sh.busy and self.sh.conn is not None:
                try:
                    self.sh.conn.interrupt()
                except Exception:
                    pass

    def __exit__(self, *exc):
        if not self.active:
            return False
        signal.signal(signal.SIGINT, self.old_handler)
        signal.set_wakeup_fd(self.old_wakeup)
        os.close(self.wfd)
        os.close(self.rfd)
        return False
