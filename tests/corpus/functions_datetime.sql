-- Date and time functions with fixed inputs.
SELECT date('2024-01-31'), time('12:34:56'), datetime('2024-01-31 12:34:56'), julianday('2000-01-01');
SELECT date('2024-01-31', '+1 month'), date('2024-02-29', '+1 year'), date('2024-03-01', '-1 day'), datetime('2024-01-01', '+90 minutes');
SELECT date('2024-05-15', 'start of month'), date('2024-05-15', 'start of year'), date('2024-05-15', 'weekday 0'), datetime(0, 'unixepoch');
SELECT strftime('%Y/%m/%d %H:%M:%S', '2024-07-04 09:08:07'), strftime('%j %w %s', '2024-07-04'), strftime('%f', '2024-07-04 09:08:07.123');
SELECT date('not a date'), date(NULL), time('25:00'), date('2024-13-01'), datetime(1700000000, 'unixepoch', 'localtime') IS NOT NULL;
SELECT unixepoch('2024-01-01'), date(2460000.5), datetime('2024-01-01T10:00:00Z'), datetime('2024-01-01 10:00:00+02:00');
SELECT julianday('2024-03-01') - julianday('2024-02-01'), typeof(julianday('2024-01-01'));
