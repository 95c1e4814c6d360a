"""Theme: the tool's own templates and assets, overridden file by file by a publication's."""

from __future__ import annotations

import os
from pathlib import Path

from editions.errors import ContentError, Where
from editions.load.files import LINK_REASON, RefusedFile, read_source

PACKAGE = Path(__file__).resolve().parent.parent  # editions/, which carries templates/
# A wheel carries the templates inside the package; a checkout (an editable install) keeps
# them in the repository's templates/, where they are edited.
_INSTALLED = PACKAGE / "templates"
_CHECKOUT = PACKAGE.parent.parent / "templates"


def default_templates() -> Path:
    """The folder of the templates and assets every publication starts from."""
    if (_INSTALLED / "edition.html").is_file():
        return _INSTALLED
    return _CHECKOUT


def search_path(templates: Path) -> list[Path]:
    """Where a template is looked for: the publication's own folder first, then the tool's."""
    folders = [templates] if templates.is_dir() else []
    default = default_templates()
    if default.is_dir() and all(default.resolve() != f.resolve() for f in folders):
        folders.append(default)
    return folders


def theme_files(templates: Path, under: str = "") -> dict[str, Path]:
    """Every file of the theme by its name relative to the templates folder (or to `under`
    in it), the publication's file where it has one of that name. A symbolic link in the
    publication's folder is a ContentError: its templates and assets are read as plain files
    inside it, like every file of the publication."""
    files: dict[str, Path] = {}
    if templates.is_symlink():
        raise ContentError.at(Where(templates.name, 1, 1), LINK_REASON)
    for folder in reversed(search_path(templates)):
        base = folder / under if under else folder
        if not base.is_dir():
            continue
        own = folder == templates
        for top, folders, names in os.walk(base):  # follows no link to a folder
            for name in sorted([*folders, *names]):
                path = Path(top) / name
                if own and path.is_symlink():
                    raise ContentError.at(Where(_shown(templates, path), 1, 1), LINK_REASON)
                if path.is_file():
                    files[path.relative_to(base).as_posix()] = path
    return dict(sorted(files.items()))


def read_theme_file(templates: Path, path: Path) -> bytes:
    """A theme file's bytes; the publication's own through read_source (no link followed,
    no FIFO waited on), a refusal a ContentError at its name."""
    if not path.is_relative_to(templates):
        return path.read_bytes()  # the tool's own, installed with it
    try:
        return read_source(templates.parent, path)
    except RefusedFile as refused:
        raise ContentError.at(Where(_shown(templates, path), 1, 1), refused.reason) from None


def _shown(templates: Path, path: Path) -> str:
    return f"{templates.name}/{path.relative_to(templates).as_posix()}"
