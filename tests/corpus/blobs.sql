-- BLOB values: storage, comparison, conversion, functions.
CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB);
INSERT INTO t(b) VALUES (x''), (x'00'), (x'0001'), (x'ff'), (zeroblob(4)), ('text'), (1), (NULL);
SELECT id, b, typeof(b), length(b) FROM t;
SELECT id FROM t ORDER BY b, id;
SELECT id FROM t WHERE b = x'00';
SELECT id FROM t WHERE b > 'zzz' ORDER BY id;
SELECT hex(b), quote(b) FROM t;
SELECT x'41' = 'A', CAST(x'41' AS TEXT) = 'A', x'41' < 'A', x'00' < x'0000';
SELECT b || '' FROM t WHERE id = 3;
SELECT count(DISTINCT b) FROM t;
SELECT substr(x'0102030405', 2, 3), instr(x'0102030405', x'0304'), replace(x'410042', x'00', 'z');
SELECT upper(x'61'), lower(x'41'), trim(x'2041');
