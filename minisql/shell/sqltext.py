"""SQL text as the shell sees it: statement boundaries, keywords, quoting.

The shell never parses SQL; it only has to know where one statement ends
(sqlite3_complete's rules: a ';' outside quotes and comments that is not
inside CREATE TRIGGER ... END) and when a name must be quoted.
"""

from ..sql.lexer import KEYWORDS as _KEYWORD_TOKENS
from ..sql.parser import complete_statement  # noqa: F401 - the shell's statement end

# The 147 keywords of SQLite 3.40 (sqlite3_keyword_name); a name that is one
# of them must be quoted when the shell writes it into SQL.
KEYWORDS = frozenset(_KEYWORD_TOKENS)


def _is_ident_char(c):
    return c.isascii() and (c.isalnum() or c == "_")


def quote_char(name):
    """'"' when ``name`` needs quoting to be read back as one identifier
    (the shell's quoteChar()), else ''."""
    if not name or not (name[0].isascii() and (name[0].isalpha() or name[0] == "_")):
        return '"'
    for c in name:
        if not _is_ident_char(c):
            return '"'
    return '"' if name.upper() in KEYWORDS else ""


def quote_ident(name, always=False):
    """``name`` as an identifier: double-quoted (quotes doubled) if needed."""
    if always or quote_char(name):
        return '"' + name.replace('"', '""') + '"'
    return name


def quote_string(s):
    """An SQL string literal (sqlite3's %Q)."""
    return "'" + s.replace("'", "''") + "'"


def _skip(text, i, n):
    """From text[i], a quote or comment opener, return the index just past
    the quoted token or comment (n when it runs to the end)."""
    c = text[i]
    if c in "'\"`":
        while True:
            j = text.find(c, i + 1)
            if j < 0:
                return n
            if j + 1 < n and text[j + 1] == c:     # doubled quote
                i = j + 1
                continue
            return j + 1
    if c == "[":
        j = text.find("]", i + 1)
        return n if j < 0 else j + 1
    if c == "-":                                  # "--" comment
        j = text.find("\n", i + 2)
        return n if j < 0 else j + 1
    j = text.find("*/", i + 2)                    # "/*" comment
    return n if j < 0 else j + 2


def _semicolons(text):
    """Offsets of the ';' tokens of ``text`` (outside quotes and comments)."""
    i, n = 0, len(text)
    specials = "'\"`[-/;"
    while i < n:
        c = text[i]
        if c not in specials:
            i += 1
            continue
        if c == ";":
            yield i
            i += 1
        elif c == "-" or c == "/":
            if i + 1 < n and text[i + 1] == ("-" if c == "-" else "*"):
                i = _skip(text, i, n)
            else:
                i += 1
        else:
            i = _skip(text, i, n)


def is_blank(text, semicolons=True):
    """True when ``text`` holds only whitespace, closed comments and (if
    ``semicolons``) ';'.  An unclosed /* comment is not blank: the lines
    after it belong to it."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace() or (c == ";" and semicolons):
            i += 1
        elif text.startswith("--", i):
            i = _skip(text, i, n)
        elif text.startswith("/*", i):
            if text.find("*/", i + 2) < 0:
                return False
            i = _skip(text, i, n)
        else:
            return False
    return True


def split_statements(text):
    """Split ``text`` into statements: a list of (offset, sql), each sql
    running through its ';' (the last may lack one).  Blank pieces (only
    whitespace, comments or ';') are left out."""
    out = []
    start = 0
    for semi in _semicolons(text):
        piece = text[start:semi + 1]
        if complete_statement(piece):
            if not is_blank(piece):
                lead = len(piece) - len(piece.lstrip())
                out.append((start + lead, piece[lead:]))
            start = semi + 1
    rest = text[start:]
    if not is_blank(rest):
        lead = len(rest) - len(rest.lstrip())
        out.append((start + lead, rest[lead:]))
    return out
