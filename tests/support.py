"""Helpers the test modules share: edits of the sample, tiny real files, the rules' table."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from editions.check.links import image_problems, image_uses, text_problems
from editions.errors import ContentError, Problem
from editions.load.archive import load_archive
from editions.make.markdown import CITATION_LANGUAGE, UPDATE_SHIFT, TextToConvert, _run_pandoc
from editions.model import Markdown

from .conftest import run, write
from .pages import Page, resolve


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def site_links(site: Path) -> tuple[int, list[str]]:
    """How many links inside the site were followed, and those that lead nowhere."""
    site = site.resolve()
    pages = {path: Page(path) for path in sorted(site.rglob("*.html"))}
    followed, broken = 0, []
    for path, page in pages.items():
        for link in page.links:
            target, fragment = resolve(path, link, site)
            if target is None:
                if not link.startswith(("https://", "http://", "mailto:")):
                    broken.append(f"{path.relative_to(site)}: {link}")
                continue
            followed += 1
            if not target.is_file() or site.resolve() not in target.resolve().parents:
                broken.append(f"{path.relative_to(site)}: {link}")
            elif fragment and (target not in pages or fragment not in pages[target].ids):
                broken.append(f"{path.relative_to(site)}: {link}")
    return followed, broken


def check_errors(project: Path) -> list[str]:
    result = run(project, "check")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stderr.splitlines()[:-1]


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A real PNG, so the image cases do not need a file in the repository."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\0" + b"\x20\x60\x50" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


GOOD = """\
name: Kim
country: Canada
condition: Crohn's disease
started: 2008-01
received: 2008-03-01
consent:
  given: 2008-03-01
story: |
  First line.

  Second paragraph.
"""


def problems_for(project: Path, text: str, name: str = "kim-canada.yaml") -> list[str]:
    write(project / "testimonies" / name, text)
    with pytest.raises(ContentError) as caught:
        load_archive(project)
    return [str(p) for p in caught.value.problems]


# Each rule as an edit of the sample and the message it brings.
RULES = [
    ("editions/002.yaml", "number: 2", "number: 3",
     "editions/002.yaml:1:9: error: edition number 3 does not match its file name "
     "(002.yaml)"),
    ("editions/002.yaml", "date: 2009-06-01", "date: 2008-06-01",
     "editions/002.yaml:2:7: error: edition 2 is dated 2008-06-01, before edition 1 "
     "(2008-08-01)"),
    ("editions/001.yaml", "  - audrey-uk", "  - audrey-uj",
     "editions/001.yaml:24:5: error: no testimony 'audrey-uj' in testimonies/ (did you mean "
     "'audrey-uk'?)"),
    ("editions/001.yaml", "  - audrey-uk", "  - maurey-usa",
     "editions/001.yaml:24:5: error: 'maurey-usa' is listed twice (first as number 1)"),
    ("testimonies/audrey-uk.yaml", "received: 2008-03-20", "received: 2008-09-20",
     "editions/001.yaml:24:5: error: 'audrey-uk' was received on 2008-09-20, after this "
     "edition's date (2008-08-01)"),
    ("testimonies/audrey-uk.yaml", "given: 2008-03-24", "given: 2008-08-02",
     "editions/001.yaml:24:5: error: 'audrey-uk' has no consent by this edition's date "
     "(2008-08-01); consent given 2008-08-02"),
    ("testimonies/audrey-uk.yaml", "given: 2008-03-24",
     "given: 2008-03-24\n  withdrawn: 2008-05",
     "editions/001.yaml:24:5: error: 'audrey-uk' withdrew consent on 2008-05, on or before "
     "this edition's date (2008-08-01)"),
    ("testimonies/audrey-uk.yaml", "given: 2008-03-24",
     "given: 2008-03-24\n  withdrawn: 2008-01",
     "testimonies/audrey-uk.yaml:8:14: error: consent withdrawn on 2008-01, before it was "
     "given (2008-03-24)"),
    ("testimonies/audrey-uk.yaml", "  - date: 2011-04", "  - date: 2999-04",
     "testimonies/audrey-uk.yaml:44:11: error: update dated 2999-04 is in the future"),
    ("testimonies/audrey-uk.yaml", "  - date: 2011-04", "  - date: 2009-04",
     "testimonies/audrey-uk.yaml:44:11: error: update dated 2009-04 comes after one dated "
     "2009-11-12: updates go oldest first"),
    ("testimonies/audrey-uk.yaml", "    label: Three years later\n", "",
     "testimonies/audrey-uk.yaml:44:5: error: update has no 'label' and the testimony has no "
     "'started' date to derive one from"),
    ("testimonies/maurey-usa.yaml", "  - date: 2008-07", "  - date: 2007-06",
     "testimonies/maurey-usa.yaml:28:11: error: update dated 2007-06 is before the treatment "
     "started (2007-08): give it a 'label'"),
    ("editions/001.yaml", "[@smith2007]", "[@smith2070]",
     "editions/001.yaml:10:207: error: citation '@smith2070' is not in references.yaml (did "
     "you mean 'smith2007'?)"),
    ("testimonies/maurey-usa.yaml", "diagnosed: 2007-07", "diagnosed: \uff12\uff10\uff10\uff17-07",
     "testimonies/maurey-usa.yaml:4:12: error: 'diagnosed': '\uff12\uff10\uff10\uff17-07' is not a "
     "date: write YYYY-MM-DD, YYYY-MM or YYYY"),
    ("editions/002.yaml", "number: 2", "number: \u0662",
     "editions/002.yaml:1:9: error: 'number' must be a whole number, not '\u0662'"),
    ("editions/002.yaml", "number: 2", "number: \u00b2",
     "editions/002.yaml:1:9: error: 'number' must be a whole number, not '\u00b2'"),
    ("testimonies/audrey-uk.yaml", "given: 2008-03-24",
     "given: 2008-03-24\n  withdrawn: 2999-01-01",
     "testimonies/audrey-uk.yaml:8:14: error: consent withdrawn on 2999-01-01 is in the future: "
     "write the day the contributor withdrew it"),
]


def site_files(site: Path, pattern: str, count: int) -> list[Path]:
    """The site's files matching `pattern` (rglob), asserting there are exactly `count` of them:
    a test that loops over them cannot pass on an empty or half-built site."""
    found = sorted(site.rglob(pattern))
    assert len(found) == count, f"{len(found)} files {pattern} in {site}, not {count}: {found}"
    return found


# What the sample's site holds: 4 published editions (a page, two PDFs and an EPUB each), 12
# testimony pages, the list of testimonies and the archive index; the draft, edition 5, is in
# the preview beside it.
SAMPLE_PAGES = 18
SAMPLE_PDFS = 8  # each published edition's standard and large-print PDF


def drafts_of(site: Path) -> Path:
    """The preview a build writes the drafts into, beside `site`."""
    from editions.make.build import preview_folder

    return preview_folder(site)


def every_page(site: Path) -> list[Path]:
    """The pages of the site and of the drafts' preview: every page the sample builds."""
    return [*site_files(site, "*.html", SAMPLE_PAGES),
            *site_files(drafts_of(site), "*.html", 1)]


def link_problems(root: Path, text: Markdown) -> list[Problem]:
    """Every refused link or image of one text, as the check finds them in a file."""
    return [*text_problems(text), *image_problems(root, image_uses(text))]


def convert_texts(texts: list[str], shift: int = UPDATE_SHIFT) -> list[str]:
    """Markdown texts without citations to safe HTML, in one run of the build's sandboxed
    pandoc, uncached: the sanitiser on its own, for the fuzzers."""
    fields = {f"t{index}": TextToConvert(text, shift, f"t{index}-")
              for index, text in enumerate(texts)}
    html = _run_pandoc(fields, {}, "[]", CITATION_LANGUAGE)["fields"]
    return [html[key] for key in fields]
