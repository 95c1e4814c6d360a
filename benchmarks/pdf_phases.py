"""Benchmark: where an edition's PDF time goes, phase by phase, per page and per document.

Run it from the repository with the project's virtualenv:

    .venv/bin/python benchmarks/pdf_phases.py                  # the sample publication
    .venv/bin/python benchmarks/pdf_phases.py --root DIR       # any publication
    .venv/bin/python benchmarks/pdf_phases.py --generate small # archive.py's synthetic archive
    .venv/bin/python benchmarks/pdf_phases.py --generate big-edition  # one edition, 300 letters

It runs the real build (`editions.make.build.build`) into a temporary folder, every PDF
laid out in this process one after the other, with a timer around each of WeasyPrint's phases:
parse the HTML, compute styles, build boxes, lay out, draw, fonts (embedding, HarfBuzz
subsetting among it), tagging (PDF/UA), and the rest of the write (serialising the PDF). It
prints a table and, as its last line, `RESULT {json}` with every figure.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# name -> seconds; a phase nested in another is also counted in its parent
SPENT: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)
BEFORE_LAYOUT: dict[str, float] = {}


def _timed(name: str, function: Callable[..., Any], consume: bool = False) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            result = function(*args, **kwargs)
            if consume:  # a generator does its work as it is read
                result = list(result)
            return result
        finally:
            SPENT[name] += time.perf_counter() - started
            CALLS[name] += 1
    return timed


def install_timers() -> None:
    """Wrap WeasyPrint's phases where the code that calls them looks them up."""
    from editions.make import pdf as ours
    from editions.make.weasy import load_weasyprint

    load_weasyprint()
    from weasyprint import HTML, document, pdf

    # Ours replaces WeasyPrint's subsetter in every process that lays out a PDF: time it there.
    ours._subset = _timed("subset", ours._subset)  # type: ignore[attr-defined]

    HTML.__init__ = _timed("parse", HTML.__init__)
    HTML.render = _timed("render", HTML.render)
    document.get_all_computed_styles = _timed("style", document.get_all_computed_styles)
    document.build_formatting_structure = _timed("boxes", document.build_formatting_structure)
    document.layout_document = _timed("layout", document.layout_document, consume=True)
    document.Document.write_pdf = _timed("write_pdf", document.Document.write_pdf)
    document.draw_page = _timed("draw", document.draw_page)
    pdf.build_fonts_dictionary = _timed("fonts", pdf.build_fonts_dictionary)
    pdf.add_tags = _timed("tagging", pdf.add_tags)


def _in_this_process(pages: dict[str, int]) -> Callable[..., Iterator[Any]]:
    from editions.make.pdf import render_pdf
    from editions.make.workers import PdfResult

    def render_pdfs(jobs: Any, files: Any, workers: int) -> Iterator[Any]:
        # What the process holds before any PDF: the build's own memory, WeasyPrint loaded.
        BEFORE_LAYOUT.setdefault("mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        for job in jobs:
            pdf, count = render_pdf(job.html, job.page, files)
            pages[job.page] = count
            yield PdfResult(job.number, pdf, count)
    return render_pdfs


def _generated(scale: str, folder: Path) -> Path:
    spec = importlib.util.spec_from_file_location("archive_benchmark",
                                                  REPO / "benchmarks" / "archive.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    root: Path = module.generate(folder / "archive", 1, module.SCALES[scale])
    return root


def phases(total: float) -> list[tuple[str, float]]:
    """Each phase's own seconds, the nested ones taken out of their parents."""
    render_rest = SPENT["render"] - SPENT["style"] - SPENT["boxes"] - SPENT["layout"]
    write_rest = SPENT["write_pdf"] - SPENT["draw"] - SPENT["fonts"] - SPENT["tagging"]
    rows = [("parse HTML", SPENT["parse"]), ("style", SPENT["style"]),
            ("boxes", SPENT["boxes"]), ("layout", SPENT["layout"]),
            ("render, other", render_rest), ("draw", SPENT["draw"]),
            ("fonts (embed)", SPENT["fonts"] - SPENT["subset"]),
            ("fonts (subset)", SPENT["subset"]), ("tagging", SPENT["tagging"]),
            ("write, other", write_rest)]
    laid_out = SPENT["parse"] + SPENT["render"] + SPENT["write_pdf"]
    rows.append(("outside WeasyPrint", total - laid_out))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--root", type=Path, default=REPO, help="The publication to build.")
    parser.add_argument("--generate", choices=("tiny", "small", "big-edition", "default"),
                        help="Build archive.py's synthetic archive at this scale instead.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="editions-pdf-phases-") as folder:
        work = Path(folder)
        if args.generate:
            root = _generated(args.generate, work)
        else:
            root = work / "publication"
            shutil.copytree(args.root, root, ignore=shutil.ignore_patterns(
                "site", "site-*", ".editions-cache", ".venv", ".git", "tests", "benchmarks"))
        return measure(root, work / "site")


def measure(root: Path, out: Path) -> int:
    from editions.make import build as build_module

    install_timers()
    pages: dict[str, int] = {}
    build_module.render_pdfs = _in_this_process(pages)  # type: ignore[assignment]
    started = time.perf_counter()
    report = build_module.build(root, out, None, html_only=False, use_cache=False, jobs=1)
    total = time.perf_counter() - started
    documents, page_count = len(pages), sum(pages.values())
    if not documents:
        print("no PDF was laid out", file=sys.stderr)
        return 1
    print(f"{documents} PDFs, {page_count} pages, {total:.2f} s for the whole build "
          f"({report.summary()})")
    print(f"{'phase':<20} {'seconds':>8} {'share':>7} {'ms/page':>8} {'ms/PDF':>8}")
    rows = phases(total)
    for name, seconds in rows:
        print(f"{name:<20} {seconds:8.2f} {seconds / total:7.1%} "
              f"{1000 * seconds / page_count:8.1f} {1000 * seconds / documents:8.1f}")
    write = SPENT["write_pdf"]
    layout = SPENT["parse"] + SPENT["render"]
    print(f"write / layout: {write / layout:.2f} (the write: draw, fonts, tagging, serialise)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory: {peak:.0f} MB, {peak / page_count:.2f} MB a page "
          "(every PDF laid out in this one process)")
    print("RESULT " + json.dumps({"peak_mb": round(peak),
        "before_layout_mb": round(BEFORE_LAYOUT.get("mb", peak)),
        "documents": documents, "pages": page_count, "seconds": round(total, 3),
        "phases": {name: round(seconds, 3) for name, seconds in rows},
        "subset_calls": CALLS["subset"], "write_over_layout": round(write / layout, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
