"""docs/editors-year.md, run as written: every command of its walk, and what each prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .conftest import REPO
from .pages import Page, pdf_text

MANUAL = REPO / "docs" / "editors-year.md"
BLOCK = re.compile(r"^```(console|diff)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
NOTICE = "Revised on 2 May 2013: a sentence of Maurey's first letter now reads as he wrote it"


def steps(text: str) -> list[tuple[str, str]]:
    """The page's console and diff blocks, in order: ('console', block) or ('diff', block)."""
    return [(kind, body) for kind, body in BLOCK.findall(text)]


def commands(block: str) -> list[tuple[str, str]]:
    """Each `$ command` of a console block with the lines it is shown to print."""
    found: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        else:
            found[-1][1].append(line)
    return [(command, "\n".join(lines)) for command, lines in found]


def pattern(shown: str) -> re.Pattern[str]:
    """What a command is shown to print, where '…' stands for anything: a whole line of it
    for any lines, within a line for any text."""
    parts = []
    for line in shown.splitlines():
        if line == "…":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(map(re.escape, line.split("…"))) + r"\n")
    return re.compile("".join(parts), re.DOTALL)


def apply_diff(root: Path, block: str) -> None:
    """A diff block of the page, as the editor makes the change in their text editor."""
    header, *lines = block.splitlines()
    assert header.startswith("--- ")
    path = root / header[4:]
    old = "".join(line[1:] + "\n" for line in lines if line[:1] in (" ", "-", ""))
    new = "".join(line[1:] + "\n" for line in lines if line[:1] in (" ", "+", ""))
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: the lines the manual changes are not there"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_walk_is_parsed_whole() -> None:
    found = steps(MANUAL.read_text(encoding="utf-8"))
    assert [kind for kind, _ in found].count("diff") == 4
    assert sum(len(commands(body)) for kind, body in found if kind == "console") == 23


def test_a_year_in_the_editors_life_runs_as_written(project: Path) -> None:
    # the commands as installed beside this Python, as the editor has them on their PATH
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env = {**os.environ, "PATH": path,
           "GIT_AUTHOR_NAME": "The Editor", "GIT_AUTHOR_EMAIL": "editor@example.org",
           "GIT_COMMITTER_NAME": "The Editor", "GIT_COMMITTER_EMAIL": "editor@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    ran = 0
    for kind, body in steps(MANUAL.read_text(encoding="utf-8")):
        if kind == "diff":
            apply_diff(project, body)
            continue
        for command, shown in commands(body):
            done = subprocess.run(["bash", "-c", command + " 2>&1"], cwd=project, env=env,
                                  capture_output=True, text=True, timeout=600)
            printed = done.stdout
            assert "Traceback" not in printed, command
            assert pattern(shown).fullmatch(printed), (
                f"$ {command}\nshown:\n{shown}\nprinted:\n{printed}")
            ran += 1
    assert ran == 23
    site = project / "site"
    for number in (1, 3, 4):
        page = site / f"editions/{number:03d}/index.html"
        assert NOTICE in Page(page).text
        assert "I have not had a single relapse" in Page(page).text
        [pdf] = page.parent.glob("*[0-9].pdf")  # the standard PDF
        assert NOTICE in pdf_text(pdf)[0]
    assert NOTICE not in Page(site / "editions/002/index.html").text
    archive = Page(site / "index.html").text
    assert archive.index("Edition 6") < archive.index("Edition 5") < archive.index("Edition 4")
    log = subprocess.run(["git", "log", "--format=%s"], cwd=project, env=env, check=True,
                         capture_output=True, text=True).stdout
    assert log.splitlines() == ["Maurey's correction, reissued", "Edition 6", "Edition 5",
                                "The archive as it stands"]
