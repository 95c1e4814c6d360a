"""Hostile files and settings: what a publication's repository may hold that must not reach
outside it, run code, or pass the guards unseen."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run


def test_a_template_cannot_run_a_command(project: Path, tmp_path: Path) -> None:
    """Templates render in Jinja2's sandbox: no `__globals__`, so no `os`, no `popen`."""
    proof = tmp_path / "ran"
    template = project / "templates" / "base.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "</body>", f"{{{{ cycler.__init__.__globals__.os.popen('touch {proof}').read() }}}}"
        "</body>", 1), encoding="utf-8")
    result = run(project, "build", "--html-only")
    assert result.exit_code == 1
    assert not proof.exists()
    assert result.stderr == ("templates/edition.html:1:1: error: template: access to attribute "
                             "'__init__' of 'type' object is unsafe.\n1 problem found\n")


def _rewritten(project: Path) -> Path:
    """maurey-usa.yaml with its story on one line, so fmt has something to rewrite."""
    path = project / "testimonies" / "maurey-usa.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("story: |", "story: |  # x", 1),
                    encoding="utf-8")
    return path


def test_fmt_and_publish_never_write_through_a_committed_link(project: Path,
                                                               tmp_path: Path) -> None:
    """The temporary file fmt writes has a random name, is created exclusively and follows no
    link: a link planted at the old fixed name `.NAME.fmt` is left as it is."""
    outside = tmp_path / "outside.txt"
    outside.write_text("not the publication's")
    path = project / "testimonies" / "maurey-usa.yaml"
    assert run(project, "fmt").exit_code == 0
    before = path.read_text(encoding="utf-8")
    path.write_text(before.replace("name: Maurey", "name:   Maurey"), encoding="utf-8")
    planted = project / "testimonies" / ".maurey-usa.yaml.fmt"
    planted.symlink_to(outside)
    (project / "editions" / ".004.yaml.fmt").symlink_to(outside)
    result = run(project, "fmt")
    assert result.exit_code == 0, result.output
    assert outside.read_text() == "not the publication's"
    assert not path.is_symlink()
    assert path.read_text(encoding="utf-8") == before
    assert planted.is_symlink()
    result = run(project, "publish", "4", "--today", "2013-09-02")
    assert outside.read_text() == "not the publication's"
    assert not (project / "editions" / "004.yaml").is_symlink()
    hidden = sorted(p.name for p in (project / "testimonies").iterdir() if p.name[0] == ".")
    assert hidden == [".maurey-usa.yaml.fmt"]


def test_a_symlinked_testimony_is_refused_and_nothing_of_its_target_is_quoted(
        project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "credentials"
    secret.write_text("aws_secret_access_key: AKIA-SECRET\n")
    (project / "testimonies" / "kim-canada.yaml").symlink_to(secret)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "001.yaml").write_text("number: 1\n")
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "testimonies/kim-canada.yaml:1:1: error: is a symbolic link; the publication's files "
        "are read only as plain files inside it, never through a link")
    assert "aws" not in result.output
    assert "AKIA" not in result.output


def test_a_symlinked_folder_is_refused(project: Path, tmp_path: Path) -> None:
    """A link to a folder where testimonies/ should be: nothing is read through it."""
    import shutil
    shutil.move(project / "testimonies", tmp_path / "testimonies")
    (project / "testimonies").symlink_to(tmp_path / "testimonies")
    result = run(project, "check")
    assert result.exit_code == 1
    assert ("testimonies/maurey-usa.yaml:1:1: error: testimonies/ is a symbolic link; the "
            "publication's files are read only as plain files inside it, never through a link"
            ) in result.stderr.splitlines()


def test_a_fifo_as_publication_yaml_is_refused_at_once(project: Path) -> None:
    import os
    import time
    (project / "publication.yaml").unlink()
    os.mkfifo(project / "publication.yaml")
    started = time.monotonic()
    result = run(project, "check")
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "publication.yaml:1:1: error: is a FIFO, not a plain file; only plain files are read")


def test_a_killed_new_leaves_no_empty_file(project: Path) -> None:
    """`new` writes the whole file or none: stopped mid-write (here by the file size limit),
    it leaves no part of a file under the name, and a second `new` succeeds."""
    import resource
    import subprocess
    import sys

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

    script = Path(sys.executable).with_name("editions")
    command = [str(script), "new", "testimony", "Kim", "--country", "Chile", "--condition",
               "MS", "--today", "2013-02-01", "--root", str(project)]
    stopped = subprocess.run(command, preexec_fn=small_files, capture_output=True, text=True,
                             check=False)
    path = project / "testimonies" / "kim-chile.yaml"
    assert stopped.returncode == 1
    assert stopped.stderr == (f"error: {path}: cannot write: File too large; nothing was "
                              "written\n")
    assert not path.exists()
    again = subprocess.run(command, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server")


def test_a_cache_committed_to_the_repository_is_not_trusted(project: Path) -> None:
    """A fresh clone's `.editions-cache/markdown.sqlite`, force-added to git, could hold any
    HTML under the right keys; a tracked cache is ignored with a warning."""
    import shutil
    import sqlite3

    from .gitrepo import git, init

    assert run(project, "build", "--html-only").exit_code == 0
    cache = project / ".editions-cache" / "markdown.sqlite"
    with sqlite3.connect(cache) as db:
        rows = db.execute("UPDATE html SET value = '<script>alert(1)</script>' "
                          "WHERE value LIKE '<p>%'").rowcount
    assert rows > 20
    (project / ".gitignore").write_text("site/\n.editions-cache/\n")
    init(project)
    git(project, "add", "-f", ".editions-cache/markdown.sqlite")
    git(project, "commit", "-q", "-m", "cache")
    assert git(project, "ls-files", ".editions-cache") == ".editions-cache/markdown.sqlite\n"
    shutil.rmtree(project / "site")
    result = run(project, "build", "--html-only")
    assert result.exit_code == 0, result.stderr
    pages = sorted((project / "site").rglob("*.html"))
    assert len(pages) >= 15
    assert [p for p in pages if "<script>alert" in p.read_text()] == []
    assert (f"warning: {cache}: is tracked by git, so it came with the repository; the "
            f"Markdown cache is not used (run `git rm --cached {cache}`)") in result.stderr


@pytest.mark.parametrize("value", ["1e20", "100000000000000000000", "999999999999", "-5", "²"])
def test_a_bad_source_date_epoch_is_a_clear_error(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                  value: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    for command in (("new", "edition"), ("new", "testimony", "Kim", "--country", "Chile",
                                          "--condition", "MS")):
        result = run(project, *command)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: SOURCE_DATE_EPOCH is '{ascii(value)[1:-1]}': ")
        assert "internal error" not in result.stderr


@pytest.mark.parametrize(("argument", "message"), [
    ("Kim\x1b[2J", "control character U+001B is not allowed"),
    ("Kim\u202e", "invisible direction control U+202E is not allowed: it can make text read "
                  "differently from what it holds"),
    ("Ki\u200bm", "invisible zero-width space U+200B is not allowed: it can hide a word from "
                  "readers, reviewers and the privacy check"),
])
def test_new_refuses_control_characters_in_its_arguments(project: Path, argument: str,
                                                         message: str) -> None:
    before = sorted(p.name for p in (project / "testimonies").iterdir())
    result = run(project, "new", "testimony", argument, "--country", "Chile",
                 "--condition", "MS", "--id", "kim-chile")
    assert (result.exit_code, result.stderr) == (
        1, f"error: the name: {message}; nothing was written\n")
    assert sorted(p.name for p in (project / "testimonies").iterdir()) == before


@pytest.mark.parametrize("name", ["x.html", "edition.html", "assets/style.css"])
def test_a_template_or_asset_linked_outside_is_refused(project: Path, tmp_path: Path,
                                                         name: str) -> None:
    """Templates and assets are read as the publication's other files are: a link in its
    templates/ is refused by name and what it points at is neither read nor published."""
    outside = tmp_path / "secret.txt"
    outside.write_text("aws_secret_access_key = not-for-the-site\n")
    link = project / "templates" / name
    link.unlink(missing_ok=True)
    link.symlink_to(outside)
    result = run(project, "build", "--html-only")
    assert result.exit_code == 1
    assert result.stderr == (f"templates/{name}:1:1: error: is a symbolic link; the "
                             "publication's files are read only as plain files inside it, "
                             "never through a link\n1 problem found\n")
    assert not (project / "site").exists()


FORGED = "x\nok: 40 testimonies and 5 editions, no problems\x1b[1A"
SHOWN = "x\\nok: 40 testimonies and 5 editions, no problems\\x1b[1A"


def test_a_file_name_cannot_forge_a_line_or_move_the_cursor(project: Path) -> None:
    """A newline in a testimony's file name printed a line of its own ('ok: ...'), and ESC's
    sequences reached the terminal; every message escapes them where it is formatted."""
    source = project / "testimonies" / "audrey-uk.yaml"
    (project / "testimonies" / f"{FORGED}.yaml").write_bytes(source.read_bytes())
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"testimonies/{SHOWN}.yaml:1:1: error: testimony file name '{SHOWN}.yaml' must be "
        "<id>.yaml, the id in lowercase letters, digits and hyphens", "1 problem found"]
    assert "\x1b" not in result.output


def test_a_folder_name_cannot_forge_a_line_in_an_error(tmp_path: Path) -> None:
    folder = tmp_path / FORGED
    folder.mkdir()
    result = run(folder, "build")
    assert result.exit_code == 1
    assert result.stderr == (f"error: {tmp_path}/{SHOWN}: not a publication (no "
                             "publication.yaml here); run `editions init` to start one, or "
                             "give --root the publication's folder\n")
