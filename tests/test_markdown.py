"""Contributors' Markdown through the real pandoc: safe HTML, demoted headings, citations."""

from __future__ import annotations

from pathlib import Path

import pytest

from editions.load.archive import load_archive
from editions.make.assemble import assemble, assemble_testimonies
from editions.make.markdown import convert

from .conftest import write

TESTIMONY = """\
name: Kim
country: Canada
condition: Crohn's disease
started: 2008-01
received: 2008-03-01
consent:
  given: 2008-03-01
story: |
{story}
"""


def story_html(project: Path, story: str) -> str:
    indented = "\n".join("  " + line for line in story.splitlines())
    write(project / "testimonies" / "kim-canada.yaml", TESTIMONY.format(story=indented))
    path = project / "editions" / "001.yaml"
    path.write_text(path.read_text().replace("  - maurey-usa", "  - kim-canada\n  - maurey-usa"))
    archive = load_archive(project)
    views = [v for v in assemble(archive) if v.number == 1]
    return convert(views, (), archive.references).editions[1].stories["kim-canada"]


@pytest.mark.parametrize(
    ("story", "forbidden", "kept"),
    [
        ("Hi <script>alert(1)</script> there", "<script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<img src=x onerror=alert(1)>", "<img", "&lt;img src=x onerror=alert(1)&gt;"),
        ("[click](javascript:alert(1))", "javascript:", "click"),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", "data:", "data"),
        ("[span]{onclick=alert(1)}", "<span", "span"),
        ("`<b>`{=html}", "<b>", "&lt;b&gt;"),
        ("::: {onmouseover=x}\ninside\n:::", "<div", "inside"),
        ("![a local file](/etc/passwd)", "passwd", "[a local file]"),
        ("[home](file:///etc/passwd)", "file:", "home"),
        ("# Heading {#top onclick=x}", 'id="top"', "<h3>Heading"),
    ],
)
def test_untrusted_markdown_is_neutralised(project: Path, story: str, forbidden: str,
                                           kept: str) -> None:
    html = story_html(project, story)
    assert forbidden not in html
    assert kept in html


def test_web_links_are_kept(project: Path) -> None:
    html = story_html(project, "See [the society](https://www.mssociety.org.uk/).")
    assert '<a href="https://www.mssociety.org.uk/">the society</a>' in html


def test_footnotes_get_ids_of_their_own(project: Path) -> None:
    html = story_html(project, "A note.[^1]\n\n[^1]: The note.")
    assert 'id="kim-canada--story--fn1"' in html


def test_citations_are_numbered_in_print_order(project: Path) -> None:
    archive = load_archive(project)
    text = convert(assemble(archive), (), archive.references).editions[3]
    # Edition 3 cites cree2010 first in its introduction, so it is reference 1.
    assert 'href="#ref-cree2010" role="doc-biblioref">1</a>' in text.intro
    assert text.bibliography.index("ref-cree2010") < text.bibliography.index("ref-younger2009")


def test_one_pandoc_process_for_a_whole_build(project: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    calls = []
    real_run = subprocess.run

    def counting_run(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real_run(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "run", counting_run)
    archive = load_archive(project)
    cache = project / "cache.sqlite"
    pages = assemble_testimonies(archive)
    converted = convert(assemble(archive), pages, archive.references, cache)
    assert len(calls) == 1  # the editions and the testimony pages, in one batch
    assert sorted(converted.editions) == [1, 2, 3, 4, 5]
    assert sorted(converted.testimonies) == [p.id for p in pages]
    assert len(converted.testimonies["maurey-usa"].updates["maurey-usa"]) == 4
    convert(assemble(archive), pages, archive.references, cache)
    assert len(calls) == 1  # everything came from the cache


def test_fields_read_together_stay_apart() -> None:
    """Plain fields share one pandoc read; none may reach into another, and each reads as alone."""
    from editions.make.markdown import TextToConvert, _run_pandoc

    fields = {
        "uses": TextToConvert("Say [x] and [y].", 3, "uses-"),
        "defines": TextToConvert("[x]: https://example.org/\n\nText.", 3, "defines-"),
        "note": TextToConvert("A note[^y].\n\n[^y]: https://example.org/", 3, "note-"),
        "fence": TextToConvert("```\nan unclosed fence", 3, "fence-"),
        "plain": TextToConvert("Plain *words*.\nOn two lines.", 3, "plain-"),
        "list": TextToConvert("- one\n- two", 3, "list-"),
        "link": TextToConvert("See [a site](https://example.org/) or [not](javascript:x).", 2,
                              "link-"),
    }
    together = _run_pandoc(fields, {}, "[]", "en-US")["fields"]
    alone = {key: _run_pandoc({key: f}, {}, "[]", "en-US")["fields"][key]
             for key, f in fields.items()}
    assert together == alone
    assert together["uses"] == "<p>Say [x] and [y].</p>"
    assert together["plain"] == "<p>Plain <em>words</em>. On two lines.</p>"
    assert together["link"] == '<p>See <a href="https://example.org/">a site</a> or not.</p>'


def test_builds_at_once_share_the_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from editions.make import markdown

    archive = load_archive(project)
    views = assemble(archive)
    cache = project / ".editions-cache" / "markdown.sqlite"
    with ThreadPoolExecutor(2) as pool:
        parts = list(pool.map(lambda part: convert(part, (), archive.references, cache).editions,
                              [views[:3], views[2:]]))

    def no_pandoc(*args: object) -> None:
        raise AssertionError("pandoc started although everything is in the cache")

    monkeypatch.setattr(markdown, "_run_pandoc", no_pandoc)
    cached = convert(views, (), archive.references, cache).editions
    assert cached == {**parts[0], **parts[1]}


def test_a_damaged_cache_is_started_again(project: Path, caplog: pytest.LogCaptureFixture,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from editions.make import markdown

    archive = load_archive(project)
    cache = project / "cache.sqlite"
    cache.write_bytes(b"not a database at all" * 100)
    text = convert(assemble(archive), (), archive.references, cache).editions
    assert "multiple sclerosis" in text[1].stories["maurey-usa"]
    assert "the Markdown cache is damaged (file is not a database); starting it again" in (
        caplog.text)

    def no_pandoc(*args: object) -> None:
        raise AssertionError("pandoc started although the new cache holds everything")

    monkeypatch.setattr(markdown, "_run_pandoc", no_pandoc)
    caplog.clear()
    assert convert(assemble(archive), (), archive.references, cache).editions == text
    assert caplog.text == ""
