"""The file layer: open files, positioned I/O, fsync and byte-range locks.

Everything above this module reaches the disk only through ``VFS`` and
``File``; that is the seam where tests inject faults (EIO, disk full) and
simulate power loss by dropping or tearing writes that were never synced.

Locks are Linux open-file-description locks (``F_OFD_SETLK``), never classic
POSIX locks: an OFD lock belongs to one ``open()`` call, so two minisql
connections in one process exclude each other exactly as two processes do,
and closing one descriptor does not drop the locks of another.  They
interoperate with the real sqlite3's classic locks (they conflict across
owners in both directions).  All lock calls are non-blocking; the caller
decides whether and how long to retry (the busy handler).

One process-wide hazard remains with the stdlib sqlite3 in the *same*
process on the *same* files: closing any descriptor of a file (ours, or the
dup() that ``mmap`` keeps for the -shm) drops every classic POSIX lock the
process holds on it, i.e. that sqlite3 connection's locks.  Run sqlite3 in
another process when both use one database at once (formats doc 4.3).

Invariants:
  1. ``read`` returns fewer bytes than asked only at end of file.
  2. ``sync`` is the only durability point: data written since the last
     ``sync`` of a file may be lost (or torn) by a power failure.
  3. A ``File`` never closes its descriptor while it holds locks another
     part of the engine relies on; ``close`` drops them all at once.
"""

import errno
import fcntl
import os
import struct
from functools import partial

from .. import errors

F_OFD_GETLK = getattr(fcntl, "F_OFD_GETLK", 36)
F_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", 37)

# struct flock on x86-64 Linux: short l_type, short l_whence, off_t l_start,
# off_t l_len, pid_t l_pid (+4 bytes padding).  OFD calls need l_pid == 0.
_FLOCK = struct.Struct("hhqqi4x")
assert _FLOCK.size == 32


def _io_error(e, what):
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return errors.full()
    if e.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return errors.readonly()
    return errors.ioerr(f"{what}: {e}")


class File:
    """One open file description."""

    __slots__ = ("path", "fd", "readonly")

    def __init__(self, path, fd, readonly):
        self.path = path
        self.fd = fd
        self.readonly = readonly

    def read(self, offset, n):
        try:
            return os.pread(self.fd, n, offset)
        except OSError as e:
            raise _io_error(e, f"read {self.path}") from e

    def write(self, offset, data):
        try:
            written = os.pwrite(self.fd, data, offset)
            while written < len(data):
                written += os.pwrite(self.fd, memoryview(data)[written:], offset + written)
        except OSError as e:
            raise _io_error(e, f"write {self.path}") from e

    def truncate(self, size):
        try:
            os.ftruncate(self.fd, size)
        except OSError as e:
            raise _io_error(e, f"truncate {self.path}") from e

    def size(self):
        return os.fstat(self.fd).st_size

    def sync(self):
        try:
            os.fdatasync(self.fd)
        except OSError as e:
            raise _io_error(e, f"fsync {self.path}") from e

    def lock(self, start, length, exclusive):
        """Take a shared or exclusive lock on [start, start+length) without
        waiting.  Returns False if another owner holds a conflicting lock."""
        kind = fcntl.F_WRLCK if exclusive else fcntl.F_RDLCK
        try:
            fcntl.fcntl(self.fd, F_OFD_SETLK, _FLOCK.pack(kind, os.SEEK_SET, start, length, 0))
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise _io_error(e, f"lock {self.path}") from e
        return True

    def unlock(self, start, length):
        fcntl.fcntl(self.fd, F_OFD_SETLK, _FLOCK.pack(fcntl.F_UNLCK, os.SEEK_SET, start, length, 0))

    def lock_call(self, start, length, exclusive):
        """``lock`` of one fixed range as a C-level callable: no Python frame
        and no struct packing per call, for the wal-index read lock that
        every statement takes and drops.  Calling it returns None when the
        lock is granted and raises OSError otherwise (EAGAIN or EACCES:
        another owner holds a conflicting lock).  Valid until ``close``.  A
        subclass that changes ``lock``/``unlock`` must change these too."""
        kind = fcntl.F_WRLCK if exclusive else fcntl.F_RDLCK
        return partial(fcntl.fcntl, self.fd, F_OFD_SETLK,
                       _FLOCK.pack(kind, os.SEEK_SET, start, length, 0))

    def unlock_call(self, start, length):
        """``unlock`` of one fixed range as a C-level callable (see lock_call)."""
        return partial(fcntl.fcntl, self.fd, F_OFD_SETLK,
                       _FLOCK.pack(fcntl.F_UNLCK, os.SEEK_SET, start, length, 0))

    def is_locked(self, start, length, exclusive):
        """Would a lock of this kind conflict with another owner's lock?"""
        kind = fcntl.F_WRLCK if exclusive else fcntl.F_RDLCK
        res = fcntl.fcntl(self.fd, F_OFD_GETLK, _FLOCK.pack(kind, os.SEEK_SET, start, length, 0))
        return _FLOCK.unpack(res)[0] != fcntl.F_UNLCK

    def lock_holder(self, start, length):
        """How another owner holds [start, start+length): None, "shared" or
        "exclusive" (what SQLite's F_GETLK probe of the DMS byte asks)."""
        res = fcntl.fcntl(self.fd, F_OFD_GETLK,
                          _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, start, length, 0))
        kind = _FLOCK.unpack(res)[0]
        if kind == fcntl.F_UNLCK:
            return None
        return "exclusive" if kind == fcntl.F_WRLCK else "shared"

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __del__(self):
        # A connection dropped without close() must not keep its locks
        # (and descriptor) for the rest of the process's life.
        try:
            self.close()
        except Exception:
            pass


class VFS:
    """Opens files.  Subclass it to inject faults (see tests)."""

    file_class = File

    def open(self, path, *, readonly=False, create=True):
        flags = os.O_RDONLY if readonly else os.O_RDWR
        if create and not readonly:
            flags |= os.O_CREAT
        try:
            fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as e:
            raise errors.cantopen() from e
        return self.file_class(path, fd, readonly)

    def exists(self, path):
        return os.path.exists(path)

    def delete(self, path):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

    def sync_directory(self, path):
        """fsync the directory holding ``path`` so that a newly created file's
        directory entry survives a power loss (SQLite does this once per
        journal/WAL creation)."""
        d = os.path.dirname(os.path.abspath(path))
        try:
            fd = os.open(d, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


DEFAULT_VFS = VFS()
