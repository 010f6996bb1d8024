-- Literal forms and the types they produce.
SELECT 1, -1, +1, 0, -0, 1.0, 1., .5, 1e3, 1E-3, 1.5e+2;
SELECT typeof(1), typeof(1.0), typeof(1e3), typeof('1'), typeof(x'01'), typeof(NULL);
SELECT 0x10, 0xff, -0x1, 0x7fffffffffffffff, 0xffffffffffffffff, typeof(0x10);
SELECT 9223372036854775807, -9223372036854775808, 9223372036854775808, -9223372036854775809;
SELECT typeof(9223372036854775807), typeof(9223372036854775808), typeof(-9223372036854775808);
SELECT 'it''s', '', 'multi
line', 'tab	here', 'ünïcödé', '字', '🎉';
SELECT x'', X'00', x'DEADbeef', length(x'DEADbeef');
-- error
SELECT x'0';
-- error
SELECT x'zz';
SELECT "no such column, so a string";
SELECT 1.7976931348623157e308, 2e308, -2e308, 4.9e-324, 1e-400;
SELECT 123456789012345678901234567890;
SELECT 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 100.0, 1e15, 1e16, 123456789.123456789;
-- error
SELECT 1_000;
SELECT TRUE, FALSE, typeof(TRUE);
SELECT CURRENT_DATE IS NOT NULL, CURRENT_TIME IS NOT NULL, CURRENT_TIMESTAMP IS NOT NULL;
-- error
SELECT 1 2;
-- error
SELECT 'unterminated;
