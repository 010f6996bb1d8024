"""On-disk constants and the 100-byte database header (SQLite file format 3).

A leaf module: struct layouts are named constants next to their sizes and
checked at import, and the header has a small class with ``unpack``/``pack``.

Database header (start of page 1, all integers big-endian):

    off size field
      0  16  magic "SQLite format 3\\0"
     16   2  page size; 1 means 65536
     18   1  write version (1 rollback journal, 2 WAL)
     19   1  read version (same values)
     20   1  reserved bytes at the end of every page (usable size = page size - this)
     21   1  max embedded payload fraction, must be 64
     22   1  min embedded payload fraction, must be 32
     23   1  leaf payload fraction, must be 32
     24   4  file change counter
     28   4  database size in pages (trusted only if 24..27 == 92..95)
     32   4  first freelist trunk page (0 = none)
     36   4  total freelist pages
     40   4  schema cookie (+1 on every schema change)
     44   4  schema format number (we write 4)
     48   4  suggested cache size
     52   4  largest root page (autovacuum; we write 0)
     56   4  text encoding (1 = UTF-8; the only one minisql writes)
     60   4  user_version
     64   4  incremental vacuum flag
     68   4  application_id
     72  20  reserved, zero
     92   4  version-valid-for (change counter when 96 was written)
     96   4  SQLITE_VERSION_NUMBER of the last writer
"""

import struct

from .. import errors

MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
HEADER_FMT = ">16sHBBBBBBIIIIIIIIIIII20sII"
assert struct.calcsize(HEADER_FMT) == HEADER_SIZE

# The version number we stamp at offset 96.  SQLite only uses it to tell who
# wrote last; we claim the SQLite release whose formats we follow.
SQLITE_VERSION_NUMBER = 3040001

DEFAULT_PAGE_SIZE = 4096
MIN_PAGE_SIZE = 512
MAX_PAGE_SIZE = 65536

# The lock-byte page holds file offset 0x40000000, the byte range SQLite's
# file locks live on; it is never used for data.
PENDING_BYTE = 0x40000000
RESERVED_BYTE = PENDING_BYTE + 1
SHARED_FIRST = PENDING_BYTE + 2
SHARED_SIZE = 510

# B-tree page types (first byte of the b-tree page header).
INTERIOR_INDEX = 0x02
INTERIOR_TABLE = 0x05
LEAF_INDEX = 0x0A
LEAF_TABLE = 0x0D


def lock_byte_page(page_size):
    return PENDING_BYTE // page_size + 1


def valid_page_size(n):
    return MIN_PAGE_SIZE <= n <= MAX_PAGE_SIZE and n & (n - 1) == 0


class DbHeader:
    """The 100-byte header as named fields."""

    __slots__ = ("page_size", "write_version", "read_version", "reserved",
                 "change_counter", "page_count", "freelist_trunk",
                 "freelist_count", "schema_cookie", "schema_format",
                 "cache_size", "autovacuum_root", "text_encoding",
                 "user_version", "incremental_vacuum", "application_id",
                 "version_valid_for", "version_number")

    @classmethod
    def new(cls, page_size=DEFAULT_PAGE_SIZE, reserved=0, wal=True):
        h = cls()
        h.page_size = page_size
        h.write_version = h.read_version = 2 if wal else 1
        h.reserved = reserved
        h.change_counter = 1
        h.page_count = 1
        h.freelist_trunk = h.freelist_count = 0
        h.schema_cookie = 0
        h.schema_format = 4
        h.cache_size = 0
        h.autovacuum_root = 0
        h.text_encoding = 1
        h.user_version = 0
        h.incremental_vacuum = 0
        h.application_id = 0
        h.version_valid_for = 1
        h.version_number = SQLITE_VERSION_NUMBER
        return h

    @classmethod
    def unpack(cls, buf):
        if len(buf) < HEADER_SIZE or bytes(buf[:16]) != MAGIC:
            raise errors.notadb()
        (_, ps, wv, rv, reserved, maxf, minf, leaff, counter, npage, trunk,
         nfree, cookie, fmt, cache, avroot, enc, uver, incv, appid, _zero,
         valid_for, vnum) = struct.unpack_from(HEADER_FMT, buf)
        ps = 65536 if ps == 1 else ps
        if not valid_page_size(ps) or (maxf, minf, leaff) != (64, 32, 32) \
                or ps - reserved < 480:
            raise errors.notadb()
        if rv > 2:
            raise errors.notadb()
        if enc not in (0, 1):
            # UTF-16 databases are valid SQLite files; minisql reads UTF-8 only.
            raise errors.DatabaseError("unsupported file format")
        h = cls()
        h.page_size, h.write_version, h.read_version, h.reserved = ps, wv, rv, reserved
        h.change_counter, h.page_count = counter, npage
        h.freelist_trunk, h.freelist_count = trunk, nfree
        h.schema_cookie, h.schema_format, h.cache_size = cookie, fmt, cache
        h.autovacuum_root, h.text_encoding, h.user_version = avroot, enc or 1, uver
        h.incremental_vacuum, h.application_id = incv, appid
        h.version_valid_for, h.version_number = valid_for, vnum
        return h

    def pack(self):
        return struct.pack(
            HEADER_FMT, MAGIC, 1 if self.page_size == 65536 else self.page_size,
            self.write_version, self.read_version, self.reserved, 64, 32, 32,
            self.change_counter, self.page_count, self.freelist_trunk,
            self.freelist_count, self.schema_cookie, self.schema_format,
            self.cache_size, self.autovacuum_root, self.text_encoding,
            self.user_version, self.incremental_vacuum, self.application_id,
            b"\x00" * 20, self.version_valid_for, self.version_number)

    @property
    def usable_size(self):
        return self.page_size - self.reserved

    def size_is_trusted(self):
        """SQLite trusts offset 28 only when non-zero and the counter at 24
        matches version-valid-for at 92 (a legacy writer leaves them apart)."""
        return self.page_count > 0 and self.change_counter == self.version_valid_for


# Offsets of single header fields that the b-tree layer updates in place.
OFF_CHANGE_COUNTER = 24
OFF_PAGE_COUNT = 28
OFF_FREELIST_TRUNK = 32
OFF_FREELIST_COUNT = 36
OFF_SCHEMA_COOKIE = 40
OFF_SCHEMA_FORMAT = 44
OFF_AUTOVACUUM_ROOT = 52
OFF_USER_VERSION = 60
OFF_APPLICATION_ID = 68
OFF_VERSION_VALID_FOR = 92
OFF_VERSION_NUMBER = 96

U32 = struct.Struct(">I")
