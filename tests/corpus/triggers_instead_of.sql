-- INSTEAD OF triggers make views writable.
CREATE TABLE base(id INTEGER PRIMARY KEY, name TEXT, active INTEGER DEFAULT 1);
CREATE VIEW active_names AS SELECT id, name FROM base WHERE active;
CREATE TRIGGER an_ins INSTEAD OF INSERT ON active_names BEGIN INSERT INTO base(id, name) VALUES (NEW.id, upper(NEW.name)); END;
CREATE TRIGGER an_upd INSTEAD OF UPDATE OF name ON active_names BEGIN UPDATE base SET name = NEW.name WHERE id = OLD.id; END;
CREATE TRIGGER an_del INSTEAD OF DELETE ON active_names BEGIN UPDATE base SET active = 0 WHERE id = OLD.id; END;
INSERT INTO active_names VALUES (1, 'ann'), (2, 'bob');
SELECT * FROM base;
UPDATE active_names SET name = 'robert' WHERE id = 2;
DELETE FROM active_names WHERE id = 1;
SELECT * FROM base;
SELECT * FROM active_names;
-- error
CREATE TRIGGER bad INSTEAD OF INSERT ON base BEGIN SELECT 1; END;
-- error
CREATE TRIGGER bad2 BEFORE INSERT ON active_names BEGIN SELECT 1; END;
