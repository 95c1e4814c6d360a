"""Render: Jinja2 templates turn assembled editions into the edition pages and the archive index."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date, format_skeleton
from markupsafe import Markup

from . import __version__
from .assemble import EditionView, PrintedTestimony
from .errors import ContentError, EditionsError
from .markdown import EditionText
from .model import PartialDate, Settings

ASSETS_DIR = "assets"


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "edition"


def edition_dir(number: int) -> str:
    return f"editions/{number:03d}"


def pdf_name(settings: Settings, number: int) -> str:
    return f"{slug(settings.title)}-{number:03d}.pdf"


def pdf_path(settings: Settings, number: int) -> str:
    """Where an edition's PDF lives in the site: a stable link readers may keep."""
    return f"{edition_dir(number)}/{pdf_name(settings, number)}"


def page_path(number: int) -> str:
    return f"{edition_dir(number)}/index.html"


@dataclass(frozen=True)
class Dates:
    """Dates written the way the publication's language writes them (Babel's CLDR data)."""

    locale: str

    def long(self, date: PartialDate) -> str:
        if date.precision == "day":
            return str(format_date(date.first_day, "long", locale=self.locale))
        if date.precision == "month":
            return str(format_skeleton("yMMMM", date.first_day, locale=self.locale))
        return str(date.first_day.year)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


class Renderer:
    """The project's templates, with the publication's settings and language."""

    def __init__(self, templates: Path, settings: Settings) -> None:
        if not (templates / "edition.html").is_file():
            raise EditionsError(f"{templates}: no edition.html template here; the project's "
                                "templates/ folder is missing or incomplete")
        self.templates = templates
        self.settings = settings
        self.dates = Dates(settings.language.replace("-", "_"))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.globals.update(publication=settings, generator=f"editions {__version__}")

    def _render(self, template: str, **context: Any) -> str:
        try:
            return self.env.get_template(template).render(**context)
        except jinja2.TemplateError as err:
            filename = getattr(err, "filename", None) or str(self.templates / template)
            line = getattr(err, "lineno", None) or 1
            where = Path(filename)
            if where.is_relative_to(self.templates.parent):
                where = where.relative_to(self.templates.parent)
            raise ContentError.at(str(where), line, 1, f"template: {err}") from None

    def testimony_context(self, printed: PrintedTestimony, text: EditionText) -> dict[str, Any]:
        t = printed.testimony
        treatment = t.treatment or self.settings.treatment
        facts = [t.condition]
        if t.started:
            facts.append(f"{treatment} since {self.dates.long(t.started)}")
        updates = []
        for update, html in zip(printed.updates, text.updates.get(t.id, []), strict=True):
            when = self.dates.long(update.date)
            updates.append({
                "heading": f"Update \N{EN DASH} {when} \N{EN DASH} {update.label}",
                "date": update.date.first_day.isoformat(),
                "is_new": update.is_new,
                "html": Markup(html),
            })
        return {
            "id": t.id,
            "heading": printed.heading,
            "name": t.name,
            "country": t.country,
            "facts": facts,
            "is_new": printed.is_new,
            "has_new_updates": printed.has_new_updates,
            "withdrawn": printed.withdrawn,
            "story_html": Markup(text.stories.get(t.id, "")),
            "updates": updates,
        }

    def summary(self, view: EditionView) -> dict[str, Any]:
        """What any page says about an edition, without its text."""
        e = view.edition
        return {
            "number": e.number,
            "title": view.title,
            "status": e.status,
            "is_draft": not e.published,
            "date": e.date.first_day.isoformat(),
            "date_text": self.dates.long(e.date),
            "page": page_path(e.number),
            "pdf": pdf_path(self.settings, e.number),
            "pdf_name": pdf_name(self.settings, e.number),
            "testimony_count": sum(1 for p in view.testimonies if not p.withdrawn),
            "revisions": [{"date": r.date.first_day.isoformat(),
                           "date_text": self.dates.long(r.date), "note": r.note}
                          for r in view.revisions],
            "whats_new": [
                {"id": p.id, "heading": p.heading, "condition": p.testimony.condition,
                 "is_new": p.is_new, "labels": [u.label for u in p.updates if u.is_new]}
                for p in view.testimonies if not p.withdrawn and (p.is_new or p.has_new_updates)
            ],
        }

    def edition_page(self, view: EditionView, text: EditionText,
                     pdf_size: int | None = None) -> str:
        """The edition's page: the web page readers see and the source of its PDF."""
        context = self.summary(view)
        context.update(
            intro_html=Markup(text.intro),
            bibliography_html=Markup(text.bibliography),
            testimonies=[self.testimony_context(p, text) for p in view.testimonies],
            pdf_size=human_size(pdf_size) if pdf_size is not None else None,
        )
        return self._render("edition.html", edition=context, root="../../")

    def archive_page(self, views: list[EditionView], pdf_sizes: dict[int, int]) -> str:
        """The news archive: every published edition, newest first, and what's new."""
        editions = []
        for view in sorted(views, key=lambda v: v.number, reverse=True):
            if not view.edition.published:
                continue
            context = self.summary(view)
            size = pdf_sizes.get(view.number)
            context["pdf_size"] = human_size(size) if size is not None else None
            editions.append(context)
        return self._render("archive.html", editions=editions, root="")
