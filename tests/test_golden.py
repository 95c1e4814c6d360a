"""Golden output, as Pelican's functional tests do: the built HTML must match the expected files.

When a change to the templates or the pipeline is meant to change the pages, regenerate the
expected files and review their diff:

    EDITIONS_REGENERATE_GOLDEN=1 pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
PAGES = {
    "edition-001.html": "editions/001/index.html",
    "edition-003.html": "editions/003/index.html",
    "archive-index.html": "index.html",
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_matches_golden_file(built: Path, name: str) -> None:
    actual = (built / PAGES[name]).read_text(encoding="utf-8")
    expected_path = GOLDEN / name
    if os.environ.get("EDITIONS_REGENERATE_GOLDEN"):
        expected_path.write_text(actual, encoding="utf-8")
    expected = expected_path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True),
            f"tests/golden/{name}", f"site/{PAGES[name]}"))
        pytest.fail(f"{name} differs from the golden file; if the change is intended, run "
                    f"EDITIONS_REGENERATE_GOLDEN=1 pytest tests/test_golden.py\n{diff}")
