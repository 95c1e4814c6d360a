"""Build: load and check everything, then render editions, the archive and the reader pages."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from editions.check.glyphs import font_files
from editions.check.links import images_in, read_images
from editions.check.rules import check_archive, errors
from editions.errors import ContentError, EditionsError, Problem
from editions.load.archive import load_archive, require_publication
from editions.make import search
from editions.make.addresses import ASSETS_DIR, TESTIMONIES_DIR, format_path, page_path, pdf_path
from editions.make.assemble import EditionView, assemble, assemble_testimonies, estimated_pages
from editions.make.baseline import Baseline
from editions.make.file_cache import FILES_CACHE, FileCache
from editions.make.formats import describe, entry_for, epub_source, other_files, other_sizes
from editions.make.freeze import check_frozen
from editions.make.incremental import (
    MANIFEST,
    Entry,
    Manifest,
    edition_keys,
    encode_manifest,
    file_key,
    fingerprint,
    inputs_key,
    intact,
    page_key,
    read_manifest,
    reusable,
)
from editions.make.markdown import EditionText, PageText, convert
from editions.make.render import Renderer
from editions.make.site import (
    carry,
    check_out,
    clear_leftovers,
    follow_link,
    locked,
    prune,
    publish,
    remove_file,
    stage,
    write_file,
)
from editions.make.theme import read_theme_file, theme_files
from editions.make.workers import PdfJob, render_pdfs, start_workers
from editions.model import EXTRA_FORMATS, IMAGES_DIR, Archive, Settings

log = logging.getLogger(__name__)

CACHE_DIR = ".editions-cache"

# The faces every page and PDF uses, from the font packages on PyPI (SIL Open Font License).
FONTS = {
    "font_source_serif_pro": ("SourceSerifPro-Regular.ttf", "SourceSerifPro-It.ttf",
                              "SourceSerifPro-Semibold.ttf", "SourceSerifPro-Bold.ttf",
                              "SourceSerifPro-BoldIt.ttf"),
    "font_source_sans_pro": ("SourceSansPro-Regular.ttf", "SourceSansPro-It.ttf",
                             "SourceSansPro-Semibold.ttf", "SourceSansPro-Bold.ttf"),
}


# Told how the editions' rendering goes: (done, total, what was just done).
Progress = Callable[[int, int, str], None]


@dataclass
class BuildReport:
    out: Path
    editions: list[int] = field(default_factory=list)  # rendered by this build
    up_to_date: list[int] = field(default_factory=list)  # carried over from the last build
    pages: list[str] = field(default_factory=list)  # other files of the site rendered anew
    written: bool = True  # False when the site was up to date and left as it was
    pdfs: int = 0
    pdf_pages: int = 0
    seconds: float = 0.0
    warnings: list[Problem] = field(default_factory=list)
    preview: Path | None = None  # where the drafts were built, when there are any

    def summary(self) -> str:
        drafts = f"; drafts in {self.preview.name}/" if self.preview is not None else ""
        return self._summary() + drafts

    def _summary(self) -> str:
        editions = len(self.editions)
        what = f"{editions} edition{'s' if editions != 1 else ''}"
        if self.pdfs:
            what += (f" ({self.pdfs} PDF{'s' if self.pdfs != 1 else ''}, "
                     f"{self.pdf_pages} pages)")
        if not self.written:
            return (f"built {what}, {len(self.up_to_date)} up to date; the archive in "
                    f"{self.out} was up to date, in {self.seconds:.1f} s")
        if self.up_to_date:
            what += f", {len(self.up_to_date)} up to date,"
        return f"built {what} and the archive into {self.out} in {self.seconds:.1f} s"


def checked(root: Path | str, today: dt.date | None = None, *, strict: bool = False,
            use_cache: bool = True) -> tuple[Archive, list[Problem]]:
    """The loaded archive and its warnings; raise ContentError when there is any error.

    The rules run over whatever files did load, so one broken file does not hide the
    problems of the others. Warnings (the privacy lint) stop nothing unless `strict`.
    With `use_cache`, files unchanged since an earlier build are not read and checked again.
    """
    archive, problems, _ = _checked(Path(root), today, strict, use_cache)
    return archive, problems


def _checked(root: Path, today: dt.date | None, strict: bool, use_cache: bool,
             site_files: dict[str, bytes] | None = None
             ) -> tuple[Archive, list[Problem], dict[str, str]]:
    """checked(), and the hash of each testimony and edition file by path; `site_files`
    are the assets when the caller has read them already."""
    require_publication(root)  # before the cache folder is made there
    problems: list[Problem] = []
    files = FileCache(root / CACHE_DIR / FILES_CACHE if use_cache else None,
                      font_files(site_files if site_files is not None else assets(root)))
    try:
        started = time.perf_counter()
        archive = load_archive(root, problems, files)
        log.info("loaded %d testimonies and %d editions in %.2f s", len(archive.testimonies),
                 len(archive.editions), time.perf_counter() - started)
        started = time.perf_counter()
        problems.extend(_rules(archive, root, today, files, loaded=not errors(problems)))
        found = errors(problems)
        log.info("checked them in %.2f s: %d error%s, %d warning%s", time.perf_counter() - started,
                 len(found), "s" if len(found) != 1 else "", len(problems) - len(found),
                 "s" if len(problems) - len(found) != 1 else "")
    finally:
        files.close()
    if errors(problems) or (strict and problems):
        raise ContentError(problems)
    for problem in problems:
        log.warning("%s", problem, extra={"located": True})
    return archive, problems, files.digests


def _rules(archive: Archive, root: Path, today: dt.date | None, files: FileCache,
           loaded: bool) -> list[Problem]:
    """The publication's rules, then the freeze rule: published editions still print what
    they printed. It compares assembled editions, which only a consistent archive has, and
    waits for every file to load: a file that did not would show as references, passages or
    editions removed. A change is shown with the words git has at the base revision."""
    found = check_archive(archive, today, scans=files.scans, covered=files.covered)
    if loaded and not errors(found) and not archive.unreadable:
        found = sorted([*found, *check_frozen(archive, Baseline(root), files.fingerprint)])
    return found


@dataclass
class CheckReport:
    testimonies: int
    editions: int
    warnings: list[Problem]


def check_publication(root: Path | str, today: dt.date | None = None, *,
          strict: bool = False) -> CheckReport:
    """Load and check the archive; raise ContentError with every problem if any is an error
    (or, when `strict`, a warning); else return the counts and the warnings."""
    archive, warnings = checked(root, today, strict=strict)
    return CheckReport(len(archive.testimonies), len(archive.editions), warnings)


def assets(root: Path) -> dict[str, bytes]:
    """The files every page may use: the templates' assets (the publication's, else the
    tool's) and the fonts."""
    import importlib

    files: dict[str, bytes] = {}
    for name, path in theme_files(root / "templates", ASSETS_DIR).items():
        files[f"{ASSETS_DIR}/{name}"] = read_theme_file(root / "templates", path)
    for package, names in FONTS.items():
        directory = Path(importlib.import_module(package).font_directory)
        for name in names:
            files[f"{ASSETS_DIR}/fonts/{name}"] = (directory / name).read_bytes()
    return files


def _select(views: list[EditionView], numbers: Iterable[int] | None) -> list[EditionView]:
    if numbers is None:
        return views
    by_number = {v.number: v for v in views}
    missing = [n for n in numbers if n not in by_number]
    if missing:
        known = ", ".join(str(n) for n in sorted(by_number)) or "none"
        raise EditionsError(f"no edition {missing[0]} (editions/{missing[0]:03d}.yaml); "
                            f"the editions are: {known}")
    return [by_number[n] for n in sorted(set(numbers))]


def _with_linked(views: list[EditionView], numbers: list[int] | None,
                 present: dict[int, Entry]) -> list[int] | None:
    """The editions asked for, and those the site lacks: the archive, the feed and the
    testimony pages link every edition, so a partial build builds what is missing too."""
    if numbers is None:
        return None
    # a draft is linked from nothing in the site
    by_number = {view.number for view in views if view.edition.published}
    _select(views, numbers)  # an unknown number is refused before anything else is said
    missing = sorted(by_number - set(present) - set(numbers))
    if missing:
        log.warning("%s not in the site yet and its pages link %s: built %s too",
                    _numbered(missing), "it" if len(missing) == 1 else "them",
                    "it" if len(missing) == 1 else "them")
    return sorted({*numbers, *missing})


def _numbered(numbers: list[int]) -> str:
    """'edition 4 is' or 'editions 1, 2, 4 and 5 are'."""
    if len(numbers) == 1:
        return f"edition {numbers[0]} is"
    return f"editions {', '.join(map(str, numbers[:-1]))} and {numbers[-1]} are"


@dataclass(frozen=True)
class RenderedEdition:
    number: int
    entry: Entry
    page: bytes
    pdf: bytes | None
    others: tuple[tuple[str, bytes], ...] = ()  # the large print and the EPUB, by path


def _render_editions(todo: list[EditionView], texts: dict[int, EditionText],
                     keys: dict[int, str], renderer: Renderer, files: dict[str, bytes],
                     html_only: bool, jobs: int) -> Generator[RenderedEdition, None, None]:
    """The page and PDF of each edition in `todo`, in the order they are done.

    The PDF is laid out from the page as printed; the page readers get then names its size.
    """
    settings = renderer.settings
    if html_only or not settings.formats:
        for view in todo:
            html = renderer.edition_page(view, texts[view.number]).encode()
            entry = Entry(key=keys[view.number], page=page_path(view.number),
                          page_size=len(html))
            yield RenderedEdition(view.number, entry, html, None)
        return
    by_number = {view.number: view for view in todo}
    # The longest first: the workers then end together, not one of them on a big edition
    # started last while the others wait.
    longest_first = sorted(todo, key=lambda view: (-estimated_pages(view), view.number))
    sources = (PdfJob(view.number, renderer.edition_page(view, texts[view.number]),
                      page_path(view.number), settings.formats,
                      epub_source(renderer, view, texts[view.number])
                      if "epub" in settings.formats else None) for view in longest_first)
    workers = min(jobs, len(todo))  # one edition too: the server has WeasyPrint loaded
    for result in render_pdfs(sources, files, workers):
        number = result.number
        log.info("edition %d: made %s", number, describe(result))
        html = renderer.edition_page(
            by_number[number], texts[number], len(result.pdf) if result.pdf else None,
            {kind: len(data) for kind, data in result.others.items()}).encode()
        entry = entry_for(keys[number], settings, result, page_path(number), len(html))
        yield RenderedEdition(number, entry, html, result.pdf, other_files(settings, result))


def _write_edition(staging: Path, edition: RenderedEdition, settings: Settings) -> None:
    write_file(staging, edition.entry.page, edition.page)
    log.debug("rendered %s", edition.entry.page)
    if edition.entry.pdf and edition.pdf is not None:
        write_file(staging, edition.entry.pdf, edition.pdf)
        log.debug("rendered %s", edition.entry.pdf)
    else:
        # A PDF of an older text must not stay beside a page that no longer matches it.
        remove_file(staging, pdf_path(settings, edition.number))
    written = dict(edition.others)
    for kind in EXTRA_FORMATS:  # nor a large print or an EPUB, nor one no longer chosen
        path = format_path(settings, kind, edition.number)
        if path in written:
            write_file(staging, path, written[path])
        else:
            remove_file(staging, path)


def _pdf_sizes(site: Path, views: list[EditionView], entries: dict[int, Entry],
               settings: Settings) -> dict[int, int]:
    sizes = {n: e.pdf_size for n, e in entries.items() if e.pdf_size is not None}
    for view in views:
        # A site built before manifests existed still has its PDFs.
        existing = site / pdf_path(settings, view.number)
        if view.number not in entries and existing.is_file():
            sizes[view.number] = existing.stat().st_size
    return sizes


# A page of the site by path: its key, and how to make it when the last build's will not do.
Outputs = dict[str, tuple[str, Callable[[], bytes]]]


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _given(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _write_pages(out: Path, staging: Path, outputs: Outputs,
                 previous: dict[str, str]) -> list[str]:
    """Write each page whose key changed since the last build, carry the others over as
    they are; return the pages written."""
    written = []
    for relative, (key, make) in sorted(outputs.items()):
        if previous.get(relative) == key and (out / relative).is_file():
            carry(out, staging, [relative])
        else:
            write_file(staging, relative, make())
            log.debug("rendered %s", relative)
            written.append(relative)
    return written


def _keys(outputs: Outputs) -> dict[str, str]:
    """Each output's key by its path, as the manifest records them."""
    return {path: key for path, (key, _) in outputs.items()}


def preview_folder(out: Path) -> Path:
    """Where a build puts the drafts: beside the site, never in it, so uploading the site
    publishes no draft."""
    return out.parent / f"{out.name}-preview"


def _preview_intact(preview: Path, manifest: Manifest, inputs: str,
                    settings: Settings, drafts: bool) -> bool:
    """Whether the preview is as a build from these inputs left it: absent when there are
    no drafts, else whole."""
    if not preview.exists():
        return not drafts
    return (manifest.inputs == inputs and intact(preview, manifest)
            and manifest.present(preview, settings) == manifest.editions)


def _drop_drafts(staging: Path, drafts: Iterable[int], settings: Settings) -> None:
    """Leave out of a partial build's site the drafts a build before this one put there."""
    for number in drafts:
        remove_file(staging, page_path(number))
        remove_file(staging, pdf_path(settings, number))
        with contextlib.suppress(OSError):
            (staging / page_path(number)).parent.rmdir()


def _stage_drafts(preview: Path, staging: Path, outputs: Outputs, last: Manifest,
                  entries: dict[int, Entry], inputs: str, settings: Settings) -> None:
    """The preview's other files and its manifest, written beside it like the site's."""
    _drop_drafts(staging, set(last.editions) - set(entries), settings)  # published since
    _write_pages(preview, staging, outputs, last.pages)
    write_file(staging, MANIFEST, encode_manifest(
        entries, _keys(outputs), inputs))


def _html(pages: Iterable[str], entries: dict[int, Entry]) -> set[str]:
    """The pages of a site: what the search index is made from."""
    return {p for p in pages if p.endswith(".html")} | {e.page for e in entries.values()}


def _last_index(site: Path, last: Manifest) -> dict[str, str]:
    """The last build's search index by path, when it is whole and of this Pagefind."""
    index = {p: k for p, k in last.pages.items() if p.startswith(f"{search.SEARCH_DIR}/")}
    return index if search.current(site, index) else {}


def _search_index(site: Path, staging: Path, last: Manifest, changed: bool) -> dict[str, str]:
    """The search index of the staged site, by path with each file's key: the last build's,
    carried over, when no page changed; else Pagefind's of the staged pages."""
    index = _last_index(site, last)
    if index and not changed:
        carry(site, staging, index)
        return index
    search.index(staging)
    return {path: file_key((staging / path).read_bytes()) for path in search.files(staging)}


def _pictures(texts: Iterable[EditionText | PageText]) -> set[str]:
    return {image for text in texts for html in text.html() for image in images_in(html)}


def _draft_pictures(texts: dict[int, EditionText], drafts: set[int]) -> set[str]:
    return _pictures(text for number, text in texts.items() if number in drafts)


def _unpublish_preview(preview: Path) -> None:
    """Remove the preview once no draft is left; check_out made sure it is one we built."""
    if preview.is_dir():
        shutil.rmtree(preview)
        log.info("no drafts: removed %s", preview)


def build(root: Path | str, out: Path | str | None = None, numbers: Iterable[int] | None = None,
          *, html_only: bool = False, today: dt.date | None = None, use_cache: bool = True,
          jobs: int | None = None, progress: Progress | None = None) -> BuildReport:
    """Build the chosen editions (all by default) and the archive index into `out`.

    Nothing is written until every file has loaded and passed every check; the site is
    then written beside the old one and switched in one step. The output's lock is held
    from the start, so a second build stops at once instead of after all its work. An
    edition whose content, templates, settings and tools are those of the last build is
    carried over, not rendered.
    """
    root = Path(root)
    require_publication(root)  # before the lock beside the site is made
    named = Path(out) if out is not None else root / "site"
    out = follow_link(named)
    check_out(root, out)
    preview = follow_link(preview_folder(named))
    check_out(root, preview)
    with locked(out):
        if named != out:  # what builds that replaced the link left beside it
            clear_leftovers(named)
        clear_leftovers(preview)
        return _build(root, out, preview, numbers, html_only=html_only, today=today,
                      use_cache=use_cache, jobs=jobs or os.cpu_count() or 1,
                      progress=progress)


def _build(root: Path, out: Path, preview: Path, numbers: Iterable[int] | None, *, html_only: bool,
           today: dt.date | None, use_cache: bool, jobs: int,
           progress: Progress | None) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport(out)
    numbers = sorted(set(numbers)) if numbers is not None else None

    files = assets(root)
    archive, report.warnings, digests = _checked(root, today, False, use_cache, files)
    clear_leftovers(out)
    manifest = read_manifest(out)
    drafts_manifest = read_manifest(preview)
    has_drafts = any(not e.published and (numbers is None or e.number in numbers)
                     for e in archive.editions)
    # The last build read the same files with the same options, and the site is as it wrote
    # it: there is nothing to render, nor even to look at again.
    options = {"numbers": numbers, "html_only": html_only, "search": search.pagefind_version()}
    inputs = inputs_key(fingerprint(root / "templates", files, archive.settings), digests,
                        archive, root / IMAGES_DIR, options)
    previous = manifest.present(out, archive.settings)
    if (manifest.inputs == inputs and intact(out, manifest) and previous == manifest.editions
            and _preview_intact(preview, drafts_manifest, inputs, archive.settings,
                                has_drafts)):
        report.up_to_date = sorted(number for number in [*manifest.editions,
                                                         *drafts_manifest.editions]
                                   if numbers is None or number in numbers)
        report.preview = preview if preview.exists() else None
        report.written = False
        log.info("the site was built from these very files: nothing to render or write")
        report.seconds = time.perf_counter() - started
        return report

    views = assemble(archive)
    testimonies = assemble_testimonies(archive)
    renderer = Renderer(root / "templates", archive.settings,
                        frozenset(t.id for t in testimonies))
    drafts = {view.number for view in views if not view.edition.published}
    # what the last build left of each edition: a published one in the site, a draft in
    # the preview (a site built before drafts had a preview of their own held drafts too)
    previous = {n: e for n, e in previous.items() if n not in drafts}
    previous_drafts = {n: e for n, e in drafts_manifest.present(preview, archive.settings)
                       .items() if n in drafts}
    known = {**previous, **previous_drafts}
    chosen = _select(views, _with_linked(views, numbers, previous))
    cache_path = root / CACHE_DIR / "markdown.sqlite" if use_cache else None
    if not html_only and chosen:
        start_workers()  # WeasyPrint loads in the workers' server while pandoc converts
    converted = convert(chosen, testimonies, archive.references, cache_path,
                        language=archive.settings.language)
    texts = converted.editions
    # The pictures the texts show, from the publication's images/ (check vetted each one).
    files.update(read_images(root, {
        image for text in [*texts.values(), *converted.testimonies.values()]
        for html in text.html() for image in images_in(html)}))
    common = fingerprint(root / "templates", files, archive.settings)
    keys = edition_keys(chosen, texts, common, renderer.testimony_pages)

    previous_pages = manifest.pages
    todo = [view for view in chosen
            if not reusable(known.get(view.number), keys[view.number], html_only,
                            archive.settings.formats)]
    rendering = {view.number for view in todo}
    # A partial build keeps every edition it was not asked for, as it was built.
    partial = numbers is not None
    entries = dict(previous) if partial else {}
    draft_entries = dict(previous_drafts) if partial else {}
    for view in chosen:
        if view.number not in rendering:
            (draft_entries if view.number in drafts else entries)[view.number] = \
                known[view.number]
            report.up_to_date.append(view.number)
    published = [view for view in views if view.number not in drafts]
    # the drafts' pages use the site's style sheets and fonts; a picture only a draft shows
    # goes to the preview alone
    draft_only = _draft_pictures(texts, drafts) - _pictures(
        [*(t for n, t in texts.items() if n not in drafts), *converted.testimonies.values()])
    draft_outputs: Outputs = {path: (file_key(data), _given(data))
                              for path, data in files.items()
                              if path.startswith(f"{ASSETS_DIR}/") or path in draft_only}
    drafting = bool(draft_entries) or bool(rendering & drafts)

    def other_pages(site: Path) -> Outputs:
        """The archive index, the reader pages (testimony pages, the list of testimonies,
        the feed), the assets and the pictures, each with its key."""
        pdf_sizes = _pdf_sizes(site, published, entries, archive.settings)
        pages = {"index.html": renderer.archive_page(views, pdf_sizes, other_sizes(entries)),
                 **renderer.reader_pages(views, testimonies, converted.testimonies, pdf_sizes)}
        outputs = {path: (page_key(common, path, page), page.make)
                   for path, page in pages.items()}
        outputs.update({path: (file_key(data), _given(data)) for path, data in files.items()
                        if path not in draft_only})
        return outputs

    outputs: Outputs | None = None
    if not todo:  # then the other pages are what they would be after rendering
        outputs = other_pages(out)
        written = encode_manifest(entries, _keys(outputs)
                                  | _last_index(out, manifest), manifest.inputs)
        draft_pages = _keys(draft_outputs)
        drafts_same = (encode_manifest(draft_entries, draft_pages, drafts_manifest.inputs)
                       == _bytes(preview / MANIFEST) and intact(preview, drafts_manifest)
                       if drafting else not preview.exists())
        if written == _bytes(out / MANIFEST) and intact(out, manifest) and drafts_same:
            # what changed changes no page (a comment in a file, say): only the inputs' key
            # is new, and the manifest is rewritten to say so
            write_file(out, MANIFEST, encode_manifest(
                entries, _keys(outputs)
                | _last_index(out, manifest), inputs))
            if drafting:
                write_file(preview, MANIFEST, encode_manifest(draft_entries, draft_pages,
                                                              inputs))
                report.preview = preview
            report.written = False
            log.info("the site is up to date: nothing to render")
            report.seconds = time.perf_counter() - started
            return report

    staging = stage(out, keep_previous=partial)
    draft_staging: Path | None = None
    try:
        if partial:
            _drop_drafts(staging, drafts, archive.settings)
        if drafting:
            draft_staging = stage(preview, keep_previous=partial)
        for number in report.up_to_date:
            if number in drafts:
                assert draft_staging is not None
                carry(preview, draft_staging, known[number].files)
            else:
                carry(out, staging, known[number].files)
        if report.up_to_date:
            log.info("carried over %d edition%s from the last build: %s", len(report.up_to_date),
                     "s" if len(report.up_to_date) != 1 else "",
                     ", ".join(map(str, report.up_to_date)))
        rendering_started = time.perf_counter()
        if progress:
            progress(0, len(todo), "")
        rendered = _render_editions(todo, texts, keys, renderer, files, html_only, jobs)
        # closing(): a failure stops the worker processes now, not when it is collected
        with contextlib.closing(rendered):
            for done, edition in enumerate(rendered, start=1):
                is_draft = edition.number in drafts
                target = draft_staging if is_draft and draft_staging is not None else staging
                _write_edition(target, edition, archive.settings)
                (draft_entries if is_draft else entries)[edition.number] = edition.entry
                report.editions.append(edition.number)
                if edition.entry.pdf_pages is not None:
                    report.pdfs += 1
                    report.pdf_pages += edition.entry.pdf_pages
                if progress:
                    progress(done, len(todo), f"edition {edition.number}")
        pdfs = (f", {report.pdfs} PDF{'s' if report.pdfs != 1 else ''} of {report.pdf_pages} "
                f"pages" if report.pdfs else "")
        log.info("rendered %d edition%s%s in %.2f s", len(report.editions),
                 "s" if len(report.editions) != 1 else "", pdfs,
                 time.perf_counter() - rendering_started)
        rendering_started = time.perf_counter()
        # Each other page is rendered only when what it is made from changed, else carried
        # over like an edition.
        if outputs is None:
            outputs = other_pages(staging)
        prune(staging, TESTIMONIES_DIR, outputs)  # a withdrawn testimony's page goes too
        report.pages = _write_pages(out, staging, outputs, previous_pages)
        log.info("rendered %d of the archive's %d other pages and files in %.2f s, carried "
                 "over the rest", len(report.pages), len(outputs),
                 time.perf_counter() - rendering_started)
        pages_changed = (any(n not in drafts for n in report.editions)
                         or any(p.endswith(".html") for p in report.pages)
                         or _html(outputs, entries) != _html(manifest.pages, manifest.editions))
        index = _search_index(out, staging, manifest, pages_changed)
        write_file(staging, MANIFEST, encode_manifest(
            entries, _keys(outputs) | index, inputs))
        if draft_staging is not None:
            _stage_drafts(preview, draft_staging, draft_outputs, drafts_manifest,
                          draft_entries, inputs, archive.settings)
        publish(staging, out)
        log.info("wrote the site into %s", out)
        if draft_staging is not None:
            publish(draft_staging, preview)
            report.preview = preview
            log.info("wrote the drafts into %s", preview)
        else:
            _unpublish_preview(preview)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if draft_staging is not None:
            shutil.rmtree(draft_staging, ignore_errors=True)
        raise
    report.editions.sort()
    report.seconds = time.perf_counter() - started
    return report
