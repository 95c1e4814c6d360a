"""The code's layout: the stages' folders import one way, as pyproject.toml's contract says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import editions

REPO = Path(__file__).resolve().parent.parent
PACKAGE = Path(editions.__file__).resolve().parent


def _lint_imports(pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    """import-linter's own command over the package found first on the path."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    command = [str(Path(sys.executable).with_name("lint-imports")), "--config",
               str(REPO / "pyproject.toml"), "--no-cache"]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                          check=False)


def test_the_stages_import_one_way() -> None:
    run = _lint_imports()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 1 kept, 0 broken." in run.stdout


def test_an_import_against_the_flow_breaks_the_contract(tmp_path: Path) -> None:
    """Loading may not use the making of the site: one such import and the contract fails,
    naming the importer, the imported module and the line."""
    copy = tmp_path / "editions"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "locale"))
    files = copy / "load" / "files.py"
    files.write_text(files.read_text("utf-8") + "\nfrom editions.make import build  # noqa\n",
                     encoding="utf-8")
    run = _lint_imports(pythonpath=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Contracts: 0 kept, 1 broken." in run.stdout
    assert "editions.load.files -> editions.make.build (l." in run.stdout


def test_every_module_and_folder_has_its_place_in_the_flow() -> None:
    """A new module or folder at the package's top must be given a layer of the contract,
    or nothing would hold its imports."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    [contract] = config["tool"]["importlinter"]["contracts"]
    placed = {name.strip().removeprefix("editions.") for layer in contract["layers"]
              for name in layer.replace(":", "|").split("|")}
    found = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    found |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert len(found) >= 12, found
    assert found - placed == set()


# The most decisions one function may take before it is split into named steps: what a reader
# holds at a glance (radon's cyclomatic complexity; MkDocs' build() is 12).
MOST_DECISIONS = 15


def test_no_function_takes_more_decisions_than_a_reader_can_follow() -> None:
    from radon.visitors import ComplexityVisitor

    seen, tangled = 0, []
    for path in sorted(PACKAGE.rglob("*.py")):
        for block in ComplexityVisitor.from_code(path.read_text("utf-8")).blocks:
            if hasattr(block, "methods"):  # a class: its methods are blocks of their own
                continue
            seen += 1
            if block.complexity > MOST_DECISIONS:
                where = f"{path.relative_to(PACKAGE.parent)}:{block.lineno}"
                tangled.append(f"{where} {block.fullname}: {block.complexity}")
    assert seen > 300, seen
    assert tangled == []
