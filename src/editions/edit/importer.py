"""Import: an archive's pages, letters and e-mails to testimony files, read through pandoc."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from editions.errors import ContentError, EditionsError, Problem
from editions.make.markdown import EXTENSIONS, pandoc_path
from editions.model import PartialDate, slug

log = logging.getLogger(__name__)

# What `editions import` reads, by the file's ending: the pandoc reader of each.
FORMATS = {".html": "html", ".htm": "html", ".xhtml": "html", ".docx": "docx",
           ".odt": "odt", ".md": "markdown", ".markdown": "markdown", ".txt": "markdown",
           ".eml": "eml"}
FORMAT_NAMES = ".html, .docx, .odt, .md, .txt and .eml"
MAX_SOURCE_BYTES = 10 * 1024 * 1024
MAX_TESTIMONIES = 2_000  # in one source: more is not an archive page but a mistake
# Markdown as the build reads it, with the typography kept as the characters themselves.
MARKDOWN_OUT = EXTENSIONS + "-smart"
_SPLIT = "EDITIONSIMPORTSPLIT"
WEB_LINKS = ("http://", "https://", "mailto:")

MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
    ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
    ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")), start=1) for name in names}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DATES = (rf"{_MONTH},?\s+{_YEAR}", rf"{_DAY}\s+{_MONTH},?\s+{_YEAR}",
          rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}",
          r"(?P<iso>(?:19|20)\d\d-\d\d(?:-\d\d)?)", r"(?P<mm>\d{1,2})/(?P<slashyear>\d{4})",
          _YEAR)
_DASHES = "\N{EN DASH}\N{EM DASH}-"  # the hyphen last: not a range
UPDATE_HEADINGS = [re.compile(
    rf"^update[sd]?\b\s*[:{_DASHES}]?\s*(?:{date})(?:\s*[:{_DASHES}]\s*(?P<label>\S.*?))?\s*$",
    re.IGNORECASE) for date in _DATES]
TESTIMONY_HEADING = re.compile(r"^(?P<name>[^,:;]{1,40}),\s*(?P<country>[^,:;]{2,40}?)\.?$")
_NAME_WORD = re.compile(r"^[^\W\d_][\w'’.\-]*$")
_NAME_PARTICLES = frozenset({"van", "von", "de", "der", "den", "du", "da", "la", "le"})
# Letters close and open with a comma too: "Yours, Anna" is not Anna from Yours.
SALUTATIONS = frozenset({"yours", "regards", "thanks", "thank", "dear", "sincerely", "love",
                         "best", "kind", "warm", "warmest", "cheers", "hi", "hello", "with"})
COUNTRY_ALIASES = frozenset({"USA", "U.S.A.", "US", "U.S.", "UK", "U.K.", "England",
                             "Scotland", "Wales", "Northern Ireland", "Holland", "The Netherlands",
                             "the Netherlands", "Czech Republic", "South Korea", "Russia"})
# The words of a page's own furniture: links back, print buttons, its section titles.
FURNITURE = frozenset({
    "back to top", "top", "to top", "return to top", "go to top", "back to the top",
    "top of page", "print this page", "print", "print page", "email this page",
    "e-mail this page", "share this page", "home", "next", "previous", "next page",
    "previous page", "back", "case testimonials", "testimonials", "patient testimonials",
    "testimonies", "news archive", "news", "contents", "table of contents", "more",
    "read more"})
_FURNITURE_CONTAINERS = frozenset({"nav", "navigation", "menu", "header", "footer", "sidebar",
                                   "breadcrumbs", "breadcrumb"})
_SEPARATORS = frozenset({"|", "·", "•", "»", "«", "-", "–", "/", ">", "<", "::"})
CONDITIONS = (
    (re.compile(r"\bmultiple sclerosis\b|\bMS\b", re.IGNORECASE), "Multiple sclerosis"),
    (re.compile(r"\bcrohn[’']?s\b", re.IGNORECASE), "Crohn's disease"),
    (re.compile(r"\bulcerative colitis\b", re.IGNORECASE), "Ulcerative colitis"),
    (re.compile(r"\bfibromyalgia\b", re.IGNORECASE), "Fibromyalgia"),
    (re.compile(r"\brheumatoid arthritis\b", re.IGNORECASE), "Rheumatoid arthritis"),
    (re.compile(r"\bpsoriasis\b", re.IGNORECASE), "Psoriasis"),
    (re.compile(r"\blupus\b", re.IGNORECASE), "Lupus"),
)


@dataclass
class FoundUpdate:
    date: str
    label: str | None
    heading: str
    blocks: list[Any] = field(default_factory=list)
    text: str = ""


@dataclass
class FoundTestimony:
    """One testimony as a source has it: heading, story and updates."""

    name: str
    country: str
    source: str
    blocks: list[Any] = field(default_factory=list)
    updates: list[FoundUpdate] = field(default_factory=list)
    story: str = ""


@dataclass
class Reading:
    """What one source holds: its testimonies, and what came before the first of them."""

    source: str
    testimonies: list[FoundTestimony]
    intro_blocks: list[Any]
    intro: str = ""
    left_out: list[str] = field(default_factory=list)  # text in no testimony, by its start
    images: int = 0
    api: list[int] = field(default_factory=lambda: [1, 23, 1])  # pandoc's JSON version


# -- reading a source ---------------------------------------------------------------------

def read_source(path: Path, shown: str) -> Reading:
    """Read one source to its testimonies; EditionsError names the file on any bad input."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        ending = path.suffix or "no ending"
        raise EditionsError(f"{shown}: is not a format import reads ({ending}); it reads "
                            f"{FORMAT_NAMES}")
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise EditionsError(f"{shown}: is {size:,} bytes, more than the "
                                f"{MAX_SOURCE_BYTES:,} (10 MiB) import reads in one file")
        data = path.read_bytes()
    except OSError as err:
        raise EditionsError(f"{shown}: cannot be read: {err.strerror or err}") from None
    if kind == "eml":
        kind, data = _email_body(data, shown)
    document = _pandoc_json(path, kind, data, shown)
    reading = split_document(document, shown)
    reading.api = document.get("pandoc-api-version", reading.api)
    if not reading.testimonies:
        raise EditionsError(f"{shown}: no testimony found: none begins with a heading or a "
                            "line of its own 'Name, Country', such as 'Maurey, USA'")
    if len(reading.testimonies) > MAX_TESTIMONIES:
        raise EditionsError(f"{shown}: holds {len(reading.testimonies)} testimonies, more "
                            f"than the {MAX_TESTIMONIES:,} import takes from one file")
    return reading


def _email_body(data: bytes, shown: str) -> tuple[str, bytes]:
    """An e-mail's HTML body, else its text body, as pandoc would read either."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    body = message.get_body(preferencelist=("html", "plain"))
    if body is None:
        raise EditionsError(f"{shown}: the e-mail has no text or HTML body to import")
    try:
        content = body.get_content()
    except (LookupError, ValueError) as err:
        raise EditionsError(f"{shown}: the e-mail's body cannot be read: {err}") from None
    kind = "html" if body.get_content_subtype() == "html" else "markdown"
    return kind, str(content).encode("utf-8")


def _text(data: bytes) -> bytes:
    """Text in UTF-8, as pandoc reads it; old pages were often written in Windows-1252."""
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace").encode("utf-8")


def _pandoc(args: list[str], data: bytes | None, shown: str, what: str) -> bytes:
    # The heap bound and the sandbox are the build's: a source is untrusted text.
    command = [pandoc_path(), "+RTS", "-M2g", "-RTS", "--sandbox", *args]
    try:
        proc = subprocess.run(command, input=data, capture_output=True, timeout=300,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise EditionsError(f"{shown}: pandoc could not run: {err}") from None
    if proc.returncode != 0:
        said = proc.stderr.decode(errors="replace").strip().splitlines()
        raise EditionsError(f"{shown}: pandoc could not read it as {what}: "
                            f"{said[0] if said else 'it stopped'}")
    return proc.stdout


def _pandoc_json(path: Path, kind: str, data: bytes, shown: str) -> dict[str, Any]:
    names = {"html": "HTML", "docx": "Word (.docx)", "odt": "OpenDocument (.odt)",
             "markdown": "text"}
    reader = EXTENSIONS if kind == "markdown" else kind
    if kind in ("docx", "odt"):
        # binary formats are read from the file itself; the sandbox still holds
        out = _pandoc(["--from", reader, "--to", "json", str(path)], None, shown, names[kind])
    else:
        out = _pandoc(["--from", reader, "--to", "json"], _text(data), shown, names[kind])
    document: dict[str, Any] = json.loads(out)
    return document


# -- telling a testimony, an update and the page's furniture apart ------------------------

def plain(inlines: list[Any]) -> str:
    """The text of pandoc inlines, as a reader sees it."""
    parts: list[str] = []
    for item in inlines:
        kind, content = item["t"], item.get("c")
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "SmallCaps", "Superscript",
                      "Subscript"):
            parts.append(plain(content))
        elif kind in ("Link", "Span"):
            parts.append(plain(content[1]))
        elif kind == "Quoted":
            left, right = ("“", "”") if content[0]["t"] == "DoubleQuote" else ("‘", "’")
            parts.append(left + plain(content[1]) + right)
        elif kind == "Code":
            parts.append(content[1])
        elif kind == "Cite":
            parts.append(plain(content[1]))
    return " ".join("".join(parts).split())


def update_heading(text: str) -> tuple[str, str | None] | None:
    """(date, label) of an update heading such as 'UPDATE: July, 2008 – 1 Year on LDN'."""
    for pattern in UPDATE_HEADINGS:
        match = pattern.match(text)
        if match is None:
            continue
        date = _date(match.groupdict())
        if date is not None:
            label = match.group("label")
            return date, label.strip() if label else None
    return None


def _date(parts: dict[str, str | None]) -> str | None:
    if parts.get("iso"):
        text = str(parts["iso"])
    elif parts.get("mm"):
        text = f"{parts['slashyear']}-{int(str(parts['mm'])):02d}"
    else:
        year = parts.get("year")
        month_name = parts.get("month")
        if month_name is None:
            text = str(year)
        else:
            month = MONTHS.get(month_name.lower())
            if month is None:
                return None
            text = f"{year}-{month:02d}"
            if parts.get("day"):
                text += f"-{int(str(parts['day'])):02d}"
    try:
        PartialDate.parse(text)
    except ValueError:
        return None
    return text


@cache
def _countries() -> frozenset[str]:
    from babel import Locale

    names = set(Locale.parse("en").territories.values()) | COUNTRY_ALIASES
    return frozenset(names)


def testimony_heading(text: str) -> tuple[str, str] | None:
    """(name, country) of a heading such as 'Maurey, USA'; None for any other line."""
    match = TESTIMONY_HEADING.match(text.strip())
    if match is None:
        return None
    name, country = match.group("name").strip(), match.group("country").strip()
    words = name.split()
    if not 1 <= len(words) <= 4 or words[0].lower() in SALUTATIONS:
        return None
    if not all(_NAME_WORD.match(w) and (w[0].isupper() or w in _NAME_PARTICLES)
               for w in words):
        return None
    if country not in _countries():
        return None
    return name, country


def is_furniture(text: str) -> bool:
    words = " ".join(re.sub(r"[^\w\s'-]", " ", text).lower().split())
    return words in FURNITURE or not words


def _only_links(inlines: list[Any]) -> bool:
    """Navigation: nothing but links, and the bars or dots between them."""
    links = 0
    for item in inlines:
        if item["t"] == "Link":
            links += 1
        elif item["t"] in ("Space", "SoftBreak", "LineBreak"):
            continue
        elif not (item["t"] == "Str" and item["c"] in _SEPARATORS):
            return False
    return links > 0


def _list_of_links(block: dict[str, Any]) -> bool:
    items = block["c"] if block["t"] == "BulletList" else block["c"][1]
    return bool(items) and all(
        len(item) == 1 and item[0]["t"] in ("Plain", "Para") and _only_links(item[0]["c"])
        for item in items)


def _lines(inlines: list[Any]) -> list[list[Any]]:
    lines: list[list[Any]] = [[]]
    for item in inlines:
        if item["t"] in ("SoftBreak", "LineBreak"):
            lines.append([])
        else:
            lines[-1].append(item)
    return [line for line in lines if line]


def _joined(lines: list[list[Any]]) -> list[Any]:
    inlines: list[Any] = []
    for line in lines:
        if inlines:
            inlines.append({"t": "SoftBreak"})
        inlines.extend(line)
    return inlines


def blocks_of(blocks: list[Any]) -> Iterator[dict[str, Any]]:
    """The page's blocks in reading order, out of the boxes (divs) that held them; a
    navigation box is left out whole."""
    for block in blocks:
        if block["t"] == "Div":
            ident, classes, _ = block["c"][0]
            if {ident.lower(), *(c.lower() for c in classes)} & _FURNITURE_CONTAINERS:
                continue
            yield from blocks_of(block["c"][1])
        elif block["t"] == "Para" or block["t"] == "Plain":
            yield from _split_lines(block)
        else:
            yield block


def _split_lines(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A paragraph whose lines hold a heading (plain text has no other way to mark one) as
    the heading on its own and the paragraphs around it."""
    lines = _lines(block["c"])
    pending: list[list[Any]] = []
    for index, line in enumerate(lines):
        text = plain(line)
        heading = (update_heading(text) or (is_furniture(text) and len(lines) > 1)
                   or (index == 0 and len(lines) > 1 and testimony_heading(text)))
        if heading:
            if pending:
                yield {"t": "Para", "c": _joined(pending)}
                pending = []
            yield {"t": "Para", "c": line}
        else:
            pending.append(line)
    if pending:
        yield {"t": block["t"] if len(pending) == len(lines) else "Para",
               "c": _joined(pending)}


_PASSED_OVER = ("HorizontalRule", "RawBlock", "Null")
_TEXT_BLOCKS = ("Header", "Para", "Plain")


@dataclass
class _Place:
    """Where the reading of a page has got to: the testimony being read, and where its
    next paragraph goes (None: into what is left out)."""

    current: FoundTestimony | None
    target: list[Any] | None


def split_document(document: dict[str, Any], shown: str) -> Reading:
    """Cut a page into testimonies at their headings; furniture is left out."""
    reading = Reading(shown, [], [])
    place = _Place(None, reading.intro_blocks)  # before the first heading: the introduction
    for block in blocks_of(document.get("blocks", [])):
        if _passed_over(block, reading):
            continue
        text = _block_text(block)
        if _is_furniture_block(block, text):
            if place.current is not None:
                place.target = None  # furniture ends a story
        elif not _moved_on(block, text, reading, place):
            _put(block, text, reading, place)
    return reading


def _passed_over(block: dict[str, Any], reading: Reading) -> bool:
    """Whether a block is no text of the page: a rule, raw HTML, a list of links, or a
    picture (counted)."""
    kind = block["t"]
    if kind in _PASSED_OVER:
        return True
    if kind in ("BulletList", "OrderedList") and _list_of_links(block):
        return True
    if kind == "Figure":
        reading.images += 1
        return True
    return False


def _block_text(block: dict[str, Any]) -> str:
    """A heading's or a paragraph's plain text; nothing for any other block."""
    kind = block["t"]
    if kind not in _TEXT_BLOCKS:
        return ""
    return plain(block["c"][2] if kind == "Header" else block["c"])


def _is_furniture_block(block: dict[str, Any], text: str) -> bool:
    """Whether a heading or paragraph is the page's furniture: its words, or links alone."""
    kind = block["t"]
    return kind in _TEXT_BLOCKS and (
        is_furniture(text) or (kind != "Header" and _only_links(block["c"])))


def _moved_on(block: dict[str, Any], text: str, reading: Reading, place: _Place) -> bool:
    """Whether a block is a heading that moves the reading on: a testimony's, an update's,
    or a section title of the page."""
    kind = block["t"]
    heading = kind == "Header" or (kind in ("Para", "Plain") and len(text) <= 80)
    found = testimony_heading(text) if heading else None
    if found is not None:
        place.current = FoundTestimony(found[0], found[1], reading.source)
        reading.testimonies.append(place.current)
        place.target = place.current.blocks
        return True
    dated = update_heading(text) if heading else None
    if dated is not None and place.current is not None:
        update = FoundUpdate(dated[0], dated[1], text)
        place.current.updates.append(update)
        place.target = update.blocks
        return True
    if kind == "Header" and place.current is not None:
        place.target = None  # a section title of the page: what follows is in no testimony
        return True
    return False


def _put(block: dict[str, Any], text: str, reading: Reading, place: _Place) -> None:
    """Put a block where the reading has got to, or among what is left out."""
    if place.target is None:
        reading.left_out.append(_start(text or plain_block(block)))
    else:
        place.target.append(_clean_block(block, reading))


def plain_block(block: dict[str, Any]) -> str:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("t") == "Str":
                found.append(node["c"])
            else:
                walk(node.get("c"))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(block)
    return " ".join(found)


def _start(text: str) -> str:
    return text if len(text) <= 40 else text[:40].rstrip() + "…"


def _clean_block(block: dict[str, Any], reading: Reading) -> dict[str, Any]:
    """A block as the build may print it: links into the old site (its anchors, its own
    pages) become their text, pictures and raw HTML are left out, pictures counted."""
    cleaned = _clean_node(block, reading)
    return cleaned[0] if cleaned else {"t": "Null"}


def _clean(value: Any, reading: Reading) -> Any:
    if not isinstance(value, list):
        return value
    out: list[Any] = []
    for item in value:
        if isinstance(item, dict) and "t" in item:
            out.extend(_clean_node(item, reading))
        else:
            out.append(_clean(item, reading))
    return out


def _clean_node(node: dict[str, Any], reading: Reading) -> list[Any]:
    kind = node["t"]
    if kind == "Image":
        reading.images += 1
        return []
    if kind in ("RawInline", "RawBlock"):
        return []
    if kind == "Span":
        return list(_clean(node["c"][1], reading))
    if kind == "Link":
        inner = list(_clean(node["c"][1], reading))
        if not node["c"][2][0].startswith(WEB_LINKS):
            return inner
        return [{"t": "Link", "c": [["", [], []], inner, node["c"][2]]}]
    if "c" in node:
        return [{"t": kind, "c": _clean(node["c"], reading)}]
    return [node]


def to_markdown(readings: list[Reading]) -> None:
    """Every story, update and introduction as Markdown, in one pandoc run."""
    parts: list[tuple[Any, str]] = []
    for reading in readings:
        if reading.intro_blocks:
            parts.append((reading, "intro"))
        for found in reading.testimonies:
            parts.append((found, "story"))
            parts.extend((update, "text") for update in found.updates)
    blocks: list[Any] = []
    for index, (owner, attribute) in enumerate(parts):
        source = owner.intro_blocks if attribute == "intro" else owner.blocks
        blocks.extend(source)
        blocks.append({"t": "Para", "c": [{"t": "Str", "c": f"{_SPLIT}{index}"}]})
    document = {"pandoc-api-version": readings[0].api, "meta": {}, "blocks": blocks}
    out = _pandoc(["--from", "json", "--to", MARKDOWN_OUT, "--wrap=none"],
                  json.dumps(document).encode(), "import", "Markdown").decode("utf-8")
    texts = re.split(rf"(?m)^{_SPLIT}\d+\n?", out)
    for (owner, attribute), text in zip(parts, texts, strict=False):
        setattr(owner, attribute, text.strip() + "\n" if text.strip() else "")


def condition_in(text: str) -> str | None:
    """The one condition a story names, if it names exactly one."""
    named = {name for pattern, name in CONDITIONS if pattern.search(text)}
    return named.pop() if len(named) == 1 else None


# -- planning the files: new testimonies, updates added to existing ones -------------------

_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                "twelve": 12}
_TIME_ON = re.compile(r"\b(?P<count>\d{1,2}|[a-z]+)\s+(?P<unit>year|month)s?\s+(?:on|of|with)\s+"
                      r"(?P<treatment>[^\s,.;:]+)", re.IGNORECASE)


@dataclass
class Planned:
    """One file an import writes: its text before (None for a new file) and after."""

    path: Path
    before: str | None
    after: str
    sources: list[str] = field(default_factory=list)
    updates: int = 0  # in a new file: all its updates; in an existing one: those added

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class ImportPlan:
    files: dict[Path, Planned] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the editor should look at
    warnings: list[Any] = field(default_factory=list)  # the privacy lint's, as Problems
    testimonies: int = 0


def _normal(text: str) -> str:
    return " ".join(text.split())


def _started_from(found: FoundTestimony, treatment: str) -> tuple[str, str] | None:
    """The treatment's start worked out from an update label such as '1 Year on LDN'."""
    for update in found.updates:
        date = PartialDate.parse(update.date)
        match = _TIME_ON.search(update.label or "")
        if match is None or date.precision == "year":
            continue
        if match.group("treatment").lower() != treatment.lower():
            continue
        count_text = match.group("count").lower()
        count = int(count_text) if count_text.isdigit() else _COUNT_WORDS.get(count_text)
        if not count:
            continue
        months = count * (12 if match.group("unit").lower() == "year" else 1)
        first = date.first_day
        index = first.year * 12 + first.month - 1 - months
        return f"{index // 12:04d}-{index % 12 + 1:02d}", update.heading
    return None


def _date_value(text: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(text) if len(text) == 10 else text


def _update_map(update: FoundUpdate) -> Any:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import LiteralScalarString

    data = CommentedMap([("date", _date_value(update.date))])
    if update.label:
        data["label"] = update.label
    data["text"] = LiteralScalarString(update.text)
    return data


def _note(data: Any, key: str, text: str) -> None:
    """A comment two spaces after the value, as the editor types one."""
    data.yaml_add_eol_comment(text, key, column=len(key) + len(str(data[key])) + 4)


def new_testimony_text(found: FoundTestimony, *, condition: str, condition_note: str | None,
                       received: str, treatment: str, language: str = "en") -> str:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString

    from editions.edit.new import CONSENT_PROMPT, _dump
    from editions.load.archive import TESTIMONY_FIELDS

    data = CommentedMap([("name", found.name), ("country", found.country),
                         ("condition", condition)])
    if condition_note:
        _note(data, "condition", condition_note)
    started = _started_from(found, treatment)
    if started:
        data["started"] = started[0]
        _note(data, "started", f"worked out from '{started[1]}': check it")
    data["received"] = _date_value(received)
    _note(data, "received", f"imported from {Path(found.source).name}")
    data["story"] = LiteralScalarString(found.story)
    # An archive page is not consent to print: the editor writes the date they had it.
    data.yaml_set_comment_before_after_key("story", before=CONSENT_PROMPT)
    if found.updates:
        data["updates"] = CommentedSeq(_update_map(u) for u in found.updates)
    return _dump(data, TESTIMONY_FIELDS, "testimony", language)


def merged_text(text: str, found: FoundTestimony, shown: str, language: str = "en"
                ) -> tuple[str, int, list[str]]:
    """An existing testimony with the updates it lacks added in date order; what differs
    from the file is reported, never applied."""
    import io

    from ruamel.yaml.comments import CommentedSeq

    from editions.edit.fmt import format_text, round_trip_yaml
    from editions.load.archive import TESTIMONY_FIELDS

    yaml = round_trip_yaml()
    data = yaml.load(text)
    notes = []
    if _normal(str(data.get("story") or "")) != _normal(found.story):
        notes.append(f"{shown}: the story differs from the one in {found.source}; the file's "
                     "is kept (compare them by hand)")
    updates = data.get("updates")
    if updates is None:
        updates = data["updates"] = CommentedSeq()
    added = 0
    for update in found.updates:
        date = PartialDate.parse(update.date)
        same_day = [u for u in updates if PartialDate.parse(str(u["date"])) == date]
        if any(_normal(str(u.get("text") or "")) == _normal(update.text) for u in same_day):
            continue
        if same_day:
            notes.append(f"{shown}: the update of {update.date} differs from the one in "
                         f"{found.source}; the file's is kept")
            continue
        position = next((i for i, u in enumerate(updates)
                         if PartialDate.parse(str(u["date"])) > date), len(updates))
        updates.insert(position, _update_map(update))
        added += 1
    if not added:
        return text, 0, notes
    out = io.StringIO()
    yaml.dump(data, out)
    return format_text(out.getvalue(), TESTIMONY_FIELDS, language), added, notes


@dataclass
class _Importing:
    """An import being planned: what shapes every file, and what it has found so far."""

    root: Path
    received: str
    condition: str | None
    treatment: str
    language: str
    plan: ImportPlan = field(default_factory=ImportPlan)
    refused: list[str] = field(default_factory=list)
    # Existing files that do not load: the editor fixes them first, by hand.
    broken: list[Problem] = field(default_factory=list)


def plan_import(root: Path, readings: list[Reading], *, received: str,
                condition: str | None, treatment: str, language: str) -> ImportPlan:
    """What importing the readings would write; EditionsError when a testimony cannot be.

    The files are written as fmt would write them, with the sentences of `language`."""

    importing = _Importing(root, received, condition, treatment, language)
    ids: set[str] = set()
    for reading in readings:
        for found in reading.testimonies:
            tid = slug(f"{found.name} {found.country}")
            ids.add(tid)  # one testimony in two sources is counted once
            _plan_testimony(importing, reading, found, tid)
    importing.plan.testimonies = len(ids)
    if importing.refused:
        raise EditionsError("\nerror: ".join(importing.refused) + "; nothing was written")
    if importing.broken:
        raise ContentError(importing.broken)
    return importing.plan


def _plan_testimony(importing: _Importing, reading: Reading, found: FoundTestimony,
                    tid: str) -> None:
    """Plan one testimony a source has: its updates merged into the file it has, a new
    file, or the reason it cannot be imported."""
    from editions.model import ID_PATTERN

    if not ID_PATTERN.match(tid):
        importing.refused.append(f"{reading.source}: '{found.name}, {found.country}' makes no "
                                 "testimony id (lowercase letters, digits and hyphens)")
        return
    path = importing.root / "testimonies" / f"{tid}.yaml"
    planned = importing.plan.files.get(path)
    if planned is None and path.is_file():
        if not _loads(importing.root, path, importing.broken):
            return  # its problems are reported; the merge waits for a fix
        before = path.read_text(encoding="utf-8")
        planned = importing.plan.files[path] = Planned(path, before, before)
    if planned is not None:
        _plan_merge(importing, planned, reading, found, f"testimonies/{tid}.yaml")
    else:
        _plan_new(importing, path, reading, found, f"testimonies/{tid}.yaml")


def _plan_merge(importing: _Importing, planned: Planned, reading: Reading,
                found: FoundTestimony, shown: str) -> None:
    """Add to a testimony file the updates it lacks, noting where it differs."""
    after, added, notes = merged_text(planned.after, found, shown, importing.language)
    planned.after, planned.updates = after, planned.updates + added
    planned.sources.append(reading.source)
    importing.plan.notes.extend(notes)


def _plan_new(importing: _Importing, path: Path, reading: Reading, found: FoundTestimony,
              shown: str) -> None:
    """A new testimony file, or why it cannot be written: no story, or no one condition."""
    where = f"{reading.source}: {found.name}, {found.country}"
    if not found.story:
        importing.refused.append(f"{where}: no story under the heading")
        return
    condition = importing.condition
    named = condition or condition_in(" ".join([found.story, *(u.text for u in found.updates)]))
    if named is None:
        importing.refused.append(f"{where}: the story names no one condition; give it with "
                                 "--condition")
        return
    note = None if condition else "named in the story: check it"
    text = new_testimony_text(found, condition=named, condition_note=note,
                              received=importing.received, treatment=importing.treatment,
                              language=importing.language)
    if _started_from(found, importing.treatment) is None:
        importing.plan.notes.extend(
            f"{shown}: the update of {u.date} has no label and the start of the "
            "treatment is not known: write its 'label:' or the testimony's "
            "'started:', or check refuses it" for u in found.updates if not u.label)
    importing.plan.files[path] = Planned(path, None, text, [reading.source],
                                         len(found.updates))


def _loads(root: Path, path: Path, broken: list[Problem]) -> bool:
    """Whether an existing testimony loads strictly; its problems are added when not."""
    from editions.load.archive import load_testimony

    problems: list[Problem] = []
    record = load_testimony(root, path, problems)
    errors = [p for p in problems if p.is_error]
    broken.extend(errors)
    return record is not None and not errors


def plan_intro(root: Path, number: int, readings: list[Reading], plan: ImportPlan, *,
               language: str) -> None:
    """Put the text before the first testimony into draft edition `number`'s introduction."""
    import io

    from ruamel.yaml.scalarstring import LiteralScalarString

    from editions.edit.fmt import format_text, round_trip_yaml
    from editions.load.archive import EDITION_FIELDS
    path = root / "editions" / f"{number:03d}.yaml"
    shown = f"editions/{number:03d}.yaml"
    if not path.is_file():
        raise EditionsError(f"--intro {number}: no edition {number} ({shown}); start it with "
                            "`editions new edition`; nothing was written")
    intro = "\n".join(r.intro for r in readings if r.intro)
    if not intro:
        plan.notes.append(f"--intro {number}: no source has text before its first testimony")
        return
    text = path.read_text(encoding="utf-8")
    yaml = round_trip_yaml()
    data = yaml.load(text)
    if str(data.get("status")) != "draft":
        raise EditionsError(f"--intro {number}: edition {number} is published; only a draft's "
                            "introduction can be written; nothing was written")
    if data.get("intro"):
        if _normal(str(data["intro"])) != _normal(intro):
            plan.notes.append(f"{shown}: has an introduction already; the imported one was not "
                              "put in")
        return
    data["intro"] = LiteralScalarString(intro)
    out = io.StringIO()
    yaml.dump(data, out)
    plan.files[path] = Planned(path, text, format_text(out.getvalue(), EDITION_FIELDS, language),
                               [r.source for r in readings if r.intro])


def lint(root: Path, plan: ImportPlan) -> None:
    """The privacy lint on what was imported; a file that would not load is a bug here."""
    from editions.check.privacy import privacy_problems
    from editions.load.archive import load_testimony

    for planned in plan.files.values():
        if planned.path.parent.name != "testimonies" or not planned.changed:
            continue
        problems: list[Problem] = []
        record = load_testimony(root, planned.path, problems, planned.after.encode("utf-8"))
        if record is None or any(p.is_error for p in problems):
            raise ContentError(problems)
        plan.warnings.extend(privacy_problems(record))


def write_plan(plan: ImportPlan) -> None:
    """Write every changed file, each in one step; new files never replace one."""
    from editions.edit.fmt import replace_file
    from editions.load.files import create_source

    for planned in plan.files.values():
        if not planned.changed:
            continue
        if planned.before is None:
            create_source(planned.path, planned.after)
        else:
            replace_file(planned.path, planned.after)


def import_sources(root: Path, sources: list[Path], *, received: str,
                   condition: str | None = None, intro: int | None = None,
                   dry_run: bool = False) -> tuple[ImportPlan, list[Reading]]:
    """Read every source, plan every file, lint it, and write it unless `dry_run`.

    Nothing is written when any source is bad or any testimony cannot be made.
    """
    from editions.load.archive import load_settings, require_publication

    require_publication(root)
    problems: list[Problem] = []
    settings = load_settings(root, problems)
    if problems:  # its language and treatment shape every file the import writes
        raise ContentError(problems)
    readings, bad = [], []
    for source in sources:
        try:
            readings.append(read_source(source, str(source)))
        except EditionsError as err:
            bad.append(str(err))
    if bad:
        raise EditionsError("\nerror: ".join(bad))
    to_markdown(readings)
    plan = plan_import(root, readings, received=received, condition=condition,
                       treatment=settings.treatment, language=settings.language)
    if intro is not None:
        plan_intro(root, intro, readings, plan, language=settings.language)
    lint(root, plan)
    if not dry_run:
        write_plan(plan)
    return plan, readings
