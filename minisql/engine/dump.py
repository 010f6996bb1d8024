"""Connection.iterdump(): the database as SQL text, in sqlite3's format.

The output is the stdlib module's line for line (tools that diff dumps keep
working, and sqlite3 and minisql both load it with executescript):

    BEGIN TRANSACTION;
    <each table's CREATE statement, tables in name order, each followed by
     its rows as INSERT INTO "t" VALUES(...), every value rendered by SQL
     quote()>
    <indexes, triggers and views, in sqlite_schema order>
    <sqlite_sequence: DELETE FROM "sqlite_sequence"; then its rows>
    COMMIT;

sqlite_stat1 is announced by ``ANALYZE "sqlite_master";`` before its rows;
other internal sqlite_* tables are skipped; a virtual table is written
straight into sqlite_master under ``PRAGMA writable_schema``.

It runs ordinary SQL through the connection it is given -- the same
statements, to the byte, as sqlite3 runs (a trace callback sees the same
text) -- so it sees exactly what a query would.  Rows stream: a table's
INSERT lines are produced as its rows are read, never all held at once.
"""

_TABLES = """
        SELECT "name", "type", "sql"
        FROM "sqlite_master"
            WHERE "sql" NOT NULL AND
            "type" == 'table'
            ORDER BY "name"
        """

_OTHERS = """
        SELECT "name", "type", "sql"
        FROM "sqlite_master"
            WHERE "sql" NOT NULL AND
            "type" IN ('index', 'trigger', 'view')
        """


def _ident(name):
    """A name inside double quotes."""
    return name.replace('"', '""')


def _string(text):
    """Text inside single quotes."""
    return text.replace("'", "''")


def iterdump(con):
    cur = con.cursor()
    yield "BEGIN TRANSACTION;"
    sequence = []
    writable_schema = False
    for name, _, sql in cur.execute(_TABLES).fetchall():
        if name == "sqlite_sequence":
            # Written last, once the tables that use it exist again.
            rows = cur.execute('SELECT * FROM "sqlite_sequence";').fetchall()
            sequence = ['DELETE FROM "sqlite_sequence";'] + [
                f"INSERT INTO \"sqlite_sequence\" VALUES('{tbl}',{seq});"
                for tbl, seq in rows]
            continue
        if name == "sqlite_stat1":
            yield 'ANALYZE "sqlite_master";'
        elif name.startswith("sqlite_"):
            continue
        elif sql.startswith("CREATE VIRTUAL TABLE"):
            if not writable_schema:
                writable_schema = True
                yield "PRAGMA writable_schema=ON;"
            yield ("INSERT INTO sqlite_master(type,name,tbl_name,rootpage,sql)"
                   f"VALUES('table','{_string(name)}','{_string(name)}',0,'{_string(sql)}');")
        else:
            yield f"{sql};"
        table = _ident(name)
        columns = [str(info[1]) for info in
                   cur.execute(f'PRAGMA table_info("{table}")').fetchall()]
        values = ",".join(f"'||quote(\"{_ident(col)}\")||'" for col in columns)
        for (line,) in cur.execute(
                f"SELECT 'INSERT INTO \"{table}\" VALUES({values})' FROM \"{table}\";"):
            yield f"{line};"
    for _, _, sql in cur.execute(_OTHERS).fetchall():
        yield f"{sql};"
    if writable_schema:
        yield "PRAGMA writable_schema=OFF;"
    yield from sequence
    yield "COMMIT;"
