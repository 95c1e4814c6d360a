"""The README's pictures: the archive page in Chromium and two pages of a PDF, from a fresh build.

    .venv/bin/python scripts/screenshots.py

Needs the test extras (Playwright), Debian's chromium and poppler-utils (pdftoppm).
Writes docs/archive.png and docs/pdf-page.png.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from editions.make.build import build

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def archive_picture(site: Path, target: Path) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 1100})
        page.goto((site / "index.html").as_uri())
        page.screenshot(path=str(target))
        browser.close()


def pdf_picture(pdf: Path, target: Path, work: Path) -> None:
    """The cover and the first page of text, side by side."""
    subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "2", "-png", str(pdf),
                    str(work / "page")], check=True)
    pages = [Image.open(path) for path in sorted(work.glob("page-*.png"))]
    gap = 24
    width = sum(p.width for p in pages) + gap * (len(pages) + 1)
    height = max(p.height for p in pages) + 2 * gap
    sheet = Image.new("RGB", (width, height), (236, 233, 226))
    x = gap
    for page in pages:
        sheet.paste(page, (x, gap))
        x += page.width + gap
    sheet.save(target, optimize=True)


def main() -> int:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        site = work / "site"
        build(REPO, site, use_cache=False)
        archive_picture(site, DOCS / "archive.png")
        pdf_picture(site / "editions" / "004" / "those-who-suffer-much-know-much-004.pdf",
                    DOCS / "pdf-page.png", work)
    for name in ("archive.png", "pdf-page.png"):
        size = (DOCS / name).stat().st_size
        sys.stderr.write(f"docs/{name}: {size // 1024} KB\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
