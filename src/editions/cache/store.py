"""Store: values by key in one SQLite table under .editions-cache/, shared by builds at once.

A cache may only ever make a build faster: when its file is damaged it is started again,
and when it cannot be used at all the build goes on without it, with a warning either way.
Every key is a hash of everything its value is made from, so a value found is never wrong.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)


class Store:
    """One table of `key TEXT PRIMARY KEY, value TEXT` in the SQLite file at `path`.

    `what` names the cache in warnings ("the Markdown cache"). With no path, it holds nothing.
    """

    def __init__(self, path: Path | None, table: str, what: str) -> None:
        self.path = path
        self.table = table
        self.what = what
        self._db: sqlite3.Connection | None = None
        if path is not None and not self._foreign(path):
            self._open(path, again=True)

    def _foreign(self, path: Path) -> bool:
        """Whether the file came from somewhere else than this machine's builds: a link, or a
        file the repository tracks (a cache committed and pushed could put any HTML in a
        fresh clone's pages). Such a file is left alone and the build goes on without it."""
        if path.is_symlink():
            log.warning("%s: is a symbolic link; %s is not used", path, self.what)
            return True
        if not path.exists():
            return False
        tracked = _tracked_by_git(path)
        if tracked:
            log.warning("%s: is tracked by git, so it came with the repository; %s is not "
                        "used (run `git rm --cached %s`)", path, self.what, path)
        return tracked

    def _open(self, path: Path, again: bool) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Builds running at once share the file: SQLite's locks keep each write whole,
            # and a build waits its turn rather than fail.
            self._db = sqlite3.connect(path, timeout=60)
            self._db.execute(f"CREATE TABLE IF NOT EXISTS {self.table} "
                             "(key TEXT PRIMARY KEY, value TEXT)")
        except (OSError, sqlite3.Error) as err:
            self._failed(err, again)

    def _failed(self, err: Exception, again: bool) -> None:
        if self._db is not None:
            self._db.close()
        self._db = None
        damaged = (isinstance(err, sqlite3.DatabaseError)
                   and not isinstance(err, sqlite3.OperationalError))
        if damaged and again and self.path is not None:
            # "file is not a database", "disk image is malformed": what it held is lost, but
            # a new file serves this build and the next ones.
            log.warning("%s: %s is damaged (%s); starting it again", self.path, self.what, err)
            try:
                self.path.unlink(missing_ok=True)
            except OSError as unlink_err:
                log.warning("%s: cannot use %s (%s); going on without it", self.path,
                            self.what, unlink_err)
                return
            self._open(self.path, again=False)
            return
        log.warning("%s: cannot use %s (%s); going on without it", self.path, self.what, err)

    def get(self, keys: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        keys = list(keys)
        for start in range(0, len(keys), 500):
            if self._db is None:
                return {}
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            try:
                rows = self._db.execute(f"SELECT key, value FROM {self.table} "
                                        f"WHERE key IN ({marks})", chunk).fetchall()
            except sqlite3.Error as err:
                self._failed(err, again=True)
                return {}
            for key, value in rows:
                if isinstance(value, str):
                    found[key] = value
        return found

    def put(self, values: dict[str, str], again: bool = True) -> None:
        if self._db is None or not values:
            return
        try:
            with self._db:
                self._db.executemany(f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?)",
                                     values.items())
        except sqlite3.Error as err:
            self._failed(err, again)
            if again and self._db is not None:  # started again: the values go in the new file
                self.put(values, again=False)

    def keep_only(self, keys: set[str], slack: int = 2) -> None:
        """Forget the values no longer asked for, once they outnumber those asked for
        `slack` times: a cache of files that changed would otherwise grow without end."""
        if self._db is None or not keys:  # a run that asked nothing (a check that stopped
            return                           # early) says nothing about what is still used
        try:
            (count,) = self._db.execute(f"SELECT count(*) FROM {self.table}").fetchone()
            if count <= slack * len(keys) + 100:
                return
            with self._db:
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS kept (key TEXT PRIMARY KEY)")
                self._db.execute("DELETE FROM kept")
                self._db.executemany("INSERT OR IGNORE INTO kept VALUES (?)",
                                     ((k,) for k in keys))
                self._db.execute(f"DELETE FROM {self.table} WHERE key NOT IN "
                                 "(SELECT key FROM kept)")
        except sqlite3.Error as err:
            self._failed(err, again=False)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _tracked_by_git(path: Path) -> bool:
    """Whether the repository around `path` tracks it, read from git's index (a rebuild with
    nothing to do starts no program, git included)."""
    path = path.absolute()
    for folder in path.parents:
        dot_git = folder / ".git"
        if dot_git.is_dir():
            index = dot_git / "index"
        elif dot_git.is_file():
            line = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if not line.startswith("gitdir:"):
                return False
            index = (folder / line.removeprefix("gitdir:").strip()) / "index"
        else:
            continue
        try:
            data = index.read_bytes()
        except OSError:
            return False
        name = path.relative_to(folder).as_posix().encode()
        if data[4:8] == b"\0\0\0\x04":  # version 4 compresses paths: ask git itself
            try:
                return subprocess.run(["git", "ls-files", "--error-unmatch", "--", str(path)],
                                      cwd=folder, capture_output=True, timeout=30,
                                      check=False).returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                return False
        return name + b"\0" in data  # an entry's path ends with NUL in versions 2 and 3
    return False
