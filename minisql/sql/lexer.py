"""SQLite's tokenizer (tokenize.c), as one compiled regular expression.

Token types are SQLite's TK_ names without the prefix.  Keywords get their
own type (``SELECT``), except the keyword classes SQLite itself groups:
JOIN_KW (CROSS FULL INNER LEFT NATURAL OUTER RIGHT), LIKE_KW (LIKE GLOB
REGEXP), CTIME_KW (CURRENT_DATE/TIME/TIMESTAMP), TEMP (TEMP TEMPORARY),
AUTOINCR (AUTOINCREMENT) and COLUMNKW (COLUMN).  Punctuation that never
carries meaning in the tree is named with a leading underscore (``_LP``,
``_RP``, ``_COMMA``, ``_DOT``, ``_SEMI``) so that lark drops it from rule
children.  Whitespace and comments produce no token.

Rules copied from SQLite's behaviour (each checked against sqlite3 3.40):
* an identifier is [A-Za-z_ or any non-ASCII char] followed by those, digits
  and '$'; a keyword is an identifier whose (ASCII) upper-case form is in
  KEYWORDS;
* a number immediately followed by identifier characters is one ILLEGAL
  token ("1e", "0x", "12abc");
* '...' is a STRING ('' escapes a quote); "..." `...` [...] are IDs;
  an unterminated one is ILLEGAL up to the end of the input (the quote
  patterns are possessive: 'a'' is unterminated, never 'a' and then ');
* X'..' with an even number of hex digits is a BLOB, otherwise ILLEGAL up to
  and including the next quote;
* ?NNN, :name, @name, $name (with '::' and a Tcl "(...)" suffix) are
  VARIABLEs; '@' or ':' alone is ILLEGAL; '#name' is a VARIABLE too
  (and '#123' a syntax error, raised by the parser);
* '/*' with nothing after it is a SLASH (then a STAR), an unterminated
  '/* ...' is a comment up to the end; '--' runs to the end of the line;
* a NUL character ends the input, a BOM (U+FEFF) at a token start is space.
"""

import re

# Keywords of SQLite 3.40 (sqlite3_keyword_count() == 147) -> token type.
KEYWORDS = {w: w for w in """
ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH BEFORE BEGIN
BETWEEN BY CASCADE CASE CAST CHECK COLLATE COMMIT CONFLICT CONSTRAINT CREATE
CURRENT DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO
DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER
FIRST FOLLOWING FOR FOREIGN FROM GENERATED GROUP GROUPS HAVING IF IGNORE
IMMEDIATE IN INDEX INDEXED INITIALLY INSERT INSTEAD INTERSECT INTO IS ISNULL
JOIN KEY LAST LIMIT MATCH MATERIALIZED NO NOT NOTHING NOTNULL NULL NULLS OF
OFFSET ON OR ORDER OTHERS OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY
RAISE RANGE RECURSIVE REFERENCES REINDEX RELEASE RENAME REPLACE RESTRICT
RETURNING ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE THEN TIES TO
TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW
VIRTUAL WHEN WHERE WINDOW WITH WITHOUT
""".split()}
KEYWORDS.update(dict.fromkeys("CROSS FULL INNER LEFT NATURAL OUTER RIGHT".split(), "JOIN_KW"))
KEYWORDS.update(dict.fromkeys("LIKE GLOB REGEXP".split(), "LIKE_KW"))
KEYWORDS.update(dict.fromkeys("CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP".split(), "CTIME_KW"))
KEYWORDS.update(TEMP="TEMP", TEMPORARY="TEMP", AUTOINCREMENT="AUTOINCR", COLUMN="COLUMNKW")
assert len(KEYWORDS) == 147

# parse.y's "%fallback ID": keyword token types that the parser reads as an
# identifier where the keyword itself cannot appear.
FALLBACK = frozenset("""
ABORT ACTION AFTER ANALYZE ASC ATTACH BEFORE BEGIN BY CASCADE CAST COLUMNKW
CONFLICT DATABASE DEFERRED DESC DETACH DO EACH END EXCLUSIVE EXPLAIN FAIL FOR
IGNORE IMMEDIATE INITIALLY INSTEAD LIKE_KW MATCH NO PLAN QUERY KEY OF OFFSET
PRAGMA RAISE RECURSIVE RELEASE REPLACE RESTRICT ROW ROWS ROLLBACK SAVEPOINT
TEMP TRIGGER VACUUM VIEW VIRTUAL WITH WITHOUT NULLS FIRST LAST CURRENT
FOLLOWING PARTITION PRECEDING RANGE UNBOUNDED EXCLUDE GROUPS OTHERS TIES
GENERATED ALWAYS MATERIALIZED REINDEX RENAME CTIME_KW IF
""".split())

PUNCT = {
    "(": "_LP", ")": "_RP", ",": "_COMMA", ";": "_SEMI", ".": "_DOT",
    "+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH", "%": "REM",
    "=": "EQ", "==": "EQ", "!=": "NE", "<>": "NE", "<": "LT", "<=": "LE",
    ">": "GT", ">=": "GE", "<<": "LSHIFT", ">>": "RSHIFT", "&": "BITAND",
    "|": "BITOR", "~": "BITNOT", "||": "CONCAT", "->": "PTR", "->>": "PTR",
}

_ID = r"A-Za-z0-9_$\x80-\U0010FFFF"          # identifier characters
_TOKEN_RE = re.compile(r"""
  (?P<space> [ \t\n\f\r\ufeff]+ | --[^\n]* | /\*(?=[\s\S])(?:[\s\S]*?\*/|[\s\S]*) )
| (?P<num> (?: 0[xX][0-9a-fA-F]+ | [0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?
           | \.[0-9]+(?:[eE][+-]?[0-9]+)? ) (?P<numtail>[%(id)s]*) )
| (?P<blob> [xX]'(?P<hex>[0-9a-fA-F]*)' | [xX]'[^']*'? )
| (?P<word> [A-Za-z_\x80-\U0010FFFF][%(id)s]* )
| (?P<string> '(?:[^']|'')*+' )
| (?P<quoted> "(?:[^"]|"")*+" | `(?:[^`]|``)*+` | \[[^\]]*\] )
| (?P<var> [?][0-9]* | [$@:\#] )
| (?P<op> ->>|->|<=|<>|<<|>=|>>|==|!=|\|\||[-+*/%%=<>&|~(),;.] )
""" % {"id": _ID}, re.VERBOSE)

_ID_CHARS_RE = re.compile(r"[%s]*" % _ID)


class Token:
    """One token: its type, its exact source text and its [start, end) span."""

    __slots__ = ("type", "text", "start", "end")

    def __init__(self, type, text, start, end):
        self.type = type
        self.text = text
        self.start = start
        self.end = end

    def __repr__(self):
        return f"Token({self.type!r}, {self.text!r}, {self.start})"


def _variable(sql, pos):
    """Length of the $/@/:/# variable at sql[pos], and whether it is legal
    (SQLite's CC_VARALPHA/CC_DOLLAR branch: idchars, '::', Tcl '(...)')."""
    i = pos + 1
    n = len(sql)
    count = 0
    while i < n:
        c = sql[i]
        if c.isascii() and (c.isalnum() or c in "_$") or not c.isascii():
            count += 1
            i += 1
        elif c == "(" and count:
            i += 1
            while i < n and sql[i] != ")" and sql[i] not in " \t\n\f\r\v":
                i += 1
            if i < n and sql[i] == ")":
                return i + 1 - pos, True
            return i - pos, False
        elif c == ":" and i + 1 < n and sql[i + 1] == ":":
            i += 2
        else:
            break
    return i - pos, count > 0


def tokens(sql, pos=0):
    """Yield the tokens of sql[pos:]; whitespace and comments are skipped.

    Bad input yields an ILLEGAL token (the parser raises "unrecognized
    token" only if it gets that far, as SQLite does).  The stream ends at the
    end of sql or at a NUL character.
    """
    match = _TOKEN_RE.match
    keywords = KEYWORDS
    end = sql.find("\0", pos)
    n = len(sql) if end < 0 else end
    while pos < n:
        m = match(sql, pos, n)
        if m is None:
            if sql[pos] == "!":
                yield Token("ILLEGAL", "!", pos, pos + 1)
                pos += 1
                continue
            c = sql[pos]
            if c in "'\"`[":                 # unterminated quote
                yield Token("ILLEGAL", sql[pos:n], pos, n)
                return
            yield Token("ILLEGAL", c, pos, pos + 1)
            pos += 1
            continue
        kind = m.lastgroup
        e = m.end()
        text = m.group()
        if kind == "space":
            pos = e
            continue
        if kind == "word":
            t = keywords.get(text.upper(), "ID") if text.isascii() else "ID"
        elif kind == "op":
            t = PUNCT[text]
        elif kind == "num":
            if m.group("numtail"):
                t = "ILLEGAL"
            elif text[:2] in ("0x", "0X") or text.isdigit():
                t = "INTEGER"
            else:
                t = "FLOAT"
        elif kind == "quoted":
            t = "ID"
        elif kind == "string":
            t = "STRING"
        elif kind == "blob":
            hexdigits = m.group("hex")
            if hexdigits is None or len(hexdigits) % 2:
                t = "ILLEGAL"
            else:
                t = "BLOB"
        elif kind == "var":
            t = "VARIABLE"
            if text[0] != "?":
                length, ok = _variable(sql[:n], pos)
                e = pos + length
                text = sql[pos:e]
                if not ok:
                    t = "ILLEGAL"
        else:  # pragma: no cover - every group is handled above
            raise AssertionError(kind)
        yield Token(t, text, pos, e)
        pos = e


def dequote(text):
    """The name or string a quoted token stands for (sqlite3Dequote):
    the text up to the first unescaped closing quote, escapes undone.
    Unquoted text is returned unchanged."""
    q = text[:1]
    if q == "[":
        end = text.find("]")
        return text[1:end] if end > 0 else text[1:]
    if q not in ("'", '"', "`"):
        return text
    out = []
    i = 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == q:
            if i + 1 < n and text[i + 1] == q:
                out.append(q)
                i += 2
                continue
            break
        out.append(c)
        i += 1
    return "".join(out)
