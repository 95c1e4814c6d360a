"""Regenerate the golden tree (tests/golden/site/) from a fresh build of the sample.

Run it when a change is meant to change what the site holds, then review `git diff tests/golden`:

    .venv/bin/python -m tests.regenerate_golden
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from editions.make.build import build

from .conftest import copy_sample
from .site_digest import digest

GOLDEN = Path(__file__).parent / "golden" / "site"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = copy_sample(Path(folder) / "publication")
        build(root, jobs=2)  # as the `built` fixture builds it
        files = digest(root / "site")
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for name, text in files.items():
        path = GOLDEN / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files to {GOLDEN.relative_to(Path.cwd())}")  # noqa: T201


if __name__ == "__main__":
    main()
