"""The `editions` command: parses arguments, calls the library, reports what happened."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import click

from . import __version__
from .build import build as build_site
from .build import check as check_archive
from .errors import ContentError, EditionsError

log = logging.getLogger("editions")


class _Reporter(logging.Handler):
    """Log records to standard error, plainly, as a command-line tool talks."""

    def emit(self, record: logging.LogRecord) -> None:
        prefix = "warning: " if record.levelno >= logging.WARNING else ""
        click.echo(prefix + record.getMessage(), err=True)


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING
    if verbose and not quiet:
        level = logging.DEBUG if verbose >= 2 else logging.INFO
    root = logging.getLogger("editions")
    root.handlers[:] = [_Reporter()]
    root.setLevel(level)
    root.propagate = False
    # WeasyPrint speaks of every CSS property it skips; only our own messages matter here.
    logging.getLogger("weasyprint").setLevel(logging.ERROR if verbose < 2 else logging.INFO)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def _fail(err: EditionsError, debug: bool) -> None:
    if debug:
        raise err
    click.echo(str(err) if isinstance(err, ContentError) else f"error: {err}", err=True)
    if isinstance(err, ContentError):
        count = len(err.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
    sys.exit(1)


def _common(function: Any) -> Any:
    options = [
        click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
                     show_default=True, help="The publication's folder."),
        click.option("-v", "--verbose", count=True, help="Say more (-vv for debugging)."),
        click.option("-q", "--quiet", is_flag=True, help="Say only what went wrong."),
        click.option("--debug", is_flag=True, help="Show a traceback on failure."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="editions")
def main() -> None:
    """Publish the newsletter: check the editor's YAML, build PDF and HTML editions and the
    news archive."""


@main.command()
@_common
def check(root: Path, verbose: int, quiet: bool, debug: bool) -> None:
    """Check every testimony, edition and reference; list every problem as path:line:col."""
    _setup_logging(verbose, quiet)
    try:
        testimonies, editions = check_archive(root)
    except EditionsError as err:
        _fail(err, debug)
        return
    if not quiet:
        click.echo(f"ok: {testimonies} testimonies and {editions} editions, no problems")


@main.command()
@click.argument("numbers", nargs=-1, type=int)
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site [default: ROOT/site].")
@click.option("--html-only", is_flag=True, help="Skip the PDFs, for quick proofing of text.")
@click.option("--no-cache", is_flag=True, help="Convert all Markdown afresh.")
@_common
def build(numbers: tuple[int, ...], out: Path | None, html_only: bool, no_cache: bool,
          root: Path, verbose: int, quiet: bool, debug: bool) -> None:
    """Build editions NUMBERS (all when none are given) and refresh the archive index.

    Everything is checked first; when a check fails nothing is written, and the site
    already built stays as it was.
    """
    _setup_logging(verbose, quiet)
    started = time.perf_counter()
    try:
        report = build_site(root, out, numbers or None, html_only=html_only,
                            use_cache=not no_cache)
    except EditionsError as err:
        _fail(err, debug)
        return
    except KeyboardInterrupt:
        click.echo("interrupted: the site was left as it was", err=True)
        sys.exit(130)
    report.seconds = time.perf_counter() - started
    if not quiet:
        click.echo(report.summary())


if __name__ == "__main__":
    main()
