"""History: the archive as git recorded it at a revision, read without touching the work tree."""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

from .errors import ContentError, EditionsError
from .freeze import Passage, edition_passages
from .links import IMAGES_DIR
from .load import REFERENCES_FILE, SETTINGS_FILE, load_archive
from .model import EDITION_FILE_PATTERN, Archive

log = logging.getLogger(__name__)

ARCHIVE_PARTS = ("testimonies", "editions", SETTINGS_FILE, REFERENCES_FILE, IMAGES_DIR)
PRINTED_DATA = (SETTINGS_FILE, REFERENCES_FILE, IMAGES_DIR)


def git(root: Path, *args: str, data: bool = False) -> bytes | None:
    """Run git in `root`; None when git is missing, this is no checkout or the command fails."""
    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False,
                              timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        log.debug("git %s: %s", " ".join(args), proc.stderr.decode(errors="replace").strip())
        return None
    return proc.stdout if data else proc.stdout.strip()


def toplevel(root: Path) -> Path | None:
    """The root of the git work tree `root` is in, or None outside git."""
    out = git(root, "rev-parse", "--show-toplevel")
    return Path(out.decode()) if out else None


def resolve(root: Path, rev: str) -> str | None:
    """The commit a revision names, or None."""
    out = git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    return out.decode() if out else None


def default_base(root: Path) -> tuple[str, str]:
    """What a change is compared with: the merge base with main, else HEAD; and its name."""
    for branch in ("main", "origin/main"):
        if resolve(root, branch) is None:
            continue
        base = git(root, "merge-base", "HEAD", branch)
        if base:
            return base.decode(), f"the merge base with {branch}"
    head = resolve(root, "HEAD")
    if head is None:
        raise EditionsError(f"{root} is not in a git checkout with commits: editions diff "
                            "compares with what git recorded")
    return head, "HEAD"


def archive_at(root: Path, rev: str, into: Path) -> Archive:
    """Load the archive as it was at `rev` into the folder `into`; raises EditionsError."""
    commit = resolve(root, rev)
    if commit is None:
        raise EditionsError(f"'{rev}' is not a revision git knows in {root}")
    prefix = (git(root, "rev-parse", "--show-prefix") or b"").decode()
    # Paths from the repository's root, where git is run: from a subfolder, git would read
    # them as relative to it.
    top = toplevel(root) or root
    listed = git(top, "ls-tree", "--name-only", commit, "--",
                 *(prefix + part for part in ARCHIVE_PARTS))
    paths = listed.decode().splitlines() if listed else []
    if paths:
        tar = git(top, "archive", "--format=tar", commit, "--", *paths, data=True)
        if tar is None:
            raise EditionsError(f"git could not read the archive at {rev}")
        with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
            # Only plain files and folders: a symbolic link in the tree must not make us read
            # a file outside it.
            members = [m for m in archive.getmembers() if (m.isfile() or m.isdir())
                       and not m.name.startswith("/") and ".." not in m.name.split("/")]
            if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
                archive.extractall(into, members, filter="data")
            else:
                archive.extractall(into, members)
    folder = into / prefix
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return load_archive(folder)
    except ContentError as err:
        raise EditionsError(f"the archive at {rev} does not load:\n{err}") from None


class Baseline:
    """The archive at the revision a change is compared with (the merge base with main, else
    HEAD), read from git only when a check needs it: to show a change's old words, to compare
    the printed data of an edition whose frozen record predates it, to know what was published.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @functools.cached_property
    def _base(self) -> tuple[str, str] | None:
        # Outside any work tree, start no git at all (a rebuild of an unchanged site starts
        # no program); a GIT_DIR set by hand still counts as git.
        if "GIT_DIR" not in os.environ and not any(
                (folder / ".git").exists() for folder in (self.root.resolve(),
                                                          *self.root.resolve().parents)):
            return None
        if resolve(self.root, "HEAD") is None:
            return None
        try:
            return default_base(self.root)
        except EditionsError:
            return None

    @property
    def name(self) -> str:
        return f"{self._base[1]}, {self._base[0][:10]}" if self._base else "git"

    def _changed(self, *parts: str) -> bool:
        """Whether the work tree's `parts` differ from the revision's (one quick git call)."""
        if self._base is None:
            return False
        return bool(git(self.root, "diff", "--name-only", "--relative", self._base[0], "--",
                        *parts))

    @functools.cached_property
    def _editions(self) -> tuple[dict[int, dict[str, Passage]], dict[int, str]]:
        printed: dict[int, dict[str, Passage]] = {}
        published: dict[int, str] = {}
        if self._base is None:
            return printed, published
        # Passages are taken while the files are there: a picture's passage reads its bytes.
        with tempfile.TemporaryDirectory(prefix="editions-git-") as folder:
            try:
                archive = archive_at(self.root, self._base[0], Path(folder))
            except EditionsError as err:
                log.debug("nothing known from %s: %s", self.name, err)
                return printed, published
            for edition in archive.editions:
                if edition.published:
                    published[edition.number] = edition.path
                    printed[edition.number] = {
                        p.name: p for p in edition_passages(archive, edition)}
        return printed, published

    def passages(self, number: int) -> dict[str, Passage]:
        return self._editions[0].get(number, {})

    def data_changed(self) -> bool:
        return self._changed(*PRINTED_DATA)

    def published(self, drafts: frozenset[str]) -> dict[int, str]:
        """The editions published at the revision whose file is removed since, or is among
        `drafts` and changed since: a few git calls, no archive loaded."""
        if self._base is None:
            return {}
        out = git(self.root, "diff", "--name-status", "--relative", "--diff-filter=DM",
                  self._base[0], "--", "editions")
        found: dict[int, str] = {}
        for line in (out or b"").decode().splitlines():
            status, _, path = line.partition("\t")
            match = EDITION_FILE_PATTERN.match(path.rsplit("/", 1)[-1])
            if not match or path.count("/") != 1 or (status == "M" and path not in drafts):
                continue
            text = git(self.root, "show", f"{self._base[0]}:./{path}")
            if text is not None and PUBLISHED.search(text.decode(errors="replace")):
                found[int(match.group(1))] = path
        return found


# The strict loader allows no anchors, tags or flow style: a published edition says so here.
PUBLISHED = re.compile(r"""^status:[ \t]*(["']?)published\1[ \t]*(?:#.*)?$""", re.M)
