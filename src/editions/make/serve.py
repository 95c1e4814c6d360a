"""Serve: a live preview for the editor: build, serve on localhost, rebuild on save, reload."""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from editions.errors import ContentError, EditionsError
from editions.load.archive import REFERENCES_FILE, SETTINGS_FILE
from editions.make.build import BuildReport, Progress, build, preview_folder
from editions.model import IMAGES_DIR

log = logging.getLogger(__name__)

# Every file a build reads: the pictures too, so a replaced one is shown at once.
WATCHED = ("testimonies", "editions", "templates", IMAGES_DIR, REFERENCES_FILE, SETTINGS_FILE)
VERSION_PATH = "/__editions/version"
LONG_POLL_SECONDS = 20.0
# A connection that sends nothing for this long is closed; at most MAX_CONNECTIONS are served
# at once (each has a thread), the others are closed at once.
IDLE_SECONDS = 30.0
MAX_CONNECTIONS = 32
# The names a browser on this machine uses for the preview: any other Host is a page on
# some other site reaching the preview through DNS rebinding.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")

# An edition estimated longer than this is shown as HTML at once when the preview starts, its
# PDF laid out after, while the pages are served (a 480-page one takes over a minute).
BIG_EDITION_PAGES = 200
# What a page says while its PDFs are being laid out; the page reloads when they are ready.
PDF_NOTE = """<p class="editions-serve-note" role="status" style="position: fixed; bottom: 0;
right: 0; margin: 0; padding: .4rem .8rem; background: #1f2328; color: #fffdf9;
font: .9rem system-ui, sans-serif">PDF being made… this page reloads when it is ready.</p>
"""

# Only pages served by the preview carry this; the built files never do.
RELOAD_SCRIPT = """<script>
/* editions serve: reload this page when the site has been rebuilt */
(function () {
  var seen = "%s";
  function poll() {
    fetch("%s?after=" + seen, {cache: "no-store"}).then(function (r) { return r.text(); })
      .then(function (now) { if (now !== seen) { location.reload(); } else { poll(); } },
            function () { setTimeout(poll, 2000); });
  }
  poll();
})();
</script>
"""


@dataclass(frozen=True)
class Outcome:
    """What one build in the preview did: its report, or the error that stopped it."""

    version: int
    html_only: bool
    report: BuildReport | None = None
    error: EditionsError | None = None


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """The modification time and size of every file the build reads."""
    found: dict[str, tuple[int, int]] = {}
    for name in WATCHED:
        path = root / name
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        for candidate in candidates:
            try:
                stat = candidate.stat()
            except OSError:
                continue
            if candidate.is_file():
                found[str(candidate)] = (stat.st_mtime_ns, stat.st_size)
    return found


def error_page(error: EditionsError, version: int) -> bytes:
    """The page every HTML address shows while the build fails: the problems, where they are."""
    if isinstance(error, ContentError):
        items = "\n".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in error.problems)
        count = len(error.problems)
        what = f"{count} problem{'s' if count != 1 else ''}"
    else:
        items = f"<li><code>error: {html.escape(str(error))}</code></li>"
        what = "1 problem"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed · editions serve</title>
<style>
body {{ font: 1.05rem/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 50rem;
  padding: 0 1rem; color: #1f2328; background: #fffdf9; }}
h1 {{ color: #9a3d12; }}
li {{ margin: .4rem 0; }}
code {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
</style>
</head>
<body>
<main>
<h1>The build failed: {what}</h1>
<ul class="problems">
{items}
</ul>
<p>Fix the file and save it: this page reloads by itself. The site as last built is unchanged.</p>
</main>
{RELOAD_SCRIPT % (version, VERSION_PATH)}</body>
</html>
"""
    return page.encode()


class Preview:
    """Builds the site, serves it on 127.0.0.1 and rebuilds it when a source file changes.

    A save rebuilds the HTML at once (the editor is proofing text), then, unless `pdfs`
    is off, the PDFs once nothing has changed for one more poll. A failed build leaves the
    last good site in place and every page shows the problems until the next good build.
    """

    def __init__(self, root: Path, out: Path | None = None, port: int = 8000, *,
                 pdfs: bool = True, poll_seconds: float = 0.5,
                 on_build: Callable[[Outcome], None] | None = None,
                 big_edition_pages: int = BIG_EDITION_PAGES) -> None:
        self.root = root
        self.big_edition_pages = big_edition_pages
        # The pages were rebuilt and their PDFs are still to come: the pages say so.
        self.pdfs_behind = False
        self.out = out if out is not None else root / "site"
        self.pdfs = pdfs
        self.poll_seconds = poll_seconds
        self.on_build = on_build
        self.version = 0
        self.error: EditionsError | None = None
        self._changed = threading.Condition()
        self._stop = threading.Event()
        try:
            self.server = _Server(("127.0.0.1", port), partial(_Handler, self))
        except OSError as err:
            raise EditionsError(f"cannot serve on 127.0.0.1:{port}: {err.strerror}; "
                                "give another --port") from None
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def rebuild(self, html_only: bool, progress: Progress | None = None) -> Outcome:
        """Build once; the outcome is kept for the pages and told to `on_build`."""
        report = error = None
        try:
            report = build(self.root, self.out, html_only=html_only, progress=progress)
        except EditionsError as err:
            error = err
        except Exception as err:
            # a preview outlives a bug in one build: the page says what happened
            log.debug("the build failed", exc_info=True)
            error = EditionsError(f"the build failed unexpectedly: {type(err).__name__}: {err}")
        with self._changed:
            self.version += 1
            self.error = error
            # pages rebuilt without their PDFs say so until the PDFs are laid out
            self.pdfs_behind = html_only and self.pdfs and error is None
            outcome = Outcome(self.version, html_only, report, error)
            self._changed.notify_all()
        if self.on_build is not None:
            self.on_build(outcome)
        return outcome

    def wait_for_version(self, after: int, timeout: float) -> int:
        """The version once it is past `after`, or the current one when `timeout` runs out."""
        with self._changed:
            self._changed.wait_for(lambda: self.version > after or self._stop.is_set(),
                                   timeout)
            return self.version

    def start(self) -> None:
        """Build, then serve and watch in background threads; returns at once."""
        seen = snapshot(self.root)
        big = self._big_editions() if self.pdfs else []
        if big:
            log.info("edition%s %s: about %s pages; the pages are served now, the PDFs when "
                     "they are laid out", "s" if len(big) > 1 else "",
                     ", ".join(str(number) for number, _ in big),
                     " and ".join(str(pages) for _, pages in big))
        self.rebuild(html_only=not self.pdfs or bool(big))
        for target in (self.server.serve_forever, partial(self._watch, seen)):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=60)

    def _big_editions(self) -> list[tuple[int, int]]:
        """Each edition estimated longer than `big_edition_pages`, with its estimate."""
        from editions.load.archive import load_archive
        from editions.make.assemble import assemble, estimated_pages

        try:
            views = assemble(load_archive(self.root))
        except EditionsError:
            return []  # the build says what is wrong
        return [(view.number, pages) for view in views
                if (pages := estimated_pages(view)) > self.big_edition_pages]

    def _watch(self, seen: dict[str, tuple[int, int]]) -> None:
        while not self._stop.wait(self.poll_seconds):
            now = snapshot(self.root)
            if now != seen:
                seen = self._settled(now)
                if self._stop.is_set():
                    return
                log.info("a source file changed: rebuilding the pages")
                self.rebuild(html_only=True)
            elif self.pdfs_behind:
                log.info("laying out the PDFs")
                self._lay_out_pdfs()

    def _settled(self, now: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        """The files once they have stayed as they are for one poll: a file seen while it is
        being saved (emptied, then written) is built whole, not half-written."""
        while not self._stop.wait(self.poll_seconds):
            later = snapshot(self.root)
            if later == now:
                break
            now = later
        return now

    def _lay_out_pdfs(self) -> None:
        """The build with its PDFs, a progress line as each edition's PDF is done."""
        started = time.perf_counter()

        def progress(done: int, total: int, label: str) -> None:
            if done:
                log.info("PDFs: %d of %d laid out (%s), %.0f s", done, total, label,
                         time.perf_counter() - started)

        self.rebuild(html_only=False, progress=progress)


class _Server(ThreadingHTTPServer):
    """At most MAX_CONNECTIONS threads; a failed connection is one log line, not a traceback."""

    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning("serve: %d connections already open; closed one from %s",
                        MAX_CONNECTIONS, client_address[0])
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            log.debug("serve: %s: %s", client_address[0], error)  # the browser went away
            return
        log.warning("serve: a request from %s failed: %s: %s", client_address[0],
                    type(error).__name__, error)


class _Handler(SimpleHTTPRequestHandler):
    """Serves the site folder; pages get the reload script, or the problems of a failed build."""

    timeout = IDLE_SECONDS

    def __init__(self, preview: Preview, *args: Any, **kwargs: Any) -> None:
        self.preview = preview
        super().__init__(*args, directory=str(preview.out), **kwargs)

    def translate_path(self, path: str) -> str:
        """A file of the site, else of the drafts' preview beside it: the editor sees both."""
        local = super().translate_path(path)
        if Path(local).exists():
            return local
        relative = Path(local).relative_to(self.directory)
        drafts = preview_folder(self.preview.out) / relative
        return str(drafts) if drafts.exists() else local

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("serve: " + format, *args)

    def _refuse(self, status: HTTPStatus, why: str) -> None:
        log.warning("serve: refused %s from %s: %s", ascii(self.path)[1:-1][:200],
                    self.client_address[0], why)
        self.send_error(status, why)

    def _host_allowed(self) -> bool:
        port = self.server.server_address[1]  # type: ignore[index]
        host = self.headers.get("Host", "")
        return host in {f"{name}:{port}" for name in LOCAL_HOSTS}

    def _answers_host(self) -> bool:
        """Whether the request names the preview's own host; a refusal is sent when not."""
        if self._host_allowed():
            return True
        self._refuse(HTTPStatus.MISDIRECTED_REQUEST, "the preview answers only localhost")
        return False

    def do_HEAD(self) -> None:
        if not self._answers_host():
            return
        super().do_HEAD()

    def do_GET(self) -> None:
        # The Host check comes before the address is even parsed: a page of some other site
        # learns nothing from the preview.
        if not self._answers_host():
            return
        parts = urlsplit(self.path)
        if "%00" in parts.path or "\0" in parts.path or not self.path.isascii():
            self._refuse(HTTPStatus.BAD_REQUEST, "not an address of the site")
            return
        if parts.path == VERSION_PATH:
            self._send_version(parts.query)
            return
        local = self._page_file(parts.path)
        if local is None:
            super().do_GET()  # not a page: served as it is, or the usual redirect
            return
        self._send_page(local)

    def _send_version(self, query: str) -> None:
        """The site's version: at once, or, with `after`, once the site is past that version."""
        after = parse_qs(query).get("after", [""])[0]
        version = self.preview.version
        if after and not (after.isascii() and after.isdigit() and len(after) <= 18):
            self._refuse(HTTPStatus.BAD_REQUEST, "'after' must be a version number")
            return
        if after:
            version = self.preview.wait_for_version(int(after), LONG_POLL_SECONDS)
        self._send(HTTPStatus.OK, "text/plain; charset=utf-8", str(version).encode())

    def _page_file(self, path: str) -> Path | None:
        """The HTML file a page's address names; None for what is served as it is."""
        local = Path(self.translate_path(path))
        if local.is_dir():
            if not path.endswith("/"):
                return None  # the usual redirect to the folder's address
            local = local / "index.html"
        if local.suffix != ".html" and not path.endswith("/"):
            return None
        return local

    def _send_page(self, local: Path) -> None:
        """A page with the reload script, or the problems of a failed build in its place."""
        version, error = self.preview.version, self.preview.error
        if error is not None:
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/html; charset=utf-8",
                       error_page(error, version))
            return
        try:
            page = local.read_bytes()
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "No such page in the site")
            return
        self._send(HTTPStatus.OK, "text/html; charset=utf-8", self._with_script(page, version))

    def _with_script(self, page: bytes, version: int) -> bytes:
        """The page with the reload script (and the note of PDFs to come) before </body>."""
        script = ((PDF_NOTE if self.preview.pdfs_behind else "")
                  + RELOAD_SCRIPT % (version, VERSION_PATH)).encode()
        head, marker, tail = page.rpartition(b"</body>")
        return head + script + marker + tail if marker else page + script

    def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def serve_forever(preview: Preview) -> None:
    """Run the preview until interrupted (Ctrl+C)."""
    preview.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        preview.stop()
