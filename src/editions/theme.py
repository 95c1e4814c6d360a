"""Theme: the tool's own templates and assets, overridden file by file by a publication's."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
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
    in it), the publication's file where it has one of that name."""
    files: dict[str, Path] = {}
    for folder in reversed(search_path(templates)):
        base = folder / under if under else folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if path.is_file():
                files[path.relative_to(base).as_posix()] = path
    return dict(sorted(files.items()))
