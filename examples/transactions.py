"""Transactions: commit, rollback, the context manager, savepoints.

minisql follows sqlite3's rules: an INSERT/UPDATE/DELETE opens a transaction
implicitly; commit() ends it, rollback() undoes it, and `with con:` does one
or the other.  A failing statement undoes only its own changes.
Run:  python examples/transactions.py
"""
import minisql

con = minisql.connect(":memory:")
con.execute("CREATE TABLE account(name TEXT PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))")
con.executemany("INSERT INTO account VALUES (?, ?)", [("alice", 100), ("bob", 50)])
con.commit()


def transfer(amount, src, dst):
    # The context manager commits if the block succeeds, rolls back if not.
    with con:
        con.execute("UPDATE account SET balance = balance + ? WHERE name = ?", (amount, dst))
        con.execute("UPDATE account SET balance = balance - ? WHERE name = ?", (amount, src))


transfer(30, "alice", "bob")
print("after a good transfer:", con.execute("SELECT * FROM account ORDER BY name").fetchall())
try:
    transfer(500, "alice", "bob")          # would overdraw: CHECK fails, all undone
except minisql.IntegrityError as e:
    print("refused:", e)
print("after a refused transfer:", con.execute("SELECT * FROM account ORDER BY name").fetchall())

# A failing statement inside a transaction undoes only itself.
con.execute("INSERT INTO account VALUES ('carol', 10)")
try:
    con.execute("INSERT INTO account VALUES ('carol', 20)")
except minisql.IntegrityError as e:
    print("second carol:", e)
print("in transaction:", con.in_transaction)
con.rollback()
print("after rollback:", [r[0] for r in con.execute("SELECT name FROM account ORDER BY name")])

# Savepoints nest inside a transaction.
con.isolation_level = None                 # we issue BEGIN ourselves
con.execute("BEGIN")
con.execute("INSERT INTO account VALUES ('dave', 1)")
con.execute("SAVEPOINT sp")
con.execute("INSERT INTO account VALUES ('erin', 2)")
con.execute("ROLLBACK TO sp")
con.execute("COMMIT")
print("with savepoint:", [r[0] for r in con.execute("SELECT name FROM account ORDER BY name")])
