"""What laying out a PDF leaves behind and repeats: nothing in /tmp, no list built twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, copy_sample


@pytest.mark.slow
def test_a_build_leaves_nothing_in_the_temporary_folder(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "sample")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary), "PYTHONPATH": str(REPO / "src")}
    subprocess.run([sys.executable, "-m", "editions", "build", "--root", str(root)], env=env,
                   capture_output=True, text=True, check=True, timeout=600)
    assert len(list((root / "site").rglob("*[0-9].pdf"))) == 4
    assert len(list((root / "site-preview").rglob("*[0-9].pdf"))) == 1  # the draft's
    assert sorted(p.name for p in temporary.iterdir()) == []


def test_page_references_are_pydyfs_listed_once_per_page() -> None:
    import pydyf

    from editions.make.pdf import use_page_references_once

    def pydyfs(pdf: pydyf.PDF) -> tuple[bytes, ...]:
        return tuple(f"{n} 0 R".encode("ascii") for n in pdf.pages["Kids"][::3])

    use_page_references_once()
    pdf = pydyf.PDF()
    for _ in range(3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
        assert pdf.page_references == pydyfs(pdf)
        assert pdf.page_references is pdf.page_references  # listed once, asked for often
    assert len(pdf.page_references) == 3


@pytest.mark.slow
def test_the_longest_edition_is_laid_out_first(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    import json
    import re

    from editions.make.build import build

    root = copy_sample(tmp_path / "sample")
    with caplog.at_level("INFO", logger="editions.make.build"):
        build(root, root / "site", jobs=1)
    laid_out = [tuple(map(int, match.groups())) for record in caplog.records
                if (match := re.match(r"edition (\d+): made the PDF, (\d+) pages",
                                      record.getMessage()))]
    pages = {int(n): entry["pdf_pages"] for site in ("site", "site-preview")  # the draft's
             for n, entry in json.loads((root / site / ".editions-manifest.json").read_text())
             ["editions"].items()}
    assert sorted(laid_out) == sorted(pages.items())  # each edition once, as the PDF has it
    # One worker lays them out in the order given: the 11 pages of edition 4 first, not
    # edition 1's 6 pages (the order of their numbers), and a short one last.
    assert laid_out[0] == (4, 11) == max(pages.items(), key=lambda item: item[1])
    assert laid_out[-1][1] == min(pages.values())


def _with_a_long_table(root: Path, rows: int) -> None:
    """Edition 5's introduction ends with a table of `rows` rows, many pages of PDF."""
    path = root / "editions" / "005.yaml"
    table = "\n  | Month | Dose | Relapses | Note |\n  |---|---|---|---|\n" + "".join(
        f"  | {i} | {i % 5} mg | {i % 3} | row {i} of the long table |\n" for i in range(rows))
    text = path.read_text(encoding="utf-8")
    assert text.count("before publication.\n") == 1
    path.write_text(text.replace("before publication.\n", "before publication.\n" + table),
                    encoding="utf-8")


def _site(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root / "site")): p.read_bytes()
            for p in sorted((root / "site").rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_an_edition_beyond_its_time_or_memory_stops_the_build_and_keeps_the_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import run

    root = copy_sample(tmp_path / "sample")
    assert run(root, "build").exit_code == 0
    before = _site(root)
    assert sum(name.endswith(".pdf") for name in before) == 8  # 4 editions, 2 PDFs each
    # 8,000 rows: about 10 s and more than 500 MB in a worker; 3,000 rows take 15 s unbounded.
    _with_a_long_table(root, 8000)

    monkeypatch.setenv("EDITIONS_PDF_SECONDS", "3")
    result = run(root, "build", "5")
    assert result.exit_code == 1
    assert result.stderr == ("error: edition 5: its PDF took more than 3 s to lay out "
                             "(EDITIONS_PDF_SECONDS); nothing was written, the site is as it "
                             "was\n")
    assert _site(root) == before

    monkeypatch.setenv("EDITIONS_PDF_SECONDS", "600")
    monkeypatch.setenv("EDITIONS_PDF_MEMORY_MB", "500")
    result = run(root, "build", "5")
    assert result.exit_code == 1
    assert result.stderr == ("error: edition 5: its PDF needs more than 500 MB of memory to "
                             "lay out (EDITIONS_PDF_MEMORY_MB); nothing was written, the site "
                             "is as it was\n")
    assert _site(root) == before


def test_a_limit_that_is_no_number_is_a_clear_error(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import run

    root = copy_sample(tmp_path / "sample")
    monkeypatch.setenv("EDITIONS_PDF_MEMORY_MB", "6G")
    result = run(root, "build")
    assert result.exit_code == 1
    assert result.stderr == ("error: EDITIONS_PDF_MEMORY_MB is '6G': it must be a whole number "
                             "above 0 (the default is 6144), or unset\n")
    assert not (root / "site").exists()
