"""Output modes: how a result set is written, byte for byte as sqlite3's shell.

A result is a list of column names plus an iterator of row tuples holding
Python values as the DB-API gives them (None, int, float, str, bytes); the
SQLite type of a value is its Python type.  Streaming modes (list, csv,
line, json, insert, quote, html, tcl, ascii) write each row as it comes;
the columnar ones (column, table, markdown, box) read the whole result first
to size their columns, as sqlite3 does.
"""

from ..engine.printf import real_to_text as real_text, sql_printf
from .sqltext import quote_char

SEP_COLUMN = "|"
SEP_ROW = "\n"
SEP_TAB = "\t"
SEP_COMMA = ","
SEP_CRLF = "\r\n"
SEP_UNIT = "\x1f"
SEP_RECORD = "\x1e"
SEP_SPACE = " "

COLUMNAR = ("column", "table", "markdown", "box")
MODES = ("ascii", "box", "column", "csv", "html", "insert", "json", "line",
         "list", "markdown", "qbox", "quote", "table", "tabs", "tcl")


class ColumnOptions:
    """--wrap / --wordwrap / --quote of the columnar modes (ColModeOpts)."""
    __slots__ = ("wrap", "wordwrap", "quote")

    def __init__(self, wrap=0, wordwrap=False, quote=False):
        self.wrap, self.wordwrap, self.quote = wrap, wordwrap, quote

    def describe(self):
        return "--wrap %d --wordwrap %s --%squote" % (
            self.wrap, "on" if self.wordwrap else "off", "" if self.quote else "no")


class Settings:
    """Everything .mode, .headers, .separator, .nullvalue and .width set."""

    def __init__(self):
        self.mode = "list"
        self.headers = False
        self.header_set = False          # .headers given: .mode column keeps it
        self.colsep = SEP_COLUMN
        self.rowsep = SEP_ROW
        self.nullvalue = ""
        self.widths = []
        self.colopts = ColumnOptions()
        self.dest_table = '"table"'      # insert mode's target, already quoted

    def describe_mode(self):
        if self.mode in COLUMNAR:
            return "%s %s" % (self.mode, self.colopts.describe())
        return self.mode

    def set_dest_table(self, name):
        q = quote_char(name)
        self.dest_table = q + name.replace(q, q + q) + q if q else name


# -- values as text ---------------------------------------------------------

def real_literal(r):
    """%!.20g: the round-tripping form of a REAL in the quote, insert and
    json modes (SQLite's own digits, not Python's)."""
    return sql_printf("%!.20g", [r])


def _cut_nul(s):
    # The C shell prints values with %s, which stops at the first NUL.
    i = s.find("\x00")
    return s if i < 0 else s[:i]


def value_text(v):
    """sqlite3_column_text(): the value as text, None for NULL."""
    t = type(v)
    if t is str:
        return _cut_nul(v) if "\x00" in v else v
    if t is int:
        return str(v)
    if t is float:
        return real_text(v)
    if v is None:
        return None
    if t is bytes or isinstance(v, (bytes, bytearray, memoryview)):
        return _cut_nul(bytes(v).decode("utf-8", "surrogateescape"))
    return str(v)


def _blob_hex(v):
    return "X'" + bytes(v).hex() + "'"


def quoted_plain(s):
    """output_quoted_string: '...' with quotes doubled, newlines kept."""
    return "'" + _cut_nul(s).replace("'", "''") + "'"


_quoted = quoted_plain


def _unused(s, a, b):
    """unused_string(): a stand-in for a control character not in ``s``."""
    if a not in s:
        return a
    if b not in s:
        return b
    i = 0
    while True:
        z = "(%s%u)" % (a, i)
        i += 1
        if z not in s:
            return z


def _quoted_escaped(s):
    """output_quoted_escaped_string: newlines and CRs spelled out with
    replace(...,char(10)) so that the literal stays on one line."""
    if "\n" not in s and "\r" not in s:
        return "'" + s.replace("'", "''") + "'"
    body = s.replace("'", "''")
    head = tail = ""
    if "\n" in s:
        nl = _unused(s, "\\n", "\\012")
        head += "replace("
        tail = ",'%s',char(10))" % nl + tail
    if "\r" in s:
        cr = _unused(s, "\\r", "\\015")
        head += "replace("
        tail = ",'%s',char(13))" % cr + tail
    # The CR replacement is the inner call, the NL one the outer.
    if "\r" in s:
        body = body.replace("\r", cr)
    if "\n" in s:
        body = body.replace("\n", nl)
    return head + "'" + body + "'" + tail


def _is_number(s):
    """isNumber(): does ``s`` look like an SQL numeric literal?"""
    i, n = 0, len(s)
    if i < n and s[i] in "+-":
        i += 1
    if i >= n or not s[i].isdigit():
        return False
    while i < n and s[i].isdigit():
        i += 1
    if i < n and s[i] == ".":
        i += 1
        if i >= n or not s[i].isdigit():
            return False
        while i < n and s[i].isdigit():
            i += 1
    if i < n and s[i] in "eE":
        i += 1
        if i < n and s[i] in "+-":
            i += 1
        if i >= n or not s[i].isdigit():
            return False
        while i < n and s[i].isdigit():
            i += 1
    return i == n


def sql_literal(v, insert=False):
    """A value as the quote and insert modes write it."""
    t = type(v)
    if v is None:
        return "NULL"
    if t is str:
        v = _cut_nul(v)
        return _quoted_escaped(v) if insert else _quoted(v)
    if t is int:
        return str(v)
    if t is float:
        if v == float("inf"):
            return "1e999" if insert else "Inf"
        if v == float("-inf"):
            return "-1e999" if insert else "-Inf"
        if insert and -9.223372036854775808e18 <= v < 9.223372036854775808e18 \
                and v == int(v):
            return "%d.0" % int(v)
        return real_literal(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return _blob_hex(v)
    s = str(v)
    if _is_number(s):
        return s
    return _quoted_escaped(s) if insert else _quoted(s)


_JSON_ESC = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\f": "\\f", "\n": "\\n",
             "\r": "\\r", "\t": "\\t"}
for _c in range(0x20):
    _JSON_ESC.setdefault(chr(_c), "\\u%04x" % _c)
_JSON_TABLE = str.maketrans(_JSON_ESC)


def json_string(s):
    return '"' + s.translate(_JSON_TABLE) + '"'


def json_value(v):
    t = type(v)
    if v is None:
        return "null"
    if t is str:
        return json_string(_cut_nul(v))
    if t is int:
        return str(v)
    if t is float:
        if v == float("inf"):
            return "1e999"
        if v == float("-inf"):
            return "-1e999"
        return real_literal(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        # sqlite3 writes the blob's bytes as the string's content.
        return json_string(bytes(v).decode("utf-8", "surrogateescape"))
    return str(v)


# Bytes that make csv mode quote a field: controls, space, '"', "'", DEL
# and every byte of a multi-byte UTF-8 character.
def _csv_needs_quote(s):
    for c in s:
        o = ord(c)
        if o <= 0x20 or o >= 0x7f or c == '"' or c == "'":
            return True
    return False


def csv_field(s, sep, nullvalue):
    if s is None:
        return nullvalue
    if s == "" or _csv_needs_quote(s) or sep in s:
        return '"' + s.replace('"', '""') + '"'
    return s


_HTML_ESC = str.maketrans({"<": "&lt;", "&": "&amp;", ">": "&gt;",
                           '"': "&quot;", "'": "&#39;"})


def c_string(s):
    """output_c_string(): a C string literal of the UTF-8 bytes of ``s``, as
    the tcl mode and .show write it (non-ASCII bytes become octal escapes)."""
    out = ['"']
    for b in s.encode("utf-8", "surrogateescape"):
        c = _C_ESC.get(b)
        if c is None:
            c = chr(b) if 0x20 <= b < 0x7f else "\\%03o" % b
        out.append(c)
    out.append('"')
    return "".join(out)


_C_ESC = {0x5c: "\\\\", 0x22: '\\"', 0x09: "\\t", 0x0a: "\\n", 0x0d: "\\r"}


# -- the writers ------------------------------------------------------------

class Result:
    """One statement's output state: how many rows so far (the C shell's
    p->cnt, which decides headers and separators)."""
    __slots__ = ("count",)

    def __init__(self):
        self.count = 0


def write_rows(st, out, names, rows, interrupted=lambda: False):
    """Write ``rows`` (an iterator of tuples) under ``names`` in mode
    ``st.mode``; returns the number of rows written."""
    mode = st.mode
    if mode in COLUMNAR:
        return _write_columnar(st, out, names, rows, interrupted)
    writer = _STREAMING[mode]
    res = Result()
    for row in rows:
        writer(st, out, names, row, res)
        res.count += 1
        if interrupted():
            break
    if res.count and mode == "json":
        out.write("]\n")
    return res.count


def _w_list(st, out, names, row, res):
    if res.count == 0 and st.headers:
        out.write(st.colsep.join(names) + st.rowsep)
    nv = st.nullvalue
    out.write(st.colsep.join(nv if t is None else t
                             for t in map(value_text, row)) + st.rowsep)


def _w_line(st, out, names, row, res):
    w = 5
    for n in names:
        w = max(w, len(n.encode("utf-8", "surrogateescape")))
    if res.count:
        out.write(st.rowsep)
    for n, v in zip(names, row):
        t = value_text(v)
        pad = w - len(n.encode("utf-8", "surrogateescape"))
        out.write(" " * pad + n + " = " + (st.nullvalue if t is None else t) + st.rowsep)


def _w_csv(st, out, names, row, res):
    sep, nv = st.colsep, st.nullvalue
    if res.count == 0 and st.headers:
        out.write(sep.join(csv_field(n, sep, nv) for n in names) + st.rowsep)
    if row:
        out.write(sep.join(csv_field(value_text(v), sep, nv) for v in row) + st.rowsep)


def _w_json(st, out, names, row, res):
    out.write("[{" if res.count == 0 else ",\n{")
    out.write(",".join(json_string(n) + ":" + json_value(v) for n, v in zip(names, row)))
    out.write("}")


def _w_insert(st, out, names, row, res):
    head = "INSERT INTO " + st.dest_table
    if st.headers:
        head += "(" + ",".join('"%s"' % n.replace('"', '""') if quote_char(n) else n
                               for n in names) + ")"
    out.write(head + " VALUES(" + ",".join(sql_literal(v, True) for v in row) + ");\n")


def _w_quote(st, out, names, row, res):
    if res.count == 0 and st.headers:
        out.write(st.colsep.join(_quoted(n) for n in names) + st.rowsep)
    out.write(st.colsep.join(sql_literal(v) for v in row) + st.rowsep)


def _w_html(st, out, names, row, res):
    if res.count == 0 and st.headers:
        out.write("<TR>")
        for n in names:
            out.write("<TH>" + n.translate(_HTML_ESC) + "</TH>\n")
        out.write("</TR>\n")
    out.write("<TR>")
    for v in row:
        t = value_text(v)
        out.write("<TD>" + (st.nullvalue if t is None else t).translate(_HTML_ESC) + "</TD>\n")
    out.write("</TR>\n")


def _w_tcl(st, out, names, row, res):
    if res.count == 0 and st.headers:
        out.write(st.colsep.join(c_string(n) for n in names) + st.rowsep)
    out.write(st.colsep.join(c_string(st.nullvalue if t is None else t)
                             for t in map(value_text, row)) + st.rowsep)


_STREAMING = {"list": _w_list, "line": _w_line, "csv": _w_csv, "json": _w_json,
              "insert": _w_insert, "quote": _w_quote, "html": _w_html,
              "tcl": _w_tcl, "ascii": _w_list}


# -- columnar modes -------------------------------------------------------

def display_line(s, width, wordwrap):
    """translateForDisplayAndDup(): the first display line of ``s`` at most
    ``width`` characters wide (0: no limit), with tabs expanded to 8-column
    stops; returns (line, rest) where rest is None when ``s`` is used up.
    Any control character other than a tab ends a line."""
    limit = width if width > 0 else 1000000
    i = n = 0
    size = len(s)
    out = []
    while n < limit and i < size:
        c = s[i]
        if c >= " ":
            out.append(c)
            n += 1
            i += 1
        elif c == "\t":
            while True:
                out.append(" ")
                n += 1
                if n & 7 == 0 or n >= limit:
                    break
            i += 1
        else:
            break
    k = i
    if n >= limit and wordwrap:
        # Back up to a better place to break the line: after a space, else
        # where letters and non-letters meet.  sqlite3 searches the UTF-8
        # bytes (no further back than half of them), so this does too.
        z = s[:i + 1].encode("utf-8", "surrogateescape")
        ib = len(s[:i].encode("utf-8", "surrogateescape"))
        k = ib
        while k > ib // 2 and z[k - 1] not in b" \t\n\v\f\r":
            k -= 1
        if k <= ib // 2:
            k = ib
            while k > ib // 2 and not (_alnum_byte(z, k - 1) != _alnum_byte(z, k)
                                       and (k >= len(z) or z[k] & 0xC0 != 0x80)):
                k -= 1
        if k > ib // 2:
            k = len(z[:k].decode("utf-8", "surrogateescape"))
            i = k
            while i < size and s[i] == " ":
                i += 1
            out = _expand(s[:k], limit)
    nxt = s[i] if i < size else ""
    if n >= limit and nxt >= " " and nxt != "":
        rest = s[i:]
    elif nxt == "\r" and i + 1 < size and s[i + 1] == "\n":
        rest = s[i + 2:] or None
    elif nxt == "" or i + 1 >= size:
        rest = None
    else:
        rest = s[i + 1:]
    return "".join(out), rest


def _alnum_byte(z, k):
    """C isalnum() of byte k of z (0 past the end)."""
    if k >= len(z):
        return False
    b = z[k]
    return 48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122


def _expand(s, limit):
    out = []
    n = 0
    for c in s:
        if c == "\t":
            while True:
                out.append(" ")
                n += 1
                if n & 7 == 0 or n >= limit:
                    break
        else:
            out.append(c)
            n += 1
    return out


def _pad(s, w):
    """utf8_width_print(): ``s`` cut or padded to |w| characters, right
    aligned when w < 0."""
    aw = -w if w < 0 else w
    n = len(s)
    if n >= aw:
        return s[:aw] if aw else ""
    if w < 0:
        return " " * (aw - n) + s
    return s + " " * (aw - n)


_BOX = {"h": "\u2500", "v": "\u2502", "tl": "\u250c", "tr": "\u2510",
        "bl": "\u2514", "br": "\u2518", "lt": "\u251c", "rt": "\u2524",
        "tt": "\u252c", "bt": "\u2534", "x": "\u253c"}


def _rule(widths, left, mid, right, fill):
    return left + mid.join(fill * (w + 2) for w in widths) + right + "\n"


def _write_columnar(st, out, names, rows, interrupted):
    ncol = len(names)
    it = iter(rows)
    first = next(it, None)
    if first is None or ncol == 0:
        return 0
    opts = st.colopts
    if len(st.widths) < ncol:
        # sqlite3 grows its width array to the column count (.show shows it).
        st.widths.extend([0] * (ncol - len(st.widths)))
    widths_set = st.widths[:ncol]
    wraps = []
    for w in widths_set:
        wx = w if w else opts.wrap
        wraps.append(-wx if wx < 0 else wx)
    ww = opts.wordwrap
    cells = [display_line(n, wraps[i], ww)[0] for i, n in enumerate(names)]
    divider = []                       # True: a logical row ends at this line
    multi = False
    nullvalue = st.nullvalue
    nrows = 0
    row = first
    while row is not None:
        pending = []
        for i, v in enumerate(row):
            if opts.quote:
                t = _column_literal(v)
            else:
                t = value_text(v)
                if t is None:
                    t = nullvalue
            pending.append(t)
        nrows += 1
        while True:
            more = False
            nxt = []
            for i, t in enumerate(pending):
                if t is None:
                    cells.append("")
                    nxt.append(None)
                    continue
                line, rest = display_line(t, wraps[i], ww)
                cells.append(line)
                nxt.append(rest)
                if rest is not None:
                    more = True
            divider.append(not more)
            if not more:
                break
            multi = True
            pending = nxt
        if interrupted():
            break
        row = next(it, None)
    actual = [abs(w) for w in widths_set]
    for idx, c in enumerate(cells):
        j = idx % ncol
        if len(c) > actual[j]:
            actual[j] = len(c)
    mode = st.mode
    write = out.write
    if mode == "column":
        colsep, rowsep = "  ", "\n"
        if st.headers:
            write("  ".join(_pad(cells[i], -actual[i] if widths_set[i] < 0 else actual[i])
                            for i in range(ncol)) + "\n")
            write("  ".join("-" * actual[i] for i in range(ncol)) + "\n")
    elif mode == "table":
        colsep, rowsep = " | ", " |\n"
        write(_rule(actual, "+", "+", "+", "-"))
        write("| " + " | ".join(_center(cells[i], actual[i]) for i in range(ncol)) + " |\n")
        write(_rule(actual, "+", "+", "+", "-"))
    elif mode == "markdown":
        colsep, rowsep = " | ", " |\n"
        write("| " + " | ".join(_center(cells[i], actual[i]) for i in range(ncol)) + " |\n")
        write(_rule(actual, "|", "|", "|", "-"))
    else:
        b = _BOX
        colsep, rowsep = " " + b["v"] + " ", " " + b["v"] + "\n"
        write(_rule(actual, b["tl"], b["tt"], b["tr"], b["h"]))
        write(b["v"] + " " + (" " + b["v"] + " ").join(
            _center(cells[i], actual[i]) for i in range(ncol)) + " " + b["v"] + "\n")
        write(_rule(actual, b["lt"], b["x"], b["rt"], b["h"]))
    signed = [-actual[i] if widths_set[i] < 0 else actual[i] for i in range(ncol)]
    nlines = len(divider)
    lead = "" if mode == "column" else ("| " if mode != "box" else _BOX["v"] + " ")
    for r in range(nlines):
        base = (r + 1) * ncol
        write(lead + colsep.join(_pad(cells[base + j], signed[j]) for j in range(ncol)) + rowsep)
        if multi and divider[r] and r + 1 < nlines:
            if mode == "table":
                write(_rule(actual, "+", "+", "+", "-"))
            elif mode == "box":
                write(_rule(actual, _BOX["lt"], _BOX["x"], _BOX["rt"], _BOX["h"]))
            elif mode == "column":
                write("\n")
    if mode == "table":
        write(_rule(actual, "+", "+", "+", "-"))
    elif mode == "box":
        write(_rule(actual, _BOX["bl"], _BOX["bt"], _BOX["br"], _BOX["h"]))
    return nrows


def _column_literal(v):
    """quoted_column(): a value as the columnar modes' --quote shows it; a
    REAL keeps its 15-digit text here."""
    if type(v) is float:
        return real_text(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "x'" + bytes(v).hex() + "'"
    return sql_literal(v)


def _center(s, w):
    n = len(s)
    return " " * ((w - n) // 2) + s + " " * ((w - n + 1) // 2)
