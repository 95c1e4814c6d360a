"""Links and images in Markdown: what a text points at, and whether it may point there.

`check` reports every refusal at its line and column; the pandoc filter (data/batch.lua)
applies the same rules again to what pandoc parsed, so nothing refused here reaches a page.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from editions.errors import Problem, Severity, Where
from editions.model import IMAGES_DIR, Markdown

IMAGE_TYPES = {  # extension: (format name, the file's first bytes)
    ".png": ("PNG", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("JPEG", (b"\xff\xd8\xff",)),
    ".jpeg": ("JPEG", (b"\xff\xd8\xff",)),
    ".gif": ("GIF", (b"GIF87a", b"GIF89a")),
    ".webp": ("WebP", (b"RIFF",)),
}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# A small file can hold a huge picture (a 12000 x 12000 PNG of one colour is 420 KB) that takes
# gigabytes to lay out; 40 megapixels is a 7300 x 5500 photo, more than a page can show.
MAX_IMAGE_PIXELS = 40_000_000
# The one rule for links, here and in the pandoc filter (markdown.py hands it to batch.lua): a
# link's address, as pandoc reads it, starts with one of these, in any case.
LINK_PREFIXES = ("http://", "https://", "mailto:")
# A path the filter lets through as an image: images/, then safe names, one of the types.
IMAGE_PATH = re.compile(r"^images/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*"
                        r"\.(?:png|jpe?g|gif|webp)$", re.IGNORECASE)

_TARGET = r"(?P<target><[^<>\n]*>|(?:[^\s()]|\([^\s()]*\))+)"
# A title may run onto the next lines of its paragraph (no blank line).
_TITLE = (r"""(?:\s+(?:"(?:[^"\n]|\n(?![ \t]*\n))*"|'(?:[^'\n]|\n(?![ \t]*\n))*'"""
          r"""|\((?:[^()\n]|\n(?![ \t]*\n))*\)))?""")
INLINE = re.compile(r"(?P<bang>!?)\[(?P<text>(?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\]"
                    r"\(\s*" + _TARGET + _TITLE + r"\s*\)")
# A definition may stand in a list item or a quote, and its target on the next line.
DEFINITION = re.compile(r"^(?:[ \t]*(?:>|[-*+]|[0-9]{1,9}[.)])(?=[ \t]|$))*[ \t]*"
                        r"\[(?P<label>[^\]\n^][^\]\n]*)\]:[ \t]*\n?[ \t]*" + _TARGET,
                        re.MULTILINE)
AUTOLINK = re.compile(r"<(?P<target>[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>")
# An HTML tag or comment: with raw HTML off, pandoc prints it as the text it is.
HTML_TAG = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>\n]*)?/?>|!--)")
# Code is printed as written, never followed: it is blanked out before looking for links.
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
BACKTICKS = re.compile(r"`+")


@dataclass(frozen=True)
class Target:
    """A link or image in a text: where it starts, what it points at, its text or alt."""

    offset: int
    target: str
    text: str
    image: bool
    definition: bool = False


@functools.lru_cache(maxsize=16)
def _blank_code(text: str) -> str:
    """The text with fenced code blocks and code spans turned to spaces, offsets kept.

    A plain scan, linear in the text: a regular expression for code spans backtracks
    for minutes over a long run of backticks. Remembered for the last few texts: each
    text's links, images, tags and nesting are all sought in this same blanked copy.
    """
    return _blank_spans(_blank_fences(text))


def _blank_fences(text: str) -> str:
    """The text with its fenced code blocks, fences and all, turned to spaces."""
    chars = list(text)
    offset, fence = 0, ""
    for line in text.split("\n"):
        mark = _fence_mark(line, fence)
        if fence or mark:
            chars[offset:offset + len(line)] = " " * len(line)
            if mark:
                fence = "" if fence else mark
        offset += len(line) + 1
    return "".join(chars)


def _fence_mark(line: str, fence: str) -> str:
    """The fence a line opens, or closes when `fence` is open; "" when it does neither."""
    match = FENCE.match(line)
    if match is None:
        return ""
    mark = match.group(1)
    # only a fence of the same character, at least as long, closes the open one
    if not fence or (mark[0] == fence[0] and len(mark) >= len(fence)):
        return mark
    return ""


def _blank_spans(plain: str) -> str:
    """The text with its code spans turned to spaces, its line breaks kept."""
    chars = list(plain)
    for start, end in _code_spans(plain):
        chars[start:end] = [c if c == "\n" else " " for c in plain[start:end]]
    return "".join(chars)


def _code_spans(plain: str) -> Iterator[tuple[int, int]]:
    """Where each code span starts and ends: a run of backticks to the next run as long."""
    runs = [(m.start(), m.end()) for m in BACKTICKS.finditer(plain)]
    later: dict[int, list[int]] = {}  # run length: indexes of runs of that length, last first
    for index in range(len(runs) - 1, -1, -1):
        later.setdefault(runs[index][1] - runs[index][0], []).append(index)
    index = 0
    while index < len(runs):
        start, end = runs[index]
        same = later[end - start]
        while same and same[-1] <= index:
            same.pop()
        if same:  # a span runs to the next run of as many backticks
            closing = same.pop()
            yield start, runs[closing][1]
            index = closing + 1
        else:
            index += 1


def _escaped(text: str) -> bytearray:
    """For each offset, 1 when a backslash escapes the character there (an odd run before)."""
    flags = bytearray(len(text))
    run = 0
    for index, char in enumerate(text):
        if run % 2:
            flags[index] = 1
        run = run + 1 if char == "\\" else 0
    return flags


def _inline_links(plain: str) -> Iterator[re.Match[str]]:
    """INLINE's matches, tried only at a `[` that opens something (not an escaped `\\[`) and
    never inside an earlier match: run over every `[` of a long `\\[\\[\\[`, the expression
    would scan the rest of the text from each, in quadratic time."""
    escaped = _escaped(plain)
    end = 0
    for opening in re.finditer(r"\[", plain):
        start = opening.start()
        if start < end or escaped[start]:
            continue
        if start > end and plain[start - 1] == "!" and not escaped[start - 1]:
            start -= 1
        match = INLINE.match(plain, start)
        if match:
            end = match.end()
            yield match


def targets(text: str) -> Iterator[Target]:
    """Every link, image, autolink and reference definition of a Markdown text."""
    plain = _blank_code(text)
    taken: list[tuple[int, int]] = []  # where links' targets are, which hold no autolink
    for match in _inline_links(plain):
        taken.append(match.span("target"))
        yield Target(match.start(), _clean(match.group("target")), match.group("text"),
                     image=bool(match.group("bang")))
        if not match.group("bang"):  # an image may be a link's text: [![alt](img)](https://...)
            inner = match.start("text")
            for image in _inline_links(match.group("text")):
                taken.append((inner + image.start("target"), inner + image.end("target")))
                yield Target(inner + image.start(), _clean(image.group("target")),
                             image.group("text"), image=bool(image.group("bang")))
    for match in DEFINITION.finditer(plain):
        taken.append(match.span("target"))
        yield Target(match.start(), _clean(match.group("target")), match.group("label"),
                     image=False, definition=True)
    taken.sort()
    starts = [start for start, _ in taken]
    for match in AUTOLINK.finditer(plain):
        before = bisect.bisect_right(starts, match.start()) - 1
        if before >= 0 and match.start() < taken[before][1]:
            continue
        yield Target(match.start(), _clean(match.group("target")), "", image=False)


def _clean(target: str) -> str:
    """The address pandoc would use: brackets, backslash escapes and entities resolved."""
    if target.startswith("<") and target.endswith(">"):
        target = target[1:-1]
    # a backslash escapes ASCII punctuation only, as in pandoc: `\e` stays `\e`
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", target)).strip()


def scheme(target: str) -> str | None:
    # Browsers ignore tabs, line breaks and leading control characters inside a scheme.
    squeezed = re.sub(r"[\x00-\x20]", "", target).lower()
    match = re.match(r"^([a-z][a-z0-9+.\-]*):", squeezed)
    return match.group(1) if match else None


def is_web_link(target: str) -> bool:
    """Whether the filter keeps a link to this address: ASCII case only, as Lua's lower()."""
    return any(target[:len(prefix)].isascii() and target[:len(prefix)].lower() == prefix
               for prefix in LINK_PREFIXES)


def link_problem(target: str) -> str | None:
    """Why a link may not be printed, or None when it may."""
    if is_web_link(target):
        return None
    kind = scheme(target)
    if kind is None:
        return (f"links to local files are not allowed ('{_short(target)}'): link to a web "
                "address (https://...) instead")
    if kind in ("http", "https", "mailto"):
        return (f"'{_short(target)}' is not a web address: write https:// and the host, "
                "as in https://example.org/page (or mailto:name@example.org)")
    return (f"a {kind}: link is not allowed ('{_short(target)}'): links go to http, https or "
            "mailto addresses")


def image_problem(root: Path, target: str, alt: str) -> str | None:
    """Why an image may not be printed, or None when it may: a file shipped in images/."""
    written = _image_address_problem(target) or _alt_text_problem(target, alt)
    if written:
        return written
    folder = (root / IMAGES_DIR).resolve()
    path = (root / target).resolve()
    return (_image_place_problem(root, target, folder, path)
            or _image_file_problem(target, path))


def _image_address_problem(target: str) -> str | None:
    """Why an image's address names no file in images/ (a web address, data, another path)."""
    kind = scheme(target)
    if kind in ("http", "https"):
        return (f"remote images are not allowed ('{_short(target)}'): nothing is fetched; save "
                f"the picture in {IMAGES_DIR}/ and write {IMAGES_DIR}/NAME")
    if kind == "data":
        return (f"data: images are not allowed: save the picture in {IMAGES_DIR}/ and write "
                f"{IMAGES_DIR}/NAME")
    if kind is not None or not IMAGE_PATH.match(target) or ".." in target.split("/"):
        return (f"images must be files in the publication's {IMAGES_DIR}/ folder, written "
                f"{IMAGES_DIR}/NAME.png (or .jpg, .gif, .webp), not '{_short(target)}'")
    return None


def _alt_text_problem(target: str, alt: str) -> str | None:
    """Why an image's alt text will not do: there is none."""
    if not alt.strip():
        return (f"image '{target}' has no alt text: describe it for readers who cannot see it, "
                f"![like this]({target})")
    return None


def _image_place_problem(root: Path, target: str, folder: Path, path: Path) -> str | None:
    """Why an image is no plain file inside images/: a link leads elsewhere, or nothing is there.

    `folder` and `path` are images/ and the image with every link followed.
    """
    if folder not in path.parents:
        return f"image '{target}' leads outside {IMAGES_DIR}/ (a symbolic link)"
    if (root / target).is_symlink() or any(
            (root / parent).is_symlink() for parent in Path(target).parents if parent.parts):
        return (f"image '{target}' is a symbolic link: images are plain files in "
                f"{IMAGES_DIR}/")
    if not path.is_file():
        return f"image '{target}' is not in {IMAGES_DIR}/"
    return None


def _image_file_problem(target: str, path: Path) -> str | None:
    """Why an image's file will not print: too big, not the kind its name says, or no picture."""
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        return (f"image '{target}' is {size:,} bytes; the limit is {MAX_IMAGE_BYTES:,} bytes "
                "(5 MiB) per image")
    name, signatures = IMAGE_TYPES[path.suffix.lower()]
    with path.open("rb") as handle:
        head = handle.read(16)
    if not head.startswith(signatures) or (name == "WebP" and head[8:12] != b"WEBP"):
        return f"image '{target}' is not a {name} file, whatever its name says"
    return _picture_problem(target, path, name)


def _picture_problem(target: str, path: Path, name: str) -> str | None:
    """Why the picture in an image's file will not print: unreadable, too large, or damaged."""
    size_or_problem = image_size(path, name)
    if isinstance(size_or_problem, str):
        return f"image '{target}' cannot be read as a {name} file ({size_or_problem})"
    width, height = size_or_problem
    if width * height > MAX_IMAGE_PIXELS:
        return (f"image '{target}' is {width:,} x {height:,} pixels; the limit is "
                f"{MAX_IMAGE_PIXELS // 1_000_000} million pixels per image (7300 x 5500): "
                "make it smaller")
    broken = image_damage(path, name)
    if broken:
        return (f"image '{target}' is damaged ({broken}): it would print as an empty box; "
                "save it again from the original")
    return None


def image_damage(path: Path, name: str) -> str | None:
    """What is wrong in the picture's data (a truncated or corrupt file), or None.

    The header alone says the size of a file cut short; the whole picture is decoded (within
    the pixel limit checked before), and a PNG's checksums are verified too.
    """
    from PIL import ImageFile

    readers = _readers()
    # WeasyPrint, once imported, lets Pillow load a truncated file (the rest left black): not
    # while the file is vetted.
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with readers[name](path) as image:
            image.verify()
        with readers[name](path) as image:
            image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        return str(err) or type(err).__name__
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    return None


def _readers() -> dict[str, Callable[[Path], Any]]:
    """Each image format's own reader in Pillow, by its name."""
    from PIL import GifImagePlugin, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

    return {"PNG": PngImagePlugin.PngImageFile, "JPEG": JpegImagePlugin.JpegImageFile,
            "GIF": GifImagePlugin.GifImageFile, "WebP": WebPImagePlugin.WebPImageFile}


def image_size(path: Path, name: str) -> tuple[int, int] | str:
    """The picture's width and height from the file's header, or why they cannot be read.

    The format's own reader is used, not Image.open, which warns or refuses above its own
    limit before saying the size; nothing is decoded.
    """
    readers = _readers()
    try:
        with readers[name](path) as image:
            width, height = image.size
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        return str(err) or type(err).__name__
    return width, height


def _short(target: str) -> str:
    text = target if len(target) <= 60 else target[:57] + "..."
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


# pandoc's Markdown reader takes exponential time over nested brackets (20 levels of `[`
# take minutes) and slows over very deep quotes and lists: such text is refused first.
MAX_BRACKET_DEPTH = 10
MAX_QUOTE_DEPTH = 10
MAX_INDENT = 64
_BRACKET = re.compile(r"\\.|[\[\]]")


def nesting_problems(text: str) -> Iterator[tuple[int, str]]:
    """Offsets and messages where a text nests deeper than pandoc can read in good time."""
    plain = _blank_code(text)
    depth, offset = 0, 0
    for written, line in zip(text.split("\n"), plain.split("\n"), strict=True):
        if not written.strip():
            depth = 0  # a blank line ends the paragraph, and with it any open bracket
        quotes = len(written) - len(written.lstrip(" >")) - written[:len(written) - len(
            written.lstrip(" >"))].count(" ")
        if quotes > MAX_QUOTE_DEPTH:
            yield offset, (f"quotes nested {quotes} deep (the limit is {MAX_QUOTE_DEPTH}): "
                           "pandoc reads such text very slowly")
        indent = len(written) - len(written.lstrip(" \t"))
        if indent > MAX_INDENT:
            yield offset, (f"a line indented by {indent} spaces (the limit is {MAX_INDENT}): "
                           "pandoc reads lists nested this deep very slowly")
        # the regex skips escaped characters, so only real brackets count
        for match in _BRACKET.finditer(line):
            char = match.group()
            if char == "[":
                depth += 1
                if depth == MAX_BRACKET_DEPTH + 1:
                    yield offset + match.start(), (
                        f"brackets nested more than {MAX_BRACKET_DEPTH} deep, or left open: "
                        "pandoc takes exponential time over them; close them, or write \\[ "
                        "for a bracket that is only text")
            elif char == "]" and depth:
                depth -= 1
        offset += len(line) + 1


def html_tags(text: str) -> list[tuple[int, str]]:
    """The offsets and text of the HTML tags and comments outside code in a Markdown text."""
    return [(m.start(), m.group()) for m in HTML_TAG.finditer(_blank_code(text))]


def text_problems(text: Markdown) -> Iterator[Problem]:
    """The refused links of a text, nesting pandoc cannot read in good time, and a warning
    where HTML would print as written, at their line and column: what the text says on its
    own, whatever the folder around it holds."""
    for offset, message in nesting_problems(text.text):
        where = text.line_of(offset)
        yield Problem(where, message)
    tags = html_tags(text.text)
    if tags:
        offset, tag = tags[0]
        where = text.line_of(offset)
        more = f" (and {len(tags) - 1} more in this text)" if len(tags) > 1 else ""
        yield Problem(where,
                      f"'{_short(tag)}' is printed as written, angle brackets and all{more}: "
                      "HTML is not read here; write *italic*, **bold** or [words](https://...) "
                      "in Markdown", Severity.WARNING)
    for found in targets(text.text):
        if not _names_image(found):
            problem = link_problem(found.target)
            if problem:
                where = text.line_of(found.offset)
                yield Problem(where, problem)


@dataclass(frozen=True)
class ImageUse:
    """An image a text shows, to be vetted against the images/ folder as it is now."""

    target: str
    alt: str
    where: Where


def image_uses(text: Markdown) -> Iterator[ImageUse]:
    """Every image of a text, and every reference definition that names one."""
    for found in targets(text.text):
        if _names_image(found):
            alt = found.text if found.image else "a reference"
            yield ImageUse(found.target, alt, text.line_of(found.offset))


def _names_image(found: Target) -> bool:
    return found.image or (found.definition and bool(IMAGE_PATH.match(found.target)))


def image_problems(root: Path, uses: Iterable[ImageUse]) -> Iterator[Problem]:
    for use in uses:
        problem = image_problem(root, use.target, use.alt)
        if problem:
            yield Problem(use.where, problem)


# Pandoc's citation syntax: `@key` not preceded by a word character, or `@{key}`.
CITATION = re.compile(
    r"(?<![\w@])@(?:\{(?P<braced>[^}\s]+)\}|(?P<key>\w(?:[\w:.#$%&\-+?<>~/]*\w)?))"
)


def citation_keys(text: str) -> Iterator[tuple[str, int]]:
    """The citation keys a Markdown text cites, with their offsets."""
    for match in CITATION.finditer(text):
        yield match.group("braced") or match.group("key"), match.start()


IMG_SRC = re.compile(r'<img src="(images/[^"]+)"')


def images_in(html_text: str) -> set[str]:
    """The site paths of the images a converted text shows."""
    return {html.unescape(m) for m in IMG_SRC.findall(html_text)}


def read_images(root: Path, paths: set[str]) -> dict[str, bytes]:
    """The bytes of the images a build shows, by site path.

    Each is vetted again as check vets the images it finds, and read without following a
    link: whatever pandoc made an image of, nothing outside images/ is copied into the site.
    """
    from editions.errors import ContentError
    from editions.load.files import RefusedFile, read_source

    found: dict[str, bytes] = {}
    problems = []
    for path in sorted(paths):
        problem = image_problem(root, path, "an image")
        if problem is None:
            try:
                found[path] = read_source(root, root / path, MAX_IMAGE_BYTES)
            except RefusedFile as refused:
                problem = f"image '{path}' {refused.reason}"
            except OSError as err:
                problem = f"image '{path}' cannot be read: {err.strerror}"
        if problem:
            problems.append(Problem(Where(path, 1, 1), problem))
    if problems:
        raise ContentError(problems)
    return found
