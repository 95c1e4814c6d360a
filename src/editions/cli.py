"""The `editions` command: parses arguments, calls the library, reports what happened."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from .build import build as build_site
from .build import check as check_archive
from .build import checked
from .errors import ContentError, EditionsError, Problem
from .github import annotation
from .schema import SCHEMA_DIR, SCHEMAS, schema_text, stale_schemas, write_schemas
from .versions import package_version

log = logging.getLogger("editions")


class _Reporter(logging.Handler):
    """Log records to standard error, plainly, as a command-line tool talks."""

    def emit(self, record: logging.LogRecord) -> None:
        # A located problem says its own severity: path:line:col: warning: message.
        located = getattr(record, "located", False)
        prefix = "warning: " if record.levelno >= logging.WARNING and not located else ""
        with _ProgressBar.out_of_the_way():
            click.echo(prefix + record.getMessage(), err=True)


class _ProgressBar:
    """Editions done of total, time so far and the edition last done, on a terminal only."""

    active: Any = None

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int, what: str) -> None:
        if self.bar is None:
            if total == 0:
                return
            from tqdm import tqdm

            self.bar = _ProgressBar.active = tqdm(
                total=total, desc="rendering", file=sys.stderr, leave=False, dynamic_ncols=True,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} editions [{elapsed}<{remaining}]")
        if done:
            self.bar.set_description(what)
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = _ProgressBar.active = None

    @staticmethod
    @contextlib.contextmanager
    def out_of_the_way() -> Iterator[None]:
        if _ProgressBar.active is None:
            yield
            return
        with _ProgressBar.active.external_write_mode(file=sys.stderr):
            yield


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


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _counts(problems: list[Problem]) -> str:
    """'3 problems', '2 warnings' or '3 problems and 2 warnings'."""
    warnings = sum(1 for p in problems if p.severity == "warning")
    errors = len(problems) - warnings
    parts = [_plural(errors, "problem")] if errors or not warnings else []
    if warnings:
        parts.append(_plural(warnings, "warning"))
    return " and ".join(parts)


@contextlib.contextmanager
def _progress_bar(quiet: bool) -> Iterator[_ProgressBar | None]:
    """A progress bar on standard error when it is a terminal; gone before anything is said."""
    bar = _ProgressBar() if sys.stderr.isatty() and not quiet else None
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()


def _fail(err: EditionsError, debug: bool) -> None:
    if debug:
        raise err
    click.echo(str(err) if isinstance(err, ContentError) else f"error: {err}", err=True)
    if isinstance(err, ContentError):
        click.echo(f"{_counts(err.problems)} found", err=True)
    sys.exit(1)


@contextlib.contextmanager
def _reporting(debug: bool) -> Iterator[None]:
    """Every failure as a message and exit status 1; a traceback only with --debug."""
    try:
        yield
    except EditionsError as err:
        _fail(err, debug)
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise  # usage errors and --help: click reports them itself
    except KeyboardInterrupt:
        if debug:
            raise
        click.echo("interrupted: the site was left as it was", err=True)
        sys.exit(130)
    except Exception as err:
        if debug:
            raise
        click.echo(f"internal error: {type(err).__name__}: {err}; run again with --debug for "
                   "the traceback and report it", err=True)
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


class _Commands(click.Group):
    """The command group: a failure no command foresaw is still one message, exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = "--debug" in ctx.args or "--debug" in getattr(ctx, "_protected_args", [])
        with _reporting(debug):
            return super().invoke(ctx)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_version("editions") or "0.0.0", "--version",
                      prog_name="editions")
def main() -> None:
    """Publish the newsletter: check the editor's YAML, build PDF and HTML editions and the
    news archive."""


@main.command()
@click.option("--format", "output", type=click.Choice(["text", "github"]), default="text",
              show_default=True,
              help="github: GitHub Actions annotations (::error file=...), on standard output.")
@click.option("--strict", is_flag=True, help="Fail on warnings too (the privacy lint).")
@_common
def check(output: str, strict: bool, root: Path, verbose: int, quiet: bool,
          debug: bool) -> None:
    """Check every testimony, edition and reference; list every problem as path:line:col.

    Errors fail the check; warnings (what looks like private details in a testimony) are
    listed but fail it only with --strict.
    """
    _setup_logging(verbose, quiet)
    if output == "github":
        _check_github(root, strict)
        return
    report = check_archive(root, strict=strict)  # warnings are logged as they are found
    if not quiet:
        found = f", {_counts(report.warnings)}" if report.warnings else ""
        click.echo(f"ok: {report.testimonies} testimonies and {report.editions} editions, "
                   f"no problems{found}")


def _check_github(root: Path, strict: bool) -> None:
    logging.getLogger("editions").setLevel(logging.ERROR)  # each problem is told once, below
    try:
        archive, problems = checked(root)
        summary = (f"ok: {len(archive.testimonies)} testimonies and {len(archive.editions)} "
                   "editions, no errors")
    except ContentError as err:
        problems, summary = err.problems, ""
    except EditionsError as err:
        click.echo(annotation("error", None, str(err)))
        sys.exit(1)
    from .history import toplevel

    top = toplevel(root)  # annotations name files from the repository's root
    for problem in problems:
        click.echo(annotation(problem.severity, problem, problem.message, root, top))
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors if strict else 0  # --strict fails on warnings too
    if errors or warnings:
        found = [_plural(n, word) for n, word in ((errors, "error"), (warnings, "warning")) if n]
        click.echo(f"{' and '.join(found)} found", err=True)
        sys.exit(1)
    click.echo(summary, err=True)


@main.command()
@click.argument("numbers", nargs=-1, type=int)
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site [default: ROOT/site].")
@click.option("--html-only", is_flag=True, help="Skip the PDFs, for quick proofing of text.")
@click.option("--no-cache", is_flag=True,
              help="Read, check and convert every file afresh, using no cache.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default=True, help="Lay out this many PDFs at once, in worker processes.")
@_common
def build(numbers: tuple[int, ...], out: Path | None, html_only: bool, no_cache: bool,
          jobs: int, root: Path, verbose: int, quiet: bool, debug: bool) -> None:
    """Build editions NUMBERS (all when none are given) and refresh the archive index.

    Everything is checked first; when a check fails nothing is written, and the site
    already built stays as it was. An edition whose text, templates and settings have not
    changed since the last build is kept as it was built, not rendered again.
    """
    _setup_logging(verbose, quiet)
    started = time.perf_counter()
    with _progress_bar(quiet) as progress:
        report = build_site(root, out, numbers or None, html_only=html_only,
                            use_cache=not no_cache, jobs=jobs, progress=progress)
    report.seconds = time.perf_counter() - started
    if not quiet:
        found = f"; {_counts(report.warnings)}" if report.warnings else ""
        click.echo(report.summary() + found)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; list the files that are not canonical and exit 1.")
@_common
def fmt(paths: tuple[Path, ...], check_only: bool, root: Path, verbose: int, quiet: bool,
        debug: bool) -> None:
    """Rewrite testimony and edition files (PATHS, or all) in the canonical layout.

    Keys in the documented order, prose as literal blocks with one sentence per line,
    dates as written, comments kept. It never changes what an edition prints.
    """
    _setup_logging(verbose, quiet)
    from .fmt import format_files  # ruamel.yaml: only the commands that write YAML

    started = time.perf_counter()
    report = format_files(root, paths or None, write=not check_only)
    seconds = time.perf_counter() - started
    total = len(report.changed) + report.unchanged
    if check_only:
        for name in report.changed:
            click.echo(f"{name}: not canonical (run `editions fmt {name}`)")
        if report.changed:
            click.echo(f"{len(report.changed)} of {total} files would be reformatted", err=True)
            sys.exit(1)
        if not quiet:
            click.echo(f"ok: {total} file{' is' if total == 1 else 's are'} canonical")
        return
    for name in report.changed:
        log.info("formatted %s", name)
    if not quiet:
        click.echo(f"formatted {len(report.changed)} of {total} files in {seconds:.1f} s")


@main.command()
@click.option("--write", is_flag=True, help="Write the schemas into ROOT/schemas/.")
@click.option("--check", "check_only", is_flag=True,
              help="Exit 1 when the schemas in ROOT/schemas/ are not current.")
@click.argument("kind", required=False, type=click.Choice(sorted(SCHEMAS)))
@_common
def schema(write: bool, check_only: bool, kind: str | None, root: Path, verbose: int,
           quiet: bool, debug: bool) -> None:
    """Print the JSON Schema of a testimony or edition file, or write both (--write)."""
    _setup_logging(verbose, quiet)
    if write:
        changed = write_schemas(root)
        if not quiet:
            click.echo(f"wrote {len(SCHEMAS)} schemas into {root / SCHEMA_DIR} "
                       f"({len(changed)} changed)")
    elif check_only:
        stale = stale_schemas(root)
        for name in stale:
            click.echo(f"{name}: not current (run `editions schema --write`)")
        if stale:
            sys.exit(1)
    else:
        click.echo(schema_text(kind or "testimony"), nl=False)




_TODAY = click.option("--today", metavar="YYYY-MM-DD",
                      help="The date to use as today [default: SOURCE_DATE_EPOCH, else the "
                           "clock].")


@main.group()
def new() -> None:
    """Start a testimony or an edition file, canonical and with the schema modeline."""


@new.command("testimony")
@click.argument("name")
@click.option("--country", required=True, help="As printed after the name: USA, New Zealand.")
@click.option("--condition", required=True, help="Multiple sclerosis, Crohn's disease...")
@click.option("--id", "testimony_id", help="The file's id [default: NAME-COUNTRY].")
@click.option("--treatment", help="When not the publication's default treatment.")
@click.option("--started", metavar="DATE", help="Start of the treatment: YYYY-MM-DD, YYYY-MM, "
                                                "YYYY.")
@click.option("--received", metavar="DATE", help="When the story arrived [default: today].")
@click.option("--consent", metavar="DATE",
              help="When the contributor agreed to be printed [default: not yet; the file "
              "says where to write it].")
@_TODAY
@_common
def new_testimony_command(name: str, country: str, condition: str, testimony_id: str | None,
                          treatment: str | None, started: str | None, received: str | None,
                          consent: str | None, today: str | None, root: Path, verbose: int,
                          quiet: bool, debug: bool) -> None:
    """Write testimonies/NAME-COUNTRY.yaml with the story still to write; never overwrites."""
    _setup_logging(verbose, quiet)
    from .new import new_testimony
    from .publish import today as parse_today

    made = new_testimony(root, name, country, condition, on=parse_today(today),
                         testimony_id=testimony_id, treatment=treatment, started=started,
                         received=received, consent=consent)
    if not quiet:
        click.echo(f"wrote {made.path}: write the story, then run `editions check`")


@new.command("edition")
@_TODAY
@_common
def new_edition_command(today: str | None, root: Path, verbose: int, quiet: bool,
                        debug: bool) -> None:
    """Write the next edition as a draft dated today, proposing new and updated testimonies."""
    _setup_logging(verbose, quiet)
    from .new import new_edition
    from .publish import today as parse_today

    made, proposed = new_edition(root, on=parse_today(today))
    if not quiet:
        count = len(proposed)
        click.echo(f"wrote {made.path}: a draft proposing {count} "
                   f"testimon{'y' if count == 1 else 'ies'}")


@main.command("publish")
@click.argument("numbers", nargs=-1, type=int)
@click.option("--reissue", is_flag=True,
              help="Accept a change to editions already published, recorded with --note; "
                   "without NUMBERS, every published edition the change alters.")
@click.option("--note", help="What changed, as readers see it: 'Revised on DATE: NOTE'.")
@click.option("--out-of-order", is_flag=True,
              help="Publish although an earlier edition is still a draft, or a later one is "
                   "published.")
@_TODAY
@_common
def publish_command(numbers: tuple[int, ...], reissue: bool, note: str | None,
                    out_of_order: bool, today: str | None, root: Path, verbose: int,
                    quiet: bool, debug: bool) -> None:
    """Mark editions NUMBERS published and freeze what they print (their fingerprints).

    Editions are published in number order: an edition waits while an earlier one is a
    draft. `--reissue --note "..."` records one note on each edition named, or, with no
    NUMBERS, on every published edition the working tree alters (as `editions diff` lists
    them).
    """
    _setup_logging(verbose, quiet)
    from .publish import publish_editions, reissue_summary
    from .publish import today as parse_today

    reports = publish_editions(root, numbers, reissue=reissue, note=note,
                               on=parse_today(today), out_of_order=out_of_order)
    if not quiet:
        for report in reports:
            click.echo(report.summary())
        if reissue and note:
            click.echo(reissue_summary(reports, note))


@main.command("diff")
@click.argument("rev", required=False)
@_common
def diff_command(rev: str | None, root: Path, verbose: int, quiet: bool, debug: bool) -> None:
    """Say what the working tree changes in each edition, compared with REV.

    REV defaults to the merge base with main, else HEAD. Published editions whose content
    would change come first. Needs a git checkout; builds nothing.
    """
    _setup_logging(verbose, quiet)
    from .diff import diff_report, diff_summary

    text, changes = diff_report(root, rev)
    click.echo(text, nl=False)
    click.echo(diff_summary(changes), err=True)


@main.command()
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port on 127.0.0.1 to serve on.")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site [default: ROOT/site].")
@click.option("--no-pdf", is_flag=True,
              help="Never lay out the PDFs, only the pages (fastest proofing).")
@_common
def serve(port: int, out: Path | None, no_pdf: bool, root: Path, verbose: int, quiet: bool,
          debug: bool) -> None:
    """Preview the site while writing: build, serve it on localhost, rebuild on save.

    Every page reloads itself after a rebuild; a failed build shows its problems in the
    browser. A save rebuilds the pages at once and the PDFs right after.
    """
    from .serve import Outcome, Preview, serve_forever

    _setup_logging(verbose, quiet)

    def report(outcome: Outcome) -> None:
        if outcome.error is not None:
            click.echo(str(outcome.error) if isinstance(outcome.error, ContentError)
                       else f"error: {outcome.error}", err=True)
        elif outcome.report is not None and not quiet:
            what = "pages" if outcome.html_only else "pages and PDFs"
            click.echo(f"rebuilt the {what} ({outcome.report.seconds:.1f} s)")

    preview = Preview(root, out, port, pdfs=not no_pdf, on_build=report)
    if not quiet:
        click.echo(f"serving {preview.url} (Ctrl+C to stop); watching testimonies/, editions/, "
                   "templates/, images/, references.yaml and publication.yaml")
    try:
        serve_forever(preview)
    except KeyboardInterrupt:
        if not quiet:
            click.echo("stopped")


if __name__ == "__main__":
    main()
