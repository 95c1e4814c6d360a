"""Load: the editor's YAML files to typed records, strictly, every problem with file:line:col."""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import yaml

from editions.errors import ContentError, EditionsError, Problem, Severity, Where
from editions.load.files import RefusedFile, read_source
from editions.model import (
    EDITION_FILE_PATTERN,
    FORMATS,
    ID_PATTERN,
    Archive,
    Consent,
    Edition,
    Frozen,
    Markdown,
    PartialDate,
    References,
    Reissue,
    Settings,
    Testimony,
    Update,
)

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 16
MAX_NODES = 50_000
SETTINGS_FILE = "publication.yaml"
REFERENCES_FILE = "references.yaml"

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULLS = {"", "~", "null", "Null", "NULL"}


# --- YAML to located nodes -------------------------------------------------------------------


@dataclass
class Node:
    """A YAML node that remembers where it starts; scalars stay the text the editor wrote."""

    kind: str  # "scalar" | "map" | "seq"
    where: Where
    text: str = ""
    style: str | None = None
    items: list[Node] | None = None
    pairs: list[tuple[Node, Node]] | None = None

    @property
    def is_null(self) -> bool:
        return self.kind == "scalar" and not self.style and self.text in _NULLS

    def describe(self) -> str:
        if self.kind == "map":
            return "a mapping"
        if self.kind == "seq":
            return "a list"
        return "empty" if self.is_null else "text"


class _Stop(Exception):
    """A problem that ends reading of one file."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def parse_yaml(path: str, data: bytes) -> Node:
    """Parse one YAML document into nodes, refusing what the format must never carry.

    Bounded whatever the input: at most MAX_FILE_BYTES read, MAX_NODES nodes built and
    MAX_DEPTH levels deep (libyaml itself stops at 1,000 levels before any of our code runs).
    """
    if len(data) > MAX_FILE_BYTES:
        raise _Stop(Problem(Where(path, 1, 1), f"file is {len(data):,} bytes; the limit is "
                                        f"{MAX_FILE_BYTES:,} bytes (1 MiB) per file"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        col = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise _Stop(Problem(Where(path, line, col), "file is not UTF-8 text")) from None
    text = text.removeprefix("\ufeff")
    bad = FORBIDDEN_CHARACTERS.search(text)
    if bad:
        line, col = _position(text, bad.start())
        raise _Stop(Problem(Where(path, line, col), forbidden_message(bad.group())))
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise _Stop(Problem(Where(path, 1, 1), "file is empty"))
    events = _Events(path, yaml.parse(text, Loader=_Parser))
    try:
        return _compose(path, events, text.splitlines())
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        reason = err.problem or err.context or "not valid YAML"
        if reason == "exceeded maximum nesting depth":  # libyaml's own limit, 1,000 levels
            reason = f"nested more than {MAX_DEPTH} levels deep"
            raise _Stop(Problem(Where(path, line, col), reason)) from None
        raise _Stop(_syntax_problem(path, text, err, line, col, reason)) from None
    except yaml.YAMLError as err:
        raise _Stop(Problem(Where(path, 1, 1), f"YAML syntax: {err}")) from None


# C0 and C1 control characters other than tab and line breaks, and the invisible controls
# that reorder text (bidirectional overrides and isolates, the direction marks): they can hide
# text from a reviewer. Non-characters (U+FDD0-U+FDEF and the last two of every plane) are no
# text and make the feed and the PDF's XMP ill-formed XML; the line and paragraph separators
# break lines in some programs and not in others; the invisible marks (zero-width space, word
# joiner, invisible operators, a byte-order mark inside the text) can split a surname or a
# phone number so that neither a reader nor the privacy lint sees it. The zero-width joiner
# and non-joiner (U+200C, U+200D) are left alone: Persian, the Indic scripts and emoji need
# them.
_NON_CHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17))
_DIRECTION = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
_INVISIBLE = "\u200b\u2060-\u2064\ufeff"
_SEPARATORS = "\u2028\u2029"
FORBIDDEN_CHARACTERS = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f{_DIRECTION}{_INVISIBLE}{_SEPARATORS}"
    f"{_NON_CHARACTERS}]")
_NAMES = {"\u200b": "zero-width space", "\u2060": "word joiner", "\ufeff": "zero-width no-break "
          "space (byte-order mark)", "\u2028": "line separator", "\u2029": "paragraph separator"}


def forbidden_message(character: str) -> str:
    code = f"U+{ord(character):04X}"
    if re.fullmatch(f"[{_DIRECTION}]", character):
        return (f"invisible direction control {code} is not allowed: it can make text read "
                "differently from what it holds")
    if re.fullmatch(f"[{_NON_CHARACTERS}]", character):
        return (f"non-character {code} is not allowed: it is not text, and no page, feed or "
                "PDF can hold it")
    if character in _SEPARATORS:
        return (f"{_NAMES[character]} {code} is not allowed: end the line with an ordinary "
                "line break")
    if re.fullmatch(f"[{_INVISIBLE}]", character):
        name = _NAMES.get(character, "invisible character")
        return (f"invisible {name} {code} is not allowed: it can hide a word from readers, "
                "reviewers and the privacy check")
    return f"control character {code} is not allowed"


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# What was left open, by the context YAML names: the mistake is where it was opened.
_UNCLOSED = {"while parsing a flow sequence": "the '[' opened here is never closed",
             "while parsing a flow mapping": "the '{' opened here is never closed",
             "while scanning a quoted scalar": "the quote opened here is never closed"}


def _syntax_problem(path: str, text: str, err: yaml.MarkedYAMLError, line: int, col: int,
                    reason: str) -> Problem:
    """A YAML syntax error where the editor made it: YAML notices an unclosed bracket or
    quote, or a key without its ':', only lines later."""
    context, opened = err.context or "", err.context_mark
    if context in _UNCLOSED and opened is not None and opened.line + 1 < line:
        return Problem(Where(path, opened.line + 1, opened.column + 1),
                       f"YAML syntax: {_UNCLOSED[context]} ({reason}, line {line})")
    if "mapping values are not allowed" in reason:
        key = _runaway_key(text, line)
        if key is not None:
            start, words = key
            return Problem(Where(path, *start), f"YAML syntax: '{words}' has no ':' after it, "
                           f"so it runs on into line {line}, where a ':' is not allowed")
    return Problem(Where(path, line, col), f"YAML syntax: {reason}")


def _runaway_key(text: str, line: int) -> tuple[tuple[int, int], str] | None:
    """Where a line that lacks its ':' starts, when YAML read it and the lines after it as
    one text up to line `line`; None when that text is a value (then `line` is the mistake)."""
    tokens: list[yaml.Token] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            tokens.append(token)
    except yaml.YAMLError:
        pass
    scalars = [i for i, t in enumerate(tokens) if isinstance(t, yaml.ScalarToken)]
    if not scalars:
        return None
    last = scalars[-1]
    token = tokens[last]
    if token.start_mark.line + 1 >= line or (
            last and isinstance(tokens[last - 1], yaml.ValueToken)):
        return None
    words = text.splitlines()[token.start_mark.line][token.start_mark.column:].strip()
    return (token.start_mark.line + 1, token.start_mark.column + 1), words


class _Events:
    """libyaml's events one at a time, stopping a file that holds too many nodes."""

    def __init__(self, path: str, events: Iterator[yaml.Event]) -> None:
        self.path = path
        self.events = events
        self.nodes = 0

    def __iter__(self) -> Iterator[yaml.Event]:
        return self

    def __next__(self) -> yaml.Event:
        event = next(self.events)
        if isinstance(event, yaml.NodeEvent):
            self.nodes += 1
            if self.nodes > MAX_NODES:
                where = _where(self.path, event)
                raise _Stop(Problem(where,
                                    f"more than {MAX_NODES:,} values in one file"))
        return event


def _compose(path: str, events: _Events, lines: list[str]) -> Node:
    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            break
    node = _node(path, next(events), events, lines, 0)
    end = next(events)  # the document's end
    following = next(events)
    if isinstance(following, yaml.DocumentStartEvent):
        second = _where(path, following)
        raise _Stop(Problem(second,
                            "only one YAML document is allowed per file"))
    assert isinstance(end, yaml.DocumentEndEvent), end
    return node


def _where(path: str, event: yaml.Event) -> Where:
    mark = event.start_mark
    return Where(path, mark.line + 1, mark.column + 1) if mark is not None else Where(path)


def _node(path: str, event: yaml.Event, rest: Iterator[yaml.Event], lines: list[str],
          depth: int) -> Node:
    """One node and all it holds, refused whole if anything in it is not plain data."""
    where = _where(path, event)
    _refuse_markup(path, event, where, depth)
    if isinstance(event, yaml.ScalarEvent):
        return _scalar(path, event, where, lines)
    node = None
    if isinstance(event, yaml.SequenceStartEvent):
        node = _sequence(path, where, rest, lines, depth)
    elif isinstance(event, yaml.MappingStartEvent):
        node = _mapping(path, where, rest, lines, depth)
    if node is None:  # the events ran out inside the collection, or were no node's
        raise _Stop(Problem(where, "unexpected end of YAML"))
    return node


def _refuse_markup(path: str, event: yaml.Event, where: Where, depth: int) -> None:
    """Stop at a node nested too deep, or marked as YAML allows and editions never accepts."""
    if depth > MAX_DEPTH:
        raise _Stop(Problem(where,
                            f"nested more than {MAX_DEPTH} levels deep"))
    if isinstance(event, yaml.AliasEvent):
        raise _Stop(Problem(where,
                            f"aliases are not allowed (*{event.anchor}): write the value out"))
    anchor = getattr(event, "anchor", None)
    if anchor:
        raise _Stop(Problem(where,
                            f"anchors are not allowed (&{anchor}): write the value out"))
    tag = _refused_tag(event)
    if tag:
        raise _Stop(Problem(where, f"tags are not allowed ({tag})"))


def _refused_tag(event: yaml.Event) -> str | None:
    """The tag an event must not carry: any written out, and on a list or mapping any but `!`."""
    tag = getattr(event, "tag", None)
    implicit = getattr(event, "implicit", True)
    explicit_tag = tag and (
        implicit is False or (isinstance(implicit, tuple) and not any(implicit))
    )
    if explicit_tag or (tag and not isinstance(event, yaml.ScalarEvent) and tag != "!"):
        return str(tag)
    return None


def _scalar(path: str, event: yaml.ScalarEvent, where: Where, lines: list[str]) -> Node:
    """A scalar as the text written, located where a block scalar's text starts."""
    # An escape in a quoted scalar ("\0", "\u202e") can make what the file text refuses.
    bad = FORBIDDEN_CHARACTERS.search(event.value.replace("\r", "\x0b"))
    if bad:
        raise _Stop(Problem(where, forbidden_message(bad.group())
                            + " (here written as an escape)"))
    style = event.style or None
    if style in ("|", ">"):
        where = _block_start(path, event, lines)
    return Node("scalar", where, text=event.value, style=style)


def _sequence(path: str, where: Where, rest: Iterator[yaml.Event], lines: list[str],
              depth: int) -> Node | None:
    """A list's items up to its end; None if the events end first."""
    items: list[Node] = []
    for child in rest:
        if isinstance(child, yaml.SequenceEndEvent):
            return Node("seq", where, items=items)
        items.append(_node(path, child, rest, lines, depth + 1))
    return None


def _mapping(path: str, where: Where, rest: Iterator[yaml.Event], lines: list[str],
             depth: int) -> Node | None:
    """A mapping's pairs up to its end; None if the events end first."""
    pairs: list[tuple[Node, Node]] = []
    seen: dict[str, Where] = {}
    for child in rest:
        if isinstance(child, yaml.MappingEndEvent):
            return Node("map", where, pairs=pairs)
        key = _node(path, child, rest, lines, depth + 1)
        _refuse_key(path, key, seen)
        seen[key.text] = key.where
        value = _node(path, next(rest), rest, lines, depth + 1)
        pairs.append((key, value))
    return None


def _refuse_key(path: str, key: Node, seen: dict[str, Where]) -> None:
    """Stop at a key that is no plain word, a merge key, or one the mapping already has."""
    if key.kind != "scalar":
        raise _Stop(Problem(key.where,
                            "a key must be a plain word, not " + key.describe()))
    if key.text == "<<" and not key.style:
        raise _Stop(Problem(key.where,
                            "merge keys (<<) are not allowed: write the fields out"))
    if key.text in seen:
        first = seen[key.text]
        raise _Stop(Problem(key.where,
                            f"duplicate key '{key.text}' (first given at line "
                            f"{first.line})"))


def _block_start(path: str, event: yaml.ScalarEvent, lines: list[str]) -> Where:
    """Where the first line of a block scalar's text is: the line after its `|` or `>`."""
    start = _where(path, event).line  # the indicator's line; as an index, the line after it
    line = start
    while line < len(lines) and not lines[line].strip():
        line += 1
    if line >= len(lines):
        return _where(path, event)
    text_line = lines[line]
    blank_lines_before = line - start
    indent = len(text_line) - len(text_line.lstrip(" "))
    # Leading blank lines stay in the value, so line 0 of the text is the first line after `|`.
    return Where(path, line + 1 - blank_lines_before, indent + 1)


# --- nodes to values, by field specification -------------------------------------------------


@dataclass(frozen=True)
class Field:
    kind: str  # text | markdown | date | int | choice | choices | ids | texts | map | maps
    required: bool = False
    choices: tuple[str, ...] = ()
    fields: dict[str, Field] | None = None
    description: str = ""


CONSENT_FIELDS = {
    "given": Field("date", description="when the contributor agreed to be printed; no edition "
                   "prints the testimony before"),
    "withdrawn": Field("date", description="when the contributor withdrew consent"),
}
UPDATE_FIELDS = {
    "date": Field("date", required=True, description="when the update was written"),
    "label": Field("text", description="heading label; derived from `started` when missing"),
    "text": Field("markdown", required=True, description="the update, in Markdown"),
}
PRIVACY_FIELDS = {
    "acknowledged": Field("texts", description="privacy findings the contributor agreed to "
                          "print, each as `check` quotes it"),
}
TESTIMONY_FIELDS = {
    "name": Field("text", required=True, description="a first name or pseudonym, as printed"),
    "country": Field("text", required=True),
    "condition": Field("text", required=True),
    "treatment": Field("text", description="defaults to the publication's treatment"),
    "diagnosed": Field("date"),
    "started": Field("date", description="start of the treatment; derives update labels"),
    "received": Field("date", required=True, description="when the story reached the editor"),
    "consent": Field("map", fields=CONSENT_FIELDS,
                     description="a testimony may be kept before its contributor agrees"),
    "story": Field("markdown", required=True),
    "updates": Field("maps", fields=UPDATE_FIELDS, description="oldest first"),
    "privacy": Field("map", fields=PRIVACY_FIELDS, description="what the privacy lint may pass"),
}
FROZEN_FIELDS = {
    "fingerprint": Field("text", required=True,
                         description="sha256 of everything the edition prints, in order"),
    "passages": Field("texts", description="a short fingerprint and the name of each passage"),
}
REISSUE_FIELDS = {
    "date": Field("date", required=True, description="when the edition was reissued"),
    "note": Field("text", required=True, description="what changed, as readers see it"),
}
EDITION_FIELDS = {
    "number": Field("int", required=True),
    "date": Field("date", required=True, description="publication date"),
    "status": Field("choice", required=True, choices=("draft", "published")),
    "title": Field("text"),
    "intro": Field("markdown", description="the editor's article"),
    "testimonies": Field("ids", required=True, description="testimony ids, in print order"),
    "reissues": Field("maps", fields=REISSUE_FIELDS,
                      description="changes accepted after publication, oldest first"),
    "frozen": Field("map", fields=FROZEN_FIELDS,
                    description="written by `editions publish`: what the edition prints"),
}
SETTINGS_FIELDS = {
    "title": Field("text"),
    "subtitle": Field("text"),
    "publisher": Field("text"),
    "language": Field("text", description="a BCP 47 tag such as en-GB"),
    "site_url": Field("text", description="the archive's public address"),
    "paper": Field("choice", choices=("A4", "A5", "Letter")),
    "treatment": Field("text", description="the treatment most testimonies are about"),
    "formats": Field("choices", choices=FORMATS,
                     description="what each edition is published as besides its page"),
}


class _Reader:
    """Turns the nodes of one file into values, collecting every problem."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def error(self, where: Where, message: str) -> None:
        self.problems.append(Problem(where, message))

    def mapping(self, node: Node, spec: dict[str, Field], prefix: str,
                where: dict[str, Where]) -> dict[str, Any]:
        """Read a mapping by its spec; `where` gets each value's position, keyed by field path."""
        if node.kind != "map":
            self.error(node.where, f"{_what(prefix)} must be a mapping of fields, not "
                                   f"{node.describe()}")
            return {}
        values: dict[str, Any] = {}
        assert node.pairs is not None
        for key, value in node.pairs:
            read = self._field(key, value, spec, prefix, where)
            if read is not None:
                values[key.text] = read
        self._missing(node, spec, prefix, values)
        return values

    def _field(self, key: Node, value: Node, spec: dict[str, Field], prefix: str,
               where: dict[str, Where]) -> Any:
        """One field of a mapping read by its spec; None when unknown, empty or wrong."""
        name = key.text
        field = spec.get(name)
        dotted = f"{prefix}.{name}" if prefix else name
        if field is None:
            self.error(key.where, f"unknown field '{dotted}'{_did_you_mean(name, spec)}")
            return None
        where[dotted] = value.where
        if value.is_null:
            if field.required:
                self.error(value.where, f"'{dotted}' must not be empty")
            return None
        return self.value(value, field, dotted, where)

    def _missing(self, node: Node, spec: dict[str, Field], prefix: str,
                 values: dict[str, Any]) -> None:
        """Report each required field the mapping does not name at all."""
        assert node.pairs is not None
        # A field given but empty or wrong was reported where it is; say nothing more of it.
        for name, field in spec.items():
            if field.required and name not in values and not any(
                k.text == name for k, _ in node.pairs
            ):
                self.error(node.where, f"{_what(prefix)} is missing the required field '{name}'")

    def value(self, node: Node, field: Field, dotted: str, where: dict[str, Where]) -> Any:
        """One value read by its field's kind; None when it is wrong (the problem recorded)."""
        kind = field.kind
        if kind in ("map", "maps", "ids", "texts", "choices"):
            return self._collection(node, field, dotted, where)
        if node.kind != "scalar":
            self.error(node.where, f"'{dotted}' must be {_KIND_WORDS[kind]}, not {node.describe()}")
            return None
        if field.required and not node.text.strip():
            self.error(node.where, f"'{dotted}' must not be empty")
            return None
        return self._scalar_value(node, field, dotted)

    def _scalar_value(self, node: Node, field: Field, dotted: str) -> Any:
        """A scalar read as its field's kind: a line, Markdown, a date, a number or a word."""
        kind = field.kind
        if kind == "text":
            return self._line(node, dotted)
        if kind == "markdown":
            return Markdown(node.text, node.where, literal=node.style == "|")
        if kind == "date":
            return self._date(node, dotted)
        if kind == "int":
            return self._int(node, dotted)
        if kind == "choice":
            return self._choice(node, field, dotted)
        raise AssertionError(kind)

    def _line(self, node: Node, dotted: str) -> str | None:
        """A single line of text, its surrounding spaces dropped."""
        if "\n" in node.text.strip():
            self.error(node.where, f"'{dotted}' must be a single line")
            return None
        return node.text.strip()

    def _date(self, node: Node, dotted: str) -> PartialDate | None:
        """A date, as precise as the editor wrote it."""
        try:
            return PartialDate.parse(node.text.strip())
        except ValueError as err:
            self.error(node.where, f"'{dotted}': {err}")
            return None

    def _int(self, node: Node, dotted: str) -> int | None:
        """A whole number written as plain digits."""
        text = node.text
        if node.style or not (text.isascii() and text.isdigit()):
            self.error(node.where, f"'{dotted}' must be a whole number, not '{text}'")
            return None
        return int(text)

    def _choice(self, node: Node, field: Field, dotted: str) -> str | None:
        """One of the field's choices, written exactly."""
        text = node.text
        if text not in field.choices:
            options = " or ".join(field.choices)
            self.error(node.where, f"'{dotted}' must be {options}, not '{text}'"
                       f"{_did_you_mean(text, field.choices)}")
            return None
        return text

    def _collection(self, node: Node, field: Field, dotted: str,
                    where: dict[str, Where]) -> Any:
        if field.kind == "map":
            assert field.fields is not None
            return self.mapping(node, field.fields, dotted, where)
        if node.kind != "seq":
            self.error(node.where, f"'{dotted}' must be a list, not {node.describe()}")
            return None
        assert node.items is not None
        result: list[tuple[Any, Where]] = []
        for index, item in enumerate(node.items):
            item_path = f"{dotted}[{index}]"
            where[item_path] = item.where
            if field.kind == "maps":
                assert field.fields is not None
                result.append((self.mapping(item, field.fields, item_path, where), item.where))
            elif field.kind == "texts":
                text = self.value(item, Field("text"), item_path, where)
                if text is not None:
                    result.append((text, item.where))
            elif field.kind == "choices":
                self._choice_item(item, field, item_path, where, result)
            elif item.kind != "scalar" or item.is_null:
                self.error(item.where, f"'{item_path}' must be a testimony id, not "
                                       f"{item.describe()}")
            elif not ID_PATTERN.match(item.text):
                self.error(item.where, f"'{item.text}' is not a testimony id: ids are lowercase "
                                       "letters, digits and hyphens")
            else:
                result.append((item.text, item.where))
        return result


    def _choice_item(self, item: Node, field: Field, item_path: str, where: dict[str, Where],
                     result: list[tuple[Any, Where]]) -> None:
        """One word of a list of choices; one named twice is a slip worth saying."""
        word = self.value(item, Field("choice", choices=field.choices), item_path, where)
        if word is None:
            return
        if any(word == chosen for chosen, _ in result):
            self.error(item.where, f"'{item_path}': '{word}' is listed twice")
            return
        result.append((word, item.where))


_KIND_WORDS = {"text": "text", "markdown": "Markdown text", "date": "a date",
               "int": "a whole number", "choice": "one word"}


def _what(prefix: str) -> str:
    """How a problem names a mapping: by its field path, or as the file itself."""
    return f"'{prefix}'" if prefix else "the file"


def _did_you_mean(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def plain_data(node: Node, *, booleans: bool = False, max_digits: int | None = 9) -> Any:
    """A node as plain data: plain digits as numbers, `true`/`false` as booleans if asked.

    CSL references keep long digit runs (identifiers) as text, hence `max_digits`.
    """
    if node.kind == "map":
        assert node.pairs is not None
        return {k.text: plain_data(v, booleans=booleans, max_digits=max_digits)
                for k, v in node.pairs}
    if node.kind == "seq":
        assert node.items is not None
        return [plain_data(i, booleans=booleans, max_digits=max_digits) for i in node.items]
    if node.is_null:
        return None
    if not node.style:
        digits = node.text.isascii() and node.text.isdigit()
        if digits and (max_digits is None or len(node.text) <= max_digits):
            return int(node.text)
        if booleans and node.text in ("true", "false"):
            return node.text == "true"
    return node.text


# --- files to records ------------------------------------------------------------------------


def _relative(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _read_file(root: Path, path: Path, problems: list[Problem],
               data: bytes | None = None) -> tuple[str, Node | None]:
    rel = _relative(root, path)
    if data is None:
        try:
            data = read_source(root, path)
        except RefusedFile as refused:
            problems.append(Problem(Where(rel, 1, 1), refused.reason))
            return rel, None
        except OSError as err:
            problems.append(Problem(Where(rel, 1, 1), f"cannot read file: {err.strerror}"))
            return rel, None
    try:
        return rel, parse_yaml(rel, data)
    except _Stop as stop:
        problems.append(stop.problem)
        return rel, None


def _read_fields(root: Path, path: Path, spec: dict[str, Field], problems: list[Problem],
                 data: bytes | None = None) -> tuple[dict[str, Any], dict[str, Where]] | None:
    """One file's fields read by `spec` and where each is; None when anything is wrong."""
    rel, node = _read_file(root, path, problems, data)
    if node is None:
        return None
    reader = _Reader(rel)
    where: dict[str, Where] = {".": Where(rel, 1, 1)}
    values = reader.mapping(node, spec, "", where)
    problems.extend(reader.problems)
    return None if reader.problems else (values, where)


def load_testimony(root: Path, path: Path, problems: list[Problem],
                   data: bytes | None = None) -> Testimony | None:
    """A testimony file (its bytes when given) as a record; None when anything is wrong."""
    read = _read_fields(root, path, TESTIMONY_FIELDS, problems, data)
    if read is None:
        return None
    v, where = read
    updates = tuple(
        Update(u["date"], u.get("label"), u["text"], at) for u, at in v.get("updates", [])
    )
    consent = v.get("consent", {})
    return Testimony(
        id=path.stem, name=v["name"], country=v["country"], condition=v["condition"],
        treatment=v.get("treatment"), diagnosed=v.get("diagnosed"), started=v.get("started"),
        received=v["received"], consent=Consent(consent.get("given"), consent.get("withdrawn")),
        story=v["story"], updates=updates, where=where,
        acknowledged=tuple(v.get("privacy", {}).get("acknowledged", [])),
    )


def load_edition(root: Path, path: Path, problems: list[Problem],
                 data: bytes | None = None) -> Edition | None:
    """An edition file (its bytes when given) as a record; None when anything is wrong."""
    read = _read_fields(root, path, EDITION_FIELDS, problems, data)
    if read is None:
        return None
    v, where = read
    frozen = v.get("frozen")
    return Edition(
        number=v["number"], date=v["date"], status=v["status"], title=v.get("title"),
        intro=v.get("intro"), testimonies=tuple(i for i, _ in v["testimonies"]), where=where,
        reissues=tuple(Reissue(r["date"], r["note"]) for r, _ in v.get("reissues", [])),
        frozen=Frozen(frozen["fingerprint"], tuple(p for p, _ in frozen.get("passages", [])))
        if frozen else None,
    )


def load_settings(root: Path, problems: list[Problem]) -> Settings:
    path = root / SETTINGS_FILE
    if not path.exists():
        return Settings(where={".": Where(SETTINGS_FILE)})
    read = _read_fields(root, path, SETTINGS_FIELDS, problems)
    if read is None:
        return Settings()
    values, where = read
    if "formats" in values:
        values["formats"] = tuple(word for word, _ in values["formats"])
    return Settings(**values, where=where)


def load_references(root: Path, problems: list[Problem]) -> References:
    """The references, marked `broken` when the file has a problem (reported here), so that
    citations are not each reported missing as well."""
    before = len(problems)
    references = _load_references(root, problems)
    if len(problems) > before:
        return replace(references, broken=True)
    return references


def _load_references(root: Path, problems: list[Problem]) -> References:
    path = root / REFERENCES_FILE
    if not path.exists():
        return References()
    rel, node = _read_file(root, path, problems)
    if node is None:
        return References()
    if node.kind != "map" or [k.text for k, _ in node.pairs or []] != ["references"]:
        problems.append(Problem(node.where,
                                "references.yaml must hold one field, 'references:', "
                                "a list of CSL entries"))
        return References()
    _, items = (node.pairs or [])[0]
    if items.kind != "seq":
        problems.append(Problem(items.where,
                                "'references' must be a list of CSL entries"))
        return References()
    entries = []
    where: dict[str, Where] = {".": Where(rel, 1, 1)}
    for item in items.items or []:
        entry = plain_data(item)
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str | int):
            problems.append(Problem(item.where,
                                    "each reference must be a mapping with an 'id'"))
            continue
        entry["id"] = str(entry["id"])
        if entry["id"] in where:
            problems.append(Problem(item.where,
                                    f"duplicate reference id '{entry['id']}'"))
            continue
        where[entry["id"]] = item.where
        entries.append(entry)
    return References(tuple(entries), where)


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _unread_files(root: Path, folder: str, what: str) -> Iterator[Problem]:
    """A warning for each YAML file in `folder` that no build reads: in a subfolder, or with
    its ending in capitals (`kim-fr.YAML`); the editor meant it to count, surely."""
    base = root / folder
    if not base.is_dir():
        return
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue  # hidden: an editor's or a tool's own
        if path.suffix.lower() not in (".yaml", ".yml"):
            continue
        if len(relative.parts) > 1:
            yield Problem(Where(_relative(root, path), 1, 1), f"not read: {what} files are "
                          f"read only from {folder}/ itself, not its subfolders; move it to "
                          f"{folder}/{path.name} if it should count", Severity.WARNING)
        elif path.suffix not in (".yaml", ".yml"):
            yield Problem(Where(_relative(root, path), 1, 1), f"not read: the name must end in "
                          f"'.yaml'; rename it {folder}/{path.stem}.yaml if it should count",
                          Severity.WARNING)


class Loader(Protocol):
    """Reads testimony and edition files to records: a cache may answer for a file it knows."""

    def testimony(self, root: Path, path: Path, problems: list[Problem]) -> Testimony | None:
        ...

    def edition(self, root: Path, path: Path, problems: list[Problem]) -> Edition | None:
        ...


class _Direct:
    def testimony(self, root: Path, path: Path, problems: list[Problem]) -> Testimony | None:
        return load_testimony(root, path, problems)

    def edition(self, root: Path, path: Path, problems: list[Problem]) -> Edition | None:
        return load_edition(root, path, problems)


def require_publication(root: Path) -> None:
    """Refuse a folder that holds no publication, before anything is read or written there:
    without its settings a build would print some other publication's title and address."""
    if not os.path.lexists(root / SETTINGS_FILE):  # whatever it is, reading it says what is wrong
        raise EditionsError(f"{root}: not a publication (no {SETTINGS_FILE} here); run "
                            "`editions init` to start one, or give --root the publication's "
                            "folder")


def load_archive(root: Path | str, problems: list[Problem] | None = None,
                 loader: Loader | None = None) -> Archive:
    """Load every file of the archive, each testimony and edition through `loader` if given.

    Without `problems`, raise ContentError with every problem found. With it, add the
    problems there and return what did load, so the checks can still look at the rest.
    """
    loader = loader or _Direct()
    root = Path(root)
    require_publication(root)
    collect = problems is not None
    problems = problems if problems is not None else []
    unreadable: set[str] = set()
    settings = load_settings(root, problems)
    references = load_references(root, problems)
    testimonies: dict[str, Testimony] = {}
    for path in _yaml_files(root / "testimonies"):
        rel = _relative(root, path)
        if path.suffix != ".yaml" or not ID_PATTERN.match(path.stem):
            problems.append(Problem(Where(rel, 1, 1), f"testimony file name '{path.name}' must be "
                                    "<id>.yaml, the id in lowercase letters, digits and hyphens"))
            continue
        testimony = loader.testimony(root, path, problems)
        log.debug("loaded %s", rel)
        if testimony:
            testimonies[testimony.id] = testimony
        else:
            unreadable.add(path.stem)
    editions: list[Edition] = []
    for path in _yaml_files(root / "editions"):
        if not EDITION_FILE_PATTERN.match(path.name):
            problems.append(Problem(Where(_relative(root, path), 1, 1),
                                    f"edition file name '{path.name}' must be the edition "
                                    "number in three digits, e.g. 007.yaml"))
            continue
        edition = loader.edition(root, path, problems)
        log.debug("loaded %s", _relative(root, path))
        if edition:
            editions.append(edition)
    problems.extend(_unread_files(root, "testimonies", "testimony"))
    problems.extend(_unread_files(root, "editions", "edition"))
    if not (root / "editions").is_dir() and not (root / "testimonies").is_dir():
        problems.append(Problem(Where(str(root), 1, 1), "no 'editions/' or 'testimonies/' folder "
                                "here: run editions in the publication's folder or give --root"))
    if not collect and any(p.is_error for p in problems):
        raise ContentError(problems)  # warnings are `check`'s to report
    editions.sort(key=lambda e: e.number)
    return Archive(str(root), settings, testimonies, tuple(editions), references,
                   frozenset(unreadable))

