"""minisql quickstart: the DB-API basics, and the file sqlite3 can read.

Run:  python examples/quickstart.py
"""
import os
import sqlite3
import tempfile

import minisql

path = os.path.join(tempfile.mkdtemp(), "quickstart.db")

# Connect (the file is created; WAL mode is the default for new databases).
con = minisql.connect(path)
con.execute("CREATE TABLE fruit(id INTEGER PRIMARY KEY, name TEXT, price REAL)")

# Parameters, one row or many.  sqlite3's rule: an INSERT opens a
# transaction implicitly, commit() ends it.
con.execute("INSERT INTO fruit(name, price) VALUES (?, ?)", ("apple", 0.5))
con.executemany("INSERT INTO fruit(name, price) VALUES (?, ?)",
                [("banana", 0.25), ("cherry", 3.0), ("durian", 9.5)])
con.commit()

# Query: iterate a cursor, or fetch.
for row in con.execute("SELECT id, name, price FROM fruit WHERE price < ? ORDER BY price", (5,)):
    print(row)
print("count:", con.execute("SELECT count(*) FROM fruit").fetchone()[0])

# rollback() undoes what was not committed.
con.execute("DELETE FROM fruit")
con.rollback()
print("after rollback:", con.execute("SELECT count(*) FROM fruit").fetchone()[0])

# Errors are sqlite3's.
try:
    con.execute("SELECT * FROM vegetables")
except minisql.OperationalError as e:
    print("OperationalError:", e)

# Rows as mappings.
con.row_factory = minisql.Row
row = con.execute("SELECT * FROM fruit WHERE name = 'cherry'").fetchone()
print(dict(zip(row.keys(), row)))
con.close()

# The file is a SQLite database: the stdlib sqlite3 reads it.
with sqlite3.connect(path) as other:
    print("sqlite3 sees:", other.execute("SELECT name FROM fruit ORDER BY id").fetchall())
    print("sqlite3 integrity_check:", other.execute("PRAGMA integrity_check").fetchone()[0])
other.close()
