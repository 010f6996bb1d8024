""".schema and .dump, written as sqlite3's shell writes them.

Both read sqlite_schema with ordinary queries; .dump then selects every row
of every table and writes it in insert mode, so that the text loads into
sqlite3 and into minisql alike.
"""

from . import modes, sqltext
from .core import database_names

_SCHEMA_PREFIXES = ("TABLE", "INDEX", "UNIQUE INDEX", "VIEW", "TRIGGER", "VIRTUAL TABLE")


def _append(parts, text, quote):
    parts.append(quote + text.replace(quote, quote + quote) + quote if quote else text)


def fake_schema(conn, schema, name):
    """shellFakeSchema(): "/* view(col,...) */" text for a view's columns."""
    parts = []
    if schema:
        q = sqltext.quote_char(schema)
        _append(parts, schema, "" if schema.lower() == "temp" else q)
        parts.append(".")
    _append(parts, name, sqltext.quote_char(name))
    cols = [r[1] for r in conn.execute(
        'PRAGMA "%s".table_info(%s)' % ((schema or "main").replace('"', '""'),
                                        sqltext.quote_string(name)))]
    if not cols:
        return None
    div = "("
    for c in cols:
        parts.append(div)
        div = ","
        c = "" if c is None else c
        _append(parts, c, sqltext.quote_char(c))
    parts.append(")")
    return "".join(parts)


def add_schema_name(conn, sql, schema, name):
    """shell_add_schema(): qualify a CREATE statement with its schema and
    follow a view with the comment naming its columns."""
    if sql is None or not sql.startswith("CREATE "):
        return sql
    for prefix in _SCHEMA_PREFIXES:
        n = len(prefix)
        if sql.startswith(prefix, 7) and sql[7 + n:8 + n] == " ":
            z = None
            if schema:
                q = sqltext.quote_char(schema)
                if q and schema.lower() != "temp":
                    z = '%s "%s".%s' % (sql[:n + 7], schema.replace('"', '""'), sql[n + 8:])
                else:
                    z = "%s %s.%s" % (sql[:n + 7], schema, sql[n + 8:])
            if name and prefix[0] == "V":
                fake = fake_schema(conn, schema, name)
                if fake:
                    z = "%s\n/* %s */" % (z if z is not None else sql, fake)
            if z is not None:
                return z
    return sql


def schema_line(sql, tail):
    """printSchemaLine(): the statement with ``tail``; a statement ending
    inside a comment is closed first, and CREATE TABLE "x" gains IF NOT
    EXISTS (so that a dump reloads over an existing table)."""
    if tail.startswith(";") and ("/*" in sql or "--" in sql):
        for term in ("", "*/", "\n"):
            if sqltext.complete_statement(sql + term + ";"):
                sql = sql + term
                break
    if sql.startswith("CREATE TABLE ") and sql[13:14] in ("'", '"'):
        return "CREATE TABLE IF NOT EXISTS " + sql[13:] + tail
    return sql + tail


def schema(sh, pattern):
    conn = sh.open_db()
    dbs = database_names(conn)
    where = ""
    params = ()
    if pattern is not None:
        glob = any(c in pattern for c in "*?[")
        col = "lower(printf('%%s.%%s',sname,tbl_name))" if "." in pattern else "lower(tbl_name)"
        where = col + (" GLOB ?" if glob else " LIKE ? ESCAPE '\\'") + " AND "
        params = (pattern,)
    selects = []
    for i, db in enumerate(dbs):
        selects.append(
            "SELECT sql, type, tbl_name, name, rowid, %d AS snum, %s AS sname "
            'FROM "%s".sqlite_schema' % (i, sqltext.quote_string(db), db.replace('"', '""')))
    sql = ("SELECT sql, sname, name FROM (" + " UNION ALL ".join(selects) + ") WHERE "
           + where + "sql IS NOT NULL ORDER BY snum, rowid")
    rows = conn.execute(sql, params).fetchall()
    for text, sname, name in rows:
        text = add_schema_name(conn, text, None if sname == "main" else sname, name)
        sh.write(schema_line(text, ";\n"))
    return 0


def dump(sh, args):
    """.dump ?--data-only? ?--newlines? ?--nosys? ?LIKE-PATTERN ...?"""
    data_only = newlines = nosys = False
    patterns = []
    for a in args:
        if a.startswith("-"):
            opt = a.lstrip("-")
            if opt == "data-only":
                data_only = True
            elif opt == "newlines":
                newlines = True
            elif opt == "nosys":
                nosys = True
            else:
                sh.error('Unknown option "%s" on ".dump"' % a)
                return 1
        else:
            patterns.append(a)
    conn = sh.open_db()
    if patterns:
        likes = []
        for p in patterns:
            q = sqltext.quote_string(p)
            likes.append(
                "name LIKE %s ESCAPE '\\' OR EXISTS ("
                "  SELECT 1 FROM sqlite_schema WHERE "
                "    name LIKE %s ESCAPE '\\' AND"
                "    sql LIKE 'CREATE VIRTUAL TABLE%%' AND"
                "    substr(o.name, 1, length(name)+1) == (name||'_'))" % (q, q))
        like = " OR ".join(likes)
    else:
        like = "true"
    out = sh.out
    if not data_only:
        out.write("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
    errors = 0
    writable = False
    conn.execute("SAVEPOINT dump")
    try:
        tables = conn.execute(
            "SELECT name, type, sql FROM sqlite_schema AS o WHERE (%s) AND type=='table'"
            "  AND sql NOT NULL ORDER BY tbl_name='sqlite_sequence', rowid" % like).fetchall()
        for name, kind, sql in tables:
            if name == "sqlite_sequence" and not nosys:
                if not data_only:
                    out.write("DELETE FROM sqlite_sequence;\n")
            elif name.startswith("sqlite_stat") and len(name) == 12 and not nosys:
                if not data_only:
                    out.write("ANALYZE sqlite_schema;\n")
            elif name.startswith("sqlite_"):
                continue
            elif data_only:
                pass
            elif sql.startswith("CREATE VIRTUAL TABLE"):
                if not writable:
                    out.write("PRAGMA writable_schema=ON;\n")
                    writable = True
                out.write("INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)"
                          "VALUES('table',%s,%s,0,%s);\n" % (
                              sqltext.quote_string(name), sqltext.quote_string(name),
                              sqltext.quote_string(sql)))
                continue
            else:
                out.write(schema_line(sql, ";\n"))
            if kind == "table":
                errors += _dump_rows(sh, conn, name, newlines)
        if not data_only:
            for (sql,) in conn.execute(
                    "SELECT sql FROM sqlite_schema AS o WHERE (%s) AND sql NOT NULL"
                    "  AND type IN ('index','trigger','view')" % like).fetchall():
                out.write(sql + ";\n")
    except sh.dbapi.Error as e:
        sh.error("Error: %s" % e)
        errors += 1
    finally:
        conn.execute("RELEASE dump")
    if writable:
        out.write("PRAGMA writable_schema=OFF;\n")
    if not data_only:
        out.write("ROLLBACK; -- due to errors\n" if errors else "COMMIT;\n")
    return 0


def _dump_rows(sh, conn, table, newlines):
    cols = [r[1] for r in conn.execute("PRAGMA table_info(%s)" % sqltext.quote_string(table))]
    if not cols:
        return 1
    select = "SELECT %s FROM %s" % (",".join(sqltext.quote_ident(c) for c in cols),
                                    sqltext.quote_ident(table))
    head = "INSERT INTO %s VALUES(" % sqltext.quote_ident(table)
    out = sh.out
    literal = modes.sql_literal
    quoted = modes.quoted_plain
    for row in conn.execute(select):
        if newlines:
            vals = ",".join(quoted(v) if type(v) is str else literal(v, True) for v in row)
        else:
            vals = ",".join(literal(v, True) for v in row)
        out.write(head + vals + ");\n")
    return 0
