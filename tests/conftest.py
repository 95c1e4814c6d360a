"""Shared fixtures: a copy of the sample publication, and one real build of it per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from editions.cli import main
from editions.edit.start import GITIGNORE_TEXT
from editions.make.build import build

REPO = Path(__file__).resolve().parent.parent
SAMPLE_PARTS = ("testimonies", "editions", "templates", "references.yaml", "publication.yaml")


def copy_sample(target: Path) -> Path:
    """A copy of the sample publication, for a test to change as it likes."""
    target.mkdir(parents=True, exist_ok=True)
    for part in SAMPLE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    # The sample's own .gitignore is the repository's; a publication has the one init writes.
    (target / ".gitignore").write_text(GITIGNORE_TEXT, encoding="utf-8")
    return target


# Left out of the default run, which a contributor runs in a minute or two; `pytest --full`
# (what .ci/run and the README's second command run) takes them too.
LEFT_OUT = ("slow", "browser")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", default=False,
                     help="run the whole suite: also the tests marked slow or browser "
                          "(what .ci/run runs)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the slow and browser tests out unless asked for: by --full, by a -m expression,
    or by naming a test module or test on the command line."""
    named = [arg for arg in config.invocation_params.args
             if not arg.startswith("-") and (".py" in arg or "::" in arg)]
    if config.getoption("--full") or config.getoption("markexpr") or named:
        return
    left = [item for item in items if any(item.get_closest_marker(m) for m in LEFT_OUT)]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = [item for item in items if item not in left]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_sample(tmp_path / "publication")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample publication built once, with real pandoc and WeasyPrint; returns its site/."""
    root = copy_sample(tmp_path_factory.mktemp("built") / "publication")
    build(root, jobs=2)  # test_same_input_same_bytes builds with one job and compares
    return root / "site"


def run(root: Path, *args: str) -> Result:
    """Run the `editions` command in `root` as a person would, keeping stdout and stderr apart."""
    return CliRunner().invoke(main, [*args, "--root", str(root)], catch_exceptions=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def reissue_changed(root: Path, note: str = "the publication's settings changed") -> None:
    """Accept a change to what published editions print, as the editor would: reissue each
    edition that it changes (the settings and references are frozen with the texts)."""
    from editions.edit.publish import publish
    from editions.errors import EditionsError
    from editions.load.archive import load_archive

    for edition in load_archive(root).editions:
        if edition.frozen is not None:
            try:
                publish(root, edition.number, reissue=True, note=note)
            except EditionsError as err:
                if "nothing to reissue" not in str(err):
                    raise
