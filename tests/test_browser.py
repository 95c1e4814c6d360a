"""The built archive in a real browser: Playwright drives Debian's chromium over the site served
on 127.0.0.1, as a reader on a phone or a desktop meets it. Screenshots go to test-artifacts/.

.ci/run installs chromium when it is missing; without it these tests skip and say why.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .support import SAMPLE_PAGES, drafts_of, site_files

# Chromium's tests: left out of the default run, in the full one (`pytest --full`, .ci/run).
pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_path() -> str | None:
    return os.environ.get("EDITIONS_CHROMIUM") or shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed: `.ci/run` installs it "
                    "(apt-get install chromium), or set EDITIONS_CHROMIUM to a Chromium binary")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def served(built: Path) -> Iterator[str]:
    """The built site on 127.0.0.1 at a free port, as a web server would serve it."""
    yield from _serve(built)


@pytest.fixture(scope="session")
def served_drafts(built: Path) -> Iterator[str]:
    """The drafts' preview beside the site, served on its own."""
    yield from _serve(drafts_of(built))


def _serve(folder: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE)
    opened = context.new_page()
    yield opened
    context.close()


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_newest_edition_from_the_archive(page: Any, served: str) -> None:
    page.goto(served)
    shoot(page, "archive-phone")
    page.get_by_role("link", name="Edition 4", exact=True).first.click()
    page.wait_for_load_state()
    assert page.url == served + "editions/004/index.html"
    assert page.locator("h1").inner_text() == "Edition 4"
    shoot(page, "edition-004-phone")
    links = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    checked = 0
    for link in sorted(set(links)):
        if not link.startswith(served):
            continue
        response = page.request.get(link)
        assert response.status == 200, link
        if link.endswith(".pdf"):
            assert response.headers["content-type"] == "application/pdf"
            assert response.body().startswith(b"%PDF-1.7")
            checked += 100
        checked += 1
    assert checked > 110  # the PDF and every page the edition links


def test_the_contents_reach_each_testimony(page: Any, served: str) -> None:
    from playwright.sync_api import expect

    page.goto(served + "editions/004/index.html")
    entries = page.locator("nav.contents a")
    targets = entries.evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert len(targets) == 10  # the introduction, eight testimonies, the references
    for index, target in enumerate(targets):
        entries.nth(index).click()
        assert page.url.endswith(target)
        expect(page.locator(target)).to_be_in_viewport()
        top, at_bottom = page.locator(target).evaluate(
            "el => [el.getBoundingClientRect().top, window.scrollY + window.innerHeight >="
            " document.documentElement.scrollHeight - 1]")
        # at the top of the window, unless the page ends before it can scroll that far
        assert abs(top) < 2 or (top > 0 and at_bottom), f"{target} is at {top}"


def site_pages(built: Path) -> list[str]:
    return [p.relative_to(built).as_posix() for p in site_files(built, "*.html", SAMPLE_PAGES)]


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_nothing_scrolls_sideways(browser: Any, served: str, built: Path,
                                  width: dict[str, int]) -> None:
    context = browser.new_context(viewport=width)
    page = context.new_page()
    wide = []
    for path in site_pages(built):
        page.goto(served + path)
        sizes = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if sizes[0] > sizes[1]:
            wide.append((path, sizes))
    for path, name in (("testimonies/maurey-usa.html", "testimony"),
                       ("testimonies/index.html", "testimonies"), ("index.html", "archive")):
        page.goto(served + path)
        shoot(page, f"{name}-{'phone' if width == PHONE else 'desktop'}")
    context.close()
    assert wide == []


def test_keyboard_focus_is_visible(page: Any, served: str) -> None:
    page.goto(served + "testimonies/maurey-usa.html")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    box = page.evaluate("(() => { const r = document.activeElement.getBoundingClientRect();"
                        " return [r.left, r.top, r.width, r.height]; })()")
    assert box[0] >= 0
    assert box[1] >= 0
    assert box[2] > 0
    for _ in range(3):
        page.keyboard.press("Tab")
        style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                              " return [document.activeElement.tagName, s.outlineStyle,"
                              " s.outlineWidth]; })()")
        assert style == ["A", "solid", "3px"]
    shoot(page, "focus-phone")


CONTRAST = """
() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92
      : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failing = [];
  for (const el of document.querySelectorAll('body *')) {
    const text = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!text.length || style.display === 'none' || style.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    const a = lum(rgb(style.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) failing.push([el.tagName, el.textContent.trim().slice(0, 40),
                                      Math.round(ratio * 100) / 100]);
  }
  return failing;
}
"""


@pytest.mark.parametrize("path", ["index.html", "editions/004/index.html",
                                  "drafts:editions/005/index.html", "testimonies/maurey-usa.html",
                                  "testimonies/index.html"])
def test_every_text_meets_wcag_aa_contrast(browser: Any, served: str, served_drafts: str,
                                           path: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(served_drafts + path.removeprefix("drafts:") if path.startswith("drafts:")
              else served + path)
    # the search box is shown once its script has read the index: its texts are checked too
    if page.locator(".site-search").count():
        page.locator(".site-search input").wait_for(state="visible")
    failing = page.evaluate(CONTRAST)
    context.close()
    assert failing == []


def test_serve_reloads_the_open_page(browser: Any, project: Path) -> None:
    """The editor saves a file; the page open in the browser reloads and shows the change,
    then shows the problem of a broken file, then the page again once it is fixed."""
    from playwright.sync_api import expect

    from editions.make.serve import Preview

    preview = Preview(project, port=0, pdfs=False, poll_seconds=0.05)
    preview.start()
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(preview.url + "editions/005/index.html")
        intro = page.locator("#introduction")
        expect(intro).to_contain_text("Our fifth edition is a little shorter")
        path = project / "editions" / "005.yaml"
        good = path.read_text(encoding="utf-8")
        path.write_text(good.replace("Our fifth edition is a little shorter",
                                     "Our fifth edition, proofed live, is shorter"),
                        encoding="utf-8")
        expect(intro).to_contain_text("Our fifth edition, proofed live", timeout=120_000)
        path.write_text(good.replace("date: 2012-10-01", "date: 2012-10-41"), encoding="utf-8")
        heading = page.locator("h1")
        expect(heading).to_have_text("The build failed: 1 problem", timeout=120_000)
        expect(page.locator(".problems")).to_contain_text("editions/005.yaml:2:7: error:")
        shoot(page, "serve-problem-phone")
        path.write_text(good, encoding="utf-8")
        expect(heading).to_have_text("Edition 5", timeout=120_000)
    finally:
        context.close()
        preview.stop()


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_axe_finds_no_violation_on_any_page(browser: Any, served: str, built: Path,
                                           width: dict[str, int]) -> None:
    """axe-core, the rules screen-reader and audit tools are built on, over every page."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport=width)
    page = context.new_page()
    found = {}
    pages = site_pages(built)
    for path in pages:
        page.goto(served + path)
        result = axe.run(page)
        found[path] = sorted(f"{v['id']} ({v['impact']}): {len(v['nodes'])} on the page, "
                             f"first {v['nodes'][0]['target']}"
                             for v in result.response["violations"])
    context.close()
    assert len(pages) == SAMPLE_PAGES
    assert {path: v for path, v in found.items() if v} == {}
# A sentence of Maurey's update of September 2009, printed in editions 3 and 4 and on his
# page; and a word only the draft, edition 5, prints (Annelies, new in it, lives in Leiden).
PUBLISHED_SENTENCE = "I had one wobble last winter"
DRAFT_WORDS = "Leiden"


def test_the_search_finds_a_published_sentence_and_follows_it_by_keyboard(
        browser: Any, served: str) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(served)
    search = page.get_by_role("search", name="Search the archive")
    words = search.get_by_role("searchbox", name="Words to find")
    expect(words).to_be_visible()  # the script read the index and showed the form
    words.focus()
    page.keyboard.type(PUBLISHED_SENTENCE)
    page.keyboard.press("Enter")
    status = page.get_by_role("status")
    expect(status).to_have_text(re.compile(r"Pages found: \d+"))
    results = page.locator(".search-results a")
    hrefs = results.evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert served + "testimonies/maurey-usa.html" in [h.split("#")[0] for h in hrefs]
    assert {h.split("#")[0] for h in hrefs} >= {served + "editions/003/index.html",
                                                served + "editions/004/index.html"}
    shoot(page, "search-desktop")
    # Tab from the words: the button, the two filters, then the first result
    for _ in range(4):
        page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == hrefs[0]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.split("#")[0] == hrefs[0].split("#")[0]
    assert PUBLISHED_SENTENCE in page.locator("main").inner_text()
    context.close()


def test_the_search_finds_nothing_of_the_draft_and_filters_by_country(
        browser: Any, served: str) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(served + "testimonies/maurey-usa.html")
    words = page.get_by_role("searchbox", name="Words to find")
    words.fill(DRAFT_WORDS)
    words.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Nothing found.")
    assert page.locator(".search-results li").count() == 0
    words.fill("")
    country = page.get_by_role("combobox", name="Country")
    options = country.locator("option").all_inner_texts()
    assert options == ["Any country", "Australia", "Canada", "Denmark", "Germany", "Ireland",
                       "Netherlands", "New Zealand", "UK", "USA"]
    country.select_option("Ireland")
    expect(page.get_by_role("status")).to_have_text(re.compile(r"Pages found: \d+"))
    hrefs = {h.split("#")[0] for h in page.locator(".search-results a").evaluate_all(
        "els => els.map(a => a.href)")}
    assert {served + "testimonies/siobhan-ireland.html",
            served + "testimonies/padraig-ireland.html"} <= hrefs
    assert served + "testimonies/maurey-usa.html" not in hrefs
    shoot(page, "search-phone")
    context.close()
