-- Foreign key enforcement (PRAGMA foreign_keys = ON): deferred to the 'SQL breadth'
-- issue.  minisql keeps the declarations (constraints_foreign_keys.sql) but refuses
-- to switch enforcement on, so nothing after that runs on minisql.
-- isolation_level: None
PRAGMA foreign_keys;
CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TABLE child(id INTEGER PRIMARY KEY, pid REFERENCES parent(id) ON DELETE CASCADE, pname REFERENCES parent(name) ON UPDATE CASCADE ON DELETE SET NULL);
INSERT INTO child VALUES (1, 99, 'nobody');
DELETE FROM child;
-- minisql: not supported (foreign key enforcement)
PRAGMA foreign_keys = ON;
-- minisql: skip (needs foreign key enforcement)
PRAGMA foreign_keys;
-- minisql: skip (needs foreign key enforcement)
INSERT INTO parent VALUES (1, 'one'), (2, 'two');
-- minisql: skip (needs foreign key enforcement)
INSERT INTO child VALUES (1, 1, 'one'), (2, 2, 'two'), (3, NULL, NULL);
-- error
-- minisql: skip (needs foreign key enforcement)
INSERT INTO child VALUES (4, 3, NULL);
-- error
-- minisql: skip (needs foreign key enforcement)
INSERT INTO child VALUES (4, NULL, 'three');
-- error
-- minisql: skip (needs foreign key enforcement)
UPDATE child SET pid = 5 WHERE id = 1;
-- minisql: skip (needs foreign key enforcement)
UPDATE parent SET name = 'uno' WHERE id = 1;
-- minisql: skip (needs foreign key enforcement)
SELECT * FROM child;
-- minisql: skip (needs foreign key enforcement)
DELETE FROM parent WHERE id = 2;
-- minisql: skip (needs foreign key enforcement)
SELECT * FROM child;
-- minisql: skip (needs foreign key enforcement)
DELETE FROM parent WHERE name = 'uno';
-- minisql: skip (needs foreign key enforcement)
SELECT * FROM child;
-- minisql: skip (needs foreign key enforcement)
CREATE TABLE p2(k PRIMARY KEY);
-- minisql: skip (needs foreign key enforcement)
CREATE TABLE c2(k REFERENCES p2(k) DEFERRABLE INITIALLY DEFERRED);
-- minisql: skip (needs foreign key enforcement)
BEGIN;
-- minisql: skip (needs foreign key enforcement)
INSERT INTO c2 VALUES ('later');
-- minisql: skip (needs foreign key enforcement)
SELECT * FROM c2;
-- error
-- minisql: skip (needs foreign key enforcement)
COMMIT;
-- minisql: skip (needs foreign key enforcement)
INSERT INTO p2 VALUES ('later');
-- minisql: skip (needs foreign key enforcement)
COMMIT;
-- minisql: skip (needs foreign key enforcement)
SELECT * FROM c2;
-- minisql: skip (needs foreign key enforcement)
CREATE TABLE c3(k REFERENCES p2(k) ON DELETE RESTRICT);
-- minisql: skip (needs foreign key enforcement)
INSERT INTO c3 VALUES ('later');
-- error
-- minisql: skip (needs foreign key enforcement)
DELETE FROM p2;
-- minisql: skip (needs foreign key enforcement)
PRAGMA foreign_key_list(child);
-- minisql: skip (needs foreign key enforcement)
PRAGMA foreign_key_list(c3);
-- minisql: skip (needs foreign key enforcement)
PRAGMA foreign_key_check;
-- minisql: skip (needs foreign key enforcement)
PRAGMA foreign_keys = OFF;
-- minisql: skip (needs foreign key enforcement)
INSERT INTO c3 VALUES ('dangling');
-- minisql: skip (needs foreign key enforcement)
PRAGMA foreign_key_check(c3);
-- minisql: skip (needs foreign key enforcement)
DROP TABLE p2;
