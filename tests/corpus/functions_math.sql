-- Arithmetic, numeric functions, overflow and division.
SELECT 1 + 2, 7 - 10, 6 * 7, 7 / 2, -7 / 2, 7 % 3, -7 % 3, 7 % -3, 7.0 / 2, 7 / 2.0, 7.5 % 2;
SELECT 1 / 0, 1 % 0, 1.0 / 0, 0 / 0, 1 / 0.0, 5 % 0.5;
SELECT 9223372036854775807 + 1, -9223372036854775808 - 1, 9223372036854775807 * 2, -(-9223372036854775808);
SELECT -9223372036854775808 / -1, -9223372036854775808 % -1, 4611686018427387904 * 2, 4611686018427387904 * -2;
SELECT typeof(9223372036854775807 + 1), typeof(4611686018427387904 * 2);
SELECT abs(-5), abs(5), abs(-5.5), abs(NULL), abs('-3'), abs('x'), abs(-0.0);
-- error
SELECT abs(-9223372036854775808);
SELECT round(2.5), round(-2.5), round(3.14159, 2), round(1234.5678, -2), round(0.5), round(1.005, 2), round(NULL), round(2, 1);
SELECT round(2.675, 2), round(-0.5), round(1e20), round(123.456, 10), typeof(round(2)), round('3.7');
SELECT max(1, 2, 3), min(1, 2, 3), max(1, 'a', x'00'), min(1, 'a', x'00'), max(1.5, 2), min(-1, -1.5);
SELECT sign(-3), sign(0), sign(2.5), sign(NULL), sign('x');
SELECT 5 & 3, 5 | 3, ~5, 1 << 62, 1 << 63, 1 << 64, -1 >> 1, 8 >> -1, 1 << -1;
SELECT 2 + 3 * 4, (2 + 3) * 4, -2 * -3, 2 - -3, 10 - 2 - 3, 2 * 3 % 4, 1 + '1', 1 = 1.0, '1' = 1;
SELECT 0.1 + 0.2 = 0.3, 1e308 * 10, -1e308 * 10, 1e308 * 10 - 1e308 * 10;
SELECT random() IS NOT NULL, typeof(random()), length(randomblob(4));
SELECT 10 > 9, '10' > '9', 10 > '9', x'01' > 'a', NULL > 1, 1 < 1.5, 2 >= 2.0;
SELECT 3 BETWEEN 1 AND 5, 3 NOT BETWEEN 1 AND 2, 'b' BETWEEN 'a' AND 'c';
SELECT 1 IN (1, 2), 3 IN (1, 2), 1 NOT IN (2), 1.0 IN (1), '1' IN (1);
