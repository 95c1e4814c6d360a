"""Site: the output is written whole beside the old site and switched in one step, under a lock."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import BuildLocked, EditionsError

log = logging.getLogger(__name__)

_RENAME_EXCHANGE = 2


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder's lock; a second build gets a clear message, not a mixed site."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.lock"
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"{out}: another build is writing this folder (lock {lock_path}); "
                              "wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _staging_prefix(out: Path) -> str:
    return f".{out.name}.new-"


def clear_leftovers(out: Path) -> None:
    """Remove what a killed build left beside the site; call under the lock."""
    for leftover in out.parent.glob(_staging_prefix(out) + "*"):
        log.debug("removing %s, left by an interrupted build", leftover)
        shutil.rmtree(leftover, ignore_errors=True)


def stage(out: Path, keep_previous: bool) -> Path:
    """A new folder beside `out` to write the next site into; call under the lock.

    With `keep_previous`, it starts as a hard-linked copy of the current site, so a partial
    build keeps the editions it does not rebuild; files are replaced, never written in place.
    """
    staging = out.parent / f"{_staging_prefix(out)}{os.getpid()}"
    if keep_previous and out.is_dir():
        shutil.copytree(out, staging, copy_function=_link_or_copy, symlinks=True)
    else:
        staging.mkdir()
    return staging


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def write_file(staging: Path, relative: str, data: bytes) -> None:
    """Write one file of the next site, replacing (never altering) whatever was linked there."""
    target = staging / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, target)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step where the system can (Linux renameat2)."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EXDEV):
        return False
    raise EditionsError(f"could not switch {b} to the new build: {os.strerror(err)}")


def publish(staging: Path, out: Path) -> None:
    """Make the staged folder the site; the old site stays whole until this moment."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)
        return
    # Without an atomic exchange, a kill between the two renames leaves the old site at `old`.
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def prune(staging: Path, folder: str, keep: Iterable[str]) -> list[str]:
    """Remove the files under `folder` of the next site that are not in `keep`; a partial
    build starts from the old site, and a page whose subject is gone must go with it."""
    kept = set(keep)
    removed = []
    base = staging / folder
    if base.is_dir():
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(staging).as_posix()
            if path.is_file() and relative not in kept:
                path.unlink()
                removed.append(relative)
    for relative in removed:
        log.debug("removed %s, no longer part of the site", relative)
    return removed
