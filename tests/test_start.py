"""Starting a publication: init in an empty folder, the tool's own look, its overrides."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from editions.load.archive import load_archive

from .conftest import run, write
from .support import edit, site_links

SETTINGS = ("--title", "Letters from the Lakes", "--publisher", "The Lakes Letters Group",
            "--language", "en-GB", "--site-url", "https://lakes.example.net/letters/",
            "--paper", "A5", "--treatment", "LDN")


def start(folder: Path) -> None:
    result = run(folder, "init", *SETTINGS)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"started a publication in {folder}: ")


def first_testimony(root: Path) -> None:
    """A testimony and an edition printing it, as the editor makes them after init."""
    result = run(root, "new", "testimony", "Ingrid", "--country", "Sweden", "--condition",
                 "Multiple sclerosis", "--consent", "2020-03-02", "--today", "2020-03-01")
    assert result.exit_code == 0, result.output
    edit(root / "testimonies" / "ingrid-sweden.yaml", "story:",
         "story: |\n  I began in the spring.\n  By summer I walked to the lake again.\n#")
    result = run(root, "new", "edition", "--today", "2020-04-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("a draft proposing 1 testimony\n")


def test_init_makes_a_publication_that_checks_and_builds(tmp_path: Path) -> None:
    root = tmp_path / "lakes"
    start(root)
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        ".github/workflows/editions.yml", ".gitignore", ".vscode/settings.json",
        "editions/.gitkeep", "images/.gitkeep", "publication.yaml", "references.yaml",
        "schemas/edition.schema.json", "schemas/testimony.schema.json",
        "testimonies/.gitkeep"]
    settings = load_archive(root).settings
    assert (settings.title, settings.publisher, settings.site_url, settings.paper) == (
        "Letters from the Lakes", "The Lakes Letters Group",
        "https://lakes.example.net/letters/", "A5")
    assert run(root, "check").stdout == "ok: 0 testimonies and 0 editions, no problems\n"
    assert run(root, "schema", "--check").exit_code == 0
    first_testimony(root)
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("; drafts in site-preview/\n")
    site = root / "site"
    followed, broken = site_links(site)
    assert broken == []
    assert followed > 10
    assert not (site / "editions").exists()  # the first edition is still a draft
    drafts = root / "site-preview"
    page = (drafts / "editions" / "001" / "index.html").read_text(encoding="utf-8")
    assert "Letters from the Lakes" in page
    assert "Ingrid, Sweden" in page
    assert (drafts / "editions" / "001" / "letters-from-the-lakes-001.pdf").is_file()


def test_init_refuses_a_folder_with_files_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path / "notes.txt", "mine\n")
    result = run(tmp_path, "init", *SETTINGS)
    assert result.exit_code == 1
    assert result.stderr == (f"error: {tmp_path}: is not empty (it holds notes.txt); init starts "
                             "a publication in an empty folder, so give it a new one; nothing "
                             "was written\n")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_init_refuses_a_publication(project: Path) -> None:
    before = sorted(p.name for p in project.iterdir())
    result = run(project, "init", *SETTINGS)
    assert result.exit_code == 1
    assert result.stderr == (f"error: {project}: already holds a publication "
                             "(publication.yaml); nothing was written\n")
    assert sorted(p.name for p in project.iterdir()) == before


def test_init_takes_a_folder_where_git_was_started(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    start(tmp_path)
    assert (tmp_path / "publication.yaml").is_file()


def test_init_off_a_terminal_invents_nothing(tmp_path: Path) -> None:
    result = run(tmp_path, "init", "--title", "Letters")
    assert result.exit_code == 1
    assert result.stderr == ("error: init needs --publisher, --language, --site-url, --paper, "
                             "--treatment: give them, or run init on a terminal to be asked; "
                             "nothing was written\n")
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_a_setting_check_would_refuse(tmp_path: Path) -> None:
    args = list(SETTINGS)
    args[args.index("--site-url") + 1] = "lakes.example.net"
    result = run(tmp_path / "new", "init", *args)
    assert result.exit_code == 1
    assert result.stderr == ("error: the site address 'lakes.example.net' is not a web address: "
                             "write the archive's public address, such as "
                             "https://example.org/news/\n")
    assert not (tmp_path / "new").exists()


def test_init_asks_on_a_terminal(tmp_path: Path) -> None:
    """The real command on a pseudo-terminal, answered as a person types."""
    import pty

    leader, follower = pty.openpty()
    script = Path(sys.executable).with_name("editions")
    answers = ["Letters from the Lakes", "The Lakes Letters Group", "en-GB",
               "https://lakes.example.net/", "A4", "LDN"]
    os.write(leader, ("\n".join(answers) + "\n").encode())
    done = subprocess.run([str(script), "init", "lakes"], cwd=tmp_path, stdin=follower,
                          stdout=follower, stderr=follower, check=False, timeout=120)
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    os.close(leader)
    assert done.returncode == 0, screen
    text = screen.decode()
    assert "Title of the newsletter:" in text
    assert "Paper size of the PDFs (A4, A5 or Letter) (A4, A5, Letter):" in text
    settings = load_archive(tmp_path / "lakes").settings
    assert (settings.title, settings.site_url, settings.paper) == (
        "Letters from the Lakes", "https://lakes.example.net/", "A4")


def test_check_and_build_outside_a_publication_write_nothing(tmp_path: Path) -> None:
    write(tmp_path / "templates" / "edition.html", "{{ x }}")
    (tmp_path / "testimonies").mkdir()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    for command in ("check", "build"):
        result = run(tmp_path, command)
        assert result.exit_code == 1
        assert result.stderr == (f"error: {tmp_path}: not a publication (no publication.yaml "
                                 "here); run `editions init` to start one, or give --root the "
                                 "publication's folder\n")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_publication_s_templates_override_the_tool_s_file_by_file(tmp_path: Path) -> None:
    root = tmp_path / "lakes"
    start(root)
    first_testimony(root)
    write(root / "templates" / "assets" / "screen.css", "/* the Lakes' own screen */\n")
    assert run(root, "build", "--html-only").exit_code == 0
    site = root / "site"
    assert (site / "assets" / "screen.css").read_text() == "/* the Lakes' own screen */\n"
    tool = Path(__file__).resolve().parent.parent / "templates" / "assets" / "style.css"
    assert (site / "assets" / "style.css").read_bytes() == tool.read_bytes()
    assert site_links(site)[1] == []


def test_settings_left_out_are_not_filled_in_silently(tmp_path: Path) -> None:
    root = tmp_path / "lakes"
    start(root)
    write(root / "publication.yaml", "title: Letters from the Lakes\nlanguage: en-GB\n")
    result = run(root, "check")
    assert result.exit_code == 0
    assert result.stderr == (
        "publication.yaml:1:1: warning: no 'publisher': every page prints the tool's "
        "placeholder 'The editor'; write the publication's own publisher\n"
        "publication.yaml:1:1: warning: no 'site_url': every page prints the tool's "
        "placeholder 'https://example.org/news/'; write the publication's own site address\n")
