"""The same files give the same bytes: on any machine, at any time of day, in any environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from editions.make import incremental
from editions.make.addresses import page_path
from editions.make.build import assets, build
from editions.make.pdf import render_pdf

from .conftest import REPO, copy_sample

CLOCK = Path(__file__).parent / "clock"


def _site(root: Path) -> dict[str, bytes]:
    site = root / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file()}


def _build_at(root: Path, offset: int, zone: str) -> None:
    """`editions build` in its own process, its clock `offset` seconds on, in time zone `zone`."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(PYTHONPATH=os.pathsep.join([str(CLOCK), str(REPO / "src")]), TZ=zone,
               EDITIONS_TEST_CLOCK_OFFSET=str(offset))
    result = subprocess.run([sys.executable, "-m", "editions", "build", "--root", str(root)],
                            env=env, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_test_clock_moves(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(CLOCK), "EDITIONS_TEST_CLOCK_OFFSET": "86400000"}
    code = "import datetime, time; print(datetime.date.today().year - time.gmtime(0).tm_year)"
    moved = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True).stdout
    assert int(moved) > 2026 - 1970 + 2  # a thousand days on


@pytest.mark.slow
def test_two_clean_builds_a_day_and_a_minute_apart_give_the_same_bytes(tmp_path: Path) -> None:
    first, second = copy_sample(tmp_path / "first"), copy_sample(tmp_path / "second")
    _build_at(first, 0, "UTC")
    _build_at(second, 86_400 + 61, "Pacific/Auckland")
    files = _site(first)
    # standard and large print, and an EPUB, of each published edition; the draft's are in
    # the preview
    assert len([n for n in files if n.endswith(".pdf")]) == 8
    assert len([n for n in files if n.endswith(".epub")]) == 4
    assert len(files) > 30
    different = sorted(n for n in files if _site(second).get(n) != files[n])
    assert different == []
    assert sorted(_site(second)) == sorted(files)


def _sample_pdf(root: Path) -> bytes:
    page = "<html lang='en'><head><link rel='stylesheet' href='../../assets/print.css'></head>" \
           "<body><h1>Maurey, USA</h1><p>Zoë wrote <em>again</em> in <b>2009</b>.</p></body></html>"
    pdf, _ = render_pdf(page, page_path(1), assets(root))
    return pdf


def test_one_font_subsetter_whatever_the_system_has(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither of WeasyPrint's own subsetters runs, and whether the system has HarfBuzz-subset
    (as Debian's chromium brings it) changes no byte of a PDF."""
    from weasyprint.pdf import fonts

    def refused(*args: object) -> None:
        raise AssertionError("one of WeasyPrint's own subsetters ran")

    root = copy_sample(tmp_path / "publication")
    monkeypatch.setattr(fonts.Font, "_harfbuzz_subset", refused)
    monkeypatch.setattr(fonts.Font, "_fonttools_subset", refused)
    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    without = _sample_pdf(root)
    monkeypatch.setattr(fonts, "harfbuzz_subset", object())
    assert _sample_pdf(root) == without
    assert _embedded_fonts(without) >= 2  # regular and italic at least: subset, embedded


def _embedded_fonts(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for descendant in descendants:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and any(key in descriptor.get_object()
                                      for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    count += 1
    return count


def test_another_system_library_lays_the_editions_out_again(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What decides a PDF's bytes is in the edition keys: PDFs made with another Pango or
    HarfBuzz are not carried over as up to date."""
    build(project, html_only=True)
    assert build(project, html_only=True).editions == []
    monkeypatch.setattr(incremental, "system_library_versions",
                        lambda: {"pango": "0.0.0", "harfbuzz": "0.0.0"})
    incremental._versions.cache_clear()
    try:
        assert build(project, html_only=True).editions == [1, 2, 3, 4, 5]
    finally:
        incremental._versions.cache_clear()
