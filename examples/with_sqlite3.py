"""minisql and the stdlib sqlite3 on the same file, at the same time.

Both speak SQLite's file formats and WAL locking protocol, so a sqlite3
connection and a minisql connection can keep one database open together and
see each other's commits.
Run:  python examples/with_sqlite3.py
"""
import os
import subprocess
import sys
import tempfile

import minisql

path = os.path.join(tempfile.mkdtemp(), "shared.db")
con = minisql.connect(path)
con.execute("CREATE TABLE note(id INTEGER PRIMARY KEY, who TEXT, text TEXT)")
con.execute("INSERT INTO note(who, text) VALUES ('minisql', 'hello from pure Python')")
con.commit()

# sqlite3 runs in another process (a process should not mix sqlite3 and
# minisql connections to one file: closing a file drops POSIX locks
# process-wide), reads minisql's commit and adds its own.
subprocess.run([sys.executable, "-c", """
import sqlite3, sys
s = sqlite3.connect(sys.argv[1])
print("sqlite3 reads:", s.execute("SELECT who, text FROM note").fetchall())
s.execute("INSERT INTO note(who, text) VALUES ('sqlite3', 'hello from C')")
s.commit()
print("sqlite3 integrity_check:", s.execute("PRAGMA integrity_check").fetchone()[0])
s.close()
""", path], check=True)

# minisql, still open, sees sqlite3's commit in its next read transaction.
print("minisql reads:", con.execute("SELECT who, text FROM note ORDER BY id").fetchall())
print("minisql integrity_check:", con.execute("PRAGMA integrity_check").fetchone()[0])
con.close()
