"""`editions fmt`: one canonical layout, idempotent, comments kept, and pages rendered the same."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from editions.edit.fmt import archive_files
from editions.load.archive import load_archive
from editions.make.build import build
from editions.prose import normalized, semantic_lines

from .conftest import run, write
from .support import SAMPLE_PAGES, convert_texts, drafts_of, site_files


def test_the_sample_archive_is_canonical(project: Path) -> None:
    result = run(project, "fmt", "--check")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 18 files are canonical\n"


def plain(block: str) -> bool:
    """A block of plain sentences, no list, heading, quote, code, definition or hard break."""
    return block[:1].isalpha() and not re.search(r"\n[-:#> =]|  \n|^\w\. ", block)


def scramble(path: Path) -> None:
    """Undo the canonical layout the way an editor might: prose wrapped at 60 columns, keys
    in another order, a sentence per line no more."""
    text = path.read_text(encoding="utf-8")

    def rewrap(match: re.Match[str]) -> str:
        indent = match.group(2)
        body = textwrap.dedent(match.group(3))
        paragraphs = [textwrap.fill(" ".join(p.split()), 60, break_on_hyphens=False)
                      if plain(p) else p for p in body.strip("\n").split("\n\n")]
        return match.group(1) + textwrap.indent("\n\n".join(paragraphs), indent) + "\n"

    text = re.sub(r"((?:story|text|intro): \|\n)(?=( +))((?:\2.*\n|\n)+)", rewrap, text)
    # `name` last: an order the spec does not have.
    text = re.sub(r"\A(name: .*\n)(.*)", r"\2\1", text, flags=re.S)
    path.write_text(text, encoding="utf-8")


def drafts(site: Path) -> dict[str, str]:
    return {str(p.relative_to(drafts_of(site))): p.read_text(encoding="utf-8")
            for p in site_files(drafts_of(site), "*.html", 1)}


def pages(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): p.read_text(encoding="utf-8")
            for p in site_files(site, "*.html", SAMPLE_PAGES)}


TRICKY = """\
Dr. Smith prescribed 4.5 mg. J. R. R. Tolkien is not a doctor, e.g. he never prescribed it.
Some see the [National MS Society. Really](https://www.nationalmssociety.org/a. B) first. Then
`code. Here` stays. See <https://example.org/a. B> too. It was no. 5 of 10. Why? Because.
"Quoted." (Bracketed.) *Emphasised.* Done. I was diagnosed in
2003. For an organist, hands are everything, said
- nobody. And the
# sign stays.

A term, not a paragraph
: its definition. With two sentences.

A setext heading. With two sentences
------------------------------------

- a list item. Still the item
- another. Item

1. first. Step
2. second

# A heading. With two sentences

> A quote. With two sentences.
> And a second line.

    indented code. With two
    lines

A paragraph with a hard break.{HARD}
After it. And a last sentence.
""".replace("{HARD}", "  ")


def test_fmt_changes_no_page_of_the_archive(project: Path, tmp_path: Path) -> None:
    """The rendered HTML of the whole sample archive is the same before and after fmt."""
    intro = project / "editions/005.yaml"
    intro.write_text(intro.read_text(encoding="utf-8").replace(
        "intro: |\n", "intro: |\n" + textwrap.indent(TRICKY, "  ") + "\n", 1), encoding="utf-8")
    for path in archive_files(project):
        scramble(path)
    assert run(project, "fmt", "--check").exit_code == 1
    build(project, tmp_path / "before", html_only=True)
    result = run(project, "fmt")
    assert result.exit_code == 0, result.output
    assert result.stdout == "formatted 18 of 18 files in " + result.stdout.split(" in ")[1]
    build(project, tmp_path / "after", html_only=True)
    before, after = pages(tmp_path / "before"), pages(tmp_path / "after")
    assert len(before) == 18  # 4 editions, the archive, 12 testimony pages and their list
    assert before == after
    before, after = drafts(tmp_path / "before"), drafts(tmp_path / "after")
    assert len(before) == 1  # the draft, edition 5
    assert before == after
    # and the tricky text was indeed reflowed where it is prose, and left alone elsewhere
    text = (project / "editions/005.yaml").read_text(encoding="utf-8")
    assert "  Dr. Smith prescribed 4.5 mg. J. R. R. Tolkien is not a doctor, e.g. he never " \
        "prescribed it.\n  Some see the [National MS Society. Really](https://www.nationalmssoc" \
        "iety.org/a. B) first.\n  Then `code. Here` stays.\n" in text
    assert "  - a list item. Still the item\n" in text
    assert "  I was diagnosed in 2003.\n  For an organist, hands are everything, said - nobody.\n" \
        "  And the # sign stays.\n" in text
    assert "  A term, not a paragraph\n  : its definition. With two sentences.\n" in text
    assert "  # A heading. With two sentences\n" in text
    assert "      indented code. With two\n      lines\n" in text
    assert "hard break.  \n  After it. And a last sentence.\n" in text


def test_fmt_twice_changes_nothing(project: Path) -> None:
    for path in archive_files(project):
        scramble(path)
    assert run(project, "fmt").exit_code == 0
    first = {p: p.read_bytes() for p in archive_files(project)}
    result = run(project, "fmt")
    assert result.stdout.startswith("formatted 0 of 18 files")
    assert {p: p.read_bytes() for p in archive_files(project)} == first


def test_fmt_keeps_comments_and_dates_as_written_and_orders_keys(project: Path) -> None:
    path = write(project / "testimonies/kim-canada.yaml", """\
# yaml-language-server: $schema=../schemas/testimony.schema.json
# Kim wrote by post; the letter is in the blue folder.
story: |
  First sentence. Second sentence
  goes on. Third!
consent:
  given: 2008-03 # by telephone
received: 2008-03-01
name: Kim  # a pseudonym
country: 'NO'
condition: Crohn's disease
started: 2008
updates: [{date: 2008-06, text: "Better. Much better.", label: Three months}]
""")
    result = run(project, "fmt", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == """\
# yaml-language-server: $schema=../schemas/testimony.schema.json
# Kim wrote by post; the letter is in the blue folder.
name: Kim  # a pseudonym
country: 'NO'
condition: Crohn's disease
started: 2008
received: 2008-03-01
consent:
  given: 2008-03 # by telephone
story: |
  First sentence.
  Second sentence goes on.
  Third!
updates:
  - date: 2008-06
    label: Three months
    text: |
      Better.
      Much better.
"""
    kim = load_archive(project).testimonies["kim-canada"]
    assert (kim.country, str(kim.started), str(kim.consent.given)) == ("NO", "2008", "2008-03")


def test_fmt_check_lists_files_and_changes_nothing(project: Path) -> None:
    path = project / "testimonies/maurey-usa.yaml"
    scramble(path)
    before = path.read_bytes()
    result = run(project, "fmt", "--check")
    assert result.exit_code == 1
    assert result.stdout == ("testimonies/maurey-usa.yaml: not canonical (run `editions fmt "
                             "testimonies/maurey-usa.yaml`)\n")
    assert result.stderr == "1 of 18 files would be reformatted\n"
    assert path.read_bytes() == before


def test_fmt_refuses_a_file_the_loader_refuses(project: Path) -> None:
    path = project / "testimonies/maurey-usa.yaml"
    scramble(path)
    write(project / "testimonies/kim-canada.yaml", "name: Kim\nname: Kimberly\n")
    before = path.read_bytes()
    result = run(project, "fmt")
    assert result.exit_code == 1
    assert result.stderr == ("testimonies/kim-canada.yaml:2:1: error: duplicate key 'name' "
                             "(first given at line 1)\n1 problem found\n")
    assert path.read_bytes() == before, "nothing is rewritten while any file has a problem"


def test_fmt_refuses_a_file_that_is_not_a_testimony_or_edition(project: Path) -> None:
    (project / "notes.md").write_text("# Notes\n", encoding="utf-8")
    (project / "testimonies/sub").mkdir()
    (project / "testimonies/sub/kim-nz.yaml").write_text("name: Kim\n", encoding="utf-8")
    for name in ("notes.md", "testimonies/sub/kim-nz.yaml"):
        result = run(project, "fmt", str(project / name))
        assert (result.exit_code, result.stderr) == (1, (
            f"error: {project / name}: not a testimony or edition file "
            "(testimonies/<id>.yaml, editions/NNN.yaml); fmt rewrites only those\n"))
    assert (project / "notes.md").read_text(encoding="utf-8") == "# Notes\n"


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("Dr. Smith came. Then Mrs. Jones.", ["Dr. Smith came.", "Then Mrs. Jones."]),
        ("I took 4.5 mg. It helped.", ["I took 4.5 mg.", "It helped."]),
        ("Stable since 2007. We settled.", ["Stable since 2007.", "We settled."]),
        ("Read J. R. Smith. He is good.", ["Read J. R. Smith.", "He is good."]),
        ("See https://example.org/a. B and go. Now.",
         ["See https://example.org/a.", "B and go.", "Now."]),
        ("Fruit, etc. Then more.", ["Fruit, etc. Then more."]),
        ("He said “No.” Then left.", ["He said “No.”", "Then left."]),
        ("Odd. 1. Not a list.", ["Odd. 1.", "Not a list."]),
        ("Odd. - Not a list. # Nor a heading.", ["Odd. - Not a list. # Nor a heading."]),
        ("It hurt. **Talk to your doctor.** Please.",
         ["It hurt.", "**Talk to your doctor.**", "Please."]),
    ],
)
def test_sentences_break_only_where_a_sentence_ends(text: str, lines: list[str]) -> None:
    assert semantic_lines(text) == "\n".join(lines) + "\n"
    assert normalized(semantic_lines(text)) == normalized(text)


# Text in each shipped language as a contributor writes it, and its sentences as fmt lays them
# out with the publication in that language: capitals beyond ASCII, quotes and brackets before
# a sentence, the language's abbreviations, and no break inside a number, a date, initials or
# a dose.
LANGUAGE_SENTENCES = {
    "en-GB": ("Dr. Smith came, i.e. the neurologist. Mrs. Jones too, e. g. on Mondays, etc. "
              "Then J. R. R. Tolkien. Ørjan wrote. Élodie replied. “Yes.” (Indeed.) I take "
              "4.5 mg. It helps. Since 3 May 2008. Why? Because.",
              ["Dr. Smith came, i.e. the neurologist.",
               "Mrs. Jones too, e. g. on Mondays, etc. Then J. R. R. Tolkien.",
               "Ørjan wrote.", "Élodie replied.", "“Yes.”", "(Indeed.)", "I take 4.5 mg.",
               "It helps.", "Since 3 May 2008.", "Why?", "Because."]),
    "de-DE": ("Es ging mir gut. Ärzte sagten nichts, z. B. Dr. Müller. Ich nahm z.B. LDN, d. h. "
              "jeden Abend 4,5 mg. Am 3. Mai 2008 fing es an. Der 2. Schub kam bzw. ging, ca. "
              "Nr. 5 u. a. „Nein.“ Übrigens: »Ja.« Öfter. (Immer.) Ende.",
              ["Es ging mir gut.", "Ärzte sagten nichts, z. B. Dr. Müller.",
               "Ich nahm z.B. LDN, d. h. jeden Abend 4,5 mg.", "Am 3. Mai 2008 fing es an.",
               "Der 2. Schub kam bzw. ging, ca. Nr. 5 u. a. „Nein.“", "Übrigens: »Ja.«",
               "Öfter.", "(Immer.)", "Ende."]),
    "fr-FR": ("Je vais bien. Élodie aussi. Il a vu Mme Durand, p. ex. le lundi. J'ai pris du "
              "LDN, c.-à-d. 4,5 mg. Il a dit « Non. » Puis il est parti. « Bonjour », dit-il. "
              "Ça va, etc. Voilà. Était-ce vrai ? Oui.",
              ["Je vais bien.", "Élodie aussi.", "Il a vu Mme Durand, p. ex. le lundi.",
               "J'ai pris du LDN, c.-à-d. 4,5 mg.", "Il a dit « Non. »",
               "Puis il est parti.", "« Bonjour », dit-il.", "Ça va, etc. Voilà.",
               "Était-ce vrai ?", "Oui."]),
    "es-ES": ("Estoy bien. ¿Y tú? ¡Qué bien! Ángela vino con el Sr. García y la Dra. Ruiz. Tomo "
              "p. ej. 4,5 mg. Desde el 3 de mayo de 2008. Él dice, etc. Ésta es. Óscar también.",
              ["Estoy bien.", "¿Y tú?", "¡Qué bien!",
               "Ángela vino con el Sr. García y la Dra. Ruiz.", "Tomo p. ej. 4,5 mg.",
               "Desde el 3 de mayo de 2008.", "Él dice, etc. Ésta es.", "Óscar también."]),
    "nl-NL": ("Het gaat goed. IJsland was mooi. Ik neem bijv. LDN, d.w.z. 4,5 mg. Dhr. Jansen "
              "kwam, o.a. met mevr. De Vries. 'Nee.' Toen ging ik. Één keer. Ça dan.",
              ["Het gaat goed.", "IJsland was mooi.", "Ik neem bijv. LDN, d.w.z. 4,5 mg.",
               "Dhr. Jansen kwam, o.a. met mevr. De Vries.", "'Nee.'", "Toen ging ik.",
               "Één keer.", "Ça dan."]),
}


def wrapped(text: str) -> str:
    return textwrap.fill(text, 60, break_on_hyphens=False)


@pytest.mark.parametrize("language", sorted(LANGUAGE_SENTENCES))
def test_sentences_in_each_language(language: str) -> None:
    text, lines = LANGUAGE_SENTENCES[language]
    formatted = semantic_lines(wrapped(text), language)
    assert formatted == "\n".join(lines) + "\n"
    assert semantic_lines(formatted, language) == formatted, "fmt is idempotent"
    assert normalized(formatted) == normalized(text)


@pytest.mark.parametrize(
    ("language", "text", "lines"),
    [
        # a German ordinal is no sentence end; an English number before a capital is
        ("de-DE", "Seit dem 3. Oktober. Dann 12. Juni.",
         ["Seit dem 3. Oktober.", "Dann 12. Juni."]),
        ("en-GB", "In 2003. Then.", ["In 2003.", "Then."]),
        # "Mme" and "p. ex." are French abbreviations; in English "ex." ends a sentence
        ("en-GB", "My ex. Then.", ["My ex.", "Then."]),
        ("fr-FR", "Mon ex. Puis.", ["Mon ex. Puis."]),
        # a lowercase letter after a stop is no new sentence in any script
        ("de-DE", "Es ging. ärgerlich.", ["Es ging. ärgerlich."]),
        # a no-break space at a line's end prints, so it is kept
        ("fr-FR", "Il dit «\u00a0\nNon\u00a0!\u00a0» Puis.",
         ["Il dit «\u00a0 Non\u00a0!\u00a0»", "Puis."]),
        # after one of pandoc's abbreviations its `smart` extension prints a no-break space
        # for a space and a space for a line break: neither is changed into the other
        ("en-GB", "We saw e.g.\nthe Gen. Then left.", ["We saw e.g.", "the Gen. Then left."]),
        ("de-DE", "Wir sahen Dr.\nMüller. Fr. Meier kam.",
         ["Wir sahen Dr.", "Müller.", "Fr. Meier kam."]),
        # a language without a list of its own uses English's
        ("it-IT", "Dr. Rossi. Ecco.", ["Dr. Rossi.", "Ecco."]),
    ],
)
def test_sentence_ends_depend_on_the_language(language: str, text: str,
                                               lines: list[str]) -> None:
    assert semantic_lines(text, language) == "\n".join(lines) + "\n"


def test_fmt_prints_the_same_in_each_language() -> None:
    """pandoc makes the same HTML of each language's text, wrapped and formatted, and of
    text with pandoc's abbreviations at a line's end and before a capital."""
    languages = [*LANGUAGE_SENTENCES, "en-GB", "de-DE"]
    texts = [*(wrapped(text) for text, _ in LANGUAGE_SENTENCES.values()),
             "We saw e.g.\nthe Gen. Then left.", "Wir sahen Dr.\nMüller. Fr. Meier kam."]
    formatted = [semantic_lines(text, language)
                 for text, language in zip(texts, languages, strict=True)]
    assert formatted != texts
    before, after = convert_texts(texts), convert_texts(formatted)
    assert all("<p>" in html for html in before)
    assert before == after


def test_fmt_uses_the_publications_language(project: Path) -> None:
    settings = project / "publication.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("en-GB", "de-DE"),
                        encoding="utf-8")
    path = project / "testimonies/hannelore-germany.yaml"
    text = path.read_text(encoding="utf-8")
    story = "Ich nahm z. B. jeden Abend 4,5 mg. Ärzte staunten. Am 3. Mai ging es besser."
    path.write_text(re.sub(r"story: \|\n(?:  .*\n|\n)+?(?=\S)",
                           "story: |\n" + textwrap.indent(wrapped(story), "  ") + "\n",
                           text, count=1), encoding="utf-8")
    result = run(project, "fmt")
    assert result.exit_code == 0, result.output
    assert "story: |\n  Ich nahm z. B. jeden Abend 4,5 mg.\n  Ärzte staunten.\n  Am 3. Mai ging " \
        "es besser.\n" in path.read_text(encoding="utf-8")
    assert run(project, "fmt", "--check").exit_code == 0
