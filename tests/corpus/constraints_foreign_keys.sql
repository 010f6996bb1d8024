-- Foreign keys: enforcement when enabled, actions, deferral, pragmas.
-- isolation_level: None
PRAGMA foreign_keys;
CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TABLE child(id INTEGER PRIMARY KEY, pid REFERENCES parent(id) ON DELETE CASCADE, pname REFERENCES parent(name) ON UPDATE CASCADE ON DELETE SET NULL);
INSERT INTO child VALUES (1, 99, 'nobody');
DELETE FROM child;
PRAGMA foreign_keys = ON;
PRAGMA foreign_keys;
INSERT INTO parent VALUES (1, 'one'), (2, 'two');
INSERT INTO child VALUES (1, 1, 'one'), (2, 2, 'two'), (3, NULL, NULL);
-- error
INSERT INTO child VALUES (4, 3, NULL);
-- error
INSERT INTO child VALUES (4, NULL, 'three');
-- error
UPDATE child SET pid = 5 WHERE id = 1;
UPDATE parent SET name = 'uno' WHERE id = 1;
SELECT * FROM child;
DELETE FROM parent WHERE id = 2;
SELECT * FROM child;
DELETE FROM parent WHERE name = 'uno';
SELECT * FROM child;
CREATE TABLE p2(k PRIMARY KEY);
CREATE TABLE c2(k REFERENCES p2(k) DEFERRABLE INITIALLY DEFERRED);
BEGIN;
INSERT INTO c2 VALUES ('later');
SELECT * FROM c2;
-- error
COMMIT;
INSERT INTO p2 VALUES ('later');
COMMIT;
SELECT * FROM c2;
CREATE TABLE c3(k REFERENCES p2(k) ON DELETE RESTRICT);
INSERT INTO c3 VALUES ('later');
-- error
DELETE FROM p2;
PRAGMA foreign_key_list(child);
PRAGMA foreign_key_list(c3);
PRAGMA foreign_key_check;
PRAGMA foreign_keys = OFF;
INSERT INTO c3 VALUES ('dangling');
PRAGMA foreign_key_check(c3);
DROP TABLE p2;
