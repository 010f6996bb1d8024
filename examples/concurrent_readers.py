"""Readers see consistent snapshots while a writer commits.

A writer thread moves money between accounts, one transaction per transfer;
reader threads (each with its own connection) keep summing the balances.  In
WAL mode every read transaction sees one committed state, so the total never
changes however the transfers interleave.
Run:  python examples/concurrent_readers.py
"""
import os
import random
import tempfile
import threading

import minisql

path = os.path.join(tempfile.mkdtemp(), "bank.db")
setup = minisql.connect(path)
setup.execute("CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER)")
setup.executemany("INSERT INTO account VALUES (?, ?)", [(i, 1000) for i in range(20)])
setup.commit()
TOTAL = 20 * 1000
stop = threading.Event()
bad = []
reads = [0]


def writer():
    con = minisql.connect(path, timeout=10)
    rnd = random.Random(1)
    for _ in range(300):
        a, b = rnd.sample(range(20), 2)
        amount = rnd.randint(1, 100)
        with con:
            con.execute("UPDATE account SET balance = balance - ? WHERE id = ?", (amount, a))
            con.execute("UPDATE account SET balance = balance + ? WHERE id = ?", (amount, b))
    con.close()
    stop.set()


def reader():
    con = minisql.connect(path, timeout=10)
    while not stop.is_set():
        total = con.execute("SELECT sum(balance) FROM account").fetchone()[0]
        reads[0] += 1
        if total != TOTAL:
            bad.append(total)
    con.close()


threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("transfers: 300, snapshots read:", reads[0] > 0, ", inconsistent snapshots:", len(bad))
print("final total:", setup.execute("SELECT sum(balance) FROM account").fetchone()[0])
setup.close()
