"""What a command pays before it starts: no helper programs, and a summary that counts it all."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import REPO, copy_sample

PROGRAMS = Path(__file__).parent / "programs"


def _programs_run(tmp_path: Path, *command: str) -> tuple[list[str], str]:
    record = tmp_path / "programs.txt"
    record.touch()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROGRAMS), str(REPO / "src")]),
           "EDITIONS_TEST_PROGRAMS": str(record)}
    result = subprocess.run([sys.executable, *command], env=env, capture_output=True,
                            text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return record.read_text(encoding="utf-8").split(), result.stdout


def test_the_recorder_sees_programs(tmp_path: Path) -> None:
    programs, _ = _programs_run(tmp_path, "-c", "import subprocess; subprocess.run(['true'])")
    assert programs == ["true"]


def test_loading_weasyprint_starts_no_program(tmp_path: Path) -> None:
    # ctypes.util.find_library runs ldconfig, gcc and ld for each name WeasyPrint tries.
    programs, _ = _programs_run(
        tmp_path, "-c",
        "from editions.make.pdf import use_one_font_subsetter; use_one_font_subsetter()")
    assert programs == []


@pytest.mark.slow
def test_a_build_runs_pandoc_pagefind_and_nothing_else(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "sample")
    programs, _ = _programs_run(tmp_path, "-m", "editions", "build", "--jobs", "2",
                                "--root", str(root))
    assert programs, "pandoc converts the texts"
    assert set(programs) == {"pandoc", "pagefind_extended"}  # and Pagefind indexes the pages
    assert len(list((root / "site").rglob("*[0-9].pdf"))) == 4
    assert len(list((root / "site-preview").rglob("*[0-9].pdf"))) == 1  # the draft's


def test_the_summary_counts_the_whole_command(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "sample")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROGRAMS), str(REPO / "src")]),
           "EDITIONS_TEST_SLOW_START": "1.5"}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "editions", "build", "--html-only",
                             "--root", str(root)], env=env, capture_output=True, text=True,
                            check=True, timeout=600)
    waited = time.monotonic() - started
    said = float(re.findall(r"in (\d+\.\d) s(?:;|$)", result.stdout.strip())[-1])
    # The 1.5 s before the command's first line ran are part of what the user waited.
    assert 1.5 <= said <= waited + 0.05


def test_help_and_version_load_no_stage() -> None:
    code = ("import sys; from editions.cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith(('editions.', 'yaml', "
            "'jinja2', 'weasyprint', 'pypandoc')))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    modules = loaded.stdout.splitlines()[-1].split()  # after the version line
    assert modules == ["editions.cli", "editions.errors", "editions.versions"]


def test_the_schema_kinds_are_the_schemas() -> None:
    from editions.cli import SCHEMA_KINDS
    from editions.edit.schema import SCHEMAS

    assert list(SCHEMA_KINDS) == sorted(SCHEMAS)

