"""Crashes: SIGKILLed writers, simulated power loss (FaultVFS drops or tears
writes that were never synced), and I/O errors in the middle of commits and
checkpoints.  After each, the database must hold exactly one committed
state: the bank total is intact, the commit counter did not go backwards
past an acknowledged commit (durability, where the sync level promises it),
and sqlite3 agrees and finds the file sound.
"""
import os
import shutil
import signal
import struct
import time

import pytest

from faultvfs import (BankDb, FaultVFS, PowerLoss, bank, rng_for,  # noqa: F401 - fixture
                      sqlite_bank_state)
from minisql import errors
from minisql.storage import walindex as WI
from minisql.storage.pager import SYNC_FULL, SYNC_NORMAL, SYNC_OFF, Pager


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    d = tmp_path_factory.mktemp("template")
    return BankDb(str(d / "bank.db"), accounts=40)


def fresh_copy(template, d):
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "bank.db")
    shutil.copy(template.path, path)
    b = BankDb.__new__(BankDb)
    b.__dict__.update(template.__dict__)
    b.path = path
    return b


# -- SIGKILL ------------------------------------------------------------------

def _child_loop(bank, seed, sync, autockpt, ack_fd):
    """Runs in a forked child until killed: commit, then acknowledge."""
    try:
        p = Pager(bank.path, synchronous=sync, wal_autocheckpoint=autockpt)
        rng = rng_for(seed)
        while True:
            n = bank.transfer(p, rng)
            os.write(ack_fd, struct.pack("<Q", n))
            if rng.random() < 0.05:
                p.checkpoint(rng.choice(["PASSIVE", "FULL", "RESTART", "TRUNCATE"]))
    finally:
        os._exit(1)


def _acked(fd):
    last = 0
    buf = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        buf += chunk
    for i in range(0, len(buf) - len(buf) % 8, 8):
        last = struct.unpack_from("<Q", buf, i)[0]
    return last


def kill_rounds(bank, rounds, seed, keep_open, sqlite_every):
    """Fork a writer, SIGKILL it at a random moment, verify; ``keep_open``:
    the parent holds a connection throughout (the -shm survives the kills,
    possibly half-updated), else every child starts as first opener."""
    rng = rng_for(seed)
    observer = Pager(bank.path) if keep_open else None
    last_counter = 0
    for r in range(rounds):
        rfd, wfd = os.pipe()
        os.set_blocking(rfd, False)
        sync = rng.choice([SYNC_OFF, SYNC_NORMAL, SYNC_FULL])
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            _child_loop(bank, rng.getrandbits(32), sync, rng.choice([0, 10, 40]), wfd)
        os.close(wfd)
        time.sleep(rng.uniform(0.002, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        acked = _acked(rfd)
        os.close(rfd)
        p = observer or Pager(bank.path)
        total, counter = bank.state(p)
        assert total == bank.total, f"round {r}: torn transaction"
        # Killing a process loses nothing the OS already has, whatever the
        # sync level: every acknowledged commit survives.
        floor = max(acked, last_counter)      # the child may not have acked yet
        assert floor <= counter <= floor + 1, f"round {r}: acked {acked}, counter {counter}"
        last_counter = counter
        if sqlite_every and r % sqlite_every == sqlite_every - 1:
            if observer is None:
                p.close()
                p = None
            assert sqlite_bank_state(bank.path) == ([("ok",)], bank.total, counter)
        if p is not None and observer is None:
            p.close()
    if observer:
        observer.close()
    return last_counter


def test_sigkill_writer_first_opener_each_time(template, tmp_path):
    bank = fresh_copy(template, tmp_path / "a")
    assert kill_rounds(bank, 60, seed=1, keep_open=False, sqlite_every=15) > 0


def test_sigkill_writer_while_another_connection_keeps_the_shm(template, tmp_path):
    bank = fresh_copy(template, tmp_path / "b")
    assert kill_rounds(bank, 60, seed=2, keep_open=True, sqlite_every=20) > 0


@pytest.mark.slow
def test_sigkill_torture(template, tmp_path):
    bank = fresh_copy(template, tmp_path / "c")
    kill_rounds(bank, 1500, seed=3, keep_open=False, sqlite_every=50)
    kill_rounds(bank, 1500, seed=4, keep_open=True, sqlite_every=50)


# -- power loss ---------------------------------------------------------------

def power_loss_round(template, d, rng, sync):
    """Run transfers through a FaultVFS until the power fails at a random
    operation; open what the disk could hold and check it.  Returns
    (acked, counter after the crash)."""
    bank = fresh_copy(template, d / "live")
    vfs = FaultVFS()
    acked = 0
    p = Pager(bank.path, vfs=vfs, synchronous=sync, wal_autocheckpoint=rng.choice([5, 20, 60]))
    vfs.power_off_after(rng.randint(1, 400))
    trng = rng_for(rng.getrandbits(32))
    try:
        while True:
            acked = bank.transfer(p, trng)
            if trng.random() < 0.05:
                p.checkpoint(trng.choice(["PASSIVE", "RESTART", "TRUNCATE"]))
    except PowerLoss:
        pass
    vfs.abandon()
    img = d / "image"
    img.mkdir()
    vfs.crash_image(str(img), rng)
    after = BankDb.__new__(BankDb)
    after.__dict__.update(bank.__dict__)
    after.path = str(img / "bank.db")
    q = Pager(after.path)
    total, counter = after.state(q)
    q.close()
    assert total == bank.total, "torn transaction after power loss"
    if sync >= SYNC_FULL:
        assert acked <= counter <= acked + 1, (acked, counter)
    else:
        # NORMAL/OFF: consistent, but the last commits may be lost.
        assert counter <= acked + 1
    return bank, after, acked, counter


@pytest.mark.parametrize("sync", [SYNC_FULL, SYNC_NORMAL])
def test_power_loss_keeps_database_consistent(template, tmp_path, sync):
    rng = rng_for(100 + sync)
    for i in range(40):
        bank, after, acked, counter = power_loss_round(template, tmp_path / str(i), rng, sync)
        if i % 10 == 0:
            assert sqlite_bank_state(after.path) == ([("ok",)], bank.total, counter)


@pytest.mark.slow
def test_power_loss_torture(template, tmp_path):
    rng = rng_for(7)
    for i in range(1000):
        power_loss_round(template, tmp_path / str(i), rng, rng.choice([SYNC_FULL, SYNC_NORMAL]))


def test_crash_image_model_drops_unsynced_writes(tmp_path):
    """The fault model itself: synced data always survives; unsynced data
    may vanish."""
    vfs = FaultVFS()
    f = vfs.open(str(tmp_path / "x"))
    f.write(0, b"a" * 1024)
    f.sync()
    f.write(0, b"b" * 1024)
    seen = set()
    rng = rng_for(1)
    for i in range(30):
        out = tmp_path / f"o{i}"
        out.mkdir()
        vfs.crash_image(str(out), rng)
        seen.add((out / "x").read_bytes()[::512])
    assert seen >= {b"aa", b"bb", b"ab"} or seen >= {b"aa", b"bb", b"ba"}
    f.close()


# -- I/O errors ---------------------------------------------------------------

def test_failed_wal_write_publishes_nothing(bank):
    vfs = FaultVFS()
    p = Pager(bank.path, vfs=vfs)
    rng = rng_for(5)
    bank.transfer(p, rng)
    vfs.fail(lambda op, path: errors.ioerr() if op == "write" and path.endswith("-wal") else None)
    with pytest.raises(errors.OperationalError, match="disk I/O error"):
        bank.transfer(p, rng)
    assert not p.in_write
    vfs.fail(None)
    assert bank.state(p) == (bank.total, 1)
    assert bank.transfer(p, rng) == 2
    p.close()
    assert sqlite_bank_state(bank.path) == ([("ok",)], bank.total, 2)


def test_failed_commit_sync_and_disk_full(bank):
    vfs = FaultVFS()
    p = Pager(bank.path, vfs=vfs)
    rng = rng_for(6)
    bank.transfer(p, rng)
    vfs.fail(lambda op, path: errors.ioerr() if op == "sync" else None)
    with pytest.raises(errors.OperationalError, match="disk I/O error"):
        bank.transfer(p, rng)
    vfs.fail(lambda op, path: errors.full() if op == "write" else None)
    with pytest.raises(errors.OperationalError, match="database or disk is full"):
        bank.transfer(p, rng)
    vfs.fail(None)
    # The failed commits were never published; the counter continues.
    assert bank.state(p) == (bank.total, 1)
    assert bank.transfer(p, rng) == 2
    p.close()


def test_failed_checkpoint_leaves_wal_usable(bank):
    vfs = FaultVFS()
    p = Pager(bank.path, vfs=vfs, wal_autocheckpoint=0)
    rng = rng_for(7)
    for _ in range(5):
        bank.transfer(p, rng)
    vfs.fail(lambda op, path: errors.ioerr() if op == "write" and path.endswith(".db") else None)
    with pytest.raises(errors.OperationalError, match="disk I/O error"):
        p.checkpoint("PASSIVE")
    assert p.wal.index.nbackfill == 0
    vfs.fail(None)
    assert bank.state(p) == (bank.total, 5)
    assert p.checkpoint("TRUNCATE") == (0, 0, 0)
    assert bank.state(p) == (bank.total, 5)
    p.close()


def test_stale_hash_entries_of_a_crashed_writer_are_cleaned(bank):
    """A writer that died after indexing frames but before publishing them
    leaves aPgno/aHash entries past mxFrame; the next writer drops them."""
    p = Pager(bank.path, wal_autocheckpoint=0)
    rng = rng_for(8)
    bank.transfer(p, rng)
    mx = p.wal.hdr.mx_frame
    for i in range(1, 4):                 # the dead writer's frames
        p.wal.index.append_frames(mx + i, (2,), mx)
    bank.transfer(p, rng)
    idx = p.wal.index
    _, u32, u16 = idx.block(0)
    new_mx = p.wal.hdr.mx_frame
    slots = [v for v in u16[WI.HASH_U16:WI.HASH_U16 + WI.NSLOT].tolist() if v]
    assert sorted(slots) == list(range(1, new_mx + 1))
    assert u32[34 + new_mx:34 + new_mx + 3].tolist() == [0, 0, 0]
    p.close()
    assert sqlite_bank_state(bank.path) == ([("ok",)], bank.total, 2)
