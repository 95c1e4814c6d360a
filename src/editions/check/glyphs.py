"""Glyphs: characters in the texts that none of the publication's fonts can print."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from editions.errors import Problem, Severity, Where
from editions.model import Archive, Edition, Markdown, Testimony

FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")
SHOWN = 20  # characters named in a message: a pasted emoji wall stays one short line


def font_files(files: Mapping[str, bytes]) -> list[bytes]:
    """The font files among the site's assets, in a stable order."""
    return [data for name, data in sorted(files.items()) if name.lower().endswith(FONT_SUFFIXES)]


def fonts_digest(fonts: Iterable[bytes]) -> str:
    """A hash of the fonts, which decides what coverage() says."""
    return hashlib.sha256(b"".join(hashlib.sha256(f).digest() for f in fonts)).hexdigest()


_COVERAGE: dict[str, frozenset[int]] = {}  # by fonts_digest: the fonts are read once


def coverage(fonts: Sequence[bytes], digest: str | None = None) -> frozenset[int]:
    """Every code point some font has a glyph for; `digest` is fonts_digest(fonts) if known."""
    digest = digest or fonts_digest(fonts)
    if digest not in _COVERAGE:
        from fontTools.ttLib import TTFont

        covered: set[int] = set()
        for data in fonts:
            # Only the character map is read: a whole font is not parsed for this.
            covered.update(TTFont(io.BytesIO(data), lazy=True).getBestCmap() or {})
        _COVERAGE[digest] = frozenset(covered)
    return _COVERAGE[digest]


def _printed(char: str) -> bool:
    # Spaces, controls, joiners and variation selectors are not drawn as glyphs of their own.
    return unicodedata.category(char)[0] not in "ZC" and not 0xFE00 <= ord(char) <= 0xFE0F


def uncovered(text: str, covered: frozenset[int]) -> Iterator[tuple[int, str]]:
    """Each character of `text` no font covers, once, at its first offset."""
    seen: set[str] = set()
    for char in set(text):
        if ord(char) >= 0x80 and ord(char) not in covered and _printed(char):
            seen.add(char)
    if not seen:
        return
    for offset, char in enumerate(text):
        if char in seen:
            seen.discard(char)
            yield offset, char
            if not seen:
                return


def _describe(char: str) -> str:
    name = f"U+{ord(char):04X} {unicodedata.name(char, '')}".strip()
    return f"'{char}' ({name})"


def _text_problems(text: Markdown, covered: frozenset[int]) -> Iterator[Problem]:
    """One warning a text, where its first such character is, naming them all (up to a few)."""
    found = list(uncovered(text.text, covered))
    if not found:
        return
    offset, first = found[0]
    where = text.line_of(offset)
    if len(found) == 1:
        said = f"{_describe(first)} is"
    else:
        others = "".join(char for _, char in found[1:SHOWN + 1])
        more = "…" if len(found) > SHOWN + 1 else ""
        said = f"{_describe(first)} and {len(found) - 1} other characters ({others}{more}) are"
    yield Problem(where,
                  f"{said} in none of the publication's fonts: the PDF prints them in whatever "
                  "font the building machine has, or as empty boxes", Severity.WARNING)


def _field(value: str, where: Where) -> Markdown:
    return Markdown(value, where, literal=False)


def _strings(value: object) -> Iterator[str]:
    """Every text in a reference's plain data (titles, names, places), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def record_glyph_problems(record: Testimony | Edition,
                          covered: frozenset[int]) -> Iterator[Problem]:
    """Those warnings for the texts of one testimony or edition."""
    if isinstance(record, Testimony):
        t = record
        for key in ("name", "country", "condition", "treatment"):
            value = getattr(t, key)
            if value:
                yield from _text_problems(_field(value, t.where.get(key, t.where["."])), covered)
        for index, update in enumerate(t.updates):
            if update.label:
                at = t.where.get(f"updates[{index}].label", update.where)
                yield from _text_problems(_field(update.label, at), covered)
        for text in (t.story, *(u.text for u in t.updates)):
            yield from _text_problems(text, covered)
        return
    e = record
    if e.title:
        yield from _text_problems(_field(e.title, e.where.get("title", e.where["."])), covered)
    if e.intro:
        yield from _text_problems(e.intro, covered)


def shared_texts(archive: Archive) -> list[Markdown]:
    """The printed texts that belong to no testimony or edition: the settings' title,
    subtitle and publisher, and each reference (at its entry: its fields keep no lines)."""
    settings = archive.settings
    texts = [_field(value, settings.where[key]) for key in ("title", "subtitle", "publisher")
             if (value := getattr(settings, key)) and key in settings.where]
    for entry in archive.references.entries:
        at = archive.references.where.get(str(entry.get("id"))) or Where("references.yaml")
        texts.append(_field(" ".join(_strings({k: v for k, v in entry.items() if k != "id"})),
                            at))
    return texts


def shared_glyph_problems(archive: Archive, covered: Callable[[], frozenset[int] | None]
                          ) -> list[Problem]:
    """The characters of the shared texts (shared_texts) that no font has; `covered` gives
    the code points the PDF's fonts have, and is asked only when some such text is not
    plain ASCII (reading the fonts costs more than the rest of a rebuild's check)."""
    texts = shared_texts(archive)
    if all(text.text.isascii() for text in texts):
        return []
    fonts = covered()
    if fonts is None:
        return []
    return [problem for text in texts for problem in _text_problems(text, fonts)]
