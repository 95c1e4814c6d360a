"""JSON Schemas: current with the loader's field specs, met by the sample, refusing what it refuses.

When the field specs change, regenerate the schemas and review their diff:

    editions schema --write
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from editions.edit.fmt import archive_files, spec_for
from editions.edit.schema import schema, stale_schemas
from editions.errors import Problem
from editions.load.archive import (
    EDITION_FIELDS,
    Node,
    load_edition,
    load_testimony,
    parse_yaml,
    plain_data,
)

from .conftest import REPO, run, write
from .support import GOOD as GOOD_TESTIMONY

GOOD_EDITION = """\
number: 6
date: 2013-01-01
status: draft
testimonies:
  - maurey-usa
"""


def instance(node: Node) -> Any:
    """A parsed file as the data a YAML 1.2 reader makes of it, for validation."""
    return plain_data(node, booleans=True, max_digits=None)


def validator(kind: str) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema(kind))
    return Draft202012Validator(schema(kind))


def test_the_schemas_in_the_repository_are_current() -> None:
    assert stale_schemas(REPO) == [], "run `editions schema --write` and commit the schemas"
    data = json.loads((REPO / "schemas/testimony.schema.json").read_text(encoding="utf-8"))
    assert data["required"] == ["name", "country", "condition", "received", "story"]


def test_schema_command_writes_and_checks(tmp_path: Path) -> None:
    assert run(tmp_path, "schema", "--check").exit_code == 1
    result = run(tmp_path, "schema", "--write")
    assert result.stdout == f"wrote 2 schemas into {tmp_path / 'schemas'} (2 changed)\n"
    assert run(tmp_path, "schema", "--check").exit_code == 0
    printed = run(tmp_path, "schema", "edition").stdout
    assert printed == (tmp_path / "schemas/edition.schema.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", archive_files(REPO), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_file_meets_its_schema(path: Path) -> None:
    kind = "edition" if spec_for(path) is EDITION_FIELDS else "testimony"
    data = instance(parse_yaml(path.name, path.read_bytes()))
    errors = [e.message for e in validator(kind).iter_errors(data)]
    assert errors == []


def loader_problems(tmp_path: Path, kind: str, text: str) -> list[str]:
    folder = "editions" if kind == "edition" else "testimonies"
    name = "006.yaml" if kind == "edition" else "kim-canada.yaml"
    path = write(tmp_path / folder / name, text)
    problems: list[Problem] = []
    loader = load_edition if kind == "edition" else load_testimony
    loader(tmp_path, path, problems)
    return [str(p) for p in problems]


# Each case the loader refuses that a schema can express: the schema refuses it too.
BAD = [
    ("testimony", GOOD_TESTIMONY.replace("received:", "recieved:"), "unknown field"),
    ("testimony", GOOD_TESTIMONY.replace("name: Kim\n", ""), "missing the required field"),
    ("testimony", GOOD_TESTIMONY.replace("name: Kim", "name:\n  - Kim"), "must be text"),
    ("testimony", GOOD_TESTIMONY.replace("name: Kim", "name: {first: Kim}"), "must be text"),
    ("testimony", GOOD_TESTIMONY.replace("received: 2008-03-01", "received: March 2008"),
     "is not a date"),
    ("testimony", GOOD_TESTIMONY.replace("received: 2008-03-01", "received: 08-03-01"),
     "is not a date"),
    ("testimony", GOOD_TESTIMONY.replace("received: 2008-03-01", "received:"), "must not be empty"),
    ("testimony", GOOD_TESTIMONY.replace("  given: 2008-03-01", "  given: 2008-03-01\n  by: post"),
     "unknown field 'consent.by'"),
    ("testimony", GOOD_TESTIMONY.replace("consent:\n  given: 2008-03-01\n", "consent: yes\n"),
     "must be a mapping"),
    ("testimony", GOOD_TESTIMONY + "updates:\n  - date: 2008-06\n    text: Fine.\n    mood: good\n",
     "unknown field 'updates[0].mood'"),
    ("testimony", GOOD_TESTIMONY + "updates:\n  - date: 2008-06\n", "missing the required field"),
    ("testimony", GOOD_TESTIMONY + "updates: Fine.\n", "must be a list"),
    ("testimony", "- just\n- a list\n", "must be a mapping"),
    ("edition", GOOD_EDITION.replace("status: draft", "status: drafted"), "must be draft or"),
    ("edition", GOOD_EDITION.replace("number: 6", "number: '6'"), "whole number"),
    ("edition", GOOD_EDITION.replace("number: 6", "number: six"), "whole number"),
    ("edition", GOOD_EDITION.replace("  - maurey-usa", "  - Maurey_USA"), "is not a testimony id"),
    ("edition", GOOD_EDITION.replace("  - maurey-usa", "  - [maurey-usa]"),
     "must be a testimony id"),
    ("edition", GOOD_EDITION + "frozen:\n  passages: []\n", "missing the required field"),
    ("edition", GOOD_EDITION + "reissues:\n  - date: 2013-02-01\n", "missing the required field"),
    ("edition", GOOD_EDITION + "editor: me\n", "unknown field"),
]


@pytest.mark.parametrize(("kind", "text", "refusal"), BAD, ids=[b[2] for b in BAD])
def test_what_the_loader_refuses_the_schema_refuses(tmp_path: Path, kind: str, text: str,
                                                    refusal: str) -> None:
    problems = loader_problems(tmp_path, kind, text)
    assert any(refusal in p for p in problems), problems
    data = instance(parse_yaml("file.yaml", text.encode()))
    assert not validator(kind).is_valid(data)


@pytest.mark.parametrize(("kind", "text"), [("testimony", GOOD_TESTIMONY),
                                            ("edition", GOOD_EDITION)])
def test_what_the_loader_accepts_the_schema_accepts(tmp_path: Path, kind: str,
                                                    text: str) -> None:
    assert loader_problems(tmp_path, kind, text) == []
    variants = [text, text.replace("2008-03-01", "2008"), text.replace("Kim", "'1984'"),
                text.replace("name: Kim", "name: 1984")]
    for variant in variants:
        assert validator(kind).is_valid(instance(parse_yaml("file.yaml", variant.encode())))
