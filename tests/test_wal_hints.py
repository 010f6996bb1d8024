"""Writer-side shortcuts of the WAL: probe hints for the wal-index hash,
incremental page checksums, and the autocheckpoint retry policy.  Each must
leave exactly what the plain algorithm (SQLite's) leaves."""

import random

from hypothesis import given, settings, strategies as st

from faultvfs import BankDb, rng_for, sqlite_bank_state, sqlite_in_child
from minisql.storage import wal as W
from minisql.storage import walindex as WI
from minisql.storage.pager import Pager


# -- probe hints -------------------------------------------------------------

def sequential_hash(pgnos):
    """aHash of a block whose frames hold ``pgnos`` (in frame order), as
    walIndexAppend builds it inserting them one by one into an empty table."""
    slots = [0] * WI.NSLOT
    for idx, pgno in enumerate(pgnos, 1):
        h = (pgno * 383) & (WI.NSLOT - 1)
        while slots[h]:
            h = (h + 1) & (WI.NSLOT - 1)
        slots[h] = idx
    return slots


def assert_hash_is_sequential(index):
    mx = index.try_header().mx_frame
    k = 0
    while WI.izero(k) < mx:
        first = WI.izero(k) + 1
        last = min(mx, WI.izero(k + 1))
        u16 = index.block(k)[2]
        got = u16[WI.HASH_U16:WI.HASH_U16 + WI.NSLOT].tolist()
        assert got == sequential_hash(index.page_numbers(first, last)), f"block {k}"
        k += 1


def spill_and_roll_back(pager, bank):
    """A transaction touching every account (more pages than the tiny cache
    holds, so it spills frames and indexes them), then rolled back."""
    pager.begin_write()
    for rowid in range(2, bank.accounts + 2):
        bank.put(pager, rowid, bank.read(pager, rowid))
    assert pager.spilled, "the transaction was meant to spill"
    pager.rollback()
    pager.end_read()


def test_hash_stays_sequential_under_hints_rollbacks_restarts_and_other_writers(tmp_path):
    # 512-byte pages, 150 accounts: ~50 pages, a few of them (the counter's,
    # the accounts') committed hundreds of times, so probe chains are long
    # and more than one hash block fills.
    bank = BankDb(str(tmp_path / "b.db"), accounts=150, page_size=512)
    a = Pager(bank.path, wal_autocheckpoint=0, synchronous=0)
    a.set_cache_size(10)
    b = Pager(bank.path, wal_autocheckpoint=0, synchronous=0)
    rng = rng_for(11)
    counter = top = 0
    for step in range(1150):
        r = rng.random()
        if step >= 1000 and r < 0.05:
            # A new generation (salts change, frames restart at 1).
            assert b.checkpoint("RESTART")[0] == 0
        elif r < 0.7:
            counter = bank.transfer(a, rng)
        elif r < 0.95:
            counter = bank.transfer(b, rng)
        else:
            spill_and_roll_back(a, bank)
        top = max(top, a.wal.frame_count())
        if step % 50 == 49:
            assert_hash_is_sequential(a.wal.index)
        if step in (500, 1149):
            # sqlite3 finds pages through the hash we wrote.
            _, total, seen = sqlite_bank_state(bank.path)
            assert (total, seen) == (bank.total, counter)
    assert top > WI.NPAGE_ONE           # a second hash block was used
    a.close()
    b.close()


# -- incremental page checksums ------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(st.sampled_from([512, 1024, 4096, 65536]), st.booleans(), st.integers(0, 2**64),
       st.lists(st.lists(st.tuples(st.integers(0, 65535), st.binary(min_size=1, max_size=40)),
                         max_size=20), min_size=1, max_size=4))
def test_page_checksum_update_equals_reference(page_size, big, seed, rounds):
    # A page rewritten several times with a few (or many: recomputed) edits.
    summer = W._checksummer(page_size, big)
    image = bytearray(random.Random(seed).randbytes(page_size))
    e = summer.expansion(bytes(image))
    for edits in rounds:
        old = bytes(image)
        for off, data in edits:
            off %= page_size
            image[off:off + len(data)] = data[:page_size - off]
        new = bytes(image)
        updated = summer.update(e, old, new)
        e = updated if updated is not None else summer.expansion(new)
        assert summer.chain(e, 7, 2**32 - 3) == WI.wal_checksum(new, 7, 2**32 - 3, big)


def test_frames_written_with_incremental_checksums_validate(tmp_path):
    # Recovery checks every frame's checksum chain: a fresh wal-index built
    # from the -wal must reach the writer's last commit.
    bank = BankDb(str(tmp_path / "b.db"))
    w = Pager(bank.path, wal_autocheckpoint=0, synchronous=0)
    rng = rng_for(4)
    for _ in range(120):
        bank.transfer(w, rng)
    mx = w.wal.frame_count()
    w.begin_read()
    chain = W.Wal._scan(w.wal.wal_file, w.wal.wal_file.size(), bank.page_size,
                        w.wal.hdr.big_end, w.wal.hdr.salt,
                        W.wal_checksum(w.wal.wal_file.read(0, 24),
                                       big_endian=bool(w.wal.hdr.big_end)))
    w.end_read()
    assert chain[1] == mx
    _, total, counter = sqlite_bank_state(bank.path)
    assert (total, counter) == (bank.total, 120)
    w.close()


# -- autocheckpoint retries ----------------------------------------------------

def test_autocheckpoint_retries_sparsely_while_a_reader_pins_the_wal(tmp_path):
    bank = BankDb(str(tmp_path / "b.db"))
    w = Pager(bank.path, wal_autocheckpoint=20)
    r = Pager(bank.path)
    rng = rng_for(9)
    attempts = []
    real = w.wal.checkpoint

    def counting(*args, **kwargs):
        attempts.append(w.wal.frame_count())
        return real(*args, **kwargs)
    w.wal.checkpoint = counting
    while w.wal.frame_count() < 20:
        bank.transfer(w, rng)
    r.begin_read()
    bank.read(r, 1)               # pins the snapshot
    attempts.clear()
    start = w.wal.frame_count()
    for _ in range(60):
        counter = bank.transfer(w, rng)
    grown = w.wal.frame_count() - start
    # One attempt per 20 // 4 frames of growth, not one per commit.
    assert 1 <= len(attempts) <= grown // 5 + 1
    assert all(b - a >= 5 for a, b in zip(attempts, attempts[1:]))
    r.end_read()
    # Unpinned: the next attempt copies everything, then the log restarts.
    for _ in range(10):
        counter = bank.transfer(w, rng)
        if w.wal.index.nbackfill == w.wal.frame_count():
            break
    else:
        raise AssertionError("no complete checkpoint once the reader left")
    counter = bank.transfer(w, rng)
    assert w.wal.frame_count() < 20
    assert bank.state(r) == (bank.total, counter)
    _, total, seen = sqlite_bank_state(bank.path)
    assert (total, seen) == (bank.total, counter)
    w.close()
    r.close()


SQLITE_TRANSFERS = r"""
import json, random, sqlite3, sys
path, seed, n, accounts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
con = sqlite3.connect(path, isolation_level=None, timeout=30)
con.execute("PRAGMA wal_autocheckpoint=0")
rng = random.Random(seed)
bump = ("UPDATE t SET v = printf('%08d', CAST(substr(v, 1, 8) AS INTEGER) + ?) "
        "|| substr(v, 9) WHERE id = ?")
for _ in range(n):
    con.execute("BEGIN IMMEDIATE")
    a, b = rng.sample(range(2, accounts + 2), 2)
    amount = rng.randint(0, 50)
    con.execute(bump, (-amount, a))
    con.execute(bump, (amount, b))
    con.execute(bump, (1, 1))
    con.execute("COMMIT")
print(json.dumps(con.execute("SELECT CAST(substr(v, 1, 8) AS INTEGER) FROM t WHERE id = 1")
                 .fetchone()[0]))
"""


def test_hints_stay_valid_across_sqlite3_writers(tmp_path):
    # sqlite3 appends frames and hash entries between our commits (and reads
    # through the hash we wrote): both keep the hash sequential.
    bank = BankDb(str(tmp_path / "b.db"), accounts=40, page_size=512)
    w = Pager(bank.path, wal_autocheckpoint=0, synchronous=0)
    rng = rng_for(12)
    for rnd in range(4):
        for _ in range(60):
            bank.transfer(w, rng)
        counter = sqlite_in_child(SQLITE_TRANSFERS, bank.path, rnd, 60, bank.accounts)
        assert bank.state(w) == (bank.total, counter)
        assert_hash_is_sequential(w.wal.index)
    counter = bank.transfer(w, rng)
    assert_hash_is_sequential(w.wal.index)
    _, total, seen = sqlite_bank_state(bank.path)
    assert (total, seen) == (bank.total, counter)
    w.close()
