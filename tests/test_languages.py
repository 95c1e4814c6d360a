"""The site's own words in every shipped language: complete catalogs, and none left in English."""

from __future__ import annotations

import logging
import re
import zipfile
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from editions import i18n
from editions.i18n import LOCALE_DIR, words
from editions.make.formats import EPUB_SUMMARY

from .conftest import copy_sample, reissue_changed
from .support import drafts_of

LANGUAGES = {"de": "de-DE", "fr": "fr-FR", "es": "es-ES", "nl": "nl-NL"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def _template_ids() -> set[str]:
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}


def test_the_shipped_languages_are_english_and_the_four_catalogs() -> None:
    assert i18n.shipped_languages() == ["en", "de", "es", "fr", "nl"]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_message_has_a_translation_with_the_same_placeholders(language: str) -> None:
    catalog = _catalog(language)
    ids = set()
    for message in catalog:
        if not message.id:
            continue
        msgids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        ids.add(msgids[0])
        assert "fuzzy" not in message.flags, msgids[0]
        assert len(strings) == (1 if len(msgids) == 1 else catalog.num_plurals), msgids[0]
        for text in strings:
            assert text.strip(), f"{language}: '{msgids[0]}' is not translated"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(msgids[-1]))
    assert ids == _template_ids()  # each catalog has every message of the templates and code
    assert len(ids) > 60


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_committed_mo_is_what_the_po_compiles_to(language: str) -> None:
    compiled = BytesIO()
    write_mo(compiled, _catalog(language))
    mo = LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo"
    assert mo.read_bytes() == compiled.getvalue(), "run: pybabel compile -d src/editions/locale"


def test_a_language_without_a_catalog_is_english_with_one_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    words.cache_clear()
    with caplog.at_level(logging.WARNING, logger="editions"):
        for _ in range(3):
            assert words("it-IT").gettext("Back to top") == "Back to top"
    warned = [r.getMessage() for r in caplog.records]
    assert warned == ["language 'it-IT' has no catalog of the site's own words (shipped: en, "
                      "de, es, fr, nl): they are printed in English; docs/languages.md says "
                      "how to add one"]


def test_a_regional_tag_finds_its_language_and_english_needs_no_catalog(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="editions"):
        assert words("de-AT").gettext("Back to top") == "Nach oben"
        assert words("en-US").gettext("Back to top") == "Back to top"
    assert caplog.records == []


@pytest.mark.parametrize(("language", "expected"), [
    ("de", ["7 Monate mit LDN", "1 Jahr mit LDN", "2 Jahre mit LDN"]),
    ("fr", ["7 mois sous LDN", "1 an sous LDN", "2 ans sous LDN"]),
    ("es", ["7 meses con LDN", "1 año con LDN", "2 años con LDN"]),
    ("nl", ["7 maanden met LDN", "1 jaar met LDN", "2 jaar met LDN"]),
    ("en", ["7 months on LDN", "1 year on LDN", "2 years on LDN"]),
])
def test_derived_labels_in_each_language(language: str, expected: list[str]) -> None:
    from editions.make.assemble import derived_label
    from editions.model import PartialDate

    start = PartialDate.parse("2007-08")
    found = [derived_label(start, PartialDate.parse(d), "LDN", language)
             for d in ("2008-03", "2008-07", "2009-07")]
    assert found == expected


def _english_pieces(language: str) -> list[str]:
    """The English words of every message the catalog translates differently: the literal
    parts between placeholders, as the templates print them."""
    pieces = set()
    catalog = list(_catalog(language))
    # a word the translations use themselves (Dutch "of", "or") tells of no English left over
    translated = "\n".join(str(m.string) for m in catalog if m.id)
    for message in catalog:
        if not message.id:
            continue
        msgids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for msgid, text in zip(msgids, strings, strict=False):
            if text == msgid:
                continue
            for piece in PLACEHOLDER.split(msgid):
                piece = piece.strip(" .,:;–()·")
                if re.search(r"[A-Za-z]{2}", piece) and piece not in PLACEHOLDER.sub(
                        "", text) and not _leftovers(translated, [piece]):
                    pieces.add(piece)
    return sorted(pieces, key=len, reverse=True)


def _readers_words(html: str) -> str:
    """A page's visible text and attributes a reader meets, without the contributors' and
    editor's own prose (stories, updates, the introduction, the references)."""
    import tinyhtml5

    root = tinyhtml5.parse(html, namespace_html_elements=False)
    for parent in root.iter():
        for child in list(parent):
            if child.tag in ("style", "script"):  # no reader meets their text
                child.clear()
                continue
            classes = (child.get("class") or "").split()
            if {"story", "references", "intro"} & set(classes) or (
                    "update" in classes and child.tag == "section"):
                keep = [c for c in child if c.tag in ("h2", "h3")]
                child.clear()
                child.extend(keep)
    texts = ["".join(root.itertext())]
    for element in root.iter():
        if element.get("name") == "generator":  # the program's own name: "editions 0.1.0"
            continue
        texts += [element.get(a) or "" for a in ("content", "title", "aria-label")]
    return "\n".join(texts)


def _epub_words(xhtml: str) -> str:
    """What an EPUB chapter prints of the template's own: its headings and the paragraphs the
    template writes (the contributors' prose stands unwrapped beside them)."""
    import tinyhtml5

    root = tinyhtml5.parse(xhtml, namespace_html_elements=False)
    texts = ["".join(e.itertext()) for e in root.iter()
             if e.tag in ("h1", "h2", "h3", "title", "nav") or (e.get("class") or "") in (
                 "facts", "follow", "withdrawn-notice", "colophon", "disclaimer", "revision",
                 "edition-date", "cover-publication", "subtitle")]
    return "\n".join(texts)


def _without(text: str, values: list[str]) -> str:
    # an empty value (a testimony without a label, say) would put a space between every two
    # characters, doubling the text for each such value
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def _leftovers(text: str, pieces: list[str]) -> list[str]:
    return [p for p in pieces if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text)]


@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_sample_prints_no_english_template_word(tmp_path: Path, language: str) -> None:
    import pypdf

    from editions.load.archive import load_archive
    from editions.make.build import build

    root = copy_sample(tmp_path / "sample")
    settings = root / "publication.yaml"
    settings.write_text(settings.read_text().replace("language: en-GB",
                                                     f"language: {LANGUAGES[language]}"))
    note = "Sprache geändert"
    reissue_changed(root, note=note)
    build(root)
    archive = load_archive(root)
    s = archive.settings
    data = [s.title, s.subtitle or "", s.publisher, s.treatment, note]
    for t in archive.testimonies.values():
        data += [t.name, t.country, t.condition, t.treatment or ""]
        data += [u.label for u in t.updates if u.label]
    pieces = _english_pieces(language)
    assert {"Back to top", "In this edition", "months on"} <= set(pieces)
    t = words(LANGUAGES[language])

    site = root / "site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        found = _leftovers(_without(_readers_words(page.read_text()), data), pieces)
        assert found == [], page.relative_to(site)

    feed = ElementTree.parse(site / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert entries
    for entry in entries:
        text = entry.findtext(f"{atom}title", "") + "\n" + entry.findtext(f"{atom}summary", "")
        assert t.gettext("Edition %(number)s, %(date)s").split("%")[0] in text
        assert _leftovers(_without(text, data), pieces) == []

    # the published editions' PDFs, and the draft's in the preview beside the site; the large
    # print has the same words
    pdfs = sorted([*site.rglob("*.pdf"), *drafts_of(site).rglob("*.pdf")])
    assert len(pdfs) == 10
    for pdf in pdfs:
        reader = pypdf.PdfReader(pdf)
        meta = reader.metadata or {}
        assert _leftovers(_without("\n".join(str(v) for v in meta.values()), data),
                          pieces) == [], pdf.name
        titles: list[str] = []

        def walk(items: list, titles: list[str] = titles) -> None:  # type: ignore[type-arg]
            for item in items:
                if isinstance(item, list):
                    walk(item)
                else:
                    titles.append(item.title)
        walk(reader.outline)
        assert t.gettext("In this edition") in titles
        assert _leftovers(_without("\n".join(titles), data), pieces) == [], pdf.name
        contents = reader.pages[0].extract_text()
        assert _leftovers(_without(contents, data), pieces) == [], pdf.name
        count = len(reader.pages)
        footer = (t.gettext("page %(page)s of %(pages)s")
                  % {"page": count, "pages": count})
        last = reader.pages[-1].extract_text()
        assert footer in last, pdf.name
        assert f"page {count} of {count}" not in last

    epubs = sorted([*site.rglob("*.epub"), *drafts_of(site).rglob("*.epub")])
    assert len(epubs) == 5
    summary = t.gettext(EPUB_SUMMARY)
    assert summary != EPUB_SUMMARY
    for epub in epubs:
        with zipfile.ZipFile(epub) as packed:
            opf = packed.read("EPUB/content.opf").decode()
            assert f'<meta property="schema:accessibilitySummary">{summary}</meta>' in opf
            texts = [packed.read(n).decode() for n in packed.namelist()
                     if n.endswith(".xhtml")]
        assert len(texts) > 3
        for text in texts:
            assert _leftovers(_without(_epub_words(text), data), pieces) == [], epub.name
