"""Fuzzing: random YAML through the loader and random Markdown through pandoc and check.

Derandomized, so CI sees the same examples every run; small example counts keep it fast.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editions.check.links import nesting_problems
from editions.errors import Problem, Where
from editions.load.archive import load_edition, load_testimony
from editions.model import Markdown
from editions.prose import normalized, semantic_lines

from .support import convert_texts, link_problems

FUZZ = settings(derandomize=True, deadline=None, max_examples=150, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Pieces of YAML syntax, valid and broken, that a hostile or careless file might hold.
YAML_TOKENS = [
    "name:", "country:", "story:", "consent:", "given:", "updates:", "- ", "date:", "text:",
    "number:", "testimonies:", " ", "  ", "\n", "\r\n", "\t", "[", "]", "{", "}", ",", ": ",
    "? ", "&a ", "*a", "!!str ", "!!python/object:os.system ", "!x ", "<<: ", "'", '"', "|",
    ">-", "#", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:x:\n", "\\x00", "\\u202e", "\ufeff",
    "\x00", "\x1b", "\u202e", "é", "2008-01-01", "2008-13", "NO", "on", "~", "null", "1e3",
    "0x1F", "1:20", ".inf", "Kim", "|\n  text\n", "  - a\n", "\u2028", "\x85",
]

yaml_text = st.lists(st.sampled_from(YAML_TOKENS), max_size=60).map("".join)

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=20), st.dates(), st.sampled_from(["NO", "~", "1:20"]))
structures = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(
                                   ["name", "country", "condition", "story", "consent", "given",
                                    "updates", "date", "text", "number", "status",
                                    "testimonies", "received", "privacy", "acknowledged", "x"]),
                                   children, max_size=5)),
    max_leaves=25,
)


def assert_located(problems: list[Problem], path: str) -> None:
    for problem in problems:
        assert problem.where.path == path
        assert problem.where.line >= 1
        assert problem.where.col >= 1
        assert problem.message
        assert problem.is_error
        assert "Traceback" not in problem.message


def load_both(tmp_path: Path, data: bytes) -> None:
    """Load bytes as a testimony and as an edition: records or located problems, nothing else."""
    for folder, loader in (("testimonies", load_testimony), ("editions", load_edition)):
        path = tmp_path / folder / ("kim.yaml" if folder == "testimonies" else "001.yaml")
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        problems: list[Problem] = []
        record = loader(tmp_path, path, problems)
        assert (record is None) == bool(problems)
        assert_located(problems, f"{folder}/{path.name}")


@pytest.mark.slow
@FUZZ
@given(text=yaml_text)
def test_random_yaml_text_never_crashes_the_loader(tmp_path: Path, text: str) -> None:
    load_both(tmp_path, text.encode("utf-8", errors="surrogatepass"))


@pytest.mark.slow
@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes_never_crash_the_loader(tmp_path: Path, data: bytes) -> None:
    load_both(tmp_path, data)


@pytest.mark.slow
@FUZZ
@given(value=structures)
def test_random_structures_never_crash_the_loader(tmp_path: Path, value: object) -> None:
    load_both(tmp_path, yaml.safe_dump(value, allow_unicode=True).encode())


# Markdown: plain words mixed with every kind of markup a hostile text might try.
SCHEMES = ["javascript:", "JaVaScRiPt:", "java&#115;cript:", "&#x6A;avascript:", "vbscript:",
           "data:text/html,", "file:///", "//", "/", "../", "images/", "https://", "http://",
           "mailto:", "", " javascript:", "java\tscript:"]
PAYLOADS = ["alert(1)", "etc/passwd", "dog.png", "evil.example/x", "a@b.org", "x\"onclick=\"y"]
MARKUP = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "<iframe src=//evil.example>", "<style>*{}</style>", "<a href='javascript:x'>a</a>",
    "<!-- c -->", "```{=html}\n<b>x</b>\n```\n", "`<i>`{=html}", "[s]{onclick=x}",
    "::: {style=x}\nd\n:::\n", "# h {#id onclick=x}\n", "\\input{/etc/passwd}", "$x$",
    "<div style='background:url(javascript:x)'>", "[^1]\n\n[^1]: note\n", "> quote\n",
    "&lt;script&gt;", "<javascript:alert(1)>", "<mailto:a@b.org>", "<https://example.org>",
    "\n\n", " ", "word", "**bold**", "*em*", "|a|b|\n|-|-|\n|1|2|\n",
]
link_target = st.builds(lambda s, p: s + p, st.sampled_from(SCHEMES), st.sampled_from(PAYLOADS))
piece = st.one_of(
    st.sampled_from(MARKUP),
    st.builds(lambda t, u: f"[{t}]({u})", st.sampled_from(["x", "", "a b"]), link_target),
    st.builds(lambda t, u: f"![{t}]({u})", st.sampled_from(["alt", ""]), link_target),
    st.builds(lambda u: f"[r]: {u}\n\n[x][r] ![y][r]", link_target),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10),
)
markdown_text = st.lists(piece, max_size=12).map(" ".join)

TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
ALLOWED_TAGS = {"p", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "h4",
                "h5", "h6", "sup", "section", "aside", "hr", "br", "img", "span", "table",
                "thead", "tbody", "tr", "th", "td", "colgroup", "col", "div", "del", "sub",
                "dl", "dt", "dd", "figure", "figcaption", "caption", "q", "cite"}


def assert_safe(html: str) -> None:
    for name, attributes in TAG.findall(html):
        assert name.lower() in ALLOWED_TAGS, name
        assert not re.search(r"\s(on\w+|style|srcdoc|formaction|background)\s*=", attributes,
                             re.IGNORECASE), attributes
        for kind, target in re.findall(r'\s(href|src)="([^"]*)"', attributes):
            if kind == "src":
                assert re.fullmatch(r"images/[\w./-]+", target), target
                assert ".." not in target, target
            else:
                assert target.startswith(("https://", "http://", "mailto:", "#")), target


@pytest.mark.slow
@settings(derandomize=True, deadline=None, max_examples=6, database=None)
@given(texts=st.lists(markdown_text, min_size=25, max_size=25))
def test_random_markdown_comes_out_safe(texts: list[str]) -> None:
    """25 texts per pandoc run, 6 runs: nothing unsafe in the HTML, and check never crashes.

    Only texts check lets through reach pandoc, as in a build: nesting too deep is refused.
    """
    for html in convert_texts([t for t in texts if not list(nesting_problems(t))]):
        assert_safe(html)
    for text in texts:
        for problem in link_problems(Path("."), Markdown(text, Where("t.yaml", 9, 3))):
            assert problem.where.line >= 9
            assert problem.where.col >= 3


# Prose in each shipped language: words, the language's abbreviations, pandoc's, numbers,
# doses, dates, initials, quotes and brackets, in any order, wrapped anywhere.
PROSE_PIECES = {
    "en-GB": ["Dr.", "Mrs.", "e.g.", "i.e.", "etc.", "No.", "Gen.", "J.", "R.", "Smith", "took"],
    "de-DE": ["z. B.", "z.B.", "d. h.", "u. a.", "bzw.", "ca.", "Nr.", "3.", "Mai", "Ärzte"],
    "fr-FR": ["M.", "Mme", "p. ex.", "c.-à-d.", "Élodie", "« Non. »", "« Bonjour »", "né"],
    "es-ES": ["p. ej.", "Sr.", "Sra.", "Dra.", "¿Qué?", "¡Sí!", "Ángela", "EE. UU."],
    "nl-NL": ["bijv.", "d.w.z.", "o.a.", "dhr.", "mevr.", "IJsland", "'s Avonds", "Één"],
}
COMMON_PIECES = ["4.5 mg.", "4,5 mg", "2008.", "12.", "It", "helped.", "Ok!", "Why?", "“Yes.”",
                 "(Then.)", "*So.*", "\u00a0»", "Øl", "Łódź.", "and", "\n"]
prose = st.sampled_from(sorted(PROSE_PIECES)).flatmap(lambda language: st.tuples(
    st.just(language),
    st.lists(st.sampled_from(PROSE_PIECES[language] + COMMON_PIECES), min_size=1,
             max_size=30).map(lambda words: "It " + " ".join(words).replace(" \n ", "\n"))))


@FUZZ
@given(example=prose)
def test_fmt_of_prose_in_any_language_is_idempotent(example: tuple[str, str]) -> None:
    language, text = example
    formatted = semantic_lines(text, language)
    assert semantic_lines(formatted, language) == formatted
    assert normalized(formatted) == normalized(text)


@pytest.mark.slow
@settings(derandomize=True, deadline=None, max_examples=4, database=None)
@given(examples=st.lists(prose, min_size=40, max_size=40))
def test_fmt_of_prose_in_any_language_prints_the_same(examples: list[tuple[str, str]]) -> None:
    """40 texts per pandoc run, 4 runs: the same HTML before and after fmt."""
    texts = [text for _, text in examples]
    formatted = [semantic_lines(text, language) for language, text in examples]
    assert convert_texts(texts) == convert_texts(formatted)
