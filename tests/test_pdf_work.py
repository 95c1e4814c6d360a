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
    assert len(list((root / "site").rglob("*.pdf"))) == 5
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
