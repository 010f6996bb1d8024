"""SQL text -> syntax tree (ast.py), as SQLite 3.40 parses it.

Pipeline: lexer.tokens() -> a push-down driver over an LALR(1) table built by
lark from grammar.lark -> the _Builder methods, called on every reduction,
which build the ast nodes directly (no parse tree is ever made).

The table.  grammar.lark transcribes parse.y, ambiguous expression rules
included; _LemonAnalyzer (lark's LALR construction with lemon's
resolve_conflict) settles its conflicts by parse.y's operator precedence, so
expressions group exactly as in SQLite ("a ISNULL + 1" is "(a ISNULL) + 1",
"1 + NOT 0 = 0" is "1 + (NOT (0 = 0))").  Any conflict precedence cannot
settle fails the build.  The table is built once per process, from lark's
cache when it is there.

The driver owns the loop (not lark) to reproduce lemon's behaviour:

* %fallback ID: in a state where a keyword such as KEY, REPLACE or END has no
  action of its own, it is read as an identifier (``CREATE TABLE t(key)``).
  Like lemon, whose compressed tables drop the entries of a state's default
  reduction, a keyword whose action is that default also falls back when ID
  has an action of its own (``CREATE TABLE t(a generated)``).
* Default reductions: a token with no action in a state still lets that
  state's most common reduction happen (lemon's yy_default).
* Errors from grammar actions (sqlite3ErrorMsg: "unknown table option",
  "a JOIN clause is required before ON", ...) let the current token finish;
  a syntax error met meanwhile replaces them; otherwise parsing stops there.
* Statements end at a ';' the grammar cannot take (one inside a trigger body
  belongs to the body); input that ends early is "incomplete input".
* WINDOW / OVER / FILTER are keywords only in context, as tokenize.c
  decides; CREATE VIRTUAL TABLE's free-form arguments are parsed by hand.

Errors are OperationalError with SQLite's words:
``near "X": syntax error`` (X the offending token as written),
``incomplete input``, ``unrecognized token: "X"``, and the errors SQLite
raises while parsing (see _soft_error's callers).

Source positions: the empty grammar rule ``mark`` (SQLite's scanpt) yields
(end of the last shifted token, start of the lookahead token); the builder
uses it to cut result-column names, DEFAULT / CHECK texts and type names
out of the source.  Statement nodes get ``text``; CREATE TABLE / INDEX /
VIEW / TRIGGER / VIRTUAL TABLE get ``sql``, the string SQLite stores in
sqlite_schema.

Public API: parse(), parse_one(), parse_single(), iter_statements(),
complete_statement(), StatementCache.  Parses are serialised by a lock
(the builder reads per-statement state from one module-level context).
"""

import os
import re
import stat
import tempfile
import threading
from collections import OrderedDict
from dataclasses import replace

from lark import Lark
from lark.exceptions import GrammarError
from lark.lexer import Lexer
from lark.parsers import lalr_analysis, lalr_parser
from lark.parsers.lalr_analysis import Reduce, Shift

from .. import errors
from ..atof import real_value
from . import ast
from .lexer import FALLBACK, Token, dequote, tokens

#: SQLITE_MAX_VARIABLE_NUMBER of the sqlite3 library minisql mirrors.
MAX_VARIABLE_NUMBER = 250000
#: SQLITE_MAX_COMPOUND_SELECT.
MAX_COMPOUND_SELECT = 500
#: lemon's YYSTACKDEPTH in SQLite: deeper nesting is "parser stack overflow"
#: (the stack here grows as lemon's does for the same input; it also bounds
#: the depth of every tree the engine has to walk).
STACK_DEPTH = 100

_SPACE = " \t\n\v\f\r"          # sqlite3Isspace
_ID_TOKENS = frozenset(("ID", "STRING", "JOIN_KW", "WINDOW", "OVER")) | FALLBACK


def _syntax_error(tok):
    if not tok.text:                        # the end of the input
        return errors.OperationalError("incomplete input")
    return errors.OperationalError(f'near "{tok.text}": syntax error')


def _error(msg):
    return errors.OperationalError(msg)


def _soft_error(msg):
    """An error a grammar action reports (sqlite3ErrorMsg): parsing goes on
    to the end of the current token, and a syntax error met meanwhile
    replaces it, as in SQLite."""
    _ctx.error = msg


def _late_error(msg):
    """An error SQLite only finds when it generates code, i.e. after the
    whole statement parsed (the first one wins)."""
    if _ctx.late_error is None:
        _ctx.late_error = msg


def _name(tok):
    """The name an identifier/string token stands for."""
    return dequote(tok.text)


def _span(sql, start, end):
    """sqlite3DbSpanDup: the source text between two positions, without the
    surrounding whitespace."""
    return sql[start:end].strip(_SPACE)


# -- literals ------------------------------------------------------------------

_INT64_MAX = (1 << 63) - 1


def _integer(text):
    if text[1:2] in ("x", "X"):
        v = int(text, 16)
        if v > 0xFFFFFFFFFFFFFFFF:
            _late_error(f"hex literal too big: {text}")
            v &= 0xFFFFFFFFFFFFFFFF
        return ast.Literal(v - (1 << 64) if v > _INT64_MAX else v, text)
    v = int(text)
    # Beyond int64 a decimal literal is a REAL (sqlite3DecOrHexToI64 == 2/3).
    return ast.Literal(v if v <= _INT64_MAX else real_value(text), text)


def _literal(tok):
    t = tok.type
    if t == "INTEGER":
        return _integer(tok.text)
    if t == "STRING":
        return ast.Literal(dequote(tok.text))
    if t == "FLOAT":
        # SQLite's own text-to-REAL conversion (not a correctly rounded one):
        # a literal must equal the same text read by CAST or by sqlite3.
        return ast.Literal(real_value(tok.text), tok.text)
    if t == "NULL":
        return ast.Literal(None)
    if t == "BLOB":
        return ast.Literal(bytes.fromhex(tok.text[2:-1]))
    if t == "CTIME_KW":
        return ast.Function(tok.text)
    raise AssertionError(t)  # pragma: no cover


def _negate(operand):
    """Fold '-' into a number literal (SQLite's codeInteger with negFlag)."""
    text = operand.text
    v = operand.value
    if isinstance(v, float) and text.isdigit():
        if int(text) == 1 << 63:              # -9223372036854775808 stays INTEGER
            return ast.Literal(-(1 << 63), "-" + text)
    elif v == -(1 << 63) and text[0] == "-":
        return ast.Unary("-", operand)        # - -9223372036854775808 overflows
    elif text[1:2] in ("x", "X"):
        if v == -(1 << 63):
            _late_error(f"hex literal too big: -{text}")
        elif _ctx.late_error == f"hex literal too big: {text}":
            _ctx.late_error = f"hex literal too big: -{text}"   # codegen sees the sign
    return ast.Literal(-v, text[1:] if text[0] == "-" else "-" + text)


def _is_number(e):
    return (type(e) is ast.Literal and e.text is not None
            and type(e.value) in (int, float) and e.text[0] not in "TF")


_BINOPS = {
    "EQ": "=", "NE": "!=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">=",
    "PLUS": "+", "MINUS": "-", "STAR": "*", "SLASH": "/", "REM": "%",
    "BITAND": "&", "BITOR": "|", "LSHIFT": "<<", "RSHIFT": ">>",
    "CONCAT": "||", "AND": "AND", "OR": "OR",
}
_UNOPS = {"MINUS": "-", "PLUS": "+", "BITNOT": "~", "NOT": "NOT"}

# sqlite3JoinType: keyword -> join-type bits
_JT_INNER, _JT_CROSS, _JT_NATURAL, _JT_LEFT, _JT_OUTER, _JT_RIGHT, _JT_ERROR = (
    1, 2, 4, 8, 32, 16, 64)
_JOIN_WORDS = {
    "NATURAL": _JT_NATURAL, "LEFT": _JT_LEFT | _JT_OUTER, "OUTER": _JT_OUTER,
    "RIGHT": _JT_RIGHT | _JT_OUTER, "FULL": _JT_LEFT | _JT_RIGHT | _JT_OUTER,
    "INNER": _JT_INNER, "CROSS": _JT_INNER | _JT_CROSS,
}


class _Context:
    """Per-statement state the builder callbacks read (one parse at a time:
    the module lock serialises parses)."""

    __slots__ = ("sql", "la", "prev_end", "nvar", "var_names", "var_index",
                 "error", "late_error", "last", "explain_start")

    def reset(self, sql):
        self.sql = sql
        self.error = None
        self.late_error = None
        self.la = None
        self.prev_end = 0
        self.nvar = 0
        self.var_names = {}       # name as written -> index
        self.var_index = {}       # index -> first name registered for it


_ctx = _Context()


def _raw(method):
    """Mark a builder method that wants its "_X" punctuation tokens too
    (for their source positions)."""
    method.raw_children = True
    return method


class _Builder:
    """Reduction callbacks: one method per grammar rule (named after the
    rule's alias, else the rule).  Children arrive positionally, without the
    "_X" punctuation tokens (unless the method is marked _raw); an empty
    alternative of a nullable rule calls its method with no arguments.
    Lists are built as Python lists and become tuples where they enter an
    ast node."""

    # -- statements ----------------------------------------------------------
    def explain(self, *toks):
        _ctx.explain_start = _ctx.la.start      # where the explained statement starts
        return len(toks) == 3

    def explain_stmt(self, query_plan, stmt):
        return ast.Explain(stmt, query_plan)

    def begin(self, _b, mode, _t):
        return ast.Begin(mode)

    def commit(self, *_):
        return ast.Commit()

    def rollback(self, *_):
        return ast.Rollback()

    def rollback_to(self, _r, _t, _to, _s, nm):
        return ast.Rollback(_name(nm))

    def savepoint(self, _s, nm):
        return ast.Savepoint(_name(nm))

    def release(self, _r, _s, nm):
        return ast.Release(_name(nm))

    def create_table(self, _c, temp, _t, ifne, nm, dbnm):
        return (temp, ifne) + _two_part(nm, dbnm)

    def create_table_stmt(self, prefix, columns, cons, options):
        temp, ifne, schema, tok = prefix
        ctx = _ctx
        if options:
            # With table options SQLite stores up to the end of the statement
            # (sLastToken: the ';' or the end of the input), spaces included.
            end = ctx.la.start
        else:
            end = ctx.prev_end         # the closing ')'
        return ast.CreateTable(
            _name(tok), schema, tuple(columns), _table_constraints(cons),
            temp, ifne, "WITHOUT ROWID" in options, "STRICT" in options, None,
            "CREATE TABLE " + ctx.sql[tok.start:end])

    def create_table_as(self, prefix, _as, select):
        temp, ifne, schema, tok = prefix
        return ast.CreateTable(_name(tok), schema, (), (), temp, ifne,
                               as_select=select)

    def drop_table(self, _d, _t, ife, fullname):
        return ast.DropTable(_name(fullname[1]), fullname[0], ife)

    def create_view(self, _c, temp, _v, ifne, nm, dbnm, columns, _as, select):
        schema, tok = _two_part(nm, dbnm)
        ctx = _ctx
        sql = "CREATE VIEW " + ctx.sql[tok.start:ctx.la.start].rstrip(_SPACE)
        return ast.CreateView(_name(tok), schema, select, columns, temp, ifne, sql)

    def drop_view(self, _d, _v, ife, fullname):
        return ast.DropView(_name(fullname[1]), fullname[0], ife)

    def delete(self, with_, _d, _f, xfullname, indexed, where_ret, order_by, limit):
        schema, tok, alias = xfullname
        idx, not_idx = _indexed(indexed)
        return ast.Delete(_name(tok), schema, where_ret[0], alias, idx, not_idx,
                          where_ret[1], with_, order_by, limit[0], limit[1])

    def update(self, with_, _u, orconf, xfullname, indexed, _s, setlist, from_,
               where_ret, order_by, limit):
        schema, tok, alias = xfullname
        idx, not_idx = _indexed(indexed)
        return ast.Update(_name(tok), schema, tuple(setlist), where_ret[0], orconf,
                          alias, from_, idx, not_idx, where_ret[1], with_,
                          order_by, limit[0], limit[1])

    def insert(self, with_, orconf, _i, xfullname, columns, select, upsert):
        schema, tok, alias = xfullname
        return ast.Insert(_name(tok), schema, columns, select, orconf, alias,
                          upsert[0], upsert[1], with_)

    def insert_default(self, with_, orconf, _i, xfullname, columns, _d, _v,
                       returning):
        schema, tok, alias = xfullname
        return ast.Insert(_name(tok), schema, columns, None, orconf, alias,
                          (), returning, with_)

    def create_index(self, _c, unique, _i, ifne, nm, dbnm, _on, table, sortlist,
                     where):
        schema, tok = _two_part(nm, dbnm)
        ctx = _ctx
        kind = "CREATE UNIQUE INDEX " if unique else "CREATE INDEX "
        return ast.CreateIndex(
            _name(tok), schema, _name(table), _indexed_columns(sortlist),
            unique, ifne, where, kind + ctx.sql[tok.start:ctx.la.start])

    def drop_index(self, _d, _i, ife, fullname):
        return ast.DropIndex(_name(fullname[1]), fullname[0], ife)

    def vacuum(self, _v, *args):
        if len(args) == 1:
            return ast.Vacuum(None, args[0])
        return ast.Vacuum(_name(args[0]), args[1])

    def pragma(self, _p, nm, dbnm, *rest):
        schema, tok = _two_part(nm, dbnm)
        value = rest[-1] if rest else None
        if value is not None and type(value) is not str:
            value = _name(value)
        return ast.Pragma(_name(tok), schema, value)

    def create_trigger(self, _c, decl, _b, body, _e):
        temp, ifne, nm, dbnm, time, event, table, each, when = decl
        schema, tok = _two_part(nm, dbnm)
        ctx = _ctx
        return ast.CreateTrigger(
            _name(tok), schema, _name(table[1]), time, event[0], tuple(body),
            event[1], each, when, temp, ifne,
            "CREATE TRIGGER " + ctx.sql[tok.start:ctx.prev_end])

    def trigger_decl(self, temp, _t, ifne, nm, dbnm, time, event, _on, table,
                     each, when):
        return (temp, ifne, nm, dbnm, time, event, table, each, when)

    def drop_trigger(self, _d, _t, ife, fullname):
        return ast.DropTrigger(_name(fullname[1]), fullname[0], ife)

    def attach(self, _a, _d, expr, _as, schema, key):
        return ast.Attach(expr, schema, key)

    def detach(self, _d, _db, expr):
        return ast.Detach(expr)

    def reindex(self, _r, nm=None, dbnm=None):
        if nm is None:
            return ast.Reindex()
        schema, tok = _two_part(nm, dbnm)
        return ast.Reindex(_name(tok), schema)

    def analyze(self, _a, nm=None, dbnm=None):
        if nm is None:
            return ast.Analyze()
        schema, tok = _two_part(nm, dbnm)
        return ast.Analyze(_name(tok), schema)

    def alter_rename(self, _a, _t, fullname, _r, _to, nm):
        return ast.AlterTable(_name(fullname[1]), fullname[0], "RENAME",
                              new_name=_name(nm))

    def alter_add(self, _a, _t, fullname, _add, _c, nm, typename, carglist):
        return ast.AlterTable(_name(fullname[1]), fullname[0], "ADD COLUMN",
                              column_def=_column_def(nm, typename, carglist))

    def alter_drop(self, _a, _t, fullname, _d, _c, nm):
        return ast.AlterTable(_name(fullname[1]), fullname[0], "DROP COLUMN",
                              column=_name(nm))

    def alter_rename_column(self, _a, _t, fullname, _r, _c, old, _to, new):
        return ast.AlterTable(_name(fullname[1]), fullname[0], "RENAME COLUMN",
                              new_name=_name(new), column=_name(old))

    # -- small pieces ----------------------------------------------------------
    def dbnm(self, nm=None):
        return nm

    def fullname1(self, nm):
        return (None, nm)

    def fullname2(self, schema, nm):
        return (_name(schema), nm)

    def trnm2(self, _schema, nm):
        _soft_error("qualified table names are not allowed on INSERT, UPDATE, "
                    "and DELETE statements within triggers")
        return (None, nm)

    def xfullname(self, nm, nm2=None, _as=None, alias=None):
        if nm2 is None:
            return (None, nm, None)
        return (_name(nm), nm2, _name(alias) if alias is not None else None)

    def xfullname_alias(self, nm, _as, alias):
        return (None, nm, _name(alias))

    def transtype(self, tok=None):
        return tok.type if tok is not None else None

    def _none(self, *_):
        return None

    trans_opt = savepoint_opt = database_kw_opt = kwcolumn_opt = _none

    def _flag(self, *args):
        return bool(args)

    temp = ifnotexists = ifexists = uniqueflag = autoinc = foreach_clause = _flag
    collate_opt = _flag

    def sortorder(self, tok=None):
        return tok.type if tok is not None else None

    def raisetype(self, tok):
        return tok.type

    def resolvetype(self, x):
        return x if type(x) is str else x.type

    def onconf(self, *args):
        return args[2] if args else None

    def orconf(self, *args):
        return args[1] if args else None

    def insert_cmd(self, tok, orconf=None):
        return "REPLACE" if tok.type == "REPLACE" else orconf

    def idlist(self, *args):
        if len(args) == 1:
            return (_name(args[0]),)
        return args[0] + (_name(args[1]),)

    def idlist_opt(self, ids=None):
        return ids

    def eidlist(self, *args):
        if len(args) == 4:
            names, nm, collate, order = args
        else:
            names = ()
            nm, collate, order = args
        if collate or order is not None:
            _soft_error(f'syntax error after column name "{nm.text}"')
        return names + (_name(nm),)

    def eidlist_opt(self, names=None):
        return names

    def vinto(self, *args):
        return args[1] if args else None

    key_opt = vinto

    def mark(self):
        ctx = _ctx
        return (ctx.prev_end, ctx.la.start)

    def plus_num(self, *toks):
        return toks[-1].text

    def minus_num(self, _m, tok):
        return "-" + tok.text

    # -- CREATE TABLE -----------------------------------------------------------
    def columnlist(self, *args):
        if len(args) == 2:
            return [_column_def(args[0][0], args[0][1], args[1])]
        args[0].append(_column_def(args[1][0], args[1][1], args[2]))
        return args[0]

    def columnname(self, nm, typename):
        return (nm, typename)

    @_raw
    def typetoken(self, span=None, *rest):
        if span is None:
            return ""
        start, end = span
        if rest:
            end = rest[-1].end          # the ')'
        return _ctx.sql[start:end]

    def typename(self, first, tok=None):
        if tok is None:
            return (first.start, first.end)
        return (first[0], tok.end)

    def carglist(self, lst=None, ccons=None):
        if lst is None:
            return []
        lst.append(ccons)
        return lst

    def cc_name(self, _c, nm):
        return ("name", _name(nm))

    def cc_default_term(self, _d, tok):
        return ast.DefaultConstraint(None, _literal(tok), tok.text)

    def cc_default_signed(self, _d, sign, tok):
        expr = _literal(tok)
        if sign.type == "MINUS":
            expr = _negate(expr) if _is_number(expr) else ast.Unary("-", expr)
        return ast.DefaultConstraint(None, expr, _ctx.sql[sign.start:tok.end])

    @_raw
    def cc_default_expr(self, _d, lp, expr, rp):
        return ast.DefaultConstraint(None, expr, _span(_ctx.sql, lp.end, rp.start))

    def cc_default_id(self, _d, tok):
        text = tok.text
        low = text.lower()
        if low == "true":
            expr = ast.Literal(1, "TRUE")
        elif low == "false":
            expr = ast.Literal(0, "FALSE")
        else:
            expr = ast.Literal(dequote(text))
        return ast.DefaultConstraint(None, expr, text)

    def cc_null(self, _n, _conf):
        return ast.NullConstraint()

    def cc_notnull(self, _n, _null, conf):
        return ast.NotNullConstraint(None, conf)

    def cc_pk(self, _p, _k, order, conf, autoinc):
        return ast.PrimaryKeyConstraint(None, None, order, conf, autoinc)

    def cc_unique(self, _u, conf):
        return ast.UniqueConstraint(None, None, conf)

    @_raw
    def cc_check(self, _c, lp, expr, rp):
        return ast.CheckConstraint(None, expr, _span(_ctx.sql, lp.end, rp.start))

    def cc_references(self, _r, table, columns, refargs):
        return ast.ForeignKeyConstraint(
            None, None, ast.ForeignKeyClause(_name(table), columns or (), refargs))

    def cc_defer(self, deferred):
        return ("defer", deferred)

    def cc_collate(self, _c, ids):
        return ast.CollateConstraint(None, _name(ids))

    def cc_generated(self, *args):
        expr, kind = args[-1]
        return ast.GeneratedConstraint(
            None, expr, kind is not None and kind.text.lower() == "stored")

    def generated(self, expr, kind=None):
        return (expr, kind)

    def refargs(self, lst=(), arg=None):
        return lst + (arg,) if arg is not None else lst

    def ra_match(self, _m, nm):
        return ("MATCH", _name(nm))

    def ra_on(self, _on, event, action):
        return (event.type, action)

    def refact(self, *toks):
        return " ".join(t.type for t in toks)

    def defer_not(self, _n, _d, _init):
        return False

    def defer_yes(self, _d, init):
        return init

    def init_deferred_pred_opt(self, *args):
        return bool(args) and args[1].type == "DEFERRED"

    def defer_subclause_opt(self, d=None):
        return d

    def conslist_opt(self, conslist=None):
        return conslist or []

    def conslist(self, *args):
        if len(args) == 1:
            return [args[0]]
        lst, comma, item = args
        if comma:
            lst.append(("comma", None))
        lst.append(item)
        return lst

    def tc_comma(self):
        return True

    def tc_nocomma(self):
        return False

    def tc_name(self, _c, nm):
        return ("name", _name(nm))

    def tc_pk(self, _p, _k, sortlist, autoinc, conf):
        return ast.PrimaryKeyConstraint(None, _indexed_columns(sortlist), None,
                                        conf, autoinc)

    def tc_unique(self, _u, sortlist, conf):
        return ast.UniqueConstraint(None, _indexed_columns(sortlist), conf)

    @_raw
    def tc_check(self, _c, lp, expr, rp, _conf):
        return ast.CheckConstraint(None, expr, _span(_ctx.sql, lp.end, rp.start))

    def tc_fk(self, _f, _k, columns, _r, table, refcols, refargs, defer):
        return ast.ForeignKeyConstraint(
            None, columns,
            ast.ForeignKeyClause(_name(table), refcols or (), refargs, defer))

    def table_option_set(self, *args):
        if not args:
            return ()
        if len(args) == 1:
            return (args[0],)
        return args[0] + (args[1],)

    def opt_without(self, _w, nm):
        if nm.text.lower() == "rowid":
            return "WITHOUT ROWID"
        _soft_error(f"unknown table option: {nm.text}")

    def opt_name(self, nm):
        if nm.text.lower() == "strict":
            return "STRICT"
        _soft_error(f"unknown table option: {nm.text}")

    # -- triggers -----------------------------------------------------------------
    def trigger_time(self, tok=None, _of=None):
        if tok is None:
            return None
        return "INSTEAD OF" if tok.type == "INSTEAD" else tok.type

    def trigger_event(self, tok, _of=None, columns=None):
        return (tok.type, columns)

    def when_clause(self, *args):
        return args[1] if args else None

    def trigger_cmd_list(self, *args):
        if len(args) == 1:
            return [args[0]]
        args[0].append(args[1])
        return args[0]

    def tr_update(self, _u, orconf, trnm, _idx, _s, setlist, from_, where):
        return ast.Update(_name(trnm[1]), None, tuple(setlist), where, orconf,
                          from_=from_)

    def tr_insert(self, orconf, _i, trnm, columns, select, upsert):
        return ast.Insert(_name(trnm[1]), None, columns, select, orconf,
                          upsert=upsert[0], returning=upsert[1])

    def tr_delete(self, _d, _f, trnm, _idx, where):
        return ast.Delete(_name(trnm[1]), None, where)

    def tr_select(self, select):
        return select

    def tridxby(self, *args):
        if not args:
            return None
        which = "NOT INDEXED" if args[0].type == "NOT" else "INDEXED BY"
        _soft_error(f"the {which} clause is not allowed on UPDATE or DELETE "
                    "statements within triggers")

    # -- INSERT / UPDATE / DELETE pieces -----------------------------------------
    def with_(self, *args):
        if not args:
            return None
        return ast.With(len(args) == 3, tuple(args[-1]))

    def setlist(self, *args):
        if type(args[0]) is list:
            lst, target, _eq, expr = args
        else:
            lst = []
            target, _eq, expr = args
        if type(target) is tuple:
            # sqlite3ExprListAppendVector
            n = len(expr.items) if type(expr) is ast.Tuple else 1
            if type(expr) is not ast.Subquery and n != len(target):
                _soft_error(f"{len(target)} columns assigned {n} values")
            lst.append(ast.Assignment(target, expr))
        else:
            lst.append(ast.Assignment((_name(target),), expr))
        return lst

    def upsert_returning(self, _r, cols):
        return ((), tuple(cols))

    def upsert_update(self, _on, _c, target, twhere, _do, _u, _s, setlist, where,
                      rest):
        up = ast.Upsert(_indexed_columns(target), twhere, "UPDATE",
                        tuple(setlist), where)
        return ((up,) + rest[0], rest[1])

    def upsert_nothing(self, _on, _c, target, twhere, _do, _n, rest):
        up = ast.Upsert(_indexed_columns(target), twhere, "NOTHING")
        return ((up,) + rest[0], rest[1])

    def upsert_nothing_any(self, _on, _c, _do, _n, returning):
        return ((ast.Upsert(None, None, "NOTHING"),), returning)

    def upsert_update_any(self, _on, _c, _do, _u, _s, setlist, where, returning):
        return ((ast.Upsert(None, None, "UPDATE", tuple(setlist), where),),
                returning)

    def upsert_none(self):
        return ((), ())

    def returning(self, *args):
        return tuple(args[1]) if args else ()

    def where_opt(self, *args):
        return args[1] if args else None

    def where_opt_ret(self, *args):
        if not args:
            return (None, ())
        if len(args) == 2:
            return (args[1], ())
        return (args[1], tuple(args[3]))

    def ret_only(self, _r, cols):
        return (None, tuple(cols))

    def indexed_opt(self, indexed=None):
        return indexed

    def indexed_by(self, first, _by, nm=None):
        if first.type == "NOT":
            return ("NOT", None)
        return ("BY", _name(nm))

    # -- SELECT -------------------------------------------------------------------
    def select(self, parts):
        return _make_select(parts, None)

    def select_with(self, _w, *args):
        return _make_select(args[-1], ast.With(len(args) == 3, tuple(args[-2])))

    def wqlist(self, *args):
        if len(args) == 1:
            return [args[0]]
        args[0].append(args[1])
        return args[0]

    def wqitem(self, nm, columns, materialized, select):
        return ast.CTE(_name(nm), columns, select, materialized)

    def wq_any(self, _as):
        return None

    def wq_yes(self, _as, _m):
        return True

    def wq_no(self, _as, _n, _m):
        return False

    def selectnowith(self, part):
        return [(None, part)]

    def compound(self, parts, op, part):
        parts.append((op, part))
        return parts

    def multiselect_op(self, tok, all_=None):
        return "UNION ALL" if all_ is not None else tok.type

    def select_core(self, _s, distinct, columns, from_, where, group_by, having,
                    order_by, limit):
        core = ast.SelectCore(tuple(columns), distinct, from_, where, group_by,
                              having)
        return (core, order_by, limit[0], limit[1])

    def select_core_w(self, _s, distinct, columns, from_, where, group_by, having,
                      windows, order_by, limit):
        core = ast.SelectCore(tuple(columns), distinct, from_, where, group_by,
                              having, windows)
        return (core, order_by, limit[0], limit[1])

    def values(self, _v, row):
        return ([tuple(row)],)

    def values_more(self, values, row):
        values[0].append(tuple(row))
        return values

    def distinct(self, tok=None):
        return tok is not None and tok.type == "DISTINCT"

    def sclp(self, lst=None):
        return lst if lst is not None else []

    def rc_expr(self, lst, m1, expr, m2, alias):
        lst.append(ast.ResultColumn(expr, alias, _span(_ctx.sql, m1[1], m2[1])))
        return lst

    def rc_star(self, lst, _m, _star):
        lst.append(ast.ResultColumn(ast.Star(), None, "*"))
        return lst

    def rc_table_star(self, lst, _m, nm, _star):
        lst.append(ast.ResultColumn(ast.Star(_name(nm)), None, nm.text + ".*"))
        return lst

    def as_(self, *args):          # rule "as" (a Python keyword)
        return _name(args[-1]) if args else None

    def from_(self, *args):         # rule "from"
        return args[1] if args else None

    def stl_prefix(self, tree=None, joinop=None):
        return (tree, joinop) if tree is not None else None

    def ti_table(self, prefix, nm, dbnm, alias, on_using):
        schema, tok = _two_part(nm, dbnm)
        return _join(prefix, ast.TableRef(_name(tok), schema, alias), on_using)

    def ti_table_indexed(self, prefix, nm, dbnm, alias, indexed, on_using):
        schema, tok = _two_part(nm, dbnm)
        idx, not_idx = _indexed(indexed)
        return _join(prefix, ast.TableRef(_name(tok), schema, alias, idx, not_idx),
                     on_using)

    def ti_function(self, prefix, nm, dbnm, args, alias, on_using):
        schema, tok = _two_part(nm, dbnm)
        return _join(prefix, ast.TableFunctionRef(_name(tok), tuple(args), schema,
                                                  alias), on_using)

    def ti_subquery(self, prefix, select, alias, on_using):
        return _join(prefix, ast.SubqueryRef(select, alias), on_using)

    def ti_nested(self, prefix, tree, alias, on_using):
        if prefix is None and alias is None and on_using is None:
            return tree                 # "FROM (a JOIN b)" is "FROM a JOIN b"
        if type(tree) is not ast.Join:
            if alias is not None:
                tree = replace(tree, alias=alias)
        else:
            star = ast.ResultColumn(ast.Star(), None, "*")
            tree = ast.SubqueryRef(
                ast.Select(ast.SelectCore((star,), False, tree)), alias)
        return _join(prefix, tree, on_using)

    def jo_comma(self):
        return ("INNER", False)

    def jo_join(self, _j):
        return ("INNER", False)

    def jo_kw(self, *toks):
        words = toks[:-1]                 # the JOIN_KW and up to two names
        jt = 0
        for w in words:
            jt |= _JOIN_WORDS.get(w.text.upper(), _JT_ERROR)
        if ((jt & (_JT_INNER | _JT_OUTER)) == (_JT_INNER | _JT_OUTER)
                or jt & _JT_ERROR
                or (jt & (_JT_OUTER | _JT_LEFT | _JT_RIGHT)) == _JT_OUTER):
            _soft_error("unknown join type: " + " ".join(w.text for w in words))
            return ("INNER", False)
        natural = bool(jt & _JT_NATURAL)
        if jt & _JT_LEFT and jt & _JT_RIGHT:
            return ("FULL", natural)
        if jt & _JT_LEFT:
            return ("LEFT", natural)
        if jt & _JT_RIGHT:
            return ("RIGHT", natural)
        if jt & _JT_CROSS:
            return ("CROSS", natural)
        return ("INNER", natural)

    def on_expr(self, _on, expr):
        return ("ON", expr)

    def using_cols(self, _u, cols):
        return ("USING", cols)

    def on_none(self):
        return None

    def groupby_opt(self, *args):
        return tuple(args[2]) if args else ()

    def having_opt(self, *args):
        return args[1] if args else None

    def orderby_opt(self, *args):
        return tuple(args[2]) if args else ()

    def limit(self, _l=None, expr=None):
        return (expr, None)

    def limit_offset(self, _l, expr, _o, offset):
        return (expr, offset)

    def limit_comma(self, _l, offset, expr):
        return (expr, offset)

    def sortlist(self, *args):
        if len(args) == 4:
            lst, expr, order, nulls = args
        else:
            lst = []
            expr, order, nulls = args
        lst.append(ast.OrderingTerm(expr, order, nulls))
        return lst

    def nulls(self, *args):
        return args[1].type if args else None

    def window_clause(self, _w, defs):
        return tuple(defs)

    windowdefn_list = wqlist

    def windowdefn(self, nm, _as, window):
        return (_name(nm), window)

    def window_partition(self, *args):
        base = _name(args[0]) if len(args) == 6 else None
        return ast.Window(base, tuple(args[-3]), args[-2], args[-1])

    def window_order(self, *args):
        base = _name(args[0]) if len(args) == 5 else None
        return ast.Window(base, (), tuple(args[-2]), args[-1])

    def window_plain(self, *args):
        base = _name(args[0]) if len(args) == 2 else None
        return ast.Window(base, (), (), args[-1])

    def frame_one(self, kind, bound, exclude):
        return _frame(kind, bound, ("CURRENT ROW", None), exclude)

    def frame_between(self, kind, _b, start, _a, end, exclude):
        return _frame(kind, start, end, exclude)

    def frame_none(self):
        return None

    def range_or_rows(self, tok):
        return tok.type

    def fb_unbounded(self, _u, tok):
        return ("UNBOUNDED " + tok.type, None)

    def fb_expr(self, expr, tok):
        return (tok.type, expr)

    def fb_current(self, _c, _r):
        return ("CURRENT ROW", None)

    def frame_exclude_opt(self, *args):
        return args[1] if args else None

    def frame_exclude(self, *toks):
        return " ".join(t.type for t in toks)

    def filter_over(self, *args):
        flt = over = None
        for a in args:
            if isinstance(a, ast.Expr):
                flt = a
            else:
                over = a
        return (flt, over)

    def filter_clause(self, _f, _w, expr):
        return expr

    def over_clause(self, _o, window):
        return window

    def over_name(self, _o, nm):
        return _name(nm)

    # -- expressions -----------------------------------------------------------
    def binop(self, left, op, right):
        t = op.type
        return ast.Binary(_BINOPS[t] if t != "PTR" else op.text, left, right)

    def unary(self, op, operand):
        return ast.Unary(_UNOPS[op.type], operand)

    def unary_sign(self, op, operand):
        if op.type == "MINUS" and _is_number(operand):
            return _negate(operand)
        return ast.Unary(_UNOPS[op.type], operand)

    def is_op(self, left, *rest):
        right = rest[-1]
        if type(right) is ast.Literal and right.value is None and right.text is None:
            return ast.IsNull(left)
        return ast.Binary("IS", left, right)

    def is_not_op(self, left, *rest):
        right = rest[-1]
        if type(right) is ast.Literal and right.value is None and right.text is None:
            return ast.IsNull(left, True)
        return ast.Binary("IS NOT", left, right)

    def like(self, left, op, pattern, _esc=None, escape=None):
        return ast.Like(op[0], left, pattern, escape, op[1])

    def likeop(self, first, second=None):
        if second is None:
            return (first.text.upper(), False)
        return (second.text.upper(), True)

    def between(self, left, negated, low, _and, high):
        return ast.Between(left, low, high, negated)

    def between_op(self, first, _b=None):
        return _b is not None

    def in_op(self, first, _in=None):
        return _in is not None

    def in_list(self, left, negated, items):
        return ast.InList(left, tuple(items), negated)

    def in_select(self, left, negated, select):
        return ast.InSelect(left, select, negated)

    def in_table(self, left, negated, nm, dbnm, args):
        schema, tok = _two_part(nm, dbnm)
        return ast.InTable(left, _name(tok), schema, args, negated)

    def paren_exprlist(self, args=None):
        return tuple(args) if args is not None else None

    def isnull(self, left, _t):
        return ast.IsNull(left)

    def notnull(self, left, *_):
        return ast.IsNull(left, True)

    def collate(self, expr, _c, ids):
        return ast.Collate(expr, _name(ids))

    def term(self, tok):
        return _literal(tok)

    def column_ref(self, *toks):
        if len(toks) == 1:
            tok = toks[0]
            text = tok.text
            if text[0] == '"':
                return ast.Column(dequote(text), double_quoted=True)
            low = text.lower()
            if low == "true" and tok.type == "ID":
                return ast.Literal(1, "TRUE")
            if low == "false" and tok.type == "ID":
                return ast.Literal(0, "FALSE")
            return ast.Column(dequote(text))
        if len(toks) == 2:
            return ast.Column(_name(toks[1]), _name(toks[0]))
        return ast.Column(_name(toks[2]), _name(toks[1]), _name(toks[0]))

    def variable(self, tok):
        return _variable(tok)

    def cast(self, _c, expr, _as, type_name):
        return ast.Cast(expr, dequote(type_name))

    def function(self, tok, distinct, args, filter_over=None):
        flt, over = filter_over or (None, None)
        if distinct and over is not None:           # sqlite3WindowAttach
            _soft_error("DISTINCT is not supported for window functions")
        return ast.Function(_name(tok), tuple(args), distinct, False, flt, over)

    def function_star(self, tok, _star, filter_over=None):
        flt, over = filter_over or (None, None)
        return ast.Function(_name(tok), (), False, True, flt, over)

    def vector(self, items, last):
        return ast.Tuple(tuple(items) + (last,))

    def subquery(self, select):
        return ast.Subquery(select)

    def exists(self, _e, select):
        return ast.Exists(select)

    def case(self, _c, base, whens, else_, _e):
        return ast.Case(base, tuple(whens), else_)

    def case_exprlist(self, *args):
        if len(args) == 5:
            lst, _w, cond, _t, result = args
        else:
            lst = []
            _w, cond, _t, result = args
        lst.append((cond, result))
        return lst

    def case_else(self, *args):
        return args[1] if args else None

    def case_operand(self, expr=None):
        return expr

    def raise_ignore(self, _r, _i):
        return ast.Raise("IGNORE")

    def raise_msg(self, _r, action, nm):
        return ast.Raise(action, ast.Literal(_name(nm)))

    def exprlist(self, items=None):
        return items if items is not None else []

    def nexprlist(self, *args):
        if len(args) == 1:
            return [args[0]]
        args[0].append(args[1])
        return args[0]




def _frame(kind, start, end, exclude):
    """sqlite3WindowAlloc: a frame may not end before it starts."""
    s, e = start[0], end[0]
    if (s == "CURRENT ROW" and e == "PRECEDING"
            or s == "FOLLOWING" and e in ("PRECEDING", "CURRENT ROW")):
        _soft_error("unsupported frame specification")
    return (kind, start, end, exclude)


def _two_part(nm, dbnm):
    """sqlite3TwoPartName: "a" is (None, a); "a.b" is (schema a, name b)."""
    if dbnm is None:
        return (None, nm)
    return (_name(nm), dbnm)


_STD_TYPES = {t.lower(): t for t in ("ANY", "BLOB", "INT", "INTEGER", "REAL", "TEXT")}


def _column_def(nm, typename, carglist):
    """sqlite3AddColumn: a trailing "GENERATED ALWAYS" belongs to the
    constraint, not the type; a standard type name is stored in its
    canonical spelling; a quoted type is dequoted."""
    if len(typename) >= 16 and typename[-6:].lower() == "always":
        typename = typename[:-6].rstrip(_SPACE)
        if len(typename) >= 9 and typename[-9:].lower() == "generated":
            typename = typename[:-9].rstrip(_SPACE)
    typename = _STD_TYPES.get(typename.lower()) or dequote(typename)
    return ast.ColumnDef(_name(nm), typename, _column_constraints(carglist))


def _join(prefix, node, on_using):
    """Append a FROM item (sqlite3SrcListAppendFromTerm)."""
    if prefix is None:
        if on_using is not None:
            _soft_error("a JOIN clause is required before "
                        + ("ON" if on_using[0] == "ON" else "USING"))
        return node
    left, (kind, natural) = prefix
    on = using = None
    if on_using is not None:
        if on_using[0] == "ON":
            on = on_using[1]
        else:
            using = on_using[1]
    return ast.Join(left, node, kind, natural, on, using)


def _indexed(indexed):
    if indexed is None:
        return (None, False)
    if indexed[0] == "NOT":
        return (None, True)
    return (indexed[1], False)


def _indexed_columns(sortlist):
    out = []
    for term in sortlist:
        expr = term.expr
        collation = None
        if type(expr) is ast.Collate:
            collation = expr.collation
            expr = expr.operand
        out.append(ast.IndexedColumn(expr, collation, term.order))
    return tuple(out)


def _column_constraints(items):
    """Attach each CONSTRAINT name to the constraint after it and each
    DEFERRABLE clause to the REFERENCES before it (sqlite3DeferForeignKey)."""
    out = []
    name = None
    for item in items:
        if type(item) is tuple:
            if item[0] == "name":
                name = item[1]
            else:                                   # ("defer", flag)
                for i in range(len(out) - 1, -1, -1):
                    c = out[i]
                    if type(c) is ast.ForeignKeyConstraint:
                        out[i] = replace(c, clause=replace(c.clause, deferrable=item[1]))
                        break
            continue
        if name is not None:
            item = replace(item, name=name)
            name = None
        out.append(item)
    return tuple(out)


def _table_constraints(items):
    out = []
    name = None
    for item in items:
        if type(item) is tuple:
            if item[0] == "name":
                name = item[1]
            else:                                   # a comma ends a pending name
                name = None
            continue
        if name is not None:
            item = replace(item, name=name)
            name = None
        out.append(item)
    return tuple(out)


def _make_select(parts, with_):
    """Build a Select from a selectnowith chain, checking what
    parserDoubleLinkSelect checks."""
    if len(parts) > 1:
        for i in range(len(parts) - 2, -1, -1):
            part = parts[i][1]
            if len(part) == 4 and (part[1] or part[2] is not None):
                clause = "ORDER BY" if part[1] else "LIMIT"
                _soft_error(f"{clause} clause should come after "
                            f"{parts[i + 1][0]} not before")
                break
        else:
            if len(parts) > MAX_COMPOUND_SELECT:
                _soft_error("too many terms in compound SELECT")
    body = None
    order_by = ()
    limit = offset = None
    for op, part in parts:
        if len(part) == 4:
            node, order_by, limit, offset = part
        else:
            node = ast.Values(tuple(part[0]))
            order_by = ()
            limit = offset = None
        body = node if op is None else ast.Compound(op, body, node)
    return ast.Select(body, order_by, limit, offset, with_)


def _variable(tok):
    """sqlite3ExprAssignVarNumber: SQLite's parameter numbering."""
    ctx = _ctx
    text = tok.text
    if text[0] == "?":
        if len(text) == 1:
            ctx.nvar += 1
            x = ctx.nvar
            name = None
        else:
            digits = text[1:]
            x = int(digits)
            if x < 1 or x > MAX_VARIABLE_NUMBER:
                _soft_error("variable number must be between ?1 and "
                            f"?{MAX_VARIABLE_NUMBER}")
                return ast.Param(1, text)
            name = text
            if x > ctx.nvar:
                ctx.nvar = x
            if x not in ctx.var_index:
                ctx.var_index[x] = text
                ctx.var_names.setdefault(text, x)
    else:
        if text[0] == "#" and text[1:2].isdigit():
            _soft_error(f'near "{text}": syntax error')
            return ast.Param(0, text)
        name = text
        x = ctx.var_names.get(text)
        if x is None:
            ctx.nvar += 1
            x = ctx.nvar
            ctx.var_names[text] = x
            ctx.var_index[x] = text
    if ctx.nvar > MAX_VARIABLE_NUMBER:
        _soft_error("too many SQL variables")
    return ast.Param(x, name)


# -- the LALR table and the driver ------------------------------------------------

# parse.y's operator precedence, lowest first: (associativity, terminals).
_PRECEDENCE_LINES = (
    ("left", "OR"),
    ("left", "AND"),
    ("right", "NOT"),
    ("left", "IS MATCH LIKE_KW BETWEEN IN ISNULL NOTNULL NE EQ"),
    ("left", "GT LE LT GE"),
    ("right", "ESCAPE"),
    ("left", "BITAND BITOR LSHIFT RSHIFT"),
    ("left", "PLUS MINUS"),
    ("left", "STAR SLASH REM"),
    ("left", "CONCAT PTR"),
    ("left", "COLLATE"),
    ("right", "BITNOT"),
    ("nonassoc", "ON"),
)
#: terminal -> (level, associativity)
PRECEDENCE = {t: (level, assoc)
              for level, (assoc, names) in enumerate(_PRECEDENCE_LINES, 1)
              for t in names.split()}
#: rules (by alias) with an explicit precedence in parse.y ("[BITNOT]" ...)
RULE_PRECEDENCE = {
    "like": "LIKE_KW", "unary_sign": "BITNOT", "between": "BETWEEN",
    "in_list": "IN", "in_select": "IN", "in_table": "IN", "on_none": "OR",
}


def _rule_precedence(rule):
    """lemon: a rule's precedence is its explicit one, else that of its
    first terminal that has one."""
    name = RULE_PRECEDENCE.get(rule.alias)
    if name is not None:
        return PRECEDENCE[name]
    for sym in rule.expansion:
        if sym.is_term and sym.name in PRECEDENCE:
            return PRECEDENCE[sym.name]
    return None


#: bump when _LemonAnalyzer changes what it builds (invalidates lark's cache)
_ANALYZER_VERSION = 1


class _LemonAnalyzer(lalr_analysis.LALR_Analyzer):
    """lark's LALR(1) construction with conflicts resolved the way lemon
    resolves them for parse.y (lemon.c: resolve_conflict).  A conflict that
    precedence cannot settle is an error: the grammar must stay as
    unambiguous as SQLite's."""

    def compute_lalr1_states(self):
        table = {}
        unresolved = []
        for itemset in self.lr0_itemsets:
            actions = {la: (Shift, nxt.closure)
                       for la, nxt in itemset.transitions.items()}
            for la, rules in itemset.lookaheads.items():
                rules = sorted(rules, key=str)
                rule = rules[0]
                for other in rules[1:]:           # reduce/reduce
                    pa, pb = _rule_precedence(rule), _rule_precedence(other)
                    if pa is None or pb is None or pa[0] == pb[0]:
                        unresolved.append(f"reduce/reduce on {la.name}: {rule} | {other}")
                    elif pb[0] > pa[0]:
                        rule = other
                if la in actions:                 # shift/reduce
                    ps, pr = PRECEDENCE.get(la.name), _rule_precedence(rule)
                    if ps is None or pr is None:
                        unresolved.append(f"shift/reduce on {la.name}: {rule}")
                    elif ps[0] < pr[0] or (ps[0] == pr[0] and ps[1] == "left"):
                        actions[la] = (Reduce, rule)
                    elif ps[0] == pr[0] and ps[1] == "nonassoc":
                        del actions[la]
                else:
                    actions[la] = (Reduce, rule)
            table[itemset] = {k.name: v for k, v in actions.items()}
        if unresolved:
            raise GrammarError("grammar conflicts:\n" + "\n".join(sorted(set(unresolved))))
        states = {k.closure: v for k, v in table.items()}
        end_states = {}
        for state in states:
            for rp in state:
                for start in self.lr0_start_states:
                    if rp.rule.origin.name == "$root_" + start and rp.is_satisfied:
                        end_states[start] = state
        start_states = {start: st.closure for start, st in self.lr0_start_states.items()}
        self.parse_table = lalr_analysis.IntParseTable.from_ParseTable(
            lalr_analysis.ParseTable(states, start_states, end_states))


class _NoLexer(Lexer):
    """Placeholder: tokens come from lexer.tokens(), never from lark."""

    def __init__(self, lexer_conf):
        pass

    def lex(self, lexer_state, parser_state):  # pragma: no cover
        raise NotImplementedError


def _cache_file():
    """A lark cache file in a directory only this user can write, or None.
    (lark's cache is a pickle: never load one another user could plant.)"""
    try:
        base = os.path.join(tempfile.gettempdir(), f"minisql-{os.getuid()}")
        os.makedirs(base, mode=0o700, exist_ok=True)
        st = os.lstat(base)
        if (not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid()
                or st.st_mode & 0o077):
            return None
        return os.path.join(base, "grammar.lark.cache")
    except (OSError, AttributeError):
        return None


class _Tables:
    """The LALR(1) table in the form the driver walks, built once per
    process (from lark's cache when it is there).

    rows[state][token or nonterminal] is an int (shift / goto: the next
    state) or a reduction (size, callback, nonterminal); default[state] is
    lemon's yy_default for the state: the reduction most lookaheads ask for.
    """

    def __init__(self):
        path = os.path.join(os.path.dirname(__file__), "grammar.lark")
        with open(path, encoding="utf-8") as f:
            grammar = f.read()
        # lark's cache is keyed by the grammar text: make the precedence
        # tables and the analyzer's version part of it
        grammar += "\n// %r %r %d\n" % (PRECEDENCE, RULE_PRECEDENCE, _ANALYZER_VERSION)
        options = dict(parser="lalr", lexer=_NoLexer)
        cache = _cache_file()
        # lark looks its analyzer up by name when it builds a table
        saved = lalr_parser.LALR_Analyzer
        lalr_parser.LALR_Analyzer = _LemonAnalyzer
        try:
            try:
                lark = Lark(grammar, cache=cache or False, **options)
            except GrammarError:
                raise
            except Exception:                  # a damaged cache: build afresh
                lark = Lark(grammar, **options)
        finally:
            lalr_parser.LALR_Analyzer = saved
        table = lark.parser.parser.parser.parse_table
        builder = _Builder()
        reductions = {}
        self.rows = {}
        self.default = {}
        for state, row in table.states.items():
            out = {}
            counts = {}
            for sym, (action, arg) in row.items():
                if action is Reduce:
                    red = reductions.get(arg)
                    if red is None:
                        red = reductions[arg] = (len(arg.expansion),
                                                 _callback(builder, arg),
                                                 arg.origin.name)
                    out[sym] = red
                    counts[red] = counts.get(red, 0) + 1
                else:
                    out[sym] = arg
            self.rows[state] = out
            if counts:
                self.default[state] = max(counts, key=counts.get)
        self.start_state = table.start_states["start"]
        self.end_state = table.end_states["start"]


def _callback(builder, rule):
    """The function a reduction by rule calls with the popped values: the
    builder method named after the rule, given the children lark would keep
    ("_X" terminals dropped; a "?rule" with one child is that child)."""
    keep = [i for i, sym in enumerate(rule.expansion)
            if not (sym.is_term and sym.filter_out)]
    if rule.options.expand1 and rule.alias is None and len(keep) == 1:
        i = keep[0]
        return lambda children: children[i]
    name = rule.alias or rule.origin.name
    fn = getattr(builder, name, None) or getattr(builder, name + "_")
    if len(keep) == len(rule.expansion) or getattr(fn, "raw_children", False):
        return lambda children: fn(*children)
    return lambda children: fn(*[children[i] for i in keep])


_tables = None
_lock = threading.RLock()


def _get_tables():
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                _tables = _Tables()
    return _tables


def _peek(sql, pos, n=1):
    """Types of the next n tokens after pos (ID-like ones as "ID"), for
    SQLite's WINDOW/OVER/FILTER keyword analysis."""
    out = []
    for tok in tokens(sql, pos):
        out.append("ID" if tok.type in _ID_TOKENS else tok.type)
        if len(out) == n:
            break
    return out


_CONTEXT_KEYWORDS = ("WINDOW", "OVER", "FILTER")
_EXPLAIN = ("EXPLAIN", "QUERY", "PLAN")


def _context_keyword(sql, tok, prev_type):
    """SQLite's analyzeWindowKeyword/analyzeOverKeyword/analyzeFilterKeyword:
    WINDOW is a keyword before "name AS", OVER after ')' and before '(' or a
    name, FILTER after ')' and before '('; otherwise they are identifiers."""
    t = tok.type
    if t == "WINDOW":
        if _peek(sql, tok.end, 2) != ["ID", "AS"]:
            tok.type = "ID"
    elif prev_type != "_RP" or _peek(sql, tok.end) not in (
            (["_LP"], ["ID"]) if t == "OVER" else (["_LP"],)):
        tok.type = "ID"


def _next_type(sql, pos):
    tok = next(tokens(sql, pos), None)
    return tok.type if tok is not None else None


def _parse_at(sql, pos):
    """Parse the statement starting at sql[pos] (after any empty
    statements).  Returns (statement or None, position after its ';')."""
    t = _tables or _get_tables()
    rows = t.rows
    default = t.default
    end_state = t.end_state
    ctx = _ctx
    ctx.reset(sql)
    stack = [t.start_state]
    values = []
    first = last = None
    prev_type = None
    body = False            # a CREATE statement: ';' may belong to a trigger body
    stream = tokens(sql, pos)
    end_pos = len(sql)
    nul = sql.find("\0", pos)
    if nul >= 0:
        end_pos = nul
    steps = 0
    while True:
        tok = next(stream, None)
        if tok is None:
            if first is None:
                return None, end_pos
            if body and prev_type != "_SEMI" and _accepts_semi(rows, stack):
                # SQLite ends the input with a ';' of its own: inside a
                # trigger body it is shifted before the end is seen
                tok = Token("_SEMI", "", end_pos, end_pos)
            else:
                tok = Token("$END", "", end_pos, end_pos)
            next_pos = end_pos
        else:
            ttype = tok.type
            if ttype == "_SEMI":
                if first is None:
                    continue
                if not (body and _accepts_semi(rows, stack)):
                    next_pos = tok.end
                    tok = Token("$END", ";", tok.start, tok.end)
            elif ttype == "ILLEGAL":
                raise _error(f'unrecognized token: "{tok.text}"')
            elif ttype in _CONTEXT_KEYWORDS:
                _context_keyword(sql, tok, prev_type)
            elif ttype == "CREATE":
                if (_next_type(sql, tok.end) == "VIRTUAL" and len(values) in (0, 1, 3)
                        and all(type(v) is Token and v.type in _EXPLAIN
                                for v in values)):
                    # at the start of a statement, after any EXPLAIN [QUERY PLAN]
                    stmt, next_pos = _create_vtab(sql, tok, stream, end_pos)
                    if values:
                        stmt = ast.Explain(stmt, len(values) == 3)
                        ctx.explain_start = tok.start
                    return _finish(stmt, sql, first or tok, _ctx.last), next_pos
                body = True
            if first is None:
                first = tok
        ttype = tok.type
        is_end = ttype == "$END"
        ctx.la = tok
        # feed the token: reductions, then one shift (or acceptance)
        while True:
            steps += 1
            state = stack[-1]
            row = rows[state]
            act = row.get(ttype)
            if ttype in FALLBACK:
                # lemon looks the keyword up afresh in every state it reaches
                dflt = default.get(state)
                if act is None or act is dflt:
                    alt = row.get("ID")
                    if alt is not None and alt is not dflt:
                        act = alt
                        if type(alt) is int:
                            tok.type = "ID"      # shifted as an identifier
            if act is None:
                act = default.get(state)
                if act is None or steps > 100000:
                    raise _syntax_error(tok)
            if type(act) is int:
                if is_end:                      # pragma: no cover - $END is never shifted
                    raise _syntax_error(tok)
                if len(stack) >= STACK_DEPTH:
                    raise _error("parser stack overflow")
                stack.append(act)
                values.append(tok)
                ctx.prev_end = tok.end
                last = tok
                prev_type = tok.type
                break
            size, callback, origin = act
            if size:
                value = callback(values[-size:])
                del stack[-size:]
                del values[-size:]
            else:
                value = callback(())
            goto = rows[stack[-1]].get(origin)
            if goto is None:                    # only after a default reduction
                raise _syntax_error(tok)
            if len(stack) >= STACK_DEPTH:
                raise _error("parser stack overflow")
            stack.append(goto)
            values.append(value)
            if is_end and goto == end_state:
                if ctx.error is not None or ctx.late_error is not None:
                    raise _error(ctx.error or ctx.late_error)
                return _finish(value, sql, first, last), next_pos
        if ctx.error is not None:
            # an action reported an error and the token was shifted: SQLite
            # stops here, with that error
            raise _error(ctx.error)


_NAME_TOKENS = frozenset(("ID", "INDEXED", "STRING", "JOIN_KW")) | FALLBACK


def _create_vtab(sql, create, stream, end_pos):
    """CREATE VIRTUAL TABLE [IF NOT EXISTS] [schema.]name USING module
    [(args)]: parse.y matches the arguments with lemon's ANY wildcard, which
    an LALR table cannot express, so this statement is parsed by hand."""
    ctx = _ctx

    def take():
        tok = next(stream, None)
        if tok is None:
            return Token("$END", "", end_pos, end_pos)
        if tok.type == "ILLEGAL":
            raise _error(f'unrecognized token: "{tok.text}"')
        if tok.type in _CONTEXT_KEYWORDS:
            _context_keyword(sql, tok, ctx.last.type)
        return tok

    def expect(*types):
        tok = take()
        if tok.type not in types:
            raise _syntax_error(tok)
        ctx.last = tok
        return tok

    ctx.last = create
    expect("VIRTUAL")
    expect("TABLE")
    tok = take()
    if_not_exists = tok.type == "IF"
    if if_not_exists:
        expect("NOT")
        expect("EXISTS")
        tok = take()
    if tok.type not in _NAME_TOKENS:
        raise _syntax_error(tok)
    name, schema = tok, None
    tok = take()
    if tok.type == "_DOT":
        schema = _name(name)
        name = expect(*_NAME_TOKENS)
        tok = take()
    if tok.type != "USING":
        raise _syntax_error(tok)
    module = expect(*_NAME_TOKENS)
    args = []
    tok = take()
    if tok.type == "_LP":
        depth = 0
        arg_start = arg_end = None
        while True:
            tok = take()
            t = tok.type
            if t == "$END":
                raise _syntax_error(tok)
            if depth == 0 and t in ("_COMMA", "_RP"):
                if arg_start is not None:
                    args.append(sql[arg_start:arg_end])
                arg_start = None
                if t == "_RP":
                    ctx.last = tok
                    break
                continue
            if t == "_LP":
                depth += 1
            elif t == "_RP":
                depth -= 1
            if arg_start is None:
                arg_start = tok.start
            arg_end = tok.end
        tok = take()
    if tok.type not in ("$END", "_SEMI"):
        raise _syntax_error(tok)
    next_pos = tok.end
    stmt = ast.CreateVirtualTable(
        _name(name), schema, _name(module), tuple(args), if_not_exists,
        "CREATE VIRTUAL TABLE " + sql[name.start:ctx.last.end])
    return stmt, next_pos


def _accepts_semi(rows, stack):
    """Would the parser take a ';' here (inside a trigger body) rather than
    end the statement?  Simulates the reductions on a copy of the stack."""
    stack = list(stack)
    for _ in range(10000):
        act = rows[stack[-1]].get("_SEMI")
        if act is None:
            return False
        if type(act) is int:
            return True
        size = act[0]
        if size:
            del stack[-size:]
        goto = rows[stack[-1]].get(act[2])
        if goto is None:
            return False
        stack.append(goto)
    return False  # pragma: no cover


def _finish(stmt, sql, first, last):
    ctx = _ctx
    text = sql[first.start:last.end]
    names = tuple(ctx.var_index.get(i) for i in range(1, ctx.nvar + 1))
    stmt.text = text
    stmt.n_params = ctx.nvar
    stmt.param_names = names
    if type(stmt) is ast.Explain:
        inner = stmt.stmt
        inner.text = sql[ctx.explain_start:last.end]
        inner.n_params = ctx.nvar
        inner.param_names = names
    return stmt


# -- public API ----------------------------------------------------------------------

def parse_one(sql):
    """Parse the first statement of sql (as sqlite3_prepare does).

    Returns (statement, tail): statement is None when sql holds only
    whitespace, comments and empty statements; tail is the text after the
    statement's terminating ';'.
    """
    with _lock:
        stmt, pos = _parse_at(sql, 0)
    return stmt, sql[pos:]


def iter_statements(sql):
    """Yield the statements of a script one at a time (an error is raised
    only when the parse reaches the bad statement, as sqlite3_exec runs a
    script)."""
    pos = 0
    n = len(sql)
    while pos < n:
        with _lock:
            stmt, pos = _parse_at(sql, pos)
        if stmt is None:
            return
        yield stmt


def parse(sql):
    """Parse a script into a list of statements (empty statements skipped)."""
    return list(iter_statements(sql))


_TAIL_RE = re.compile(r"(?:[ \t\f\n\r]+|--[^\n]*(?:\n|\Z)|/\*[\s\S]*?(?:\*/|\Z))*\Z")


def parse_single(sql):
    """Parse sql for Cursor.execute(): one statement, or None when there is
    none.  Anything but whitespace and comments after the first statement
    raises ProgrammingError, with the sqlite3 module's wording."""
    stmt, tail = parse_one(sql)
    if tail and not _TAIL_RE.match(tail):
        raise errors.ProgrammingError("You can only execute one statement at a time.")
    return stmt


class StatementCache:
    """An LRU cache of parse_single() results keyed by the SQL text, so a
    statement executed again is never parsed again (sqlite3's
    cached_statements).  Errors are not cached."""

    def __init__(self, size=128):
        self.size = size
        self._entries = OrderedDict()

    def get(self, sql):
        entries = self._entries
        stmt = entries.get(sql, _MISSING)
        if stmt is not _MISSING:
            entries.move_to_end(sql)
            return stmt
        stmt = parse_single(sql)
        if self.size > 0:
            entries[sql] = stmt
            if len(entries) > self.size:
                entries.popitem(last=False)
        return stmt

    def clear(self):
        self._entries.clear()

    def __len__(self):
        return len(self._entries)


_MISSING = object()


# sqlite3_complete (complete.c): a state machine over a coarse tokenisation.
_tkSEMI, _tkWS, _tkOTHER, _tkEXPLAIN, _tkCREATE, _tkTEMP, _tkTRIGGER, _tkEND = range(8)
_TRANS = (
    # SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END
    (1, 0, 2, 3, 4, 2, 2, 2),   # 0 INVALID
    (1, 1, 2, 3, 4, 2, 2, 2),   # 1 START
    (1, 2, 2, 2, 2, 2, 2, 2),   # 2 NORMAL
    (1, 3, 3, 2, 4, 2, 2, 2),   # 3 EXPLAIN
    (1, 4, 2, 2, 2, 4, 5, 2),   # 4 CREATE
    (6, 5, 5, 5, 5, 5, 5, 5),   # 5 TRIGGER
    (6, 6, 5, 5, 5, 5, 5, 7),   # 6 SEMI
    (1, 7, 5, 5, 5, 5, 5, 5),   # 7 END
)
_WORDS = {"create": _tkCREATE, "trigger": _tkTRIGGER, "temp": _tkTEMP,
          "temporary": _tkTEMP, "end": _tkEND, "explain": _tkEXPLAIN}
_COMPLETE_RE = re.compile(r"""
  (?P<semi>;)
| (?P<ws>[ \r\t\n\f]+)
| (?P<comment>/\*[\s\S]*?\*/)
| (?P<opencomment>/\*)
| (?P<line>--[^\n]*)
| (?P<quoted>\[[^\]]*\]|`[^`]*`|"[^"]*"|'[^']*')
| (?P<open>[\[`"'])
| (?P<word>[A-Za-z0-9_$\x80-\U0010FFFF]+)
| (?P<other>[\s\S])
""", re.VERBOSE)


def complete_statement(text):
    """sqlite3_complete(): True if text ends with a complete statement
    (a ';' outside strings, comments and trigger bodies)."""
    nul = text.find("\0")
    if nul >= 0:
        text = text[:nul]
    state = 0
    for m in _COMPLETE_RE.finditer(text):
        kind = m.lastgroup
        if kind == "semi":
            token = _tkSEMI
        elif kind == "ws" or kind == "comment":
            token = _tkWS
        elif kind == "line":
            if m.end() == len(text):
                return state == 1
            token = _tkWS
        elif kind == "opencomment" or kind == "open":
            return False
        elif kind == "word":
            w = m.group()
            token = _WORDS.get(w.lower(), _tkOTHER) if w.isascii() else _tkOTHER
        else:
            token = _tkOTHER
        state = _TRANS[state][token]
    return state == 1
