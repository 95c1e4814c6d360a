"""Render: Jinja2 templates turn assembled editions and testimonies into the site's pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from editions.errors import ContentError, EditionsError, Where
from editions.i18n import page_numbers_css, words
from editions.make.addresses import (
    TESTIMONIES_INDEX,
    format_name,
    format_path,
    page_path,
    pdf_name,
    pdf_path,
    testimony_path,
)
from editions.make.assemble import (
    WITHDRAWN_HEADING,
    WITHDRAWN_NOTICE,
    EditionView,
    PrintedTestimony,
    PrintedUpdate,
    TestimonyView,
)
from editions.make.feed import FEED_PATH, FeedEntry, atom_feed, fallback_moment
from editions.make.markdown import PageText
from editions.make.theme import read_theme_file, search_path
from editions.make.timeline import KIND_ORDER, Moment, draw
from editions.make.titles import balanced
from editions.model import EXTRA_FORMATS, PartialDate, Settings, slug
from editions.versions import package_version

if TYPE_CHECKING:
    import jinja2

def at_root(html: str, root: str) -> str:
    """Converted HTML with its images' paths (images/...) made relative to a page at `root`."""
    return html.replace('<img src="images/', f'<img src="{root}images/')


@dataclass(frozen=True)
class Page:
    """One file of the site: a template and the context it is rendered with, made only when
    asked, so a build can tell from the context whether the last build's file will do."""

    template: str
    context: dict[str, Any]
    make: Callable[[], bytes]


@dataclass(frozen=True)
class Dates:
    """Dates written the way the publication's language writes them (Babel's CLDR data)."""

    locale: str

    def long(self, date: PartialDate) -> str:
        return _long_date(self.locale, date.first_day, date.precision)


@lru_cache(maxsize=4096)
def _long_date(locale: str, day: dt.date, precision: str) -> str:
    # Babel takes a tenth of a millisecond a date, and an archive writes the same dates often.
    from babel.dates import format_date, format_skeleton

    if precision == "day":
        return str(format_date(day, "long", locale=locale))
    if precision == "month":
        return str(format_skeleton("yMMMM", day, locale=locale))
    return str(day.year)


def human_size(size: int, language: str = "en") -> str:
    """A file's size as a reader reads it: '820 KB', '1.2 MB' ('1,2 Mo' in French)."""
    t = words(language)
    if size < 1024:
        return t.ngettext("%(num)d byte", "%(num)d bytes", size) % {"num": size}
    if size < 1024 * 1024:
        return t.gettext("%(size)s KB") % {"size": round(size / 1024)}
    megabytes = f"{size / (1024 * 1024):.1f}"
    from babel.numbers import get_decimal_symbol

    point = str(get_decimal_symbol(language.replace("-", "_")))
    return t.gettext("%(size)s MB") % {"size": megabytes.replace(".", point)}


class Renderer:
    """The project's templates, with the publication's settings and language."""

    def __init__(self, templates: Path, settings: Settings,
                 testimony_pages: frozenset[str] = frozenset()) -> None:
        self.templates = templates
        self.search_path = search_path(templates)
        if not any((folder / "edition.html").is_file() for folder in self.search_path):
            raise EditionsError(f"{templates}: no edition.html template here, and the tool's "
                                "own templates are missing: reinstall editions")
        self.settings = settings
        # the testimonies that have a page of their own, for edition pages to link
        self.testimony_pages = testimony_pages
        self.dates = Dates(settings.language.replace("-", "_"))
        self.words = words(settings.language)

    @cached_property
    def env(self) -> jinja2.Environment:
        # made (and Jinja2 imported) when a page is rendered: a build that renders nothing
        # does without
        import jinja2
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        # A publication's templates are code from its repository, reviewed less closely than
        # Python: sandboxed, they reach no attribute starting with `_` (so no `__globals__`,
        # no `os`), call no unsafe function and change no list or dict they are given.
        env = ImmutableSandboxedEnvironment(
            # the templates' words through the publication's catalog: {{ _("Back to top") }}
            extensions=["jinja2.ext.i18n"],
            # the publication's templates/ first: its files override the tool's by name
            loader=jinja2.FunctionLoader(self._template_source),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.install_gettext_translations(self.words, newstyle=True)  # type: ignore[attr-defined]
        env.filters["balanced"] = balanced
        version = package_version("editions") or "0.0.0"
        env.globals.update(publication=self.settings, generator=f"editions {version}",
                           feed_path=FEED_PATH, testimonies_index=TESTIMONIES_INDEX,
                           page_numbers=Markup(page_numbers_css(self.settings.language)))
        return env

    def _template_source(self, name: str) -> tuple[str, str, Callable[[], bool]] | None:
        """A template's text: the publication's file of that name, else the tool's, read as
        every file of the publication is (no link followed)."""
        from jinja2.loaders import split_template_path

        parts = split_template_path(name)  # no '..', no absolute name
        for folder in self.search_path:
            path = folder.joinpath(*parts)
            if path.is_symlink() or path.is_file():
                text = read_theme_file(self.templates, path).decode("utf-8")
                return text, str(path), lambda: True
        return None

    def _page(self, template: str, **context: Any) -> Page:
        return Page(template, context, lambda: self._render(template, **context).encode())

    def _render(self, template: str, **context: Any) -> str:
        import jinja2

        try:
            page = self.env.get_template(template).render(**context)
            return at_root(page, context["root"]) if "root" in context else page
        except jinja2.TemplateError as err:
            filename = getattr(err, "filename", None) or str(self.templates / template)
            line = getattr(err, "lineno", None) or 1
            where = Path(filename)
            if where.is_relative_to(self.templates.parent):
                where = where.relative_to(self.templates.parent)
            raise ContentError.at(Where(str(where), line, 1), f"template: {err}") from None

    def facts(self, printed: PrintedTestimony | TestimonyView) -> list[str]:
        t = printed.testimony
        treatment = t.treatment or self.settings.treatment
        facts = [t.condition]
        if t.started:
            facts.append(self.words.gettext("%(treatment)s since %(date)s")
                         % {"treatment": treatment, "date": self.dates.long(t.started)})
        return facts

    def update_context(self, update: PrintedUpdate, html: str) -> dict[str, Any]:
        when = self.dates.long(update.date)
        return {
            "heading": self.words.gettext("Update – %(date)s – %(label)s")
            % {"date": when, "label": update.label},
            "date": update.date.first_day.isoformat(),
            "date_text": when,
            "label": update.label,
            "is_new": update.is_new,
            "html": Markup(html),
        }

    def testimony_context(self, printed: PrintedTestimony, text: PageText,
                          position: int = 0) -> dict[str, Any]:
        if printed.withdrawn:
            # Nothing of the testimony, not even its id (it holds the name): only its place.
            return {"id": f"withdrawn-{position}",
                    "heading": self.words.gettext(WITHDRAWN_HEADING), "name": "",
                    "country": "", "condition": "", "facts": [], "is_new": False,
                    "has_new_updates": False,
                    "withdrawn": True, "notice": self.words.gettext(WITHDRAWN_NOTICE),
                    "page": None,
                    "story_html": Markup(""), "updates": []}
        t = printed.testimony
        updates = [self.update_context(update, html) for update, html
                   in zip(printed.updates, text.updates.get(t.id, []), strict=True)]
        return {
            "id": t.id,
            "heading": printed.heading,
            "name": t.name,
            "country": t.country,
            "condition": t.condition,
            "facts": self.facts(printed),
            "is_new": printed.is_new,
            "has_new_updates": printed.has_new_updates,
            "withdrawn": printed.withdrawn,
            "page": (testimony_path(t.id)
                     if t.id in self.testimony_pages and not printed.withdrawn else None),
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
            **{key: value for kind in EXTRA_FORMATS for key, value in (
                (kind.replace("-", "_"), format_path(self.settings, kind, e.number)),
                (f"{kind.replace('-', '_')}_name", format_name(self.settings, kind, e.number)))},
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

    def edition_page(self, view: EditionView, text: PageText, pdf_size: int | None = None,
                     sizes: Mapping[str, int] | None = None) -> str:
        """The edition's page: the web page readers see and the source of its PDFs; `sizes`
        are those of its other formats by name (model.FORMATS)."""
        context = self.edition_context(view, text, "../../")
        context["pdf_size"] = (human_size(pdf_size, self.settings.language)
                               if pdf_size is not None else None)
        self._sizes(context, sizes or {})
        return self._render("edition.html", edition=context, root="../../")

    def _sizes(self, context: dict[str, Any], sizes: Mapping[str, int]) -> None:
        for kind in EXTRA_FORMATS:
            size = sizes.get(kind)
            context[f"{kind.replace('-', '_')}_size"] = (
                human_size(size, self.settings.language) if size is not None else None)

    def epub_page(self, view: EditionView, text: PageText) -> str:
        """The page pandoc makes the edition's EPUB from: its text without the site around it."""
        return self._render("epub.html", edition=self.edition_context(view, text, ""))

    def edition_context(self, view: EditionView, text: PageText, root: str) -> dict[str, Any]:
        context = self.summary(view)
        context.update(
            intro_html=Markup(at_root(text.intro, root)),
            bibliography_html=Markup(text.bibliography),
            testimonies=[self.testimony_context(p, text, position)
                         for position, p in enumerate(view.testimonies, start=1)],
        )
        return context

    def archive_page(self, views: list[EditionView], pdf_sizes: dict[int, int],
                     sizes: Mapping[int, Mapping[str, int]] | None = None) -> Page:
        """The news archive: every published edition, newest first, and what's new; `sizes`
        are those of each edition's other formats by name."""
        editions = []
        for view in sorted(views, key=lambda v: v.number, reverse=True):
            if not view.edition.published:
                continue
            context = self.summary(view)
            size = pdf_sizes.get(view.number)
            context["pdf_size"] = (human_size(size, self.settings.language)
                                   if size is not None else None)
            self._sizes(context, (sizes or {}).get(view.number, {}))
            editions.append(context)
        return self._page("archive.html", editions=editions, root="")

    def timeline(self, view: TestimonyView) -> dict[str, Any]:
        """The testimony's moments as a drawing and as the list that says the same in words."""
        t = view.testimony
        treatment = t.treatment or self.settings.treatment
        events: list[tuple[Moment, str, str | None, str]] = []
        if t.diagnosed:
            events.append((Moment(t.diagnosed.first_day, "diagnosed"),
                           self.dates.long(t.diagnosed), None,
                           self.words.gettext("Diagnosis: %(condition)s")
                           % {"condition": t.condition}))
        if t.started:
            events.append((Moment(t.started.first_day, "started"),
                           self.dates.long(t.started), None,
                           self.words.gettext("Started %(treatment)s")
                           % {"treatment": treatment}))
        for index, update in enumerate(view.updates, start=1):
            events.append((Moment(update.date.first_day, "update"),
                           self.dates.long(update.date), f"#update-{index}",
                           update.label if update.label.lower().startswith("update")
                           else self.words.gettext("Update: %(label)s")
                           % {"label": update.label}))
        for edition in view.printed_in:
            events.append((Moment(edition.date.first_day, "edition"),
                           self.dates.long(edition.date),
                           f"../{page_path(edition.number)}#{t.id}",
                           self.words.gettext("Printed in edition %(number)s")
                           % {"number": edition.number}))
        events.sort(key=lambda e: (e[0].day, KIND_ORDER.index(e[0].kind)))
        return {
            "drawing": draw([e[0] for e in events]),
            "events": [{"kind": m.kind, "date": m.day.isoformat(), "date_text": when,
                        "href": href, "text": words} for m, when, href, words in events],
        }

    def testimony_page(self, view: TestimonyView, text: PageText,
                       pdf_sizes: dict[int, int]) -> Page:
        """A testimony's own page: the whole story so far, its timeline and its editions
        (with the PDF of each that has one: an `--html-only` build makes none)."""
        t = view.testimony
        updates = []
        for index, (update, html) in enumerate(
                zip(view.updates, text.updates.get(t.id, []), strict=True), start=1):
            context = self.update_context(update, html)
            context["anchor"] = f"update-{index}"
            updates.append(context)
        editions = [{"number": e.number, "title": e.title or self.settings.title,
                     "date": e.date.first_day.isoformat(), "date_text": self.dates.long(e.date),
                     "page": f"../{page_path(e.number)}#{t.id}",
                     "pdf": f"../{pdf_path(self.settings, e.number)}"
                     if e.number in pdf_sizes else None}
                    for e in view.printed_in]
        context = {
            "id": t.id,
            "heading": view.heading,
            "name": t.name,
            "country": t.country,
            "condition": t.condition,
            "facts": self.facts(view),
            "as_of": self.dates.long(view.as_of),
            "story_html": Markup(text.stories.get(t.id, "")),
            "updates": updates,
            "bibliography_html": Markup(text.bibliography),
            "editions": editions,
            "timeline": self.timeline(view),
        }
        return self._page("testimony.html", testimony=context, root="../")

    def testimonies_index(self, views: list[TestimonyView]) -> Page:
        """Every testimony with a page, by condition and by country, with counts."""
        def entry(view: TestimonyView) -> dict[str, Any]:
            return {"id": view.id, "heading": view.heading, "name": view.testimony.name,
                    "condition": view.testimony.condition, "country": view.testimony.country,
                    "page": f"{view.id}.html", "updates": len(view.updates),
                    "since": self.dates.long(view.printed_in[0].date)}

        def groups(key: str) -> list[dict[str, Any]]:
            found: dict[str, list[TestimonyView]] = {}
            for view in views:
                found.setdefault(getattr(view.testimony, key), []).append(view)
            return [{"name": name, "id": f"{key}-{slug(name)}", "count": len(members),
                     "testimonies": [entry(v) for v in sorted(
                         members, key=lambda v: (v.testimony.name.casefold(), v.id))]}
                    for name, members in sorted(found.items(),
                                                key=lambda item: (item[0].casefold(), item[0]))]

        return self._page("testimonies.html", count=len(views),
                            conditions=groups("condition"), countries=groups("country"),
                            root="../")

    def feed(self, views: list[EditionView], pdf_sizes: dict[int, int]) -> Page:
        """The Atom feed of the published editions."""
        entries = []
        for view in views:
            if not view.edition.published:
                continue
            e = view.edition
            summary = self.summary(view)
            w = self.words
            news = [w.gettext("%(heading)s (new)") % {"heading": t["heading"]} if t["is_new"]
                    else f"{t['heading']} ({'; '.join(t['labels'])})"
                    for t in summary["whats_new"]]
            count = summary["testimony_count"]
            text = w.ngettext("%(num)d testimony", "%(num)d testimonies", count) % {"num": count}
            if news:
                text = (w.gettext("%(testimonies)s. New and updated: %(news)s.")
                        % {"testimonies": text, "news": ", ".join(news)})
            revised = max((r.date.first_day for r in view.revisions), default=e.date.first_day)
            entries.append(FeedEntry(
                number=e.number,
                title=w.gettext("Edition %(number)s, %(date)s")
                % {"number": e.number, "date": summary["date_text"]},
                published=e.date.first_day,
                updated=max(revised, e.date.first_day),
                page=page_path(e.number),
                summary=str(escape(text)),  # Atom's summary is HTML: names stay text
                pdf=pdf_path(self.settings, e.number) if e.number in pdf_sizes else None,
                pdf_size=pdf_sizes.get(e.number)))
        # with nothing published, the feed's date is a fixed one
        context = {"entries": entries} if entries else {"updated": str(fallback_moment())}
        return Page("atom", context, lambda: atom_feed(self.settings, entries))

    def reader_pages(self, views: list[EditionView], testimonies: list[TestimonyView],
                     texts: dict[str, PageText], pdf_sizes: dict[int, int]) -> dict[str, Page]:
        """The pages that follow the archive as a whole: one page per testimony, the list
        of testimonies by condition and country, and the feed."""
        pages = {testimony_path(view.id): self.testimony_page(view, texts[view.id], pdf_sizes)
                 for view in testimonies}
        pages[TESTIMONIES_INDEX] = self.testimonies_index(testimonies)
        pages[FEED_PATH] = self.feed(views, pdf_sizes)
        return pages
