-- LEFT, RIGHT and FULL outer joins.
CREATE TABLE l(k, lv);
CREATE TABLE r(k, rv);
INSERT INTO l VALUES (1, 'l1'), (2, 'l2'), (3, 'l3'), (NULL, 'lnull');
INSERT INTO r VALUES (2, 'r2'), (3, 'r3a'), (3, 'r3b'), (4, 'r4'), (NULL, 'rnull');
SELECT l.k, lv, r.k, rv FROM l LEFT JOIN r ON l.k = r.k ORDER BY lv, rv;
SELECT l.k, lv, r.k, rv FROM l LEFT OUTER JOIN r ON l.k = r.k WHERE r.k IS NULL ORDER BY lv;
SELECT l.k, lv, r.k, rv FROM l LEFT JOIN r ON l.k = r.k AND rv <> 'r3a' ORDER BY lv, rv;
SELECT l.k, lv, r.k, rv FROM l RIGHT JOIN r ON l.k = r.k ORDER BY rv, lv;
SELECT l.k, lv, r.k, rv FROM l FULL OUTER JOIN r ON l.k = r.k ORDER BY lv NULLS LAST, rv;
SELECT count(*), count(rv) FROM l LEFT JOIN r ON l.k = r.k;
SELECT lv, coalesce(rv, 'none') FROM l LEFT JOIN r USING (k) ORDER BY 1, 2;
CREATE TABLE m(k, mv);
INSERT INTO m VALUES (3, 'm3'), (1, 'm1');
SELECT lv, rv, mv FROM l LEFT JOIN r ON l.k = r.k LEFT JOIN m ON m.k = l.k ORDER BY lv, rv;
SELECT lv, rv, mv FROM l LEFT JOIN r ON l.k = r.k JOIN m ON m.k = l.k ORDER BY lv, rv;
SELECT lv, (SELECT count(*) FROM r WHERE r.k = l.k) FROM l ORDER BY lv;
