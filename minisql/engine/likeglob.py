"""LIKE and GLOB, as SQLite's patternCompare() (func.c) matches them.

LIKE:  '%' any run of characters, '_' exactly one character, ESCAPE c makes
       the next character literal; letters compare case-insensitively for
       ASCII only ('a' LIKE 'A', but 'ä' NOT LIKE 'Ä'), unless
       PRAGMA case_sensitive_like is on.
GLOB:  '*' any run, '?' one character, '[...]' / '[^...]' one character
       in / not in a set with ranges 'a-z'; ']' first in a set is a member,
       '-' first or last is a member; case-sensitive; no escape.

A pattern is compiled once into a Python regex.  Every wildcard-free piece
between two '%' (or '*') matches a fixed number of characters, so the
leftmost place where a middle piece fits is always as good as any later
one (that is why SQLite can give up early with NOWILDCARDMATCH).  Each
middle piece is therefore wrapped in an atomic group ``(?>.*?piece)``: the
regex engine never backtracks into it, and matching stays near linear
instead of exponential in the number of '%'.

SQLite semantics kept here besides the rules above:
  - an escape character (or '[') with nothing valid after it makes the
    pattern match nothing;
  - text stops at the first NUL character (patternCompare reads C strings);
  - this build has SQLITE_LIKE_DOESNT_MATCH_BLOBS: a BLOB operand never
    matches (result 0, even against NULL);
  - patterns longer than 50000 bytes are an error.
"""

import re
from functools import lru_cache

from .. import errors
from .printf import to_text, cut_nul

LIKE_PATTERN_LIMIT = 50000      # SQLITE_MAX_LIKE_PATTERN_LENGTH
_FLAGS = re.DOTALL | re.ASCII


def _never(s):
    return False


def _assemble(segments, flags):
    """Regex source for pieces separated by match-all wildcards -> matcher."""
    if len(segments) == 1:
        return re.compile(segments[0], flags).fullmatch
    parts = [segments[0]]
    for seg in segments[1:-1]:
        if seg:
            parts.append("(?>.*?" + seg + ")")
    parts.append(".*" + segments[-1])
    return re.compile("".join(parts), flags).fullmatch


@lru_cache(maxsize=512)
def compile_like(pattern, escape=None, case_sensitive=False):
    """A matcher ``f(text) -> bool`` for ``text LIKE pattern [ESCAPE escape]``.

    ``pattern`` and ``escape`` are str (escape a single character or None)."""
    pattern = cut_nul(pattern)
    segments = []
    cur = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == escape:
            if i >= n:
                return _never
            cur.append(re.escape(pattern[i]))
            i += 1
        elif c == "%":
            segments.append("".join(cur))
            cur = []
        elif c == "_":
            cur.append(".")
        else:
            cur.append(re.escape(c))
    segments.append("".join(cur))
    flags = _FLAGS if case_sensitive else _FLAGS | re.IGNORECASE
    return _assemble(segments, flags)


def _glob_set(pattern, i):
    """Parse a set after '['; -> (regex for one char, index after ']') or None."""
    n = len(pattern)
    invert = False
    members = []
    if i < n and pattern[i] == "^":
        invert = True
        i += 1
    if i < n and pattern[i] == "]":
        members.append(re.escape("]"))
        i += 1
    prior = None
    while i < n and pattern[i] != "]":
        c = pattern[i]
        i += 1
        if c == "-" and prior is not None and i < n and pattern[i] != "]":
            hi = pattern[i]
            i += 1
            if prior <= hi:
                members.append(re.escape(prior) + "-" + re.escape(hi))
            prior = None
        else:
            members.append(re.escape(c))
            prior = c
    if i >= n:
        return None                       # unterminated: matches nothing
    if not members:
        return ("." if invert else "(?!)"), i + 1
    return "[" + ("^" if invert else "") + "".join(members) + "]", i + 1


@lru_cache(maxsize=512)
def compile_glob(pattern):
    """A matcher ``f(text) -> bool`` for ``text GLOB pattern``."""
    pattern = cut_nul(pattern)
    segments = []
    cur = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            segments.append("".join(cur))
            cur = []
        elif c == "?":
            cur.append(".")
        elif c == "[":
            got = _glob_set(pattern, i)
            if got is None:
                return _never
            cur.append(got[0])
            i = got[1]
        else:
            cur.append(re.escape(c))
    segments.append("".join(cur))
    return _assemble(segments, _FLAGS)


def _check_pattern_length(p):
    if len(p) > LIKE_PATTERN_LIMIT // 4 and len(p.encode("utf-8", "surrogateescape")) > LIKE_PATTERN_LIMIT:
        raise errors.OperationalError("LIKE or GLOB pattern too complex")


_MISSING = object()


def like(pattern, string, escape=_MISSING, case_sensitive=False):
    """The like(X, Y [, Z]) function: ``Y LIKE X [ESCAPE Z]`` -> 1, 0 or None."""
    tp = type(pattern)
    if tp is bytes or type(string) is bytes:
        return 0
    if pattern is None:
        p = None
    else:
        p = pattern if tp is str else to_text(pattern)
        _check_pattern_length(p)
    if escape is not _MISSING:
        if escape is None:
            return None
        esc = cut_nul(to_text(escape))
        if len(esc) != 1:
            raise errors.OperationalError("ESCAPE expression must be a single character")
    else:
        esc = None
    if p is None or string is None:
        return None
    s = string if type(string) is str else to_text(string)
    if "\0" in s:
        s = cut_nul(s)
    return 1 if compile_like(p, esc, case_sensitive)(s) else 0


def like_fn(pattern, escape=_MISSING, case_sensitive=False):
    """``like`` for a constant pattern (and escape): compiled once, ->
    ``f(string) -> 1, 0 or None`` with exactly like()'s results and errors."""
    if type(pattern) is bytes or pattern is None or escape is None:
        return lambda string, _p=pattern, _e=escape: like(_p, string, _e, case_sensitive)
    p = pattern if type(pattern) is str else to_text(pattern)
    try:
        _check_pattern_length(p)
        esc = None
        if escape is not _MISSING:
            esc = cut_nul(to_text(escape))
            if len(esc) != 1:
                raise errors.OperationalError("ESCAPE expression must be a single character")
    except errors.OperationalError:
        # raised per row, as SQLite does (never if there are no rows)
        return lambda string, _p=pattern, _e=escape: like(_p, string, _e, case_sensitive)
    match = compile_like(p, esc, case_sensitive)

    def like_const(string):
        t = type(string)
        if t is str:
            if "\0" in string:
                string = cut_nul(string)
            return 1 if match(string) else 0
        if string is None:
            return None
        if t is bytes:
            return 0
        return 1 if match(to_text(string)) else 0
    return like_const


def glob_fn(pattern):
    """``glob`` for a constant pattern: ``f(string) -> 1, 0 or None``."""
    if type(pattern) is bytes or pattern is None:
        return lambda string, _p=pattern: glob(_p, string)
    p = pattern if type(pattern) is str else to_text(pattern)
    try:
        _check_pattern_length(p)
    except errors.OperationalError:
        return lambda string, _p=pattern: glob(_p, string)
    match = compile_glob(p)

    def glob_const(string):
        t = type(string)
        if t is str:
            if "\0" in string:
                string = cut_nul(string)
            return 1 if match(string) else 0
        if string is None:
            return None
        if t is bytes:
            return 0
        return 1 if match(to_text(string)) else 0
    return glob_const


def glob(pattern, string):
    """The glob(X, Y) function: ``Y GLOB X`` -> 1, 0 or None."""
    tp = type(pattern)
    if tp is bytes or type(string) is bytes:
        return 0
    if pattern is None:
        return None
    p = pattern if tp is str else to_text(pattern)
    _check_pattern_length(p)
    if string is None:
        return None
    s = string if type(string) is str else to_text(string)
    if "\0" in s:
        s = cut_nul(s)
    return 1 if compile_glob(p)(s) else 0
