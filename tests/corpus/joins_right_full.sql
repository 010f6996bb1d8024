-- RIGHT and FULL OUTER joins (SQLite 3.39+): NULL rows on either side, USING columns, WHERE after the join.
CREATE TABLE l(k, lv);
CREATE TABLE r(k, rv);
INSERT INTO l VALUES (1, 'l1'), (2, 'l2'), (NULL, 'ln');
INSERT INTO r VALUES (2, 'r2'), (3, 'r3'), (NULL, 'rn'), (2, 'r2b');
SELECT * FROM l RIGHT JOIN r ON l.k = r.k ORDER BY rv;
SELECT * FROM l FULL OUTER JOIN r ON l.k = r.k ORDER BY lv, rv;
SELECT * FROM l RIGHT JOIN r ON l.k = r.k WHERE l.k IS NULL ORDER BY rv;
SELECT * FROM l FULL JOIN r ON l.k = r.k WHERE lv IS NULL OR rv IS NULL ORDER BY lv, rv;
SELECT * FROM l RIGHT JOIN r ON l.k = r.k AND r.rv <> 'r2' ORDER BY rv;
SELECT * FROM l RIGHT JOIN r USING (k) ORDER BY rv;
SELECT k, l.k, r.k FROM l FULL JOIN r USING (k) ORDER BY lv, rv;
SELECT l.*, r.* FROM l NATURAL FULL JOIN r ORDER BY lv, rv;
SELECT count(*), count(lv), count(rv) FROM l FULL JOIN r ON 1;
SELECT * FROM l LEFT JOIN r ON l.k = r.k RIGHT JOIN l AS l3 ON l3.k = l.k ORDER BY l3.lv;
SELECT * FROM l, r AS r1 RIGHT JOIN r AS r2 ON r1.rv = r2.rv WHERE l.lv = 'l1' ORDER BY r2.rv;
SELECT lv, (SELECT count(*) FROM r WHERE r.k = l.k) FROM l FULL JOIN r USING (k) ORDER BY lv, rv;
