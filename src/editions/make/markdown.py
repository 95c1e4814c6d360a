"""Markdown: every Markdown field of a build to safe HTML in one sandboxed pandoc run, cached."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from editions.cache.store import Store
from editions.check.links import LINK_PREFIXES
from editions.errors import EditionsError
from editions.make.assemble import EditionView, PrintedUpdate, TestimonyView
from editions.model import References, Testimony
from editions.versions import package_version

log = logging.getLogger(__name__)

# Raw HTML and its back doors stay off; attributes and ids are the page's, not the text's.
EXTENSIONS = (
    "markdown-raw_html-raw_attribute-native_divs-native_spans-raw_tex"
    "-link_attributes-header_attributes-auto_identifiers-bracketed_spans-fenced_divs"
    "-inline_code_attributes-fenced_code_attributes-implicit_figures"
)
# Where a field's headings start: under the h2 of the introduction or of a testimony's story,
# and under the h3 of an update; the filter never lets a level be skipped.
INTRO_SHIFT = 2
STORY_SHIFT = 2
UPDATE_SHIFT = 3
# citeproc's own default locale, for texts converted outside a publication
CITATION_LANGUAGE = "en-US"
# Differs from every testimony's prefix after `intro--`: theirs go on with `story--` or `update-`.
INTRO_PREFIX = "intro--"


@dataclass(frozen=True)
class TextToConvert:
    """One Markdown text to convert; `prefix` keeps its footnote ids apart from others'.

    Prefixes hold `--`, which no testimony id has, so a field's footnote ids never equal a
    testimony's id (or `{id}-title`), nor another field's ids, whatever the two ids are.
    """

    text: str
    shift: int
    prefix: str

    @property
    def cites(self) -> bool:
        return "@" in self.text


@dataclass
class PageText:
    """The HTML of one page's Markdown fields: an edition's, or a testimony page's."""

    intro: str = ""
    stories: dict[str, str] = field(default_factory=dict)
    updates: dict[str, list[str]] = field(default_factory=dict)
    bibliography: str = ""

    def html(self) -> list[str]:
        """Every piece of HTML of the edition's text."""
        return [self.intro, *self.stories.values(),
                *(html for texts in self.updates.values() for html in texts)]

    def place(self, slot: tuple[str, ...], html: str) -> None:
        if slot[0] == "intro":
            self.intro = html
        elif slot[0] == "story":
            self.stories[slot[1]] = html
        else:
            self.updates.setdefault(slot[1], []).append(html)


EditionText = PageText  # the name the edition pipeline has always used


@dataclass
class Converted:
    """The HTML of a build's pages: editions by number, testimony pages by testimony id."""

    editions: dict[int, PageText] = field(default_factory=dict)
    testimonies: dict[str, PageText] = field(default_factory=dict)


def _data(name: str) -> Path:
    return Path(str(resources.files("editions") / "data" / name))


def _bundled_pandoc() -> Path | None:
    """The pandoc inside the pypandoc-binary wheel, found without importing pypandoc."""
    spec = importlib.util.find_spec("pypandoc")
    if spec is None or spec.origin is None:
        return None
    program = Path(spec.origin).parent / "files" / ("pandoc.exe" if os.name == "nt" else "pandoc")
    return program if program.is_file() else None


@cache
def pandoc_path() -> str:
    """The pandoc to run: $PYPANDOC_PANDOC when set, else the one pip installed with us.

    pypandoc's own search starts every pandoc it finds to compare versions; a build that
    finds all its Markdown in the cache should start none.
    """
    chosen = os.environ.get("PYPANDOC_PANDOC")
    if chosen:
        return chosen
    bundled = _bundled_pandoc()
    if bundled is not None:
        return str(bundled)
    import pypandoc

    return str(pypandoc.get_pandoc_path())


@cache
def pandoc_version() -> str:
    try:
        proc = subprocess.run([pandoc_path(), "--version"], capture_output=True, timeout=60,
                              check=True)
    except (OSError, subprocess.SubprocessError) as err:
        raise EditionsError(f"pandoc could not run: {err}") from None
    return proc.stdout.decode(errors="replace").split("\n", 1)[0].strip()


@cache
def pandoc_identity() -> str:
    """Which pandoc converts the text; for the one pip installed, known without running it."""
    bundled = _bundled_pandoc()
    if bundled is not None and str(bundled) == pandoc_path():
        wheel = package_version("pypandoc_binary")
        return f"pypandoc-binary {wheel}, {bundled.stat().st_size} bytes"
    return pandoc_version()


@cache
def _converter_key() -> str:
    """What the HTML of a text depends on besides the text: pandoc, our filter, our style."""
    digest = hashlib.sha256(pandoc_identity().encode())
    for name in ("batch.lua", "numbered.csl"):
        digest.update(_data(name).read_bytes())
    digest.update(EXTENSIONS.encode())
    digest.update("|".join(LINK_PREFIXES).encode())
    return digest.hexdigest()


def _key(*parts: str) -> str:
    digest = hashlib.sha256(_converter_key().encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def markdown_cache(path: Path | None) -> Store:
    """Converted HTML by content hash, kept across builds."""
    return Store(path, "html", "the Markdown cache")


Slots = list[tuple[tuple[str, ...], TextToConvert]]


def _testimony_fields(testimony: Testimony, updates: Iterable[PrintedUpdate]) -> Slots:
    """A testimony's story and updates; the same ids and levels wherever it is printed."""
    tid = testimony.id
    fields: Slots = [(("story", tid), TextToConvert(testimony.story.text, STORY_SHIFT,
                                                    f"{tid}--story--"))]
    for index, update in enumerate(updates, start=1):
        fields.append((("update", tid), TextToConvert(update.text.text, UPDATE_SHIFT,
                                                      f"{tid}--update-{index}--")))
    return fields


def _edition_fields(view: EditionView) -> Slots:
    """Each Markdown field of an edition, with the slot its HTML goes to, in print order."""
    fields: Slots = []
    if view.edition.intro:
        intro = TextToConvert(view.edition.intro.text, INTRO_SHIFT, INTRO_PREFIX)
        fields.append((("intro",), intro))
    for printed in view.testimonies:
        if not printed.withdrawn:
            fields.extend(_testimony_fields(printed.testimony, printed.updates))
    return fields


def convert(views: Iterable[EditionView], testimonies: Iterable[TestimonyView],
            references: References, cache_path: Path | None = None, *,
            language: str = CITATION_LANGUAGE) -> Converted:
    """The HTML of every Markdown field of these editions and testimony pages, in at most
    one pandoc process.

    Fields without citations convert on their own and are shared between pages; the fields
    of a page that cite are converted together so citeproc numbers the references in the
    order the page prints them, with the terms ("et al.") of the publication's `language`.
    """
    pages: dict[tuple[str, str], Slots] = {}
    for view in views:
        pages["edition", str(view.number)] = _edition_fields(view)
    for page in testimonies:
        pages["testimony", page.id] = _testimony_fields(page.testimony, page.updates)
    texts = _convert_pages(pages, references, cache_path, language)
    converted = Converted()
    for (kind, name), text in texts.items():
        if kind == "edition":
            converted.editions[int(name)] = text
        else:
            converted.testimonies[name] = text
    return converted


# A page's fields, each with its slot and the key of its HTML (for a citing field: its place
# in the page's group).
Keyed = list[tuple[tuple[str, ...], TextToConvert, str]]


@dataclass
class _Plan:
    """What a build converts, each text once, by the key of its HTML in the cache.

    A field that cites nothing converts on its own and is shared by every page that prints
    it (`plain`); the citing fields of a page convert together (`groups`).
    """

    language: str
    refs_json: str
    plain: dict[str, TextToConvert] = field(default_factory=dict)
    groups: dict[str, list[TextToConvert]] = field(default_factory=dict)
    pages: dict[tuple[str, str], tuple[Keyed, str | None]] = field(default_factory=dict)

    def add(self, page: tuple[str, str], fields: Slots) -> None:
        """A page's fields, each keyed; its citing fields as one group."""
        citing = [f for _, f in fields if f.cites]
        group_key = None
        if citing:
            group_key = _key("group", self.language, self.refs_json,
                             *(f"{f.shift}|{f.prefix}|{f.text}" for f in citing))
            self.groups[group_key] = citing
        keyed: Keyed = []
        place = 0  # a citing field is found by its place in the page's group, not its prefix
        for slot, f in fields:
            if f.cites:
                key, place = str(place), place + 1
            else:
                key = _key("field", str(f.shift), f.prefix, f.text)
                self.plain[key] = f
            keyed.append((slot, f, key))
        self.pages[page] = (keyed, group_key)


def _convert_pages(pages: dict[tuple[str, str], Slots], references: References,
                   cache_path: Path | None, language: str) -> dict[tuple[str, str], PageText]:
    """Each page's HTML: every text planned once, found in the cache or converted by pandoc."""
    store = markdown_cache(cache_path)
    plan = _Plan(language, json.dumps(list(references.entries), sort_keys=True,
                                      ensure_ascii=False))
    for page, fields in pages.items():
        plan.add(page, fields)
    html = _html_of(plan, store)
    return {page: _page_text(keyed, group_key, html)
            for page, (keyed, group_key) in plan.pages.items()}


def _html_of(plan: _Plan, store: Store) -> dict[str, str]:
    """The HTML of every planned text by its key: from the cache, else from one pandoc run."""
    started = time.perf_counter()
    cached = store.get([*plan.plain, *plan.groups])
    todo_fields = {k: f for k, f in plan.plain.items() if k not in cached}
    todo_groups = {k: g for k, g in plan.groups.items() if k not in cached}
    fresh: dict[str, str] = {}
    if todo_fields or todo_groups:
        fresh = _pandoc_html(todo_fields, todo_groups, plan.refs_json, plan.language)
        store.put(fresh)
    store.close()
    texts = len(plan.plain) + sum(len(g) for g in plan.groups.values())
    fresh_texts = len(todo_fields) + sum(len(g) for g in todo_groups.values())
    log.info("converted %d Markdown texts of %d pages in %.2f s: %d from the cache, %d with "
             "pandoc", texts, len(plan.pages), time.perf_counter() - started,
             texts - fresh_texts, fresh_texts)
    return {**cached, **fresh}


def _pandoc_html(fields: dict[str, TextToConvert], groups: dict[str, list[TextToConvert]],
                 refs_json: str, language: str) -> dict[str, str]:
    """Each field's HTML, and each group's as JSON (its fields' HTML and its bibliography)."""
    result = _run_pandoc(fields, groups, refs_json, language)
    fresh = dict(result["fields"])
    for key, group in result["groups"].items():
        fresh[key] = json.dumps(group, sort_keys=True)
    return fresh


def _page_text(keyed: Keyed, group_key: str | None, html: dict[str, str]) -> PageText:
    """One page's HTML, each field in its slot; the citing ones come from the page's group."""
    text = PageText()
    cited: dict[str, str] = {}
    if group_key:
        group = json.loads(html[group_key])
        cited, text.bibliography = group["fields"], group["bibliography"]
    for slot, f, key in keyed:
        text.place(slot, cited[key] if f.cites else html[key])
    return text


def _run_pandoc(fields: dict[str, TextToConvert], groups: dict[str, list[TextToConvert]],
                refs_json: str, language: str) -> dict[str, dict[str, str]]:
    def encode(f: TextToConvert, key: str) -> dict[str, object]:
        return {"key": key, "text": f.text, "shift": f.shift, "prefix": f.prefix}

    batch = {
        "extensions": EXTENSIONS,
        "link_prefixes": LINK_PREFIXES,
        "csl": str(_data("numbered.csl")),
        "references": refs_json,
        "lang": language,
        "fields": [encode(f, k) for k, f in fields.items()],
        "groups": [{"key": k, "fields": [encode(f, str(i)) for i, f in enumerate(g)]}
                   for k, g in groups.items()],
    }
    # The heap bound stops a pathological text from eating the machine's memory.
    command = [pandoc_path(), "+RTS", "-M2g", "-RTS", "--sandbox",
               "--from", str(_data("batch.lua")), "--to", str(_data("raw.lua"))]
    log.debug("pandoc: %d fields, %d citing pages", len(fields), len(groups))
    try:
        proc = subprocess.run(command, input=json.dumps(batch).encode(), capture_output=True,
                              timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise EditionsError(f"pandoc could not run: {err}") from None
    if proc.returncode != 0:
        raise EditionsError("pandoc failed: " + proc.stderr.decode(errors="replace").strip())
    for line in proc.stderr.decode(errors="replace").splitlines():
        log.debug("pandoc: %s", line)
    result: dict[str, dict[str, str]] = json.loads(proc.stdout)
    return result
