"""Baseline: the archive at the revision a change is compared with, for the freeze rule's
old words and for what was published there."""

from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
from pathlib import Path

from editions.errors import EditionsError
from editions.load.history import PRINTED_DATA, archive_at, default_base, git, resolve
from editions.make.freeze import Passage, edition_passages
from editions.model import EDITION_FILE_PATTERN

log = logging.getLogger(__name__)


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
