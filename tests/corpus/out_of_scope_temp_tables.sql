-- TEMP tables (and triggers): not implemented yet (TEMP views are).  minisql refuses
-- them rather than create them in the main database.
-- minisql: not supported (TEMP tables)
CREATE TEMP TABLE tmp1(x);
-- minisql: not supported (TEMP tables)
CREATE TEMPORARY TABLE tmp2(y);
-- minisql: skip (uses a table minisql refused)
SELECT name FROM sqlite_temp_master ORDER BY name;
CREATE TEMP VIEW tv AS SELECT 1 AS one;
SELECT * FROM tv;
