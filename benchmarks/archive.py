"""Benchmark: a synthetic archive at scale, built by editions, by WeasyPrint alone and by pandoc.

Run it from the repository with the project's virtualenv:

    .venv/bin/python benchmarks/archive.py            # default scale: several minutes
    .venv/bin/python benchmarks/archive.py --small    # about a minute

It prints a table and, as its last line, `RESULT {json}` with every figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# Words for fictional letters; any resemblance to a real person's story is chance.
WORDS = (
    "morning evening garden kitchen doctor neurologist pharmacy bedtime dose tablet walk dog "
    "sister brother daughter son husband wife friend neighbour letter newsletter week month "
    "year winter summer spring autumn fatigue pain tingling numbness sleep dreams energy "
    "stairs bicycle village town hospital clinic scan result relapse flare gut joints hands "
    "feet knees back eyes balance strength patience hope worry careful slow steady better "
    "worse same small large quiet long short first last again still never always sometimes "
    "often rarely gently plainly honestly finally nearly almost together alone tired rested "
    "grateful stubborn cautious curious sceptical hopeful tea bread soup piano choir allotment "
    "tomatoes roses chess crossword library train ferry coast hills river field market work "
    "office school shop holiday birthday wedding grandchild cat harbour kettle window"
).split()
CONDITIONS = ("Multiple sclerosis", "Crohn's disease", "Ulcerative colitis", "Fibromyalgia",
              "Rheumatoid arthritis", "Psoriasis", "Lupus", "Hashimoto's thyroiditis")
COUNTRIES = ("USA", "UK", "Ireland", "Canada", "Australia", "New Zealand", "Germany",
             "Netherlands", "Denmark", "France", "Norway", "Spain")
NAMES = ("Ada", "Bram", "Cora", "Dov", "Edda", "Finn", "Greta", "Hugo", "Ines", "Jonas",
         "Kaia", "Lior", "Mara", "Nils", "Orla", "Piet", "Quinn", "Rhea", "Sven", "Tova",
         "Ulla", "Vik", "Wren", "Xavi", "Yara", "Zeno")


@dataclasses.dataclass(frozen=True)
class Scale:
    editions: int
    testimonies: int
    updates_per_testimony: float
    per_edition: tuple[int, int]


SCALES = {
    "default": Scale(editions=120, testimonies=400, updates_per_testimony=8.0,
                     per_edition=(10, 20)),
    "small": Scale(editions=12, testimonies=40, updates_per_testimony=3.0,
                   per_edition=(10, 14)),
    "tiny": Scale(editions=3, testimonies=8, updates_per_testimony=2.0, per_edition=(3, 5)),
    # One edition of about 300 pages: the memory and write figures of a big edition.
    "big-edition": Scale(editions=1, testimonies=300, updates_per_testimony=3.0,
                         per_edition=(300, 300)),
}


# One edition of about 500 pages at default scale (the memory target's size; about 90 at
# --small, its figure then extrapolated), and the editor's 30-page draft for the proof loop.
BIG_EDITION = {"default": 830, "small": 150, "tiny": 12}
PROOF_TESTIMONIES = {"default": 50, "small": 50, "tiny": 6}


def _one_edition(testimonies: int) -> Scale:
    return Scale(editions=1, testimonies=testimonies, updates_per_testimony=3.0,
                 per_edition=(testimonies, testimonies))


def _month(start: dt.date, months: int) -> dt.date:
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


class _Writer:
    """Fictional sentences and paragraphs from a seeded generator."""

    def __init__(self, rng: random.Random, reference_ids: list[str]) -> None:
        self.rng = rng
        self.reference_ids = reference_ids

    def sentence(self) -> str:
        words = self.rng.choices(WORDS, k=self.rng.randint(8, 20))
        if self.rng.random() < 0.08:
            index = self.rng.randrange(len(words))
            words[index] = f"*{words[index]}*"
        return " ".join(words).capitalize() + "."

    def paragraph(self, sentences: tuple[int, int], cite: float = 0.0) -> str:
        text = " ".join(self.sentence() for _ in range(self.rng.randint(*sentences)))
        if self.reference_ids and self.rng.random() < cite:
            text = text[:-1] + f" [@{self.rng.choice(self.reference_ids)}]."
        return _wrap(text)

    def text(self, paragraphs: tuple[int, int], sentences: tuple[int, int],
             cite: float = 0.0) -> str:
        count = self.rng.randint(*paragraphs)
        return "\n\n".join(self.paragraph(sentences, cite) for _ in range(count))


def _wrap(text: str, width: int = 90) -> str:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


def _block(text: str, indent: int) -> str:
    pad = " " * indent
    return "\n".join(pad + line if line else "" for line in text.split("\n"))


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


@dataclasses.dataclass
class _Testimony:
    id: str
    name: str
    country: str
    condition: str
    started: dt.date | None
    received: dt.date
    story: str
    updates: list[tuple[dt.date, str | None, str]]
    withdrawn: dt.date | None = None


def generate(folder: Path, seed: int = 1, scale: Scale = SCALES["default"],
             formats: str = "[pdf]") -> Path:
    """Write a fictional publication of `scale` into `folder` (created), the same for a seed.

    Its editions are made as the standard PDF only: the measures against WeasyPrint alone and
    against pandoc compare that PDF. What the other formats cost is measured apart (_formats).
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "templates", folder / "templates", dirs_exist_ok=True)
    (folder / "testimonies").mkdir(exist_ok=True)
    (folder / "editions").mkdir(exist_ok=True)
    (folder / "publication.yaml").write_text(
        "title: Those who suffer much know much\n"
        "subtitle: A synthetic archive for benchmarks; every letter in it is generated\n"
        "publisher: The Benchmark Press\nlanguage: en-GB\nsite_url: https://example.org/news/\n"
        f"paper: A4\ntreatment: LDN\nformats: {formats}\n", encoding="utf-8")

    reference_ids = [f"synthetic{year}{letter}" for year in range(2001, 2016) for letter in "ab"]
    references = ["references:"]
    for key in reference_ids:
        references += [
            f"  - id: {key}", "    type: article-journal", "    author:",
            f"      - family: {rng.choice(NAMES)}son", f"        given: {rng.choice(NAMES)}",
            f"    title: {_quote('A generated study of ' + ' '.join(rng.choices(WORDS, k=5)))}",
            "    container-title: Journal of Synthetic Studies",
            f"    volume: {rng.randint(1, 80)}",
            f"    page: {rng.randint(1, 400)}-{rng.randint(401, 800)}",
            "    issued:", "      date-parts:", f"        - [{key[9:13]}]",
        ]
    (folder / "references.yaml").write_text("\n".join(references) + "\n", encoding="utf-8")

    writer = _Writer(rng, reference_ids)
    first = dt.date(2010, 1, 1)
    last = _month(first, scale.editions - 1)
    span = (last - first).days
    testimonies: list[_Testimony] = []
    for index in range(scale.testimonies):
        # Enough letters for the first edition are there before it, the rest arrive over time.
        early = index < max(scale.testimonies // 10, scale.per_edition[1])
        offset = -rng.randint(1, 90) if early else rng.randint(0, span)
        received = first + dt.timedelta(days=offset)
        started = received - dt.timedelta(days=rng.randint(60, 400)) if rng.random() < 0.8 \
            else None
        updates: list[tuple[dt.date, str | None, str]] = []
        when = _month(received, 1)
        for _ in range(int(rng.expovariate(1 / scale.updates_per_testimony) + 0.5)):
            when = _month(when, rng.randint(2, 9))
            if when > last:
                break
            label = None if started and rng.random() < 0.7 else f"News from {rng.choice(WORDS)}"
            updates.append((when, label, writer.text((1, 2), (3, 6))))
        name = rng.choice(NAMES)
        country = rng.choice(COUNTRIES)
        tid = f"{name.lower()}-{country.lower().replace(' ', '-')}-{index + 1:04d}"
        testimonies.append(_Testimony(tid, name, country, rng.choice(CONDITIONS), started,
                                      received, writer.text((2, 4), (4, 7), cite=0.05),
                                      updates))

    last_printed: dict[str, dt.date] = {}
    editions: list[tuple[int, dt.date, list[str]]] = []
    for number in range(1, scale.editions + 1):
        date = _month(first, number - 1)
        arrived = [t for t in testimonies if t.received <= date]
        new = [t for t in arrived if t.id not in last_printed]
        returning = [t for t in arrived if t.id in last_printed
                     and any(last_printed[t.id] < u[0] <= date for u in t.updates)]
        want = rng.randint(*scale.per_edition)
        rng.shuffle(returning)
        chosen = (new[:max(want // 3, want - len(returning))] + returning)[:want]
        if len(chosen) < want:
            others = [t for t in arrived if t not in chosen]
            chosen += rng.sample(others, min(len(others), want - len(chosen)))
        for t in chosen:
            last_printed[t.id] = date
        editions.append((number, date, [t.id for t in chosen]))
    # A few contributors withdraw their consent after their last appearance.
    for t in testimonies:
        if t.id in last_printed and rng.random() < 0.01:
            t.withdrawn = _month(last_printed[t.id], 1)

    for t in testimonies:
        lines = [f"name: {t.name}", f"country: {t.country}", f"condition: {_quote(t.condition)}"]
        if t.started:
            lines.append(f"started: {t.started:%Y-%m}")
        lines += [f"received: {t.received.isoformat()}", "consent:",
                  f"  given: {t.received.isoformat()}"]
        if t.withdrawn:
            lines.append(f"  withdrawn: {t.withdrawn.isoformat()}")
        lines += ["story: |", _block(t.story, 2)]
        if t.updates:
            lines.append("updates:")
            for date, label, text in t.updates:
                lines.append(f"  - date: {date:%Y-%m}")
                if label:
                    lines.append(f"    label: {_quote(label)}")
                lines += ["    text: |", _block(text, 6)]
        (folder / "testimonies" / f"{t.id}.yaml").write_text("\n".join(lines) + "\n",
                                                              encoding="utf-8")
    for number, date, ids in editions:
        status = "draft" if number == scale.editions else "published"
        # The editor's article cites at least one study, as the real ones do.
        intro = writer.paragraph((3, 6), cite=1.0) + "\n\n" + writer.text((1, 2), (3, 6),
                                                                           cite=0.5)
        lines = [f"number: {number}", f"date: {date.isoformat()}", f"status: {status}",
                 "intro: |", _block(intro, 2), "testimonies:", *(f"  - {i}" for i in ids)]
        (folder / "editions" / f"{number:03d}.yaml").write_text("\n".join(lines) + "\n",
                                                                 encoding="utf-8")
    _freeze(folder)
    return folder


def _freeze(folder: Path) -> None:
    """Record what each published edition prints, as `editions publish` does."""
    from editions.load.archive import load_archive
    from editions.make.freeze import edition_passages, fingerprint

    archive = load_archive(folder)
    for edition in archive.editions:
        if not edition.published:
            continue
        found = edition_passages(archive, edition)
        record = ["frozen:", f"  fingerprint: {fingerprint(found)}", "  passages:",
                  *(f"    - {passage.record}" for passage in found)]
        with (folder / edition.path).open("a", encoding="utf-8") as file:
            file.write("\n".join(record) + "\n")


# --- measuring ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Run:
    """One command's wall time, the processor time of all its processes, the peak resident
    memory of each kind of process, its output."""

    seconds: float
    peaks_mb: dict[str, float]
    stdout: str
    cpu_seconds: float = 0.0
    stderr: str = ""


def _processes() -> dict[int, tuple[int, str]]:
    """Every process's parent and command name, from /proc."""
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        table[int(entry.name)] = (int(stat[stat.rindex(")") + 2:].split()[1]), name)
    return table


def _high_water_kb(pid: int) -> tuple[int, str]:
    """A process's peak resident memory so far (VmHWM) and its command line."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return 0, ""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]), cmdline
    return 0, cmdline


def _cpu_seconds(pid: int) -> float:
    """A process's own processor time so far (utime + stime), from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Processes that nothing in the build waits for at its end, so getrusage never counts them.
UNWAITED = ("forkserver", "worker", "tracker")


def _role(pid: int, root: int, table: dict[int, tuple[int, str]],
          cmdlines: dict[int, str]) -> str:
    """Which part of a build a process plays; forkserver workers share the server's cmdline."""
    name, cmdline = table.get(pid, (0, ""))[1], cmdlines.get(pid, "")
    if pid == root:
        return "main"
    if "forkserver" in cmdlines.get(table.get(pid, (0, ""))[0], ""):
        return "worker"
    if "forkserver" in cmdline:
        return "forkserver"
    if "resource_tracker" in cmdline:
        return "tracker"
    if name.startswith("pandoc"):
        return "pandoc"
    if "weasyprint" in cmdline:
        return "weasyprint"
    if "python" in name:
        return "python"
    return "other"  # compilers and linkers that ctypes starts to find libraries


def measure(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a command to its end, sampling the peak memory of it and every process it starts."""
    peaks: dict[int, tuple[str, int]] = {}
    cpu_seen: dict[int, float] = {}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, text=True)
        while True:
            finished = proc.poll() is not None
            table = _processes()
            family, grew = {proc.pid}, True
            while grew:
                more = {pid for pid, (parent, _) in table.items() if parent in family}
                grew = not more <= family
                family |= more
            samples = {pid: _high_water_kb(pid) for pid in family}
            cmdlines = {pid: cmdline for pid, (_, cmdline) in samples.items()}
            for pid in samples:
                cpu_seen[pid] = max(cpu_seen.get(pid, 0.0), _cpu_seconds(pid))
            for pid, (kb, _) in samples.items():
                if kb:
                    role = peaks[pid][0] if pid in peaks else _role(pid, proc.pid, table,
                                                                     cmdlines)
                    peaks[pid] = (role, max(kb, peaks.get(pid, (role, 0))[1]))
            if finished:
                break
            # Often at first, for short commands; then seldom, so as not to slow the build.
            time.sleep(0.05 if time.perf_counter() - started < 2 else 0.25)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{stderr}")
    by_role: dict[str, float] = {}
    for role, kb in peaks.values():
        by_role[role] = max(by_role.get(role, 0.0), round(kb / 1024, 1))
    # Every process of the command was waited for by its parent, so its time is counted here.
    # Workers fork from a server the build does not wait for: their time is taken from /proc,
    # as last seen (at most one sampling interval short for each).
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    cpu += sum(cpu_seen.get(pid, 0.0) for pid, (role, _) in peaks.items() if role in UNWAITED)
    return Run(seconds, by_role, stdout, cpu, stderr)


FLOOR = """
import sys, time
from pathlib import Path
from weasyprint import HTML
site, pattern, target = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
pages = 0
for number, page in enumerate(sorted(site.glob(pattern))):
    document = HTML(filename=str(page), media_type="print").render()
    document.write_pdf(target / f"{number:03d}.pdf")
    pages += len(document.pages)
print(pages)
"""


def peer_markdown(view: Any, text: Any) -> str:
    """An edition as one Markdown document with the same text, for pandoc's command line."""
    parts = [f"---\ntitle: {_quote(f'{view.title}, edition {view.number}')}\n"
             f"date: {view.edition.date}\nlang: en-GB\n---\n"]
    if view.edition.intro:
        parts.append("# From the editor\n\n" + view.edition.intro.text)
    for printed in view.testimonies:
        parts.append(f"# {printed.heading}")
        if printed.withdrawn:
            parts.append("This testimony was withdrawn at the contributor's request.")
            continue
        parts.append(printed.testimony.story.text)
        for update in printed.updates:
            parts.append(f"## Update – {update.date} – {update.label}\n\n{update.text.text}")
    parts.append("# References\n\n::: {#refs}\n:::")
    return "\n\n".join(parts) + "\n"


def _built(run: Run) -> int:
    match = re.search(r"built (\d+) edition", run.stdout)
    if not match:
        raise SystemExit(f"no summary line in: {run.stdout!r}")
    return int(match.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--small", action="store_true", help="A small archive: about a minute.")
    parser.add_argument("--tiny", action="store_true",
                        help="A few editions: the whole run in seconds, its figures meaningless "
                             "(for the benchmark's own test).")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="Work in DIR (kept) instead of a temporary folder.")
    parser.add_argument("--generate-only", type=Path, metavar="DIR",
                        help="Write the synthetic archive into DIR and stop.")
    parser.add_argument("--markdown", action="store_true",
                        help="Also print the run's tables in Markdown, for benchmarks/README.md.")
    parser.add_argument("--markdown-from", type=Path, metavar="FILE",
                        help="Print the Markdown tables of a saved run (its RESULT line) and stop.")
    args = parser.parse_args(argv)
    if args.markdown_from:
        line = [line for line in args.markdown_from.read_text().splitlines()
                if line.startswith("RESULT ")][-1]
        print(markdown(json.loads(line.removeprefix("RESULT "))))
        return 0
    MARKDOWN["on"] = args.markdown
    name = "tiny" if args.tiny else "small" if args.small else "default"
    scale = SCALES[name]
    if args.generate_only:
        generate(args.generate_only, args.seed, scale)
        return 0
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return run_benchmark(args.keep, args.seed, scale, name)
    with tempfile.TemporaryDirectory(prefix="editions-benchmark-") as folder:
        return run_benchmark(Path(folder), args.seed, scale, name)


def run_benchmark(work: Path, seed: int, scale: Scale, scale_name: str) -> int:
    from editions.edit.publish import publish
    from editions.load.archive import load_archive
    from editions.make.assemble import assemble
    from editions.make.markdown import _data, convert, pandoc_path

    commit = _commit()  # as the run starts: the code it measures
    bin_dir = Path(sys.executable).parent
    editions = [str(bin_dir / "editions")]
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    root = generate(work / "archive", seed, scale)
    archive = load_archive(root)
    views = assemble(archive)
    printed = sum(1 for v in views for p in v.testimonies if not p.withdrawn)
    updates = sum(len(t.updates) for t in archive.testimonies.values())
    cache = root / ".editions-cache"
    say = functools.partial(print, file=sys.stderr, flush=True)
    say(f"archive: {len(views)} editions, {len(archive.testimonies)} testimonies, "
        f"{updates} updates, {printed} testimonies printed, in {root}")

    def fresh_build(label: str, *options: str) -> Run:
        shutil.rmtree(cache, ignore_errors=True)
        say(f"{label} ...")
        run = measure([*editions, "build", "--root", str(root), *options], env)
        say(f"  {run.seconds:.1f} s: {run.stdout.strip()}")
        return run

    a = fresh_build("(a) full build, --jobs 1", "--jobs", "1", "--out", str(work / "site-1"))
    b = fresh_build("(b) full build, --jobs 2", "--jobs", "2", "--out", str(work / "site-2"))
    pages = sum(e["pdf_pages"] for e in _entries(work / "site-1").values())
    identical = all((work / "site-1" / p.relative_to(work / "site-2")).read_bytes()
                    == p.read_bytes() for p in (work / "site-2").rglob("*") if p.is_file())

    say("(c) the floor: WeasyPrint alone, one process, our final HTML ...")
    floor_out = work / "floor"
    floor_out.mkdir(exist_ok=True)
    c = measure([sys.executable, "-c", FLOOR, str(work / "site-1"), "editions/*/index.html",
                 str(floor_out)], env)
    say(f"  {c.seconds:.1f} s")

    say("(d) the peer: pandoc edition.md -o edition.pdf --pdf-engine=weasyprint, per edition ...")
    peer = work / "peer"
    peer.mkdir(exist_ok=True)
    shutil.copy(root / "references.yaml", peer / "references.yaml")
    d_seconds, d_cpu, d_peaks = 0.0, 0.0, dict[str, float]()
    for view in views:
        source = peer / f"{view.number:03d}.md"
        source.write_text(peer_markdown(view, None), encoding="utf-8")
        run = measure([pandoc_path(), str(source), "-o", str(source.with_suffix(".pdf")),
                       "--pdf-engine=weasyprint", "--citeproc",
                       "--bibliography", str(peer / "references.yaml"),
                       "--csl", str(_data("numbered.csl"))], env)
        d_seconds += run.seconds
        d_cpu += run.cpu_seconds
        for role, mb in run.peaks_mb.items():
            d_peaks[role] = max(d_peaks.get(role, 0.0), mb)
        # The page pandoc hands WeasyPrint, kept for the peer's own floor (not timed here).
        subprocess.run([pandoc_path(), str(source), "--standalone", "--citeproc",
                        "--bibliography", str(peer / "references.yaml"),
                        "--csl", str(_data("numbered.csl")),
                        "-o", str(source.with_suffix(".html"))], check=True, env=env)
    say(f"  {d_seconds:.1f} s")

    say("(d0) the peer's floor: WeasyPrint alone, one process, the pages pandoc made ...")
    peer_floor_out = work / "peer-floor"
    peer_floor_out.mkdir(exist_ok=True)
    d0 = measure([sys.executable, "-c", FLOOR, str(peer), "*.html", str(peer_floor_out)], env)
    peer_pages = int(d0.stdout)
    say(f"  {d0.seconds:.1f} s, {peer_pages} pages")

    say("pandoc's share: all of the archive's Markdown, no cache ...")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    convert(views, (), archive.references, None)
    pandoc_seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    pandoc_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    say(f"  {pandoc_seconds:.2f} s")

    say("(e) a rebuild with nothing changed ...")
    e = measure([*editions, "build", "--root", str(root), "--out", str(work / "site-2")], env)
    say(f"  {e.seconds:.2f} s: {e.stdout.strip()}")

    say("(f) a rebuild after editing one update of one testimony ...")
    tid, index = _update_to_edit(views)
    update = archive.testimonies[tid].updates[index]
    expected = sorted(v.number for v in views for p in v.testimonies
                      if p.id == tid and not p.withdrawn and len(p.updates) > index)
    path = root / archive.testimonies[tid].path
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[update.text.where.line - 1] += " Edited for the benchmark."
    path.write_text("\n".join(lines), encoding="utf-8")
    # As the editor must: a change to what a published edition prints is a reissue.
    for number in expected:
        if archive.editions[number - 1].published:
            publish(root, number, reissue=True, note="an update was corrected",
                    on=dt.date(2020, 6, 1))
    f = measure([*editions, "build", "--root", str(root), "--out", str(work / "site-2")], env)
    say(f"  {f.seconds:.2f} s: {f.stdout.strip()} (the update is printed in editions "
        f"{', '.join(map(str, expected))})")
    entries = _entries(work / "site-2")

    formats = _formats(work, seed, scale, editions, env, say)
    big = _big_edition(work, seed, BIG_EDITION[scale_name], env, say)
    proof = _proof_loop(work, seed, PROOF_TESTIMONIES[scale_name], editions, env, say)

    say("--html-only, the whole archive, no Markdown cache ...")
    h = fresh_build("(h) --html-only", "--html-only", "--out", str(work / "site-html"))
    say("--html-only, the whole archive, Markdown cache warm, every page rendered ...")
    w = measure([*editions, "build", "--root", str(root), "--html-only", "--out",
                 str(work / "site-html-warm")], env)
    say(f"  {w.seconds:.2f} s: {w.stdout.strip()}")

    result = {
        "scale": scale_name, "seed": seed, "cpus": os.cpu_count(),
        "editions": len(views), "testimonies": len(archive.testimonies), "updates": updates,
        "testimonies_printed": printed, "pdf_pages": pages,
        "a_full_jobs1_s": round(a.seconds, 2), "b_full_jobs2_s": round(b.seconds, 2),
        "c_floor_weasyprint_s": round(c.seconds, 2), "d_peer_pandoc_weasyprint_s": round(
            d_seconds, 2), "d0_peer_floor_weasyprint_s": round(d0.seconds, 2),
        "peer_pdf_pages": peer_pages,
        "e_no_change_s": round(e.seconds, 3), "e_rerendered": _built(e),
        "f_one_update_s": round(f.seconds, 2), "f_rerendered": _built(f),
        "f_editions_printing_the_update": len(expected),
        "f_rerendered_exactly_those": _built(f) == len(expected) and all(
            entries[f"{n:03d}"]["key"] for n in expected),
        "html_only_s": round(h.seconds, 2),
        "html_only_ms_per_testimony": round(1000 * h.seconds / printed, 2),
        "html_only_warm_s": round(w.seconds, 2),
        "html_only_warm_ms_per_testimony": round(1000 * w.seconds / printed, 2),
        "pandoc_s": round(pandoc_seconds, 2),
        "jobs2_identical_to_jobs1": identical,
        "ratio_jobs1_to_floor": round(a.seconds / c.seconds, 3),
        "ratio_speedup_jobs2": round(a.seconds / b.seconds, 3),
        "ratio_peer_to_jobs1": round(d_seconds / a.seconds, 3),
        # Bounds: no build that lays out our pages (or the peer's) with WeasyPrint can beat
        # the peer by more than these, whatever it does around WeasyPrint.
        "ratio_peer_to_floor": round(d_seconds / c.seconds, 3),
        "ratio_peer_to_peer_floor": round(d_seconds / d0.seconds, 3),
        "pandoc_share_of_full_build": round(pandoc_seconds / a.seconds, 4),
        # Processor time of every process: what the machine's other load changes least.
        "cpu_s": {"a": round(a.cpu_seconds, 1), "b": round(b.cpu_seconds, 1),
                  "c": round(c.cpu_seconds, 1), "d": round(d_cpu, 1),
                  "d0": round(d0.cpu_seconds, 1),
                  "pandoc": round(pandoc_cpu, 2)},
        "cpu_ratio_jobs1_to_floor": round(a.cpu_seconds / c.cpu_seconds, 3),
        "cpu_ratio_peer_to_jobs1": round(d_cpu / a.cpu_seconds, 3),
        "cpu_pandoc_share_of_full_build": round(pandoc_cpu / a.cpu_seconds, 4),
        "big_edition": big, "proof_loop": proof, "commit": commit, "formats": formats,
        "g_peak_mb": {"a": a.peaks_mb, "b": b.peaks_mb, "c": c.peaks_mb, "d": d_peaks,
                      "e": e.peaks_mb, "f": f.peaks_mb, "html_only": h.peaks_mb,
                      "html_only_warm": w.peaks_mb},
    }
    peak = max(mb for run in result["g_peak_mb"].values() for mb in run.values())
    targets = [
        ("full build --jobs 1 / floor", result["ratio_jobs1_to_floor"], "<= 1.15",
         result["ratio_jobs1_to_floor"] <= 1.15),
        ("--jobs 1 / --jobs 2", result["ratio_speedup_jobs2"], ">= 1.7",
         result["ratio_speedup_jobs2"] >= 1.7),
        ("peer / --jobs 1", result["ratio_peer_to_jobs1"], ">= 2",
         result["ratio_peer_to_jobs1"] >= 2),
        ("pandoc's share of a full build", result["pandoc_share_of_full_build"], "<= 0.03",
         result["pandoc_share_of_full_build"] <= 0.03),
        ("rebuild, nothing changed (s)", result["e_no_change_s"], "< 1, 0 rendered",
         e.seconds < 1 and result["e_rerendered"] == 0),
        ("one update edited: rendered", result["f_rerendered"],
         f"= {len(expected)} printing it", result["f_rerendered"] == len(expected)),
        ("peak resident memory (MB)", peak, "<= 400 per process", peak <= 400),
        ("--html-only ms/testimony, cold", result["html_only_ms_per_testimony"], "<= 5",
         result["html_only_ms_per_testimony"] <= 5),
        ("--html-only ms/testimony, warm", result["html_only_warm_ms_per_testimony"], "<= 5",
         result["html_only_warm_ms_per_testimony"] <= 5),
        ("PDF write / layout, big edition", big["write_over_layout"], "<= 0.15",
         big["write_over_layout"] <= 0.15),
        ("peak MB, a 500-page edition", big["mb_at_500_pages"], "<= 600 one process",
         big["mb_at_500_pages"] <= 600),
        ("proof: one word, 30-page draft (s)", proof["seconds"], "<= 2",
         proof["seconds"] <= 2),
    ]
    result["targets_met"] = {name: met for name, _, _, met in targets}
    result["targets"] = [{"target": name, "figure": figure, "wanted": wanted, "met": met}
                         for name, figure, wanted, met in targets]
    print(f"\n{len(views)} editions, {len(archive.testimonies)} testimonies, {updates} updates, "
          f"{pages} PDF pages; {os.cpu_count()} CPUs\n")
    print(f"{'measure':<34}{'seconds':>10}{'CPU s':>10}")
    for name, seconds, cpu in (("(a) editions build --jobs 1", a.seconds, a.cpu_seconds),
                               ("(b) editions build --jobs 2", b.seconds, b.cpu_seconds),
                               ("(c) WeasyPrint alone (floor)", c.seconds, c.cpu_seconds),
                               ("(d) pandoc --pdf-engine=weasyprint", d_seconds, d_cpu),
                               ("(d0) WeasyPrint alone, peer's pages", d0.seconds,
                                d0.cpu_seconds),
                               ("(e) rebuild, nothing changed", e.seconds, e.cpu_seconds),
                               ("(f) rebuild, one update edited", f.seconds, f.cpu_seconds),
                               ("--html-only, no Markdown cache", h.seconds, h.cpu_seconds),
                               ("--html-only, Markdown cached", w.seconds, w.cpu_seconds),
                               ("pandoc, all Markdown", pandoc_seconds, pandoc_cpu)):
        print(f"{name:<34}{seconds:>10.2f}{cpu:>10.2f}")
    roles = ("main", "worker", "forkserver", "pandoc", "weasyprint")
    print(f"\n{'(g) peak resident memory, MB':<34}" + "".join(f"{r:>11}" for r in roles))
    for key, label in (("a", "(a) --jobs 1"), ("b", "(b) --jobs 2"), ("c", "(c) floor"),
                       ("d", "(d) peer"), ("e", "(e) no change"), ("f", "(f) one update"),
                       ("html_only", "--html-only"), ("html_only_warm", "--html-only, warm")):
        peaks = result["g_peak_mb"][key]
        print(f"{label:<34}" + "".join(f"{peaks.get(role, '-'):>11}" for role in roles))
    print(f"\nbig edition: {big['pages']} pages laid out in one process in {big['seconds']} s, "
          f"write / layout {big['write_over_layout']}, peak {big['peak_mb']} MB "
          f"({big['before_layout_mb']} MB before any PDF)"
          + (f", {big['mb_at_500_pages']} MB at 500 pages extrapolated" if big["extrapolated"]
             else ""))
    print("\neach format, per edition (every format, --jobs 1):")
    print(f"{'format':<14}{'seconds':>10}{'KB':>10}{'pages':>8}")
    for kind in _KINDS.values():
        figures = formats["per_edition"][kind]
        print(f"{kind:<14}{figures['seconds']:>10}{figures['kb']:>10}"
              f"{figures.get('pages', '-'):>8}")
    print(f"proof loop: one word changed in a {proof['pages']}-page draft, its new PDF in "
          f"{proof['seconds']} s")
    print(f"the most any WeasyPrint build could beat the peer by: "
          f"{result['ratio_peer_to_floor']}x laying out our {pages} pages, "
          f"{result['ratio_peer_to_peer_floor']}x laying out the peer's own {peer_pages}")
    print(f"\n{'target':<36}{'figure':>10}  {'wanted':<20}")
    for name, figure, wanted, met in targets:
        print(f"{name:<36}{figure:>10}  {wanted:<20}{'met' if met else 'missed'}")
    if MARKDOWN["on"]:
        print("\n" + markdown(result))
    print("RESULT " + json.dumps(result, sort_keys=True))
    return 0


# What `build -v` says each edition's formats cost (formats.describe).
_MADE = re.compile(r"edition (\d+): made (.*)")
_COST = re.compile(r"the (PDF|large print|EPUB), (\d+) (?:pages|bytes) \(([\d.]+) s\)")
_KINDS = {"PDF": "pdf", "large print": "large-print", "EPUB": "epub"}


def _formats(work: Path, seed: int, scale: Scale, editions: list[str], env: dict[str, str],
             say: Any) -> dict[str, Any]:
    """The same archive built with every format, in one worker: what each format costs an
    edition, in seconds (as the worker timed it) and bytes (as the manifest records)."""
    root = generate(work / "formats-archive", seed, scale, formats="[pdf, large-print, epub]")
    say("every format, --jobs 1 ...")
    run = measure([*editions, "build", "-v", "--jobs", "1", "--root", str(root)], env)
    say(f"  {run.seconds:.1f} s: {run.stdout.strip()}")
    seconds: dict[str, list[float]] = {kind: [] for kind in _KINDS.values()}
    for line in run.stderr.splitlines():
        made = _MADE.search(line)
        for name, _, spent in _COST.findall(made.group(2) if made else ""):
            seconds[_KINDS[name]].append(float(spent))
    entries = _entries(root / "site")
    count = len(entries)
    if any(len(times) != count for times in seconds.values()):
        raise SystemExit(f"not every edition said what its formats cost: {run.stderr[-2000:]}")
    sizes = {"pdf": "pdf_size", "large-print": "large_print_size", "epub": "epub_size"}
    pages = {"pdf": "pdf_pages", "large-print": "large_print_pages"}
    per_edition: dict[str, dict[str, float]] = {}
    for kind, times in seconds.items():
        figures = {"seconds": round(sum(times) / count, 3),
                   "kb": round(sum(e[sizes[kind]] for e in entries.values()) / count / 1024, 1)}
        if kind in pages:
            figures["pages"] = round(sum(e[pages[kind]] for e in entries.values()) / count, 1)
        per_edition[kind] = figures
    return {"editions": count, "build_s": round(run.seconds, 2), "per_edition": per_edition}


def _big_edition(work: Path, seed: int, testimonies: int, env: dict[str, str],
                 say: Any) -> dict[str, Any]:
    """One big edition laid out by the real build in one process, phase by phase
    (pdf_phases.py): the write's share of the layout and the process's peak memory."""
    root = generate(work / "big-edition", seed, _one_edition(testimonies))
    say(f"one big edition ({testimonies} testimonies), every phase timed (pdf_phases.py) ...")
    run = measure([sys.executable, str(REPO / "benchmarks" / "pdf_phases.py"), "--root",
                   str(root)], env)
    figures = json.loads(run.stdout.strip().splitlines()[-1].removeprefix("RESULT "))
    pages, peak, base = figures["pages"], figures["peak_mb"], figures["before_layout_mb"]
    # Memory grows with pages (about linearly): at 500 pages if this edition is shorter.
    at_500 = peak if pages >= 500 else round(base + (peak - base) * 500 / pages)
    say(f"  {run.seconds:.1f} s, {pages} pages, write / layout {figures['write_over_layout']}, "
        f"peak {peak} MB")
    return {"testimonies": testimonies, "pages": pages, "seconds": round(run.seconds, 2),
            "write_over_layout": figures["write_over_layout"], "phases": figures["phases"],
            "peak_mb": peak, "before_layout_mb": base, "mb_at_500_pages": at_500,
            "extrapolated": pages < 500}


def _proof_loop(work: Path, seed: int, testimonies: int, editions: list[str],
                env: dict[str, str], say: Any) -> dict[str, Any]:
    """The editor's loop: one word changed in a draft of about 30 pages, then its new PDF."""
    root = generate(work / "proof", seed, _one_edition(testimonies))
    out = work / "proof-site"
    measure([*editions, "build", "--root", str(root), "--out", str(out)], env)
    story = sorted((root / "testimonies").iterdir())[0]
    text = story.read_text(encoding="utf-8")
    word = next(w for w in WORDS if f" {w} " in text)
    story.write_text(text.replace(f" {word} ", " proofread ", 1), encoding="utf-8")
    say("the proof loop: one word changed in a draft ...")
    run = measure([*editions, "build", "--root", str(root), "--out", str(out)], env)
    pages = _entries(out)["001"]["pdf_pages"]
    say(f"  {run.seconds:.2f} s for {pages} pages: {run.stdout.strip()}")
    return {"pages": pages, "seconds": round(run.seconds, 2), "rendered": _built(run)}


def _entries(site: Path) -> dict[str, Any]:
    """Each edition's manifest entry, the published ones' in the site and the drafts' in the
    preview beside it."""
    from editions.make.build import preview_folder

    entries: dict[str, Any] = {}
    for folder in (site, preview_folder(site)):
        manifest = folder / ".editions-manifest.json"
        if manifest.is_file():
            entries.update(json.loads(manifest.read_text())["editions"])
    return entries


def _commit() -> str:
    """The commit the benchmark ran on, marked when the worktree had changes."""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+changes" if dirty else head


MARKDOWN = {"on": False}
MEASURES = (("(a) `editions build --jobs 1`, no caches", "a_full_jobs1_s", "a"),
            ("(b) `editions build --jobs 2`, no caches", "b_full_jobs2_s", "b"),
            ("(c) floor: WeasyPrint alone, one process, our HTML", "c_floor_weasyprint_s", "c"),
            ("(d) peer: `pandoc … --pdf-engine=weasyprint`, one call per edition",
             "d_peer_pandoc_weasyprint_s", "d"),
            ("(d0) the peer's floor: WeasyPrint alone, one process, pandoc's HTML",
             "d0_peer_floor_weasyprint_s", "d0"),
            ("(e) rebuild, nothing changed", "e_no_change_s", None),
            ("(f) rebuild after one update edited", "f_one_update_s", None),
            ("`--html-only`, no caches", "html_only_s", None),
            ("`--html-only`, Markdown cached, every page rendered", "html_only_warm_s", None),
            ("pandoc alone, all of the archive's Markdown", "pandoc_s", "pandoc"))


def markdown(result: dict[str, Any]) -> str:
    """The run's measures and targets as the Markdown tables of benchmarks/README.md."""
    big, proof = result["big_edition"], result["proof_loop"]
    lines = [f"Commit `{result['commit']}`, scale {result['scale']}, seed {result['seed']}, "
             f"{result['cpus']} CPUs: {result['editions']} editions, {result['testimonies']} "
             f"testimonies, {result['updates']} updates, {result['testimonies_printed']} "
             f"testimonies printed, {result['pdf_pages']} PDF pages; the big edition "
             f"{big['pages']} pages, the proof loop's draft {proof['pages']} pages.", "",
             "| measure | wall s | CPU s |", "| --- | ---: | ---: |"]
    for label, key, cpu in MEASURES:
        cpu_s = result["cpu_s"].get(cpu, "") if cpu else ""
        lines.append(f"| {label} | {result[key]} | {cpu_s} |")
    lines.append(f"| one big edition, every phase timed (pdf_phases.py) | {big['seconds']} | |")
    lines.append(f"| proof loop: one word changed in the draft, new PDF | {proof['seconds']} | |")
    formats = result.get("formats")
    if formats:  # runs saved before the formats were measured have none
        lines += ["", f"Each format, per edition ({formats['editions']} editions, every format, "
                  f"`--jobs 1`, whole build {formats['build_s']} s):", "",
                  "| format | s per edition | KB per edition | pages per edition |",
                  "| --- | ---: | ---: | ---: |"]
        for kind in _KINDS.values():  # in this order: the saved RESULT has its keys sorted
            figures = formats["per_edition"][kind]
            lines.append(f"| {kind} | {figures['seconds']} | {figures['kb']} | "
                         f"{figures.get('pages', '')} |")
    lines += ["", "| target | figure | wanted | met |", "| --- | ---: | --- | --- |"]
    for target in result["targets"]:
        lines.append(f"| {target['target']} | {target['figure']} | {target['wanted']} | "
                     f"{'met' if target['met'] else 'missed'} |")
    return "\n".join(lines)


def _update_to_edit(views: list[Any]) -> tuple[str, int]:
    """A testimony and the index of one of its updates that some editions print, not all."""
    counts: dict[tuple[str, int], int] = {}
    for view in views:
        for p in view.testimonies:
            for index in range(len(p.updates)):
                counts[(p.id, index)] = counts.get((p.id, index), 0) + 1
    return max(sorted(counts), key=lambda k: (counts[k] >= 2, -k[1]))


if __name__ == "__main__":
    sys.exit(main())
