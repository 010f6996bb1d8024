"""Connection.iterdump(): the database as SQL text, in sqlite3's format.

The output matches the stdlib module's line for line (so tools that diff
dumps keep working): a transaction holding every table's CREATE statement
followed by its rows as ``INSERT INTO "t" VALUES(...)`` with each value
rendered by SQL ``quote()``, then indexes, triggers and views, then the
sqlite_sequence rows.  It runs ordinary SQL through the connection it is
given, so it sees exactly what a query would.
"""


def _ident(name):
    return name.replace('"', '""')


def iterdump(con):
    cur = con.cursor()
    yield "BEGIN TRANSACTION;"
    tables = cur.execute(
        "SELECT name, type, sql FROM sqlite_master "
        "WHERE sql NOT NULL AND type == 'table' ORDER BY name").fetchall()
    sequence = []
    for name, _, sql in tables:
        if name == "sqlite_sequence":
            rows = cur.execute('SELECT * FROM "sqlite_sequence";').fetchall()
            sequence = ['DELETE FROM "sqlite_sequence"'] + [
                f"INSERT INTO \"sqlite_sequence\" VALUES('{r[0]}',{r[1]})" for r in rows]
            continue
        if name == "sqlite_stat1":
            yield 'ANALYZE "sqlite_master";'
        elif name.startswith("sqlite_"):
            continue
        else:
            yield f"{sql};"
        columns = [str(r[1]) for r in cur.execute(f'PRAGMA table_info("{_ident(name)}")')]
        values = ",".join(f"'||quote(\"{_ident(c)}\")||'" for c in columns)
        for (line,) in cur.execute(
                f"SELECT 'INSERT INTO \"{_ident(name)}\" VALUES({values})' "
                f"FROM \"{_ident(name)}\";").fetchall():
            yield f"{line};"
    others = cur.execute(
        "SELECT name, type, sql FROM sqlite_master "
        "WHERE sql NOT NULL AND type IN ('index', 'trigger', 'view')").fetchall()
    for _, _, sql in others:
        yield f"{sql};"
    for line in sequence:
        yield f"{line};"
    yield "COMMIT;"
