""".import FILE TABLE: CSV (or separator-delimited) text into a table.

The reader follows sqlite3's import_read_csv field by field, so the same
file gives the same rows, the same warnings and the same line numbers;
a missing table is created from the header line with TEXT columns, and
duplicate names get sqlite3's _N suffixes.
"""

import os
import subprocess
import time

_HELP = """\
.import FILE TABLE       Import data from FILE into TABLE
   Options:
     --ascii               Use \\037 and \\036 as column and row separators
     --csv                 Use , and \\n as column and row separators
     --skip N              Skip the first N rows of input
     --schema S            Target table to be S.TABLE
     -v                    "Verbose" - increase auxiliary output
   Notes:
     *  If TABLE does not exist, it is created.  The first row of input
        determines the column names.
     *  If neither --csv or --ascii are used, the input mode is derived
        from the ".mode" output mode
     *  If FILE begins with "|" then it is a command that generates the
        input text.
"""

_EOF = None


class Reader:
    """ImportCtx + csv_read_one_field / ascii_read_one_field."""

    def __init__(self, data, name, colsep, rowsep, ascii_mode, warn):
        self.data = data
        self.pos = 0
        self.name = name
        self.csep = colsep
        self.rsep = rowsep
        self.ascii = ascii_mode
        self.line = 1
        self.term = None          # the byte that ended the last field (None: EOF)
        self.not_first = False
        self.warn = warn

    def read(self):
        return self._ascii() if self.ascii else self._csv()

    def _getc(self):
        if self.pos < len(self.data):
            c = self.data[self.pos]
            self.pos += 1
            return c
        self.pos += 1
        return _EOF

    def _csv(self):
        data, csep, rsep = self.data, self.csep, self.rsep
        c = self._getc()
        if c is _EOF:
            self.term = _EOF
            return None
        buf = bytearray()
        if c == 0x22:                       # a "-quoted field
            start_line = self.line
            pc = ppc = 0
            while True:
                c = self._getc()
                if c == rsep:
                    self.line += 1
                if c == 0x22 and pc == 0x22:
                    pc = 0
                    continue
                if (c == csep and pc == 0x22) or (c == rsep and pc == 0x22) \
                        or (c == rsep and pc == 0x0D and ppc == 0x22) \
                        or (c is _EOF and pc == 0x22):
                    # Drop the closing quote (and a CR before it).
                    cut = len(buf) - 1
                    while buf[cut] != 0x22:
                        cut -= 1
                    del buf[cut:]
                    self.term = c
                    break
                if pc == 0x22 and c != 0x0D:
                    self.warn('%s:%d: unescaped " character' % (self.name, self.line))
                if c is _EOF:
                    self.warn('%s:%d: unterminated "-quoted field' % (self.name, start_line))
                    self.term = c
                    break
                buf.append(c)
                ppc, pc = pc, c
        else:
            if c == 0xEF and not self.not_first and data[self.pos:self.pos + 2] == b"\xbb\xbf":
                self.pos += 2                 # a UTF-8 byte order mark
                self.not_first = True
                return self._csv()
            end = self.pos - 1
            n = len(data)
            i = end
            while i < n and data[i] != csep and data[i] != rsep:
                i += 1
            buf = bytearray(data[end:i])
            self.pos = i + 1
            c = data[i] if i < n else _EOF
            if c == rsep:
                self.line += 1
                if buf and buf[-1] == 0x0D:
                    del buf[-1]
            self.term = c
        self.not_first = True
        return bytes(buf)

    def _ascii(self):
        c = self._getc()
        if c is _EOF:
            self.term = _EOF
            return None
        start = self.pos - 1
        n = len(self.data)
        i = start
        while i < n and self.data[i] != self.csep and self.data[i] != self.rsep:
            i += 1
        c = self.data[i] if i < n else _EOF
        if c == self.rsep:
            self.line += 1
        self.pos = i + 1
        self.term = c
        return bytes(self.data[start:i])


def _decode(b):
    return None if b is None else b.decode("utf-8", "surrogateescape")


def auto_columns(names):
    """zAutoColumn(): column names for a new table from the header row;
    empty names become "?", duplicates (ignoring case) get "_<position>".
    Returns (names, renames)."""
    names = [n if n else "?" for n in names]
    counts = {}
    for n in names:
        counts[n.lower()] = counts.get(n.lower(), 0) + 1
    width = len(str(len(names)))
    out, renames = [], []
    for pos, n in enumerate(names, 1):
        if counts[n.lower()] > 1:
            new = "%s_%0*d" % (n, 1 if width == 1 else 1, pos)
            renames.append((n, new))
            out.append(new)
        else:
            out.append(n)
    return out, renames


def create_sql(table, columns):
    defs = []
    for i, c in enumerate(columns):
        if i:
            defs.append("," + (" " if i % 4 else "\n "))
        defs.append('"%s" TEXT' % c.replace('"', '""'))
    return "CREATE TABLE %s(\n%s)" % (table, "".join(defs))


def run(sh, args):
    fname = table = schema = None
    skip = 0
    verbose = 0
    mode = None                             # None: from .mode
    i = 1
    while i < len(args):
        a = args[i]
        opt = a.lstrip("-") if a.startswith("-") else None
        if opt is None:
            if fname is None:
                fname = a
            elif table is None:
                table = a
            else:
                sh.write('ERROR: extra argument: "%s".  Usage:\n' % a + _HELP)
                return 1
        elif opt == "v":
            verbose += 1
        elif opt == "schema" and i + 1 < len(args):
            i += 1
            schema = args[i]
        elif opt == "skip" and i + 1 < len(args):
            i += 1
            skip = int(args[i]) if args[i].lstrip("-").isdigit() else 0
        elif opt == "ascii":
            mode = "ascii"
        elif opt == "csv":
            mode = "csv"
        else:
            sh.write('ERROR: unknown option: "%s".  Usage:\n' % a + _HELP)
            return 1
        i += 1
    if fname is None:
        sh.write("ERROR: missing FILE argument. Usage:\n" + _HELP)
        return 1
    if table is None:
        sh.write("ERROR: missing TABLE argument. Usage:\n" + _HELP)
        return 1
    conn = sh.open_db()
    if mode == "ascii" or (mode is None and sh.st.mode == "ascii"):
        csep, rsep, ascii_mode = "\x1f", "\x1e", True
    elif mode == "csv":
        csep, rsep, ascii_mode = ",", "\n", False
    else:
        csep, rsep = sh.st.colsep, sh.st.rowsep
        if sh.st.mode == "csv" and rsep == "\r\n":
            rsep = "\n"
        if len(csep) == 0:
            sh.error("Error: non-null column separator required for import")
            return 1
        if len(csep) > 1:
            sh.error("Error: multi-character column separators not allowed for import")
            return 1
        if len(rsep) == 0:
            sh.error("Error: non-null row separator required for import")
            return 1
        if len(rsep) > 1:
            sh.error("Error: multi-character row separators not allowed for import")
            return 1
        ascii_mode = sh.st.mode == "ascii"
    try:
        if fname.startswith("|"):
            data = subprocess.run(fname[1:], shell=True, stdout=subprocess.PIPE).stdout
        else:
            with open(fname, "rb") as f:
                data = f.read()
    except OSError:
        sh.error('Error: cannot open "%s"' % fname)
        return 1
    rd = Reader(data, fname, ord(csep), ord(rsep), ascii_mode, sh.error)
    for _ in range(skip):
        while rd.read() is not None and rd.term == rd.csep:
            pass
    full = ('"%s".' % schema.replace('"', '""') if schema else "") + \
        '"%s"' % table.replace('"', '""')
    try:
        ncol = len(conn.execute("SELECT * FROM %s" % full).description or ())
        exists = True
    except sh.dbapi.Error:
        exists = False
    if not exists:
        header = []
        while True:
            f = rd.read()
            if f is None and not header:
                break
            header.append(_decode(f) or "")
            if rd.term != rd.csep:
                break
        if not header:
            sh.error("%s: empty file" % fname)
            return 1
        cols, renames = auto_columns(header)
        if renames:
            sh.error("Columns renamed during .import %s due to duplicates:\n%s" % (
                fname, ",\n".join('"%s" to "%s"' % r for r in renames)))
        create = create_sql(full, cols)
        if verbose:
            sh.write(create + "\n\n")
        try:
            conn.execute(create)
        except sh.dbapi.Error as e:
            sh.error("%s failed:\n%s" % (create, e))
            return 1
        ncol = len(cols)
    insert = "INSERT INTO %s VALUES(%s)" % (full, ",".join("?" * ncol))
    if verbose >= 2:
        sh.write("Insert using: %s\n" % insert)
    need_commit = not conn.in_transaction
    if need_commit:
        conn.execute("BEGIN")
    nrow = nerr = 0
    progress = _Progress(sh)
    while True:
        start_line = rd.line
        vals = []
        i = 0
        while i < ncol:
            z = rd.read()
            if z is None and i == 0:
                break
            if ascii_mode and (z is None or z == b"") and i == 0:
                break
            vals.append(_decode(z))
            if i < ncol - 1 and rd.term != rd.csep:
                sh.error("%s:%d: expected %d columns but found %d - filling the rest with NULL"
                         % (fname, start_line, ncol, i + 1))
                vals.extend([None] * (ncol - i - 1))
                i = ncol
                break
            i += 1
        if rd.term == rd.csep and rd.term is not None:
            while True:
                rd.read()
                i += 1
                if rd.term != rd.csep:
                    break
            sh.error("%s:%d: expected %d columns but found %d - extras ignored"
                     % (fname, start_line, ncol, i))
        if i >= ncol:
            try:
                conn.execute(insert, vals[:ncol])
                nrow += 1
            except sh.dbapi.Error as e:
                sh.error("%s:%d: INSERT failed: %s" % (fname, start_line, e))
                nerr += 1
            progress.tick(nrow)
        if rd.term is None or sh.interrupted():
            break
    progress.done()
    if need_commit:
        conn.execute("COMMIT")
    if verbose:
        sh.write("Added %d rows with %d errors using %d lines of input\n"
                 % (nrow, nerr, rd.line - 1))
    return 0


class _Progress:
    """A running row count on stderr while a long import works, only when
    stderr is a terminal."""

    def __init__(self, sh):
        stream = getattr(sh.stderr, "buffer", sh.stderr)
        try:
            self.tty = os.isatty(stream.fileno())
        except (AttributeError, OSError, ValueError):
            self.tty = False
        self.sh = sh
        self.next = time.monotonic() + 0.5
        self.shown = False

    def tick(self, nrow):
        if self.tty and nrow & 1023 == 0 and time.monotonic() >= self.next:
            self.next = time.monotonic() + 0.25
            self.sh.stderr.write("\r%d rows imported..." % nrow)
            self.sh.stderr.flush()
            self.shown = True

    def done(self):
        if self.shown:
            self.sh.stderr.write("\r\x1b[K")
            self.sh.stderr.flush()

