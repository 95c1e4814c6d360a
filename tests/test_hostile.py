"""Hostile YAML: every trick in tests/hostile/yaml is refused with its message, in bounded time."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from editions.errors import ContentError
from editions.load.archive import MAX_NODES, load_archive

from .conftest import run, write
from .support import GOOD, problems_for

CORPUS = Path(__file__).parent / "hostile" / "yaml"


def expectation(path: Path) -> str:
    """A corpus file's first line says what the editor must read: `# expect: LINE:COL: ...`."""
    first = path.read_bytes().split(b"\n", 1)[0].decode()
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("case", sorted(CORPUS.glob("*.yaml")), ids=lambda p: p.stem)
def test_hostile_yaml_corpus(project: Path, case: Path) -> None:
    (project / "testimonies" / "kim-canada.yaml").write_bytes(case.read_bytes())
    with pytest.raises(ContentError) as caught:
        load_archive(project)
    messages = [str(p) for p in caught.value.problems]
    assert f"testimonies/kim-canada.yaml:{expectation(case)}" in messages


def _generated() -> list[tuple[str, bytes, str]]:
    keys = "".join(f"k{i}: v\n" for i in range(MAX_NODES)).encode()
    return [
        ("deep flow list", b"name: " + b"[" * 100_000 + b"]" * 100_000,
         "1:1006: error: nested more than 16 levels deep"),
        ("deep unclosed flow", b"name: " + b"{a: " * 200_000,
         "1:68: error: nested more than 16 levels deep"),
        ("deep block lists", "".join(" " * i + "-\n" for i in range(200)).encode(),
         "18:18: error: nested more than 16 levels deep"),
        ("many keys", keys, "25000:9: error: more than 50,000 values in one file"),
        ("many flow items", b"name: [" + b"1," * 400_000 + b"]",
         "1:100002: error: more than 50,000 values in one file"),
        ("one long line", b"name: " + b"x" * (1024 * 1024),
         "1:1: error: file is 1,048,582 bytes; the limit is 1,048,576 bytes (1 MiB) per file"),
        ("not UTF-8", b"name: Kim\ncountry: Espa\xf1a\n", "2:14: error: file is not UTF-8 text"),
        ("UTF-16", "name: Kim\n".encode("utf-16"), "1:1: error: file is not UTF-8 text"),
        ("only blank lines", b"\n\n   \n", "1:1: error: file is empty"),
        ("a bare scalar", b"Kim\n",
         "1:1: error: the file must be a mapping of fields, not text"),
    ]


@pytest.mark.parametrize(("data", "expected"), [g[1:] for g in _generated()],
                         ids=[g[0] for g in _generated()])
def test_hostile_yaml_is_refused_within_bounds(project: Path, data: bytes,
                                               expected: str) -> None:
    (project / "testimonies" / "kim-canada.yaml").write_bytes(data)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ContentError) as caught:
        load_archive(project)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert f"testimonies/kim-canada.yaml:{expected}" in [str(p) for p in caught.value.problems]
    assert grown_mib < 200  # memory stays a small multiple of the 1 MiB file limit


def test_bom_and_crlf_keep_line_numbers(project: Path) -> None:
    """A file saved by a Windows editor, with a byte-order mark, reads like any other."""
    text = GOOD.replace("story: |\n  First line.", "story: |\n  First line cites [@nobody].")
    path = project / "testimonies" / "kim-canada.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "testimonies/kim-canada.yaml:9:21: error: citation '@nobody' is not in references.yaml")
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").replace("name: Kim", "nmae: Kim")
                     .encode())
    assert problems_for(project, path.read_text(encoding="utf-8-sig"))[-1] == (
        "testimonies/kim-canada.yaml:1:1: error: unknown field 'nmae' (did you mean 'name'?)")
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    kim = load_archive(project).testimonies["kim-canada"]
    assert kim.story.text == "First line.\n\nSecond paragraph.\n"
    assert "\r" not in kim.name + kim.country


YAML_1_1 = ["NO", "no", "off", "On", "y", "Yes", "TRUE", "~x", "1:20", "190:20:30", "0x1F",
            "0o17", "017", "1e3", "1_000", ".inf", "-.Inf", ".NaN", "2008-03-01", "12:30:00",
            "2001-12-14t21:59:43.10-05:00", "=", "0b101", "+12", "3.14"]


@pytest.mark.parametrize("value", YAML_1_1)
def test_yaml_1_1_values_stay_the_text_typed(project: Path, value: str) -> None:
    """In every text field, what YAML 1.1 would turn into a boolean, number or date is text."""
    text = GOOD
    for field in ("name", "country", "condition"):
        text = text.replace(f"{field}: ", f"{field}: {value} #", 1)
    text = text.replace("started: 2008-01", f"started: 2008-01\ntreatment: {value}")
    write(project / "testimonies" / "kim-canada.yaml", text)
    kim = load_archive(project).testimonies["kim-canada"]
    assert (kim.name, kim.country, kim.condition, kim.treatment) == (value,) * 4
    write(project / "publication.yaml", f"title: {value}\nsubtitle: {value}\n")
    settings = load_archive(project).settings
    assert (settings.title, settings.subtitle) == (value, value)


@pytest.mark.parametrize("value", [*YAML_1_1, "-012", "+12", "1.5_0", "-1_0", "+.inf", "-0b1"])
def test_fmt_keeps_number_like_text_exactly(project: Path, value: str) -> None:
    """What the loader reads as text, fmt writes back as the same text (quoted if need be),
    never as the number ruamel would make of it (`-012` as `-12`, `1.5_0` as `1.500`)."""
    text = GOOD
    for field in ("name", "country", "condition"):
        text = text.replace(f"{field}: ", f"{field}: {value} #", 1)
    write(project / "testimonies" / "kim-canada.yaml", text)
    assert run(project, "fmt").exit_code == 0
    kim = load_archive(project).testimonies["kim-canada"]
    assert (kim.name, kim.country, kim.condition) == (value,) * 3
