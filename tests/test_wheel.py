"""The tool as a new user installs it: a wheel in a fresh environment, no checkout in sight."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from .conftest import REPO
from .support import edit, site_links

SETTINGS = ("--title", "Notes from the Valley", "--publisher", "The Valley Letters",
            "--language", "en-GB", "--site-url", "https://valley.example.net/",
            "--paper", "A4", "--treatment", "LDN")


def _sh(*args: str | Path, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          env=env, check=False, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _fresh_venv(tmp_path: Path) -> Path:
    """A new environment with only the wheel installed; the dependencies are the ones this
    test run already has (their folder is on its path), so that no download is needed."""
    dist = tmp_path / "dist"
    _sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", dist, REPO, cwd=tmp_path)
    wheels = sorted(dist.glob("editions-*.whl"))
    assert len(wheels) == 1
    venv = tmp_path / "venv"
    _sh(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _sh(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
        "--no-index", wheels[0], cwd=tmp_path)
    purelib = Path(_sh(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                       cwd=tmp_path).strip())
    # a path line, not a site folder: the checkout's editable install there is not run
    (purelib / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv


@pytest.mark.slow
def test_a_wheel_install_starts_and_builds_a_publication(tmp_path: Path) -> None:
    venv = _fresh_venv(tmp_path)
    where = _sh(venv / "bin" / "python", "-c", "import editions; print(editions.__file__)",
                cwd=tmp_path)
    assert Path(where.strip()).is_relative_to(venv)  # the wheel's copy, not the checkout
    editions = venv / "bin" / "editions"
    work = tmp_path / "work"
    work.mkdir()
    _sh(editions, "init", "valley", *SETTINGS, cwd=work)
    root = work / "valley"
    assert not (root / "templates").exists()  # the look comes with the tool
    assert _sh(editions, "check", cwd=root) == "ok: 0 testimonies and 0 editions, no problems\n"
    _sh(editions, "new", "testimony", "Oskar", "--country", "Norway", "--condition",
        "Crohn's disease", "--consent", "2021-05-02", "--today", "2021-05-01", cwd=root)
    edit(root / "testimonies" / "oskar-norway.yaml", "story:",
         "story: |\n  Two years of flares, then a quieter spring.\n#")
    _sh(editions, "new", "edition", "--today", "2021-06-01", cwd=root)
    _sh(editions, "build", cwd=root)  # the draft, into the preview
    draft = root / "site-preview" / "editions" / "001" / "notes-from-the-valley-001.pdf"
    assert draft.is_file()
    _sh(editions, "publish", "1", "--today", "2021-06-02", cwd=root)
    _sh(editions, "build", cwd=root)
    assert not (root / "site-preview").exists()  # no draft left
    site = root / "site"
    followed, broken = site_links(site)
    assert broken == []
    assert followed > 10
    assert (site / "editions" / "001" / "notes-from-the-valley-001.pdf").is_file()
    for name in ("style.css", "print.css", "screen.css"):
        assert (site / "assets" / name).read_bytes() == (
            REPO / "templates" / "assets" / name).read_bytes()
    # the compiled catalogs of the site's words come with the wheel, and are the ones used
    package = Path(where.strip()).parent
    for language in ("de", "es", "fr", "nl"):
        catalog = Path("locale") / language / "LC_MESSAGES" / "messages.mo"
        shipped = REPO / "src" / "editions" / catalog
        assert (package / catalog).read_bytes() == shipped.read_bytes()
    said = _sh(venv / "bin" / "python", "-c", "from editions.i18n import words; "
               "print(words('de-DE').gettext('Back to top'))", cwd=tmp_path)
    assert said == "Nach oben\n"
