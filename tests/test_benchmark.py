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


TARGETS = ("full build --jobs 1 / floor", "--jobs 1 / --jobs 2", "peer / --jobs 1",
           "pandoc's share of a full build", "rebuild, nothing changed (s)",
           "one update edited: rendered", "peak resident memory (MB)",
           "--html-only ms/testimony, cold", "--html-only ms/testimony, warm",
           "PDF write / layout, big edition", "peak MB, a 500-page edition",
           "proof: one word, 30-page draft (s)")


@pytest.mark.slow
def test_the_benchmark_says_met_or_missed_for_every_target(tmp_path: Path) -> None:
    import json
    import re
    import subprocess

    # Seed 2: the tiny archive then prints an update in an edition, which (f) edits.
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "archive.py"), "--tiny",
                             "--seed", "2", "--markdown", "--keep", str(tmp_path)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    figures = json.loads(lines[-1].removeprefix("RESULT "))
    assert [t["target"] for t in figures["targets"]] == list(TARGETS)
    block = lines[lines.index(next(line for line in lines if line.startswith("target "))) + 1:]
    for target in figures["targets"]:
        wanted = "met" if target["met"] else "missed"
        assert any(re.fullmatch(rf"{re.escape(target['target'])} +{target['figure']} +"
                                rf"{re.escape(target['wanted'])} +{wanted}", line)
                   for line in block), target
        assert (f"| {target['target']} | {target['figure']} | {target['wanted']} | {wanted} |"
                in lines)  # the Markdown table for benchmarks/README.md
    assert figures["big_edition"]["pages"] > 0
    assert figures["proof_loop"]["rendered"] == 1  # the draft that changed, laid out again
    saved = tmp_path / "run.txt"
    saved.write_text(result.stdout)
    again = subprocess.run([sys.executable, str(REPO / "benchmarks" / "archive.py"),
                            "--markdown-from", str(saved)], capture_output=True, text=True,
                           check=True, timeout=60)
    assert again.stdout.strip() in result.stdout
