"""Build: load and check everything, then render editions, the archive and the reader pages."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .assemble import EditionView, assemble, assemble_testimonies
from .check import check_archive, errors
from .errors import ContentError, EditionsError, Problem
from .history import head_passages
from .links import images_in, read_images
from .load import load_archive
from .markdown import convert
from .model import Archive
from .pdf import render_pdf
from .render import ASSETS_DIR, TESTIMONIES_DIR, Renderer, page_path, pdf_path
from .site import check_out, clear_leftovers, locked, prune, publish, stage, write_file

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


@dataclass
class BuildReport:
    out: Path
    editions: list[int] = field(default_factory=list)
    pdfs: int = 0
    pdf_pages: int = 0
    files: int = 0
    seconds: float = 0.0
    warnings: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        editions = len(self.editions)
        what = f"{editions} edition{'s' if editions != 1 else ''}"
        pdfs = f"{self.pdfs} PDF{'s' if self.pdfs != 1 else ''}, {self.pdf_pages} pages"
        return (f"built {what} ({pdfs}) and the archive into {self.out} "
                f"in {self.seconds:.1f} s")


def load_and_check(root: Path | str, today: dt.date | None = None) -> Archive:
    """Load the archive and apply every rule; raise ContentError listing every problem."""
    archive, _ = checked(root, today)
    return archive


def checked(root: Path | str, today: dt.date | None = None, *,
            strict: bool = False) -> tuple[Archive, list[Problem]]:
    """The loaded archive and its warnings; raise ContentError when there is any error.

    The rules run over whatever files did load, so one broken file does not hide the
    problems of the others. Warnings (the privacy lint) stop nothing unless `strict`.
    """
    problems: list[Problem] = []
    archive = load_archive(root, problems)
    # A change to a published edition is shown with the words git's HEAD has.
    problems.extend(check_archive(archive, today, old=head_passages(Path(root))))
    if errors(problems) or (strict and problems):
        raise ContentError(problems)
    for problem in problems:
        log.warning("%s", problem, extra={"located": True})
    return archive, problems


@dataclass
class CheckReport:
    testimonies: int
    editions: int
    warnings: list[Problem]


def check(root: Path | str, today: dt.date | None = None, *,
          strict: bool = False) -> CheckReport:
    """Load and check the archive; raise ContentError with every problem if any is an error
    (or, when `strict`, a warning); else return the counts and the warnings."""
    archive, warnings = checked(root, today, strict=strict)
    return CheckReport(len(archive.testimonies), len(archive.editions), warnings)


def assets(root: Path) -> dict[str, bytes]:
    """The files every page may use: the templates' assets and the fonts."""
    import importlib

    files: dict[str, bytes] = {}
    folder = root / "templates" / ASSETS_DIR
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                files[f"{ASSETS_DIR}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
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


def build(root: Path | str, out: Path | str | None = None, numbers: Iterable[int] | None = None,
          *, html_only: bool = False, today: dt.date | None = None,
          use_cache: bool = True) -> BuildReport:
    """Build the chosen editions (all by default) and the archive index into `out`.

    Nothing is written until every file has loaded and passed every check; the site is
    then written beside the old one and switched in one step. The output's lock is held
    from the start, so a second build stops at once instead of after all its work.
    """
    root = Path(root)
    out = Path(out) if out is not None else root / "site"
    check_out(root, out)
    with locked(out):
        return _build(root, out, numbers, html_only=html_only, today=today,
                      use_cache=use_cache)


def _build(root: Path, out: Path, numbers: Iterable[int] | None, *, html_only: bool,
           today: dt.date | None, use_cache: bool) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport(out)

    archive, report.warnings = checked(root, today)
    views = assemble(archive)
    testimonies = assemble_testimonies(archive)
    chosen = _select(views, numbers)
    renderer = Renderer(root / "templates", archive.settings,
                        frozenset(t.id for t in testimonies))
    cache_path = root / CACHE_DIR / "markdown.sqlite" if use_cache else None
    converted = convert(chosen, testimonies, archive.references, cache_path)
    texts = converted.editions
    files = assets(root)
    # The pictures the texts show, from the publication's images/ (check vetted each one).
    files.update(read_images(root, {
        image for text in [*texts.values(), *converted.testimonies.values()]
        for html in text.html() for image in images_in(html)}))

    pages: dict[str, bytes] = dict(files)
    pdf_sizes: dict[int, int] = {}
    for view in chosen:
        text = texts[view.number]
        if not html_only:
            log.info("edition %d: laying out the PDF", view.number)
            pdf, page_count = render_pdf(renderer.edition_page(view, text),
                                         page_path(view.number), files)
            pages[pdf_path(archive.settings, view.number)] = pdf
            pdf_sizes[view.number] = len(pdf)
            report.pdfs += 1
            report.pdf_pages += page_count
        html = renderer.edition_page(view, text, pdf_sizes.get(view.number))
        pages[page_path(view.number)] = html.encode()
        report.editions.append(view.number)

    with locked(out):
        clear_leftovers(out)
        partial = numbers is not None or html_only
        staging = stage(out, keep_previous=partial)
        try:
            for view in views:
                existing = staging / pdf_path(archive.settings, view.number)
                if view.number not in pdf_sizes and existing.is_file():
                    pdf_sizes[view.number] = existing.stat().st_size
            pages["index.html"] = renderer.archive_page(views, pdf_sizes).encode()
            # the reader pages: testimony pages, the list of testimonies, the feed
            reader = renderer.reader_pages(views, testimonies, converted.testimonies, pdf_sizes)
            prune(staging, TESTIMONIES_DIR, reader)  # a withdrawn testimony's page goes too
            pages.update(reader)
            for relative, data in sorted(pages.items()):
                write_file(staging, relative, data)
            report.files = len(pages)
            publish(staging, out)
        except BaseException:
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
            raise
    report.seconds = time.perf_counter() - started
    return report
