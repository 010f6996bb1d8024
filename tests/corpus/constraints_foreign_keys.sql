-- Foreign keys while enforcement is off (SQLite's default): declared, reported by
-- PRAGMA foreign_key_list, never enforced.  Enforcement: out_of_scope_foreign_keys.sql.
-- isolation_level: None
PRAGMA foreign_keys;
CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TABLE child(id INTEGER PRIMARY KEY, pid REFERENCES parent(id) ON DELETE CASCADE, pname REFERENCES parent(name) ON UPDATE CASCADE ON DELETE SET NULL);
INSERT INTO child VALUES (1, 99, 'nobody');
DELETE FROM child;
CREATE TABLE p2(k PRIMARY KEY);
CREATE TABLE c2(k REFERENCES p2(k) DEFERRABLE INITIALLY DEFERRED);
INSERT INTO c2 VALUES ('dangling');
CREATE TABLE c3(k REFERENCES p2(k) ON DELETE RESTRICT);
PRAGMA foreign_key_list(child);
PRAGMA foreign_key_list(c3);
PRAGMA foreign_key_list(parent);
PRAGMA foreign_keys = OFF;
PRAGMA foreign_keys;
DROP TABLE p2;
SELECT * FROM c2;
