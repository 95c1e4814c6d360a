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

from editions.check.glyphs import font_files, shared_glyph_problems
from editions.check.links import images_in, read_images
from editions.check.rules import check_archive, errors
from editions.errors import ContentError, EditionsError, Problem
from editions.load.archive import load_archive, require_publication
from editions.make import search
from editions.make.addresses import ASSETS_DIR, TESTIMONIES_DIR, format_path, page_path, pdf_path
from editions.make.assemble import (
    EditionView,
    TestimonyView,
    assemble,
    assemble_testimonies,
    estimated_pages,
)
from editions.make.baseline import Baseline
from editions.make.file_cache import FILES_CACHE, FileCache
from editions.make.formats import describe, entry_for, epub_source, other_files, other_sizes
from editions.make.freeze import check_frozen
from editions.make.incremental import (
    MANIFEST,
    BuiltEdition,
    Manifest,
    common_key,
    edition_keys,
    encode_manifest,
    file_key,
    inputs_key,
    intact,
    page_key,
    read_manifest,
    reusable,
)
from editions.make.markdown import Converted, EditionText, PageText, convert
from editions.make.render import Renderer
from editions.make.site import (
    carry,
    clear_leftovers,
    follow_link,
    locked,
    prune,
    refuse_foreign_folder,
    remove_file,
    stage,
    switch_in,
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

    def add(self, edition: RenderedEdition) -> None:
        """Count an edition this build rendered."""
        self.editions.append(edition.number)
        if edition.entry.pdf_pages is not None:
            self.pdfs += 1
            self.pdf_pages += edition.entry.pdf_pages

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
    archive, problems, _ = _checked(Path(root), today, strict=strict, use_cache=use_cache)
    return archive, problems


def _checked(root: Path, today: dt.date | None, *, strict: bool, use_cache: bool,
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
    found = sorted([*check_archive(archive, today, scans=files.scans),
                    *shared_glyph_problems(archive, files.covered)])
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
                 present: dict[int, BuiltEdition]) -> list[int] | None:
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
    entry: BuiltEdition
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
            entry = BuiltEdition(key=keys[view.number], page=page_path(view.number),
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


def _pdf_sizes(site: Path, views: list[EditionView], entries: dict[int, BuiltEdition],
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
                  entries: dict[int, BuiltEdition], inputs: str, settings: Settings) -> None:
    """The preview's other files and its manifest, written beside it like the site's."""
    _drop_drafts(staging, set(last.editions) - set(entries), settings)  # published since
    _write_pages(preview, staging, outputs, last.pages)
    write_file(staging, MANIFEST, encode_manifest(
        entries, _keys(outputs), inputs))


def _html(pages: Iterable[str], entries: dict[int, BuiltEdition]) -> set[str]:
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


def _unpublish_preview(preview: Path) -> None:
    """Remove the preview once no draft is left; refuse_foreign_folder made sure it is one
    we built."""
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
    refuse_foreign_folder(root, out)
    preview = follow_link(preview_folder(named))
    refuse_foreign_folder(root, preview)
    options = BuildOptions(sorted(set(numbers)) if numbers is not None else None, html_only,
                           today, use_cache, jobs or os.cpu_count() or 1, progress)
    with locked(out):
        if named != out:  # what builds that replaced the link left beside it
            clear_leftovers(named)
        clear_leftovers(preview)
        return _build(root, out, preview, options)


@dataclass(frozen=True)
class BuildOptions:
    """What the editor asked of a build besides the publication and the site's folder."""

    numbers: list[int] | None  # the editions asked for, sorted; None: every edition
    html_only: bool = False
    today: dt.date | None = None
    use_cache: bool = True
    jobs: int = 1
    progress: Progress | None = None

    @property
    def partial(self) -> bool:
        """Whether only some editions were asked for: the others stay as they were built."""
        return self.numbers is not None

    def asks_for(self, number: int) -> bool:
        return self.numbers is None or number in self.numbers

    def key(self) -> dict[str, object]:
        """The options that change what a build writes, for the inputs' key."""
        return {"numbers": self.numbers, "html_only": self.html_only,
                "search": search.pagefind_version()}


@dataclass(frozen=True)
class LastBuild:
    """The site and the drafts' preview, and what the last build wrote into each."""

    out: Path
    preview: Path
    site: Manifest
    drafts: Manifest

    @classmethod
    def read(cls, out: Path, preview: Path) -> LastBuild:
        return cls(out, preview, read_manifest(out), read_manifest(preview))


def _build(root: Path, out: Path, preview: Path, options: BuildOptions) -> BuildReport:
    """The phases of a build, top to bottom: load and check, then decide, then write."""
    started = time.perf_counter()
    report = BuildReport(out)
    files = assets(root)
    archive, report.warnings, digests = _checked(root, options.today, strict=False,
                                                 use_cache=options.use_cache, site_files=files)
    clear_leftovers(out)
    last = LastBuild.read(out, preview)
    inputs = inputs_key(common_key(root / "templates", files, archive.settings), digests,
                        archive, root / IMAGES_DIR, options.key())
    site_entries = last.site.present(out, archive.settings)
    if _built_from(inputs, last, site_entries, archive, options):
        _nothing_to_render(report, last, options)
    else:
        plan = plan_build(root, archive, files, last, site_entries, options)
        outputs = other_pages(plan, out) if not plan.todo else None
        if outputs is not None and _same_pages(plan, last, outputs):
            _record_inputs(plan, last, outputs, inputs, report)
        else:
            _write(plan, last, outputs, inputs, report)
    report.seconds = time.perf_counter() - started
    return report


def _built_from(inputs: str, last: LastBuild, site_entries: dict[int, BuiltEdition],
                archive: Archive, options: BuildOptions) -> bool:
    """Whether the last build read the same files with the same options, and left the site
    and the preview as they are now."""
    has_drafts = any(not e.published and options.asks_for(e.number) for e in archive.editions)
    return (last.site.inputs == inputs and intact(last.out, last.site)
            and site_entries == last.site.editions
            and _preview_intact(last.preview, last.drafts, inputs, archive.settings, has_drafts))


def _nothing_to_render(report: BuildReport, last: LastBuild, options: BuildOptions) -> None:
    """Report every edition asked for as up to date, and write nothing."""
    built = [*last.site.editions, *last.drafts.editions]
    report.up_to_date = sorted(number for number in built if options.asks_for(number))
    report.preview = last.preview if last.preview.exists() else None
    report.written = False
    log.info("the site was built from these very files: nothing to render or write")


@dataclass
class BuildPlan:
    """What a build makes: the assembled editions and texts, each edition's key, which
    editions are rendered and which carried over from the last build."""

    archive: Archive
    options: BuildOptions
    views: list[EditionView]
    testimonies: list[TestimonyView]
    renderer: Renderer
    converted: Converted
    files: dict[str, bytes]  # the assets and the pictures the texts show, by site path
    common: str  # the key of what every page depends on
    keys: dict[int, str]  # each chosen edition's key
    drafts: set[int]
    known: dict[int, BuiltEdition]  # what the last build left of each edition
    todo: list[EditionView]  # the editions rendered by this build
    draft_only: set[str]  # the pictures only drafts show: they go to the preview alone
    entries: dict[int, BuiltEdition] = field(default_factory=dict)  # the site's editions
    draft_entries: dict[int, BuiltEdition] = field(default_factory=dict)  # the preview's
    up_to_date: list[int] = field(default_factory=list)  # carried over as they were

    @property
    def published(self) -> list[EditionView]:
        return [view for view in self.views if view.number not in self.drafts]

    def draft_outputs(self) -> Outputs:
        """The preview's files besides the drafts: the site's style sheets and fonts, and
        the pictures only drafts show."""
        return {path: (file_key(data), _given(data)) for path, data in self.files.items()
                if path.startswith(f"{ASSETS_DIR}/") or path in self.draft_only}

    def drafting(self) -> bool:
        """Whether the preview gets a draft: carried over or rendered by this build."""
        return bool(self.draft_entries) or any(v.number in self.drafts for v in self.todo)


def plan_build(root: Path, archive: Archive, files: dict[str, bytes], last: LastBuild,
               site_entries: dict[int, BuiltEdition], options: BuildOptions) -> BuildPlan:
    """Assemble the editions, convert their Markdown, key each one and decide which are
    rendered and which carried over."""
    views = assemble(archive)
    testimonies = assemble_testimonies(archive)
    renderer = Renderer(root / "templates", archive.settings,
                        frozenset(t.id for t in testimonies))
    drafts = {view.number for view in views if not view.edition.published}
    # what the last build left of each edition: a published one in the site, a draft in
    # the preview (a site built before drafts had a preview of their own held drafts too)
    previous = {n: e for n, e in site_entries.items() if n not in drafts}
    previous_drafts = {n: e for n, e in last.drafts.present(last.preview, archive.settings)
                       .items() if n in drafts}
    chosen = _select(views, _with_linked(views, options.numbers, previous))
    converted = _converted(root, archive, chosen, testimonies, options)
    # The pictures the texts show, from the publication's images/ (check vetted each one).
    files = {**files, **read_images(root, _pictures(
        [*converted.editions.values(), *converted.testimonies.values()]))}
    common = common_key(root / "templates", files, archive.settings)
    keys = edition_keys(chosen, converted.editions, common, renderer.testimony_pages)
    known = {**previous, **previous_drafts}
    todo = [view for view in chosen
            if not reusable(known.get(view.number), keys[view.number], options.html_only,
                            archive.settings.formats)]
    plan = BuildPlan(archive, options, views, testimonies, renderer, converted, files, common,
                     keys, drafts, known, todo, _draft_only(converted, drafts))
    # A partial build keeps every edition it was not asked for, as it was built.
    if options.partial:
        plan.entries, plan.draft_entries = dict(previous), dict(previous_drafts)
    _carry_over(plan, chosen)
    return plan


def _draft_only(converted: Converted, drafts: set[int]) -> set[str]:
    """The pictures only drafts show."""
    texts = converted.editions
    return _pictures(t for n, t in texts.items() if n in drafts) - _pictures(
        [*(t for n, t in texts.items() if n not in drafts), *converted.testimonies.values()])


def _converted(root: Path, archive: Archive, chosen: list[EditionView],
               testimonies: list[TestimonyView], options: BuildOptions) -> Converted:
    """The HTML of the chosen editions' texts and of the testimony pages, in one pandoc
    run; WeasyPrint loads in the workers' server meanwhile."""
    cache_path = root / CACHE_DIR / "markdown.sqlite" if options.use_cache else None
    if not options.html_only and chosen:
        start_workers()
    return convert(chosen, testimonies, archive.references, cache_path,
                   language=archive.settings.language)


def _carry_over(plan: BuildPlan, chosen: list[EditionView]) -> None:
    """Each chosen edition not rendered again keeps the entry the last build gave it."""
    rendering = {view.number for view in plan.todo}
    for view in chosen:
        if view.number not in rendering:
            entries = plan.draft_entries if view.number in plan.drafts else plan.entries
            entries[view.number] = plan.known[view.number]
            plan.up_to_date.append(view.number)


def other_pages(plan: BuildPlan, site: Path) -> Outputs:
    """The archive index, the reader pages (testimony pages, the list of testimonies, the
    feed), the assets and the pictures, each with its key; `site` holds the PDFs whose
    sizes the pages print."""
    settings, renderer, views = plan.archive.settings, plan.renderer, plan.views
    pdf_sizes = _pdf_sizes(site, plan.published, plan.entries, settings)
    pages = {"index.html": renderer.archive_page(views, pdf_sizes, other_sizes(plan.entries)),
             **renderer.reader_pages(views, plan.testimonies, plan.converted.testimonies,
                                     pdf_sizes)}
    outputs = {path: (page_key(plan.common, path, page), page.make)
               for path, page in pages.items()}
    outputs.update({path: (file_key(data), _given(data)) for path, data in plan.files.items()
                    if path not in plan.draft_only})
    return outputs


def _same_pages(plan: BuildPlan, last: LastBuild, outputs: Outputs) -> bool:
    """Whether, with no edition to render, the site and the preview already hold every
    page as this build would write it (what changed was a comment in a file, say)."""
    written = encode_manifest(plan.entries, _keys(outputs) | _last_index(last.out, last.site),
                              last.site.inputs)
    if written != _bytes(last.out / MANIFEST) or not intact(last.out, last.site):
        return False
    if not plan.drafting():
        return not last.preview.exists()
    drafts = encode_manifest(plan.draft_entries, _keys(plan.draft_outputs()), last.drafts.inputs)
    return drafts == _bytes(last.preview / MANIFEST) and intact(last.preview, last.drafts)


def _record_inputs(plan: BuildPlan, last: LastBuild, outputs: Outputs, inputs: str,
                   report: BuildReport) -> None:
    """Rewrite the manifests with the new inputs' key: no page changed."""
    write_file(last.out, MANIFEST, encode_manifest(
        plan.entries, _keys(outputs) | _last_index(last.out, last.site), inputs))
    if plan.drafting():
        write_file(last.preview, MANIFEST, encode_manifest(
            plan.draft_entries, _keys(plan.draft_outputs()), inputs))
        report.preview = last.preview
    report.up_to_date = plan.up_to_date
    report.written = False
    log.info("the site is up to date: nothing to render")


@dataclass
class Staging:
    """The site and the preview being written beside the ones readers have."""

    site: Path
    preview: Path | None  # None when no draft is built

    def folder_for(self, is_draft: bool) -> Path:
        """Where an edition goes: a draft into the preview, never into the site."""
        if not is_draft:
            return self.site
        if self.preview is None:  # plan.drafting() stages a preview for every draft
            raise RuntimeError("a draft edition with no preview staged")
        return self.preview

    def remove(self) -> None:
        shutil.rmtree(self.site, ignore_errors=True)
        if self.preview is not None:
            shutil.rmtree(self.preview, ignore_errors=True)


def _write(plan: BuildPlan, last: LastBuild, outputs: Outputs | None, inputs: str,
           report: BuildReport) -> None:
    """Write the site and the preview beside the old ones, then switch both in."""
    report.up_to_date = plan.up_to_date
    staging = Staging(stage(last.out, keep_previous=plan.options.partial), None)
    try:
        if plan.options.partial:
            _drop_drafts(staging.site, plan.drafts, plan.archive.settings)
        if plan.drafting():
            staging.preview = stage(last.preview, keep_previous=plan.options.partial)
        _carry_editions(plan, last, staging)
        _render_into(plan, staging, report)
        outputs = outputs if outputs is not None else other_pages(plan, staging.site)
        _write_other_pages(plan, last, staging, outputs, inputs, report)
        _switch_in(last, staging, report)
    except BaseException:
        staging.remove()
        raise
    report.editions.sort()


def _carry_editions(plan: BuildPlan, last: LastBuild, staging: Staging) -> None:
    """Carry the editions not rendered again over from the last build's site or preview."""
    for number in plan.up_to_date:
        is_draft = number in plan.drafts
        carry(last.preview if is_draft else last.out, staging.folder_for(is_draft),
              plan.known[number].files)
    if plan.up_to_date:
        log.info("carried over %d edition%s from the last build: %s", len(plan.up_to_date),
                 "s" if len(plan.up_to_date) != 1 else "", ", ".join(map(str, plan.up_to_date)))


def _render_into(plan: BuildPlan, staging: Staging, report: BuildReport) -> None:
    """Render the editions to do and write each into the site, a draft into the preview."""
    started = time.perf_counter()
    progress, total = plan.options.progress, len(plan.todo)
    if progress:
        progress(0, total, "")
    rendered = _render_editions(plan.todo, plan.converted.editions, plan.keys, plan.renderer,
                                plan.files, plan.options.html_only, plan.options.jobs)
    # closing(): a failure stops the worker processes now, not when it is collected
    with contextlib.closing(rendered):
        for done, edition in enumerate(rendered, start=1):
            is_draft = edition.number in plan.drafts
            _write_edition(staging.folder_for(is_draft), edition, plan.archive.settings)
            (plan.draft_entries if is_draft else plan.entries)[edition.number] = edition.entry
            report.add(edition)
            if progress:
                progress(done, total, f"edition {edition.number}")
    pdfs = (f", {report.pdfs} PDF{'s' if report.pdfs != 1 else ''} of {report.pdf_pages} "
            f"pages" if report.pdfs else "")
    log.info("rendered %d edition%s%s in %.2f s", len(report.editions),
             "s" if len(report.editions) != 1 else "", pdfs, time.perf_counter() - started)


def _write_other_pages(plan: BuildPlan, last: LastBuild, staging: Staging, outputs: Outputs,
                       inputs: str, report: BuildReport) -> None:
    """Write each other page whose key changed, the search index and the manifests."""
    started = time.perf_counter()
    # Each other page is rendered only when what it is made from changed, else carried
    # over like an edition.
    prune(staging.site, TESTIMONIES_DIR, outputs)  # a withdrawn testimony's page goes too
    report.pages = _write_pages(last.out, staging.site, outputs, last.site.pages)
    log.info("rendered %d of the archive's %d other pages and files in %.2f s, carried "
             "over the rest", len(report.pages), len(outputs), time.perf_counter() - started)
    pages_changed = (any(n not in plan.drafts for n in report.editions)
                     or any(p.endswith(".html") for p in report.pages)
                     or _html(outputs, plan.entries) != _html(last.site.pages,
                                                              last.site.editions))
    index = _search_index(last.out, staging.site, last.site, pages_changed)
    write_file(staging.site, MANIFEST, encode_manifest(
        plan.entries, _keys(outputs) | index, inputs))
    if staging.preview is not None:
        _stage_drafts(last.preview, staging.preview, plan.draft_outputs(), last.drafts,
                      plan.draft_entries, inputs, plan.archive.settings)


def _switch_in(last: LastBuild, staging: Staging, report: BuildReport) -> None:
    """Put the staged site, and the staged preview or none, where the old ones were."""
    switch_in(staging.site, last.out)
    log.info("wrote the site into %s", last.out)
    if staging.preview is not None:
        switch_in(staging.preview, last.preview)
        report.preview = last.preview
        log.info("wrote the drafts into %s", last.preview)
    else:
        _unpublish_preview(last.preview)
