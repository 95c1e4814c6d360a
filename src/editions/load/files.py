"""The one way the build reads and writes a publication's own files.

A publication's repository is written by many hands, so a file in it may be a symbolic link
to anything on the machine, a FIFO that never ends, or huge. Reading goes through
`read_source`, which follows no link in any folder under the publication's root, opens only
plain files (without blocking on a FIFO first) and reads at most a bound. Writing goes through
`replace_source` and `create_source`: a random temporary name beside the file, created
exclusively and without following links, written, flushed to disk and renamed into place, so
a killed run leaves the old file or the new one and never writes through a link.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from editions.errors import EditionsError


class RefusedFile(EditionsError):
    """A file the build will not read; `reason` says why, without the file's name or text."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


LINK_REASON = ("is a symbolic link; the publication's files are read only as plain files "
               "inside it, never through a link")


def _parts(root: Path, path: Path) -> tuple[Path, tuple[str, ...]]:
    """The folder to start from and the names to walk from it, one component at a time."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        return path.parent, (path.name,)
    if not relative.parts:
        return path.parent, (path.name,)
    return root, relative.parts


def _open(root: Path, path: Path, flags: int) -> int:
    start, names = _parts(root, path)
    folder = os.open(start, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in names[:-1]:
            try:
                inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                                dir_fd=folder)
            except OSError as err:
                if err.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link(name, folder):
                    raise RefusedFile(path, f"{name}/ is a symbolic link; the publication's "
                                      "files are read only as plain files inside it, never "
                                      "through a link") from None
                raise
            os.close(folder)
            folder = inner
        try:
            return os.open(names[-1], flags | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
        except OSError as err:
            if err.errno == errno.ELOOP and _is_link(names[-1], folder):
                raise RefusedFile(path, LINK_REASON) from None
            raise
    finally:
        os.close(folder)


def _is_link(name: str, folder: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return False


def read_source(root: Path, path: Path, limit: int | None = None) -> bytes:
    """The bytes of a plain file of the publication; RefusedFile for a link, a FIFO, a device
    or a folder (a FIFO is seen without waiting for a writer), OSError when it cannot be read.
    With `limit`, at most limit + 1 bytes are read, so the caller can say the file is too big.
    """
    fd = _open(root, path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a FIFO" if stat.S_ISFIFO(mode) else (
                "a folder" if stat.S_ISDIR(mode) else "a device or socket")
            raise RefusedFile(path, f"is {kind}, not a plain file; only plain files are read")
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while limit is None or size <= limit:
            chunk = os.read(fd, 1 << 16 if limit is None else min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _write_temporary(path: Path, data: bytes, mode: int) -> Path:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise
    os.close(fd)
    return temporary


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_source(path: Path, text: str) -> None:
    """Replace a source file's text in one step: a killed run leaves the old text or the new.

    A link where the file should be is refused, not written through or replaced.
    """
    try:
        info = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise RefusedFile(path, LINK_REASON if stat.S_ISLNK(info.st_mode)
                          else "is not a plain file; nothing was written")
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o644
    temporary = _write_temporary(path, text.encode("utf-8"), mode)
    try:
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def create_source(path: Path, text: str) -> None:
    """Create a new source file whole or not at all; FileExistsError when the name is taken
    (by a file, a folder or a link, even a dangling one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _write_temporary(path, text.encode("utf-8"), 0o666 & ~_umask())
    try:
        os.link(temporary, path, follow_symlinks=False)  # fails, never replaces, if it exists
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
