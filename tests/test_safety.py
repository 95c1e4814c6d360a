"""The archive is never lost: killed builds, concurrent builds, bad --out, errors as messages."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import editions.make.build
from editions.make.build import build

from .conftest import copy_sample, run
from .support import edit

SCRIPT = Path(sys.executable).with_name("editions")


def snapshot(site: Path) -> dict[str, bytes] | None:
    """Every file of a site and its bytes; None when there is no site."""
    if not site.exists():
        return None
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file() or p.is_symlink()}


def differences(a: dict[str, bytes] | None, b: dict[str, bytes] | None) -> list[str]:
    a, b = a or {}, b or {}
    return sorted(name for name in a.keys() | b.keys() if a.get(name) != b.get(name))[:5]


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".site."))


def set_round(root: Path, number: int) -> None:
    """Change what edition 5, the draft, prints (its title: no Markdown to convert), so every
    round's site differs from the last; the published editions are frozen."""
    path = root / "editions" / "005.yaml"
    text = re.sub(r"\ntitle: [^\n]*", "", path.read_text(encoding="utf-8"))
    path.write_text(text.replace("status: draft\n", f"status: draft\ntitle: Round {number}\n", 1),
                    encoding="utf-8")


@pytest.mark.slow
def test_a_build_killed_at_any_moment_leaves_the_site_whole(tmp_path: Path) -> None:
    """SIGKILL the real command at seeded random moments: the site is the last good build or
    the new one, whole, never a mixture, and nothing is left behind once a build completes.

    Odd rounds wait until the new site is being written before they kill, so some kills land
    in the middle of writing and switching; even rounds kill anywhere in the run.
    """
    root = copy_sample(tmp_path / "publication")
    site = root / "site"
    rng = random.Random(20261124)
    previous = snapshot(site)
    killed_while_writing = 0
    for number in range(16):
        set_round(root, number)
        partial = ["5"] if number % 3 == 2 else []
        process = subprocess.Popen([str(SCRIPT), "build", "--html-only", *partial,
                                    "--root", str(root)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if number % 2:
            while process.poll() is None and not list(root.glob(".site.new-*")):
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.04))  # writing and switching take ~30 ms
        else:
            time.sleep(rng.uniform(0.0, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        if list(root.glob(".site.new-*")):
            killed_while_writing += 1
        after_kill = snapshot(site)
        # Finish the same build: same input, same bytes, so this is what the killed one made.
        build(root, numbers=[5] if partial else None, html_only=True)
        finished = snapshot(site)
        assert after_kill in (previous, finished), (
            f"round {number}: the site is neither the last build nor the new one: "
            f"{differences(after_kill, previous)} differ from the last, "
            f"{differences(after_kill, finished)} from the new")
        assert leftovers(root) == [".site.lock"]
        assert finished != previous
        previous = finished
    assert killed_while_writing >= 1


def _importing_weasyprint(pid: int) -> bool:
    """Whether a child of `pid` (the server PDF workers fork from) is importing WeasyPrint:
    cffi is loaded early in the import, which takes a good second more."""
    try:
        children = [child for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split()]
        return any("_cffi_backend" in Path(f"/proc/{child}/maps").read_text()
                   for child in children)
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.slow
@pytest.mark.parametrize("whole_group", [True, False], ids=["terminal", "build-only"])
def test_ctrl_c_while_pdf_workers_start_is_one_line(project: Path, whole_group: bool) -> None:
    """Ctrl-C (to the terminal's whole process group, or to the build alone) while the server
    the PDF workers fork from is importing WeasyPrint: one line, status 130, the site as it
    was, and no traceback from the server or a worker that starts after the build stopped."""
    assert run(project, "build", "--html-only").exit_code == 0
    before = snapshot(project / "site")
    process = subprocess.Popen([str(SCRIPT), "build", "--jobs", "2", "--root", str(project)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    while process.poll() is None and not _importing_weasyprint(process.pid):
        time.sleep(0.001)
    if whole_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    _, stderr = process.communicate()  # also waits for the server, which shares the pipes
    assert (process.returncode, stderr) == (130, "interrupted: the site was left as it was\n")
    assert snapshot(project / "site") == before
    assert leftovers(project) == [".site.lock"]


def test_a_second_build_stops_with_a_clear_message(project: Path) -> None:
    assert run(project, "build", "--html-only").exit_code == 0
    before = snapshot(project / "site")
    holder = subprocess.Popen(  # another process holds the lock, as a running build does
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from editions.make.site import locked\n"
         f"with locked(Path({str(project / 'site')!r})):\n"
         "    print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    result = run(project, "build", "--html-only")
    holder.communicate("")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {project}/site: another build is writing this folder (lock "
        f"{project}/.site.lock); wait for it to finish\n")
    assert snapshot(project / "site") == before
    assert run(project, "build", "--html-only").exit_code == 0  # the lock is free again


def test_two_builds_at_once_leave_one_whole_site(project: Path) -> None:
    assert run(project, "build", "--html-only").exit_code == 0
    expected = snapshot(project / "site")
    command = [str(SCRIPT), "build", "--html-only", "--no-cache", "--root", str(project)]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    results = [(p.wait(), p.stderr.read() if p.stderr else "") for p in (first, second)]
    for code, stderr in results:
        assert code == 0 or (code == 1 and "another build is writing this folder" in stderr)
        assert "Traceback" not in stderr
    assert snapshot(project / "site") == expected
    assert leftovers(project) == [".site.lock"]


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        ("testimonies", "error: testimonies: is inside the publication's testimonies/ folder; "
                        "the site must go in a folder of its own, such as site/\n"),
        ("templates/assets", "error: templates/assets: is inside the publication's templates/ "
                             "folder; the site must go in a folder of its own, such as site/\n"),
        ("images", "error: images: is inside the publication's images/ folder; the site must "
                   "go in a folder of its own, such as site/\n"),
        (".", "error: .: is the publication's folder or holds it; the site must go in a folder "
              "of its own, such as site/\n"),
        ("..", "error: ..: is the publication's folder or holds it; the site must go in a "
               "folder of its own, such as site/\n"),
        ("notes", "error: notes: holds files that editions did not build (no "
                  ".editions-manifest.json); a build replaces the whole folder, so give a new or "
                  "empty folder\n"),
    ],
)
def test_out_that_would_lose_files_is_refused(project: Path, monkeypatch: pytest.MonkeyPatch,
                                              out: str, expected: str) -> None:
    (project / "notes").mkdir()
    (project / "notes" / "todo.txt").write_text("keep me")
    before = snapshot(project)
    monkeypatch.chdir(project)
    result = run(project, "build", "--html-only", "--out", out)
    assert (result.exit_code, result.stderr) == (1, expected)
    assert snapshot(project) == before


def test_a_foreign_web_root_with_index_and_assets_is_refused(project: Path,
                                                             tmp_path: Path) -> None:
    """A web server's folder has index.html and assets/ too; without the manifest a build of
    ours writes, it is not ours to replace (directly or through a committed `site` link)."""
    root = tmp_path / "www"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("their home page")
    (root / "assets" / "app.js").write_text("their code")
    before = snapshot(root)
    result = run(project, "build", "--html-only", "--out", str(root))
    assert (result.exit_code, result.stderr) == (1, (
        f"error: {root}: holds files that editions did not build (no .editions-manifest.json); "
        "a build replaces the whole folder, so give a new or empty folder\n"))
    (project / "site").symlink_to(root)
    result = run(project, "build", "--html-only")
    assert result.exit_code == 1
    assert "holds files that editions did not build" in result.stderr
    assert snapshot(root) == before


def test_out_elsewhere_and_again(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "public" / "news"
    assert run(project, "build", "--html-only", "--out", str(out)).exit_code == 0
    assert run(project, "build", "--html-only", "--out", str(out)).exit_code == 0
    assert (out / "index.html").is_file()
    # the drafts beside the site, named after it
    assert sorted(p.name for p in out.parent.iterdir()) == [".news.lock", "news", "news-preview"]
    assert (out.parent / "news-preview" / "editions/005/index.html").is_file()


def test_a_site_that_is_a_link_is_built_where_it_points(project: Path, tmp_path: Path) -> None:
    """A link to a web server's folder: the site is switched beside the target, the link kept,
    and nothing is left beside either, even after a killed build left a link behind."""
    www = tmp_path / "srv" / "www"
    www.mkdir(parents=True)
    (project / "site").symlink_to(www)
    (project / ".site.new-99999").symlink_to(www)  # what such a build once left
    for number in range(2):
        set_round(project, number)  # each build writes and switches a new site
        result = run(project, "build", "--html-only")
        assert result.exit_code == 0, result.output
        assert f" and the archive into {www} in " in result.stdout
        assert "Round " + str(number) in (
            project / "site-preview/editions/005/index.html").read_text()
    assert (project / "site").is_symlink()
    assert os.readlink(project / "site") == str(www)
    assert (www / "index.html").is_file()
    assert (www / "editions/001/index.html").is_file()
    assert leftovers(project) == []
    assert sorted(p.name for p in www.parent.iterdir()) == [".www.lock", "www"]
    assert run(project, "build", "--html-only", "--out", str(project / "site")).exit_code == 0
    assert (project / "site").is_symlink()


def test_a_site_link_in_a_loop_is_refused(project: Path) -> None:
    (project / "site").symlink_to(project / "site")
    result = run(project, "build", "--html-only")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {project / 'site'}: is a symbolic link that ")
    assert (project / "site").is_symlink()


def test_out_that_is_a_file(project: Path) -> None:
    (project / "afile").write_text("x")
    result = run(project, "build", "--out", str(project / "afile"))
    assert result.exit_code == 2
    assert f"Directory '{project}/afile' is a file." in result.stderr


def test_out_that_cannot_be_written(project: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        out = Path("/sys/editions-site")  # read-only even for root
        lock = "/sys/.editions-site.lock"
    else:
        locked_dir = tmp_path / "read-only"
        locked_dir.mkdir(mode=0o555)
        out, lock = locked_dir / "site", str(locked_dir / ".site.lock")
    result = run(project, "build", "--html-only", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {lock}: cannot create the lock beside the site: ")
    assert "Traceback" not in result.output


def test_unexpected_errors_are_reported_and_debug_shows_them(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the printer is on fire")

    monkeypatch.setattr(editions.make.build, "build", broken)  # what the build command calls
    result = run(project, "build")
    assert (result.exit_code, result.stderr) == (
        1, "internal error: RuntimeError: the printer is on fire; run again with --debug for "
           "the traceback and report it\n")
    with pytest.raises(RuntimeError, match="on fire"):
        run(project, "build", "--debug")


def test_debug_shows_the_traceback_of_a_content_error(project: Path) -> None:
    edit(project / "editions/001.yaml", "number: 1", "number: one")
    command = [str(SCRIPT), "check", "--root", str(project)]
    plain = subprocess.run(command, capture_output=True, text=True, check=False)
    assert plain.returncode == 1
    assert "Traceback" not in plain.stderr
    debug = subprocess.run([*command, "--debug"], capture_output=True, text=True, check=False)
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr
    assert "editions.errors.ContentError: editions/001.yaml:1:9: error:" in debug.stderr


def test_every_command_reports_unexpected_errors(project: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands without their own reporting (here fmt) still never show a traceback."""
    import editions.edit.fmt  # the command imports it when it runs

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("lost")

    monkeypatch.setattr(editions.edit.fmt, "format_files", broken)
    result = run(project, "fmt")
    assert (result.exit_code, result.stderr) == (
        1, "internal error: KeyError: 'lost'; run again with --debug for the traceback and "
           "report it\n")
    with pytest.raises(KeyError):
        run(project, "fmt", "--debug")
