"""Format: testimony and edition files in one canonical layout that makes small, readable diffs."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.scalarstring import LiteralScalarString

from editions.errors import ContentError, EditionsError, Problem
from editions.load.archive import (
    EDITION_FIELDS,
    TESTIMONY_FIELDS,
    Field,
    load_edition,
    load_settings,
    load_testimony,
)
from editions.load.files import read_source, replace_source
from editions.model import EDITION_FILE_PATTERN, ID_PATTERN
from editions.prose import semantic_lines

log = logging.getLogger(__name__)


class _TextConstructor(RoundTripConstructor):
    """Numbers, booleans and dates as the strict loader reads them: only plain digits are a
    number, `true` and `false` a boolean and YYYY-MM-DD a date.

    The strict loader reads `-012`, `+12`, `1.5_0` or `.inf` as the text typed; ruamel would
    read them as numbers and write them back as `-12`, `12`, `1.500`, `inf`, changing what
    prints. Kept as text, they are written back quoted, with the same value.
    """

    def _number_or_text(self, node: ScalarNode) -> Any:
        if re.fullmatch(r"[0-9]+", node.value):
            return self.construct_yaml_int(node)
        return self.construct_scalar(node)


    def _boolean_or_text(self, node: ScalarNode) -> Any:
        if node.value in ("true", "false"):
            return self.construct_yaml_bool(node)
        return self.construct_scalar(node)

    def _date_or_text(self, node: ScalarNode) -> Any:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", node.value):
            return self.construct_yaml_timestamp(node)
        return self.construct_scalar(node)


for _tag, _read in (("int", _TextConstructor._number_or_text),
                    ("float", _TextConstructor._number_or_text),
                    ("bool", _TextConstructor._boolean_or_text),
                    ("timestamp", _TextConstructor._date_or_text)):
    _TextConstructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _read)


def round_trip_yaml() -> YAML:
    yaml = YAML()  # round trip: comments, quotes and dates stay as the editor wrote them
    yaml.Constructor = _TextConstructor
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold a title or a note onto two lines
    # The strict loader refuses anchors and aliases, so equal values are always written out.
    yaml.representer.ignore_aliases = lambda *_: True
    yaml.representer.add_representer(type(None), _empty)
    return yaml


def _canonical(value: Any, spec: dict[str, Field], language: str) -> None:
    """Order a mapping's keys as the spec lists them and lay out its prose, in place, with
    the sentences of the publication's `language`."""
    if not isinstance(value, CommentedMap):
        return
    value.fa.set_block_style()
    _order_keys(value, spec)
    for key, field in spec.items():
        if key in value and value[key] is not None:
            _lay_out(value, key, field, language)


def _order_keys(value: CommentedMap, spec: dict[str, Field]) -> None:
    """Put a mapping's fields in the order the spec lists them."""
    order = [k for k in spec if k in value]
    if list(value) != order:
        for key in order:
            value.move_to_end(key)


def _lay_out(value: CommentedMap, key: str, field: Field, language: str) -> None:
    """Lay out one field's value: its prose in sentences, its maps and lists in blocks."""
    item = value[key]
    if field.kind == "markdown" and isinstance(item, str):
        value[key] = LiteralScalarString(semantic_lines(item, language))
    elif field.kind == "map" and field.fields:
        _canonical(item, field.fields, language)
    elif isinstance(item, CommentedSeq):
        _lay_out_list(item, field, language)


def _lay_out_list(items: CommentedSeq, field: Field, language: str) -> None:
    """A list one item a line, and each map in it laid out in turn."""
    if items:
        items.fa.set_block_style()
    if field.kind == "maps" and field.fields:
        for item in items:
            _canonical(item, field.fields, language)


def _empty(representer: Any, _: None) -> Any:
    """An empty value is written as nothing after the colon, as the editor writes it."""
    return representer.represent_scalar("tag:yaml.org,2002:null", "")


def spec_for(path: Path) -> dict[str, Field] | None:
    """The field specification of a testimony or edition file, by its place in the archive."""
    if path.parent.name == "editions" and EDITION_FILE_PATTERN.match(path.name):
        return EDITION_FIELDS
    if path.parent.name == "testimonies" and path.suffix == ".yaml" and ID_PATTERN.match(
            path.stem):
        return TESTIMONY_FIELDS
    return None


def format_text(text: str, spec: dict[str, Field], language: str = "en") -> str:
    """A file's text in the canonical layout, its prose split into the sentences of
    `language` (the publication's BCP 47 tag); the text must already load strictly."""
    yaml = round_trip_yaml()
    data = yaml.load(text)
    _canonical(data, spec, language)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


@dataclass
class FormatReport:
    changed: list[str]
    unchanged: int


def _load_strictly(root: Path, path: Path, spec: dict[str, Field]) -> list[Problem]:
    problems: list[Problem] = []
    loader = load_edition if spec is EDITION_FIELDS else load_testimony
    loader(root, path, problems)
    return problems


def archive_files(root: Path) -> list[Path]:
    """Every testimony and edition file of the archive, sorted."""
    return sorted([*(root / "testimonies").glob("*.yaml"), *(root / "editions").glob("*.yaml")])


def format_files(root: Path, paths: Iterable[Path] | None = None, *,
                 write: bool = True) -> FormatReport:
    """Rewrite files (all testimonies and editions by default) canonically.

    Every file is read strictly first; when any has a problem, none is rewritten. With
    `write=False` nothing is written and the report lists what would change.
    """
    chosen = sorted(set(paths)) if paths is not None else archive_files(root)
    others = [path for path in chosen if spec_for(path.resolve()) is None]
    if paths is not None and others:
        # Named on purpose but not a file fmt knows: saying nothing would pass a typo as done.
        raise EditionsError(f"{', '.join(str(p) for p in others)}: not a testimony or edition "
                            "file (testimonies/<id>.yaml, editions/NNN.yaml); fmt rewrites only "
                            "those")
    problems: list[Problem] = []
    # Where a sentence ends depends on the language: "z. B." is no end in German.
    language = load_settings(root, problems).language
    planned: list[tuple[Path, str, str]] = []
    for path in chosen:
        spec = spec_for(path.resolve())
        if spec is None:  # a file in the archive's folders that check names, not fmt's
            log.debug("fmt: %s is not a testimony or edition file; left as it is", path)
            continue
        file_problems = _load_strictly(root, path, spec)
        if file_problems:
            problems.extend(file_problems)
            continue
        text = read_source(root, path).decode("utf-8")
        planned.append((path, text, format_text(text, spec, language)))
    if problems:
        raise ContentError(problems)
    report = FormatReport([], 0)
    for path, before, after in planned:
        if before == after:
            report.unchanged += 1
            continue
        report.changed.append(_relative(root, path))
        if write:
            replace_file(path, after)
    return report


def _relative(root: Path, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def replace_file(path: Path, text: str) -> None:
    """Write a file in one step, so an interrupted run leaves the old or the new text."""
    replace_source(path, text)
