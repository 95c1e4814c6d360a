"""The benchmark's synthetic archive is a publication that checks and builds (no timing here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import REPO, run


def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("archive_benchmark",
                                                  REPO / "benchmarks" / "archive.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_generated_archive_passes_check_and_builds(tmp_path: Path) -> None:
    bench = benchmark()
    root = bench.generate(tmp_path / "archive", seed=7, scale=bench.SCALES["tiny"])
    again = bench.generate(tmp_path / "again", seed=7, scale=bench.SCALES["tiny"])
    assert [p.read_bytes() for p in sorted((root / "testimonies").iterdir())] == [
        p.read_bytes() for p in sorted((again / "testimonies").iterdir())]  # same seed
    checked = run(root, "check")
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "ok: 8 testimonies and 3 editions, no problems\n"
    built = run(root, "build", "--html-only")
    assert built.exit_code == 0, built.output
    assert built.stdout.startswith("built 3 editions and the archive into ")
    page = (root / "site" / "editions" / "001" / "index.html").read_text()
    assert 'role="doc-biblioref">1</a>' in page  # the generated references are cited


@pytest.mark.slow
def test_the_pdf_phases_add_up_to_the_build() -> None:
    import json
    import subprocess

    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "pdf_phases.py"),
                             "--generate", "tiny"], capture_output=True, text=True,
                            check=True, timeout=600)
    figures = json.loads(result.stdout.strip().splitlines()[-1].removeprefix("RESULT "))
    assert figures["documents"] == 3
    assert figures["pages"] >= 3
    assert figures["subset_calls"] >= 3  # every PDF's fonts, through our subsetter
    phases = figures["phases"]
    assert all(seconds >= 0 for seconds in phases.values()), phases
    assert abs(sum(phases.values()) - figures["seconds"]) < 0.01
    assert phases["layout"] > 0
    assert phases["draw"] > 0
