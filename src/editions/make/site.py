"""Site: the output is written whole beside the old site and switched in one step, under a lock."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from editions.errors import BuildLocked, EditionsError

log = logging.getLogger(__name__)

_RENAME_EXCHANGE = 2


# Outputs whose lock this process holds: `locked` nests, as flock would refuse a second handle.
_held: set[Path] = set()

# What a build writes at the top of a site; an existing --out folder must look like one.
# A folder is a site this tool built when it holds the build's manifest (what incremental.py
# writes last); index.html and assets/ alone are what any web root has.
SITE_MARKER = ".editions-manifest.json"
# The editor's own folders, which no build may replace.
SOURCE_FOLDERS = ("testimonies", "editions", "templates", "images")


def follow_link(out: Path) -> Path:
    """The folder a build writes: where a symbolic link named as the output points.

    A link to a web server's folder is a common deployment; the site is built and switched
    beside the link's target, and the link stays as it is.
    """
    if not out.is_symlink():
        return out
    try:
        target = out.resolve(strict=False)
    except (OSError, RuntimeError) as err:  # RuntimeError: a loop of links
        raise EditionsError(f"{out}: is a symbolic link that cannot be followed ({err})") from None
    if target.is_symlink():  # still a link: it leads in a loop
        raise EditionsError(f"{out}: is a symbolic link that leads in a loop")
    log.info("%s is a link: building into %s", out, target)
    return target


def refuse_foreign_folder(root: Path, out: Path) -> None:
    """Refuse an output folder whose replacement would lose something that is not a site."""
    target, project = out.resolve(), root.resolve()
    if target.exists() and not target.is_dir():
        raise EditionsError(f"{out}: is a file, not a folder; give --out a folder for the site")
    if target == project or target in project.parents:
        raise EditionsError(f"{out}: is the publication's folder or holds it; the site must go "
                            "in a folder of its own, such as site/")
    for name in SOURCE_FOLDERS:
        source = project / name
        if target == source or source in target.parents:
            raise EditionsError(f"{out}: is inside the publication's {name}/ folder; the site "
                                "must go in a folder of its own, such as site/")
    if target.is_dir() and any(target.iterdir()) and not (target / SITE_MARKER).is_file():
        raise EditionsError(f"{out}: holds files that editions did not build (no "
                            f"{SITE_MARKER}); a build replaces the whole folder, so give a new "
                            "or empty folder")


@contextlib.contextmanager
def _os_errors(what: str, path: Path) -> Iterator[None]:
    """A failing file system call as a message for the editor, not a traceback."""
    try:
        yield
    except OSError as err:
        raise EditionsError(f"{path}: cannot {what}: {err.strerror or err}") from None


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder's lock; a second build gets a clear message, not a mixed site."""
    key = out.resolve()
    if key in _held:
        yield
        return
    lock_path = out.parent / f".{out.name}.lock"
    with _os_errors("create the lock beside the site", lock_path):
        out.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"{out}: another build is writing this folder (lock {lock_path}); "
                              "wait for it to finish") from None
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _staging_prefix(out: Path) -> str:
    return f".{out.name}.new-"


def clear_leftovers(out: Path) -> None:
    """Remove what a killed build left beside the site; call under the lock."""
    for leftover in [*out.parent.glob(_staging_prefix(out) + "*"),
                     *out.parent.glob(f".{out.name}.old-*")]:
        log.debug("removing %s, left by an interrupted build", leftover)
        if leftover.is_symlink() or not leftover.is_dir():
            leftover.unlink(missing_ok=True)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def stage(out: Path, keep_previous: bool) -> Path:
    """A new folder beside `out` to write the next site into; call under the lock.

    With `keep_previous`, it starts as a hard-linked copy of the current site, so a partial
    build keeps the editions it does not rebuild; files are replaced, never written in place.
    """
    staging = out.parent / f"{_staging_prefix(out)}{os.getpid()}"
    with _os_errors("write the new site beside it", out):
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
    temporary = target.with_name(target.name + ".part")
    with _os_errors("write", target):
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, target)


def carry(site: Path, staging: Path, files: Iterable[str]) -> None:
    """Bring files of the current site into the next one unchanged, as hard links."""
    for relative in files:
        log.debug("carried over %s", relative)
        target = staging / relative
        try:
            os.link(site / relative, target)
        except FileExistsError:  # a partial build's staging starts as a copy of the site
            continue
        except FileNotFoundError:  # its folder is not made yet
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(str(site / relative), str(target))
        except OSError:
            _link_or_copy(str(site / relative), str(target))


def remove_file(staging: Path, relative: str) -> None:
    """Leave a file of the current site out of the next one."""
    (staging / relative).unlink(missing_ok=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step where the system can (Linux renameat2)."""
    # The C library is already loaded; find_library("c") would start ldconfig to find it.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
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


def switch_in(staging: Path, out: Path) -> None:
    """Make the staged folder the site; the old site stays whole until this moment."""
    with _os_errors("switch to the new site", out):
        _switch_in(staging, out)


def _switch_in(staging: Path, out: Path) -> None:
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
