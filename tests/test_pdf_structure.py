"""The PDFs' structure as assistive technology meets it: furniture marked as artifacts, every
other text in the structure tree, links neither nested nor hidden from print, and the contents'
page numbers in one column. Checked on every PDF of the sample, built with real WeasyPrint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from .pages import pdf_text
from .support import SAMPLE_PDFS, drafts_of, site_files

PRINT_FLAG = 1 << 2


@dataclass(frozen=True)
class Shown:
    """A run of text a page draws, with the marked content it is drawn in."""

    text: str
    marks: tuple[str, ...]  # "/Artifact", or "/Span 12" for marked content 12
    x: float
    y: float


def shown(page: Any) -> list[Shown]:
    stack: list[str] = []
    runs: list[Shown] = []

    def before(operator: bytes, operands: list[Any], cm: list[float], tm: list[float]) -> None:
        if operator == b"BMC":
            stack.append(str(operands[0]))
        elif operator == b"BDC":
            properties = operands[1]
            mcid = properties.get("/MCID") if isinstance(properties, DictionaryObject) else None
            stack.append(f"{operands[0]} {mcid}")
        elif operator == b"EMC":
            stack.pop()

    def text(run: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if run.strip():
            runs.append(Shown(run.strip(), tuple(stack), tm[4], tm[5]))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return runs


def structure(reader: PdfReader) -> tuple[set[int], list[list[str]]]:
    """The marked-content ids the structure tree reaches on the first page, and the path of
    element types down to each Link element."""
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    first = reader.pages[0].indirect_reference
    reached: set[tuple[Any, int]] = set()
    links: list[list[str]] = []

    def walk(node: Any, path: list[str], page: Any) -> None:
        node = node.get_object()
        if isinstance(node, int):
            reached.add((page, node))
        elif isinstance(node, list):
            for kid in node:
                walk(kid, path, page)
        elif isinstance(node, DictionaryObject):
            page = node.get("/Pg", page)
            if node.get("/Type") == "/MCR":
                reached.add((page, int(node["/MCID"])))
                return
            kind = str(node.get("/S", ""))
            here = [*path, kind] if kind else path
            if kind == "/Link":
                links.append(here)
            if "/K" in node:
                walk(node["/K"], here, page)

    walk(root["/K"], [], None)
    return {mcid for page, mcid in reached if page == first}, links


@pytest.fixture(scope="module")
def pdfs(built: Path) -> list[Path]:
    """Every PDF of the sample: the published editions' and the draft's, in the preview."""
    return [*site_files(built, "*.pdf", SAMPLE_PDFS), *site_files(drafts_of(built), "*.pdf", 2)]


def test_running_footers_are_artifacts(pdfs: list[Path]) -> None:
    footers = inner = 0
    for path in pdfs:
        reader = PdfReader(path)
        pages = len(reader.pages)
        inner += pages - 1
        for number, page in enumerate(reader.pages[1:], start=2):
            runs = shown(page)
            footer = [r for r in runs if r.text.endswith(f"page {number} of {pages}")]
            assert len(footer) == 1, (path.name, number, runs[-3:])
            assert footer[0].marks == ("/Artifact",), (path.name, number)
            footers += 1
    assert footers == inner >= 24  # every page but the covers (29 standard pages, 5 covers)


def test_every_text_is_in_the_structure_tree_or_an_artifact(pdfs: list[Path]) -> None:
    for path in pdfs:
        reader = PdfReader(path)
        reached, _ = structure(reader)
        runs = shown(reader.pages[0])
        assert len(runs) > 10
        for run in runs:
            content = [m for m in run.marks if m != "/Artifact"]
            if "/Artifact" in run.marks:
                continue
            assert content, (path.name, run)
            mcid = int(content[-1].split()[1])
            assert mcid in reached, (path.name, run)


def test_no_link_inside_a_link(pdfs: list[Path]) -> None:
    found = 0
    for path in pdfs:
        _, links = structure(PdfReader(path))
        found += len(links)
        nested = [p for p in links if p.count("/Link") > 1]
        assert nested == [], path.name
    assert found > 5 * 3  # every contents entry of every edition is a link


def test_every_link_is_printed(pdfs: list[Path]) -> None:
    links = 0
    for path in pdfs:
        for page in PdfReader(path).pages:
            for annotation in page.get("/Annots", []):
                annotation = annotation.get_object()
                if annotation["/Subtype"] == "/Link":
                    links += 1
                    assert int(annotation.get("/F", 0)) & PRINT_FLAG, (path.name, annotation)
    assert links > 5 * 3


def test_contents_page_numbers_stand_in_one_column(pdfs: list[Path]) -> None:
    for path in pdfs:
        runs = shown(PdfReader(path).pages[0])
        numbers = [r for r in runs if r.text.isdigit()]
        assert len(numbers) >= 3, path.name  # an introduction, a testimony, the references
        for digits in {len(r.text) for r in numbers}:  # numbers of as many digits start
            lefts = {round(r.x, 1) for r in numbers if len(r.text) == digits}  # at one x
            assert max(lefts) - min(lefts) < 0.5, (path.name, sorted(lefts))
        # the dots are spaced middle dots after a gap, never a row of full stops
        assert not any(r.text.startswith(".") for r in runs), path.name


def test_the_cover_title_is_set_in_even_lines(pdfs: list[Path]) -> None:
    for path in pdfs:
        runs = [r for r in shown(PdfReader(path).pages[0]) if not r.text.startswith("DRAFT")]
        assert [r.text for r in runs[:2]] == ["Those who suffer", "much know much"], path.name
        assert runs[0].y != runs[1].y


@pytest.mark.parametrize(("title", "lines"), [
    ("Those who suffer much know much", ["Those who suffer", "much know much"]),
    ("Letters", ["Letters"]),
    ("The Lakes Letters", ["The Lakes Letters"]),  # three words: too few to balance
    ("Briefe von Menschen mit Multipler Sklerose",
     ["Briefe von Menschen", "mit Multipler Sklerose"]),
    ("<b>Ours</b> & theirs, a title", ["<b>Ours</b> &", "theirs, a title"]),
])
def test_title_halves(title: str, lines: list[str]) -> None:
    from editions.make.titles import balanced, halves

    assert halves(title) == lines
    assert "<b>" not in balanced(title)


def test_the_standard_pdfs_lines_are_60_to_75_characters(pdfs: list[Path]) -> None:
    """Comfortable reading is 45-75 characters a line; the body text is measured, not the
    contents' leaders or the smaller references."""
    import statistics

    import pdfplumber

    standard = [p for p in pdfs if not p.stem.endswith("-large-print")]
    assert len(standard) == 5
    for path in standard:
        lines = []
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages[1:]:
                lines.extend(page.extract_text_lines())
        body = statistics.mode(round(c["size"], 1) for line in lines for c in line["chars"])
        lengths = [len(line["text"]) for line in lines
                   if round(line["chars"][0]["size"], 1) == body and len(line["text"]) > 30]
        lengths.sort()
        assert len(lengths) > 40, path.name
        assert 60 <= statistics.median(lengths) <= 75, (path.name, statistics.median(lengths))
        assert lengths[int(len(lengths) * 0.95)] <= 78, (path.name, lengths[-10:])


def _short_lists(page: Path) -> list[list[str]]:
    """The texts of the items of each list of two to five items in the page's main part."""
    import html
    import re

    main = page.read_text(encoding="utf-8").split("<main", 1)[1].split("</main>", 1)[0]
    lists = []
    for body in re.findall(r"<(?:ul|ol)\b[^>]*>(.*?)</(?:ul|ol)>", main, flags=re.S):
        items = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", item)).split())
                 for item in re.findall(r"<li\b[^>]*>(.*?)</li>", body, flags=re.S)]
        if 2 <= len(items) <= 5:
            lists.append(items)
    return lists


def test_a_short_list_is_never_split_across_pages(built: Path, pdfs: list[Path]) -> None:
    checked = 0
    for path in pdfs:
        pages = [" ".join(p.split()) for p in pdf_text(path)]
        for items in _short_lists(path.parent / "index.html"):
            where = {i for i, text in enumerate(pages)
                     for item in (items[0], items[-1]) if item[:24] in text}
            assert len(where) == 1, (path.name, items[0][:40], sorted(where))
            checked += 1
    assert checked >= 4  # the sample's lists, in both PDFs of the editions that print them
