"""EXPLAIN QUERY PLAN: the nodes of compiled queries, in SQLite's words.

A node is a detail string or (detail, [child nodes]).  SQLite names a
subquery by its SELECT's number, the order in which the parser finished
the SELECTs of the statement: ``explain_numbering`` assigns those numbers
while EXPLAIN compiles a statement.
"""

import threading

from ..sql import ast

_numbering = threading.local()


def core_explain(levels, comp, group_by, distinct, order_by):
    """EXPLAIN QUERY PLAN nodes of one SELECT: its loops in order, the
    subqueries of its expressions, its temporary b-trees."""
    nodes = []
    for i, lv in enumerate(levels):
        nodes.extend(_level_explain(lv, i))
    if not levels:
        nodes.append("SCAN CONSTANT ROW")
    nodes.extend(subquery_explain(comp))
    if group_by:
        nodes.append("USE TEMP B-TREE FOR GROUP BY")
    if distinct:
        nodes.append("USE TEMP B-TREE FOR DISTINCT")
    if order_by:
        nodes.append("USE TEMP B-TREE FOR ORDER BY")
    return nodes


def _level_explain(lv, i):
    sub = lv.sub
    if sub is None:
        if isinstance(lv.detail, tuple):        # MULTI-INDEX OR and its parts
            return [lv.detail]
        return [lv.detail + (" LEFT-JOIN" if lv.kind == "LEFT" else "")]
    if hasattr(sub, "rows_for"):            # a table-valued function
        return [f"SCAN {lv.src.alias} VIRTUAL TABLE INDEX 0:"]
    if sub.flattenable and lv.kind == "INNER":
        return list(sub.explain)        # SQLite merges it into this query
    name = lv.src.alias
    if name.startswith("(subquery"):
        name = f"(subquery-{_sel_number(lv.sub_select)})"
    kind = "CO-ROUTINE" if i == 0 else "MATERIALIZE"
    return [(f"{kind} {name}", list(sub.explain)), f"SCAN {name}"]


def subquery_explain(comp):
    """The nodes of the subqueries compiled by ``comp``."""
    out = []
    for kind, sel, plan in comp.subqueries:
        label = f"{'CORRELATED ' if plan.correlated else ''}{kind} SUBQUERY {_sel_number(sel)}"
        out.append((label, list(plan.explain)))
    return out


def _sel_number(sel):
    """SQLite's number of a SELECT (its subquery-N name): the order in which
    the parser finished the SELECTs of the statement."""
    ids = getattr(_numbering, "selids", None)
    node = sel.body if isinstance(sel, ast.Select) else sel
    while isinstance(node, ast.Compound):
        node = node.right
    return ids.get(id(node), 0) if ids else 0


class explain_numbering:
    """While EXPLAIN compiles ``stmt``: number its SELECTs as SQLite's parser
    does (each when its clauses are done, inner ones first)."""

    def __init__(self, stmt):
        self.ids = {}
        self.keep = [stmt]
        self._visit(stmt)

    def _visit(self, node):
        ids = self.ids
        if isinstance(node, ast.Select):
            if node.with_ is not None:
                self._visit(node.with_)
            body = node.body
            if isinstance(body, ast.SelectCore):
                self._fields(body)
                self._visit(node.order_by)
                self._visit(node.limit)
                self._visit(node.offset)
                ids[id(body)] = len(ids) + 1
                return
            self._visit(body)
            self._visit(node.order_by)
            self._visit(node.limit)
            self._visit(node.offset)
        elif isinstance(node, ast.SelectCore):
            self._fields(node)
            ids[id(node)] = len(ids) + 1
        elif isinstance(node, ast.Values):
            for row in node.rows:
                self._visit(row)
                ids[id(row)] = len(ids) + 1
            ids[id(node)] = len(ids)
        elif isinstance(node, tuple):
            for x in node:
                self._visit(x)
        elif isinstance(node, ast.Node):
            self._fields(node)

    def _fields(self, node):
        for f in node.__dataclass_fields__:
            v = getattr(node, f)
            if isinstance(v, (ast.Node, tuple)):
                self._visit(v)

    def __enter__(self):
        self.saved = getattr(_numbering, "selids", None)
        _numbering.selids = self.ids
        return self

    def __exit__(self, *exc):
        _numbering.selids = self.saved
