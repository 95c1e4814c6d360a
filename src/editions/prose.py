"""Prose: Markdown as one sentence per line, and the line-break-free form that fingerprints it."""

from __future__ import annotations

import bisect
import difflib
import functools
import itertools
import re
from typing import Literal

# A block is reflowed only when it is plainly a paragraph: when its first line could start a
# list, heading, quote, code block, table, line block, footnote or link definition, or any line
# could end the paragraph or make it something else (pandoc's markdown needs a blank line before
# a list, heading or quote, but not before a setext underline, a definition or a fence), or has
# a hard line break, the block stays exactly as written: reflowing never changes what renders.
_BLOCK_START = re.compile(
    r"""^(?:
        \s              # indented: code, or a continuation we do not reason about
      | [-*+](?:\s|$)   # bullet list
      | (?:[-*_]\s*){3,}$  # horizontal rule
      | [:>|#<=~`]      # definition, quote, line block or table, heading, HTML, setext, fences
      | \d+[.)]         # ordered list
      | [(]?(?:[a-zA-Z]|[ivxlcdmIVXLCDM]+|\#)[.)](?:\s|$)  # pandoc's fancy lists: a. (b) iv. #.
      | \[[^\]]*\]:     # link or footnote definition
      | \[\^            # footnote
      | @               # example lists (@) and citations we leave where they are
    )""",
    re.VERBOSE,
)
_LINE_STOP = re.compile(r"^(?:\s|[-=]+\s*$|[:|<]|`{3,}|~{3,}|\[[^\]]*\]:|(?:[-*_]\s*){3,}$)")
_HARD_BREAK = re.compile(r"(?:  |\\)$")
# Words after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    "dr mr mrs ms mx prof st jr sr vs etc e.g i.e cf al approx fig dept univ inc ltd".split()
)
# A sentence ends at . ! or ? (and any closing quotes or brackets) followed by a space and a
# capital letter, perhaps after an opening quote or emphasis: a line never starts a block so.
_SENTENCE_END = re.compile(r"([.!?][\"'”’)\]*_]*) +(?=[\"“‘(]?[*_]{0,3}[A-Z])")


def is_paragraph(lines: list[str]) -> bool:
    """Whether a block of lines is a plain paragraph whose line breaks may move."""
    return bool(lines) and not _BLOCK_START.match(lines[0]) and not any(
        _LINE_STOP.match(line) or _HARD_BREAK.search(line) or not line.strip()
        for line in lines
    )


def blocks(text: str) -> list[str]:
    """The blocks of a Markdown text, as separated by blank lines."""
    return [b for b in re.split(r"\n[ \t]*\n", text.strip("\n")) if b.strip()]


def _protected(text: str) -> list[tuple[int, int]]:
    """Spans where a line must not break: code, links and their targets, autolinks."""
    spans: list[tuple[int, int]] = []
    # No pattern may run over the character that starts it again: `\[[^\]]*\]` would scan to
    # the end of the text from every `[` of a long `![![![`, in quadratic time.
    for pattern in (r"`+[^`]*`+", r"\[[^\[\]]*\](?:\([^()]*\)|\[[^\[\]]*\])?", r"<[^<>\s]+>",
                    r"https?://\S+"):
        spans.extend(m.span() for m in re.finditer(pattern, text))
    return spans


class _Spans:
    """Whether an offset falls strictly inside any of some spans, in logarithmic time."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [a for a, _ in ordered]
        self.reach = list(itertools.accumulate((b for _, b in ordered), max))

    def inside(self, offset: int) -> bool:
        before = bisect.bisect_left(self.starts, offset)
        return before > 0 and self.reach[before - 1] > offset


def _ends_sentence(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return True
    # The word before the full stop; found from the stop backwards, so that a paragraph of
    # many stops is read once, not once a stop.
    start = dot
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    if start == dot:
        return False
    token = text[start:dot].lstrip("(\"“‘'*_").lower()
    if token in ABBREVIATIONS or token.rstrip(".") in ABBREVIATIONS:
        return False
    # Initials (J. R. Smith) are not sentence ends.
    return not (len(token) == 1 and token.isalpha())


_LOOK_AHEAD = 1000


def sentences(paragraph: str) -> list[str]:
    """A paragraph's text as one sentence per line (its words and their order untouched)."""
    joined = " ".join(line.strip() for line in paragraph.splitlines())
    protected = _Spans(_protected(joined))
    lines: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(joined):
        cut = match.end(1)
        if protected.inside(cut) or not _ends_sentence(joined, match.start(1)):
            continue
        # A line starting so could read as a list or heading to some renderer. The next
        # sentence starts with a capital, a quote or a bracket, so its first characters tell.
        if _BLOCK_START.match(joined[match.end():match.end() + _LOOK_AHEAD]):
            continue
        lines.append(joined[start:cut])
        start = match.end()
    lines.append(joined[start:])
    return lines


def semantic_lines(text: str) -> str:
    """Markdown with each plain paragraph broken after every sentence; renders the same."""
    out = []
    for block in blocks(text):
        lines = block.splitlines()
        if is_paragraph(lines):
            out.append("\n".join(sentences(block)))
        else:
            out.append("\n".join(line.rstrip() if not _HARD_BREAK.search(line) else line
                                 for line in lines))
    return "\n\n".join(out) + "\n" if out else ""


# The freeze rule asks this of the same passages for every edition that prints them.
@functools.lru_cache(maxsize=8192)
def normalized(text: str) -> str:
    """Markdown without the line breaks that do not change what renders: what a passage says."""
    out = []
    for block in blocks(text):
        lines = block.splitlines()
        if is_paragraph(lines):
            out.append(" ".join(block.split()))
        else:
            out.append("\n".join(line.rstrip() for line in lines))
    return "\n\n".join(out)


# Texts of up to so many words a side are compared whole, as difflib does it; longer ones
# change by change within a window, since difflib's time grows with the square of the length.
WHOLE = 2000
Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]
WINDOW = 120


def word_opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    """difflib's opcodes between two lists of words, in near-linear time on long texts."""
    if len(a) <= WHOLE and len(b) <= WHOLE:
        return difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    ops: list[Opcode] = []
    i = j = 0
    while i < len(a) and j < len(b):
        k = 0
        while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
            k += 1
        if k:
            ops.append(("equal", i, i + k, j, j + k))
            i, j = i + k, j + k
            continue
        # a[i] and b[j] differ: the first change of the windows from here is this change
        window = difflib.SequenceMatcher(a=a[i:i + WINDOW], b=b[j:j + WINDOW], autojunk=False)
        tag, i1, i2, j1, j2 = window.get_opcodes()[0]
        ops.append((tag, i + i1, i + i2, j + j1, j + j2))
        i, j = i + i2, j + j2
    if i < len(a) or j < len(b):
        ops.append(("delete" if i < len(a) else "insert", i, len(a), j, len(b)))
    return ops


class _Given(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """difflib's grouping of opcodes into hunks, over opcodes found otherwise."""

    def __init__(self, opcodes: list[Opcode]) -> None:
        super().__init__(autojunk=False)
        self.given = opcodes

    def get_opcodes(self) -> list[Opcode]:
        return self.given


def word_change(old: str, new: str, context: int = 2, most: int = 30) -> tuple[str, int]:
    """A change between two texts in words, 'old words' → 'new words', from the first changed
    word to the last (or only the first change when they are far apart), with a little context;
    and the offset in `new` where the change starts."""
    old_words = old.split()
    new_matches = list(re.finditer(r"\S+", new))
    new_words = [m.group() for m in new_matches]
    changed = [op for op in word_opcodes(old_words, new_words) if op[0] != "equal"]
    if not changed:
        return "line breaks only", 0
    first, last = changed[0], changed[-1]
    if max(last[2] - first[1], last[4] - first[3]) > most:
        last = first
    before = " ".join(old_words[max(first[1] - context, 0):last[2] + context])
    after = " ".join(new_words[max(first[3] - context, 0):last[4] + context])
    offset = new_matches[first[3]].start() if first[3] < len(new_matches) else len(new)
    return f"'{before}' → '{after}'", offset


def word_diff(old: str, new: str, context: int = 4) -> list[str]:
    """Each change between two texts as one line of words: `… a [-b-] {+c+} d …`."""
    a, b = old.split(), new.split()
    matcher = _Given(word_opcodes(a, b))
    hunks = []
    for group in matcher.get_grouped_opcodes(context):
        parts = []
        first, last = group[0], group[-1]
        if first[1] > 0 or first[3] > 0:
            parts.append("…")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                parts.append(" ".join(a[i1:i2]))
                continue
            if i2 > i1:
                parts.append("[-" + " ".join(a[i1:i2]) + "-]")
            if j2 > j1:
                parts.append("{+" + " ".join(b[j1:j2]) + "+}")
        if last[2] < len(a) or last[4] < len(b):
            parts.append("…")
        hunks.append(" ".join(p for p in parts if p))
    return hunks


def reading_text(markdown: str) -> str:
    """Markdown's words as a reader sees them, near enough to compare: emphasis marks, link
    targets, heading and quote marks removed; citations kept. Runs no renderer."""
    text = re.sub(r"(?<!\\)\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"<(https?://[^>\s]+|mailto:[^>\s]+)>", r"\1", text)
    text = re.sub(r"^\s{0,3}(?:#+|>)\s?", "", text, flags=re.M)
    text = re.sub(r"\*+|(?<!\w)_+|_+(?!\w)|`+", "", text)
    return text
