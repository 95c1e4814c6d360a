"""Start: a new publication's folder, with its settings, empty archive and review workflow."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, fields
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from editions.check.rules import _check_settings
from editions.edit.fmt import round_trip_yaml
from editions.edit.schema import SCHEMAS, schema_file, write_schemas
from editions.errors import EditionsError
from editions.load.archive import REFERENCES_FILE, SETTINGS_FILE
from editions.model import Settings
from editions.versions import package_version

log = logging.getLogger(__name__)

FOLDERS = ("testimonies", "editions", "images")
# What may already be in the folder: a repository the editor made first.
ALLOWED = frozenset({".git"})

SETTINGS_HEADER = "# Publication-wide settings: every edition and the archive read them.\n"
REFERENCES_TEXT = """\
# The studies an introduction or a story cites as [@key], in CSL YAML as pandoc reads it:
#   - id: smith2007
#     type: article-journal
#     author: [{family: Smith, given: J.}]
#     title: Low-dose naltrexone in multiple sclerosis
#     container-title: Journal of Examples
#     issued: {date-parts: [[2007]]}
references: []
"""
GITIGNORE_TEXT = """\
# What editions builds and keeps for itself: never part of the publication's history.
/site/
/.site.*
/site-preview/
/.site-preview.*
/.editions-cache/
"""


@dataclass(frozen=True)
class Answers:
    """What only the editor can say about a new publication."""

    title: str
    publisher: str
    language: str
    site_url: str
    paper: str
    treatment: str


QUESTIONS = {
    "title": "Title of the newsletter",
    "publisher": "Publisher, as printed on every edition",
    "language": "Language of the pages (a tag such as en-GB)",
    "site_url": "Public address of the news archive (https://...)",
    "paper": "Paper size of the PDFs (A4, A5 or Letter)",
    "treatment": "The treatment most testimonies are about (LDN, say)",
}


def answer_names() -> list[str]:
    return [f.name for f in fields(Answers)]


def refusal(folder: Path) -> str | None:
    """Why `folder` cannot take a new publication, or None when it can."""
    if folder.exists() and not folder.is_dir():
        return f"{folder}: is a file; give init a new or empty folder"
    if not folder.is_dir():
        return None
    if (folder / SETTINGS_FILE).exists():
        return f"{folder}: already holds a publication ({SETTINGS_FILE}); nothing was written"
    present = sorted(p.name for p in folder.iterdir() if p.name not in ALLOWED)
    if present:
        shown = ", ".join(present[:3]) + (f" and {len(present) - 3} more" if len(present) > 3
                                          else "")
        return (f"{folder}: is not empty (it holds {shown}); init starts a publication in an "
                "empty folder, so give it a new one; nothing was written")
    return None


def _settings_text(answers: Answers) -> str:
    data = CommentedMap((name, getattr(answers, name).strip()) for name in answer_names())
    out = io.StringIO()
    round_trip_yaml().dump(data, out)
    return SETTINGS_HEADER + out.getvalue()


def _editor_settings() -> str:
    """VS Code's YAML extension checks each file against its schema as the editor types."""
    globs = {"testimony": "testimonies/*.yaml", "edition": "editions/*.yaml"}
    lines = [f'    "./{schema_file(kind)}": "{globs[kind]}"' for kind in ("testimony", "edition")]
    return '{\n  "yaml.schemas": {\n' + ",\n".join(lines) + "\n  }\n}\n"


def _workflow() -> str:
    text = (Path(__file__).parent.parent / "data" / "publication-workflow.yml").read_text("utf-8")
    return text.replace("@VERSION@", package_version("editions") or "0.1.0")


def _validate(answers: Answers) -> None:
    for name in answer_names():
        value = getattr(answers, name)
        if not value.strip() or "\n" in value:
            raise EditionsError(f"the {name.replace('_', ' ')} must be one line of text")
    settings = Settings(title=answers.title, publisher=answers.publisher,
                        language=answers.language.strip(), site_url=answers.site_url.strip(),
                        paper=answers.paper, treatment=answers.treatment)
    for problem in _check_settings(settings):
        if problem.is_error:
            raise EditionsError(problem.message.replace("site_url", "the site address"))
    if answers.paper not in ("A4", "A5", "Letter"):
        raise EditionsError(f"paper '{answers.paper}' is not one of A4, A5, Letter")


def start_publication(folder: Path, answers: Answers) -> list[str]:
    """Make a publication in `folder` (new or empty); return what was written, sorted."""
    why = refusal(folder)
    if why:
        raise EditionsError(why)
    _validate(answers)
    texts = {
        SETTINGS_FILE: _settings_text(answers),
        REFERENCES_FILE: REFERENCES_TEXT,
        ".gitignore": GITIGNORE_TEXT,
        ".vscode/settings.json": _editor_settings(),
        ".github/workflows/editions.yml": _workflow(),
        # git keeps no empty folder: without these a clone would not be a publication
        **{f"{name}/.gitkeep": "" for name in FOLDERS},
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    write_schemas(folder)
    written = [n for n in texts if not n.endswith(".gitkeep")] + [f"{n}/" for n in FOLDERS]
    written += [schema_file(kind) for kind in SCHEMAS]
    log.info("started a publication in %s", folder)
    return sorted(written)
