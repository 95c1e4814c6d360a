"""Schema: JSON Schemas of testimony and edition files, made from the loader's field specs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from editions.load.archive import EDITION_FIELDS, TESTIMONY_FIELDS, Field
from editions.model import DATE_PATTERN, ID_PATTERN

SCHEMA_DIR = "schemas"
BASE_URL = "https://example.org/editions/schemas/"
SCHEMAS = {
    "testimony": (TESTIMONY_FIELDS, "A testimony: one contributor's story and dated updates."),
    "edition": (EDITION_FIELDS, "An edition: its number, date, status and testimonies in "
                                "print order."),
}


def schema_file(kind: str) -> str:
    return f"{SCHEMA_DIR}/{kind}.schema.json"


def _value(field: Field) -> dict[str, Any]:
    """The schema of one field's value as a YAML 1.2 reader (an editor's plug-in) sees it."""
    shape = _SHAPES.get(field.kind)
    if shape is None:
        raise AssertionError(field.kind)
    schema = shape(field)
    if field.description:
        schema = {"description": field.description, **schema}
    if not field.required:
        schema = _or_empty(schema)
    return schema


def _or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional field's schema: its value, or nothing."""
    # The loader reads an empty optional field as absent.
    if "anyOf" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}


def _fields(field: Field) -> dict[str, Field]:
    """The fields inside a map, or inside each map of a list."""
    assert field.fields is not None
    return field.fields


# The schema of each kind of value, before its description and whether it may be empty.
_SHAPES: dict[str, Callable[[Field], dict[str, Any]]] = {
    # A plain `1984` or `true` is text to the loader, a number or a boolean to YAML 1.2.
    "text": lambda field: {"type": ["string", "number", "boolean"], "pattern": r"^[^\n]*\n?$"},
    "markdown": lambda field: {"type": "string"},
    "date": lambda field: {"anyOf": [{"type": "string", "pattern": DATE_PATTERN.pattern},
                                     {"type": "integer", "minimum": 1000, "maximum": 9999}]},
    "int": lambda field: {"type": "integer", "minimum": 0},
    "choice": lambda field: {"enum": list(field.choices)},
    "ids": lambda field: {"type": "array",
                          "items": {"type": "string", "pattern": ID_PATTERN.pattern}},
    "texts": lambda field: {"type": "array", "items": {"type": "string", "pattern": r"^[^\n]*$"}},
    "choices": lambda field: {"type": "array", "items": {"enum": list(field.choices)},
                              "uniqueItems": True},
    "map": lambda field: _object(_fields(field)),
    "maps": lambda field: {"type": "array", "items": _object(_fields(field))},
}


def _object(fields: dict[str, Field]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: _value(field) for name, field in fields.items()},
        "required": [name for name, field in fields.items() if field.required],
        "additionalProperties": False,
    }


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of file: "testimony" or "edition"."""
    fields, description = SCHEMAS[kind]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE_URL + f"{kind}.schema.json",
        "title": f"editions {kind}",
        "description": description,
        **_object(fields),
    }


def schema_text(kind: str) -> str:
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"


def stale_schemas(root: Path) -> list[str]:
    """The schema files under `root` that are missing or differ from the field specs."""
    stale = []
    for kind in SCHEMAS:
        path = root / schema_file(kind)
        if not path.is_file() or path.read_text(encoding="utf-8") != schema_text(kind):
            stale.append(schema_file(kind))
    return stale


def write_schemas(root: Path) -> list[str]:
    """Write the schema files under `root`; return those that changed."""
    changed = stale_schemas(root)
    for kind in SCHEMAS:
        path = root / schema_file(kind)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(schema_text(kind), encoding="utf-8")
    return changed
