"""Incremental and parallel builds: what a rebuild renders again, and what it carries over."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from editions.edit.publish import publish
from editions.make.build import build
from editions.make.incremental import MANIFEST

from .conftest import copy_sample, run
from .pages import Page, pdf_text
from .support import SAMPLE_PAGES, drafts_of, edit, site_files, tiny_png

ALL = [1, 2, 3, 4, 5]
DRAFT = 5  # built into the preview beside the site, never into the site
PDF = "those-who-suffer-much-know-much-{:03d}.pdf"


def home(site: Path, number: int) -> Path:
    """The folder a build writes an edition of the sample into: the draft's is the preview."""
    return (drafts_of(site) if number == DRAFT else site) / "editions" / f"{number:03d}"


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
            if p.is_file()}


def recorded(site: Path) -> dict[str, object]:
    """Each edition's entry in the manifests of the site and of the drafts' preview."""
    return {**json.loads((site / MANIFEST).read_text())["editions"],
            **json.loads((drafts_of(site) / MANIFEST).read_text())["editions"]}


def edition_files(site: Path, number: int) -> dict[str, bytes]:
    folder = home(site, number)
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample publication built once with PDFs, to be copied by each test."""
    root = copy_sample(tmp_path_factory.mktemp("incremental") / "publication")
    report = build(root, jobs=2)
    assert report.editions == ALL
    return root


@pytest.fixture
def again(first_build: Path, tmp_path: Path) -> Path:
    """A copy of the built publication, its site, manifest and Markdown cache included."""
    root = tmp_path / "publication"
    shutil.copytree(first_build, root, symlinks=True)
    return root


def test_the_manifest_names_every_edition_and_its_files(first_build: Path) -> None:
    text = (first_build / "site" / MANIFEST).read_text()
    manifest = json.loads(text)
    assert sorted(manifest["editions"]) == ["001", "002", "003", "004"]
    drafts = json.loads((first_build / "site-preview" / MANIFEST).read_text())
    assert sorted(drafts["editions"]) == ["005"]
    assert sorted(drafts["pages"]) == sorted(p for p in manifest["pages"]
                                             if p.startswith("assets/"))
    entry = manifest["editions"]["003"]
    assert entry["page"] == "editions/003/index.html"
    assert entry["pdf"] == f"editions/003/{PDF.format(3)}"
    assert entry["pdf_size"] == (first_build / "site" / entry["pdf"]).stat().st_size
    assert entry["pdf_pages"] == len(pdf_text(first_build / "site" / entry["pdf"]))
    assert len(entry["key"]) == 64
    assert text == json.dumps(manifest, sort_keys=True, indent=1) + "\n"


def test_a_rebuild_with_nothing_changed_renders_nothing(again: Path) -> None:
    site = again / "site"
    before = files(site)
    inodes = {n: (home(site, n) / PDF.format(n)).stat().st_ino for n in ALL}
    manifest = (site / MANIFEST).stat().st_ino
    report = build(again)
    assert report.editions == []
    assert report.up_to_date == ALL
    assert report.pages == []
    assert not report.written
    assert report.summary() == (f"built 0 editions, 5 up to date; the archive in {site} was "
                                f"up to date, in {report.seconds:.1f} s; drafts in "
                                "site-preview/")
    assert files(site) == before
    assert (site / MANIFEST).stat().st_ino == manifest  # not even the manifest is written
    # carried over as they were: the very same files, linked into the new site
    assert all((home(site, n) / PDF.format(n)).stat().st_ino == inodes[n]
               for n in ALL)


def edit_maureys_second_update(root: Path) -> None:
    """Change a word of Maurey's update of September 2009 and reissue the editions printing it.

    Editions 3 (2010) and 4 (2011) print it; 1 (2008) is older, 2 and 5 leave Maurey out.
    """
    path = root / "testimonies" / "maurey-usa.yaml"
    text = path.read_text()
    assert "I had one wobble last winter" in text
    path.write_text(text.replace("I had one wobble", "I had one small wobble"))
    for number in (3, 4):  # published and frozen: the change is accepted as a reissue
        publish(root, number, reissue=True, note="a word of Maurey's corrected",
                on=dt.date(2014, 1, 1))


@pytest.mark.slow
def test_editing_one_update_renders_only_the_editions_that_print_it(again: Path) -> None:
    site = again / "site"
    before = {n: edition_files(site, n) for n in ALL}
    edit_maureys_second_update(again)
    report = build(again)
    assert report.editions == [3, 4]
    assert report.up_to_date == [1, 2, 5]
    for number in (1, 2, 5):
        assert edition_files(site, number) == before[number]
    for number in (3, 4):
        assert edition_files(site, number) != before[number]
        pdf = " ".join(pdf_text(site / "editions" / f"{number:03d}" / PDF.format(number)))
        assert "I had one small wobble" in pdf
        assert "Revised on 1 January 2014: a word of Maurey's corrected" in pdf


@pytest.mark.slow
def test_a_template_change_renders_every_edition(again: Path) -> None:
    css = again / "templates" / "assets" / "print.css"
    css.write_text(css.read_text() + "\n/* a change to the print style */\n")
    assert build(again).editions == ALL


@pytest.mark.slow
def test_a_settings_change_renders_every_edition(again: Path) -> None:
    settings = again / "publication.yaml"
    settings.write_text(settings.read_text().replace("publisher: The LDN Letters Project",
                                                     "publisher: The LDN Letters Press"))
    # the publisher is on every cover: the published editions are reissued to accept it
    for number in (1, 2, 3, 4):
        publish(again, number, reissue=True, note="the publisher's name changed")
    report = build(again)
    assert report.editions == ALL
    assert "The LDN Letters Press" in Page(again / "site" / "editions" / "001" / "index.html").text


def formats(number: int) -> set[str]:
    """An edition's files in each format the sample builds: PDF, large print, EPUB."""
    name = PDF.format(number).removesuffix(".pdf")
    return {f"editions/{number:03d}/{name}{ending}"
            for ending in (".pdf", "-large-print.pdf", ".epub")}


@pytest.mark.slow
def test_a_build_of_one_edition_carries_the_others(again: Path) -> None:
    site = again / "site"
    before = files(site)
    edit_maureys_second_update(again)
    report = build(again, numbers=[3])
    assert report.editions == [3]
    after = files(site)
    # edition 4 prints the change too, but was not asked for: it stays as built
    changed = {name for name in after if after[name] != before.get(name)}
    # the listings (archive, feed, testimony pages, search index) are always rendered afresh
    listings = {n for n in changed if n in ("index.html", "feed.xml")
                or n.startswith(("testimonies/", "pagefind/"))}
    assert changed - listings == {MANIFEST, "editions/003/index.html", *formats(3)}
    assert build(again).editions == [4]


def test_html_only_keeps_what_is_current_and_drops_stale_pdfs(again: Path) -> None:
    site = again / "site"
    path = again / "testimonies" / "annelies-netherlands.yaml"
    manifest = recorded(site)
    printing = [5]  # Annelies is new in the draft, edition 5
    path.write_text(path.read_text().replace("story: |", "story: |\n  A new first line.", 1))
    report = build(again, html_only=True)
    assert report.editions == printing
    assert report.pdfs == 0
    for number in ALL:
        pdf = home(site, number) / PDF.format(number)
        # an edition whose text changed loses its PDF, which no longer matches it
        assert pdf.is_file() == (number not in printing)
    archive = Page(site / "index.html")
    for number in printing:
        assert f"editions/{number:03d}/{PDF.format(number)}" not in archive.links
    # the next full build lays out only the PDFs that are missing
    report = build(again)
    assert report.editions == printing
    new_manifest = recorded(site)
    for number in ALL:
        key = f"{number:03d}"
        same = new_manifest[key] == manifest[key]
        assert same == (number not in printing)


def test_an_unreadable_manifest_means_everything_is_rendered(again: Path) -> None:
    (again / "site" / MANIFEST).write_text("{not json")
    (again / "site-preview" / MANIFEST).write_text("{not json")
    result = run(again, "build", "--html-only")
    assert result.exit_code == 0
    assert "unreadable" in result.stderr
    assert result.stdout.startswith("built 5 editions and the archive into ")


def test_the_command_says_what_was_up_to_date(again: Path) -> None:
    result = run(again, "build", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("built 0 editions, 5 up to date; ")
    assert " was up to date, in " in result.stdout
    assert result.stderr == ""
    edit_maureys_second_update(again)
    result = run(again, "build", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("built 2 editions (2 PDFs, ")
    assert ", 3 up to date, and the archive into " in result.stdout
    assert result.stderr == ""  # not a terminal: no progress bar
    assert run(again, "build", "--jobs", "0").exit_code == 2


def test_progress_is_reported_edition_by_edition(again: Path) -> None:
    css = again / "templates" / "assets" / "style.css"
    css.write_text(css.read_text() + "\n")
    calls: list[tuple[int, int, str]] = []
    build(again, html_only=True, progress=lambda *call: calls.append(call))
    assert calls[0] == (0, 5, "")
    assert [c[:2] for c in calls[1:]] == [(n, 5) for n in range(1, 6)]
    assert sorted(c[2] for c in calls[1:]) == [f"edition {n}" for n in ALL]


def test_a_rebuild_with_nothing_changed_starts_neither_pandoc_nor_weasyprint(
        again: Path) -> None:
    script = (
        "import subprocess, sys\n"
        "from editions.make.build import build\n"
        "def refuse(*args, **kwargs): raise AssertionError(f'started {args[0]}')\n"
        "subprocess.run = subprocess.Popen = refuse\n"
        f"report = build({str(again)!r})\n"
        "assert report.editions == [], report.editions\n"
        "assert 'weasyprint' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_editing_one_testimony_renders_its_page_and_the_listings_that_show_it(
        again: Path, tmp_path: Path) -> None:
    site = again / "site"
    before = files(site)
    edit_maureys_second_update(again)
    report = build(again)
    assert report.editions == [3, 4]
    # Maurey's own page shows the changed word; the archive and the feed say that editions 3
    # and 4 were revised. Every other page, style sheet and font is carried over as it was.
    assert report.pages == ["feed.xml", "index.html", "testimonies/maurey-usa.html"]
    after = files(site)
    changed = {name for name in after if after[name] != before.get(name)}
    index = {name for name in changed if name.startswith("pagefind/")}
    assert "pagefind/pagefind-entry.json" in index  # the search index of the new pages
    assert changed - index == {MANIFEST, *report.pages, "editions/003/index.html",
                               *formats(3), "editions/004/index.html", *formats(4)}
    assert "I had one small wobble" in Page(site / "testimonies" / "maurey-usa.html").text
    # what was carried over is what a build from nothing makes
    fresh = tmp_path / "fresh"
    build(again, out=fresh, use_cache=False, jobs=2)
    assert files(fresh) == after


def test_a_change_that_changes_no_page_writes_nothing(again: Path) -> None:
    site = again / "site"
    before = files(site)
    path = again / "testimonies" / "maurey-usa.yaml"
    path.write_text(path.read_text() + "# a note for the editor, printed nowhere\n")
    report = build(again)
    assert (report.editions, report.pages, report.written) == ([], [], False)
    assert files(site) == {**before, MANIFEST: (site / MANIFEST).read_bytes()}
    report = build(again)  # the manifest knows these files now
    assert (report.editions, report.pages, report.written) == ([], [], False)


def test_a_site_changed_by_hand_is_built_again(again: Path) -> None:
    site = again / "site"
    before = files(site)
    (site / "testimonies" / "maurey-usa.html").unlink()
    (site / "stray.html").write_text("not made by editions")
    report = build(again)
    assert report.written
    assert report.editions == []
    assert report.pages == ["testimonies/maurey-usa.html"]
    assert files(site) == before


def test_a_pdf_overwritten_by_hand_is_laid_out_again(again: Path) -> None:
    site = again / "site"
    before = files(site)
    pdf = site / "editions/001" / PDF.format(1)
    pdf.unlink()  # the site's files are hard links into older sites: replace, never alter
    pdf.write_bytes(b"%PDF-1.7")
    result = run(again, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("built 1 edition (1 PDF, 6 pages), 4 up to date, and ")
    assert result.stderr == (f"warning: {pdf}: not as the last build wrote it (8 bytes, not "
                             f"{len(before['editions/001/' + PDF.format(1)])}); edition 1 is "
                             "rendered again\n")
    assert files(site) == before  # the archive names the PDF's real size again


@pytest.mark.parametrize("page", ["../publication.yaml", "editions/002/index.html"])
def test_a_manifest_naming_other_files_is_not_trusted(again: Path, page: str) -> None:
    site = again / "site"
    before = files(site)
    manifest = json.loads((site / MANIFEST).read_text())
    manifest["editions"]["001"]["page"] = page
    (site / MANIFEST).write_text(json.dumps(manifest))
    result = run(again, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("built 1 edition (1 PDF, 6 pages), 4 up to date, and ")
    assert result.stderr == (f"warning: {site / MANIFEST}: edition 1's files are not where a "
                             "build writes them; it is rendered again\n")
    assert files(site) == before
    assert (again / "publication.yaml").is_file()


def test_a_changed_picture_renders_the_pages_again(again: Path) -> None:
    png = tiny_png()  # a real PNG: check reads its size from its header
    (again / "images").mkdir()
    (again / "images" / "dog.png").write_bytes(png)
    draft = again / "editions" / "005.yaml"
    draft.write_text(draft.read_text().replace(
        "intro: |\n", "intro: |\n  ![Our dog on the beach](images/dog.png)\n\n", 1))
    # the pictures are part of what every page is made from
    assert build(again, html_only=True).editions == ALL
    # only the draft shows it: it is in the preview, not in the site
    assert (again / "site-preview" / "images" / "dog.png").read_bytes() == png
    assert not (again / "site" / "images").exists()
    assert not build(again, html_only=True).written
    (again / "images" / "dog.png").write_bytes(png + b"\1")
    report = build(again, html_only=True)
    assert report.written
    assert report.editions == ALL
    assert (again / "site-preview" / "images" / "dog.png").read_bytes() == png + b"\1"


def test_html_only_links_no_pdf_it_dropped(again: Path) -> None:
    """The testimony pages, like the archive, link only the PDFs the site still has."""
    site = again / "site"
    path = again / "testimonies" / "soren-denmark.yaml"
    path.write_text(path.read_text().replace("Fifteen months now.", "Fifteen months now!"))
    publish(again, 4, reissue=True, note="a word of Søren's corrected", on=dt.date(2014, 1, 1))
    report = build(again, html_only=True)
    assert 4 in report.editions
    assert not (site / "editions" / "004" / PDF.format(4)).exists()
    page = Page(site / "testimonies" / "soren-denmark.html")
    assert "../editions/004/index.html#soren-denmark" in page.links
    assert f"../editions/004/{PDF.format(4)}" not in page.links
    for html in site_files(site, "*.html", SAMPLE_PAGES):
        for link in Page(html).links:
            if not link.startswith(("http://", "https://", "mailto:", "#")):
                target = (html.parent / link.split("#")[0]).resolve()
                assert target.exists(), f"{html.relative_to(site)} links {link}"


def search_index(site: Path) -> dict[str, tuple[int, bytes]]:
    """The search index's files: each one's inode (a file carried over keeps it) and bytes."""
    found = {p.relative_to(site).as_posix(): (p.stat().st_ino, p.read_bytes())
             for p in (site / "pagefind").rglob("*") if p.is_file()}
    assert len(found) > 10, found  # the index, its fragments, Pagefind's script and wasm
    return found


@pytest.mark.slow
def test_the_search_index_is_built_again_only_when_a_page_changed(again: Path) -> None:
    site = again / "site"
    first = search_index(site)
    manifest = json.loads((site / MANIFEST).read_text())
    assert {p for p in manifest["pages"] if p.startswith("pagefind/")} == set(first)
    # a change to the draft changes no page of the site: the index is carried over as it was
    edit(again / "editions" / "005.yaml", "a little more Dutch", "a little more Frisian")
    report = build(again, html_only=True)
    assert report.editions == [DRAFT]
    assert search_index(site) == first
    # a published page changed: the index is Pagefind's of the new pages
    edit_maureys_second_update(again)
    report = build(again, html_only=True)
    assert report.editions == [3, 4]
    after = search_index(site)
    assert not any(after[p][0] == first[p][0] for p in set(after) & set(first))
    assert [p for p in after if p.startswith("pagefind/fragment/")] != [
        p for p in first if p.startswith("pagefind/fragment/")]
