"""History: the archive as git recorded it at a revision, read without touching the work tree."""

from __future__ import annotations

import io
import logging
import subprocess
import tarfile
from pathlib import Path

from editions.errors import ContentError, EditionsError
from editions.load.archive import REFERENCES_FILE, SETTINGS_FILE, load_archive
from editions.model import IMAGES_DIR, Archive

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
        _extract(top, commit, paths, rev, into)
    folder = into / prefix
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return load_archive(folder)
    except ContentError as err:
        raise EditionsError(f"the archive at {rev} does not load:\n{err}") from None


def _extract(top: Path, commit: str, paths: list[str], rev: str, into: Path) -> None:
    """Write `paths` as git recorded them at `commit` into the folder `into`."""
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
