"""Element ids: no two texts of a page share one, whatever the testimonies' ids are."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from editions.check.rules import reserved_id
from editions.make.build import build

from .conftest import REPO, run, write
from .pages import Page, pdf_text

TESTIMONY = """\
name: {name}
country: Netherlands
condition: Multiple sclerosis
received: 2012-03-18
consent:
  given: 2012-03-21
story: |
  {story}
"""


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def article(html: str, tid: str) -> str:
    match = re.search(f'<article class="testimony[^"]*" id="{tid}"', html)
    assert match, tid
    start = match.start()
    return html[start:html.index("</article>", start)]


@pytest.mark.slow
def test_testimonies_whose_ids_look_like_other_texts_keep_their_own_text(
        project: Path) -> None:
    # `annelies-netherlands-u1` once shared its footnote prefix with Annelies's first update,
    # and `intro` with the editor's introduction: one text was printed in place of the other.
    testimonies = project / "testimonies"
    write(testimonies / "annelies-netherlands-u1.yaml", TESTIMONY.format(
        name="Mo", story="MOS STORY cites [@cree2010].[^1]\n\n  [^1]: MOS NOTE."))
    write(testimonies / "intro.yaml", TESTIMONY.format(
        name="In", story="INS STORY cites [@cree2010].[^1]\n\n  [^1]: INS NOTE."))
    edit(testimonies / "annelies-netherlands.yaml", "      Fifteen months and still no relapses.\n",
         "      ANNELIES UPDATE [@smith2007].[^1]\n\n      [^1]: ANNELIES NOTE.\n\n")
    edition = project / "editions" / "005.yaml"
    edit(edition, "  Draft – the editor's note",
         "  EDITORS INTRO [@cree2010].[^1]\n\n  [^1]: EDITORS NOTE.\n\n  Draft – the editor's note")
    edit(edition, "  - annelies-netherlands\n",
         "  - annelies-netherlands\n  - annelies-netherlands-u1\n  - intro\n")

    build(project, numbers=[5], jobs=1)

    site = project / "site-preview" / "editions" / "005"
    html = (site / "index.html").read_text(encoding="utf-8")
    texts = {"annelies-netherlands": ("ANNELIES UPDATE", "ANNELIES NOTE"),
             "annelies-netherlands-u1": ("MOS STORY", "MOS NOTE"),
             "intro": ("INS STORY", "INS NOTE")}
    for tid, own in texts.items():
        others = [t for other, pair in texts.items() if other != tid for t in pair]
        assert all(text in article(html, tid) for text in own), tid
        assert not any(text in article(html, tid) for text in others), tid
    intro = html[html.index('id="introduction"'):html.index('<article class="testimony"')]
    assert "EDITORS INTRO" in intro
    assert "EDITORS NOTE" in intro
    assert "STORY" not in intro

    page = Page(site / "index.html")
    assert [i for i, n in Counter(page.ids).items() if n > 1] == []
    # each footnote link goes to the note of its own text
    for link in page.links:
        if link.startswith("#"):
            assert link[1:] in page.ids, link
    for note in ("ANNELIES NOTE", "MOS NOTE", "INS NOTE", "EDITORS NOTE"):
        match = re.search(r'<li id="([^"]+)"><p>' + note, html)
        assert match, note
        assert html.count(f'href="#{match.group(1)}"') == 1

    printed = " ".join(pdf_text(next(site.glob("*[0-9].pdf"))))
    order = ["EDITORS INTRO", "EDITORS NOTE", "ANNELIES UPDATE", "ANNELIES NOTE",
             "MOS STORY", "MOS NOTE", "INS STORY", "INS NOTE"]
    places = [printed.find(text) for text in order]
    assert -1 not in places, places
    assert places == sorted(places), places


@pytest.mark.parametrize("tid", ["main", "top", "contents", "references", "refs",
                                 "introduction", "maurey-usa-title", "ref-cree2010",
                                 "withdrawn-2"])
def test_check_refuses_an_id_the_page_uses_for_itself(project: Path, tid: str) -> None:
    write(project / "testimonies" / f"{tid}.yaml",
          TESTIMONY.format(name="Mo", story="A story."))
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"testimonies/{tid}.yaml:1:1: error: '{tid}' cannot be a testimony's id: an edition's "
        "page uses it for an element of its own (reserved: contents, introduction, main, "
        "references, refs, top, ids ending in '-title', and 'ref-…', 'withdrawn-N'); rename "
        "the file")


@pytest.mark.parametrize("tid", ["intro", "annelies-netherlands-u1", "maurey-usa-fn1",
                                 "title", "reference", "withdrawn", "main-street"])
def test_ids_that_only_resemble_the_page_s_are_fine(tid: str) -> None:
    assert not reserved_id(tid)


def test_the_reserved_ids_cover_every_id_of_the_edition_page_s_templates() -> None:
    literal = set()
    for name in ("base.html", "edition.html"):
        text = (REPO / "templates" / name).read_text(encoding="utf-8")
        literal.update(re.findall(r'\bid="([^"{]+)"', text))
    assert "main" in literal
    assert {i for i in literal if not reserved_id(i)} == set()
