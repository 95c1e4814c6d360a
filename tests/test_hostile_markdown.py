"""Hostile Markdown: each case through the real pandoc filter and WeasyPrint, then through check.

The build refuses what check refuses, so the first tests go round check on purpose: they
prove the filter alone keeps each case out of the page and the PDF.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from editions.check.links import images_in, read_images
from editions.errors import EditionsError
from editions.load.archive import load_archive
from editions.make.addresses import page_path
from editions.make.assemble import assemble
from editions.make.build import assets
from editions.make.markdown import convert
from editions.make.pdf import render_pdf
from editions.make.render import Renderer

from .conftest import copy_sample, run, write
from .pages import Page, pdf_text
from .support import convert_texts, edit, link_problems, tiny_png

# name, Markdown, what the story's HTML must hold afterwards (the neutralised form)
CASES = [
    ("script", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("style", "<style>body{display:none}</style>", "&lt;style&gt;"),
    ("event handler", '<p onclick="alert(1)">hi</p>', "&lt;p onclick="),
    ("html link", '<a href="javascript:alert(1)">x</a>', "&lt;a href="),
    ("javascript link", "[x](javascript:alert(1))", "<p>x</p>"),
    ("mixed case", "[x](JaVaScRiPt:alert(1))", "<p>x</p>"),
    ("entity colon", "[x](javascript&#58;alert(1))", "<p>x</p>"),
    ("entity letter", "[x](&#106;avascript:alert(1))", "<p>x</p>"),
    ("entity tab", "[x](jav&#x09;ascript:alert(1))", "<p>x</p>"),
    ("leading space", "[x]( javascript:alert(1))", "<p>x</p>"),
    ("vbscript", "[x](vbscript:msgbox(1))", "<p>x</p>"),
    ("data link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "<p>x</p>"),
    ("autolink", "<javascript:alert(1)>", "javascript:alert(1)"),
    ("autolink caps", "<JAVASCRIPT:alert(1)>", "JAVASCRIPT:alert(1)"),
    ("reference link", "[x][evil]\n\n[evil]: javascript:alert(1)", "<p>x</p>"),
    ("footnote link", "Note.[^1]\n\n[^1]: [x](javascript:alert(1))", "x"),
    ("protocol relative", "[x](//evil.example/page)", "<p>x</p>"),
    ("local file link", "[x](file:///etc/passwd)", "<p>x</p>"),
    ("relative file link", "[x](../../publication.yaml)", "<p>x</p>"),
    ("windows share", "[x](\\\\evil\\share)", "<p>x</p>"),
    ("raw block", "```{=html}\n<script>alert(1)</script>\n```", "&lt;script&gt;"),
    ("raw inline", "`<b onmouseover=alert(1)>`{=html}", "&lt;b onmouseover"),
    ("comment", "<!-- a secret -->", "&lt;!– a secret –&gt;"),
    ("iframe", '<iframe src="https://evil.example/"></iframe>', "&lt;iframe"),
    ("svg", "<svg onload=alert(1)><circle r=9 /></svg>", "&lt;svg onload"),
    ("css url", '<div style="background:url(https://evil.example/t.png)">x</div>', "&lt;div"),
    ("span style", '[x]{style="background:url(https://evil.example/t.png)"}', "[x]{style="),
    ("meta refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example">',
     "&lt;meta"),
    ("base", '<base href="https://evil.example/">', "&lt;base"),
    ("form", '<form action="https://evil.example/"><input name=x></form>', "&lt;form"),
    ("object", '<object data="https://evil.example/x.swf"></object>', "&lt;object"),
    ("html img", "<img src=file:///etc/passwd>", "&lt;img src=file:///etc/passwd&gt;"),
    ("absolute image", "![passwd](/etc/passwd)", "<em>[passwd]</em>"),
    ("file image", "![secret](file:///etc/passwd)", "<em>[secret]</em>"),
    ("remote image", "![pixel](https://evil.example/pixel.png)", "<em>[pixel]</em>"),
    ("data image", "![dot](data:image/png;base64,iVBORw0KGgo=)", "<em>[dot]</em>"),
    ("climbing image", "![up](images/../publication.yaml)", "<em>[up]</em>"),
    ("image without alt", "![](images/dog.png)", ""),
    ("include", "!include /etc/passwd\n\n{{< include /etc/passwd >}}", "!include /etc/passwd"),
    ("latex input", "\\input{/etc/passwd} $$\\include{/etc/passwd}$$", "input{/etc/passwd}"),
    ("title injection", '[x](https://example.org/ "t\\" onmouseover=\\"alert(1)")',
     '<a href="https://example.org/">x</a>'),
    ("quote in href", '[x](https://example.org/"onmouseover="alert(1))',
     'href="https://example.org/%22onmouseover=%22alert(1)"'),
    ("web link", "[society](https://www.mssociety.org.uk/)",
     '<a href="https://www.mssociety.org.uk/">society</a>'),
    ("mail link", "<mailto:letters@example.org>", 'href="mailto:letters@example.org"'),
    ("image", "![Biscuit on the morning walk](images/dog.png)",
     '<img src="images/dog.png" alt="Biscuit on the morning walk" />'),
]
IDS = [f"case-{index:02d}" for index in range(1, len(CASES) + 1)]


def black_png(width: int, height: int) -> bytes:
    """A black one-bit PNG: a few hundred KB that decode to width x height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\0" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
            + chunk(b"IEND", b""))


def kim_testimony(story: str) -> str:
    body = "\n".join("  " + line if line else "" for line in story.splitlines())
    return ("name: Kim\ncountry: Canada\ncondition: Crohn's disease\nreceived: 2008-03-01\n"
            f"consent:\n  given: 2008-03-01\nstory: |\n{body}\n")


def hostile_project(root: Path) -> Path:
    copy_sample(root)
    (root / "images").mkdir()
    (root / "images" / "dog.png").write_bytes(tiny_png())
    for tid, (_, story, _) in zip(IDS, CASES, strict=True):
        write(root / "testimonies" / f"{tid}.yaml", kim_testimony(story))
    edit(root / "editions/001.yaml", "testimonies:\n", "testimonies:\n" + "".join(
        f"  - {tid}\n" for tid in IDS))
    return root


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """Every case in edition 1, through one pandoc run, the page template and WeasyPrint."""
    root = hostile_project(tmp_path_factory.mktemp("hostile") / "publication")
    archive = load_archive(root)
    view = assemble(archive)[0]
    text = convert([view], (), archive.references).editions[1]
    renderer = Renderer(root / "templates", archive.settings)
    html = renderer.edition_page(view, text)
    files = assets(root)
    files.update(read_images(root, {i for h in text.html() for i in images_in(h)}))
    pdf, _ = render_pdf(html, page_path(1), files)
    out = root / "out"
    out.mkdir()
    (out / "index.html").write_text(html, encoding="utf-8")
    (out / "edition.pdf").write_bytes(pdf)
    return out / "index.html", text.stories, out / "edition.pdf"


@pytest.mark.parametrize(("tid", "case"), list(zip(IDS, CASES, strict=True)),
                         ids=[c[0] for c in CASES])
def test_each_case_is_neutralised(converted: tuple[Path, dict[str, str], Path], tid: str,
                                  case: tuple[str, str, str]) -> None:
    html = converted[1][tid]
    assert case[2] in html
    assert not re.search(r"<(script|style|iframe|svg|object|embed|form|base|meta|link)\b", html)
    assert not re.search(r"<[a-zA-Z][^>]*\s(on\w+|style|srcdoc|formaction)\s*=", html)
    for link in re.findall(r'(?:href|src)="([^"]*)"', html):
        assert link.startswith(("https://", "http://", "mailto:", "#", "images/dog.png")), link


def test_the_page_has_nothing_unsafe(converted: tuple[Path, dict[str, str], Path]) -> None:
    page = Page(converted[0])
    assert {tag for tag, _ in page.tags} <= {
        "html", "head", "meta", "title", "link", "style", "body", "a", "header", "p", "h1", "h2",
        "h3", "time", "ul", "ol", "li", "nav", "main", "article", "span", "div", "section", "em",
        "strong", "img", "footer", "code", "pre", "sup", "hr", "aside", "br"}
    body = converted[0].read_text(encoding="utf-8").split("<body", 1)[1]
    assert not re.search(r"<(meta|link|script|style)\b", body)
    for _, attributes in page.tags:
        assert not [a for a in attributes if a.startswith("on") or a == "style"], attributes
    for link in page.links:
        assert not re.match(r"\s*(javascript|vbscript|data|file):", link, re.IGNORECASE), link
        assert link.startswith(("https://", "http://", "mailto:", "#", "../../")), link
    assert [a["src"] for t, a in page.tags if t == "img"] == ["../../images/dog.png"]


@pytest.mark.slow
def test_the_pdf_has_nothing_unsafe(converted: tuple[Path, dict[str, str], Path]) -> None:
    reader = PdfReader(converted[2])
    uris = []
    for pdf_page in reader.pages:
        for annotation in pdf_page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                uris.append(str(action["/URI"]))
            assert action.get("/S") in (None, "/URI", "/GoTo"), action
    assert uris
    assert all(u.startswith(("https://", "http://", "mailto:")) for u in uris), uris
    assert "https://www.mssociety.org.uk/" in uris
    assert not [u for u in uris if "evil" in u]
    text = " ".join(pdf_text(converted[2]))
    assert "root:x:0" not in text
    assert "[passwd]" in text
    assert "/JavaScript" not in converted[2].read_bytes().decode("latin-1")
    images = {image.data for pdf_page in reader.pages for image in pdf_page.images}
    assert len(images) == 1  # the one picture in images/, and nothing fetched


# What check says about each refused link or image, at its line and column in the story.
REFUSED = {
    "javascript link": "8:3: error: a javascript: link is not allowed ('javascript:alert(1)'): "
                       "links go to http, https or mailto addresses",
    "entity letter": "8:3: error: a javascript: link is not allowed ('javascript:alert(1)'): "
                     "links go to http, https or mailto addresses",
    "entity tab": "8:3: error: a javascript: link is not allowed ('jav\\tascript:alert(1)'): "
                  "links go to http, https or mailto addresses",
    "autolink caps": "8:3: error: a javascript: link is not allowed ('JAVASCRIPT:alert(1)'): "
                     "links go to http, https or mailto addresses",
    "reference link": "10:3: error: a javascript: link is not allowed ('javascript:alert(1)'): "
                      "links go to http, https or mailto addresses",
    "footnote link": "10:9: error: a javascript: link is not allowed ('javascript:alert(1)'): "
                     "links go to http, https or mailto addresses",
    "data link": "8:3: error: a data: link is not allowed ('data:text/html;base64,PHNjcmlwdD5"
                 "hbGVydCgxKTwvc2NyaXB0Pg=='): links go to http, https or mailto addresses",
    "protocol relative": "8:3: error: links to local files are not allowed "
                         "('//evil.example/page'): link to a web address (https://...) instead",
    "relative file link": "8:3: error: links to local files are not allowed "
                          "('../../publication.yaml'): link to a web address (https://...) "
                          "instead",
    "absolute image": "8:3: error: images must be files in the publication's images/ folder, "
                      "written images/NAME.png (or .jpg, .gif, .webp), not '/etc/passwd'",
    "remote image": "8:3: error: remote images are not allowed "
                    "('https://evil.example/pixel.png'): nothing is fetched; save the picture in "
                    "images/ and write images/NAME",
    "data image": "8:3: error: data: images are not allowed: save the picture in images/ and "
                  "write images/NAME",
    "image without alt": "8:3: error: image 'images/dog.png' has no alt text: describe it for "
                         "readers who cannot see it, ![like this](images/dog.png)",
}


@pytest.mark.parametrize(("name", "expected"), REFUSED.items(), ids=list(REFUSED))
def test_check_refuses_with_line_and_column(project: Path, name: str, expected: str) -> None:
    (project / "images").mkdir()
    (project / "images" / "dog.png").write_bytes(tiny_png())
    story = next(c[1] for c in CASES if c[0] == name)
    write(project / "testimonies" / "kim-canada.yaml", kim_testimony(story))
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"testimonies/kim-canada.yaml:{expected}"


# Links check and the filter must judge alike: each is kept on the page exactly when check
# says nothing, and check reports each refused one once.
LINKS = [
    "[g](http:evil)", "[m](https:/\\evil.example)", "[n](<javascript:alert(1)>)",
    "[h](http:/evil.example)", "[s](https:evil.example)", "[t](mailto:)", "[u](MAILTO:a@b.org)",
    "[v](HTTPS://example.org/)", "[w](hTtP://example.org/)", "<https://example.org/>",
    "<http:evil>", "[x](<https://example.org/a b>)", "[y](https:\\/\\/example.org/)",
    "[z](ht&#x09;tps://example.org/)", "[a](&#104;ttps://example.org/)",
    "[b](\\https://example.org/)", "[c](https\\://example.org/)",
    "[d][r]\n\n[r]: http:evil", "[e][r]\n\n[r]: <https://example.org/>",
    "[f](mailto:letters@example.org)", "[i](https://example.org/<javascript:x>)",
]


def test_check_refuses_exactly_the_links_the_filter_drops(tmp_path: Path) -> None:
    from editions.model import Markdown, Where

    pages = convert_texts(LINKS)
    for text, page in zip(LINKS, pages, strict=True):
        problems = link_problems(tmp_path, Markdown(text, Where("t.yaml", 1, 1)))
        kept = "<a href=" in page
        assert len(problems) == (0 if kept else 1), (text, page, problems)


def test_a_link_that_is_not_a_web_address_is_refused_once(project: Path) -> None:
    write(project / "testimonies" / "kim-canada.yaml", kim_testimony(
        "[g](http:evil) and [m](https:/\\evil.example)\n[n](<javascript:alert(1)>)"))
    result = run(project, "check")
    assert result.stderr.splitlines() == [
        "testimonies/kim-canada.yaml:8:3: error: 'http:evil' is not a web address: write "
        "https:// and the host, as in https://example.org/page (or mailto:name@example.org)",
        "testimonies/kim-canada.yaml:8:22: error: 'https:/\\evil.example' is not a web address: "
        "write https:// and the host, as in https://example.org/page (or "
        "mailto:name@example.org)",
        "testimonies/kim-canada.yaml:9:3: error: a javascript: link is not allowed "
        "('javascript:alert(1)'): links go to http, https or mailto addresses",
        "3 problems found",
    ]


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("images/missing.png", "image 'images/missing.png' is not in images/"),
        ("images/fake.png", "image 'images/fake.png' is not a PNG file, whatever its name says"),
        ("images/link.png", "image 'images/link.png' leads outside images/ (a symbolic link)"),
        ("images/page.svg", "images must be files in the publication's images/ folder, written "
                            "images/NAME.png (or .jpg, .gif, .webp), not 'images/page.svg'"),
        ("pictures/dog.png", "images must be files in the publication's images/ folder, written "
                             "images/NAME.png (or .jpg, .gif, .webp), not 'pictures/dog.png'"),
    ],
)
def test_check_vets_image_files(project: Path, image: str, expected: str) -> None:
    (project / "images").mkdir()
    (project / "images" / "fake.png").write_text("<script>alert(1)</script>")
    (project / "images" / "page.svg").write_text("<svg onload='alert(1)'/>")
    (project / "secret.png").write_bytes(tiny_png())
    (project / "images" / "link.png").symlink_to(project / "secret.png")
    write(project / "testimonies" / "kim-canada.yaml", kim_testimony(f"![A picture]({image})"))
    result = run(project, "check")
    assert result.stderr.splitlines()[0] == f"testimonies/kim-canada.yaml:8:3: error: {expected}"


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        # Pillow warns above 89 million pixels and refuses above 179: the PDF showed only
        # the alt text of the second, and laying out the first took 1.2 GB.
        ((12000, 12000), "image 'images/big.png' is 12,000 x 12,000 pixels; the limit is 40 "
                         "million pixels per image (7300 x 5500): make it smaller"),
        ((16000, 16000), "image 'images/big.png' is 16,000 x 16,000 pixels; the limit is 40 "
                         "million pixels per image (7300 x 5500): make it smaller"),
        ((40000, 1001), "image 'images/big.png' is 40,000 x 1,001 pixels; the limit is 40 "
                        "million pixels per image (7300 x 5500): make it smaller"),
        ((40000, 1000), None),
    ],
)
def test_check_limits_an_image_s_pixels(project: Path, size: tuple[int, int],
                                        expected: str | None) -> None:
    (project / "images").mkdir()
    (project / "images" / "big.png").write_bytes(black_png(*size))
    write(project / "testimonies" / "kim-canada.yaml", kim_testimony("![Black](images/big.png)"))
    result = run(project, "check")
    if expected is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.stderr.splitlines() == [
            f"testimonies/kim-canada.yaml:8:3: error: {expected}", "1 problem found"]


def test_check_refuses_an_image_whose_header_cannot_be_read(project: Path) -> None:
    (project / "images").mkdir()
    (project / "images" / "cut.png").write_bytes(tiny_png()[:20])
    write(project / "testimonies" / "kim-canada.yaml", kim_testimony("![Cut](images/cut.png)"))
    result = run(project, "check")
    assert result.stderr.splitlines()[0] == (
        "testimonies/kim-canada.yaml:8:3: error: image 'images/cut.png' cannot be read as a PNG "
        "file (Truncated File Read)")


@pytest.mark.parametrize("size", [(12000, 12000), (16000, 16000)])
def test_a_pdf_that_would_leave_a_picture_out_stops_the_build(size: tuple[int, int]) -> None:
    """Past check (whose limit is lower), WeasyPrint would print the alt text alone."""
    html = ('<html lang="en"><body><p>hello</p>'
            '<img src="../../images/big.png" alt="A black square"></body></html>')
    with pytest.raises(EditionsError) as raised:
        render_pdf(html, page_path(5), {"images/big.png": black_png(*size)})
    assert str(raised.value) == (
        "editions/005/index.html: the PDF would leave something out: Failed to load image at "
        "'https://site.editions.invalid/images/big.png'")


def test_a_picture_reaches_the_page_and_the_pdf(project: Path) -> None:
    (project / "images").mkdir()
    (project / "images" / "dog.png").write_bytes(tiny_png(40, 30))
    write(project / "testimonies" / "kim-canada.yaml",
          kim_testimony("Our walk.\n\n![Biscuit on the morning walk](images/dog.png)"))
    # edition 5 is a draft: published editions are frozen
    edit(project / "editions/005.yaml", "testimonies:\n", "testimonies:\n  - kim-canada\n")
    result = run(project, "build", "5")
    assert result.exit_code == 0, result.output
    # only the draft shows it: the picture is in the preview beside the site, not in the site
    assert not (project / "site" / "images").exists()
    site = project / "site-preview"
    assert (site / "images" / "dog.png").read_bytes() == tiny_png(40, 30)
    page = Page(site / "editions/005/index.html")
    assert [(a["src"], a["alt"]) for t, a in page.tags if t == "img"] == [
        ("../../images/dog.png", "Biscuit on the morning walk")]
    reader = PdfReader(next((site / "editions/005").glob("*[0-9].pdf")))
    images = {(i.image.size if i.image else None) for p in reader.pages for i in p.images}
    assert images == {(40, 30)}


def test_the_pdf_fetcher_serves_only_the_site(caplog: pytest.LogCaptureFixture) -> None:
    """Even a hostile template cannot make WeasyPrint read a file or fetch an address."""
    html = """<html><head>
    <link rel="stylesheet" href="file:///etc/passwd">
    <style>@import url("https://evil.example/x.css");
    body { background: url("data:image/png;base64,iVBORw0KGgo="); }</style></head>
    <body><img src="../../../../etc/passwd"><img src="http://127.0.0.1:9/x.png">
    <img src="/images/dog.png"><p>hello</p></body></html>"""
    with (caplog.at_level("WARNING", logger="editions.make.pdf"),
          pytest.raises(EditionsError) as raised):
        render_pdf(html, page_path(1), {"images/dog.png": tiny_png()})
    refused = sorted(r.getMessage() for r in caplog.records if r.name == "editions.make.pdf")
    assert refused == [
        "pdf: no such file in the site: etc/passwd",
        "pdf: refused to fetch data:image/png;base64,iVBORw0KGgo=",
        "pdf: refused to fetch file:///etc/passwd",
        "pdf: refused to fetch http://127.0.0.1:9/x.png",
        "pdf: refused to fetch https://evil.example/x.css",
    ]
    # and the build stops rather than make a PDF without them
    assert str(raised.value).startswith(
        "editions/001/index.html: the PDF would leave something out: Failed to load stylesheet "
        "at file:///etc/passwd: ValueError: fetching file:///etc/passwd is not allowed; ")
    # with what it cannot load taken out, the same page makes a PDF with the one picture
    for refused in ('<link rel="stylesheet" href="file:///etc/passwd">',
                    '@import url("https://evil.example/x.css");',
                    'background: url("data:image/png;base64,iVBORw0KGgo=");',
                    '<img src="../../../../etc/passwd">', '<img src="http://127.0.0.1:9/x.png">'):
        html = html.replace(refused, "")
    pdf, pages = render_pdf(html, page_path(1), {"images/dog.png": tiny_png()})
    reader = PdfReader(io.BytesIO(pdf))
    assert pages == 1
    assert "hello" in (reader.pages[0].extract_text() or "")
    assert len({i.data for p in reader.pages for i in p.images}) == 1  # only images/dog.png


@pytest.mark.parametrize(
    ("story", "expected"),
    [
        ("[" * 20, "8:13: error: brackets nested more than 10 deep, or left open: pandoc takes "
                   "exponential time over them; close them, or write \\[ for a bracket that is "
                   "only text"),
        ("A [note\n" * 11, "18:5: error: brackets nested more than 10 deep, or left open: "
                            "pandoc takes exponential time over them; close them, or write \\[ "
                            "for a bracket that is only text"),
        (">" * 11 + " deep", "8:3: error: quotes nested 11 deep (the limit is 10): pandoc "
                             "reads such text very slowly"),
        ("- a\n" + " " * 70 + "- b", "9:3: error: a line indented by 70 spaces (the limit is "
                                      "64): pandoc reads lists nested this deep very slowly"),
    ],
)
def test_nesting_pandoc_reads_slowly_is_refused(project: Path, story: str,
                                                expected: str) -> None:
    """Twenty open brackets keep pandoc busy for minutes: check refuses them first."""
    write(project / "testimonies" / "kim-canada.yaml", kim_testimony(story))
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"testimonies/kim-canada.yaml:{expected}"


def test_ordinary_brackets_pass() -> None:
    from editions.check.links import nesting_problems

    text = ("A [@smith2007; @jones2008] note.[^1] [a [nested [link]]](https://x.org) \\[ \\[\n\n"
            "[^1]: See [this](https://example.org).\n\n" + "[open\n\n" * 30)
    assert list(nesting_problems(text)) == []


def test_html_in_a_text_is_a_warning_where_it_prints_as_written(project: Path) -> None:
    story = ("Text with <b>bold</b>, <https://example.org>, <kim@example.org> and `<code>`.\n"
             "A dose < 4.5 mg, 3 > 2 and <!-- a note -->.")
    write(project / "testimonies" / "kim-canada.yaml", kim_testimony(story))
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if "HTML" in line] == [
        "testimonies/kim-canada.yaml:8:13: warning: '<b>' is printed as written, angle brackets "
        "and all (and 2 more in this text): HTML is not read here; write *italic*, **bold** or "
        "[words](https://...) in Markdown"]
    edit(project / "editions/005.yaml", "testimonies:\n", "testimonies:\n  - kim-canada\n")
    assert run(project, "build", "--html-only", "5").exit_code == 0
    assert "Text with &lt;b&gt;bold&lt;/b&gt;" in (
        project / "site-preview" / "editions" / "005" / "index.html").read_text()


# Each sized so that code quadratic in it takes minutes (a 40 KB run of `\[` took 30 s in
# check; 100 KB of `![` 4.4 s in fmt, 900 KB about six minutes); linear code takes seconds.
QUADRATIC_FORMS = [
    ("escaped brackets", "\\[" * 200_000, "check"),
    ("images opened", "![" * 200_000, "check"),
    ("angle targets", "[x](<" * 80_000, "check"),
    ("images opened, fmt", "![" * 450_000, "fmt"),
    ("escaped brackets, fmt", "\\[" * 450_000, "fmt"),
]


@pytest.mark.parametrize(("text", "command"), [f[1:] for f in QUADRATIC_FORMS],
                         ids=[f[0] for f in QUADRATIC_FORMS])
def test_hostile_text_takes_linear_time(project: Path, text: str, command: str) -> None:
    import time

    from .support import GOOD
    story = GOOD.replace("  First line.", "  " + text, 1)
    write(project / "testimonies" / "kim-canada.yaml", story)
    started = time.monotonic()
    result = run(project, command)
    took = time.monotonic() - started
    assert "Traceback" not in result.output
    assert took < 20, f"{command} took {took:.1f} s"


def test_one_text_cannot_define_a_link_in_another(project: Path) -> None:
    """A reference definition in one contributor's list item (or with its target on the next
    line) stays in that text: it links nothing in another story of the same edition, cold or
    warm, and once it is deleted nothing of it is left in the cache."""
    from .support import GOOD
    victim = GOOD.replace("name: Kim", "name: Lee").replace("  First line.",
                                                          "  It was [sic] and [also].")
    write(project / "testimonies" / "lee-canada.yaml", victim)
    attacker = write(project / "testimonies" / "kim-canada.yaml", GOOD.replace(
        "  Second paragraph.\n", "  Second paragraph.\n\n  - [sic]: https://evil.example/a\n"
        "  - [also]:\n    https://evil.example/b\n"))
    edit(project / "editions" / "005.yaml", "  - annelies-netherlands",
         "  - annelies-netherlands\n  - kim-canada\n  - lee-canada")
    for _ in ("cold", "warm"):
        result = run(project, "build", "--html-only")
        assert result.exit_code == 0, result.stderr
        page = (project / "site-preview" / "editions" / "005" / "index.html").read_text()
        assert "It was [sic] and [also]." in page
        assert "evil.example" not in page
    attacker.write_text(GOOD, encoding="utf-8")
    assert run(project, "build", "--html-only").exit_code == 0
    page = (project / "site-preview" / "editions" / "005" / "index.html").read_text()
    assert "It was [sic] and [also]." in page
    assert "evil.example" not in page


IMAGE_FORMS = [
    ("image inside a link", "  [![a picture](images/x.png)](https://example.org/)\n", 13, 4),
    ("definition in a list item", "  See ![a picture][g].\n\n  - [g]: images/x.png\n", 15, 3),
    ("target on the next line", "  See ![a picture][g].\n\n  [g]:\n    images/x.png\n", 15, 3),
    ("title over two lines", '  ![a picture](images/x.png "one\n  two")\n', 13, 3),
]


@pytest.mark.parametrize(("story", "line", "col"), [f[1:] for f in IMAGE_FORMS],
                         ids=[f[0] for f in IMAGE_FORMS])
def test_every_image_pandoc_would_show_is_checked(project: Path, tmp_path: Path, story: str,
                                                  line: int, col: int) -> None:
    """Whatever form an image takes, check finds it where pandoc does, and a link planted in
    images/ is refused by check and by the build: nothing outside reaches site/images/."""
    from .support import GOOD
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:secret\n")
    (project / "images").mkdir(exist_ok=True)
    (project / "images" / "x.png").symlink_to(secret)
    write(project / "testimonies" / "kim-canada.yaml",
          GOOD.replace("  Second paragraph.\n", "  Second paragraph.\n\n" + story))
    edit(project / "editions" / "005.yaml", "  - annelies-netherlands",
         "  - annelies-netherlands\n  - kim-canada")
    result = run(project, "check")
    assert result.exit_code == 1
    assert (f"testimonies/kim-canada.yaml:{line}:{col}: error: image 'images/x.png' leads "
            "outside images/ (a symbolic link)") in result.stderr.splitlines()
    result = run(project, "build", "--html-only")
    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    copied = [p for p in (project / "site").rglob("*") if p.is_file()
              and b"secret" in p.read_bytes()] if (project / "site").exists() else []
    assert copied == []
    (project / "images" / "x.png").unlink()
    result = run(project, "build", "--html-only")
    assert result.exit_code == 1
    assert (f"testimonies/kim-canada.yaml:{line}:{col}: error: image 'images/x.png' is not in "
            "images/") in result.stderr.splitlines()


def test_the_build_reads_no_image_through_a_link(tmp_path: Path) -> None:
    """Should pandoc ever show an image check did not see, the build vets it again."""
    root = copy_sample(tmp_path / "publication")
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:secret\n")
    (root / "images").mkdir(exist_ok=True)
    (root / "images" / "x.png").symlink_to(secret)
    with pytest.raises(EditionsError) as caught:
        read_images(root, {"images/x.png", "images/gone.png"})
    assert str(caught.value).splitlines() == [
        "images/gone.png:1:1: error: image 'images/gone.png' is not in images/",
        "images/x.png:1:1: error: image 'images/x.png' leads outside images/ (a symbolic link)"]


def _picture(kind: str) -> bytes:
    """A 200 x 150 picture with detail in it (a plain one compresses to almost nothing)."""
    import io
    import random

    from PIL import Image

    noise = random.Random(15)
    image = Image.frombytes("RGB", (200, 150), bytes(noise.randrange(256)
                                                     for _ in range(200 * 150 * 3)))
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "damage", "why"),
    [
        ("cut.png", lambda data: data[:len(data) // 2], "Truncated File Read"),
        ("flipped.png", lambda data: data[:200] + bytes([data[200] ^ 0xFF]) + data[201:],
         "broken PNG file"),
        ("cut.jpg", lambda data: data[:len(data) // 2], "image file is truncated"),
    ],
)
def test_a_damaged_picture_is_a_check_error_not_a_black_box(
        project: Path, name: str, damage: Callable[[bytes], bytes], why: str) -> None:
    """The header of a file cut short still says its size: the build printed a black box
    where the picture was and said it had succeeded."""
    import weasyprint  # noqa: F401  (it lets Pillow load truncated files, as in a build)

    (project / "images").mkdir()
    data = _picture("PNG" if name.endswith(".png") else "JPEG")
    (project / "images" / name).write_bytes(damage(data))
    write(project / "testimonies" / "kim-canada.yaml", kim_testimony(f"![A cat](images/{name})"))
    for command in ("check", "build"):
        result = run(project, command, *(["--html-only"] if command == "build" else []))
        assert result.exit_code == 1
        lines = result.stderr.splitlines()
        assert lines[-1] == "1 problem found"
        assert lines[0].startswith(f"testimonies/kim-canada.yaml:8:3: error: image 'images/{name}'"
                                   f" is damaged ({why}")
        assert lines[0].endswith("): it would print as an empty box; save it again from the "
                                 "original")
    assert not (project / "site").exists()
