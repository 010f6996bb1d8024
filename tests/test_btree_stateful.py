"""Hypothesis state machine: random inserts, updates and deletes on a table
and its index, payload sizes straddling the overflow thresholds, against a
dict; at the end sqlite3 must find the file intact and identical."""
import os
import tempfile

from hypothesis import settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant,
                                 precondition, rule)

from minisql.storage.btreepage import Geometry
from minisql.storage.record import KeyInfo, encode_record

from test_btree_support import (add_schema, dump, mem_db, schema_roots,
                                sqlite_integrity, sqlite_query)

ROWIDS = st.integers(min_value=-20, max_value=120)


class BTreeMachine(RuleBasedStateMachine):
    @initialize(page_size=st.sampled_from([512, 1024, 4096]),
                reserved=st.sampled_from([0, 0, 8]))
    def setup(self, page_size, reserved):
        self.pager, self.bt = mem_db(page_size, reserved)
        self.root = self.bt.create_table()
        add_schema(self.bt, "table", "t", "t", self.root, "CREATE TABLE t(a, b)")
        self.iroot = self.bt.create_index()
        add_schema(self.bt, "index", "i", "t", self.iroot, "CREATE INDEX i ON t(b)")
        self.cur = self.bt.table(self.root)
        self.icur = self.bt.index(self.iroot)
        self.model = {}
        geo = Geometry(page_size - reserved)
        # Record size = payload; values straddle every local-size limit.
        self.sizes = sorted({0, 1, 7, geo.min_local - 12, geo.min_local - 11,
                             geo.max_local - 12, geo.max_local - 11, geo.max_local - 10,
                             geo.max_leaf - 12, geo.max_leaf - 11, geo.max_leaf - 10,
                             geo.usable - 4, 2 * geo.usable + 5} - {-1})

    def value(self, rowid, size_ix, tag):
        size = self.sizes[size_ix % len(self.sizes)]
        return ("%d:%d:" % (rowid, tag) + "x" * size)[:max(size, 1)] if size else ""

    @rule(rowid=ROWIDS, size_ix=st.integers(0, 30), tag=st.integers(0, 3))
    def upsert(self, rowid, size_ix, tag):
        b = self.value(rowid, size_ix, tag)
        if rowid in self.model:
            assert self.icur.seek([self.model[rowid], rowid])
            self.icur.delete()
        self.cur.insert(rowid, encode_record([rowid, b]))
        self.icur.insert([b, rowid])
        self.model[rowid] = b

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def delete(self, data):
        rowid = data.draw(st.sampled_from(sorted(self.model)))
        assert self.cur.seek(rowid)
        self.cur.delete()
        assert self.icur.seek([self.model[rowid], rowid])
        self.icur.delete()
        del self.model[rowid]

    @rule(lo=ROWIDS, span=st.integers(0, 40))
    def delete_range_while_scanning(self, lo, span):
        ok = self.cur.seek_ge(lo)
        while ok and self.cur.rowid() <= lo + span:
            r = self.cur.rowid()
            self.cur.delete()
            assert self.icur.seek([self.model[r], r])
            self.icur.delete()
            del self.model[r]
            ok = self.cur.next()

    @invariant()
    def same_rows(self):
        if not hasattr(self, "model"):
            return
        got = []
        ok = self.cur.first()
        while ok:
            r = self.cur.rowid()
            got.append((r, self.cur.record()[1]))
            ok = self.cur.next()
        assert got == sorted(self.model.items())

    def teardown(self):
        if not hasattr(self, "model"):
            return
        assert self.bt.integrity_check(
            [(1, False), (self.root, False), (self.iroot, KeyInfo())]) == []
        fd, path = tempfile.mkstemp(suffix=".db")
        os.close(fd)
        try:
            dump(self.pager, path)
            assert sqlite_integrity(path) == ["ok"]
            assert sqlite_query(path, "SELECT rowid, b FROM t ORDER BY rowid") == \
                sorted(self.model.items())
            assert sqlite_query(path, "SELECT b, rowid FROM t INDEXED BY i "
                                      "ORDER BY b, rowid") == \
                sorted((b, r) for r, b in self.model.items())
            assert self.bt.integrity_check(schema_roots(self.bt)) == []
        finally:
            os.unlink(path)


TestBTreeMachine = BTreeMachine.TestCase
TestBTreeMachine.settings = settings(max_examples=60, stateful_step_count=100,
                                     deadline=None)
