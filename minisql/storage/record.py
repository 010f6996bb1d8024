"""Varints, serial types, the record format, and index key ordering.

A leaf module (imports only ``errors``): the b-tree stores records, the
engine builds and reads them, and both order index keys through ``KeyInfo``.

Varint (big-endian, 1..9 bytes)
    Bytes 1..8 contribute their low 7 bits, the high bit meaning "more
    follows"; a 9th byte, if reached, contributes all 8 bits.  Values are
    unsigned 64-bit; integers are stored as two's complement, so every
    negative number takes 9 bytes.  We always write the shortest encoding
    (SQLite re-encodes its own cells to the same bytes).

Record
    varint H (header size in bytes, counting itself) . one varint serial
    type per column . the column bodies in the same order:

        type  body  value
          0     0   NULL
        1..4  1..4  big-endian two's complement integer
        5, 6  6, 8  big-endian two's complement integer
          7     8   IEEE-754 double, big-endian (a NaN reads as NULL, as
                    SQLite never stores one)
        8, 9    0   the integer 0 / 1 (schema format 4, which we write)
       10, 11   -   reserved: a file holding them is corrupt
       N>=12  (N-12)/2  BLOB (even N)
       N>=13  (N-13)/2  TEXT, UTF-8, no terminator (odd N)

    Invariants kept by ``encode_record``: the smallest integer type that
    holds the value is used; 0 and 1 use types 8/9; the body length equals
    the payload length exactly (``decode_record`` calls anything else
    corrupt, as SQLite's OP_Column does).

Text that is not valid UTF-8 (SQLite stores whatever bytes it is given)
decodes with ``surrogateescape`` so that writing it back restores the same
bytes.

Index key order (SQLite's sqlite3VdbeRecordCompare)
    NULL < INTEGER/REAL (compared numerically, exactly) < TEXT (by the
    column's collation) < BLOB (memcmp); a DESC column reverses its order;
    when one key has fewer columns the keys compare on the common prefix.
    ``KeyInfo.sort_key`` turns a key into a bytes string (or a tuple, see
    below) whose Python ordering is exactly that order, so the b-tree can
    bisect over cached keys in C.  A prefix's key sorts before every key
    that extends it; ``KeyInfo.after`` makes it sort after them.
    ``KeyInfo.record_key`` builds the same key straight from a stored
    record (what a b-tree page search pays per probed cell, unless the
    cells can be ordered by their first column alone: ``KeyInfo.probe``
    and ``first_column``, no key built).
"""

import struct
from itertools import repeat as _repeat
from operator import add as _add, call as _call

from .. import errors

_D = struct.Struct(">d")
_unpack_d = _D.unpack_from
_pack_d = _D.pack

# Body sizes of serial types 0..11 (10 and 11 are reserved, never valid).
_FIXED_SIZE = (0, 1, 2, 3, 4, 6, 8, 8, 0, 0, -1, -1)

_MASK64 = 0xFFFFFFFFFFFFFFFF
_SIGN64 = 0x8000000000000000


# -- varints ---------------------------------------------------------------

def get_varint(buf, i):
    """Decode the varint at ``buf[i]``; returns (unsigned value, nbytes).
    Raises IndexError if it runs off the buffer (callers turn that into
    a corruption error)."""
    c = buf[i]
    if c < 0x80:
        return c, 1
    v = c & 0x7F
    for k in range(1, 8):
        c = buf[i + k]
        v = (v << 7) | (c & 0x7F)
        if c < 0x80:
            return v, k + 1
    return (v << 8) | buf[i + 8], 9


def get_varint_signed(buf, i):
    """Like get_varint, the value read as a signed 64-bit integer (rowids)."""
    v, n = get_varint(buf, i)
    if v >= _SIGN64:
        v -= 1 << 64
    return v, n


def put_varint(v):
    """The shortest varint encoding of ``v`` (negatives as 64-bit two's
    complement, hence 9 bytes)."""
    v &= _MASK64
    if v < 0x80:
        return bytes((v,))
    if v < 0x4000:
        return bytes(((v >> 7) | 0x80, v & 0x7F))
    if v >> 56:
        # Nine bytes: the last carries 8 bits, the first eight 7 bits each.
        out = bytearray(9)
        out[8] = v & 0xFF
        v >>= 8
        for k in range(7, -1, -1):
            out[k] = (v & 0x7F) | 0x80
            v >>= 7
        return bytes(out)
    out = [v & 0x7F]
    v >>= 7
    while v:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.reverse()
    return bytes(out)


def varint_len(v):
    v &= _MASK64
    if v < 0x80:
        return 1
    if v >> 56:
        return 9
    return (v.bit_length() + 6) // 7


# -- serial types ----------------------------------------------------------

def _int_serial_type(v):
    """(serial type, body bytes) for an integer: the smallest that holds it."""
    if v == 0:
        return 8, b""
    if v == 1:
        return 9, b""
    if -0x80 <= v <= 0x7F:
        return 1, v.to_bytes(1, "big", signed=True)
    if -0x8000 <= v <= 0x7FFF:
        return 2, v.to_bytes(2, "big", signed=True)
    if -0x800000 <= v <= 0x7FFFFF:
        return 3, v.to_bytes(3, "big", signed=True)
    if -0x80000000 <= v <= 0x7FFFFFFF:
        return 4, v.to_bytes(4, "big", signed=True)
    if -0x800000000000 <= v <= 0x7FFFFFFFFFFF:
        return 5, v.to_bytes(6, "big", signed=True)
    if -_SIGN64 <= v < _SIGN64:
        return 6, v.to_bytes(8, "big", signed=True)
    raise OverflowError("Python int too large to convert to SQLite INTEGER")


# Small integers recur constantly (flags, counters, foreign keys): their
# (type, body) pairs are precomputed.
_SMALL_INTS = {v: _int_serial_type(v) for v in range(-128, 1024)}


# A REAL column's integral values from -2**47 to 2**47-1 are stored as
# integers, as SQLite's OP_MakeRecord stores them (MEM_IntReal): smaller
# records, the same file bytes as SQLite's, and the column's REAL affinity
# turns them back into floats when they are read.
_REAL_AS_INT = 1 << 47


def real_stored(v):
    """How a REAL-affinity value is stored: an integral float in the range
    of a 6-byte integer as that integer (so -0.0 as 0), else unchanged."""
    if type(v) is float and v.is_integer() and -_REAL_AS_INT <= v < _REAL_AS_INT:
        return int(v)
    return v


def encode_record(values):
    """Build a record from Python values (None, int, bool, float, str,
    bytes-like)."""
    types = bytearray()
    body = []
    small = _SMALL_INTS
    for v in values:
        tv = type(v)
        if tv is int or tv is bool:
            st = small.get(v)
            if st is None:
                st = _int_serial_type(v)
            t, b = st
            types.append(t)
            if b:
                body.append(b)
        elif tv is str:
            b = v.encode("utf-8", "surrogateescape")
            t = len(b) * 2 + 13
            if t < 0x80:
                types.append(t)
            else:
                types += put_varint(t)
            body.append(b)
        elif v is None:
            types.append(0)
        elif tv is float:
            if v != v:              # SQLite stores NaN as NULL
                types.append(0)
            else:
                types.append(7)
                body.append(_pack_d(v))
        elif isinstance(v, (bytes, bytearray, memoryview)):
            b = bytes(v)
            t = len(b) * 2 + 12
            if t < 0x80:
                types.append(t)
            else:
                types += put_varint(t)
            body.append(b)
        elif isinstance(v, int):        # int subclasses (IntEnum, ...)
            t, b = _int_serial_type(int(v))
            types.append(t)
            body.append(b)
        elif isinstance(v, float):
            types.append(7)
            body.append(_pack_d(float(v)))
        elif isinstance(v, str):
            b = str(v).encode("utf-8", "surrogateescape")
            types += put_varint(len(b) * 2 + 13)
            body.append(b)
        else:
            raise TypeError(f"cannot store {tv.__name__} in a record")
    m = len(types)
    if m < 0x7F:
        return bytes((m + 1,)) + types + b"".join(body)
    # The header size counts its own varint, whose length depends on it.
    k = 2
    while varint_len(m + k) != k:
        k += 1
    return put_varint(m + k) + types + b"".join(body)


def _corrupt_record(detail="malformed record"):
    return errors.corrupt(detail)


def decode_record(buf, start=0, end=None):
    """Decode the record in ``buf[start:end]`` (bytes or bytearray) into a
    list of values in one pass.  The bodies must fill the payload exactly."""
    if end is None:
        end = len(buf)
    try:
        hsize = buf[start]
        if hsize < 0x80:
            i = start + 1
        else:
            hsize, k = get_varint(buf, start)
            i = start + k
        hend = start + hsize
        if hend > end:
            raise _corrupt_record("record header larger than its payload")
        pos = hend
        out = []
        append = out.append
        frombytes = int.from_bytes
        while i < hend:
            t = buf[i]
            if t < 0x80:
                i += 1
            else:
                t, k = get_varint(buf, i)
                i += k
            if t >= 12:
                nxt = pos + ((t - 12) >> 1)
                if t & 1:
                    append(buf[pos:nxt].decode("utf-8", "surrogateescape"))
                else:
                    append(bytes(buf[pos:nxt]))
                pos = nxt
            elif t == 0:
                append(None)
            elif t < 7:
                nxt = pos + _FIXED_SIZE[t]
                append(frombytes(buf[pos:nxt], "big", signed=True))
                pos = nxt
            elif t == 7:
                v = _unpack_d(buf, pos)[0]
                append(None if v != v else v)
                pos += 8
            elif t == 8:
                append(0)
            elif t == 9:
                append(1)
            else:
                raise _corrupt_record(f"reserved serial type {t}")
        if pos != end or i != hend:
            raise _corrupt_record("record body does not match its payload size")
        return out
    except (IndexError, struct.error):
        raise _corrupt_record() from None


def decode_record_prefix(buf, n, start=0, end=None):
    """The first ``n`` columns of the record (fewer if it has fewer)."""
    if end is None:
        end = len(buf)
    try:
        hsize = buf[start]
        if hsize < 0x80:
            i = start + 1
        else:
            hsize, k = get_varint(buf, start)
            i = start + k
        hend = start + hsize
        if hend > end:
            raise _corrupt_record("record header larger than its payload")
        pos = hend
        out = []
        append = out.append
        while i < hend and len(out) < n:
            t = buf[i]
            if t < 0x80:
                i += 1
            else:
                t, k = get_varint(buf, i)
                i += k
            if t >= 12:
                nxt = pos + ((t - 12) >> 1)
                if nxt > end:
                    raise _corrupt_record()
                if t & 1:
                    append(buf[pos:nxt].decode("utf-8", "surrogateescape"))
                else:
                    append(bytes(buf[pos:nxt]))
                pos = nxt
            elif t == 0:
                append(None)
            elif t < 7:
                nxt = pos + _FIXED_SIZE[t]
                if nxt > end:
                    raise _corrupt_record()
                append(int.from_bytes(buf[pos:nxt], "big", signed=True))
                pos = nxt
            elif t == 7:
                if pos + 8 > end:
                    raise _corrupt_record()
                v = _unpack_d(buf, pos)[0]
                append(None if v != v else v)
                pos += 8
            elif t == 8:
                append(0)
            elif t == 9:
                append(1)
            else:
                raise _corrupt_record(f"reserved serial type {t}")
        return out
    except (IndexError, struct.error):
        raise _corrupt_record() from None


def record_serial_types(buf, start=0, end=None):
    """The serial types of a record's columns (for typeof()/length() without
    decoding bodies, and for tests)."""
    if end is None:
        end = len(buf)
    try:
        hsize, i = get_varint(buf, start)
        hend = start + hsize
        if hend > end:
            raise _corrupt_record("record header larger than its payload")
        i += start
        types = []
        while i < hend:
            t, k = get_varint(buf, i)
            i += k
            types.append(t)
        return types
    except IndexError:
        raise _corrupt_record() from None


def first_column(buf, start, end):
    """(class, value) of the first column of the record in buf[start:end],
    read without decoding the rest: class is _NULL/_NUM/_TEXT/_BLOB, value
    the number, or the raw bytes of a text or blob (whose bytewise order is
    the BINARY collation's).  None when the record has no first column to
    read here (an empty or malformed header, a body running past ``end``):
    the caller then takes the general path, which reports corruption.
    What a cold index page search compares per probed cell."""
    h = buf[start]
    if h < 2 or h >= 0x80 or end > len(buf):
        return None
    t = buf[start + 1]
    if t >= 0x80:
        t = get_varint(buf, start + 1)[0]
    pos = start + h
    if t >= 12:
        nxt = pos + ((t - 12) >> 1)
        if nxt > end:
            return None
        return (_TEXT if t & 1 else _BLOB), buf[pos:nxt]
    if t == 0:
        return _NULL, None
    if t < 7:
        nxt = pos + _FIXED_SIZE[t]
        if nxt > end:
            return None
        return _NUM, int.from_bytes(buf[pos:nxt], "big", signed=True)
    if t == 7:
        if pos + 8 > end:
            return None
        f = _unpack_d(buf, pos)[0]
        return (_NULL, None) if f != f else (_NUM, f)
    if t < 10:
        return _NUM, t - 8
    return None


# -- index key order -------------------------------------------------------
#
# ``KeyInfo.sort_key`` maps a key (list of values) to an object whose Python
# order is SQLite's order, so the b-tree can cache one per entry and bisect
# in C.  Two encodings:
#
# bytes (the default): a memcmp-ordered byte string, one self-delimiting
#   piece per column, so a key's encoding is a prefix of the encoding of any
#   longer key that starts with it:
#       NULL   01
#       number 02 . 8 bytes: the double, sign bit flipped (negatives: all
#                   bits inverted) so that bytes order = numeric order
#                 . 2 bytes: 0x8000 + (int - float(int)), which orders an
#                   integer beyond 2**53 against the double it rounds to
#       text   03 . UTF-8 of the collation key, 00 escaped as 00 FF . 00 00
#       blob   04 . bytes, 00 escaped as 00 FF . 00 00
#   A DESC column's piece is inverted bytewise (classes become FE..FB).
#   ``after(k)`` appends FF, which outranks every class byte, so it sorts
#   after every key extending k.
# tuple: (class, value, class, value, ...) compared by Python, used when a
#   collation key function does not return str (e.g. functools.cmp_to_key
#   over a user collation); DESC text/blob values are wrapped in _Desc.

_NULL, _NUM, _TEXT, _BLOB = 0, 1, 2, 3
PREFIX_HIGH = 4                       # tuple mode's "after" class

_pack_d = _D.pack
_INVERT = bytes(255 - i for i in range(256))
_NUM_HEAD = [bytes((0x02, b | 0x80)) for b in range(256)]   # class + byte 0
_B_NULL = b"\x01"
_B_NUM_NEG = b"\x02"
_B_TEXT = b"\x03"
_B_BLOB = b"\x04"
_B_END = b"\x00\x00"
_B_RES0 = b"\x80\x00"
_B_AFTER = b"\xff"
_EXACT = 1 << 53


def _num_piece(v):
    f = float(v)
    if type(v) is int and not -_EXACT <= v <= _EXACT:
        res = (v - int(f) + 0x8000).to_bytes(2, "big")
    else:
        res = _B_RES0
    if f >= 0.0:
        b = _pack_d(f + 0.0)            # + 0.0 folds -0.0 into 0.0
        return _NUM_HEAD[b[0]] + b[1:] + res
    return _B_NUM_NEG + _pack_d(f).translate(_INVERT) + res


def _escape(b):
    return b.replace(b"\x00", b"\x00\xff") if b"\x00" in b else b


_NUM_ZERO = _num_piece(0)
_NUM_ONE = _num_piece(1)


class _Desc:
    """A text or blob value in a DESC column (tuple mode): orders in reverse."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return self.v == other.v

    def __ne__(self, other):
        return self.v != other.v

    def __lt__(self, other):
        return other.v < self.v

    def __gt__(self, other):
        return other.v > self.v

    def __le__(self, other):
        return other.v <= self.v

    def __ge__(self, other):
        return other.v >= self.v

    __hash__ = None

    def __repr__(self):
        return f"_Desc({self.v!r})"


def _returns_str(fn):
    try:
        return isinstance(fn("a"), str)
    except Exception:
        return False


class KeyInfo:
    """How an index orders its keys: one collation key function (or None for
    BINARY) and one DESC flag per indexed column.  Columns past the listed
    ones (the trailing rowid) are BINARY ascending.  A collation key
    function maps a str to what it compares by (NOCASE: ASCII lowercase,
    RTRIM: rstrip(' ')); one returning str gives the fast bytes keys.

    ``nkey`` limits the key to the first nkey columns (a WITHOUT ROWID
    table's primary key, its other columns riding along in the entry): two
    entries equal there are the same entry, so an insert replaces.

    Instances compare equal when they order keys the same way; the b-tree
    caches sort keys per page and reuses them for an equal KeyInfo, so reuse
    one instance per index where possible (identity is checked first)."""

    __slots__ = ("collations", "desc", "nkey", "_plain", "_bytes", "_sig")

    def __init__(self, collations=(), desc=None, nkey=None):
        self.nkey = nkey
        self.collations = tuple(collations or ())
        n = len(self.collations)
        self.desc = tuple(bool(d) for d in desc) if desc is not None else ()
        self.desc = (self.desc + (False,) * n)[:max(n, len(self.desc))]
        self._plain = not any(self.desc) and all(c is None for c in self.collations)
        self._bytes = all(c is None or _returns_str(c) for c in self.collations)
        self._sig = (self.collations, self.desc, nkey)

    def __eq__(self, other):
        return isinstance(other, KeyInfo) and self._sig == other._sig

    def __hash__(self):
        return hash(self._sig)

    def __repr__(self):
        return (f"KeyInfo({list(self.collations)!r}, desc={list(self.desc)!r}, "
                f"nkey={self.nkey!r})")

    def after(self, sk):
        """A probe that sorts after every key starting with ``sk``."""
        return sk + (_B_AFTER if self._bytes else (PREFIX_HIGH,))

    def probe(self, key, after=False):
        """How a page search may order cells against the seek key ``key``
        by its first column alone (``first_column``), or None: (class,
        value, after), the value a number or the UTF-8 bytes of a text (only
        under BINARY: a collation needs its own key).  ``after`` says the
        search key is ``after(sort_key(key))``.  Ties on the first column
        of a longer key are left to the sort keys."""
        if not key:
            return None
        c, x = _classify(key[0])
        if c == _TEXT:
            if self.collations and self.collations[0] is not None:
                return None
            x = x.encode("utf-8", "surrogateescape")
        elif c == _NUM and x != x:
            return None
        return c, x, after

    def sort_key(self, values):
        """The object whose Python order is SQLite's order of ``values``."""
        if self.nkey is not None and len(values) > self.nkey:
            values = values[:self.nkey]
        if not self._bytes:
            return self._tuple_key(values)
        parts = []
        append = parts.append
        if self._plain:
            for v in values:
                tv = type(v)
                if tv is int or tv is float:
                    append(_num_piece(v))
                elif tv is str:
                    append(_B_TEXT)
                    append(_escape(v.encode("utf-8", "surrogateescape")))
                    append(_B_END)
                elif v is None:
                    append(_B_NULL)
                else:
                    append(_piece(v, None))
            return b"".join(parts)
        colls = self.collations
        desc = self.desc
        n = len(desc)
        for j, v in enumerate(values):
            if j < n:
                piece = _piece(v, colls[j] if j < len(colls) else None)
                append(piece.translate(_INVERT) if desc[j] else piece)
            else:
                append(_piece(v, None))
        return b"".join(parts)

    def record_key(self, buf, start=0, end=None, ncols=None):
        """``sort_key`` of the record in ``buf[start:end]`` (of its first
        ``ncols`` columns), built straight from the record bytes: text and
        blob bodies are escaped as they lie, no str objects are made unless a
        collation needs them.  This is what a b-tree page search costs per
        probed cell."""
        if self.nkey is not None and (ncols is None or ncols > self.nkey):
            ncols = self.nkey
        if not self._bytes:
            vals = decode_record_prefix(buf, ncols, start, end) if ncols is not None \
                else decode_record(buf, start, end)
            return self._tuple_key(vals)
        if end is None:
            end = len(buf)
        colls = self.collations
        desc = self.desc
        nk = len(desc)
        plain = self._plain
        parts = []
        append = parts.append
        try:
            hsize = buf[start]
            if hsize < 0x80:
                i = start + 1
            else:
                hsize, k = get_varint(buf, start)
                i = start + k
            hend = start + hsize
            pos = hend
            j = 0
            limit = ncols if ncols is not None else 1 << 30
            while i < hend and j < limit:
                t = buf[i]
                if t < 0x80:
                    i += 1
                else:
                    t, k = get_varint(buf, i)
                    i += k
                if t >= 12:
                    nxt = pos + ((t - 12) >> 1)
                    if nxt > end:
                        raise _corrupt_record()
                    body = bytes(buf[pos:nxt])
                    pos = nxt
                    if t & 1:
                        if not plain and j < len(colls) and colls[j] is not None:
                            body = colls[j](body.decode("utf-8", "surrogateescape")
                                            ).encode("utf-8", "surrogateescape")
                        piece = _B_TEXT + _escape(body) + _B_END
                    else:
                        piece = _B_BLOB + _escape(body) + _B_END
                elif t == 0:
                    piece = _B_NULL
                elif t < 7:
                    nxt = pos + _FIXED_SIZE[t]
                    if nxt > end:
                        raise _corrupt_record()
                    piece = _num_piece(int.from_bytes(buf[pos:nxt], "big", signed=True))
                    pos = nxt
                elif t == 7:
                    if pos + 8 > end:
                        raise _corrupt_record()
                    f = _unpack_d(buf, pos)[0]
                    pos += 8
                    piece = _B_NULL if f != f else _num_piece(f)
                elif t == 8:
                    piece = _NUM_ZERO
                elif t == 9:
                    piece = _NUM_ONE
                else:
                    raise _corrupt_record(f"reserved serial type {t}")
                if not plain and j < nk and desc[j]:
                    piece = piece.translate(_INVERT)
                append(piece)
                j += 1
            return b"".join(parts)
        except (IndexError, struct.error):
            raise _corrupt_record() from None

    def _tuple_key(self, values):
        out = []
        append = out.append
        colls = self.collations
        desc = self.desc
        n = len(desc)
        for j, v in enumerate(values):
            c, x = _classify(v)
            if j < n:
                if c == _TEXT and j < len(colls) and colls[j] is not None:
                    x = colls[j](x)
                if desc[j]:
                    # Reverse the column: classes run BLOB..NULL, numbers
                    # negate, text and blobs compare backwards.
                    if c == _NUM:
                        x = -x
                    elif c != _NULL:
                        x = _Desc(x)
                    c = _BLOB - c
            append(c)
            append(x)
        return tuple(out)

    def compare(self, a, b):
        """-1/0/1 comparing two keys on their common prefix of columns."""
        n = min(len(a), len(b))
        ka = self.sort_key(a[:n])
        kb = self.sort_key(b[:n])
        return (ka > kb) - (ka < kb)


def _piece(v, coll):
    c, x = _classify(v)
    if c == _NUM:
        return _num_piece(x)
    if c == _TEXT:
        if coll is not None:
            x = coll(x)
        return _B_TEXT + _escape(x.encode("utf-8", "surrogateescape")) + _B_END
    if c == _NULL:
        return _B_NULL
    return _B_BLOB + _escape(x) + _B_END


def _classify(v):
    tv = type(v)
    if v is None:
        return _NULL, None
    if tv is int or tv is float:
        return _NUM, v
    if tv is bool:
        return _NUM, int(v)
    if tv is str:
        return _TEXT, v
    if isinstance(v, (bytes, bytearray, memoryview)):
        return _BLOB, bytes(v)
    if isinstance(v, (int, float)):
        return _NUM, v
    if isinstance(v, str):
        return _TEXT, str(v)
    raise TypeError(f"cannot compare {tv.__name__} in an index key")


DEFAULT_KEYINFO = KeyInfo()


# -- batch decoding ----------------------------------------------------------
#
# A table's records mostly share a handful of headers (the same serial types
# in the same order), so a scan decodes them fastest by header: each header
# seen often gets its own decoder, one struct.unpack_from for every body and
# a list display for the values, compiled once (exec) and kept here.  A
# header seen rarely (texts of ever-new lengths) is not worth compiling and
# takes decode_record's loop; so does one that needs a multi-byte varint.
# Every decoder is called as dec(buf, start, end), the header included, so
# the general one (the loop, counting sightings) stands in for any header
# without its own: decode_records maps a page's records to their decoders
# and calls in C, whatever their headers.

_HEADER_USES = 8            # sightings before a header gets its decoder
_MAX_DECODERS = 4096        # compiled decoders kept per prefix width
_decoders = {}              # n -> ({header bytes: decoder}, the general decoder)
_sightings = {}             # (n, header bytes) -> times seen, not compiled yet

# serial type -> (struct codes, expression over the fields they unpack)
_PIECES = {1: ("b", "{0}"), 2: ("h", "{0}"), 3: ("bH", "({0} << 16 | {1})"),
           4: ("i", "{0}"), 5: ("hI", "({0} << 32 | {1})"), 6: ("q", "{0}"),
           7: ("d", "({0} if {0} == {0} else None)")}


_ESCAPED = ".decode('utf-8', 'surrogateescape')"


def _compile_decoder(header, n):
    """The decoder of records with this header (its first n columns, n None
    for all), or None when the header needs the general loop."""
    types = list(header[1:])
    if any(t >= 0x80 or t in (10, 11) for t in types):
        return None
    if n is not None:
        types = types[:n]
    fmt, outs, k = f">{header[0]}x", [], 0
    for t in types:
        if t == 0 or t == 8 or t == 9:
            outs.append("None" if t == 0 else str(t - 8))
            continue
        if t >= 12:
            codes, expr = f"{(t - 12) >> 1}s", ("{0}.decode()" if t & 1 else "{0}")
            nfields = 1
        else:
            codes, expr = _PIECES[t]
            nfields = len(codes)
        fmt += codes
        outs.append(expr.format(*[f"x{k + j}" for j in range(nfields)]))
        k += nfields
    size = struct.calcsize(fmt)
    # A whole record's bodies fill its payload exactly; a prefix's must fit.
    check = "!=" if n is None else ">"
    src = [f"def decode(buf, start, end):",
           f"    if start + {size} {check} end:",
           f"        raise _corrupt_record('record body does not match its payload size')"]
    if k:
        src.append(f"    {''.join(f'x{j}, ' for j in range(k))}= unpack(buf, start)")
    values = ", ".join(outs)
    if ".decode()" in values:
        # Strict UTF-8 is bytes.decode's fast path; text that is not UTF-8
        # (rare) is decoded again, keeping its bytes as surrogates.
        src += ["    try:", f"        return [{values}]", "    except UnicodeDecodeError:",
                f"        return [{values.replace('.decode()', _ESCAPED)}]"]
    else:
        src.append(f"    return [{values}]")
    scope = {"unpack": struct.Struct(fmt).unpack_from, "_corrupt_record": _corrupt_record}
    exec("\n".join(src), scope)
    return scope["decode"]


def _decoders_for(n):
    """(compiled decoders by header, the general decoder) of records decoded
    n columns wide (n None: whole)."""
    pair = _decoders.get(n)
    if pair is not None:
        return pair
    decoders = {}

    def general(buf, start, end):
        """A header without its own decoder: counted, decoded by the loop."""
        h = buf[start]
        if 0 < h < 0x80 and start + h <= end:
            header = bytes(buf[start:start + h])
            if header not in decoders:
                _sighted(decoders, n, header, general)
        return decode_record(buf, start, end) if n is None \
            else decode_record_prefix(buf, n, start, end)
    return _decoders.setdefault(n, (decoders, general))


def _sighted(decoders, n, header, general):
    """Count a sighting of ``header`` (of records decoded n columns wide);
    often seen, it gets its decoder (or ``general``'s loop, for good)."""
    key = (n, header)
    seen = _sightings.get(key, 0) + 1
    if seen >= _HEADER_USES and len(decoders) < _MAX_DECODERS:
        _sightings.pop(key, None)
        decoders[header] = _compile_decoder(header, n) or general
    else:
        if len(_sightings) > 4 * _MAX_DECODERS:
            _sightings.clear()
        _sightings[key] = seen


def decode_one(buf, start, end, n=None):
    """decode_record (n None) or decode_record_prefix(n) of the record in
    buf[start:end], through its header's compiled decoder once the header
    has been seen often (what a cursor reads per row of a point lookup)."""
    decoders, general = _decoders.get(n) or _decoders_for(n)
    try:
        header = bytes(buf[start:start + buf[start]])
    except IndexError:
        raise _corrupt_record() from None
    return decoders.get(header, general)(buf, start, end)


def decode_records(buf, starts, ends, n=None):
    """The records at buf[starts[k]:ends[k]], decoded as decode_record (n
    None) or decode_record_prefix(n) decodes each, with the same errors:
    what a scan decodes of a page at once.  The records' header keys,
    decoders and calls are mapped in C: no Python loop runs per record
    beyond its decoder."""
    if type(buf) is not bytes:
        buf = bytes(buf)            # (its slices are the hashable header keys)
    decoders, general = _decoders.get(n) or _decoders_for(n)
    try:
        # A record's header is its first buf[start] bytes.  (A header size
        # of 0 or over 0x7F matches no compiled decoder's key; one past the
        # payload fails that decoder's size check.)  Each step makes its
        # list: measured faster than one chain of lazy maps.
        hends = list(map(_add, starts, map(buf.__getitem__, starts)))
        decs = list(map(decoders.get, map(buf.__getitem__, map(slice, starts, hends)),
                        _repeat(general)))
        return list(map(_call, decs, _repeat(buf), starts, ends))
    except (IndexError, struct.error):
        raise _corrupt_record() from None
