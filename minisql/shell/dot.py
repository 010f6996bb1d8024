"""Dot-commands: the shell's own commands, sqlite3's wording and output.

Each command is a function ``f(shell, args) -> rc`` (0 ok, 1 error, 2 quit)
registered in COMMANDS with the shortest abbreviation sqlite3 accepts and
its line of .help text.
"""

import io
import os
import subprocess

from . import dump, importer, inspect, modes, sqltext
from .core import ShellExit, database_names

COMMANDS = []          # (name, min abbreviation, usage, help, function)


def command(name, min_len, usage, help_text):
    def register(fn):
        COMMANDS.append((name, min_len, usage, help_text, fn))
        return fn
    return register


# -- parsing ----------------------------------------------------------------

_ESCAPES = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f",
            "r": "\r", '"': '"', "'": "'", "\\": "\\"}


def resolve_backslashes(s):
    """resolve_backslashes(): C escapes, including up to 3 octal digits;
    an unknown escape keeps just the character after the backslash."""
    if "\\" not in s:
        return s
    out = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n:
            i += 1
            c = s[i]
            if c in _ESCAPES:
                c = _ESCAPES[c]
            elif "0" <= c <= "7":
                v = ord(c) - 48
                for _ in range(2):
                    if i + 1 < n and "0" <= s[i + 1] <= "7":
                        i += 1
                        v = v * 8 + ord(s[i]) - 48
                    else:
                        break
                c = chr(v & 0xFF)
        out.append(c)
        i += 1
    return "".join(out)


def split_args(line):
    """Split a dot-command line into arguments as sqlite3 does: blanks
    separate, "..." and '...' group (only "..." and bare words take
    backslash escapes)."""
    args = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            break
        c = line[i]
        if c in "'\"":
            i += 1
            start = i
            while i < n and line[i] != c:
                if line[i] == "\\" and c == '"' and i + 1 < n:
                    i += 1
                i += 1
            arg = line[start:i]
            i += 1
            args.append(resolve_backslashes(arg) if c == '"' else arg)
        else:
            start = i
            while i < n and not line[i].isspace():
                i += 1
            args.append(resolve_backslashes(line[start:i]))
    return args


def boolean_value(sh, arg):
    """booleanValue(): on/yes/off/no or an integer; anything else warns and
    counts as off."""
    a = arg.lower()
    if a.startswith("0x") and len(a) > 2:
        try:
            return int(a, 16) != 0
        except ValueError:
            pass
    if a.lstrip("-").isdigit():
        return int(a) != 0
    if a in ("on", "yes"):
        return True
    if a in ("off", "no"):
        return False
    sh.error('ERROR: Not a boolean value: "%s". Assuming "no".' % arg)
    return False


def integer_value(arg):
    """integerValue(): leading decimal (or 0x hex) digits with an optional
    KiB/MiB/... suffix; junk counts as 0."""
    a = arg.strip()
    neg = a.startswith("-")
    if a[:1] in "+-":
        a = a[1:]
    if a.lower().startswith("0x"):
        digits = ""
        for c in a[2:]:
            if c not in "0123456789abcdefABCDEF":
                break
            digits += c
        v = int(digits, 16) if digits else 0
    else:
        digits = ""
        for c in a:
            if not c.isdigit():
                break
            digits += c
        v = int(digits) if digits else 0
    return -v if neg else v


def find(name):
    for entry in COMMANDS:
        if entry[0] == name:
            return entry
    for entry in COMMANDS:
        if len(name) >= entry[1] and entry[0].startswith(name):
            return entry
    return None


def run(sh, line):
    """do_meta_command(): run one dot-command line; returns its rc."""
    args = split_args(line[1:])
    if not args:
        return 0
    entry = find(args[0])
    if entry is None:
        sh.error('Error: unknown command or invalid arguments:  "%s". '
                 'Enter ".help" for help' % args[0])
        return 1
    try:
        return entry[4](sh, args)
    except sh.dbapi.Error as e:
        sh.error("Error: %s" % e)
        return 1


def usage(sh, name):
    sh.error("Usage: " + find(name)[2])
    return 1


def print_columns(sh, names):
    """List names in as many 80-column columns as fit (.tables, .indexes)."""
    if not names:
        return
    size = [len(n.encode("utf-8", "surrogateescape")) for n in names]
    maxlen = max(size)
    ncol = max(80 // (maxlen + 2), 1)
    nrow = (len(names) + ncol - 1) // ncol
    for i in range(nrow):
        parts = []
        for j in range(i, len(names), nrow):
            parts.append(("" if j < nrow else "  ") + names[j] + " " * (maxlen - size[j]))
        sh.write("".join(parts) + "\n")


# -- the commands ------------------------------------------------------------

@command("backup", 3, ".backup ?DB? FILE", "Backup DB (default \"main\") to FILE")
def cmd_backup(sh, args):
    if len(args) not in (2, 3):
        return usage(sh, "backup")
    name = args[1] if len(args) == 3 else "main"
    conn = sh.open_db()
    if not hasattr(conn, "backup"):
        sh.error(".backup is not available for this connection")
        return 1
    target = sh.dbapi.connect(args[-1])
    try:
        conn.backup(target, name=name)
    finally:
        target.close()
    return 0


@command("bail", 3, ".bail on|off", "Stop after hitting an error.  Default OFF")
def cmd_bail(sh, args):
    if len(args) != 2:
        return usage(sh, "bail")
    sh.bail = boolean_value(sh, args[1])
    return 0


@command("btree", 2, ".btree TABLE|INDEX", "Show the b-tree of TABLE or INDEX page by page (minisql)")
def cmd_btree(sh, args):
    if len(args) != 2:
        return usage(sh, "btree")
    return inspect.btree(sh, args[1])


@command("cd", 2, ".cd DIRECTORY", "Change the working directory to DIRECTORY")
def cmd_cd(sh, args):
    if len(args) != 2:
        return usage(sh, "cd")
    try:
        os.chdir(args[1])
    except OSError:
        sh.error('Cannot change to directory "%s"' % args[1])
        return 1
    return 0


@command("changes", 3, ".changes on|off", "Show number of rows changed by SQL")
def cmd_changes(sh, args):
    if len(args) != 2:
        return usage(sh, "changes")
    sh.count_changes = boolean_value(sh, args[1])
    return 0


@command("checkpoint", 3, ".checkpoint ?PASSIVE|FULL|RESTART|TRUNCATE?",
         "Checkpoint the WAL: busy, log frames, checkpointed frames (minisql)")
def cmd_checkpoint(sh, args):
    if len(args) > 2:
        return usage(sh, "checkpoint")
    mode = args[1].upper() if len(args) == 2 else "PASSIVE"
    if mode not in ("PASSIVE", "FULL", "RESTART", "TRUNCATE"):
        return usage(sh, "checkpoint")
    return sh.run_sql_line("PRAGMA wal_checkpoint(%s);" % mode, sh.lineno, True)


@command("databases", 2, ".databases", "List names and files of attached databases")
def cmd_databases(sh, args):
    conn = sh.open_db()
    for _, name, path in conn.execute("PRAGMA database_list"):
        ro = sh.readonly and name == "main"
        sh.write('%s: %s %s\n' % (name, path if path else '""', "r/o" if ro else "r/w"))
    return 0


@command("dbinfo", 2, ".dbinfo", "Show status information about the database")
def cmd_dbinfo(sh, args):
    return inspect.dbinfo(sh)


@command("dump", 2, ".dump ?OBJECTS?", "Render database content as SQL")
def cmd_dump(sh, args):
    return dump.dump(sh, args[1:])


@command("echo", 2, ".echo on|off", "Turn command echo on or off")
def cmd_echo(sh, args):
    if len(args) != 2:
        return usage(sh, "echo")
    sh.echo = boolean_value(sh, args[1])
    return 0


@command("exit", 2, ".exit ?CODE?", "Exit this program with return-code CODE")
def cmd_exit(sh, args):
    if len(args) > 1:
        code = integer_value(args[1])
        if code:
            raise ShellExit(code)
    return 2


@command("headers", 2, ".headers on|off", "Turn display of headers on or off")
def cmd_headers(sh, args):
    if len(args) != 2:
        return usage(sh, "headers")
    sh.st.headers = boolean_value(sh, args[1])
    sh.st.header_set = True
    return 0


@command("help", 2, ".help ?PATTERN?", "Show help text for PATTERN")
def cmd_help(sh, args):
    pattern = args[1].lstrip(".") if len(args) > 1 else ""
    shown = 0
    for name, _, use, text, _ in sorted(COMMANDS):
        if name.startswith(pattern):
            sh.write("%-24s %s\n" % (use if len(use) <= 24 else "." + name + " ...", text))
            if pattern and len(use) > 24:
                sh.write("   Usage: %s\n" % use)
            shown += 1
    if pattern and not shown:
        sh.write('Nothing matches "%s"\n' % args[1])
    return 0


@command("import", 3, ".import FILE TABLE", "Import data from FILE into TABLE")
def cmd_import(sh, args):
    return importer.run(sh, args)


@command("indexes", 3, ".indexes ?TABLE?", "Show names of indexes")
def cmd_indexes(sh, args):
    return _list_objects(sh, args, "indexes")


@command("indices", 3, ".indices ?TABLE?", "Show names of indexes")
def cmd_indices(sh, args):
    return _list_objects(sh, args, "indexes")


@command("mode", 1, ".mode MODE ?OPTIONS?", "Set output mode")
def cmd_mode(sh, args):
    st = sh.st
    mode = table = None
    opts = modes.ColumnOptions(60)
    i = 1
    while i < len(args):
        a = args[i]
        opt = a.lstrip("-") if a.startswith("-") else None
        if opt == "wrap" and i + 1 < len(args):
            i += 1
            opts.wrap = integer_value(args[i])
        elif opt == "ww":
            opts.wordwrap = True
        elif opt == "wordwrap" and i + 1 < len(args):
            i += 1
            opts.wordwrap = boolean_value(sh, args[i])
        elif opt == "quote":
            opts.quote = True
        elif opt == "noquote":
            opts.quote = False
        elif mode is None:
            mode = a
            if a == "qbox":
                mode = "box"
                opts = modes.ColumnOptions(60, False, True)
        elif table is None:
            table = a
        elif a.startswith("-"):
            sh.error("unknown option: %s\noptions:\n  --noquote\n  --quote\n"
                     "  --wordwrap on/off\n  --wrap N\n  --ww" % a)
            return 1
        else:
            sh.error('extra argument: "%s"' % a)
            return 1
        i += 1
    if mode is None:
        sh.write("current output mode: %s\n" % st.describe_mode())
        mode = st.mode
    n = len(mode)

    def is_(name, min_len=1):
        return n >= min_len and name.startswith(mode)
    if is_("lines", 3):
        st.mode, st.rowsep = "line", modes.SEP_ROW
    elif is_("columns"):
        st.mode = "column"
        if not st.header_set:
            st.headers = True
        st.rowsep = modes.SEP_ROW
        st.colopts = opts
    elif is_("list", 3):
        st.mode, st.colsep, st.rowsep = "list", modes.SEP_COLUMN, modes.SEP_ROW
    elif is_("html"):
        st.mode = "html"
    elif is_("tcl"):
        st.mode, st.colsep, st.rowsep = "tcl", modes.SEP_SPACE, modes.SEP_ROW
    elif is_("csv"):
        st.mode, st.colsep, st.rowsep = "csv", modes.SEP_COMMA, modes.SEP_CRLF
    elif is_("tabs"):
        st.mode, st.colsep = "list", modes.SEP_TAB
    elif is_("insert"):
        st.mode = "insert"
        st.set_dest_table(table if table is not None else "table")
    elif is_("quote"):
        st.mode, st.colsep, st.rowsep = "quote", modes.SEP_COMMA, modes.SEP_ROW
    elif is_("ascii"):
        st.mode, st.colsep, st.rowsep = "ascii", modes.SEP_UNIT, modes.SEP_RECORD
    elif is_("markdown"):
        st.mode, st.colopts = "markdown", opts
    elif is_("table"):
        st.mode, st.colopts = "table", opts
    elif is_("box"):
        st.mode, st.colopts = "box", opts
    elif is_("json"):
        st.mode = "json"
    elif is_("off"):
        st.mode = "off"
    else:
        sh.error("Error: mode should be one of: ascii box column csv html insert "
                 "json line list markdown qbox quote table tabs tcl")
        return 1
    return 0


@command("nullvalue", 1, ".nullvalue STRING", "Use STRING in place of NULL values")
def cmd_nullvalue(sh, args):
    if len(args) != 2:
        return usage(sh, "nullvalue")
    sh.st.nullvalue = args[1]
    return 0


@command("once", 2, ".once FILE", "Output for the next SQL command only to FILE")
def cmd_once(sh, args):
    return _redirect(sh, args, once=True)


@command("open", 2, ".open ?--new? ?--readonly? ?FILE?", "Close existing database and reopen FILE")
def cmd_open(sh, args):
    new = readonly = False
    name = None
    for a in args[1:]:
        if a in ("--new", "-new"):
            new = True
        elif a in ("--readonly", "-readonly"):
            readonly = True
        elif a.startswith("-"):
            sh.error("unknown option: %s" % a)
            return 1
        elif name is None:
            name = a
        else:
            sh.error("extra argument: \"%s\"" % a)
            return 1
    if new and name and name != ":memory:":
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(name + suffix)
            except FileNotFoundError:
                pass
    sh.set_database(name, readonly)
    try:
        sh.open_db()
    except sh.dbapi.Error:
        sh.error("Error: cannot open '%s'" % name)
        sh.set_database(None)
        return 1
    return 0


@command("output", 1, ".output ?FILE?", "Send output to FILE or stdout if FILE is omitted")
def cmd_output(sh, args):
    return _redirect(sh, args, once=False)


@command("page", 2, ".page N", "Show what page N of the database file holds (minisql)")
def cmd_page(sh, args):
    if len(args) != 2 or integer_value(args[1]) < 1:
        return usage(sh, "page")
    return inspect.page(sh, integer_value(args[1]))


@command("print", 2, ".print STRING...", "Print literal STRING")
def cmd_print(sh, args):
    sh.write(" ".join(args[1:]) + "\n")
    return 0


@command("prompt", 2, ".prompt MAIN CONTINUE", "Replace the standard prompts")
def cmd_prompt(sh, args):
    if len(args) >= 2:
        sh.prompts[0] = args[1]
    if len(args) >= 3:
        sh.prompts[1] = args[2]
    return 0


@command("quit", 1, ".quit", "Exit this program")
def cmd_quit(sh, args):
    return 2


@command("read", 1, ".read FILE", "Read input from FILE or command output")
def cmd_read(sh, args):
    if len(args) != 2:
        return usage(sh, "read")
    saved = sh.lineno
    sh.lineno = 0
    try:
        if args[1].startswith("|"):
            proc = subprocess.Popen(args[1][1:], shell=True, stdout=subprocess.PIPE)
            try:
                errors, quit_ = sh.run_file(proc.stdout)
            finally:
                proc.stdout.close()
                proc.wait()
        else:
            try:
                f = open(args[1], "rb")
            except OSError:
                sh.error('Error: cannot open "%s"' % args[1])
                return 1
            with f:
                errors, quit_ = sh.run_file(f)
    finally:
        sh.lineno = saved
    if quit_:
        return 2
    return 1 if errors else 0


@command("save", 3, ".save FILE", "Write database to FILE (an alias for .backup ...)")
def cmd_save(sh, args):
    return cmd_backup(sh, args)


@command("schema", 2, ".schema ?PATTERN?", "Show the CREATE statements matching PATTERN")
def cmd_schema(sh, args):
    pattern = None
    for a in args[1:]:
        if a.startswith("-"):
            sh.error("Unknown option \"%s\" on \".schema\"" % a)
            return 1
        if pattern is not None:
            return usage(sh, "schema")
        pattern = a
    return dump.schema(sh, pattern)


@command("separator", 3, ".separator COL ?ROW?", "Change the column and row separators")
def cmd_separator(sh, args):
    if len(args) not in (2, 3):
        return usage(sh, "separator")
    sh.st.colsep = args[1]
    if len(args) == 3:
        sh.st.rowsep = args[2]
    return 0


@command("show", 2, ".show", "Show the current values for various settings")
def cmd_show(sh, args):
    if len(args) != 1:
        return usage(sh, "show")
    st = sh.st
    w = sh.write
    w("%12.12s: %s\n" % ("echo", "on" if sh.echo else "off"))
    w("%12.12s: %s\n" % ("eqp", "off"))
    w("%12.12s: %s\n" % ("explain", "auto"))
    w("%12.12s: %s\n" % ("headers", "on" if st.headers else "off"))
    w("%12.12s: %s\n" % ("mode", st.describe_mode()))
    w("%12.12s: %s\n" % ("nullvalue", modes.c_string(st.nullvalue)))
    w("%12.12s: %s\n" % ("output", sh.outfile or "stdout"))
    w("%12.12s: %s\n" % ("colseparator", modes.c_string(st.colsep)))
    w("%12.12s: %s\n" % ("rowseparator", modes.c_string(st.rowsep)))
    w("%12.12s: %s\n" % ("stats", "off"))
    w("%12.12s: %s\n" % ("width", "".join("%d " % x for x in st.widths)))
    w("%12.12s: %s\n" % ("filename", sh.filename if sh.filename else ":memory:"))
    return 0


@command("tables", 2, ".tables ?TABLE?", "List names of tables matching LIKE pattern TABLE")
def cmd_tables(sh, args):
    return _list_objects(sh, args, "tables")


@command("timer", 2, ".timer on|off", "Turn SQL timer on or off")
def cmd_timer(sh, args):
    if len(args) != 2:
        return usage(sh, "timer")
    sh.timer = boolean_value(sh, args[1])
    return 0


@command("wal", 3, ".wal", "Show the WAL: size, frames, commit frame, backfill, readers (minisql)")
def cmd_wal(sh, args):
    if len(args) != 1:
        return usage(sh, "wal")
    return inspect.wal(sh)


@command("width", 1, ".width NUM1 NUM2 ...", "Set minimum column widths for columnar output")
def cmd_width(sh, args):
    sh.st.widths = [integer_value(a) for a in args[1:]]
    return 0


# -- helpers -------------------------------------------------------------------

def _list_objects(sh, args, what):
    """.tables / .indexes: names matching a LIKE pattern in every database."""
    if len(args) > 2:
        return usage(sh, what)
    conn = sh.open_db()
    parts = []
    for db in database_names(conn):
        sel = "SELECT name FROM " if db == "main" else \
            "SELECT %s||'.'||name FROM " % sqltext.quote_string(db)
        sel += '"%s".sqlite_schema ' % db.replace('"', '""')
        if what == "tables":
            sel += ("WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' "
                    "AND name LIKE ?1")
        else:
            sel += "WHERE type='index' AND tbl_name LIKE ?1"
        parts.append(sel)
    sql = " UNION ALL ".join(parts) + " ORDER BY 1"
    pattern = args[1] if len(args) > 1 else "%"
    names = [r[0] for r in conn.execute(sql, (pattern,))]
    print_columns(sh, names)
    return 0


def _redirect(sh, args, once):
    name = None
    for a in args[1:]:
        if a.startswith("-") and name is None and a not in ("-",):
            if a in ("--bom", "-bom"):
                continue
            sh.error("ERROR: unknown option: \"%s\".  Usage:\n%s" % (a, find(args[0])[2]))
            return 1
        if name is not None:
            sh.error("ERROR: extra parameter: \"%s\".  Usage:\n%s" % (a, find(args[0])[2]))
            return 1
        name = a
    if name is None:
        if once:
            return usage(sh, "once")
        name = "stdout"
    sh.reset_output()
    if name == "stdout":
        return 0
    if name.startswith("|"):
        proc = subprocess.Popen(name[1:], shell=True, stdin=subprocess.PIPE)
        stream = _PipeOut(proc)
    elif name == "stderr":
        stream = _Borrowed(sh.stderr)
    else:
        try:
            raw = open(os.devnull if name == "off" else name, "wb")
        except OSError:
            sh.error('Error: cannot write to "%s"' % name)
            return 1
        stream = _text(raw)
    sh.set_output(stream, name)
    if once:
        sh.once_pending = 2      # this command, then the next one
    return 0


def _text(raw):
    return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")


class _PipeOut:
    """.output |COMMAND: a text stream into a child process."""

    def __init__(self, proc):
        self.proc = proc
        self.stream = _text(proc.stdin)

    def write(self, s):
        self.stream.write(s)

    def flush(self):
        self.stream.flush()

    def close(self):
        try:
            self.stream.close()
        finally:
            self.proc.wait()


class _Borrowed:
    """A stream the shell does not own: closing it only flushes."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, s):
        self.stream.write(s)

    def flush(self):
        self.stream.flush()

    def close(self):
        self.stream.flush()


def names_for_completion():
    return sorted("." + c[0] for c in COMMANDS)

