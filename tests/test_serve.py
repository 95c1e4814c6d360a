"""`editions serve`: a live preview that rebuilds on save, reloads pages and shows problems."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from editions.make.serve import VERSION_PATH, Preview

from .support import tiny_png

TIMEOUT = 120  # a ceiling for a slow machine, never a pause: waits end when the build does


def fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read().decode()


@pytest.fixture
def preview(project: Path) -> Iterator[Preview]:
    server = Preview(project, port=0, pdfs=False, poll_seconds=0.05)
    server.start()
    yield server
    server.stop()


def save(preview: Preview, path: Path, text: str) -> None:
    """Write a file as an editor saves it and wait until the preview has rebuilt."""
    before = preview.version
    path.write_text(text, encoding="utf-8")
    assert preview.wait_for_version(before, TIMEOUT) > before


def test_serve_builds_serves_and_rebuilds_on_save(preview: Preview, project: Path) -> None:
    assert preview.url.startswith("http://127.0.0.1:")
    status, kind, page = fetch(preview.url + "testimonies/maurey-usa.html")
    assert status == 200
    assert kind == "text/html; charset=utf-8"
    assert "Maurey, USA" in page
    assert VERSION_PATH in page  # the reload script, only in what is served
    built = (project / "site" / "testimonies" / "maurey-usa.html").read_text(encoding="utf-8")
    # the built page's one script is the search's; the reload script is only in what is served
    assert built.count("<script") == 1
    assert '<script type="module" src="../assets/search.js"></script>' in built
    assert "/__editions/" not in built
    status, kind, _ = fetch(preview.url + "assets/style.css")
    assert (status, kind) == (200, "text/css")

    path = project / "editions" / "005.yaml"
    save(preview, path, path.read_text(encoding="utf-8").replace(
        "Our fifth edition is a little shorter", "Our fifth edition, proofed live, is shorter"))
    _, _, page = fetch(preview.url + "editions/005/")
    assert "Our fifth edition, proofed live, is shorter" in page


def test_serve_shows_problems_in_the_browser_until_fixed(preview: Preview,
                                                         project: Path) -> None:
    path = project / "editions" / "002.yaml"
    good = path.read_text(encoding="utf-8")
    save(preview, path, good.replace("date: 2009-06-01", "date: 2009-13-01"))
    status, _, page = fetch(preview.url + "editions/002/index.html")
    assert status == 500
    assert ("editions/002.yaml:2:7: error: &#x27;date&#x27;: &#x27;2009-13-01&#x27; is not a "
            "calendar date (month must be in 1..12)") in page
    assert VERSION_PATH in page  # it reloads by itself once fixed
    status, _, _ = fetch(preview.url + "assets/style.css")
    assert status == 200  # the last good site is still there
    assert (project / "site" / "editions" / "002" / "index.html").is_file()

    save(preview, path, good)
    status, _, page = fetch(preview.url + "editions/002/index.html")
    assert status == 200
    assert "Edition 2" in page


def test_a_file_still_being_saved_is_built_once_it_is_whole(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor's save empties the file, then writes it: the watcher that looks in between
    waits until the files stay as they are for one poll, and builds them whole."""
    from editions.make import serve

    before, emptied, whole = ({"editions/002.yaml": (time_ns, size)}
                              for time_ns, size in ((1, 900), (2, 0), (3, 900)))
    looks = iter([emptied, whole])
    now: dict[str, object] = {}

    def scripted(root: Path) -> dict[str, tuple[int, int]]:
        now["files"] = next(looks, whole)
        return now["files"]  # type: ignore[return-value]

    monkeypatch.setattr(serve, "snapshot", scripted)
    preview = Preview(project, port=0, pdfs=False, poll_seconds=0.001)
    built = []

    def rebuild(html_only: bool) -> None:
        built.append(now["files"])
        preview._stop.set()

    monkeypatch.setattr(preview, "rebuild", rebuild)
    try:
        preview._watch(before)
    finally:
        preview.server.server_close()
    assert built == [whole]


def test_a_page_asks_for_the_version_and_learns_of_a_rebuild(preview: Preview,
                                                             project: Path) -> None:
    version = preview.version
    _, _, answer = fetch(f"{preview.url}{VERSION_PATH.lstrip('/')}?after={version - 1}")
    assert answer == str(version)  # a page that missed a build hears of it at once
    path = project / "editions/005.yaml"  # the draft: published editions are frozen
    save(preview, path, path.read_text(encoding="utf-8").replace(
        "There is a wedding", "There is one wedding"))
    _, _, answer = fetch(f"{preview.url}{VERSION_PATH.lstrip('/')}?after={version}")
    assert int(answer) > version
    _, _, page = fetch(f"{preview.url}editions/005/")
    assert "There is one wedding" in page


def test_serve_refuses_a_port_in_use(preview: Preview, project: Path) -> None:
    from editions.errors import EditionsError

    port = int(preview.url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(EditionsError, match=f"cannot serve on 127.0.0.1:{port}: "):
        Preview(project, port=port)


def test_the_serve_command_as_the_editor_runs_it(project: Path) -> None:
    import signal
    import subprocess
    import sys

    script = Path(sys.executable).with_name("editions")
    process = subprocess.Popen([str(script), "serve", "--port", "0", "--no-pdf"], cwd=project,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("serving http://127.0.0.1:")
        url = first.split()[1]
        assert process.stdout.readline().startswith("rebuilt the pages (")
        status, _, page = fetch(url)
        assert status == 200
        assert "News archive" in page
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert out.endswith("stopped\n")
    assert "Traceback" not in err


def test_serve_shows_a_yaml_error_where_it_was_made(preview: Preview, project: Path) -> None:
    path = project / "editions" / "005.yaml"
    good = path.read_text(encoding="utf-8")
    save(preview, path, good.replace("number: 5\n", "number: [5\n", 1))
    status, _, page = fetch(preview.url + "editions/005/")
    assert status == 500
    assert ("<li><code>editions/005.yaml:1:9: error: YAML syntax: the &#x27;[&#x27; opened here "
            "is never closed (did not find expected &#x27;,&#x27; or &#x27;]&#x27;, line 2)"
            "</code></li>") in page
    save(preview, path, good.replace("number: 5\n", "number 5\n", 1))
    _, _, page = fetch(preview.url + "editions/005/")
    assert ("editions/005.yaml:1:1: error: YAML syntax: &#x27;number 5&#x27; has no &#x27;:"
            "&#x27; after it, so it runs on into line 2, where a &#x27;:&#x27; is not allowed"
            ) in page


def test_serve_rebuilds_when_a_picture_is_replaced(preview: Preview, project: Path) -> None:
    picture = project / "images" / "walk.png"
    picture.parent.mkdir()
    picture.write_bytes(tiny_png(4, 3))
    path = project / "editions" / "005.yaml"
    save(preview, path, path.read_text(encoding="utf-8").replace(
        "There is a wedding", "![The Gap of Dunloe](images/walk.png)\n\n  There is a wedding"))
    # only the draft shows it: the preview has it, served as if in the site
    assert (project / "site-preview/images/walk.png").read_bytes() == tiny_png(4, 3)
    with urllib.request.urlopen(preview.url + "images/walk.png", timeout=TIMEOUT) as response:
        assert response.read() == tiny_png(4, 3)
    before = preview.version
    picture.write_bytes(tiny_png(8, 6))
    assert preview.wait_for_version(before, TIMEOUT) > before
    assert preview.error is None
    assert (project / "site-preview/images/walk.png").read_bytes() == tiny_png(8, 6)


def test_serve_rebuilds_when_a_template_or_a_setting_changes(preview: Preview,
                                                            project: Path) -> None:
    template = project / "templates" / "edition.html"
    save(preview, template, template.read_text(encoding="utf-8").replace(
        '{{ _("Back to top") }}', "Up to the top"))
    _, _, page = fetch(preview.url + "editions/005/")
    assert "Up to the top" in page
    assert "Back to top" not in page
    settings = project / "publication.yaml"
    save(preview, settings, settings.read_text(encoding="utf-8").replace(
        "https://example.org/news/", "https://letters.example.net/"))
    _, _, feed = fetch(preview.url + "feed.xml")
    assert "https://letters.example.net/editions/004/" in feed


def test_serve_rebuilds_when_the_references_change(preview: Preview, project: Path) -> None:
    path = project / "editions" / "005.yaml"
    save(preview, path, path.read_text(encoding="utf-8").replace(
        "There is a wedding", "A new study [@walker2012]. There is a wedding"))
    status, _, page = fetch(preview.url + "editions/005/")
    assert status == 500
    assert "citation &#x27;@walker2012&#x27; is not in references.yaml" in page
    references = project / "references.yaml"
    save(preview, references, references.read_text(encoding="utf-8").replace(
        "references:\n", "references:\n  - id: walker2012\n    type: article-journal\n"
        "    title: A walk through the Gap of Dunloe\n    issued:\n      date-parts:\n"
        "        - [2012]\n", 1))
    status, _, page = fetch(preview.url + "editions/005/")
    assert status == 200
    assert "A walk through the Gap of Dunloe" in page


def _raw(preview: Preview, request: bytes) -> bytes:
    import socket
    port = preview.server.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_serve_answers_only_localhost_and_refuses_bad_requests_in_one_line(
        preview: Preview, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str],
        ) -> None:
    import logging
    import socket
    port = preview.server.server_address[1]
    here = f"Host: 127.0.0.1:{port}\r\n".encode()
    assert _raw(preview, b"GET / HTTP/1.1\r\n" + here + b"Connection: close\r\n\r\n"
                ).startswith(b"HTTP/1.0 200")
    for host in (b"localhost", b"[::1]"):
        assert _raw(preview, b"GET / HTTP/1.1\r\nHost: " + host + f":{port}".encode()
                    + b"\r\nConnection: close\r\n\r\n").startswith(b"HTTP/1.0 200")
    caplog.set_level(logging.WARNING, logger="editions.make.serve")
    refused = [
        (b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", b"421"),  # DNS rebinding
        (b"GET / HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n", b"421"),
        (b"GET / HTTP/1.1\r\n\r\n", b"421"),
        (b"GET /%00 HTTP/1.1\r\n" + here + b"\r\n", b"400"),
        ("GET /__editions/version?after=²".encode() + b" HTTP/1.1\r\n" + here + b"\r\n",
         b"400"),
        (b"GET /__editions/version?after=" + b"9" * 5000 + b" HTTP/1.1\r\n" + here + b"\r\n",
         b"400"),
    ]
    for request, status in refused:
        answer = _raw(preview, request)
        assert answer.split(b" ")[1] == status, (request[:60], answer[:100])
    assert len([r for r in caplog.records if "refused" in r.getMessage()]) == len(refused)
    for _ in range(3):  # a browser that goes away mid-answer
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.sendall(b"GET /testimonies/maurey-usa.html HTTP/1.1\r\n" + here + b"\r\n")
    time.sleep(0.5)
    assert "Traceback" not in capfd.readouterr().err


def test_serve_bounds_its_threads(preview: Preview) -> None:
    """Stalled connections hold at most 32 threads (serve.MAX_CONNECTIONS); more are closed."""
    import socket
    import threading
    port = preview.server.server_address[1]
    before = threading.active_count()
    stalled = []
    for _ in range(60):
        connection = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        connection.sendall(b"GET / HTTP/1.1\r\n")  # and never the rest
        stalled.append(connection)
        time.sleep(0.01)
    time.sleep(0.5)
    grown = threading.active_count() - before
    for connection in stalled:
        connection.close()
    assert grown <= 32


def test_serve_closes_idle_connections(preview: Preview,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from editions.make import serve
    assert serve._Handler.timeout == 30  # as the editor runs it (None before: never closed)
    monkeypatch.setattr(serve._Handler, "timeout", 1.0)
    port = preview.server.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\n")
        started = time.monotonic()
        assert connection.recv(1024) == b""
        assert time.monotonic() - started < 5


@pytest.mark.slow
def test_a_big_edition_is_served_at_once_and_its_pdf_when_ready(
        project: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from editions.make.serve import PDF_NOTE

    caplog.set_level(logging.INFO, logger="editions.make.serve")
    # Edition 4 of the sample is estimated at 7 pages: "big" past 6 (200 when serving for real).
    preview = Preview(project, port=0, poll_seconds=0.05, big_edition_pages=6)
    preview.start()
    try:
        started = preview.version
        status, _, page = fetch(preview.url + "editions/004/")
        assert status == 200
        assert "PDF being made…" in page
        assert not list((project / "site").rglob("*.pdf"))  # the HTML came first
        assert PDF_NOTE in page
        assert preview.wait_for_version(started, 300) > started  # the PDFs laid out
        _, _, page = fetch(preview.url + "editions/004/")
        assert "PDF being made…" not in page
        assert len(list((project / "site").rglob("*[0-9].pdf"))) == 4
        assert len(list((project / "site-preview").rglob("*[0-9].pdf"))) == 1  # the draft's
    finally:
        preview.stop()
    said = [record.getMessage() for record in caplog.records]
    assert ("edition 4: about 7 pages; the pages are served now, the PDFs when they are "
            "laid out") in said
    assert [line for line in said if line.startswith("PDFs: ")][-1].startswith(
        "PDFs: 5 of 5 laid out (edition ")
