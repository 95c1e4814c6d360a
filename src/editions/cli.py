"""The `editions` command: parses arguments, calls the library, reports what happened."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from editions.errors import ContentError, EditionsError, Problem, Severity, shown
from editions.versions import package_version

log = logging.getLogger("editions")

# The kinds `editions schema` knows (schema.SCHEMAS, which loads the loader: not imported to
# print --help or --version; a test keeps the two the same).
SCHEMA_KINDS = ("edition", "testimony")

# When this module was imported: the start of the command where the process start is unknown.
_IMPORTED = time.monotonic()


def _since_start() -> float:
    """The command's wall time so far, Python's start-up and the imports included.

    What the user waited is what the summary line says: a build with nothing to do spends
    most of its time before it starts (interpreter, imports).
    """
    try:  # Linux: the process's start in clock ticks since boot, the clock CLOCK_BOOTTIME
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - _IMPORTED


class _Reporter(logging.Handler):
    """Log records to standard error, plainly, as a command-line tool talks."""

    def emit(self, record: logging.LogRecord) -> None:
        # A located problem says its own severity: path:line:col: warning: message.
        located = getattr(record, "located", False)
        prefix = "warning: " if record.levelno >= logging.WARNING and not located else ""
        with _ProgressBar.out_of_the_way():
            click.echo(shown(prefix + record.getMessage()), err=True)


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
    warnings = sum(1 for p in problems if not p.is_error)
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
    click.echo(str(err) if isinstance(err, ContentError) else shown(f"error: {err}"), err=True)
    if isinstance(err, ContentError):
        click.echo(f"{_counts(err.problems)} found", err=True)
    sys.exit(1)


@contextlib.contextmanager
def _reporting(state: _State) -> Iterator[None]:
    """Every failure as a message and exit status 1; a traceback only with --debug."""
    # state.debug is read only once something failed: by then the command's options are parsed.
    try:
        yield
    except EditionsError as err:
        _fail(err, state.debug)
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise  # usage errors and --help: click reports them itself
    except KeyboardInterrupt:
        if state.debug:
            raise
        click.echo("interrupted: the site was left as it was", err=True)
        sys.exit(130)
    except Exception as err:
        if state.debug:
            raise
        click.echo(f"internal error: {type(err).__name__}: {err}; run again with --debug for "
                   "the traceback and report it", err=True)
        sys.exit(1)


class _State:
    """What the options every command shares say, kept by their callbacks as they are parsed."""

    def __init__(self) -> None:
        self.root = Path(".")
        self.verbose = 0
        self.quiet = False
        self.debug = False


def _keep(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    """An option's callback: keep its value in the state of this run, as `name`."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        setattr(ctx.ensure_object(_State), name, value)

    return callback


# The options every command takes, declared once (as MkDocs declares its common options):
# none is an argument of the command; their callbacks keep what they say in one _State.
_COMMON_OPTIONS = (
    click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
                 show_default=True, expose_value=False, callback=_keep("root"),
                 help="The publication's folder."),
    click.option("-v", "--verbose", count=True, expose_value=False, callback=_keep("verbose"),
                 help="Say more (-vv for debugging)."),
    click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_keep("quiet"),
                 help="Say only what went wrong."),
    click.option("--debug", is_flag=True, expose_value=False, callback=_keep("debug"),
                 help="Show a traceback on failure."),
)


def common_options(command: Callable[..., None]) -> Callable[..., None]:
    """--root, -v, -q and --debug on a command, which is called with their _State first,
    logging set up as -v and -q ask."""

    @functools.wraps(command)
    def with_state(*args: Any, **kwargs: Any) -> None:
        state = click.get_current_context().ensure_object(_State)
        _setup_logging(state.verbose, state.quiet)
        command(state, *args, **kwargs)

    for option in reversed(_COMMON_OPTIONS):
        with_state = option(with_state)
    return with_state


# Options and arguments more than one command takes, each declared once.
_NUMBERS = click.argument("numbers", nargs=-1, type=int)
_OUT = click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path),
                    default=None, help="Where to write the site [default: ROOT/site].")
_TODAY = click.option("--today", metavar="YYYY-MM-DD",
                      help="The date to use as today [default: SOURCE_DATE_EPOCH, else the "
                           "clock].")


def _format_option(help: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """--format text|github, as `output`; `help` says what github gives."""
    return click.option("--format", "output", type=click.Choice(["text", "github"]),
                        default="text", show_default=True, help=help)


def _check_option(help: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """--check, as `check_only`: change nothing, exit 1 when something is not as it should be."""
    return click.option("--check", "check_only", is_flag=True, help=help)


class _Commands(click.Group):
    """The command group: a failure no command foresaw is still one message, exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        # One state for the run: the command's context inherits it, its options fill it in.
        with _reporting(ctx.ensure_object(_State)):
            return super().invoke(ctx)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_version("editions") or "0.0.0", "--version",
                      prog_name="editions")
def main() -> None:
    """Publish the newsletter: check the editor's YAML, build PDF and HTML editions and the
    news archive."""


@main.command()
@_format_option("github: GitHub Actions annotations (::error file=...), on standard output.")
@click.option("--strict", is_flag=True, help="Fail on warnings too (the privacy lint).")
@common_options
def check(state: _State, output: str, strict: bool) -> None:
    """Check every testimony, edition and reference; list every problem as path:line:col.

    Errors fail the check; warnings (what looks like private details in a testimony) are
    listed but fail it only with --strict.
    """
    if output == "github":
        _check_github(state.root, strict)
        return
    from editions.make.build import check_publication

    report = check_publication(state.root, strict=strict)  # warnings are logged as they are found
    if not state.quiet:
        found = f", {_counts(report.warnings)}" if report.warnings else ""
        click.echo(f"ok: {report.testimonies} testimonies and {report.editions} editions, "
                   f"no problems{found}")


def _check_github(root: Path, strict: bool) -> None:
    from editions.make.build import checked
    from editions.review.github import annotation

    logging.getLogger("editions").setLevel(logging.ERROR)  # each problem is told once, below
    try:
        archive, problems = checked(root)
        summary = (f"ok: {len(archive.testimonies)} testimonies and {len(archive.editions)} "
                   "editions, no errors")
    except ContentError as err:
        problems, summary = err.problems, ""
    except EditionsError as err:
        click.echo(annotation(Severity.ERROR, None, str(err)))
        sys.exit(1)
    from editions.load.history import toplevel

    top = toplevel(root)  # annotations name files from the repository's root
    for problem in problems:
        click.echo(annotation(problem.severity, problem, problem.message, root, top))
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors if strict else 0  # --strict fails on warnings too
    if errors or warnings:
        found = [_plural(n, word) for n, word in ((errors, "error"), (warnings, "warning")) if n]
        click.echo(f"{' and '.join(found)} found", err=True)
        sys.exit(1)
    click.echo(summary, err=True)


@main.command()
@_NUMBERS
@_OUT
@click.option("--html-only", is_flag=True, help="Skip the PDFs, for quick proofing of text.")
@click.option("--no-cache", is_flag=True,
              help="Read, check and convert every file afresh, using no cache.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default=True, help="Lay out this many PDFs at once, in worker processes.")
@common_options
def build(state: _State, numbers: tuple[int, ...], out: Path | None, html_only: bool,
          no_cache: bool, jobs: int) -> None:
    """Build editions NUMBERS (all when none are given) and refresh the archive index.

    Everything is checked first; when a check fails nothing is written, and the site
    already built stays as it was. An edition whose text, templates and settings have not
    changed since the last build is kept as it was built, not rendered again.
    """
    from editions.make.build import build as build_site

    with _progress_bar(state.quiet) as progress:
        report = build_site(state.root, out, numbers or None, html_only=html_only,
                            use_cache=not no_cache, jobs=jobs, progress=progress)
    report.seconds = _since_start()
    if not state.quiet:
        found = f"; {_counts(report.warnings)}" if report.warnings else ""
        click.echo(report.summary() + found)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@_check_option("Change nothing; list the files that are not canonical and exit 1.")
@common_options
def fmt(state: _State, paths: tuple[Path, ...], check_only: bool) -> None:
    """Rewrite testimony and edition files (PATHS, or all) in the canonical layout.

    Keys in the documented order, prose as literal blocks with one sentence per line,
    dates as written, comments kept. It never changes what an edition prints.
    """
    from editions.edit.fmt import format_files  # ruamel.yaml: only the commands that write YAML

    report = format_files(state.root, paths or None, write=not check_only)
    seconds = _since_start()
    total = len(report.changed) + report.unchanged
    if check_only:
        for name in report.changed:
            click.echo(shown(f"{name}: not canonical (run `editions fmt {name}`)"))
        if report.changed:
            click.echo(f"{len(report.changed)} of {total} files would be reformatted", err=True)
            sys.exit(1)
        if not state.quiet:
            click.echo(f"ok: {total} file{' is' if total == 1 else 's are'} canonical")
        return
    for name in report.changed:
        log.info("formatted %s", name)
    if not state.quiet:
        click.echo(f"formatted {len(report.changed)} of {total} files in {seconds:.1f} s")


@main.command()
@click.option("--write", is_flag=True, help="Write the schemas into ROOT/schemas/.")
@_check_option("Exit 1 when the schemas in ROOT/schemas/ are not current.")
@click.argument("kind", required=False, type=click.Choice(SCHEMA_KINDS))
@common_options
def schema(state: _State, write: bool, check_only: bool, kind: str | None) -> None:
    """Print the JSON Schema of a testimony or edition file, or write both (--write)."""
    from editions.edit.schema import SCHEMA_DIR, SCHEMAS, schema_text, stale_schemas, write_schemas

    if write:
        changed = write_schemas(state.root)
        if not state.quiet:
            click.echo(f"wrote {len(SCHEMAS)} schemas into {state.root / SCHEMA_DIR} "
                       f"({len(changed)} changed)")
    elif check_only:
        stale = stale_schemas(state.root)
        for name in stale:
            click.echo(f"{name}: not current (run `editions schema --write`)")
        if stale:
            sys.exit(1)
    else:
        click.echo(schema_text(kind or "testimony"), nl=False)




@main.command("init")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option("--title", help="The newsletter's title.")
@click.option("--publisher", help="Who publishes it, as printed on every edition.")
@click.option("--language", help="The pages' language, a tag such as en-GB.")
@click.option("--site-url", "site_url", help="The news archive's public address (https://...).")
@click.option("--paper", type=click.Choice(["A4", "A5", "Letter"]), help="The PDFs' paper size.")
@click.option("--treatment", help="The treatment most testimonies are about, such as LDN.")
@common_options
def init_command(state: _State, folder: Path | None,
                 **given: str | None) -> None:
    """Start a publication in FOLDER (new or empty; default: --root): its settings, empty
    testimonies/, editions/ and images/, references, editor settings and review workflow.

    Each setting is taken from its option, or asked for on a terminal; none is made up.
    """
    from editions.edit.start import QUESTIONS, Answers, answer_names, refusal, start_publication

    folder = folder if folder is not None else state.root
    why = refusal(folder)  # before asking anything
    if why:
        raise EditionsError(why)
    missing = [name for name in answer_names() if not given.get(name)]
    if missing and not sys.stdin.isatty():
        options = ", ".join(f"--{name.replace('_', '-')}" for name in missing)
        raise EditionsError(f"init needs {options}: give them, or run init on a terminal to "
                            "be asked; nothing was written")
    for name in missing:
        kind = click.Choice(["A4", "A5", "Letter"]) if name == "paper" else str
        given[name] = click.prompt(QUESTIONS[name], type=kind)
    written = start_publication(folder, Answers(**{n: str(given[n]) for n in answer_names()}))
    if not state.quiet:
        click.echo(f"started a publication in {folder}: {', '.join(written)}")
        click.echo("next: `editions new testimony NAME --country COUNTRY --condition "
                   "CONDITION`, then `editions new edition` and `editions build`")


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
@common_options
def new_testimony_command(state: _State, name: str, country: str, condition: str,
                          testimony_id: str | None, treatment: str | None, started: str | None,
                          received: str | None, consent: str | None, today: str | None) -> None:
    """Write testimonies/NAME-COUNTRY.yaml with the story still to write; never overwrites."""
    from editions.edit.new import new_testimony
    from editions.edit.publish import today as parse_today

    made = new_testimony(state.root, name, country, condition, on=parse_today(today),
                         testimony_id=testimony_id, treatment=treatment, started=started,
                         received=received, consent=consent)
    if not state.quiet:
        click.echo(f"wrote {made.path}: write the story, then run `editions check`")


@new.command("edition")
@_TODAY
@common_options
def new_edition_command(state: _State, today: str | None) -> None:
    """Write the next edition as a draft dated today, proposing new and updated testimonies."""
    from editions.edit.new import new_edition
    from editions.edit.publish import today as parse_today

    made, proposed = new_edition(state.root, on=parse_today(today))
    if not state.quiet:
        count = len(proposed)
        click.echo(f"wrote {made.path}: a draft proposing {count} "
                   f"testimon{'y' if count == 1 else 'ies'}")


@main.command("import")
@click.argument("sources", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--received", metavar="DATE",
              help="When these stories reached the editor [default: today].")
@click.option("--condition", help="The condition of every new testimony [default: the one "
                                  "its story names].")
@click.option("--intro", type=int, metavar="N",
              help="Put the text before the first testimony into draft edition N's "
                   "introduction.")
@click.option("--dry-run", is_flag=True, help="Write nothing; show what would be written.")
@_TODAY
@common_options
def import_command(state: _State, sources: tuple[Path, ...], received: str | None,
                   condition: str | None, intro: int | None, dry_run: bool,
                   today: str | None) -> None:
    """Bring testimonies in from SOURCES: archive pages (.html), letters (.docx, .odt, .md,
    .txt) and e-mails (.eml), each testimony headed 'Name, Country'.

    A new testimony gets a file of its own, without consent; an existing one gets only the
    updates it lacks, in date order. Importing the same source again changes nothing.
    """
    from editions.edit.importer import import_sources
    from editions.edit.new import _date
    from editions.edit.publish import today as parse_today

    when = str(_date(received, "--received")) if received else str(parse_today(today))
    plan, readings = import_sources(state.root, list(sources), received=when, condition=condition,
                                    intro=intro, dry_run=dry_run)
    _report_import(state.root, plan, readings, dry_run, state.quiet, intro)


def _report_import(root: Path, plan: Any, readings: list[Any], dry_run: bool, quiet: bool,
                   intro: int | None) -> None:
    """What the import left out, each file it wrote (or would write), then the totals."""
    _warn_of_import(plan, readings, intro)
    files = sorted(plan.files.values(), key=lambda f: str(f.path))
    for planned in files:
        _report_file(root, planned, dry_run, quiet)
    if not quiet:
        click.echo(_import_summary(plan, readings, files, dry_run))


def _warn_of_import(plan: Any, readings: list[Any], intro: int | None) -> None:
    """A warning for each text, picture or introduction left out, and each note of the plan."""
    for reading in readings:
        if reading.intro and intro is None:
            paragraphs = len(reading.intro_blocks)
            log.warning("%s: %s before the first testimony (an introduction?) was not "
                        "imported; --intro N puts it into draft edition N's introduction",
                        reading.source, _plural(paragraphs, "paragraph"))
        if reading.left_out:
            log.warning("%s: %s in no testimony left out, from '%s'", reading.source,
                        _plural(len(reading.left_out), "paragraph"), reading.left_out[0])
        if reading.images:
            log.warning("%s: %s left out: put a picture in images/ and link it by hand",
                        reading.source, _plural(reading.images, "picture"))
    for note in plan.notes:
        log.warning("%s", note)
    for problem in plan.warnings:
        log.warning("%s", problem, extra={"located": True})


def _report_file(root: Path, planned: Any, dry_run: bool, quiet: bool) -> None:
    """A dry run's diff of one file (even with -q), then what became of the file."""
    import difflib

    name = str(planned.path.relative_to(root))
    if dry_run and planned.changed:
        click.echo("".join(difflib.unified_diff(
            (planned.before or "").splitlines(keepends=True),
            planned.after.splitlines(keepends=True),
            "/dev/null" if planned.before is None else f"a/{name}", f"b/{name}")), nl=False)
    if quiet:
        return
    verb = ("would create", "would extend", "unchanged") if dry_run else (
        "created", "extended", "unchanged")
    if planned.before is None:
        click.echo(f"{verb[0]} {name} ({_plural(planned.updates, 'update')})")
    elif planned.changed:
        added = f"{_plural(planned.updates, 'update')} added" if planned.updates else (
            "introduction put in")
        click.echo(f"{verb[1]} {name} ({added})")
    else:
        click.echo(f"{verb[2]} {name}")


def _import_summary(plan: Any, readings: list[Any], files: list[Any], dry_run: bool) -> str:
    """'imported 3 testimonies from 2 files: 1 created (...), 2 extended (...)'."""
    new = [f for f in files if f.before is None]
    extended = [f for f in files if f.before is not None and f.changed]
    count = plan.testimonies
    return (f"{'would import' if dry_run else 'imported'} {count} "
            f"testimon{'y' if count == 1 else 'ies'} from "
            f"{_plural(len(readings), 'file')}: {len(new)} created "
            f"({_plural(sum(f.updates for f in new), 'update')}), {len(extended)} "
            f"extended ({_plural(sum(f.updates for f in extended), 'update')} added)"
            + ("; nothing was written" if dry_run else ""))


@main.command("publish")
@_NUMBERS
@click.option("--reissue", is_flag=True,
              help="Accept a change to editions already published, recorded with --note; "
                   "without NUMBERS, every published edition the change alters.")
@click.option("--note", help="What changed, as readers see it: 'Revised on DATE: NOTE'.")
@click.option("--out-of-order", is_flag=True,
              help="Publish although an earlier edition is still a draft, or a later one is "
                   "published.")
@_TODAY
@common_options
def publish_command(state: _State, numbers: tuple[int, ...], reissue: bool, note: str | None,
                    out_of_order: bool, today: str | None) -> None:
    """Mark editions NUMBERS published and freeze what they print (their fingerprints).

    Editions are published in number order: an edition waits while an earlier one is a
    draft. `--reissue --note "..."` records one note on each edition named, or, with no
    NUMBERS, on every published edition the working tree alters (as `editions diff` lists
    them).
    """
    from editions.edit.publish import publish_editions, reissue_summary
    from editions.edit.publish import today as parse_today

    reports = publish_editions(state.root, numbers, reissue=reissue, note=note,
                               on=parse_today(today), out_of_order=out_of_order)
    if not state.quiet:
        for report in reports:
            click.echo(report.summary())
        if reissue and note:
            click.echo(reissue_summary(reports, note))


@main.command("diff")
@click.argument("rev", required=False)
@_format_option("github: for a job summary, with any HTML in the texts shown as text.")
@common_options
def diff_command(state: _State, rev: str | None, output: str) -> None:
    """Say what the working tree changes in each edition, compared with REV.

    REV defaults to the merge base with main, else HEAD. Published editions whose content
    would change come first. Needs a git checkout; builds nothing.
    """
    from editions.review.diff import diff_report, diff_summary
    from editions.review.github import job_summary

    text, changes = diff_report(state.root, rev)
    click.echo(job_summary(text) if output == "github" else text, nl=False)
    click.echo(diff_summary(changes), err=True)


@main.command()
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port on 127.0.0.1 to serve on.")
@_OUT
@click.option("--no-pdf", is_flag=True,
              help="Never lay out the PDFs, only the pages (fastest proofing).")
@common_options
def serve(state: _State, port: int, out: Path | None, no_pdf: bool) -> None:
    """Preview the site while writing: build, serve it on localhost, rebuild on save.

    Every page reloads itself after a rebuild; a failed build shows its problems in the
    browser. A save rebuilds the pages at once and the PDFs right after.
    """
    from editions.make.serve import Outcome, Preview, serve_forever


    def report(outcome: Outcome) -> None:
        if outcome.error is not None:
            click.echo(str(outcome.error) if isinstance(outcome.error, ContentError)
                       else f"error: {outcome.error}", err=True)
        elif outcome.report is not None and not state.quiet:
            what = "pages" if outcome.html_only else "pages and PDFs"
            click.echo(f"rebuilt the {what} ({outcome.report.seconds:.1f} s)")

    preview = Preview(state.root, out, port, pdfs=not no_pdf, on_build=report)
    if not state.quiet:
        click.echo(f"serving {preview.url} (Ctrl+C to stop); watching testimonies/, editions/, "
                   "templates/, images/, references.yaml and publication.yaml")
    try:
        serve_forever(preview)
    except KeyboardInterrupt:
        if not state.quiet:
            click.echo("stopped")


if __name__ == "__main__":
    main()
