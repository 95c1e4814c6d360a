"""Import: an editor's archive pages, Word and OpenDocument letters, text and e-mails."""

from __future__ import annotations

import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest

from editions.edit import importer
from editions.edit.importer import update_heading
from editions.load.archive import load_archive
from editions.make.markdown import pandoc_path

from .conftest import REPO, run, write
from .support import edit

PAGE = REPO / "tests" / "imports" / "news-2009.html"
TODAY = ("--today", "2026-12-01")
INIT = ("init", "--title", "Letters from the Lakes", "--publisher", "The Lakes Letters Group",
        "--language", "en-GB", "--site-url", "https://lakes.example.net/", "--paper", "A4",
        "--treatment", "LDN")

BRIGITTA = """\
# yaml-language-server: $schema=../schemas/testimony.schema.json
name: Brigitta
country: Austria
condition: Multiple sclerosis  # named in the story: check it
started: 2007-07  # worked out from 'UPDATE: July, 2008 – 1 Year on LDN': check it
received: 2026-12-01  # imported from news-2009.html
# consent:                # not given yet: no edition may print this testimony
#   given: YYYY-MM-DD     # uncomment, with the date the contributor agreed to be printed
story: |
  I was told I had multiple sclerosis in the spring of 2007.
  I read about low-dose naltrexone on [a forum](https://example.net/ldn); my doctor agreed.

  The first weeks were *strange*: dreams every night.
  Then the fog lifted.
updates:
  - date: 2008-07
    label: 1 Year on LDN
    text: |
      No relapse this year.
      I walk to the market again.
  - date: 2009-01
    text: |
      A cold winter, but I am steady.
"""


@pytest.fixture
def lakes(tmp_path: Path) -> Path:
    """A publication just started, as `editions init` leaves it."""
    root = tmp_path / "lakes"
    assert run(root, *INIT).exit_code == 0
    return root


def files(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8")
            for p in sorted((root / "testimonies").glob("*.yaml"))}


def imported(root: Path, *args: str) -> tuple[str, str]:
    result = run(root, "import", *args, *TODAY)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_an_archive_page_becomes_testimony_files(lakes: Path) -> None:
    out, err = imported(lakes, str(PAGE))
    assert out == (
        "created testimonies/brigitta-austria.yaml (2 updates)\n"
        "created testimonies/mele-samoa.yaml (0 updates)\n"
        "created testimonies/tomasz-poland.yaml (1 update)\n"
        "imported 3 testimonies from 1 file: 3 created (3 updates), 0 extended (0 updates "
        "added)\n")
    assert err == (f"warning: {PAGE}: 4 paragraphs before the first testimony (an "
                   "introduction?) was not imported; --intro N puts it into draft edition N's "
                   "introduction\n")
    texts = files(lakes)
    assert len(texts) == 3
    assert texts["brigitta-austria.yaml"] == BRIGITTA
    tomasz = texts["tomasz-poland.yaml"]
    assert "condition: Crohn's disease  # named in the story: check it\n" in tomasz
    assert "  Crohn’s disease took most of my twenties.\n" in tomasz  # typography kept
    assert "      See my diet page.\n" in tomasz  # a link into the old site: its words only
    assert "    label: 1 year on LDN\n" in tomasz  # as written, with its small y
    assert "×2 days a week" in texts["mele-samoa.yaml"]
    joined = "".join(texts.values())
    for furniture in ("Back to Top", "Print this page", "Case Testimonials", "Home", "vivid"):
        assert furniture not in joined
    archive = load_archive(lakes)
    assert [t.consent.given for t in archive.testimonies.values()] == [None] * 3
    assert run(lakes, "check").stdout == "ok: 3 testimonies and 0 editions, no problems\n"
    assert run(lakes, "fmt", "--check").exit_code == 0


def test_importing_the_same_page_again_changes_nothing(lakes: Path) -> None:
    imported(lakes, str(PAGE))
    before = files(lakes)
    out, _ = imported(lakes, str(PAGE))
    assert out == (
        "unchanged testimonies/brigitta-austria.yaml\n"
        "unchanged testimonies/mele-samoa.yaml\n"
        "unchanged testimonies/tomasz-poland.yaml\n"
        "imported 3 testimonies from 1 file: 0 created (0 updates), 0 extended (0 updates "
        "added)\n")
    assert files(lakes) == before


OLDER_UPDATE = """\
<h4>Update – January 2009</h4>
<p>A cold winter, but I am steady.</p>
"""
# one update slots in before the January 2009 one, one goes last
NEWER_UPDATES = """\
<p>UPDATE – 2008-10 – fifteen months</p><p>Autumn was easy.</p>
<h4>Update – January 2009</h4>
<p>A cold winter, but I am steady.</p>
<p><strong>Update: Jun 2010 – 3 years on LDN</strong></p>
<p>My neurologist says the scan is unchanged.</p>
"""


def test_a_newer_copy_of_the_page_adds_exactly_its_new_updates(lakes: Path,
                                                               tmp_path: Path) -> None:
    imported(lakes, str(PAGE))
    brigitta = lakes / "testimonies" / "brigitta-austria.yaml"
    # the editor has been at work since: consent and a corrected word, which stay
    edit(brigitta, "# consent:                # not given yet: no edition may print this "
         "testimony\n#   given: YYYY-MM-DD     # uncomment, with the date the contributor "
         "agreed to be printed\n", "consent:\n  given: 2026-12-02\n")
    edit(brigitta, "Then the fog lifted.", "Then the fog cleared.")
    page = PAGE.read_text(encoding="utf-8")
    newer = page.replace(OLDER_UPDATE, NEWER_UPDATES)
    newer = newer.replace("<p>Print this page</p>", "<h3>Aroha, New Zealand</h3>\n<p>Lupus, "
                          "and now a garden.</p>\n<p>Print this page</p>")
    assert newer.lower().count("update") == page.lower().count("update") + 2
    source = write(tmp_path / "archive" / "news-2010.html", newer)
    before = brigitta.read_text(encoding="utf-8")
    out, err = imported(lakes, str(source))
    assert out == (
        "created testimonies/aroha-new-zealand.yaml (0 updates)\n"
        "extended testimonies/brigitta-austria.yaml (2 updates added)\n"
        "unchanged testimonies/mele-samoa.yaml\n"
        "unchanged testimonies/tomasz-poland.yaml\n"
        "imported 4 testimonies from 1 file: 1 created (0 updates), 1 extended (2 updates "
        "added)\n")
    assert ("warning: testimonies/brigitta-austria.yaml: the story differs from the one in "
            f"{source}; the file's is kept (compare them by hand)\n") in err
    after = brigitta.read_text(encoding="utf-8")
    assert after.startswith(before[:before.index("updates:")])  # story and fields as they were
    assert after[after.index("updates:"):] == """\
updates:
  - date: 2008-07
    label: 1 Year on LDN
    text: |
      No relapse this year.
      I walk to the market again.
  - date: 2008-10
    label: fifteen months
    text: |
      Autumn was easy.
  - date: 2009-01
    text: |
      A cold winter, but I am steady.
  - date: 2010-06
    label: 3 years on LDN
    text: |
      My neurologist says the scan is unchanged.
"""
    assert run(lakes, "check").exit_code == 0
    again, _ = imported(lakes, str(source))
    assert "0 created (0 updates), 0 extended (0 updates added)" in again


LETTER = """\
Ingrid, Sweden

I have had multiple sclerosis since 2010 – my neurologist called it “mild”.
I began low-dose naltrexone in *March 2012*.

The tingling in my hands is gone most days.

Update – September 2012 – 6 months on LDN

Still good. I swim twice a week.
"""


def _pandoc(source: Path, target: Path, reader: str) -> Path:
    subprocess.run([pandoc_path(), "--from", reader, "--to", target.suffix[1:], "-o",
                    str(target), str(source)], check=True, capture_output=True)
    return target


def _letter(tmp_path: Path, ending: str) -> Path:
    folder = tmp_path / "letters"
    markdown = write(folder / "ingrid.md", LETTER)
    if ending == ".md":
        return markdown
    if ending == ".txt":
        return write(folder / "ingrid.txt", LETTER.replace("*", ""))
    if ending in (".docx", ".odt"):  # made by pandoc here, so no binary is kept in the tests
        return _pandoc(markdown, folder / f"ingrid{ending}", "markdown")
    if ending == ".html":
        return _pandoc(markdown, folder / "ingrid.html", "markdown")
    message = EmailMessage()
    message["From"] = "Reader <reader@example.net>"
    message["To"] = "letters@example.net"
    message["Subject"] = "My story"
    message.set_content(LETTER.replace("*", ""))
    if ending == ".eml-html":
        html = subprocess.run([pandoc_path(), "--from", "markdown", "--to", "html"],
                              input=LETTER.encode(), capture_output=True, check=True).stdout
        message.add_alternative(html.decode(), subtype="html")
    path = folder / "ingrid.eml"
    path.write_bytes(bytes(message))
    return path


@pytest.mark.parametrize("ending", [".html", ".docx", ".odt", ".md", ".txt", ".eml",
                                    ".eml-html"])
def test_a_letter_in_each_format(lakes: Path, tmp_path: Path, ending: str) -> None:
    source = _letter(tmp_path, ending)
    out, _ = imported(lakes, str(source), "--received", "2012-10-03")
    assert out.splitlines() == ["created testimonies/ingrid-sweden.yaml (1 update)",
                                "imported 1 testimony from 1 file: 1 created (1 update), 0 "
                                "extended (0 updates added)"]
    text = files(lakes)["ingrid-sweden.yaml"]
    emphasis = "*March 2012*" if ending in (".md", ".html", ".docx", ".odt", ".eml-html") \
        else "March 2012"
    assert text == f"""\
# yaml-language-server: $schema=../schemas/testimony.schema.json
name: Ingrid
country: Sweden
condition: Multiple sclerosis  # named in the story: check it
started: 2012-03  # worked out from 'Update – September 2012 – 6 months on LDN': check it
received: 2012-10-03  # imported from {source.name}
# consent:                # not given yet: no edition may print this testimony
#   given: YYYY-MM-DD     # uncomment, with the date the contributor agreed to be printed
story: |
  I have had multiple sclerosis since 2010 – my neurologist called it “mild”.
  I began low-dose naltrexone in {emphasis}.

  The tingling in my hands is gone most days.
updates:
  - date: 2012-09
    label: 6 months on LDN
    text: |
      Still good.
      I swim twice a week.
"""
    assert run(lakes, "check").stdout == "ok: 1 testimonies and 0 editions, no problems\n"


def test_dry_run_shows_the_files_and_writes_nothing(lakes: Path) -> None:
    out, _ = imported(lakes, str(PAGE), "--dry-run")
    assert "+++ b/testimonies/brigitta-austria.yaml\n" in out
    assert "+name: Brigitta\n" in out
    assert out.endswith("would import 3 testimonies from 1 file: 3 created (3 updates), 0 "
                        "extended (0 updates added); nothing was written\n")
    assert files(lakes) == {}


def test_the_introduction_goes_into_a_draft_edition(lakes: Path) -> None:
    # a draft the editor started by hand: `new edition` proposes nothing in a publication
    # whose testimonies have no consent yet, and writes nothing then
    write(lakes / "editions" / "001.yaml", "number: 1\ndate: 2026-12-01\nstatus: draft\n"
          "testimonies: []\n")
    out, err = imported(lakes, str(PAGE), "--intro", "1")
    assert "extended editions/001.yaml (introduction put in)\n" in out
    assert "before the first testimony" not in err
    intro = load_archive(lakes).editions[0].intro
    assert intro is not None
    assert intro.text.startswith("## Why so many of you write about sleep\n\n"
                                 "Many letters this summer mention “vivid dreams”")
    assert "1.  Example A, Sample B. Sleep and low doses. *Journal of Examples*." in intro.text
    assert "Case Testimonials" not in intro.text


def test_privacy_lint_runs_on_what_was_imported(lakes: Path, tmp_path: Path) -> None:
    source = write(tmp_path / "kirsi.txt", "Kirsi, Finland\n\nMy Crohn's is calm. Write to me "
                   "at kirsi.example@example.net.\n")
    _, err = imported(lakes, str(source))
    assert "testimonies/kirsi-finland.yaml:10:18: warning: e-mail address in a testimony" in err
    assert "warning:" in err
    assert "kirsi.example@example.net" in err


def test_a_condition_the_story_does_not_name_is_asked_for(lakes: Path, tmp_path: Path) -> None:
    source = write(tmp_path / "pia.txt", "Pia, Denmark\n\nI feel better since spring.\n")
    result = run(lakes, "import", str(source))
    assert result.exit_code == 1
    assert result.stderr == (f"error: {source}: Pia, Denmark: the story names no one "
                             "condition; give it with --condition; nothing was written\n")
    imported(lakes, str(source), "--condition", "Psoriasis")
    assert "condition: Psoriasis\n" in files(lakes)["pia-denmark.yaml"]


def _big(path: Path) -> Path:
    with path.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024 + 1)
    return path


BAD = [
    ("letter.pdf", lambda p: write(p, "%PDF-1.4"),
     "is not a format import reads (.pdf); it reads .html, .docx, .odt, .md, .txt and .eml"),
    ("missing.html", lambda p: p, "cannot be read: No such file or directory"),
    ("huge.txt", _big, "is 10,485,761 bytes, more than the 10,485,760 (10 MiB) import reads "
     "in one file"),
    ("article.html", lambda p: write(p, "<h1>LDN</h1><p>An article, no letters.</p>"),
     "no testimony found: none begins with a heading or a line of its own 'Name, Country', "
     "such as 'Maurey, USA'"),
    ("broken.docx", lambda p: write(p, "not a zip"),
     "pandoc could not read it as Word (.docx): "),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_and_nothing_is_written(lakes: Path, tmp_path: Path, name: str,
                                                      make: object, message: str) -> None:
    good = _letter(tmp_path, ".md")
    source = make(tmp_path / name)  # type: ignore[operator]
    result = run(lakes, "import", str(good), str(source))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {source}: {message}")
    assert "Traceback" not in result.output
    assert files(lakes) == {}


def test_import_outside_a_publication_refuses(tmp_path: Path) -> None:
    result = run(tmp_path, "import", str(PAGE))
    assert result.exit_code == 1
    assert "not a publication" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("heading", "expected"), [
    ("UPDATE: July, 2008 – 1 Year on LDN", ("2008-07", "1 Year on LDN")),
    ("Update – January 2009", ("2009-01", None)),
    ("Update – July 2009 – 2 years on LDN", ("2009-07", "2 years on LDN")),
    ("update jul 2009", ("2009-07", None)),
    ("Update 2009-07: after the move", ("2009-07", "after the move")),
    ("Update - 14 March 2011 - a good spring", ("2011-03-14", "a good spring")),
    ("Updated: March 3rd, 2011", ("2011-03-03", None)),
    ("Update 2012", ("2012", None)),
    ("Updates from readers", None),
    ("Update – Smarch 2009", None),
])
def test_update_headings(heading: str, expected: tuple[str, str | None] | None) -> None:
    assert update_heading(heading) == expected


def test_plain_text_headings_need_no_blank_line(lakes: Path, tmp_path: Path) -> None:
    source = write(tmp_path / "soren.txt", "Søren, Denmark\nI have Crohn's and\nstarted LDN in "
                   "2010.\nUPDATE: March 2011 - 1 year on LDN\nAll calm.\nBack to top\n")
    out, _ = imported(lakes, str(source))
    assert out.startswith("created testimonies/soren-denmark.yaml (1 update)\n")
    text = files(lakes)["soren-denmark.yaml"]
    assert "story: |\n  I have Crohn’s and started LDN in 2010.\nupdates:\n" in text
    assert "    label: 1 year on LDN\n    text: |\n      All calm.\n" in text
    assert "top" not in text.lower()


def test_a_hostile_page_brings_in_only_its_words(lakes: Path, tmp_path: Path) -> None:
    source = write(tmp_path / "lea.html", '<h3>Lea, France</h3><p onclick="steal()">I have '
                   'lupus. <a href="javascript:alert(1)">Click</a><script>alert(2)</script></p>'
                   '<p><img src="x.png" onerror="y()"> Fine <span style="color:red">now</span>'
                   '</p>')
    _, err = imported(lakes, str(source))
    assert err == (f"warning: {source}: 1 picture left out: put a picture in images/ and link "
                   "it by hand\n")
    text = files(lakes)["lea-france.yaml"]
    assert "story: |\n  I have lupus.\n  Click\n\n  Fine now\n" in text
    for word in ("onclick", "javascript", "script", "alert", "img", "span", "color"):
        assert word not in text
    assert run(lakes, "check").exit_code == 0


def test_an_existing_file_that_does_not_load_stops_the_import(lakes: Path) -> None:
    imported(lakes, str(PAGE))
    broken = write(lakes / "testimonies" / "tomasz-poland.yaml", "name: [\n")
    result = run(lakes, "import", str(PAGE))
    assert result.exit_code == 1
    assert result.stderr == ("testimonies/tomasz-poland.yaml:2:1: error: YAML syntax: did not "
                             "find expected node content\n1 problem found\n")
    assert broken.read_text() == "name: [\n"


@pytest.mark.parametrize(("heading", "expected"), [
    ("Maurey, USA", ("Maurey", "USA")),
    ("Søren, Denmark", ("Søren", "Denmark")),
    ("Aroha, New Zealand", ("Aroha", "New Zealand")),
    ("Anne-Marie, UK.", ("Anne-Marie", "UK")),
    ("Dear Editor,", None),
    ("Yours, Anna", None),
    ("Thank you, Doctor", None),
    ("Kind regards, Sweden", None),
    ("In 2009, Canada", None),
])
def test_testimony_headings(heading: str, expected: tuple[str, str] | None) -> None:
    assert importer.testimony_heading(heading) == expected


def test_the_old_and_the_new_page_at_once(lakes: Path, tmp_path: Path) -> None:
    """A testimony on two pages of one import is one file, with the updates of both."""
    newer = PAGE.read_text(encoding="utf-8").replace(OLDER_UPDATE, NEWER_UPDATES)
    source = write(tmp_path / "archive" / "news-2010.html", newer)
    out, _ = imported(lakes, str(PAGE), str(source))
    assert out.endswith("imported 3 testimonies from 2 files: 3 created (5 updates), 0 "
                        "extended (0 updates added)\n")
    assert files(lakes)["brigitta-austria.yaml"].count("  - date: ") == 4
    assert run(lakes, "check").exit_code == 0


def test_a_publication_file_with_a_problem_stops_the_import(lakes: Path) -> None:
    # its language decides the sentences of every file written, its treatment the start dates
    settings = lakes / "publication.yaml"
    edit(settings, "language: en-GB", "language: en-GB\ntreatment: [LDN")
    result = run(lakes, "import", str(PAGE), *TODAY)
    assert result.exit_code == 1
    assert result.stderr == ("publication.yaml:5:12: error: YAML syntax: the '[' opened here "
                             "is never closed (did not find expected ',' or ']', line 6)\n"
                             "1 problem found\n")
    assert files(lakes) == {}
