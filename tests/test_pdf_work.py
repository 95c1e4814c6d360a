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
    assert len(list((root / "site").rglob("*[0-9].pdf"))) == 5
    assert sorted(p.name for p in temporary.iterdir()) == []


def test_page_references_are_pydyfs_listed_once_per_page() -> None:
    import pydyf

    from editions.pdf import use_page_references_once

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

    from editions.build import build

    root = copy_sample(tmp_path / "sample")
    with caplog.at_level("INFO", logger="editions.build"):
        build(root, root / "site", jobs=1)
    laid_out = [tuple(map(int, match.groups())) for record in caplog.records
                if (match := re.match(r"edition (\d+): made the PDF, (\d+) pages",
                                      record.getMessage()))]
    manifest = json.loads((root / "site" / ".editions-manifest.json").read_text())
    pages = {int(n): entry["pdf_pages"] for n, entry in manifest["editions"].items()}
    assert sorted(laid_out) == sorted(pages.items())  # each edition once, as the PDF has it
    # One worker lays them out in the order given: the 8 pages of edition 4 first, not edition
    # 1's 4 pages (the order of their numbers), and a short one last.
    assert laid_out[0] == (4, 8) == max(pages.items(), key=lambda item: item[1])
    assert laid_out[-1][1] == min(pages.values())
