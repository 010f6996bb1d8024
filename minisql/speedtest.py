"""The speedtest: the same workloads through minisql and the stdlib sqlite3.

    python -m minisql.speedtest                     # scale 1 (100,000 rows), 3 repetitions
    python -m minisql.speedtest --only index,join --repeat 5
    python -m minisql.speedtest --json out.json     # the results as JSON too ('-': stdout)
    python -m minisql.speedtest --growth --scale 10 # per-op cost and peak memory, 1 vs 10
    python -m minisql.speedtest --only group_by --profile prof/   # cProfile minisql
    python -m minisql.speedtest --plans             # EXPLAIN QUERY PLAN of both engines

How it measures
    Both engines run the same SQL with the same pragmas (journal_mode=WAL,
    synchronous=NORMAL, cache_size=-2000, SQLite's default, unless
    --cache-size), every run in a fresh temporary directory.  Repetitions
    alternate the order (sqlite3 then minisql, then minisql then sqlite3, ...)
    so that noise on the machine hits both.  Only a workload's timed block
    counts: generating data, opening the database, copying the prepared file
    and checking answers happen outside it.  The ratio is minisql/sqlite3 of
    the best times (of the median times in brackets); rates (the concurrent
    workload) compare the other way round, minisql's rate over sqlite3's.
    Each target is printed as PASS or MISS -- never asserted: the speedtest
    exits 0 whatever the numbers are.

    Read workloads start from a copy of a database each engine built itself:
    its own bulk-insert run (table ``t``) plus a join table ``u`` with an
    index, checkpointed into the database file.  Every workload returns a
    digest of its answers; a row whose minisql digest differs from sqlite3's
    is marked DIFF, because a fast wrong answer is no result.

Scale
    --scale 1 means 100,000 rows in ``t``; counts of operations (point
    selects, lookups, updates, commits) grow with the scale up to scale 1 and
    stay there, so per-operation costs stay comparable at larger scales.
"""

import argparse
import contextlib
import cProfile
import gc
import io
import json
import multiprocessing
import os
import platform
import pstats
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time

from . import __version__ as minisql_version
from . import dbapi as minisql_dbapi

ENGINES = ("sqlite3", "minisql")
MODULES = {"sqlite3": sqlite3, "minisql": minisql_dbapi}


class Metric:
    """One measured line of the table.  ``kind`` "time": seconds, ratio
    minisql/sqlite3 must be <= target; "rate": operations per second, ratio
    minisql/sqlite3 must be >= target.  target None: reported only."""

    def __init__(self, name, kind, target, what):
        self.name, self.kind, self.target, self.what = name, kind, target, what


METRICS = {m.name: m for m in [
    Metric("bulk_insert", "time", 10, "executemany INSERT of all rows, one transaction"),
    Metric("point_select", "time", 3, "SELECT by INTEGER PRIMARY KEY, one row each"),
    Metric("index_build", "time", 10, "CREATE INDEX t_a ON t(a) + commit"),
    Metric("index_lookup", "time", 3, "SELECT id, b FROM t WHERE a = ? through t_a"),
    Metric("range_agg", "time", 10, "count/sum/avg/max over 100 rowid ranges of 1%"),
    Metric("group_by", "time", 10, "GROUP BY a % 100 over the whole table"),
    Metric("update", "time", 10, "UPDATE by key, one transaction"),
    Metric("delete", "time", 10, "DELETE FROM t WHERE id % 3 = 0"),
    Metric("commit_full", "time", 1.5, "one-row INSERT + COMMIT each, synchronous=FULL"),
    Metric("join", "time", 10, "u JOIN t by rowid + t CROSS JOIN u through index u_t"),
    Metric("checkpoint", "time", 3, "PRAGMA wal_checkpoint(TRUNCATE) of a ~4 MB WAL"),
    Metric("cold_open", "time", None, "connect + first point select, fresh connection"),
    Metric("concurrent_write", "rate", 0.2, "writer commits/s beside 2 reader processes"),
    Metric("concurrent_read", "rate", 0.2, "reader queries/s (2 processes, summed)"),
]}

# name -> (function, metrics, starts from the prepared database)
WORKLOADS = {}


def workload(name, *metrics, template=True):
    def register(fn):
        WORKLOADS[name] = (fn, metrics, template)
        return fn
    return register


# -- the data: a pure function of the row number, so that every process and
#    every scale agrees on it without passing it around ------------------------

WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
         "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa")
PRIME = 4294967291          # largest prime < 2**32: i -> i*K % PRIME is one-to-one


def t_row(i):
    """Row ``i`` of t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL): ``a``
    is unique and scattered (a random-order index build), b is 18-40 chars."""
    h = i * 2654435761 % PRIME
    return (i, h, f"{WORDS[i & 15]} {WORDS[h & 15]} {h % 1000003:07d}" + "." * (i % 11),
            (h % 100000) / 100.0)


def u_row(j, n):
    """Row ``j`` of u(id INTEGER PRIMARY KEY, t_id INTEGER, w INTEGER)."""
    return (j, j * 7919 % n + 1, j % 1000)


def rows_for(scale):
    return max(100, int(round(100_000 * scale)))


def ops_for(scale, full):
    """``full`` operations at scale 1, fewer below it, never more above it."""
    return max(10, int(round(full * min(scale, 1.0))))


def one(con, sql, params=()):
    """The first row of a query's answer, the statement run to its end.

    fetchall(), so that no statement -- and no read snapshot -- outlives the
    call whatever an engine's rules for unfinished cursors are: each query
    is one whole read transaction on both engines.  (An early minisql kept
    the snapshot of a dropped, unfinished cursor open; its point selects
    then all shared one read transaction and saw no other commits.)"""
    return con.execute(sql, params).fetchall()[0]


def normalize(value):
    """Answers compared between engines: floats to 10 significant digits (an
    engine may sum in another order)."""
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    return value


# -- one run of one workload on one engine, in its own directory -------------------

class Run:
    def __init__(self, bench, engine):
        self.bench = bench
        self.engine = engine
        self.module = MODULES[engine]
        self.dir = tempfile.mkdtemp(prefix=f"{engine}-", dir=bench.root)
        self.db = os.path.join(self.dir, "bench.db")
        self.values = {}      # metric -> seconds (or rate)
        self.cpu = {}         # metric -> CPU seconds of this process
        self.ops = {}
        self.info = {}

    def connect(self, path=None):
        con = self.module.connect(path or self.db, timeout=30.0)
        for pragma in self.bench.pragmas:
            con.execute("PRAGMA " + pragma).fetchall()
        return con

    @contextlib.contextmanager
    def timed(self, metric, ops):
        """Time the block (added to what the metric already has in this run);
        under --profile, minisql's block also runs under cProfile."""
        prof = self.bench.profiler(metric) if self.engine == "minisql" else None
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        if prof is not None:
            prof.enable()
        try:
            yield
        finally:
            if prof is not None:
                prof.disable()
        self.values[metric] = self.values.get(metric, 0.0) + time.perf_counter() - t0
        self.cpu[metric] = self.cpu.get(metric, 0.0) + time.process_time() - c0
        self.ops[metric] = ops

    def record(self, metric, value, ops):
        self.values[metric] = value
        self.ops[metric] = ops

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# -- workloads --------------------------------------------------------------------

CREATE_T = "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)"


@workload("bulk_insert", "bulk_insert", template=False)
def w_bulk_insert(run):
    b = run.bench
    con = run.connect()
    con.execute(CREATE_T)
    con.commit()
    with run.timed("bulk_insert", b.n):
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", b.t_rows)
        con.commit()
    digest = one(con, "SELECT count(*), sum(a), max(b), total(c) FROM t")
    if run.engine not in b.templates:
        b.keep_template(run, con)
    con.close()
    return {"bulk_insert": digest}


@workload("point_select", "point_select")
def w_point_select(run):
    b = run.bench
    con = run.connect()
    acc = 0
    with run.timed("point_select", len(b.point_ids)):
        for i in b.point_ids:
            acc += one(con, "SELECT a, b, c FROM t WHERE id = ?", (i,))[0]
    con.close()
    return {"point_select": acc}


@workload("index", "index_build", "index_lookup")
def w_index(run):
    b = run.bench
    con = run.connect()
    with run.timed("index_build", b.n):
        con.execute("CREATE INDEX t_a ON t(a)")
        con.commit()
    found = ids = 0
    with run.timed("index_lookup", len(b.lookup_keys)):
        for a in b.lookup_keys:
            for row in con.execute("SELECT id, b FROM t WHERE a = ?", (a,)).fetchall():
                found += 1
                ids += row[0]
    con.close()
    # The lookups are what shows that the index was built right.
    return {"index_build": (found, ids), "index_lookup": (found, ids)}


@workload("range_agg", "range_agg")
def w_range_agg(run):
    # id >= ? AND id < ? rather than BETWEEN: see the report (minisql's planner
    # does not turn BETWEEN into a rowid range yet; the workload measures the
    # executor, --plans shows the difference).
    b = run.bench
    con = run.connect()
    out = []
    q = "SELECT count(*), sum(a), avg(c), max(b) FROM t WHERE id >= ? AND id < ?"
    with run.timed("range_agg", len(b.ranges)):
        for lo, hi in b.ranges:
            out.append(one(con, q, (lo, hi)))
    con.close()
    return {"range_agg": out}


GROUP_BY_SQL = ("SELECT a % 100 AS g, count(*), sum(c), min(b), max(length(b)) "
                "FROM t GROUP BY g ORDER BY g")


@workload("group_by", "group_by")
def w_group_by(run):
    con = run.connect()
    with run.timed("group_by", run.bench.n):
        rows = con.execute(GROUP_BY_SQL).fetchall()
    con.close()
    return {"group_by": rows}


@workload("update_delete", "update", "delete")
def w_update_delete(run):
    b = run.bench
    con = run.connect()
    with run.timed("update", len(b.updates)):
        for text, i in b.updates:
            con.execute("UPDATE t SET c = c + 1, b = ? WHERE id = ?", (text, i))
        con.commit()
    after_update = one(con, "SELECT count(*), total(c), max(b) FROM t")
    with run.timed("delete", b.n // 3):
        con.execute("DELETE FROM t WHERE id % 3 = 0")
        con.commit()
    after_delete = one(con, "SELECT count(*), total(c), sum(a) FROM t")
    con.close()
    return {"update": after_update, "delete": after_delete}


@workload("commit_full", "commit_full", template=False)
def w_commit_full(run):
    b = run.bench
    con = run.connect()
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE log(id INTEGER PRIMARY KEY, at INTEGER, what TEXT)")
    con.commit()
    with run.timed("commit_full", b.commits):
        for i in range(b.commits):
            con.execute("INSERT INTO log(at, what) VALUES (?, ?)", (i, f"event {i}"))
            con.commit()
    digest = one(con, "SELECT count(*), sum(at) FROM log")
    con.close()
    return {"commit_full": digest}


def fsync_baseline(directory, count):
    """``count`` appends of one WAL frame's size (24 + 4096 bytes), each
    followed by fdatasync (what SQLite calls on Linux; fsync elsewhere):
    what a one-page commit must at least cost here."""
    sync = getattr(os, "fdatasync", os.fsync)
    path = os.path.join(directory, "fsync.bin")
    frame = os.urandom(24 + 4096)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        t0 = time.perf_counter()
        for _ in range(count):
            os.write(fd, frame)
            sync(fd)
        return time.perf_counter() - t0
    finally:
        os.close(fd)
        os.unlink(path)


JOIN_PK_SQL = "SELECT count(*), sum(t.c), sum(u.w) FROM u JOIN t ON t.id = u.t_id"
# CROSS JOIN fixes the loop order (in both engines: neither reorders across it).
JOIN_INDEX_SQL = ("SELECT count(*), sum(t.a % 1000), sum(u.w) FROM t CROSS JOIN u "
                  "ON u.t_id = t.id WHERE t.id >= ? AND t.id < ?")


@workload("join", "join")
def w_join(run):
    b = run.bench
    con = run.connect()
    with run.timed("join", b.nu * 2):
        by_pk = one(con, JOIN_PK_SQL)
        by_index = one(con, JOIN_INDEX_SQL, (1, b.nu + 1))
    con.close()
    return {"join": (by_pk, by_index)}


@workload("checkpoint", "checkpoint", template=False)
def w_checkpoint(run):
    b = run.bench
    con = run.connect()
    con.execute("PRAGMA wal_autocheckpoint=0").fetchall()
    con.execute("CREATE TABLE ck(id INTEGER PRIMARY KEY, v TEXT)")
    con.commit()
    for lo in range(0, len(b.ck_rows), 1000):
        con.executemany("INSERT INTO ck VALUES (?, ?)", b.ck_rows[lo:lo + 1000])
        con.commit()
    wal = run.db + "-wal"
    wal_bytes = os.path.getsize(wal)
    with run.timed("checkpoint", 1):
        busy = one(con, "PRAGMA wal_checkpoint(TRUNCATE)")[0]
    # TRUNCATE answers log = checkpointed = 0 (the WAL is empty afterwards):
    # the frame count comes from the size (32-byte header, 24-byte frame headers).
    run.info.update(wal_bytes=wal_bytes, frames=(wal_bytes - 32) // (24 + 4096),
                    wal_bytes_after=os.path.getsize(wal) if os.path.exists(wal) else 0)
    digest = (busy, run.info["wal_bytes_after"],
              one(con, "SELECT count(*), max(v) FROM ck"))
    con.close()
    return {"checkpoint": digest}


@workload("cold_open", "cold_open")
def w_cold_open(run):
    """A fresh connection to an existing database (module already imported):
    open, read the schema, answer one point select.  No pragmas: journal_mode
    is stored in the file and the rest do not matter for one read."""
    b = run.bench
    rows = []
    for i in b.point_ids[:b.opens]:
        with run.timed("cold_open", b.opens):
            con = run.module.connect(run.db)
            rows.append(one(con, "SELECT b FROM t WHERE id = ?", (i,)))
        con.close()
    return {"cold_open": rows}


ACCOUNTS = 100
START_BALANCE = 1000
READ_SQL = ("SELECT (SELECT sum(bal) FROM acct), (SELECT count(*) FROM acct), "
            "(SELECT ver FROM meta WHERE k = 1)")


@workload("concurrent", "concurrent_write", "concurrent_read", template=False)
def w_concurrent(run):
    """One writer moving money between accounts and bumping a version in
    each transaction; two readers check in every query that the total is
    unchanged (else the snapshot is torn) and that the version is at least
    the number of commits the writer had finished when the query began
    (else the snapshot is stale)."""
    b = run.bench
    con = run.connect()
    con.execute("CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)")
    con.execute("CREATE TABLE meta(k INTEGER PRIMARY KEY, ver INTEGER NOT NULL)")
    con.executemany("INSERT INTO acct VALUES (?, ?)",
                    [(i, START_BALANCE) for i in range(1, ACCOUNTS + 1)])
    con.execute("INSERT INTO meta VALUES (1, 0)")
    con.commit()
    con.close()
    ctx = multiprocessing.get_context("spawn")
    go, results = ctx.Event(), ctx.Queue()
    committed = ctx.Value("q", 0, lock=False)    # written by the writer only
    roles = ("writer", "reader", "reader")
    procs = [ctx.Process(target=concurrent_worker,
                         args=(role, run.engine, run.db, b.pragmas, b.seconds,
                               b.seed + k, go, results, committed), daemon=True)
             for k, role in enumerate(roles)]
    for p in procs:
        p.start()
    try:
        for _ in roles:
            if results.get(timeout=120) != "ready":
                raise RuntimeError("a concurrent worker failed to start")
        go.set()
        done = [results.get(timeout=b.seconds + 120) for _ in roles]
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.terminate()
    writer = next(d for d in done if d["role"] == "writer")
    readers = [d for d in done if d["role"] == "reader"]
    run.record("concurrent_write", writer["count"] / writer["elapsed"], None)
    run.record("concurrent_read", sum(r["count"] / r["elapsed"] for r in readers), None)
    run.info.update(commits=writer["count"], queries=sum(r["count"] for r in readers))
    con = run.connect()
    total, n, ver = one(con, READ_SQL)
    con.close()
    run.info.update(
        wrong_snapshots=sum(r["torn"] + r["stale"] for r in readers),
        torn=sum(r["torn"] for r in readers), stale=sum(r["stale"] for r in readers),
        errors=sum(d["errors"] for d in done),
        first_error=next((d["first_error"] for d in done if d["first_error"]), None),
        lost_commits=writer["count"] - ver)
    return {"concurrent_write": (total, n), "concurrent_read": (total, n)}


def concurrent_worker(role, engine, path, pragmas, seconds, seed, go, results,
                      committed):
    """A child process (spawned, so it shares nothing with the parent)."""
    try:
        con = MODULES[engine].connect(path, timeout=30.0)
        for pragma in pragmas:
            con.execute("PRAGMA " + pragma).fetchall()
        one(con, READ_SQL)                      # warm the schema and the cache
    except Exception as e:
        results.put(f"{type(e).__name__}: {e}")
        return
    results.put("ready")
    go.wait()
    rng = random.Random(seed)
    count = torn = stale = errors = 0
    first_error = None
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while time.perf_counter() < deadline:
        try:
            if role == "writer":
                x, y = rng.sample(range(1, ACCOUNTS + 1), 2)
                amount = rng.randint(1, 50)
                con.execute("UPDATE acct SET bal = bal - ? WHERE id = ?", (amount, x))
                con.execute("UPDATE acct SET bal = bal + ? WHERE id = ?", (amount, y))
                con.execute("UPDATE meta SET ver = ver + 1 WHERE k = 1")
                con.commit()
                committed.value = count + 1
            else:
                floor = committed.value
                total, n, ver = one(con, READ_SQL)
                torn += total != ACCOUNTS * START_BALANCE or n != ACCOUNTS
                stale += ver < floor
            count += 1
        except Exception as e:       # busy and the like: counted, reported, go on
            errors += 1
            first_error = first_error or f"{type(e).__name__}: {e}"
            with contextlib.suppress(Exception):
                con.rollback()
    elapsed = time.perf_counter() - t0
    con.close()
    results.put({"role": role, "count": count, "torn": torn, "stale": stale,
                 "errors": errors,
                 "first_error": first_error, "elapsed": elapsed})


# -- the bench --------------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.scale = args.scale
        self.seed = args.seed
        self.seconds = args.seconds
        self.pragmas = ("journal_mode=WAL", "synchronous=NORMAL",
                        f"cache_size={args.cache_size}")
        self.root = tempfile.mkdtemp(prefix="minisql-speedtest-", dir=args.dir)
        self.templates = {}
        self.results = {}     # metric -> engine -> [value per repetition]
        self.cpu = {}         # metric -> engine -> [CPU seconds per repetition]
        self.ops = {}
        self.digests = {}     # metric -> engine -> [normalized digest per run]
        self.info = {}        # metric -> engine -> info of the last run
        self.baseline = []    # fsync baseline seconds per repetition
        self.profiles = {}
        rng = random.Random(self.seed)
        n = self.n = rows_for(self.scale)
        k = ops_for(self.scale, 10_000)
        self.nu = max(10, n // 10)
        self.commits = ops_for(self.scale, 1_000)
        self.opens = 20
        self.t_rows = [t_row(i) for i in range(1, n + 1)]
        self.point_ids = [rng.randint(1, n) for _ in range(k)]
        self.lookup_keys = [t_row(rng.randint(1, n))[1] for _ in range(k)]
        width = max(1, n // 100)
        self.ranges = [(lo, lo + width) for lo in
                       (rng.randint(1, n - width + 1) for _ in range(100))]
        self.updates = [(f"updated {j} {WORDS[j & 15]}", rng.randint(1, n)) for j in range(k)]
        # A WAL of ~4 MiB at scale 1: 23,000 rows of 200 characters in 23
        # transactions (each rewrites the previous one's last leaf).
        self.ck_rows = [(j, (WORDS[j & 15] * 30)[:190] + f"{j:010d}")
                        for j in range(1, max(100, int(23_000 * self.scale)) + 1)]

    # The prepared database each read workload copies.
    def keep_template(self, run, con):
        con.execute("CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER, w INTEGER)")
        con.executemany("INSERT INTO u VALUES (?, ?, ?)",
                        [u_row(j, self.n) for j in range(1, self.nu + 1)])
        con.execute("CREATE INDEX u_t ON u(t_id)")
        con.commit()
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        path = os.path.join(self.root, f"template-{run.engine}.db")
        shutil.copyfile(run.db, path)
        wal = run.db + "-wal"
        if os.path.exists(wal) and os.path.getsize(wal):
            shutil.copyfile(wal, path + "-wal")
        self.templates[run.engine] = path

    def template(self, engine):
        if engine not in self.templates:
            run = Run(self, engine)
            try:
                w_bulk_insert(run)
            finally:
                run.close()
            self.check_template(engine)
        return self.templates[engine]

    def check_template(self, engine):
        """sqlite3 (read-only, on a copy) checks the file the engine wrote."""
        d = tempfile.mkdtemp(dir=self.root)
        try:
            for suffix in ("", "-wal"):
                src = self.templates[engine] + suffix
                if os.path.exists(src):
                    shutil.copyfile(src, os.path.join(d, "check.db" + suffix))
            con = sqlite3.connect(f"file:{os.path.join(d, 'check.db')}?mode=ro", uri=True)
            verdict = con.execute("PRAGMA integrity_check").fetchall()
            con.close()
        finally:
            shutil.rmtree(d, ignore_errors=True)
        if verdict != [("ok",)]:
            note(f"WARNING: sqlite3 integrity_check of {engine}'s database: {verdict[:3]}")

    def profiler(self, metric):
        if not self.args.profile:
            return None
        return self.profiles.setdefault(metric, cProfile.Profile())

    def run(self, names):
        for name in names:
            fn, metrics, needs_template = WORKLOADS[name]
            for rep in range(self.args.repeat):
                order = ENGINES if rep % 2 == 0 else ENGINES[::-1]
                if name == "commit_full":
                    self.baseline.append(self.run_baseline())
                for engine in order:
                    self.run_one(name, fn, engine, needs_template, rep)

    def run_one(self, name, fn, engine, needs_template, rep):
        source = self.template(engine) if needs_template else None
        run = Run(self, engine)
        try:
            if source:
                shutil.copyfile(source, run.db)
                if os.path.exists(source + "-wal"):
                    shutil.copyfile(source + "-wal", run.db + "-wal")
            digests = fn(run)
        finally:
            run.close()
        for metric, value in run.values.items():
            self.results.setdefault(metric, {}).setdefault(engine, []).append(value)
            if metric in run.cpu:
                self.cpu.setdefault(metric, {}).setdefault(engine, []).append(run.cpu[metric])
            self.ops[metric] = run.ops[metric]
            self.digests.setdefault(metric, {}).setdefault(engine, []).append(
                normalize(digests[metric]))
            if run.info:
                self.info.setdefault(metric, {})[engine] = run.info
        shown = "  ".join(f"{m} {v:.4g}" for m, v in run.values.items())
        note(f"  {name:<14} rep {rep + 1}/{self.args.repeat}  {engine:<8} {shown}")

    def run_baseline(self):
        d = tempfile.mkdtemp(dir=self.root)
        try:
            return fsync_baseline(d, self.commits)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)

    # -- results ----------------------------------------------------------------

    def rows(self):
        out = []
        for name, metric in METRICS.items():
            per = self.results.get(name)
            if not per or any(e not in per for e in ENGINES):
                continue
            row = {"metric": name, "what": metric.what, "kind": metric.kind,
                   "unit": "s" if metric.kind == "time" else "per_s",
                   "ops": self.ops[name], "target": metric.target}
            pick = min if metric.kind == "time" else max
            for e in ENGINES:
                row[e] = {"best": pick(per[e]), "median": statistics.median(per[e]),
                          "runs": per[e]}
            cpu = self.cpu.get(name)
            if cpu:
                for e in ENGINES:
                    row[e]["cpu_best"] = min(cpu[e])
            s, m = row["sqlite3"], row["minisql"]
            row["ratio"] = m["best"] / s["best"] if s["best"] else None
            row["ratio_median"] = m["median"] / s["median"] if s["median"] else None
            # On a busy machine the CPU-time ratio is the steadier estimate of
            # the engines' own cost (it leaves out I/O waits, e.g. fsync).
            row["ratio_cpu"] = m["cpu_best"] / s["cpu_best"] \
                if cpu and s["cpu_best"] else None
            digests = self.digests[name]
            row["same_answers"] = all(d == digests["sqlite3"][0]
                                      for e in ENGINES for d in digests[e])
            info = self.info.get(name, {})
            if info:
                row["info"] = info
            if metric.target is None or row["ratio"] is None:
                ok = None
            elif metric.kind == "time":
                ok = row["ratio"] <= metric.target
            else:
                ok = row["ratio"] >= metric.target and \
                    info.get("minisql", {}).get("wrong_snapshots", 0) == 0
            row["verdict"] = "DIFF" if not row["same_answers"] else \
                "-" if ok is None else "PASS" if ok else "MISS"
            if name == "commit_full" and self.baseline:
                row["fsync_baseline"] = {"best": min(self.baseline),
                                         "median": statistics.median(self.baseline),
                                         "runs": self.baseline}
            out.append(row)
        return out


# -- growth: per-operation cost and memory at two scales ---------------------------

def build_growth_db(path, n):
    """The scale-n database, written by sqlite3 (both engines then read the very
    same file): t streamed from t_row, with the index t_a."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL").fetchall()
    con.execute(CREATE_T)
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", (t_row(i) for i in range(1, n + 1)))
    con.execute("CREATE INDEX t_a ON t(a)")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    con.close()


def growth_worker(engine, path, n, k, seed, pragmas, results):
    """A fresh process per measurement, so its peak RSS is this engine's at
    this scale (plus the interpreter and modules, reported as rss_start)."""
    try:
        rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rng = random.Random(seed)
        ids = [rng.randint(1, n) for _ in range(k)]
        keys = [t_row(rng.randint(1, n))[1] for _ in range(k)]
        con = MODULES[engine].connect(path, timeout=30.0)
        for pragma in pragmas:
            con.execute("PRAGMA " + pragma).fetchall()
        out = {"rss_start_kib": rss_start}
        # Untimed warm-up: the schema and both statements are parsed and
        # cached once, as cold_open measures; here only steady state counts.
        one(con, "SELECT a, b, c FROM t WHERE id = ?", (ids[0],))
        con.execute("SELECT id, b FROM t WHERE a = ?", (keys[0],)).fetchall()
        gc.collect()
        t0 = time.perf_counter()
        for i in ids:
            one(con, "SELECT a, b, c FROM t WHERE id = ?", (i,))
        out["point_select"] = time.perf_counter() - t0
        gc.collect()
        t0 = time.perf_counter()
        for a in keys:
            con.execute("SELECT id, b FROM t WHERE a = ?", (a,)).fetchall()
        out["index_lookup"] = time.perf_counter() - t0
        con.close()
        out["rss_peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        results.put(out)
    except Exception as e:
        results.put({"error": f"{type(e).__name__}: {e}"})


def run_growth(args, root):
    scales = (args.growth_base, args.scale)
    k = ops_for(min(scales), 10_000)
    pragmas = ("journal_mode=WAL", "synchronous=NORMAL", f"cache_size={args.cache_size}")
    ctx = multiprocessing.get_context("spawn")
    out = {"scales": list(scales), "rows": [rows_for(s) for s in scales], "ops": k,
           "engines": {}}
    for scale in scales:
        n = rows_for(scale)
        d = tempfile.mkdtemp(dir=root)
        path = os.path.join(d, "growth.db")
        note(f"  growth: building {n:,} rows with sqlite3")
        build_growth_db(path, n)
        for rep in range(args.repeat):
            for engine in (ENGINES if rep % 2 == 0 else ENGINES[::-1]):
                q = ctx.Queue()
                p = ctx.Process(target=growth_worker,
                                args=(engine, path, n, k, args.seed, pragmas, q))
                p.start()
                res = q.get(timeout=3600)
                p.join()
                if "error" in res:
                    raise RuntimeError(f"growth worker ({engine}, scale {scale}): {res['error']}")
                per = out["engines"].setdefault(engine, {}).setdefault(str(scale), [])
                per.append(res)
                note(f"  growth scale {scale:g} rep {rep + 1}/{args.repeat} {engine:<8} "
                     f"point {res['point_select']:.3f}s lookup {res['index_lookup']:.3f}s "
                     f"rss {res['rss_peak_kib'] / 1024:.0f} MiB")
        shutil.rmtree(d, ignore_errors=True)
    # Summaries: best per-op time at each scale, growth factor, peak RSS.
    summary = []
    lo, hi = (str(s) for s in scales)
    for engine, per in out["engines"].items():
        for op in ("point_select", "index_lookup"):
            a = min(r[op] for r in per[lo]) / k
            b = min(r[op] for r in per[hi]) / k
            summary.append({"engine": engine, "op": op, "per_op_s": [a, b], "growth": b / a})
        summary.append({"engine": engine, "op": "peak_rss_kib",
                        "rss_start_kib": [max(r["rss_start_kib"] for r in per[s])
                                          for s in (lo, hi)],
                        "rss_peak_kib": [max(r["rss_peak_kib"] for r in per[s])
                                         for s in (lo, hi)]})
    out["summary"] = summary
    return out


def format_growth(g):
    lo, hi = g["scales"]
    lines = [f"growth: scale {lo:g} ({g['rows'][0]:,} rows) -> scale {hi:g} "
             f"({g['rows'][1]:,} rows), {g['ops']:,} operations each, best of repetitions",
             f"{'operation':<14}{'engine':<9}{'us/op @' + format(lo, 'g'):>14}"
             f"{'us/op @' + format(hi, 'g'):>14}{'growth':>9}"]
    for s in g["summary"]:
        if s["op"] == "peak_rss_kib":
            continue
        a, b = s["per_op_s"]
        lines.append(f"{s['op']:<14}{s['engine']:<9}{a * 1e6:>14.1f}{b * 1e6:>14.1f}"
                     f"{s['growth']:>8.2f}x")
    for s in g["summary"]:
        if s["op"] == "peak_rss_kib":
            a, b = (v / 1024 for v in s["rss_peak_kib"])
            c, d = (v / 1024 for v in s["rss_start_kib"])
            lines.append(f"{'peak RSS MiB':<14}{s['engine']:<9}{a:>14.1f}{b:>14.1f}"
                         f"   (after imports: {c:.1f} / {d:.1f})")
    return "\n".join(lines)


# -- reporting ----------------------------------------------------------------------

def note(text):
    print(text, file=sys.stderr, flush=True)


def machine(directory):
    model = "unknown"
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    return {"nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
            "cpu": model, "system": platform.platform(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "minisql": minisql_version,
            "minisql_path": os.path.dirname(os.path.abspath(minisql_dbapi.__file__)),
            "filesystem": filesystem(directory), "loadavg_start": os.getloadavg()}


def filesystem(directory):
    """The type of the file system the temporary directories live on (fsync
    on tmpfs costs nothing, which would make commit_full meaningless)."""
    best, kind = "", "unknown"
    path = os.path.realpath(directory)
    with contextlib.suppress(OSError):
        with open("/proc/mounts") as f:
            for line in f:
                fields = line.split()
                mount = fields[1]
                if (path == mount or path.startswith(mount.rstrip("/") + "/")) \
                        and len(mount) >= len(best):
                    best, kind = mount, fields[2]
    return kind


def fmt_value(row, engine, key):
    v = row[engine][key]
    return f"{v:.4f}s" if row["kind"] == "time" else f"{v:,.0f}/s"


def format_table(rows):
    head = (f"{'workload':<17}{'ops':>8}  {'sqlite3 best':>13}{'median':>10}"
            f"  {'minisql best':>13}{'median':>10}  {'ratio':>7}{'(median)':>10}"
            f"  {'target':>7}  verdict{'cpu ratio':>11}")
    lines = [head, "-" * len(head)]
    for r in rows:
        t = r["target"]
        target = "" if t is None else (f"<={t:g}" if r["kind"] == "time" else f">={t:g}")
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        ratio_m = "" if r["ratio_median"] is None else f"({r['ratio_median']:.2f}x)"
        ops = "" if r["ops"] is None else r["ops"]
        lines.append(f"{r['metric']:<17}{ops:>8}  {fmt_value(r, 'sqlite3', 'best'):>13}"
                     f"{fmt_value(r, 'sqlite3', 'median'):>10}"
                     f"  {fmt_value(r, 'minisql', 'best'):>13}"
                     f"{fmt_value(r, 'minisql', 'median'):>10}"
                     f"  {ratio:>7}{ratio_m:>10}  {target:>7}  {r['verdict']:<7}"
                     + ("" if r["ratio_cpu"] is None else f"{r['ratio_cpu']:>10.2f}x"))
    notes = []
    for r in rows:
        info = r.get("info", {})
        if "fsync_baseline" in r:
            fb = r["fsync_baseline"]
            per = fb["best"] / r["ops"] * 1e3
            notes.append(f"commit_full: bare write+fsync baseline {fb['best']:.4f}s best, "
                         f"{fb['median']:.4f}s median ({per:.2f} ms per fsync); "
                         f"sqlite3 {r['sqlite3']['best'] / fb['best']:.2f}x, "
                         f"minisql {r['minisql']['best'] / fb['best']:.2f}x the baseline")
        if r["metric"] == "checkpoint" and info:
            notes.append("checkpoint: WAL before " + ", ".join(
                f"{e} {info[e]['wal_bytes'] / 2**20:.2f} MiB ({info[e]['frames']} frames)"
                for e in ENGINES if e in info))
        if r["metric"] == "concurrent_write" and info:
            notes.append("concurrent: " + "; ".join(
                f"{e}: wrong snapshots {info[e]['wrong_snapshots']} (torn {info[e]['torn']}, "
                f"stale {info[e]['stale']}), errors {info[e]['errors']}"
                f", lost commits {info[e]['lost_commits']}"
                + (f" (first: {info[e]['first_error']})" if info[e]["first_error"] else "")
                for e in ENGINES if e in info))
        if not r["same_answers"]:
            notes.append(f"{r['metric']}: minisql's answers differ from sqlite3's")
    return "\n".join(lines + [""] + notes)


def print_plans():
    """EXPLAIN QUERY PLAN of the read queries on both engines (a tiny
    database with the same schema), marking those that differ."""
    queries = [("point_select", "SELECT a, b, c FROM t WHERE id = ?", (1,)),
               ("index_lookup", "SELECT id, b FROM t WHERE a = ?", (1,)),
               ("range_agg", "SELECT count(*), sum(a), avg(c), max(b) FROM t "
                             "WHERE id >= ? AND id < ?", (1, 2)),
               ("range_agg (BETWEEN)", "SELECT count(*) FROM t WHERE id BETWEEN ? AND ?",
                (1, 2)),
               ("group_by", GROUP_BY_SQL, ()),
               ("update", "UPDATE t SET c = c + 1, b = ? WHERE id = ?", ("x", 1)),
               ("delete", "DELETE FROM t WHERE id % 3 = 0", ()),
               ("join (pk)", JOIN_PK_SQL, ()),
               ("join (index)", JOIN_INDEX_SQL, (1, 2))]
    d = tempfile.mkdtemp(prefix="minisql-plans-")
    try:
        plans = {}
        for engine in ENGINES:
            con = MODULES[engine].connect(os.path.join(d, f"{engine}.db"))
            con.execute(CREATE_T)
            con.execute("CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER, w INTEGER)")
            con.execute("CREATE INDEX t_a ON t(a)")
            con.execute("CREATE INDEX u_t ON u(t_id)")
            con.commit()
            for label, sql, params in queries:
                plans.setdefault(label, {})[engine] = [
                    r[-1] for r in con.execute("EXPLAIN QUERY PLAN " + sql, params)]
            con.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)
    for label, per in plans.items():
        mark = "" if per["sqlite3"] == per["minisql"] else "   <-- differs"
        print(f"{label}{mark}")
        for engine in ENGINES:
            print(f"  {engine:<8} {' / '.join(per[engine])}")


def dump_profiles(bench, directory):
    os.makedirs(directory, exist_ok=True)
    for metric, prof in bench.profiles.items():
        prof.dump_stats(os.path.join(directory, f"{metric}.prof"))
        text = io.StringIO()
        stats = pstats.Stats(prof, stream=text)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(25)
        with open(os.path.join(directory, f"{metric}.txt"), "w") as f:
            f.write(text.getvalue())
        note(f"  profile of minisql's {metric}: {directory}/{metric}.prof (.txt)")


# -- command line ---------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m minisql.speedtest",
                                 description="minisql vs sqlite3 on the same workloads")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="1 = 100,000 rows (default 1)")
    ap.add_argument("--repeat", type=int, default=3, help="repetitions per workload (3)")
    ap.add_argument("--only", action="append", default=[],
                    help="workloads or metrics to run, comma separated; may repeat "
                         f"(workloads: {', '.join(WORKLOADS)})")
    ap.add_argument("--json", metavar="PATH",
                    help="also write the results as JSON to PATH ('-': stdout; the "
                         "table then goes to stderr)")
    ap.add_argument("--seconds", type=float, default=3.0,
                    help="length of the concurrent phase (default 3)")
    ap.add_argument("--cache-size", type=int, default=-2000,
                    help="PRAGMA cache_size for both engines (default -2000, SQLite's)")
    ap.add_argument("--growth", action="store_true",
                    help="instead: point selects and indexed lookups at --growth-base "
                         "and at --scale, per-operation cost ratio and peak memory")
    ap.add_argument("--growth-base", type=float, default=1.0,
                    help="the smaller scale of --growth (default 1)")
    ap.add_argument("--profile", metavar="DIR",
                    help="run minisql's timed blocks under cProfile, write DIR/<metric>"
                         ".prof and .txt (minisql's times then include the overhead; "
                         "the concurrent workload's processes are not profiled)")
    ap.add_argument("--plans", action="store_true",
                    help="print both engines' EXPLAIN QUERY PLAN of the queries, then exit")
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--dir", default=None,
                    help="parent of the temporary directories (default: the system's)")
    args = ap.parse_args(argv)
    if args.scale <= 0 or args.repeat < 1 or args.seconds <= 0:
        ap.error("--scale, --repeat and --seconds must be positive")
    if args.growth and args.growth_base >= args.scale:
        ap.error("--growth compares --growth-base with a larger --scale")
    wanted = set()
    for item in filter(None, (x.strip() for x in ",".join(args.only).split(","))):
        owner = [w for w, (_, metrics, _) in WORKLOADS.items() if item in (w, *metrics)]
        if not owner:
            ap.error(f"unknown workload or metric {item!r}; workloads: "
                     f"{', '.join(WORKLOADS)}; metrics: {', '.join(METRICS)}")
        wanted.add(owner[0])
    args.workloads = [w for w in WORKLOADS if w in wanted or not wanted]
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.plans:
        print_plans()
        return 0
    out = sys.stderr if args.json == "-" else sys.stdout
    info = machine(args.dir or tempfile.gettempdir())
    header = (f"machine: {info['nproc']} CPUs, {info['cpu']}, {info['system']}, "
              f"Python {info['python']}, SQLite {info['sqlite']}, minisql {info['minisql']}, "
              f"temporary files on {info['filesystem']}")
    doc = {"version": 1, "machine": info, "scale": args.scale, "rows": rows_for(args.scale),
           "repeat": args.repeat}
    started = time.perf_counter()
    if args.growth:
        root = tempfile.mkdtemp(prefix="minisql-speedtest-", dir=args.dir)
        try:
            doc["growth"] = run_growth(args, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        print(header, file=out)
        print(format_growth(doc["growth"]), file=out)
    else:
        names = args.workloads
        bench = Bench(args)
        try:
            bench.run(names)
        finally:
            bench.close()
        rows = bench.rows()
        doc.update(pragmas=list(bench.pragmas), workloads=names, results=rows,
                   profiled=bool(args.profile))
        print(f"minisql speedtest: scale {args.scale:g} ({bench.n:,} rows), "
              f"{args.repeat} repetition(s), times in seconds (best, median)", file=out)
        print(header, file=out)
        print(f"pragmas (both engines): {', '.join(bench.pragmas)}", file=out)
        if args.profile:
            print("PROFILED: minisql's times include cProfile's overhead; "
                  "the ratios are not comparable", file=out)
            dump_profiles(bench, args.profile)
        print(file=out)
        print(format_table(rows), file=out)
    doc["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    doc["wall_seconds"] = time.perf_counter() - started
    info["loadavg_end"] = os.getloadavg()
    print(f"\nwall time {doc['wall_seconds']:.1f}s, peak RSS of this process "
          f"{doc['peak_rss_kib'] / 1024:.0f} MiB, load average "
          f"{info['loadavg_start'][0]:.1f} at start, {info['loadavg_end'][0]:.1f} at end "
          f"(> {info['nproc']}: other processes competed for the CPUs)", file=out)
    if args.json:
        text = json.dumps(doc, indent=2)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w") as f:
                f.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
