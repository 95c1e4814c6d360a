"""Golden output, as Pelican's functional tests do: the whole built site against expected files.

The sample's site (every page, the feed, the manifest, each PDF as a digest of its pages,
metadata, bookmarks and text; see site_digest.py) must match tests/golden/site/. When a
change is meant to change the site, regenerate the expected files and review their diff:

    .venv/bin/python -m tests.regenerate_golden
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from .site_digest import digest

GOLDEN = Path(__file__).parent / "golden" / "site"
REGENERATE = ".venv/bin/python -m tests.regenerate_golden"


def _expected() -> dict[str, str]:
    return {p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(GOLDEN.rglob("*")) if p.is_file()}


def test_the_golden_tree_holds_the_whole_site() -> None:
    expected = _expected()
    # 4 published editions (page, PDF, large print and EPUB each), 12 testimony pages, the two
    # indexes, the feed... (the draft is built into the preview beside the site, not into it)
    assert len([n for n in expected if n.endswith(".html")]) == 18
    assert len([n for n in expected if n.endswith(".pdf.txt")]) == 8
    assert len([n for n in expected if n.endswith(".epub.txt")]) == 4
    assert {"index.html", "feed.xml", ".editions-manifest.json", "FILES.txt"} <= set(expected)


def test_the_sample_site_matches_the_golden_tree(built: Path) -> None:
    actual, expected = digest(built), _expected()
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    changed = [name for name in sorted(set(actual) & set(expected))
               if actual[name] != expected[name]]
    if missing or extra or changed:
        report = [f"missing from the site: {name}" for name in missing]
        report += [f"not in the golden tree: {name}" for name in extra]
        for name in changed[:5]:
            report += difflib.unified_diff(
                expected[name].splitlines(), actual[name].splitlines(),
                f"tests/golden/site/{name}", f"site/{name}", lineterm="")
        pytest.fail(f"the site differs from tests/golden/site/ in {len(changed)} file(s); if "
                    f"the change is intended, run {REGENERATE} and review the diff\n"
                    + "\n".join(report))
