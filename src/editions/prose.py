"""Prose: Markdown as one sentence per line, and the line-break-free form that fingerprints it."""

from __future__ import annotations

import bisect
import difflib
import functools
import itertools
import re
from typing import Literal

from editions.i18n import language_of

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
# Words after which a full stop does not end a sentence, by the publication's language (its
# primary subtag); a language not listed uses English's. Initials and dotted abbreviations
# ("z. B.", "d.h.", "c.-à-d.", "J. R. R.") need no entry: a single letter, or single letters
# joined by dots and hyphens, never ends a sentence.
ABBREVIATIONS: dict[str, frozenset[str]] = {
    language: frozenset(words.split()) for language, words in {
        "en": "dr mr mrs ms mx prof st jr sr vs etc e.g i.e cf al approx fig dept univ inc ltd "
              "vol",
        "de": "dr prof bzw ca nr etc usw vgl evtl ggf bspw inkl ggü zb dh ua sog hr fr frl "
              "str tel abs abb bd jh jhd mio mrd geb verh gest",
        "fr": "m mme mmes mlle mlles mm dr pr me st ste etc ex cf env av apr tél vol "
              "p.ex c.-à-d n°",
        "es": "sr sra sres sras srta dr dra dres ud uds vd vds d dña etc ej p.ej pág núm "
              "aprox tel ee uu av avda prof",
        "nl": "bijv dhr mevr mr dr prof ir ing drs etc enz evt ca nl resp zgn jl blz tel "
              "nr o.a d.w.z",
    }.items()
}
# Languages that write ordinals with a full stop ("am 3. Mai", "der 2. Schub"): there a
# number of up to three digits before a stop is an ordinal, not a sentence's end.
ORDINAL_STOP = frozenset("de da nb nn no fi is et lv cs sk sl hr sr bs hu pl tr".split())
# What may close a sentence after its mark: quotes of every shipped language (“…” and „…“,
# »…« and « … » with a space inside), brackets and emphasis.
_CLOSERS = r"(?:[\"'”’“‘»«›‹)\]*_]|[ \u00a0\u202f][»›](?![\w*_]))*"
# What may open the next one: quotes, brackets, ¿ and ¡, emphasis, then a letter.
_OPENERS = r"[\"'“‘„‚«»‹›(\[¿¡]{0,2}[\u00a0\u202f ]?[*_]{0,3}"
# A sentence ends at . ! or ? (and what closes it) followed by a space and an uppercase letter
# of any script, perhaps after what opens a sentence: a line never starts a block so.
_SENTENCE_END = re.compile(rf"([.!?]{_CLOSERS}) +(?={_OPENERS}(?P<first>[^\W\d_]))")
# pandoc's own abbreviations (`pandoc --print-default-data-file abbreviations`): with its
# `smart` extension the space after one prints as a no-break space, a line break as a space.
# So no line may break after one, and a break the editor put there stays.
PANDOC_ABBREVIATIONS = frozenset("""
    aet. aetat. al. Apr. Aug. bk. Bros. c. Capt. cf. ch. chap. chs. Co. col. Corp. cp. d. Dec.
    Dr. e.g. ed. eds. esp. f. fasc. Feb. ff. fig. fl. fol. fols. Fr. Gen. Gov. Hon. i.e. ill.
    Inc. incl. Jan. Jr. Jul. Jun. Ltd. M.A. M.D. Mar. Mr. Mrs. Ms. n. n.b. nn. No. Nov. Oct.
    p. Ph.D. pp. Pres. Prof. pt. q.v. Rep. Rev. s.v. s.vv. saec. sec. Sen. Sep. Sept. Sgt. Sr.
    St. univ. viz. vol. vs.
""".split())
_OPENING = "(\"“‘„‚«»‹›'*_¿¡["
_DOTTED = re.compile(r"[^\W\d_](?:[.-]+[^\W\d_])+")


def _kept_end(line: str) -> bool:
    """Whether a line's trailing spaces print: a hard break, or one of pandoc's abbreviations
    and a space, which pandoc prints as a no-break space."""
    if _HARD_BREAK.search(line):
        return True
    words = line.split(" ")
    return len(words) > 1 and words[-1] == "" and _pandoc_abbreviation(words[-2])


def is_paragraph(lines: list[str]) -> bool:
    """Whether a block of lines is a plain paragraph whose line breaks may move."""
    return bool(lines) and not _BLOCK_START.match(lines[0]) and not any(
        _LINE_STOP.match(line) or _kept_end(line) or not line.strip()
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


def _ends_sentence(text: str, dot: int, language: str) -> bool:
    if text[dot] != ".":
        return True
    # The word before the full stop; found from the stop backwards, so that a paragraph of
    # many stops is read once, not once a stop.
    start = dot
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    if start == dot:
        return False
    if text[dot + 1:dot + 2] == " " and _pandoc_abbreviation(text[start:dot + 1]):
        return False  # pandoc prints the space after it as a no-break space
    token = text[start:dot].lstrip(_OPENING).lower()
    known = ABBREVIATIONS.get(language, ABBREVIATIONS["en"])
    if token in known or token.rstrip(".") in known:
        return False
    if language in ORDINAL_STOP and token.isdigit() and len(token) <= 3:
        return False
    # Initials (J. R. Smith, Ł. Nowak) and dotted abbreviations (z.B., d.w.z., c.-à-d.)
    return not (len(token) == 1 and token.isalpha()) and not _DOTTED.fullmatch(token)


def _pandoc_abbreviation(word: str) -> bool:
    return word in PANDOC_ABBREVIATIONS or word.lstrip(_OPENING) in PANDOC_ABBREVIATIONS


def _kept_breaks(lines: list[str]) -> list[list[str]]:
    """A paragraph's lines in runs that end where a line ends in one of pandoc's
    abbreviations: joining such a line to the next would print a no-break space there."""
    runs: list[list[str]] = [[]]
    for line in lines:
        runs[-1].append(line)
        words = line.split()
        if words and _pandoc_abbreviation(words[-1]):
            runs.append([])
    return [run for run in runs if run]


_LOOK_AHEAD = 1000


def sentences(paragraph: str, language: str = "en") -> list[str]:
    """A paragraph's text as one sentence per line (its words and their order untouched), the
    abbreviations being those of `language` (a BCP 47 tag)."""
    language = language_of(language)
    return [line for run in _kept_breaks(paragraph.splitlines())
            for line in _run_sentences(run, language)]


def _run_sentences(run: list[str], language: str) -> list[str]:
    # Only spaces and tabs are taken off a line's ends: a no-break space prints.
    joined = " ".join(line.strip(" \t") for line in run)
    protected = _Spans(_protected(joined))
    lines: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(joined):
        cut = match.end(1)
        first = match.group("first")
        if not (first.isupper() or first.istitle()) or protected.inside(cut) or not (
                _ends_sentence(joined, match.start(1), language)):
            continue
        # A line starting so could read as a list or heading to some renderer. The next
        # sentence starts with a capital, a quote or a bracket, so its first characters tell.
        if _BLOCK_START.match(joined[match.end():match.end() + _LOOK_AHEAD]):
            continue
        lines.append(joined[start:cut])
        start = match.end()
    lines.append(joined[start:])
    return lines


def semantic_lines(text: str, language: str = "en") -> str:
    """Markdown with each plain paragraph broken after every sentence of the publication's
    `language`; renders the same."""
    out = []
    for block in blocks(text):
        lines = block.splitlines()
        if is_paragraph(lines):
            out.append("\n".join(sentences(block, language)))
        else:
            out.append("\n".join(line.rstrip() if not _kept_end(line) else line
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
