"""Workers: edition PDFs laid out by WeasyPrint in worker processes, each given the assets once."""

from __future__ import annotations

import logging
import os
import resource
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future

from editions.errors import EditionsError
from editions.make.formats import EpubSource, large_print_html, render_epub
from editions.make.pdf import render_pdf

log = logging.getLogger(__name__)

# A worker is replaced after this many editions, so whatever WeasyPrint keeps from one document
# to the next cannot add up over an archive of any size.
EDITIONS_PER_WORKER = 25

# What one edition's PDF may take, unless the environment says otherwise: a 900 KB table took
# 390 s and 2.5 GB, and a hostile text must not stall or starve the machine the build runs on.
SECONDS_VARIABLE, SECONDS_DEFAULT = "EDITIONS_PDF_SECONDS", 600
MEMORY_VARIABLE, MEMORY_DEFAULT = "EDITIONS_PDF_MEMORY_MB", 6144
# The build waits this much longer than the worker's own alarm before it gives up on a worker
# stuck where the alarm cannot reach it (inside a C library).
GRACE_SECONDS = 30


@dataclass(frozen=True)
class Limits:
    """What a worker may spend on one edition's PDF."""

    seconds: int
    memory_mb: int

    @classmethod
    def from_environment(cls) -> Limits:
        return cls(_positive(SECONDS_VARIABLE, SECONDS_DEFAULT),
                   _positive(MEMORY_VARIABLE, MEMORY_DEFAULT))

    def exceeded(self, number: int, what: str) -> EditionsError:
        if what == "time":
            return EditionsError(
                f"edition {number}: its PDF took more than {self.seconds} s to lay out "
                f"({SECONDS_VARIABLE}); nothing was written, the site is as it was")
        return EditionsError(
            f"edition {number}: its PDF needs more than {self.memory_mb} MB of memory to lay "
            f"out ({MEMORY_VARIABLE}); nothing was written, the site is as it was")


def _positive(variable: str, default: int) -> int:
    given = os.environ.get(variable)
    if not given:
        return default
    if not (given.isascii() and given.isdigit() and 0 < int(given) < 10**7):
        raise EditionsError(f"{variable} is '{ascii(given)[1:-1][:40]}': it must be a whole "
                            f"number above 0 (the default is {default}), or unset")
    return int(given)


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
    exceeded: str | None = None  # "time" or "memory": the worker stopped at its limit


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
            from editions.make.markdown import pandoc_path

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
    A worker is held to the time and memory EDITIONS_PDF_SECONDS and EDITIONS_PDF_MEMORY_MB
    give for each edition; an edition beyond them stops the build (EditionsError).
    """
    if workers <= 0:
        for job in jobs:
            yield render_job(job, files)
        return
    # Imported here: a build with nothing to lay out should not pay for them.
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    limits = Limits.from_environment()
    context = start_workers()
    level = logging.getLogger("weasyprint").getEffectiveLevel()
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(dict(files), os.getpid(), level, limits),
                               max_tasks_per_child=EDITIONS_PER_WORKER)
    pending: dict[Future[tuple[PdfResult, list[tuple[str, int, str]]]], int] = {}
    queue = iter(jobs)
    finished = False
    try:
        while True:
            for job in queue:
                pending[pool.submit(_render, job)] = job.number
                if len(pending) >= 2 * workers:
                    break
            if not pending:
                break
            # A worker's own alarm ends an edition at its limit; this is for one stuck beyond
            # its reach: no edition done in that long means the oldest one still in work is.
            done, _ = wait(pending, timeout=limits.seconds + GRACE_SECONDS,
                           return_when=FIRST_COMPLETED)
            if not done:
                raise limits.exceeded(next(iter(pending.values())), "time")  # the oldest
            for future in sorted(done, key=pending.__getitem__):
                number = pending.pop(future)
                result, records = _outcome(future, number, limits)
                for name, level_number, message in records:
                    logging.getLogger(name).log(level_number, "%s", message)
                if result.exceeded:
                    raise limits.exceeded(number, result.exceeded)
                yield result
        finished = True
    finally:
        if not finished:
            # Interrupted or failed: the editions still in work are not waited for.
            processes = getattr(pool, "_processes", None) or {}
            for process in list(processes.values()):
                process.terminate()
        pool.shutdown(wait=finished, cancel_futures=True)


def _outcome(future: Future[tuple[PdfResult, list[tuple[str, int, str]]]], number: int,
             limits: Limits) -> tuple[PdfResult, list[tuple[str, int, str]]]:
    """A finished job's result and log records; a worker that died is an edition at its limit."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        # Out of memory inside a C library (cairo, Pango) ends the worker, not with an exception.
        # Every edition in work fails so; the oldest of them is named.
        raise EditionsError(
            f"edition {number}: its PDF worker stopped while laying it out, most likely at "
            f"its memory limit of {limits.memory_mb} MB ({MEMORY_VARIABLE}); nothing was "
            "written, the site is as it was") from None


def start_workers() -> Any:
    """Start the server the PDF workers fork from, if it is not running; its context.

    Called early by a build that will lay out PDFs: the server imports WeasyPrint (half a
    second) while the build converts texts, and each worker forks from it ready to work.
    """
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    # editions.make.forkserver comes first: it keeps Ctrl-C and a late worker's start quiet, and
    # loads WeasyPrint once for every worker.
    context.set_forkserver_preload(["editions.make.forkserver", "editions.make.workers"])
    _start_forkserver()
    return context


def _start_forkserver() -> None:
    """Start the server the workers fork from with Ctrl-C held back (blocked, so not lost for
    the build, which gets it once the server is started); the server inherits the block until
    editions.make.forkserver ignores Ctrl-C, so a Ctrl-C to the whole terminal stops the build and
    never the server in the middle of an import."""
    from multiprocessing import forkserver

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


# --- in the worker process ---------------------------------------------------------------------

_files: Mapping[str, bytes] = {}
_limits = Limits(SECONDS_DEFAULT, MEMORY_DEFAULT)
_records: list[tuple[str, int, str]] = []


class _Collect(logging.Handler):
    """Keeps a worker's log records to hand back to the build, which reports them."""

    def emit(self, record: logging.LogRecord) -> None:
        _records.append((record.name, record.levelno, record.getMessage()))


def _start_worker(files: Mapping[str, bytes], parent: int, weasyprint_level: int,
                  limits: Limits) -> None:
    global _files, _limits
    _files = files
    _limits = limits
    # The address space, not the resident memory: what Linux bounds for a process, and what an
    # allocation beyond it fails on (MemoryError in Python) instead of the machine swapping.
    wanted = limits.memory_mb * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (wanted if hard == resource.RLIM_INFINITY
                                            else min(wanted, hard), hard))
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


class _TimeUp(BaseException):
    """An edition's time is up. Not an Exception: WeasyPrint's `except Exception` (a font or
    picture that fails to load) must not swallow it."""


@contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    """Raise _TimeUp in this thread after `seconds`, and each second after if it is caught."""

    def time_up(signum: int, frame: object) -> None:
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, time_up)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _render(job: PdfJob) -> tuple[PdfResult, list[tuple[str, int, str]]]:
    _records.clear()
    try:
        with _alarm(_limits.seconds):
            result = render_job(job, _files)
    except _TimeUp:
        return PdfResult(job.number, b"", 0, exceeded="time"), list(_records)
    except Exception:
        if not _near_memory_limit():
            raise
        return PdfResult(job.number, b"", 0, exceeded="memory"), list(_records)
    return result, list(_records)


def _near_memory_limit() -> bool:
    """Whether this worker's address space came near its limit: an allocation refused there
    fails as MemoryError in Python, but a C extension may report it as almost anything."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return False
    peak = next((int(line.split()[1]) for line in status.splitlines()
                 if line.startswith("VmPeak:")), 0) * 1024
    return peak >= 0.9 * _limits.memory_mb * 2**20
