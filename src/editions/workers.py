"""Workers: edition PDFs laid out by WeasyPrint in worker processes, each given the assets once."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future

from .formats import EpubSource, large_print_html, render_epub
from .pdf import render_pdf

log = logging.getLogger(__name__)

# A worker is replaced after this many editions, so whatever WeasyPrint keeps from one document
# to the next cannot add up over an archive of any size.
EDITIONS_PER_WORKER = 25


@dataclass(frozen=True)
class PdfJob:
    """One edition's page, to be laid out as a PDF."""

    number: int
    html: str
    page: str
    formats: tuple[str, ...] = ("pdf",)  # which of model.FORMATS to make
    epub: EpubSource | None = None  # what the EPUB is made from, when it is one of them


@dataclass(frozen=True)
class PdfResult:
    number: int
    pdf: bytes | None
    pages: int
    others: dict[str, bytes] = field(default_factory=dict)  # large-print, epub: the file
    other_pages: dict[str, int] = field(default_factory=dict)  # large-print: its pages
    seconds: dict[str, float] = field(default_factory=dict)  # each format's time to make


def render_job(job: PdfJob, files: Mapping[str, bytes]) -> PdfResult:
    """Each format the job asks for, from the edition's page, timed."""
    made: dict[str, bytes] = {}
    pages: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for kind in job.formats:
        started = time.perf_counter()
        if kind == "pdf":
            made[kind], pages[kind] = render_pdf(job.html, job.page, files)
        elif kind == "large-print":
            made[kind], pages[kind] = render_pdf(large_print_html(job.html, job.page),
                                                 job.page, files)
        elif kind == "epub" and job.epub is not None:
            from .markdown import pandoc_path

            made[kind] = render_epub(job.epub, files, pandoc_path())
        seconds[kind] = time.perf_counter() - started
    pdf = made.pop("pdf", None)
    return PdfResult(job.number, pdf, pages.pop("pdf", 0), made, pages, seconds)


def render_pdfs(jobs: Iterable[PdfJob], files: Mapping[str, bytes],
                workers: int) -> Iterator[PdfResult]:
    """Each job's PDF as it is done, by that many worker processes, or here when `workers` is 0.

    Jobs are taken from `jobs` only as workers become free, so the pages waiting to be laid
    out never pile up in memory. Even one worker is worth its start for more than one
    edition: it is replaced now and then, so the build's memory stays the same at any size.
    """
    if workers <= 0:
        for job in jobs:
            yield render_job(job, files)
        return
    # Imported here: a build with nothing to lay out should not pay for them.
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    context = start_workers()
    level = logging.getLogger("weasyprint").getEffectiveLevel()
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(dict(files), os.getpid(), level),
                               max_tasks_per_child=EDITIONS_PER_WORKER)
    pending: set[Future[tuple[PdfResult, list[tuple[str, int, str]]]]] = set()
    queue = iter(jobs)
    finished = False
    try:
        while True:
            for job in queue:
                pending.add(pool.submit(_render, job))
                if len(pending) >= 2 * workers:
                    break
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: f.result()[0].number):
                result, records = future.result()
                for name, level_number, message in records:
                    logging.getLogger(name).log(level_number, "%s", message)
                yield result
        finished = True
    finally:
        if not finished:
            # Interrupted or failed: the editions still in work are not waited for.
            processes = getattr(pool, "_processes", None) or {}
            for process in list(processes.values()):
                process.terminate()
        pool.shutdown(wait=finished, cancel_futures=True)


def start_workers() -> Any:
    """Start the server the PDF workers fork from, if it is not running; its context.

    Called early by a build that will lay out PDFs: the server imports WeasyPrint (half a
    second) while the build converts texts, and each worker forks from it ready to work.
    """
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    # editions.forkserver comes first: it keeps Ctrl-C and a late worker's start quiet, and
    # loads WeasyPrint once for every worker.
    context.set_forkserver_preload(["editions.forkserver", "editions.workers"])
    _start_forkserver()
    return context


def _start_forkserver() -> None:
    """Start the server the workers fork from with Ctrl-C held back (blocked, so not lost for
    the build, which gets it once the server is started); the server inherits the block until
    editions.forkserver ignores Ctrl-C, so a Ctrl-C to the whole terminal stops the build and
    never the server in the middle of an import."""
    from multiprocessing import forkserver

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


# --- in the worker process ---------------------------------------------------------------------

_files: Mapping[str, bytes] = {}
_records: list[tuple[str, int, str]] = []


class _Collect(logging.Handler):
    """Keeps a worker's log records to hand back to the build, which reports them."""

    def emit(self, record: logging.LogRecord) -> None:
        _records.append((record.name, record.levelno, record.getMessage()))


def _start_worker(files: Mapping[str, bytes], parent: int, weasyprint_level: int) -> None:
    global _files
    _files = files
    # Ctrl-C is the build's to handle: it stops the workers, they do not each report it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ours = logging.getLogger("editions")
    ours.handlers[:] = [_Collect()]
    ours.setLevel(logging.WARNING)
    ours.propagate = False
    logging.getLogger("weasyprint").setLevel(weasyprint_level)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    """End the worker when the build that started it is gone, killed or not."""
    while _is_alive(parent):
        time.sleep(0.5)
    os._exit(1)


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _render(job: PdfJob) -> tuple[PdfResult, list[tuple[str, int, str]]]:
    _records.clear()
    return render_job(job, _files), list(_records)
