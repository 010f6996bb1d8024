-- Core string functions.
SELECT length('hello'), length(''), length(NULL), length('ünï'), length(x'0102'), length(123), length(1.5);
SELECT upper('abc é'), lower('ABC É'), upper(NULL), lower(1);
SELECT substr('hello', 2), substr('hello', 2, 3), substr('hello', -3), substr('hello', -3, 2), substr('hello', 0, 2), substr('hello', 10);
SELECT substr('hello', 2, -1), substr('hello', 3, -5), substr('ünïcödé', 2, 3), substr(x'01020304', 2, 2), substring('hello', 1, 2);
SELECT trim('  x  '), ltrim('  x  '), rtrim('  x  '), trim('xxaxx', 'x'), ltrim('abcba', 'ab'), rtrim('abcba', 'ab'), trim(NULL);
SELECT replace('hello', 'l', 'L'), replace('hello', '', 'x'), replace('hello', 'lo', ''), replace(NULL, 'a', 'b'), replace('aaa', 'a', 'aa');
SELECT instr('hello', 'l'), instr('hello', 'z'), instr('hello', ''), instr(NULL, 'a'), instr(x'010203', x'02'), instr('ünï', 'ï');
SELECT hex('abc'), hex(x'00ff'), hex(10), hex(1.5), hex(NULL), hex('');
SELECT quote('it''s'), quote(1), quote(1.5), quote(NULL), quote(x'0a0b'), quote(1e100);
SELECT char(65, 66, 67), char(), char(233, 0x5b57), unicode('A'), unicode('é'), unicode(''), unicode(NULL);
SELECT 'a' || 'b' || NULL, 'x' || 1 || 2.5;
SELECT printf('%d|%5d|%-5d|%05d', 42, 42, 42, 42), printf('%s %s', 'a', NULL), printf('%.2f|%e|%g', 3.14159, 31415.9, 0.0001);
SELECT printf('%x %X %o', 255, 255, 8), printf('%q', 'it''s'), printf('%Q', NULL), printf('%%'), printf('%c', 'xyz'), printf('%5.1s|', 'abc');
SELECT format('%s-%d', 'a', 3), printf(NULL), printf('%s'), printf('%d', '12abc');
SELECT zeroblob(3), length(zeroblob(10)), typeof(zeroblob(1));
SELECT soundex('Robert'), soundex('Rupert'), soundex('');
SELECT like('a%', 'abc'), like('a', 'A'), glob('a*', 'abc'), glob('A*', 'abc'), like('a!%', 'a%', '!');
-- error
SELECT substr('x');
-- error
SELECT length('a', 'b');
-- error
SELECT nosuchfunction(1);
